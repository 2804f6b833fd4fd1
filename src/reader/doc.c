/* The document tree: lookup, equality and hashing, constructors, format
 * detection and the reader dispatch.  The readers themselves are json.c,
 * yaml.c and sexp.c. */
#include "doc.h"
#include "reader_internal.h"

#include <stdlib.h>
#include <string.h>

const char *sp_doc_text(const sp_doc *d)
{
    return sp_doc_is_scalar(d) ? d->u.scalar.text : NULL;
}

bool sp_doc_text_eq(const sp_doc *d, const char *s)
{
    const char *t = sp_doc_text(d);
    return t && s && strlen(s) == d->u.scalar.len && memcmp(t, s, d->u.scalar.len) == 0;
}

const sp_doc_pair *sp_doc_get_pair(const sp_doc *map, const char *key)
{
    if (!map || map->kind != SP_DOC_MAP || !key)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->u.map.len; i++) {
        const sp_doc *k = map->u.map.pairs[i].key;
        if (sp_doc_is_scalar(k) && k->u.scalar.len == klen &&
            memcmp(k->u.scalar.text, key, klen) == 0)
            return &map->u.map.pairs[i];
    }
    return NULL;
}

sp_doc *sp_doc_get(const sp_doc *map, const char *key)
{
    const sp_doc_pair *p = sp_doc_get_pair(map, key);
    return p ? p->value : NULL;
}

bool sp_doc_bool_value(const sp_doc *d, bool *value)
{
    if (!d || d->kind != SP_DOC_BOOL)
        return false;
    /* true, True, TRUE, yes, Yes, YES, on, On, ON: the first letter is t
     * or y, or the word is "on" in some case. */
    char c = d->u.scalar.text[0];
    *value = c == 't' || c == 'T' || c == 'y' || c == 'Y' ||
             ((c == 'o' || c == 'O') && d->u.scalar.len == 2 &&
              (d->u.scalar.text[1] == 'n' || d->u.scalar.text[1] == 'N'));
    return true;
}

/* ---- equality and hashing ------------------------------------------ */

/* CloudFormation turns every scalar into a string: a boolean becomes
 * "true" or "false" whatever its spelling (YAML yes/On/TRUE …), numbers
 * keep their text.  Comparing by this text makes a JSON "true" equal a
 * YAML yes, and a JSON 22 equal a YAML "22".  Nulls form their own class. */
static const char *compare_text(const sp_doc *d, size_t *len)
{
    bool b;
    if (sp_doc_bool_value(d, &b)) {
        *len = b ? 4 : 5;
        return b ? "true" : "false";
    }
    *len = d->u.scalar.len;
    return d->u.scalar.text;
}

static bool scalar_equal(const sp_doc *a, const sp_doc *b)
{
    if ((a->kind == SP_DOC_NULL) != (b->kind == SP_DOC_NULL))
        return false;
    if (a->kind == SP_DOC_NULL)
        return true;
    size_t la, lb;
    const char *ta = compare_text(a, &la), *tb = compare_text(b, &lb);
    return la == lb && memcmp(ta, tb, la) == 0;
}

/* Map keys compare by their text as written (the readers reject repeated
 * keys by the same rule). */
static bool key_equal(const sp_doc *a, const sp_doc *b)
{
    if (sp_doc_is_scalar(a) && sp_doc_is_scalar(b))
        return a->u.scalar.len == b->u.scalar.len &&
               memcmp(a->u.scalar.text, b->u.scalar.text, a->u.scalar.len) == 0;
    return sp_doc_equal(a, b);
}

static uint64_t key_hash(const sp_doc *k)
{
    if (sp_doc_is_scalar(k))
        return sp_reader_hash_bytes(k->u.scalar.text, k->u.scalar.len, 0x6b);
    return sp_doc_hash(k);
}

enum { MAP_LINEAR_MAX = 8 };

static bool map_equal(const sp_doc *a, const sp_doc *b)
{
    size_t n = a->u.map.len;
    if (n != b->u.map.len)
        return false;
    const sp_doc_pair *pa = a->u.map.pairs, *pb = b->u.map.pairs;
    if (n <= MAP_LINEAR_MAX) {
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < n && !key_equal(pa[i].key, pb[j].key))
                j++;
            if (j == n || !sp_doc_equal(pa[i].value, pb[j].value))
                return false;
        }
        return true;
    }
    /* Big maps (a Resources section may hold 100,000 entries): index b's
     * keys in a hash table so the comparison stays linear. */
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    size_t *slots = malloc(cap * sizeof *slots);
    if (!slots)
        return false; /* cannot decide: "different" is the cautious answer */
    for (size_t i = 0; i < cap; i++)
        slots[i] = SIZE_MAX;
    for (size_t j = 0; j < n; j++) {
        size_t h = (size_t)key_hash(pb[j].key) & (cap - 1);
        while (slots[h] != SIZE_MAX)
            h = (h + 1) & (cap - 1);
        slots[h] = j;
    }
    bool equal = true;
    for (size_t i = 0; i < n && equal; i++) {
        size_t h = (size_t)key_hash(pa[i].key) & (cap - 1);
        size_t found = SIZE_MAX;
        while (slots[h] != SIZE_MAX) {
            if (key_equal(pa[i].key, pb[slots[h]].key)) {
                found = slots[h];
                break;
            }
            h = (h + 1) & (cap - 1);
        }
        equal = found != SIZE_MAX && sp_doc_equal(pa[i].value, pb[found].value);
    }
    free(slots);
    return equal;
}

bool sp_doc_equal(const sp_doc *a, const sp_doc *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    if (sp_doc_is_scalar(a) || sp_doc_is_scalar(b))
        return sp_doc_is_scalar(a) && sp_doc_is_scalar(b) && scalar_equal(a, b);
    if (a->kind != b->kind)
        return false;
    if (a->kind == SP_DOC_SEQ) {
        if (a->u.seq.len != b->u.seq.len)
            return false;
        for (size_t i = 0; i < a->u.seq.len; i++)
            if (!sp_doc_equal(a->u.seq.items[i], b->u.seq.items[i]))
                return false;
        return true;
    }
    return map_equal(a, b);
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

uint64_t sp_doc_hash(const sp_doc *d)
{
    if (!d)
        return 0;
    if (d->kind == SP_DOC_NULL)
        return UINT64_C(0x6e756c6c);
    if (sp_doc_is_scalar(d)) {
        size_t len;
        const char *t = compare_text(d, &len);
        return sp_reader_hash_bytes(t, len, 0x73);
    }
    if (d->kind == SP_DOC_SEQ) {
        uint64_t h = mix64(0x7365 + d->u.seq.len);
        for (size_t i = 0; i < d->u.seq.len; i++)
            h = mix64(h ^ sp_doc_hash(d->u.seq.items[i]));
        return h;
    }
    /* Maps: a sum over pairs does not depend on key order. */
    uint64_t sum = 0;
    for (size_t i = 0; i < d->u.map.len; i++) {
        const sp_doc_pair *p = &d->u.map.pairs[i];
        sum += mix64(key_hash(p->key) * 31 + sp_doc_hash(p->value));
    }
    return mix64(sum ^ (UINT64_C(0x6d6170) + d->u.map.len));
}

/* ---- constructors --------------------------------------------------- */

sp_doc *sp_doc_new(sp_ctx *ctx, sp_doc_kind kind)
{
    sp_doc *d = sp_reader_node(ctx, kind, SP_NO_SOURCE, 0, 0);
    if (d && sp_doc_is_scalar(d)) {
        d->u.scalar.text = "";
        d->u.scalar.len = 0;
    }
    return d;
}

sp_doc *sp_doc_new_scalar(sp_ctx *ctx, sp_doc_kind kind, const char *text, size_t len)
{
    return sp_reader_scalar(ctx, kind, SP_NO_SOURCE, 0, 0, text ? text : "", text ? len : 0);
}

/* ---- detection and dispatch ---------------------------------------- */

static size_t first_significant(const char *text, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    return i;
}

sp_syntax sp_detect_syntax(const char *text, size_t len)
{
    size_t i = first_significant(text, len);
    if (i == len)
        return SP_SYNTAX_YAML;
    switch (text[i]) {
    case '{':
    case '[':
        return SP_SYNTAX_JSON;
    case '(':
    case ';':
        return SP_SYNTAX_SEXP;
    case '#':
        return i + 1 < len && text[i + 1] == '|' ? SP_SYNTAX_SEXP : SP_SYNTAX_YAML;
    default:
        return SP_SYNTAX_YAML;
    }
}

static bool named_json(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && strcmp(path + n - 5, ".json") == 0;
}

/* A file that starts like JSON is read as strict JSON.  Unless it is named
 * *.json, a file the JSON reader rejects may still be YAML written in flow
 * style (trailing commas, comments), which CloudFormation accepts as YAML:
 * then it is read as YAML, and the JSON reader's complaint is dropped. */
static sp_doc *read_json_or_flow_yaml(sp_ctx *ctx, uint32_t src, const sp_source *s)
{
    sp_diag_mark before = sp_diag_get_mark(ctx);
    sp_doc *doc = sp_read_json(ctx, src);
    if (doc || ctx->out_of_memory || named_json(s->path))
        return doc;
    sp_diag_mark after_json = sp_diag_get_mark(ctx);
    size_t njson = after_json.len - before.len;
    sp_diag *json = sp_arena_calloc(&ctx->arena, njson + 1, sizeof *json);
    if (!json)
        return NULL;
    memcpy(json, ctx->diags.items + before.len, njson * sizeof *json);
    sp_diag_rewind(ctx, before);
    doc = sp_read_yaml(ctx, src);
    if (doc || ctx->out_of_memory)
        return doc;
    /* Neither: the JSON reader's message is the one that fits a file that
     * looks like JSON. */
    sp_diag_rewind(ctx, before);
    for (size_t i = 0; i < njson; i++)
        if (!sp_vec_push(&ctx->arena, &ctx->diags, json[i]))
            ctx->out_of_memory = true;
    ctx->errors = after_json.errors;
    ctx->warnings = after_json.warnings;
    return NULL;
}

sp_doc *sp_read_document(sp_ctx *ctx, uint32_t src)
{
    const sp_source *s = sp_source_get(ctx, src);
    if (!s) {
        sp_error(ctx, SP_NO_LOC, "internal: no source %u", (unsigned)src);
        return NULL;
    }
    switch (sp_detect_syntax(s->text, s->len)) {
    case SP_SYNTAX_JSON:
        return read_json_or_flow_yaml(ctx, src, s);
    case SP_SYNTAX_SEXP:
        return sp_read_sexp(ctx, src);
    case SP_SYNTAX_YAML:
    default:
        return sp_read_yaml(ctx, src);
    }
}
