/* The reachability graph of one state, for pictures (`snipeproof graph`):
 * which instances are present, which edges are active, and what each
 * admits.  Computed here so that outputs never evaluate the model. */
#ifndef SP_GRAPH_H
#define SP_GRAPH_H

#include "../model/model.h"

typedef struct sp_graph_edge {
    uint32_t fact;            /* the EDGE fact */
    uint32_t src, dst;        /* instances; src may be SP_INTERNET */
    const sp_reqset *admits;  /* what may cross it in this state */
} sp_graph_edge;

typedef struct sp_state_graph {
    unsigned char *present;   /* per instance */
    sp_graph_edge *edges;
    size_t nedges;
} sp_state_graph;

/* `done` holds a byte per event of `u` (NULL: nothing done, the source
 * configuration; use an all-ones array for the target configuration). */
bool sp_state_graph_build(const sp_update *u, const unsigned char *done, sp_state_graph *out);

#endif
