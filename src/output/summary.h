/* The words shared by the outputs: how a finding's instance, excess,
 * path, witness and fix are said to people (text output, SARIF messages),
 * and the counts of a report's summary (every format).  Everything here
 * only reads the report; nothing is recomputed. */
#ifndef SP_OUTPUT_SUMMARY_H
#define SP_OUTPUT_SUMMARY_H

#include "../analysis/analysis.h"

#include <stdbool.h>
#include <stdio.h>

/* ---- names ---- */

/* "exposure-window" / "dangling-reference-window" (DESIGN §5). */
const char *sp_kind_id(sp_finding_kind kind);
/* "exposure window" / "dangling-reference window". */
const char *sp_kind_words(sp_finding_kind kind);
/* "update" / "rollback" (DESIGN §5 "direction"). */
const char *sp_direction_id(sp_direction d);
/* A node of a path: "internet", or the key of the instance's component. */
const char *sp_node_name(const sp_model *m, uint32_t inst);
/* The key of a component ("?" when out of range). */
const char *sp_component_key(const sp_model *m, uint32_t comp);

/* Where a finding's instance is defined; false when it has no position.
 * `file` is the path as given on the command line. */
bool sp_finding_location(const sp_model *m, const sp_finding *f, const char **file,
                         unsigned *line, unsigned *column);

/* ---- counts ---- */

typedef struct sp_report_counts {
    size_t components, modeled, events;
    size_t windows;    /* findings that are not suppressed */
    size_t suppressed;
} sp_report_counts;

sp_report_counts sp_report_count(const sp_report *r);

/* ---- sentences (written to `out`, no newline) ---- */

/* "WebServer (new)", "WebServer (old)", "WebServer" when unchanged. */
void sp_say_instance(FILE *out, const sp_model *m, uint32_t inst);
/* What the window is, in one sentence ending with a full stop. */
void sp_say_what(FILE *out, const sp_model *m, const sp_finding *f);
/* "tcp port 22 from 0.0.0.0/0, credentials: none". */
void sp_say_excess_row(FILE *out, const sp_excess_row *row);
/* "internet -> Router -> WebServer". */
void sp_say_path(FILE *out, const sp_model *m, const sp_finding *f);
/* "if WebServer is updated while Router is not yet updated". */
void sp_say_witness(FILE *out, const sp_update *u, const sp_finding *f);
/* "update Router before WebServer (add Router to the DependsOn of
 * WebServer)".  Each edge of a finding's fix removes its witness on its
 * own (sp_plan_hints), so several are alternatives, joined by "; or ".
 * Nothing when the finding has no fix. */
void sp_say_fix(FILE *out, const sp_update *u, const sp_finding *f);
/* One extra ordering edge: "update Router before WebServer (add Router to
 * the DependsOn of WebServer)". */
void sp_say_edge(FILE *out, const sp_update *u, const sp_edge_hint *e);
/* The hint given when no extra ordering avoids a window. */
void sp_say_no_fix(FILE *out, const sp_update *u, const sp_finding *f);

#endif
