/* Arena allocation: every object of one analysis run lives in one arena and
 * dies with it, so no stage frees anything piecemeal. */
#ifndef SP_ARENA_H
#define SP_ARENA_H

#include <stddef.h>

typedef struct sp_arena_chunk sp_arena_chunk;

typedef struct sp_arena {
    sp_arena_chunk *head;
    sp_arena_chunk *spare; /* chunks given back by sp_arena_reset, for reuse */
    size_t total;   /* bytes handed out, for the memory bound */
    size_t limit;   /* 0 = unlimited; beyond it allocation fails */
} sp_arena;

void sp_arena_init(sp_arena *a, size_t limit);
void sp_arena_release(sp_arena *a);

/* Returns zeroed memory aligned for any object, or NULL when the limit is
 * reached or malloc fails; callers turn NULL into an error, never a crash. */
void *sp_arena_alloc(sp_arena *a, size_t size);
/* The same without zeroing, for memory the caller fills at once. */
void *sp_arena_alloc_raw(sp_arena *a, size_t size);
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
void sp_arena_reset(sp_arena *a, sp_arena_mark mark);

char *sp_arena_strndup(sp_arena *a, const char *s, size_t n);
char *sp_arena_strdup(sp_arena *a, const char *s);
char *sp_arena_printf(sp_arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
