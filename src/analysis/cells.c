#include "cells.h"

#include "../util/hash.h"

#include <stdlib.h>
#include <string.h>

/* sp_key_cmp, inlined for the sorts and searches of this file. */
static inline bool key_less(const sp_key *a, const sp_key *b)
{
    if (a->tag != b->tag)
        return a->tag < b->tag;
    if (a->hi != b->hi)
        return a->hi < b->hi;
    return a->lo < b->lo;
}

static inline bool key_eq(const sp_key *a, const sp_key *b)
{
    return a->tag == b->tag && a->hi == b->hi && a->lo == b->lo;
}

void sp_universe_begin(sp_universe_builder *b, sp_arena *scratch)
{
    memset(b, 0, sizeof *b);
    b->scratch = scratch;
}

/* Whether `s` was added before; records it otherwise.  False in *ok
 * when out of memory. */
static bool seen_before(sp_universe_builder *b, const sp_reqset *s, bool *ok)
{
    if ((b->seen_len + 1) * 2 > b->seen_cap) {
        size_t ncap = b->seen_cap ? b->seen_cap * 2 : 32;
        const sp_reqset **n = sp_arena_calloc(b->scratch, ncap, sizeof *n);
        if (!n) {
            *ok = false;
            return false;
        }
        for (size_t i = 0; i < b->seen_cap; i++)
            if (b->seen[i]) {
                size_t j = (size_t)sp_mix64((uintptr_t)b->seen[i]) & (ncap - 1);
                while (n[j])
                    j = (j + 1) & (ncap - 1);
                n[j] = b->seen[i];
            }
        b->seen = n;
        b->seen_cap = ncap;
    }
    size_t j = (size_t)sp_mix64((uintptr_t)s) & (b->seen_cap - 1);
    while (b->seen[j]) {
        if (b->seen[j] == s)
            return true;
        j = (j + 1) & (b->seen_cap - 1);
    }
    b->seen[j] = s;
    b->seen_len++;
    return false;
}

bool sp_universe_add(sp_universe_builder *b, const sp_reqset *s)
{
    bool ok = true;
    if (!s || seen_before(b, s, &ok))
        return ok;
    for (uint32_t i = 0; i < s->nboxes; i++) {
        const sp_box *box = &s->boxes[i];
        for (int d = 0; d < SP_NDIMS; d++) {
            sp_ival dom = sp_dim_domain((sp_dim)d);
            for (uint32_t k = 0; k < box->n[d]; k++) {
                if (!sp_vec_push(b->scratch, &b->bounds[d], box->iv[d][k].lo))
                    return false;
                if (sp_key_cmp(box->iv[d][k].hi, dom.hi) < 0 &&
                    !sp_vec_push(b->scratch, &b->bounds[d], sp_key_next(box->iv[d][k].hi)))
                    return false;
            }
        }
    }
    return true;
}

/* Sorts keys ascending: insertion sort of short runs, then bottom-up
 * merges through `tmp` (n keys).  Keys that compare equal are equal, so
 * stability does not matter. */
static void sort_keys(sp_key *k, size_t n, sp_key *tmp)
{
    enum { RUN = 16 };
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            sp_key v = k[i];
            size_t j = i;
            for (; j > lo && key_less(&v, &k[j - 1]); j--)
                k[j] = k[j - 1];
            k[j] = v;
        }
    }
    sp_key *from = k, *to = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                to[o++] = key_less(&from[j], &from[i]) ? from[j++] : from[i++];
            while (i < mid)
                to[o++] = from[i++];
            while (j < hi)
                to[o++] = from[j++];
        }
        sp_key *t = from;
        from = to;
        to = t;
    }
    if (from != k)
        memcpy(k, from, n * sizeof *k);
}

bool sp_universe_finish(sp_universe_builder *b, sp_universe *u, size_t max_cells)
{
    memset(u, 0, sizeof *u);
    size_t cells = 1;
    for (int d = 0; d < SP_NDIMS; d++) {
        sp_ival dom = sp_dim_domain((sp_dim)d);
        if (!sp_vec_push(b->scratch, &b->bounds[d], dom.lo))
            return false;
        sp_key *k = b->bounds[d].items;
        size_t n = b->bounds[d].len;
        if (n > 16) {
            sp_key *tmp = sp_arena_alloc_raw(b->scratch, n * sizeof *tmp);
            if (!tmp)
                return false;
            sort_keys(k, n, tmp);
        } else {
            sort_keys(k, n, NULL);
        }
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!key_less(&k[i], &dom.lo) && !key_less(&dom.hi, &k[i]) &&
                (m == 0 || !key_eq(&k[i], &k[m - 1])))
                k[m++] = k[i];
        u->starts[d] = k;
        u->count[d] = (uint32_t)m;
        if (m > max_cells / cells)
            return false;
        cells *= m;
    }
    if (cells > max_cells)
        return false;
    u->ncells = cells;
    u->nwords = (cells + 63) / 64;
    return true;
}

/* Index of the elementary interval of dimension d containing k. */
static uint32_t interval_index(const sp_universe *u, int d, sp_key k)
{
    uint32_t lo = 0, hi = u->count[d];
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (!key_less(&k, &u->starts[d][mid]))
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static sp_key interval_end(const sp_universe *u, int d, uint32_t i)
{
    if (i + 1 < u->count[d])
        return sp_key_prev(u->starts[d][i + 1]);
    return sp_dim_domain((sp_dim)d).hi;
}

static void strides(const sp_universe *u, size_t stride[SP_NDIMS])
{
    stride[SP_NDIMS - 1] = 1;
    for (int d = SP_NDIMS - 2; d >= 0; d--)
        stride[d] = stride[d + 1] * u->count[d + 1];
}

sp_word *sp_bits_new(sp_arena *a, const sp_universe *u)
{
    return sp_arena_calloc(a, u->nwords ? u->nwords : 1, sizeof(sp_word));
}

void sp_bits_clear(const sp_universe *u, sp_word *s)
{
    memset(s, 0, u->nwords * sizeof *s);
}

void sp_bits_fill(const sp_universe *u, sp_word *s)
{
    memset(s, 0xff, u->nwords * sizeof *s);
    if (u->ncells % 64)
        s[u->nwords - 1] = ((sp_word)1 << (u->ncells % 64)) - 1;
}

void sp_bits_copy(const sp_universe *u, sp_word *dst, const sp_word *src)
{
    memcpy(dst, src, u->nwords * sizeof *dst);
}

bool sp_bits_or_and(const sp_universe *u, sp_word *dst, const sp_word *a, const sp_word *b)
{
    sp_word changed = 0;
    for (size_t i = 0; i < u->nwords; i++) {
        sp_word add = a[i] & b[i] & ~dst[i];
        changed |= add;
        dst[i] |= add;
    }
    return changed != 0;
}

bool sp_bits_or(const sp_universe *u, sp_word *dst, const sp_word *src)
{
    sp_word changed = 0;
    for (size_t i = 0; i < u->nwords; i++) {
        changed |= src[i] & ~dst[i];
        dst[i] |= src[i];
    }
    return changed != 0;
}

void sp_bits_and(const sp_universe *u, sp_word *dst, const sp_word *src)
{
    for (size_t i = 0; i < u->nwords; i++)
        dst[i] &= src[i];
}

void sp_bits_andnot(const sp_universe *u, sp_word *dst, const sp_word *src)
{
    for (size_t i = 0; i < u->nwords; i++)
        dst[i] &= ~src[i];
}

bool sp_bits_empty(const sp_universe *u, const sp_word *s)
{
    for (size_t i = 0; i < u->nwords; i++)
        if (s[i])
            return false;
    return true;
}

bool sp_bits_equal(const sp_universe *u, const sp_word *a, const sp_word *b)
{
    return memcmp(a, b, u->nwords * sizeof *a) == 0;
}

bool sp_bits_intersects(const sp_universe *u, const sp_word *a, const sp_word *b)
{
    for (size_t i = 0; i < u->nwords; i++)
        if (a[i] & b[i])
            return true;
    return false;
}

bool sp_bits_get(const sp_word *s, size_t cell)
{
    return (s[cell / 64] >> (cell % 64)) & 1;
}

static void bits_set_range(sp_word *s, size_t from, size_t to) /* [from, to) */
{
    while (from < to) {
        size_t w = from / 64, b = from % 64;
        size_t n = 64 - b < to - from ? 64 - b : to - from;
        sp_word mask = n == 64 ? ~(sp_word)0 : (((sp_word)1 << n) - 1) << b;
        s[w] |= mask;
        from += n;
    }
}

size_t sp_bits_first(const sp_universe *u, const sp_word *s)
{
    for (size_t i = 0; i < u->nwords; i++)
        if (s[i])
            return i * 64 + (size_t)__builtin_ctzll(s[i]);
    return (size_t)-1;
}

static bool in_ival(sp_ival iv, sp_key k);

size_t sp_bits_pick_sample(const sp_universe *u, const sp_word *s)
{
    const sp_key doc4 = sp_key_ipv4(0xCB007107u); /* 203.0.113.7 */
    const sp_key doc6 = sp_key_ipv6(0x20010db800000000ull, 7);
    size_t first = (size_t)-1;
    for (size_t w = 0; w < u->nwords; w++)
        for (sp_word bits = s[w]; bits; bits &= bits - 1) {
            size_t cell = w * 64 + (size_t)__builtin_ctzll(bits);
            sp_ival iv[SP_NDIMS];
            sp_cell_ivals(u, cell, iv);
            if (in_ival(iv[SP_DIM_SRC], doc4) || in_ival(iv[SP_DIM_SRC], doc6))
                return cell;
            if (first == (size_t)-1)
                first = cell;
        }
    return first;
}

/* Sets every cell of the product of per-dimension index ranges.  From
 * dimension `whole` on every dimension is unconstrained, so a range of
 * dimension whole - 1 is one run of consecutive cells (most boxes leave
 * the last dimensions open: "tcp 443 from anywhere"). */
static void set_product(const size_t stride[SP_NDIMS], const uint32_t *lo[SP_NDIMS],
                        const uint32_t *hi[SP_NDIMS], const uint32_t n[SP_NDIMS], int whole,
                        int d, size_t base, sp_word *out)
{
    for (uint32_t r = 0; r < n[d]; r++) {
        if (d + 1 >= whole) {
            bits_set_range(out, base + lo[d][r] * stride[d], base + (hi[d][r] + 1) * stride[d]);
            continue;
        }
        for (uint32_t i = lo[d][r]; i <= hi[d][r]; i++)
            set_product(stride, lo, hi, n, whole, d + 1, base + i * stride[d], out);
    }
}

void sp_bits_from_set(const sp_universe *u, const sp_reqset *set, sp_word *out)
{
    sp_bits_clear(u, out);
    if (!set)
        return;
    size_t stride[SP_NDIMS];
    strides(u, stride);
    for (uint32_t bi = 0; bi < set->nboxes; bi++) {
        const sp_box *box = &set->boxes[bi];
        uint32_t full_lo = 0, full_hi[SP_NDIMS];
        const uint32_t *lo[SP_NDIMS], *hi[SP_NDIMS];
        uint32_t n[SP_NDIMS];
        uint32_t *buf = NULL;
        size_t total = 0;
        for (int d = 0; d < SP_NDIMS; d++)
            total += box->n[d];
        if (total) {
            buf = malloc(2 * total * sizeof *buf);
            if (!buf)
                continue;
        }
        size_t at = 0;
        for (int d = 0; d < SP_NDIMS; d++) {
            if (box->n[d] == 0) {
                full_hi[d] = u->count[d] - 1;
                lo[d] = &full_lo;
                hi[d] = &full_hi[d];
                n[d] = 1;
                continue;
            }
            lo[d] = buf + at;
            hi[d] = buf + total + at;
            for (uint32_t k = 0; k < box->n[d]; k++) {
                buf[at + k] = interval_index(u, d, box->iv[d][k].lo);
                buf[total + at + k] = interval_index(u, d, box->iv[d][k].hi);
            }
            n[d] = box->n[d];
            at += box->n[d];
        }
        int whole = SP_NDIMS;
        while (whole > 1 && box->n[whole - 1] == 0)
            whole--;
        set_product(stride, lo, hi, n, whole, 0, 0, out);
        free(buf);
    }
}

size_t sp_cell_of_point(const sp_universe *u, const sp_key point[SP_NDIMS])
{
    size_t stride[SP_NDIMS], cell = 0;
    strides(u, stride);
    for (int d = 0; d < SP_NDIMS; d++)
        cell += interval_index(u, d, point[d]) * stride[d];
    return cell;
}

void sp_cell_ivals(const sp_universe *u, size_t cell, sp_ival iv[SP_NDIMS])
{
    size_t stride[SP_NDIMS];
    strides(u, stride);
    for (int d = 0; d < SP_NDIMS; d++) {
        uint32_t i = (uint32_t)(cell / stride[d] % u->count[d]);
        iv[d].lo = u->starts[d][i];
        iv[d].hi = interval_end(u, d, i);
    }
}

static bool in_ival(sp_ival iv, sp_key k)
{
    return sp_key_cmp(iv.lo, k) <= 0 && sp_key_cmp(k, iv.hi) <= 0;
}

void sp_cell_point(const sp_universe *u, size_t cell, sp_key point[SP_NDIMS])
{
    sp_ival iv[SP_NDIMS];
    sp_cell_ivals(u, cell, iv);
    for (int d = 0; d < SP_NDIMS; d++) {
        point[d] = iv[d].lo;
        if (d == SP_DIM_SRC) {
            /* An address from the documentation ranges reads better than
             * 0.0.0.0 when the interval holds one. */
            sp_key doc4 = sp_key_ipv4(0xCB007107u); /* 203.0.113.7 */
            sp_key doc6 = sp_key_ipv6(0x20010db800000000ull, 7);
            if (in_ival(iv[d], doc4))
                point[d] = doc4;
            else if (in_ival(iv[d], doc6))
                point[d] = doc6;
        }
    }
}

/* ---- bitsets back to boxes ---- */

static bool bit_at(const sp_word *s, size_t i)
{
    return (s[i / 64] >> (i % 64)) & 1;
}

typedef struct decomposer {
    sp_ctx *ctx;
    const sp_universe *u;
    const sp_word *bits;
    size_t stride[SP_NDIMS];
    uint32_t chosen_first[SP_NDIMS]; /* per dim: index into group buffer */
    uint32_t *groups[SP_NDIMS];      /* member interval indices of the current group */
    uint32_t ngroup[SP_NDIMS];
    sp_set_builder out;
    bool failed;
} decomposer;

static uint64_t block_hash(const decomposer *dc, size_t off, size_t len, bool *nonempty)
{
    uint64_t h = 1469598103934665603ull;
    *nonempty = false;
    for (size_t i = 0; i < len; i++)
        if (bit_at(dc->bits, off + i)) {
            *nonempty = true;
            h ^= i + 1;
            h *= 1099511628211ull;
        }
    return h;
}

static bool block_eq(const decomposer *dc, size_t a, size_t b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (bit_at(dc->bits, a + i) != bit_at(dc->bits, b + i))
            return false;
    return true;
}

/* Names (credentials, principals, actions) stay one interval each, so a
 * rendering can tell a named value from a run of unnamed ones. */
static bool mergeable(int d, sp_key k)
{
    return !sp_key_is_name((sp_dim)d, k);
}

static void emit_box(decomposer *dc)
{
    sp_box_builder b;
    sp_box_begin(&b, dc->ctx);
    for (int d = 0; d < SP_NDIMS; d++) {
        if (dc->ngroup[d] == dc->u->count[d])
            continue; /* the whole dimension */
        uint32_t *g = dc->groups[d];
        for (uint32_t k = 0; k < dc->ngroup[d];) {
            uint32_t j = k;
            while (j + 1 < dc->ngroup[d] && g[j + 1] == g[j] + 1 &&
                   mergeable(d, dc->u->starts[d][g[j]]) &&
                   mergeable(d, dc->u->starts[d][g[j + 1]]))
                j++;
            if (!sp_box_allow(&b, (sp_dim)d, dc->u->starts[d][g[k]],
                              interval_end(dc->u, d, g[j]))) {
                dc->failed = true;
                return;
            }
            k = j + 1;
        }
    }
    if (!sp_set_add_box(&dc->out, &b))
        dc->failed = true;
}

/* Groups the values of dimension d whose sub-blocks (all later dimensions)
 * are equal, and recurses with one representative per group. */
static void decompose(decomposer *dc, int d, size_t base)
{
    if (dc->failed)
        return;
    uint32_t n = dc->u->count[d];
    size_t len = dc->stride[d];
    uint64_t *hash = malloc(n * sizeof *hash);
    unsigned char *live = malloc(n), *done = calloc(n, 1);
    uint32_t *members = malloc(n * sizeof *members);
    if (!hash || !live || !done || !members) {
        dc->failed = true;
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        bool ne;
        hash[i] = block_hash(dc, base + i * len, len, &ne);
        live[i] = ne;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!live[i] || done[i])
            continue;
        uint32_t m = 0;
        for (uint32_t j = i; j < n; j++)
            if (live[j] && !done[j] && hash[j] == hash[i] &&
                block_eq(dc, base + i * len, base + j * len, len)) {
                done[j] = 1;
                members[m++] = j;
            }
        dc->groups[d] = members;
        dc->ngroup[d] = m;
        if (d == SP_NDIMS - 1)
            emit_box(dc);
        else
            decompose(dc, d + 1, base + i * len);
        if (dc->failed)
            break;
    }
out:
    free(hash);
    free(live);
    free(done);
    free(members);
}

const sp_reqset *sp_bits_to_set(sp_ctx *ctx, const sp_universe *u, const sp_word *s)
{
    decomposer dc;
    memset(&dc, 0, sizeof dc);
    dc.ctx = ctx;
    dc.u = u;
    dc.bits = s;
    strides(u, dc.stride);
    sp_set_begin(&dc.out, ctx);
    decompose(&dc, 0, 0);
    if (dc.failed) {
        sp_oom(ctx);
        return NULL;
    }
    return sp_set_finish(&dc.out);
}
