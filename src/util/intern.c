#include "intern.h"

#include <string.h>

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

void sp_intern_init(sp_name_table *t, sp_arena *a)
{
    memset(t, 0, sizeof *t);
    t->arena = a;
}

static size_t probe(const sp_name_table *t, const char *s, size_t n)
{
    size_t mask = t->table_cap - 1;
    size_t i = (size_t)hash_bytes(s, n) & mask;
    for (;;) {
        uint32_t id = t->table[i];
        if (!id)
            return i;
        if (t->lens[id] == n && memcmp(t->strings[id], s, n) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

static int rehash(sp_name_table *t)
{
    size_t ncap = t->table_cap ? t->table_cap * 2 : 256;
    uint32_t *old = t->table;
    size_t oldcap = t->table_cap;
    t->table = sp_arena_calloc(t->arena, ncap, sizeof *t->table);
    if (!t->table) {
        t->table = old;
        return -1;
    }
    t->table_cap = ncap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i])
            t->table[probe(t, t->strings[old[i]], t->lens[old[i]])] = old[i];
    return 0;
}

sp_name sp_intern_find(const sp_name_table *t, const char *s, size_t n)
{
    if (!t->table_cap)
        return 0;
    return t->table[probe(t, s, n)];
}

sp_name sp_intern_n(sp_name_table *t, const char *s, size_t n)
{
    if ((t->count + 1) * 2 >= t->table_cap && rehash(t))
        return 0;
    size_t slot = probe(t, s, n);
    if (t->table[slot])
        return t->table[slot];
    if (t->count + 2 > t->strings_cap) {
        size_t ncap = t->strings_cap ? t->strings_cap * 2 : 256;
        const char **ns = sp_arena_calloc(t->arena, ncap, sizeof *ns);
        uint32_t *nl = sp_arena_calloc(t->arena, ncap, sizeof *nl);
        if (!ns || !nl)
            return 0;
        if (t->strings) {
            memcpy(ns, t->strings, (t->count + 1) * sizeof *ns);
            memcpy(nl, t->lens, (t->count + 1) * sizeof *nl);
        }
        t->strings = ns;
        t->lens = nl;
        t->strings_cap = ncap;
    }
    if (n > UINT32_MAX)
        return 0;
    char *copy = sp_arena_strndup(t->arena, s, n);
    if (!copy)
        return 0;
    sp_name id = (sp_name)++t->count;
    t->strings[id] = copy;
    t->lens[id] = (uint32_t)n;
    t->table[slot] = id;
    return id;
}

sp_name sp_intern(sp_name_table *t, const char *s)
{
    return sp_intern_n(t, s, strlen(s));
}

const char *sp_intern_str(const sp_name_table *t, sp_name id)
{
    return id && id <= t->count ? t->strings[id] : "";
}
