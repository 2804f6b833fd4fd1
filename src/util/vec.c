#include "vec.h"

#include <stdint.h>
#include <string.h>

bool sp_vec_grow(sp_arena *a, void **items, size_t *cap, size_t len, size_t elem)
{
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / elem)
        return false;
    void *n = sp_arena_alloc_raw(a, ncap * elem);
    if (!n)
        return false;
    if (len)
        memcpy(n, *items, len * elem);
    *items = n;
    *cap = ncap;
    return true;
}
