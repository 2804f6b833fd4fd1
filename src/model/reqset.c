#include "reqset.h"

#include "../util/hash.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sp_key_cmp(sp_key a, sp_key b)
{
    if (a.tag != b.tag)
        return a.tag < b.tag ? -1 : 1;
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

bool sp_key_is_name(sp_dim d, sp_key k)
{
    switch (d) {
    case SP_DIM_CRED:
        return true;
    case SP_DIM_SRC:
    case SP_DIM_DST:
        return k.tag == SP_TAG_PRINCIPAL;
    case SP_DIM_PORT:
        return k.lo >= SP_ACTION_BASE;
    default:
        return false;
    }
}

static sp_key key(uint32_t tag, uint64_t hi, uint64_t lo)
{
    sp_key k = {tag, hi, lo};
    return k;
}

sp_ival sp_dim_domain(sp_dim d)
{
    sp_ival iv = {key(0, 0, 0), key(0, 0, 0)};
    switch (d) {
    case SP_DIM_SRC:
    case SP_DIM_DST:
        iv.hi = key(SP_TAG_PRINCIPAL, 0, UINT32_MAX);
        break;
    case SP_DIM_CRED:
    case SP_DIM_PORT:
        iv.hi = key(0, 0, UINT32_MAX);
        break;
    case SP_DIM_PROTO:
        iv.hi = key(0, 0, SP_PROTO_API);
        break;
    default:
        break;
    }
    return iv;
}

/* Largest low word within a tag: IPv4 addresses stop at 2^32-1, IPv6 uses
 * all 128 bits, names and numbers stop at 2^32-1 (ports at 65535). */
static void tag_bounds(uint32_t tag, uint64_t *hi_max, uint64_t *lo_max, int addr)
{
    if (addr && tag == SP_TAG_IPV6) {
        *hi_max = UINT64_MAX;
        *lo_max = UINT64_MAX;
    } else {
        *hi_max = 0;
        *lo_max = UINT32_MAX;
    }
}

sp_key sp_key_next(sp_key k)
{
    uint64_t hm, lm;
    tag_bounds(k.tag, &hm, &lm, 1);
    if (k.lo < lm)
        return key(k.tag, k.hi, k.lo + 1);
    if (k.hi < hm)
        return key(k.tag, k.hi + 1, 0);
    return key(k.tag + 1, 0, 0);
}

sp_key sp_key_prev(sp_key k)
{
    if (k.lo > 0)
        return key(k.tag, k.hi, k.lo - 1);
    if (k.hi > 0)
        return key(k.tag, k.hi - 1, UINT64_MAX);
    if (k.tag == 0)
        return k;
    uint64_t hm, lm;
    tag_bounds(k.tag - 1, &hm, &lm, 1);
    return key(k.tag - 1, hm, lm);
}

sp_key sp_key_num(uint64_t v) { return key(0, 0, v); }
sp_key sp_key_ipv4(uint32_t a) { return key(SP_TAG_IPV4, 0, a); }
sp_key sp_key_ipv6(uint64_t hi, uint64_t lo) { return key(SP_TAG_IPV6, hi, lo); }
sp_key sp_key_principal(sp_name p) { return key(SP_TAG_PRINCIPAL, 0, p); }
sp_key sp_key_action(sp_name a) { return key(0, 0, SP_ACTION_BASE + (uint64_t)a); }

bool sp_parse_cidr(const char *text, sp_ival *out)
{
    char buf[64];
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, text, n + 1);
    int prefix = -1;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = 0;
        const char *p = slash + 1;
        if (!*p || strlen(p) > 3)
            return false;
        prefix = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return false;
            prefix = prefix * 10 + (*p - '0');
        }
    }
    unsigned char addr[16];
    if (inet_pton(AF_INET, buf, addr) == 1) {
        if (prefix > 32)
            return false;
        if (prefix < 0)
            prefix = 32;
        uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
                     (uint32_t)addr[2] << 8 | addr[3];
        uint32_t mask = prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
        out->lo = sp_key_ipv4(a & mask);
        out->hi = sp_key_ipv4((a & mask) | ~mask);
        return true;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        if (prefix > 128)
            return false;
        if (prefix < 0)
            prefix = 128;
        uint64_t hi = 0, lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | addr[i];
            lo = lo << 8 | addr[8 + i];
        }
        uint64_t mhi, mlo;
        if (prefix >= 64) {
            mhi = UINT64_MAX;
            mlo = prefix == 64 ? 0 : UINT64_MAX << (128 - prefix);
        } else {
            mhi = prefix == 0 ? 0 : UINT64_MAX << (64 - prefix);
            mlo = 0;
        }
        out->lo = sp_key_ipv6(hi & mhi, lo & mlo);
        out->hi = sp_key_ipv6((hi & mhi) | ~mhi, (lo & mlo) | ~mlo);
        return true;
    }
    return false;
}

static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > cap) {
        if (cap > 4 && *len + 4 <= cap) {
            memcpy(buf + *len, "...", 4);
            *len = cap;
        }
        return;
    }
    memcpy(buf + *len, s, n + 1);
    *len += n;
}

/* 128-bit helpers on (hi, lo) pairs for CIDR decomposition. */
typedef struct { uint64_t hi, lo; } u128;

static int u128_cmp(u128 a, u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

/* Largest block size (as prefix bits from the right) starting at a. */
static int trailing_zero_bits(u128 a, int width)
{
    int z = 0;
    while (z < width) {
        uint64_t w = z < 64 ? a.lo : a.hi;
        int bit = z < 64 ? z : z - 64;
        if ((w >> bit) & 1)
            break;
        z++;
    }
    return z;
}

static u128 block_end(u128 a, int bits)
{
    u128 e = a;
    if (bits >= 64) {
        e.lo = UINT64_MAX;
        e.hi = a.hi | (bits >= 128 ? UINT64_MAX : ((1ull << (bits - 64)) - 1));
    } else if (bits > 0) {
        e.lo = a.lo | ((1ull << bits) - 1);
    }
    return e;
}

static void format_cidrs(int v6, u128 lo, u128 hi, char *buf, size_t cap, size_t *len,
                         bool *first)
{
    int width = v6 ? 128 : 32;
    for (int guard = 0; guard < 300; guard++) {
        int bits = trailing_zero_bits(lo, width);
        while (bits > 0 && u128_cmp(block_end(lo, bits), hi) > 0)
            bits--;
        char tmp[64];
        if (v6) {
            unsigned char a[16];
            for (int i = 0; i < 8; i++) {
                a[i] = (unsigned char)(lo.hi >> (56 - 8 * i));
                a[8 + i] = (unsigned char)(lo.lo >> (56 - 8 * i));
            }
            char as[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, a, as, sizeof as);
            snprintf(tmp, sizeof tmp, "%s/%d", as, 128 - bits);
        } else {
            uint32_t a = (uint32_t)lo.lo;
            snprintf(tmp, sizeof tmp, "%u.%u.%u.%u/%d", a >> 24, (a >> 16) & 255,
                     (a >> 8) & 255, a & 255, 32 - bits);
        }
        if (!*first)
            append(buf, cap, len, ", ");
        *first = false;
        append(buf, cap, len, tmp);
        u128 e = block_end(lo, bits);
        if (u128_cmp(e, hi) >= 0)
            return;
        if (e.lo == UINT64_MAX) {
            lo.hi = e.hi + 1;
            lo.lo = 0;
        } else {
            lo.hi = e.hi;
            lo.lo = e.lo + 1;
        }
    }
    append(buf, cap, len, ", ...");
}

/* How many CIDR blocks format_cidrs would print for [lo, hi]. */
static size_t count_cidrs(int v6, u128 lo, u128 hi)
{
    int width = v6 ? 128 : 32;
    size_t n = 0;
    for (int guard = 0; guard < 300; guard++) {
        int bits = trailing_zero_bits(lo, width);
        while (bits > 0 && u128_cmp(block_end(lo, bits), hi) > 0)
            bits--;
        n++;
        u128 e = block_end(lo, bits);
        if (u128_cmp(e, hi) >= 0)
            break;
        if (e.lo == UINT64_MAX) {
            lo.hi = e.hi + 1;
            lo.lo = 0;
        } else {
            lo.hi = e.hi;
            lo.lo = e.lo + 1;
        }
    }
    return n;
}

/* The addresses of one family in a set, as ranges of u128. */
typedef struct family_part {
    u128 lo[64], hi[64]; /* at most 64 ranges are looked at as a complement */
    size_t n;
    bool many;           /* more ranges than that: printed as they are */
} family_part;

static u128 family_max(int v6)
{
    u128 m = {v6 ? UINT64_MAX : 0, v6 ? UINT64_MAX : UINT32_MAX};
    return m;
}

/* The part of [lo, hi] (keys) that lies in the family `tag`. */
static bool clip_to_family(sp_ival iv, uint32_t tag, u128 *lo, u128 *hi)
{
    if (iv.lo.tag > tag || iv.hi.tag < tag)
        return false;
    u128 max = family_max(tag == SP_TAG_IPV6);
    lo->hi = iv.lo.tag == tag ? iv.lo.hi : 0;
    lo->lo = iv.lo.tag == tag ? iv.lo.lo : 0;
    *hi = iv.hi.tag == tag ? (u128){iv.hi.hi, iv.hi.lo} : max;
    return true;
}

static bool u128_inc(u128 *a)
{
    if (++a->lo == 0)
        return ++a->hi != 0;
    return true;
}

static u128 u128_dec(u128 a)
{
    if (a.lo-- == 0)
        a.hi--;
    return a;
}

/* The complement of a family part within its family (at most 65 gaps). */
static void complement(const family_part *p, int v6, family_part *out)
{
    u128 cur = {0, 0}, max = family_max(v6);
    bool end = false;
    out->n = 0;
    out->many = false;
    for (size_t i = 0; i < p->n && !end; i++) {
        if (u128_cmp(p->lo[i], cur) > 0) {
            if (out->n == 64) {
                out->many = true;
                return;
            }
            out->lo[out->n] = cur;
            out->hi[out->n++] = u128_dec(p->lo[i]);
        }
        if (!u128_cmp(p->hi[i], max))
            end = true;
        else {
            cur = p->hi[i];
            u128_inc(&cur);
        }
    }
    if (!end) {
        if (out->n == 64) {
            out->many = true;
            return;
        }
        out->lo[out->n] = cur;
        out->hi[out->n++] = max;
    }
}

static size_t part_cidrs(const family_part *p, int v6)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += count_cidrs(v6, p->lo[i], p->hi[i]);
    return n;
}

static void format_part(const family_part *p, int v6, char *buf, size_t cap, size_t *len,
                        bool *first)
{
    for (size_t i = 0; i < p->n; i++)
        format_cidrs(v6, p->lo[i], p->hi[i], buf, cap, len, first);
}

/* Appends " except A, B and C" for the blocks of holes[f] of the families
 * with `which[f]`. */
static void format_except(const family_part *holes, const bool *which, char *buf, size_t cap,
                          size_t *len)
{
    char tmp[1024];
    size_t tlen = 0;
    bool first = true;
    tmp[0] = 0;
    for (int f = 0; f < 2; f++)
        if (which[f])
            format_part(&holes[f], f, tmp, sizeof tmp, &tlen, &first);
    char *last = NULL;
    for (char *q = strstr(tmp, ", "); q; q = strstr(q + 2, ", "))
        last = q;
    append(buf, cap, len, " except ");
    if (last && strcmp(last, ", ...") != 0) {
        *last = 0;
        append(buf, cap, len, tmp);
        append(buf, cap, len, " and ");
        append(buf, cap, len, last + 2);
    } else {
        append(buf, cap, len, tmp);
    }
}

/* How the addresses of one family read best: every address, every address
 * except a few blocks (when that is shorter than listing the blocks), or
 * the blocks themselves. */
typedef enum { PART_NONE, PART_ALL, PART_EXCEPT, PART_LIST } part_shape;

static part_shape shape_of(const family_part *p, int v6, family_part *holes)
{
    if (!p->n)
        return PART_NONE;
    if (p->many)
        return PART_LIST;
    complement(p, v6, holes);
    if (!holes->many && holes->n == 0)
        return PART_ALL;
    if (!holes->many && part_cidrs(holes, v6) < part_cidrs(p, v6))
        return PART_EXCEPT;
    return PART_LIST;
}

void sp_format_addresses(const sp_name_table *names, const sp_ival *iv, size_t n, char *buf,
                         size_t cap)
{
    size_t len = 0;
    bool first = true;
    buf[0] = 0;
    sp_ival dom = sp_dim_domain(SP_DIM_SRC);
    if (n == 1 && !sp_key_cmp(iv[0].lo, dom.lo) && !sp_key_cmp(iv[0].hi, dom.hi)) {
        append(buf, cap, &len, "any");
        return;
    }
    /* Addresses by family: the whole family, the family except a few
     * blocks ("0.0.0.0/0 except 192.168.1.0/24"), or a list of blocks;
     * both families with exceptions read "any address except …". */
    family_part parts[2], holes[2];
    for (int f = 0; f < 2; f++) {
        parts[f].n = 0;
        parts[f].many = false;
        for (size_t i = 0; i < n; i++) {
            u128 lo, hi;
            if (!clip_to_family(iv[i], (uint32_t)(f ? SP_TAG_IPV6 : SP_TAG_IPV4), &lo, &hi))
                continue;
            if (parts[f].n == 64) {
                parts[f].many = true;
                continue;
            }
            parts[f].lo[parts[f].n] = lo;
            parts[f].hi[parts[f].n++] = hi;
        }
    }
    part_shape shape[2];
    for (int f = 0; f < 2; f++)
        shape[f] = shape_of(&parts[f], f, &holes[f]);
    bool merged = (shape[0] == PART_EXCEPT || shape[1] == PART_EXCEPT) &&
                  (shape[0] == PART_EXCEPT || shape[0] == PART_ALL) &&
                  (shape[1] == PART_EXCEPT || shape[1] == PART_ALL);
    if (merged) {
        bool which[2] = {shape[0] == PART_EXCEPT, shape[1] == PART_EXCEPT};
        append(buf, cap, &len, "any address");
        format_except(holes, which, buf, cap, &len);
        first = false;
    } else {
        for (int f = 0; f < 2; f++) {
            if (shape[f] == PART_NONE)
                continue;
            if (shape[f] == PART_ALL || shape[f] == PART_LIST) {
                if (shape[f] == PART_LIST && parts[f].many) {
                    for (size_t i = 0; i < n; i++) {
                        u128 lo, hi;
                        if (clip_to_family(iv[i], (uint32_t)(f ? SP_TAG_IPV6 : SP_TAG_IPV4),
                                           &lo, &hi))
                            format_cidrs(f, lo, hi, buf, cap, &len, &first);
                    }
                } else {
                    format_part(&parts[f], f, buf, cap, &len, &first);
                }
                continue;
            }
            if (!first)
                append(buf, cap, &len, ", ");
            append(buf, cap, &len, f ? "::/0" : "0.0.0.0/0");
            bool which[2] = {f == 0, f == 1};
            format_except(holes, which, buf, cap, &len);
            first = false;
        }
    }
    /* Principals. */
    for (size_t i = 0; i < n; i++) {
        if (iv[i].hi.tag < SP_TAG_PRINCIPAL)
            continue;
        sp_key lo = iv[i].lo.tag == SP_TAG_PRINCIPAL ? iv[i].lo : key(SP_TAG_PRINCIPAL, 0, 0);
        sp_key hi = iv[i].hi;
        if (lo.lo == 0 && hi.lo >= UINT32_MAX) {
            if (!first)
                append(buf, cap, &len, ", ");
            first = false;
            append(buf, cap, &len, "any principal");
            continue;
        }
        /* One named principal, or a run of principals no set names. */
        if (!first)
            append(buf, cap, &len, ", ");
        first = false;
        if (lo.lo == hi.lo && lo.lo >= 1 && lo.lo <= names->count)
            append(buf, cap, &len, sp_intern_str(names, (sp_name)lo.lo));
        else
            append(buf, cap, &len, "other principals");
    }
}

/* ---- builders ---- */

/* Room for one more interval; false (and OOM recorded) when none. */
static sp_ival *ival_slot(sp_ctx *ctx, sp_ival_buf *v)
{
    if (!v->more && v->len < SP_BOX_INLINE)
        return &v->inl[v->len++];
    if (!v->more || v->len == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 2 * SP_BOX_INLINE;
        sp_ival *n = sp_arena_alloc_raw(&ctx->arena, cap * sizeof *n);
        if (!n) {
            sp_oom(ctx);
            return NULL;
        }
        memcpy(n, v->more ? v->more : v->inl, v->len * sizeof *n);
        v->more = n;
        v->cap = cap;
    }
    return &v->more[v->len++];
}

static sp_ival *ival_items(sp_ival_buf *v)
{
    return v->more ? v->more : v->inl;
}

void sp_box_begin(sp_box_builder *b, sp_ctx *ctx)
{
    b->ctx = ctx;
    for (int d = 0; d < SP_NDIMS; d++) {
        b->dims[d].more = NULL;
        b->dims[d].len = b->dims[d].cap = 0;
        b->constrained[d] = false;
    }
}

bool sp_box_allow(sp_box_builder *b, sp_dim d, sp_key lo, sp_key hi)
{
    b->constrained[d] = true;
    if (sp_key_cmp(lo, hi) > 0)
        return true;
    sp_ival *iv = ival_slot(b->ctx, &b->dims[d]);
    if (!iv)
        return false;
    iv->lo = lo;
    iv->hi = hi;
    return true;
}

void sp_box_restrict(sp_box_builder *b, sp_dim d)
{
    b->constrained[d] = true;
}

static int ival_cmp(const void *x, const void *y)
{
    const sp_ival *a = x, *b = y;
    return sp_key_cmp(a->lo, b->lo);
}

/* Sorts and merges touching intervals, clipped to the dimension's domain. */
static size_t normalise(sp_ival *iv, size_t n, sp_dim d)
{
    sp_ival dom = sp_dim_domain(d);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sp_key_cmp(iv[i].lo, dom.lo) < 0)
            iv[i].lo = dom.lo;
        if (sp_key_cmp(iv[i].hi, dom.hi) > 0)
            iv[i].hi = dom.hi;
        if (sp_key_cmp(iv[i].lo, iv[i].hi) <= 0)
            iv[k++] = iv[i];
    }
    n = k;
    if (n < 2)
        return n;
    qsort(iv, n, sizeof *iv, ival_cmp);
    k = 0;
    for (size_t i = 1; i < n; i++) {
        sp_key after = sp_key_next(iv[k].hi);
        bool touch = sp_key_cmp(iv[i].lo, after) <= 0 && !sp_key_is_name(d, iv[i].lo);
        if (touch || sp_key_cmp(iv[i].lo, iv[k].hi) <= 0) {
            if (sp_key_cmp(iv[i].hi, iv[k].hi) > 0)
                iv[k].hi = iv[i].hi;
        } else {
            iv[++k] = iv[i];
        }
    }
    return k + 1;
}

void sp_set_begin(sp_set_builder *s, sp_ctx *ctx)
{
    s->ctx = ctx;
    s->boxes_more = NULL;
    s->nboxes = s->boxes_cap = 0;
    s->ivals_more = NULL;
    s->nivals = s->ivals_cap = 0;
    s->failed = false;
}

static sp_ival *set_ivals(sp_set_builder *s)
{
    return s->ivals_more ? s->ivals_more : s->ivals_inl;
}

static sp_box_draft *set_boxes(sp_set_builder *s)
{
    return s->boxes_more ? s->boxes_more : s->boxes_inl;
}

/* Room for `n` more intervals in the set builder. */
static bool reserve_ivals(sp_set_builder *s, size_t n)
{
    size_t cap = s->ivals_more ? s->ivals_cap : SP_SET_INLINE_IVALS;
    if (s->nivals + n <= cap)
        return true;
    while (cap < s->nivals + n)
        cap *= 2;
    if (cap > UINT32_MAX / 2)
        return false;
    sp_ival *v = sp_arena_alloc_raw(&s->ctx->arena, cap * sizeof *v);
    if (!v)
        return false;
    memcpy(v, set_ivals(s), s->nivals * sizeof *v);
    s->ivals_more = v;
    s->ivals_cap = (uint32_t)cap;
    return true;
}

static sp_box_draft *new_draft(sp_set_builder *s)
{
    size_t cap = s->boxes_more ? s->boxes_cap : SP_SET_INLINE_BOXES;
    if (s->nboxes == cap) {
        cap *= 2;
        if (cap > UINT32_MAX / 2)
            return NULL;
        sp_box_draft *v = sp_arena_alloc_raw(&s->ctx->arena, cap * sizeof *v);
        if (!v)
            return NULL;
        memcpy(v, set_boxes(s), s->nboxes * sizeof *v);
        s->boxes_more = v;
        s->boxes_cap = (uint32_t)cap;
    }
    sp_box_draft *b = &set_boxes(s)[s->nboxes++];
    memset(b, 0, sizeof *b);
    return b;
}

static bool set_failed(sp_set_builder *s)
{
    s->failed = true;
    sp_oom(s->ctx);
    return false;
}

bool sp_set_add_box(sp_set_builder *s, sp_box_builder *b)
{
    size_t n[SP_NDIMS], total = 0;
    bool keep[SP_NDIMS];
    for (int d = 0; d < SP_NDIMS; d++) {
        keep[d] = false;
        n[d] = 0;
        if (!b->constrained[d])
            continue;
        sp_ival *iv = ival_items(&b->dims[d]);
        n[d] = normalise(iv, b->dims[d].len, (sp_dim)d);
        if (n[d] == 0)
            return true; /* an empty dimension makes the box empty */
        sp_ival dom = sp_dim_domain((sp_dim)d);
        if (n[d] == 1 && !sp_key_cmp(iv[0].lo, dom.lo) && !sp_key_cmp(iv[0].hi, dom.hi))
            continue; /* the whole domain: leave unconstrained */
        keep[d] = true;
        total += n[d];
    }
    if (!reserve_ivals(s, total))
        return set_failed(s);
    sp_box_draft *box = new_draft(s);
    if (!box)
        return set_failed(s);
    for (int d = 0; d < SP_NDIMS; d++) {
        if (!keep[d])
            continue;
        box->first[d] = s->nivals;
        box->n[d] = (uint32_t)n[d];
        memcpy(set_ivals(s) + s->nivals, ival_items(&b->dims[d]), n[d] * sizeof(sp_ival));
        s->nivals += (uint32_t)n[d];
    }
    return true;
}

bool sp_set_add_set(sp_set_builder *s, const sp_reqset *other)
{
    for (uint32_t i = 0; i < other->nboxes; i++) {
        const sp_box *ob = &other->boxes[i];
        size_t total = 0;
        for (int d = 0; d < SP_NDIMS; d++)
            total += ob->n[d];
        if (!reserve_ivals(s, total))
            return set_failed(s);
        sp_box_draft *box = new_draft(s);
        if (!box)
            return set_failed(s);
        for (int d = 0; d < SP_NDIMS; d++) {
            box->first[d] = s->nivals;
            box->n[d] = ob->n[d];
            if (ob->n[d])
                memcpy(set_ivals(s) + s->nivals, ob->iv[d], ob->n[d] * sizeof(sp_ival));
            s->nivals += ob->n[d];
        }
    }
    return true;
}

/* ---- interning ---- */

struct sp_reqset_pool {
    const sp_reqset **slots; /* open addressing; NULL = empty */
    size_t cap, len;
    unsigned opened;         /* nesting of sp_reqset_pool_open */
};

static uint64_t key_hash(uint64_t h, sp_key k)
{
    return sp_mix64(h ^ sp_mix64(((uint64_t)k.tag << 32) ^ k.hi) ^ (k.lo * 0x9e3779b97f4a7c15ull));
}

/* The hash of the set a builder holds; sets that are equal box for box
 * and interval for interval hash alike (sp_reqset_equal below). */
static uint64_t draft_hash(sp_set_builder *s)
{
    uint64_t h = sp_mix64(s->nboxes + 1);
    const sp_box_draft *bx = set_boxes(s);
    const sp_ival *iv = set_ivals(s);
    for (uint32_t i = 0; i < s->nboxes; i++)
        for (int d = 0; d < SP_NDIMS; d++) {
            h = sp_mix64(h ^ (bx[i].n[d] * 0x100000001b3ull + (uint64_t)d));
            for (uint32_t k = 0; k < bx[i].n[d]; k++) {
                h = key_hash(h, iv[bx[i].first[d] + k].lo);
                h = key_hash(h, iv[bx[i].first[d] + k].hi);
            }
        }
    return h;
}

static uint64_t set_hash(const sp_reqset *r)
{
    uint64_t h = sp_mix64(r->nboxes + 1);
    for (uint32_t i = 0; i < r->nboxes; i++)
        for (int d = 0; d < SP_NDIMS; d++) {
            h = sp_mix64(h ^ (r->boxes[i].n[d] * 0x100000001b3ull + (uint64_t)d));
            for (uint32_t k = 0; k < r->boxes[i].n[d]; k++) {
                h = key_hash(h, r->boxes[i].iv[d][k].lo);
                h = key_hash(h, r->boxes[i].iv[d][k].hi);
            }
        }
    return h;
}

static bool same_keys(sp_key a, sp_key b)
{
    return a.tag == b.tag && a.hi == b.hi && a.lo == b.lo;
}

static bool draft_equals(sp_set_builder *s, const sp_reqset *r)
{
    if (r->nboxes != s->nboxes)
        return false;
    const sp_box_draft *bx = set_boxes(s);
    const sp_ival *iv = set_ivals(s);
    for (uint32_t i = 0; i < s->nboxes; i++)
        for (int d = 0; d < SP_NDIMS; d++) {
            if (r->boxes[i].n[d] != bx[i].n[d])
                return false;
            for (uint32_t k = 0; k < bx[i].n[d]; k++) {
                const sp_ival *a = &iv[bx[i].first[d] + k], *b = &r->boxes[i].iv[d][k];
                if (!same_keys(a->lo, b->lo) || !same_keys(a->hi, b->hi))
                    return false;
            }
        }
    return true;
}

static bool pool_grow(struct sp_reqset_pool *p)
{
    size_t cap = p->cap ? p->cap * 2 : 1024;
    const sp_reqset **slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < p->cap; i++) {
        if (!p->slots[i])
            continue;
        size_t j = (size_t)set_hash(p->slots[i]) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = p->slots[i];
    }
    free(p->slots);
    p->slots = slots;
    p->cap = cap;
    return true;
}

bool sp_reqset_pool_open(sp_ctx *ctx)
{
    if (!ctx->reqsets) {
        ctx->reqsets = calloc(1, sizeof *ctx->reqsets);
        if (!ctx->reqsets)
            return false;
    }
    ctx->reqsets->opened++;
    return true;
}

void sp_reqset_pool_close(sp_ctx *ctx)
{
    struct sp_reqset_pool *p = ctx->reqsets;
    if (!p || --p->opened)
        return;
    free(p->slots);
    free(p);
    ctx->reqsets = NULL;
}

/* Lays the builder's set out in one arena block. */
static const sp_reqset *layout(sp_set_builder *s)
{
    size_t size = sizeof(sp_reqset) + s->nboxes * sizeof(sp_box) + s->nivals * sizeof(sp_ival);
    sp_reqset *r = sp_arena_alloc_raw(&s->ctx->arena, size);
    if (!r) {
        sp_oom(s->ctx);
        return NULL;
    }
    sp_box *boxes = (sp_box *)(r + 1);
    sp_ival *ivals = (sp_ival *)(boxes + s->nboxes);
    memcpy(ivals, set_ivals(s), s->nivals * sizeof *ivals);
    const sp_box_draft *bx = set_boxes(s);
    for (uint32_t i = 0; i < s->nboxes; i++)
        for (int d = 0; d < SP_NDIMS; d++) {
            boxes[i].iv[d] = bx[i].n[d] ? ivals + bx[i].first[d] : NULL;
            boxes[i].n[d] = bx[i].n[d];
        }
    r->boxes = s->nboxes ? boxes : NULL;
    r->nboxes = s->nboxes;
    return r;
}

const sp_reqset *sp_set_finish(sp_set_builder *s)
{
    if (s->failed)
        return NULL;
    struct sp_reqset_pool *p = s->ctx->reqsets;
    if (!p)
        return layout(s);
    if ((p->len + 1) * 2 > p->cap && !pool_grow(p)) {
        sp_oom(s->ctx);
        return NULL;
    }
    size_t j = (size_t)draft_hash(s) & (p->cap - 1);
    for (; p->slots[j]; j = (j + 1) & (p->cap - 1))
        if (draft_equals(s, p->slots[j]))
            return p->slots[j];
    const sp_reqset *r = layout(s);
    if (r) {
        p->slots[j] = r;
        p->len++;
    }
    return r;
}

const sp_reqset *sp_reqset_all(sp_ctx *ctx)
{
    sp_set_builder s;
    sp_box_builder b;
    sp_set_begin(&s, ctx);
    sp_box_begin(&b, ctx);
    if (!sp_set_add_box(&s, &b))
        return NULL;
    return sp_set_finish(&s);
}

const sp_reqset *sp_reqset_none(sp_ctx *ctx)
{
    sp_set_builder s;
    sp_set_begin(&s, ctx);
    return sp_set_finish(&s);
}

static bool in_ivals(const sp_ival *iv, uint32_t n, sp_key k)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sp_key_cmp(iv[mid].hi, k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && sp_key_cmp(iv[lo].lo, k) <= 0;
}

bool sp_reqset_contains(const sp_reqset *s, const sp_key point[SP_NDIMS])
{
    for (uint32_t i = 0; i < s->nboxes; i++) {
        const sp_box *b = &s->boxes[i];
        bool in = true;
        for (int d = 0; d < SP_NDIMS && in; d++)
            if (b->n[d])
                in = in_ivals(b->iv[d], b->n[d], point[d]);
        if (in)
            return true;
    }
    return false;
}
