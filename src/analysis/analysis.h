/* The analysis (DESIGN §3.3–3.5): exposure of every instance in one state,
 * the search for sniping windows over every reachable state, and witnesses.
 * It sees only the model; it knows nothing of file formats or vendors. */
#ifndef SP_ANALYSIS_H
#define SP_ANALYSIS_H

#include "../model/model.h"

#include <stdbool.h>

typedef enum sp_finding_kind {
    SP_FINDING_EXPOSURE,   /* exposure-window */
    SP_FINDING_DANGLING,   /* dangling-reference-window */
} sp_finding_kind;

/* One row of an excess summary: a product of these four (DESIGN §5). */
typedef struct sp_excess_row {
    const char *protocol, *ports, *sources, *credentials;
} sp_excess_row;

/* An ordering edge between two components' main-phase events. */
typedef struct sp_edge_hint {
    uint32_t first, then; /* components */
} sp_edge_hint;

typedef struct sp_finding {
    sp_finding_kind kind;
    uint32_t instance;
    const char *name;          /* dangling: the claimable name */
    sp_excess_row *excess;
    size_t nexcess;
    const sp_reqset *excess_set; /* the whole excess, exactly */
    uint32_t *path;            /* instances from the internet on; SP_INTERNET first */
    size_t npath;
    const char *sample;        /* one request from the excess, for people */
    uint32_t *done, *pending;  /* the events that matter to this finding */
    size_t ndone, npending;
    uint32_t *state;           /* one concrete reachable state: its events */
    size_t nstate;
    sp_edge_hint *fix;         /* ordering edges that remove it, if any */
    size_t nfix;
    bool suppressed;
    const char *suppress_reason;
} sp_finding;

typedef struct sp_report {
    const sp_model *model;
    const sp_update *update;
    SP_VEC(sp_finding) findings;
    bool complete;
    const char *incomplete_reason;
    unsigned long states_explored;
} sp_report;

typedef struct sp_limits {
    unsigned long max_states;  /* projected states evaluated in all */
    unsigned long max_cells;   /* cells of one local request universe */
} sp_limits;

#define SP_DEFAULT_MAX_STATES 5000000ul
#define SP_DEFAULT_MAX_CELLS (1ul << 22)

/* What each instance may be exposed to (DESIGN §3.4 "Requirement"),
 * computed once per update and shared by every schedule derived from it. */
typedef struct sp_requirements sp_requirements;

sp_requirements *sp_requirements_compute(const sp_update *u);
/* Frees the scratch memory requirements keep outside the run's arena. */
void sp_requirements_release(sp_requirements *r);

/* Finds every window of `u` measured against `req`.  Fills `out`; false
 * only on an internal failure (out of memory). */
bool sp_search(const sp_update *u, const sp_requirements *req, const sp_limits *lim,
               sp_report *out);

/* Brute force over every reachable state: the test oracle (small models,
 * at most 20 events).  Requirements are computed here, independently, from
 * the OLD and NEW of `requirements_from` (the update itself, or the whole
 * update a planner step belongs to).  Fills kind, instance, name and
 * excess_set only. */
bool sp_search_exhaustive(const sp_update *u, const sp_update *requirements_from,
                          sp_report *out);

/* Suppressions (analysis/suppress.c).  Whether suppression `s` of the
 * model covers finding `f`: same component and kind, and `s` comes from the
 * configuration that defines the finding's instance (OLD for an old
 * instance, NEW for a new one, either for one labelled unchanged). */
bool sp_suppression_covers(const sp_model *m, const sp_suppression *s, const sp_finding *f);
/* Marks every finding of `r` that a suppression covers (suppressed, with
 * the first covering suppression's reason).  sp_search calls it, so every
 * search, the planner's too, leaves accepted windows aside. */
void sp_apply_suppressions(const sp_model *m, sp_report *r);

/* Whether two request sets are equal (exactly, over their joint cells). */
bool sp_reqset_equal(sp_ctx *ctx, const sp_reqset *a, const sp_reqset *b);

#endif
