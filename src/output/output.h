/* Outputs: each format in its own file; none recomputes analysis results.
 *
 *   text.c    — check results for people (terminal, logs)
 *   json.c    — check results for scripts (DESIGN §5, stable names)
 *   sarif.c   — check results for code-scanning services (SARIF 2.1.0)
 *   plan.c    — plans, for people (text) and for scripts (JSON)
 *   dot.c     — reachability graphs (`snipeproof graph`) as Graphviz DOT
 *   summary.c — the wording shared by the outputs for people
 *   diag.c    — diagnostics: FILE:LINE:COL, the source line, a caret
 */
#ifndef SP_OUTPUT_H
#define SP_OUTPUT_H

#include "../analysis/analysis.h"
#include "../analysis/graph.h"
#include "../planner/planner.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct sp_output_options {
    bool color;
    bool quiet;
} sp_output_options;

/* One analysed direction of an update.  `check --rollback` renders two:
 * the update, then the roll-back. */
typedef struct sp_check_result {
    const sp_report *report;
    sp_direction direction;
    /* Whether the findings' `fix` lists were computed.  When they were, an
     * empty list means that no extra ordering avoids the window (a phased
     * update is needed); when not (no planner ran), the outputs say
     * nothing about how to avoid it rather than claim that nothing can. */
    bool fixes_known;
} sp_check_result;

/* The renderers write one document for all `n` results.  The JSON and
 * SARIF renderers return false when they ran out of memory or could not
 * write; then they may have written part of the document. */
void sp_render_check_text(const sp_check_result *results, size_t n, const sp_output_options *o,
                          FILE *out);
/* One result: one JSON object; several: an array of them, in order. */
bool sp_render_check_json(const sp_check_result *results, size_t n, FILE *out);
/* One SARIF log with one run whose results are the findings of every
 * direction (each result's properties name its direction); suppressed
 * findings are results with a `suppressions` entry. */
bool sp_render_check_sarif(const sp_check_result *results, size_t n, FILE *out);

/* One planned direction of an update (`plan`, `plan --rollback`). */
typedef struct sp_plan_result {
    const sp_plan *plan;
    const sp_update *update; /* the update as the engine would run it */
    sp_direction direction;
} sp_plan_result;

void sp_render_plan_text(const sp_plan_result *results, size_t n, const sp_output_options *o,
                         FILE *out);
/* DESIGN §5 `plan --format json`: one object, or an array of them. */
bool sp_render_plan_json(const sp_plan_result *results, size_t n, FILE *out);

/* A picture of one configuration (`old_state` NULL: the state graph of
 * NEW alone) or of an update (`old_state`: every event pending,
 * `new_state`: every event done; the update's events and order are drawn
 * too). */
typedef struct sp_dot_graph {
    const sp_update *update;
    const sp_state_graph *old_state, *new_state;
} sp_dot_graph;

/* Graphviz DOT, deterministic (instances, edges and events in model
 * order).  False when out of memory or the write failed. */
bool sp_render_graph_dot(const sp_dot_graph *g, FILE *out);

#endif
