/* Growable arrays backed by an arena.  A vector is a struct with `items`,
 * `len` and `cap`; growth copies into a fresh arena block (the old one is
 * reclaimed with the arena), which keeps ownership trivial. */
#ifndef SP_VEC_H
#define SP_VEC_H

#include "arena.h"

#include <stdbool.h>
#include <stddef.h>

#define SP_VEC(T) struct { T *items; size_t len, cap; }

/* Ensures room for one more element; false when the arena is exhausted. */
bool sp_vec_grow(sp_arena *a, void **items, size_t *cap, size_t len, size_t elem);

#define sp_vec_push(arena, v, value)                                              \
    ((v)->len < (v)->cap ||                                                       \
             sp_vec_grow((arena), (void **)&(v)->items, &(v)->cap, (v)->len,      \
                         sizeof *(v)->items)                                      \
         ? ((v)->items[(v)->len++] = (value), true)                               \
         : false)

#endif
