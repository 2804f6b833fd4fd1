/* Helpers shared by the YAML and JSON readers (see reader_internal.h). */
#include "reader_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ---------------------------------------------------------- */

/* Length of the valid sequence starting at p (at most `avail` bytes are
 * readable), or 0 when none starts there.  Follows the table of RFC 3629
 * §4, which excludes overlong forms and surrogates. */
static size_t utf8_sequence_length(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

bool sp_utf8_validate(const char *text, size_t len, size_t *bad_off, bool *all_ascii)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    bool ascii = true;
    while (i < len) {
        /* Templates are mostly ASCII: test 64 bytes at a time (with SSE2,
         * where available, four vectors ORed under one sign-bit mask;
         * otherwise eight words), then eight near non-ASCII text and at
         * the end. */
        if (len - i >= 64) {
#ifdef SP_SSE2
            const __m128i *v = (const __m128i *)(const void *)(p + i);
            __m128i any = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(v), _mm_loadu_si128(v + 1)),
                                       _mm_or_si128(_mm_loadu_si128(v + 2), _mm_loadu_si128(v + 3)));
            bool block_ascii = _mm_movemask_epi8(any) == 0;
#else
            uint64_t w[8];
            memcpy(w, p + i, sizeof w);
            bool block_ascii = !((w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) &
                                 UINT64_C(0x8080808080808080));
#endif
            if (block_ascii) {
                i += 64;
                continue;
            }
        }
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & UINT64_C(0x8080808080808080))) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        ascii = false;
        size_t n = utf8_sequence_length(p + i, len - i);
        if (!n) {
            if (bad_off)
                *bad_off = i;
            if (all_ascii)
                *all_ascii = false;
            return false;
        }
        i += n;
    }
    if (all_ascii)
        *all_ascii = ascii;
    return true;
}

void sp_utf8_report(sp_ctx *ctx, uint32_t src, const char *text, size_t len, size_t bad_off)
{
    const unsigned char *p = (const unsigned char *)text;
    if (bad_off == 0 && len >= 2 &&
        ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
        sp_error(ctx, sp_reader_loc(src, 0, 2),
                 "the file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                 "convert it to UTF-8");
        return;
    }
    sp_error(ctx, sp_reader_loc(src, bad_off, 1),
             "invalid UTF-8: byte 0x%02X does not start a valid character", p[bad_off]);
}

size_t sp_utf8_decode(const char *text, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t n = len ? utf8_sequence_length(p, len) : 0;
    switch (n) {
    case 1:
        *cp = p[0];
        return 1;
    case 2:
        *cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    case 3:
        *cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        return 3;
    case 4:
        *cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
              ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        return 4;
    default:
        *cp = len ? p[0] : 0;
        return len ? 1 : 0;
    }
}

size_t sp_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- building trees ------------------------------------------------- */

bool sp_node_stack_grow(sp_ctx *ctx, sp_node_stack *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    sp_doc **items = realloc(s->items, cap * sizeof *items);
    if (!items) {
        sp_oom(ctx);
        return false;
    }
    s->items = items;
    s->cap = cap;
    return true;
}

void sp_node_stack_free(sp_node_stack *s)
{
    free(s->items);
    s->items = NULL;
    s->len = s->cap = 0;
}

bool sp_reader_finish_collection(sp_ctx *ctx, sp_node_stack *s, size_t from, sp_doc *coll)
{
    size_t n = s->len - from;
    /* Empty collections may come before the stack ever grew (items NULL). */
    sp_doc **children = n ? s->items + from : NULL;
    if (coll->kind == SP_DOC_SEQ) {
        if (n) {
            sp_doc **items = sp_arena_alloc_raw(&ctx->arena, n * sizeof *items);
            if (!items) {
                sp_oom(ctx);
                return false;
            }
            memcpy(items, children, n * sizeof *items);
            coll->u.seq.items = items;
        }
        coll->u.seq.len = n;
    } else {
        size_t npairs = n / 2;
        if (npairs) {
            sp_doc_pair *pairs = sp_arena_alloc_raw(&ctx->arena, npairs * sizeof *pairs);
            if (!pairs) {
                sp_oom(ctx);
                return false;
            }
            for (size_t i = 0; i < npairs; i++) {
                pairs[i].key = children[2 * i];
                pairs[i].value = children[2 * i + 1];
            }
            coll->u.map.pairs = pairs;
        }
        coll->u.map.len = npairs;
    }
    s->len = from;
    return true;
}

uint64_t sp_reader_hash_bytes(const char *p, size_t n, uint64_t seed)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static bool same_key(const sp_doc *a, const sp_doc *b)
{
    return a->u.scalar.len == b->u.scalar.len &&
           memcmp(a->u.scalar.text, b->u.scalar.text, a->u.scalar.len) == 0;
}

static void report_duplicate(sp_ctx *ctx, const sp_doc *first, const sp_doc *second)
{
    unsigned line, col;
    sp_loc_line_col(ctx, sp_doc_loc(first), &line, &col);
    const int max_shown = 60;
    int shown = second->u.scalar.len > (size_t)max_shown ? max_shown : (int)second->u.scalar.len;
    sp_error(ctx, sp_doc_loc(second), "duplicate key '%.*s%s' (first defined on line %u)", shown,
             second->u.scalar.text, second->u.scalar.len > (size_t)max_shown ? "..." : "", line);
}

enum { DUPLICATE_LINEAR_MAX = 8 };

/* The duplicate check's own hash: each key is hashed once and the value
 * is never kept, so eight bytes at a time with a multiply-xorshift mix is
 * enough (and which key reports the duplicate does not depend on it). */
static uint64_t key_hash(const char *text, size_t len)
{
    const uint64_t mul = UINT64_C(0x9E3779B97F4A7C15);
    uint64_t h = len * mul;
    for (; len >= 8; text += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, text, 8);
        h = (h ^ w) * mul;
        h ^= h >> 29;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < len; i++)
        tail |= (uint64_t)(unsigned char)text[i] << (8 * i);
    h = (h ^ tail) * mul;
    return h ^ (h >> 32);
}

bool sp_reader_check_duplicates(sp_ctx *ctx, const sp_doc *map)
{
    const sp_doc_pair *pairs = map->u.map.pairs;
    size_t n = map->u.map.len;
    if (n <= DUPLICATE_LINEAR_MAX) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (same_key(pairs[j].key, pairs[i].key)) {
                    report_duplicate(ctx, pairs[j].key, pairs[i].key);
                    return false;
                }
        return true;
    }
    /* Open addressing over pair indices; walking the pairs in order makes
     * the first collision the earliest second occurrence. */
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    /* Pair indices fit in 32 bits: each pair takes bytes of a source,
     * whose offsets are 32-bit. */
    uint32_t *slots = malloc(cap * sizeof *slots);
    if (!slots) {
        sp_oom(ctx);
        return false;
    }
    memset(slots, 0xFF, cap * sizeof *slots);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const sp_doc *k = pairs[i].key;
        size_t h = (size_t)key_hash(k->u.scalar.text, k->u.scalar.len) & (cap - 1);
        while (slots[h] != UINT32_MAX) {
            if (same_key(pairs[slots[h]].key, k)) {
                report_duplicate(ctx, pairs[slots[h]].key, k);
                ok = false;
                break;
            }
            h = (h + 1) & (cap - 1);
        }
        if (ok)
            slots[h] = (uint32_t)i;
    }
    free(slots);
    return ok;
}

int sp_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool sp_text_buf_reserve(sp_ctx *ctx, sp_text_buf *b, size_t need)
{
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *t = realloc(b->text, cap);
    if (!t) {
        sp_oom(ctx);
        return false;
    }
    b->text = t;
    b->cap = cap;
    return true;
}

const sp_source *sp_reader_source(sp_ctx *ctx, uint32_t src, bool *all_ascii)
{
    const sp_source *s = sp_source_get(ctx, src);
    if (!s) {
        sp_error(ctx, SP_NO_LOC, "internal: no source %u", (unsigned)src);
        return NULL;
    }
    size_t bad;
    if (!sp_utf8_validate(s->text, s->len, &bad, all_ascii)) {
        sp_utf8_report(ctx, src, s->text, s->len, bad);
        return NULL;
    }
    return s;
}
