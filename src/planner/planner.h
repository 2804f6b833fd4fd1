/* The planner (DESIGN §3.6): an ordering fix (extra edges between
 * main-phase events), waves of events that may run in parallel, and — when
 * no ordering fix exists — a sequence of intermediate configurations. */
#ifndef SP_PLANNER_H
#define SP_PLANNER_H

#include "../analysis/analysis.h"

typedef enum sp_verdict {
    SP_VERDICT_SAFE,       /* no window as it is */
    SP_VERDICT_ORDERED,    /* extra edges suffice */
    SP_VERDICT_PHASED,     /* a sequence of intermediate configurations */
    SP_VERDICT_IMPOSSIBLE, /* not at component granularity */
} sp_verdict;

typedef struct sp_wave {
    uint32_t *events;
    size_t n;
} sp_wave;

/* One update step: what changes, the extra edges it needs, its waves. */
typedef struct sp_step {
    const sp_update *update;   /* the step's events and order (extra edges included) */
    uint32_t *changes;         /* components switched in this step */
    size_t nchanges;
    sp_edge_hint *edges;       /* extra edges (components: first, then) */
    size_t nedges;
    sp_wave *waves;
    size_t nwaves;
    unsigned char *to_new;     /* per component: version after the step (1 = NEW) */
} sp_step;

typedef struct sp_plan {
    sp_verdict verdict;
    bool complete;
    const char *incomplete_reason;
    sp_step *steps;            /* one step unless phased */
    size_t nsteps;
    uint32_t *conflicts;       /* impossible: the components in the way */
    size_t nconflicts;
    const char *why;           /* impossible: in words */
    const sp_report *windows;  /* impossible: the windows that remain */
} sp_plan;

bool sp_plan_compute(const sp_update *u, const sp_requirements *req, const sp_limits *lim,
                     sp_plan *out);

/* Fills each finding's `fix`: the edges (pending event first, done event
 * second, both main-phase) that make its witness state unreachable without
 * a cycle. */
bool sp_plan_hints(const sp_update *u, sp_report *r);

/* Groups an update's events into the fewest waves that respect its order. */
bool sp_plan_waves(const sp_update *u, sp_wave **waves, size_t *nwaves);

#endif
