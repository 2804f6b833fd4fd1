/* Elementary cells: for one question, the boundaries of every request set
 * involved split each dimension into elementary intervals; a cell is one
 * interval per dimension, and a request set is exactly a bitset of cells
 * (DESIGN §3.4).  Universes are built per question, so they stay small. */
#ifndef SP_CELLS_H
#define SP_CELLS_H

#include "../model/reqset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sp_universe {
    sp_key *starts[SP_NDIMS]; /* elementary interval i of dim d starts at starts[d][i] */
    uint32_t count[SP_NDIMS];
    size_t ncells;
    size_t nwords;           /* 64-bit words per bitset */
} sp_universe;

typedef uint64_t sp_word;

/* Collects boundaries.  Usage: sp_universe_begin, sp_universe_add for every
 * set that will be converted, then sp_universe_finish. */
typedef struct sp_universe_builder {
    SP_VEC(sp_key) bounds[SP_NDIMS];
    sp_arena *scratch;
    /* Sets added so far, by address: the sets of a model are interned, so
     * the facts of one question share a few of them, and a set added twice
     * adds nothing new. */
    const sp_reqset **seen;
    size_t seen_cap, seen_len;
} sp_universe_builder;

void sp_universe_begin(sp_universe_builder *b, sp_arena *scratch);
bool sp_universe_add(sp_universe_builder *b, const sp_reqset *s);
/* False when the universe would exceed max_cells (or memory). */
bool sp_universe_finish(sp_universe_builder *b, sp_universe *u, size_t max_cells);

/* Bitsets of u->nwords words, allocated from an arena. */
sp_word *sp_bits_new(sp_arena *a, const sp_universe *u);
void sp_bits_fill(const sp_universe *u, sp_word *s);  /* all cells */
void sp_bits_clear(const sp_universe *u, sp_word *s);
void sp_bits_copy(const sp_universe *u, sp_word *dst, const sp_word *src);
/* dst |= a & b; returns whether dst changed. */
bool sp_bits_or_and(const sp_universe *u, sp_word *dst, const sp_word *a, const sp_word *b);
bool sp_bits_or(const sp_universe *u, sp_word *dst, const sp_word *src);
void sp_bits_and(const sp_universe *u, sp_word *dst, const sp_word *src);
void sp_bits_andnot(const sp_universe *u, sp_word *dst, const sp_word *src);
bool sp_bits_empty(const sp_universe *u, const sp_word *s);
bool sp_bits_equal(const sp_universe *u, const sp_word *a, const sp_word *b);
bool sp_bits_intersects(const sp_universe *u, const sp_word *a, const sp_word *b);
bool sp_bits_get(const sp_word *s, size_t cell);
/* First cell set, or (size_t)-1. */
size_t sp_bits_first(const sp_universe *u, const sp_word *s);
/* A cell of the set to show people: one whose source range holds an
 * address of the documentation ranges when there is one, else the first. */
size_t sp_bits_pick_sample(const sp_universe *u, const sp_word *s);

/* Sets the cells of a request set (which must have been added). */
void sp_bits_from_set(const sp_universe *u, const sp_reqset *set, sp_word *out);
/* The cell containing a point; (size_t)-1 if none (cannot happen inside the domain). */
size_t sp_cell_of_point(const sp_universe *u, const sp_key point[SP_NDIMS]);
/* A representative point of a cell (the low corner, nudged to a readable
 * value where the interval allows it). */
void sp_cell_point(const sp_universe *u, size_t cell, sp_key point[SP_NDIMS]);
/* The intervals of a cell. */
void sp_cell_ivals(const sp_universe *u, size_t cell, sp_ival iv[SP_NDIMS]);

/* Converts a bitset back into a request set (merged boxes), allocated in
 * ctx's arena — used to keep requirements independent of universes. */
const sp_reqset *sp_bits_to_set(sp_ctx *ctx, const sp_universe *u, const sp_word *s);

#endif
