/* madvise */
#define _DEFAULT_SOURCE
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { CHUNK_MIN = 64 * 1024 };
/* Chunks from this size on ask for huge pages (new_chunk). */
enum { HUGE_CHUNK_MIN = 4 * 1024 * 1024, PAGE_GUESS = 4096 };

struct sp_arena_chunk {
    sp_arena_chunk *next;
    size_t size, used;
    max_align_t data[];
};

void sp_arena_init(sp_arena *a, size_t limit)
{
    a->head = NULL;
    a->cur = NULL;
    a->avail = 0;
    a->spare = NULL;
    a->total = 0;
    a->limit = limit;
}

static void free_chunks(sp_arena_chunk *c)
{
    while (c) {
        sp_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

void sp_arena_release(sp_arena *a)
{
    free_chunks(a->head);
    free_chunks(a->spare);
    a->head = NULL;
    a->cur = NULL;
    a->avail = 0;
    a->spare = NULL;
    a->total = 0;
}

/* A chunk of at least `want` bytes: a spare one if one is large enough. */
static sp_arena_chunk *new_chunk(sp_arena *a, size_t want)
{
    for (sp_arena_chunk **p = &a->spare; *p; p = &(*p)->next)
        if ((*p)->size >= want) {
            sp_arena_chunk *c = *p;
            *p = c->next;
            return c;
        }
    sp_arena_chunk *c = malloc(sizeof *c + want);
    if (c)
        c->size = want;
#ifdef MADV_HUGEPAGE
    /* A large input fills chunks of many megabytes, and mapping them a
     * 4 KiB page at a time was a third of a large check's time: large
     * chunks ask for huge pages (a hint; the kernel may ignore it). */
    if (c && want >= HUGE_CHUNK_MIN) {
        uintptr_t lo = ((uintptr_t)c + PAGE_GUESS - 1) & ~(uintptr_t)(PAGE_GUESS - 1);
        uintptr_t hi = ((uintptr_t)c + sizeof *c + want) & ~(uintptr_t)(PAGE_GUESS - 1);
        if (hi > lo)
            madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#endif
    return c;
}

void *sp_arena_alloc(sp_arena *a, size_t size)
{
    void *p = sp_arena_alloc_raw(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

/* The head chunk's `used` is kept in a->cur / a->avail while it is the
 * head; these two write it back and read it. */
static void sync_head(sp_arena *a)
{
    if (a->head)
        a->head->used = a->head->size - a->avail;
}

static void enter_head(sp_arena *a)
{
    a->cur = a->head ? (char *)a->head->data + a->head->used : NULL;
    a->avail = a->head ? a->head->size - a->head->used : 0;
}

void *sp_arena_alloc_slow(sp_arena *a, size_t size)
{
    const size_t align = SP_ARENA_ALIGN;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    if (a->limit && a->total + size > a->limit)
        return NULL;
    if (size > a->avail) {
        sync_head(a);
        sp_arena_chunk *c = a->head;
        size_t want = size > CHUNK_MIN ? size : CHUNK_MIN;
        if (c && c->size * 2 > want && c->size < 64u * 1024 * 1024)
            want = c->size * 2 > size ? c->size * 2 : size;
        c = new_chunk(a, want);
        if (!c)
            return NULL;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        enter_head(a);
    }
    void *p = a->cur;
    a->cur += size;
    a->avail -= size;
    a->total += size;
    return p;
}

void sp_arena_adopt(sp_arena *into, sp_arena *from)
{
    sync_head(from);
    sync_head(into);
    sp_arena_chunk *last = from->head;
    while (last && last->next)
        last = last->next;
    if (last) {
        if (into->head) {
            last->next = into->head->next;
            into->head->next = from->head;
        } else {
            into->head = from->head;
            enter_head(into);
        }
    }
    sp_arena_chunk *spare_last = from->spare;
    while (spare_last && spare_last->next)
        spare_last = spare_last->next;
    if (spare_last) {
        spare_last->next = into->spare;
        into->spare = from->spare;
    }
    into->total += from->total;
    sp_arena_init(from, from->limit);
}

sp_arena_mark sp_arena_get_mark(const sp_arena *a)
{
    sp_arena_mark m = {a->head, a->head ? a->head->size - a->avail : 0, a->total};
    return m;
}

void sp_arena_reset(sp_arena *a, sp_arena_mark mark)
{
    while (a->head && a->head != mark.head) {
        sp_arena_chunk *next = a->head->next;
        a->head->next = a->spare;
        a->spare = a->head;
        a->head = next;
    }
    if (a->head)
        a->head->used = mark.used;
    enter_head(a);
    a->total = mark.total;
}

void *sp_arena_calloc(sp_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return sp_arena_alloc(a, n * size);
}

char *sp_arena_strndup(sp_arena *a, const char *s, size_t n)
{
    char *p = sp_arena_alloc_raw(a, n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

char *sp_arena_strdup(sp_arena *a, const char *s)
{
    return sp_arena_strndup(a, s, strlen(s));
}

char *sp_arena_printf(sp_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = sp_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
