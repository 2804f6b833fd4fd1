/* Indices over one update that every evaluation needs: which facts lead
 * into a component, which rules belong to a guard, which attachments fill a
 * slot, the transitive order on events, and reference resolution. */
#ifndef SP_WORLD_H
#define SP_WORLD_H

#include "../model/model.h"
#include "cells.h"

#include <stdbool.h>
#include <stdint.h>

/* Facts grouped under a key; lists are ordered by (priority, fact index). */
typedef struct sp_fact_index {
    uint64_t *keys;     /* open addressing; 0 = empty slot */
    uint32_t *list;     /* list number per slot */
    size_t cap;
    uint32_t *first;    /* list i = facts[first[i] .. first[i+1]) */
    uint32_t *facts;
    size_t nlists;
} sp_fact_index;

typedef struct sp_world {
    sp_arena arena; /* the indices; sp_world_release frees them */
    const sp_model *m;
    const sp_update *u;
    sp_ctx *ctx;
    /* EDGE facts by destination component, by source component, and
     * those whose source is the internet. */
    uint32_t *edges_in_first, *edges_in;
    uint32_t *edges_out_first, *edges_out;
    SP_VEC(uint32_t) edges_from_internet;
    /* RULE facts by guard (component, name); ATTACH facts by slot. */
    sp_fact_index rules, attaches;
    /* CLAIM facts by name; every REFER fact. */
    sp_fact_index claims;
    SP_VEC(uint32_t) refers;
    /* Transitive order: the bitset sp_world_pred(w, e) holds every event
     * that must precede e through explicit edges (the main-before-cleanup
     * rule is applied by sp_world_before).  Only events with an explicit
     * predecessor have a row of their own; the others share the empty row
     * 0, so a large update with few explicit edges does not pay events²
     * bits. */
    sp_word *pred;
    uint32_t *pred_row; /* per event */
    size_t pred_words;
    uint32_t *topo; /* events in a topological order */
    uint32_t *topo_rank;
} sp_world;

/* Builds the indices (in the world's own arena, which sp_world_release
 * frees, also after a failed build). */
bool sp_world_build(sp_world *w, const sp_update *u);
void sp_world_release(sp_world *w);

/* The events that must precede e through explicit edges (pred_words words). */
static inline const sp_word *sp_world_pred(const sp_world *w, uint32_t e)
{
    return w->pred + (size_t)w->pred_row[e] * w->pred_words;
}

/* Must event a happen before event b in every run of the update? */
bool sp_world_before(const sp_world *w, uint32_t a, uint32_t b);

/* The facts listed under a key; count in *n. */
const uint32_t *sp_fact_index_get(const sp_fact_index *ix, uint32_t component, sp_name name,
                                  size_t *n);

/* Presence of instance i in a state given as a byte per event (1 = done). */
bool sp_world_present(const sp_world *w, uint32_t instance, const unsigned char *done);

/* Which instance a reference from `contributor` means, given per-instance
 * presence; SP_NONE when that instance is absent, SP_INTERNET for the
 * internet.  See sp_ref in model.h. */
uint32_t sp_world_resolve(const sp_world *w, uint32_t component, uint32_t contributor,
                          const unsigned char *present);

/* The instances of a component (one or two). */
int sp_world_instances(const sp_world *w, uint32_t component, uint32_t out[2]);

/* The SLOT or GUARD fact named `name` hosted by instance i, or SP_NONE. */
uint32_t sp_world_hosted(const sp_world *w, uint32_t instance, sp_fact_kind kind, sp_name name);

#endif
