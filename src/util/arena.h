/* Arena allocation: every object of one analysis run lives in one arena and
 * dies with it, so no stage frees anything piecemeal. */
#ifndef SP_ARENA_H
#define SP_ARENA_H

#include <stddef.h>
#include <string.h>

typedef struct sp_arena_chunk sp_arena_chunk;

typedef struct sp_arena {
    sp_arena_chunk *head;
    char *cur;             /* the free part of the head chunk: cur[0..avail) */
    size_t avail;
    sp_arena_chunk *spare; /* chunks given back by sp_arena_reset, for reuse */
    size_t total;   /* bytes handed out, for the memory bound */
    size_t limit;   /* 0 = unlimited; beyond it allocation fails */
} sp_arena;

/* Every block is aligned for any object (and sizes are rounded up to it). */
#define SP_ARENA_ALIGN _Alignof(max_align_t)

void sp_arena_init(sp_arena *a, size_t limit);
void sp_arena_release(sp_arena *a);

/* The out-of-line part of sp_arena_alloc_raw: a new chunk, a limit, an
 * empty or huge request. */
void *sp_arena_alloc_slow(sp_arena *a, size_t size);

/* Returns memory aligned for any object, not zeroed, for memory the caller
 * fills at once; NULL when the limit is reached or malloc fails (callers
 * turn NULL into an error, never a crash).  Inline: a large input makes
 * millions of small allocations. */
static inline void *sp_arena_alloc_raw(sp_arena *a, size_t size)
{
    size_t n = (size + SP_ARENA_ALIGN - 1) & ~(size_t)(SP_ARENA_ALIGN - 1);
    if (size - 1 < 65536 && n <= a->avail && !a->limit) {
        void *p = a->cur;
        a->cur += n;
        a->avail -= n;
        a->total += n;
        return p;
    }
    return sp_arena_alloc_slow(a, size);
}

/* The same, zeroed. */
void *sp_arena_alloc(sp_arena *a, size_t size);
void *sp_arena_calloc(sp_arena *a, size_t n, size_t size);
/* A position in an arena; resetting to it frees everything allocated
 * since, so a loop can reuse one arena for per-iteration temporaries.  The
 * chunks it empties are kept for the next allocations (a loop that crosses
 * a chunk boundary at every turn would otherwise map and unmap a chunk
 * every time) and released with the arena. */
typedef struct sp_arena_mark {
    sp_arena_chunk *head;
    size_t used, total;
} sp_arena_mark;

sp_arena_mark sp_arena_get_mark(const sp_arena *a);

/* Moves every block of `from` into `into` (which then owns them; `from` is
 * left empty).  Blocks keep their addresses, so what was built in `from` —
 * by another thread, say — stays valid.  Marks of `into` taken before stay
 * valid: the blocks go behind its current chunk. */
void sp_arena_adopt(sp_arena *into, sp_arena *from);
void sp_arena_reset(sp_arena *a, sp_arena_mark mark);

char *sp_arena_strndup(sp_arena *a, const char *s, size_t n);
char *sp_arena_strdup(sp_arena *a, const char *s);
char *sp_arena_printf(sp_arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
