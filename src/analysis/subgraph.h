/* The part of the model that can influence the exposure of some instances:
 * every node with a path to them, every edge on such a path, and every
 * slot, guard, rule and attachment those edges consult.  Its instances'
 * births and deaths are the events that matter (ARCHITECTURE: influence
 * set). */
#ifndef SP_SUBGRAPH_H
#define SP_SUBGRAPH_H

#include "world.h"

typedef struct sp_subgraph {
    SP_VEC(uint32_t) nodes;    /* instances requests may pass through */
    SP_VEC(uint32_t) edges;    /* EDGE facts */
    SP_VEC(uint32_t) involved; /* instances whose presence matters */
    SP_VEC(uint32_t) set_facts;/* facts whose request sets are consulted */
    SP_VEC(uint32_t) events;   /* births and deaths of `involved` */
    uint32_t *node_index;      /* world-sized: instance -> position in nodes */
} sp_subgraph;

/* Scratch marks shared by successive subgraph builds of one world. */
typedef struct sp_subgraph_marks sp_subgraph_marks;

sp_subgraph_marks *sp_subgraph_marks_new(const sp_world *w);
void sp_subgraph_marks_free(sp_subgraph_marks *mk);

/* Builds the subgraph of the given targets into `sg`, allocating in
 * `arena`.  sg->node_index is borrowed from the marks and valid until the
 * next build. */
bool sp_subgraph_build(const sp_world *w, sp_subgraph_marks *mk, const uint32_t *targets,
                       size_t ntargets, sp_arena *arena, sp_subgraph *sg);

#endif
