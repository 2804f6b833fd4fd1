/* Exposure in one state (DESIGN §3.4).  Two evaluators:
 *  - the set evaluator computes, for a subgraph, every node's reachable
 *    request set as a bitset over a universe of cells (a least fixpoint of
 *    X(v) = ∪ X(u) ∩ admitted(u→v), X(internet) = everything);
 *  - the point evaluator decides for one concrete request whether it
 *    reaches an instance in a state over the whole model, and returns the
 *    path.  It re-checks every witness independently of the search. */
#ifndef SP_EXPOSURE_H
#define SP_EXPOSURE_H

#include "world.h"

typedef struct sp_fact_bits sp_fact_bits;

typedef struct sp_eval {
    const sp_world *w;
    const sp_universe *u;
    sp_arena *scratch;             /* cached fact bitsets; live as long as the universe */
    sp_arena *temp;                /* per-state temporaries; the caller resets it */
    const unsigned char *present;  /* per instance */
    sp_fact_bits *cache;           /* fact -> bitset of its set/set2 */
    sp_word *all, *tmp;
} sp_eval;

bool sp_eval_init(sp_eval *ev, const sp_world *w, const sp_universe *u, sp_arena *scratch,
                  sp_arena *temp, size_t expected_facts);

/* Bitset of a fact's `set` (which = 0) or `set2` (which = 1), cached per set;
 * read-only (facts with equal sets share it). */
const sp_word *sp_eval_fact_set(sp_eval *ev, uint32_t fact, int which);

/* The request set a slot admits in the current state; `out` is filled. */
void sp_eval_slot(sp_eval *ev, uint32_t host, sp_name name, sp_word *out);

/* Whether edge fact f is active in the current state, and what it admits.
 * *src / *dst receive the resolved endpoints. */
bool sp_eval_edge(sp_eval *ev, uint32_t f, sp_word *admitted, uint32_t *src, uint32_t *dst);

/* Least fixpoint over the given EDGE facts: x[node_index[i]] for each
 * instance i listed in `nodes` (node_index is world-sized: instance ->
 * position in `nodes`).  x must hold nnodes bitsets. */
bool sp_eval_reach(sp_eval *ev, const uint32_t *edges, size_t nedges, const uint32_t *node_index,
                   size_t nnodes, sp_word **x);

/* What instance v accepts (its ACCEPTS facts, or everything). */
void sp_eval_accepts(sp_eval *ev, uint32_t v, sp_word *out);

/* Scratch space of the point evaluator, reused across calls so that one
 * call costs what it visits, not the size of the model. */
typedef struct sp_point_ws {
    const sp_world *w;
    unsigned char *present;   /* per instance: presence in the source configuration between calls */
    uint32_t *parent, *queue; /* per instance */
    unsigned char *ancestor;  /* per component */
    uint32_t *stack;          /* per component: the ancestors found */
    unsigned char *none;      /* per event: a state where nothing happened */
    uint32_t *seeds;          /* edges from the internet into the ancestors */
} sp_point_ws;

bool sp_point_ws_init(sp_point_ws *ws, const sp_world *w);
void sp_point_ws_release(sp_point_ws *ws);

/* Point evaluation over the whole model in the state `done` (a byte per
 * event; `done_list` lists the same events).  Returns whether `point`
 * reaches instance v (and is accepted); on success the path is written to
 * path[0..*npath) (SP_INTERNET first), allocated in ctx's arena. */
bool sp_point_reaches(sp_point_ws *ws, const unsigned char *done, const uint32_t *done_list,
                      size_t ndone, uint32_t v, const sp_key point[SP_NDIMS], uint32_t **path,
                      size_t *npath);

#endif
