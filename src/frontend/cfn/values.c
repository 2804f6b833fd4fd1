/* Template expressions: static evaluation of the intrinsic functions, the
 * walk over every name an expression mentions, the shape checks of the
 * intrinsic functions, and the normal form used to compare definitions. */
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool oom;
} buf;

static void buf_add(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_adds(buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* Moves the buffer into the arena (NULL when out of memory). */
static const char *buf_finish(sp_ctx *ctx, buf *b)
{
    const char *s = b->oom ? NULL : sp_arena_strndup(&ctx->arena, b->p ? b->p : "", b->len);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    if (!s)
        sp_oom(ctx);
    return s;
}

static sp_doc *new_node(sp_ctx *ctx, sp_doc_kind kind, const sp_doc *at)
{
    sp_doc *d = sp_arena_calloc(&ctx->arena, 1, sizeof *d);
    if (!d) {
        sp_oom(ctx);
        return NULL;
    }
    d->kind = (uint8_t)kind;
    d->flags = SP_DOC_FLOW;
    if (at) {
        d->src = at->src;
        d->off = at->off;
        d->end = at->end;
    } else {
        d->src = SP_NO_SOURCE;
    }
    return d;
}

sp_doc *cfn_doc_string(sp_ctx *ctx, const sp_doc *at, const char *text)
{
    sp_doc *d = new_node(ctx, SP_DOC_STRING, at);
    if (!d)
        return NULL;
    d->flags |= SP_DOC_QUOTED;
    d->u.scalar.len = strlen(text);
    d->u.scalar.text = sp_arena_strndup(&ctx->arena, text, d->u.scalar.len);
    if (!d->u.scalar.text) {
        sp_oom(ctx);
        return NULL;
    }
    return d;
}

sp_doc *cfn_doc_seq(sp_ctx *ctx, const sp_doc *at, sp_doc **items, size_t n)
{
    sp_doc *d = new_node(ctx, SP_DOC_SEQ, at);
    if (!d)
        return NULL;
    d->u.seq.items = sp_arena_calloc(&ctx->arena, n ? n : 1, sizeof *items);
    if (!d->u.seq.items) {
        sp_oom(ctx);
        return NULL;
    }
    if (n)
        memcpy(d->u.seq.items, items, n * sizeof *items);
    d->u.seq.len = n;
    return d;
}

static sp_doc *doc_map(sp_ctx *ctx, const sp_doc *at, const sp_doc_pair *pairs, size_t n)
{
    sp_doc *d = new_node(ctx, SP_DOC_MAP, at);
    if (!d)
        return NULL;
    d->u.map.pairs = sp_arena_calloc(&ctx->arena, n ? n : 1, sizeof *pairs);
    if (!d->u.map.pairs) {
        sp_oom(ctx);
        return NULL;
    }
    if (n)
        memcpy(d->u.map.pairs, pairs, n * sizeof *pairs);
    d->u.map.len = n;
    return d;
}

sp_doc *cfn_doc_map1(sp_ctx *ctx, const sp_doc *at, const char *key, sp_doc *value)
{
    sp_doc_pair p;
    p.key = cfn_doc_string(ctx, at, key);
    p.value = value;
    if (!p.key || !value)
        return NULL;
    return doc_map(ctx, at, &p, 1);
}

static const sp_doc *seq_item(const sp_doc *d, size_t i)
{
    return d && d->kind == SP_DOC_SEQ && i < d->u.seq.len ? d->u.seq.items[i] : NULL;
}

static size_t seq_len(const sp_doc *d)
{
    return d && d->kind == SP_DOC_SEQ ? d->u.seq.len : 0;
}

static bool is_string(const sp_doc *d)
{
    return d && d->kind != SP_DOC_NULL && sp_doc_is_scalar(d);
}

/* ---- intrinsic functions ---- */

static const char *const intrinsics[] = {
    "Ref",          "Fn::GetAtt",  "Fn::Sub",    "Fn::Join",         "Fn::Select",
    "Fn::Split",    "Fn::If",      "Fn::FindInMap", "Fn::Base64",    "Fn::GetAZs",
    "Fn::ImportValue", "Fn::Cidr", "Fn::Equals", "Fn::And",          "Fn::Or",
    "Fn::Not",      "Fn::Length",  "Fn::ToJsonString", "Fn::Transform", "Fn::GetParam",
};

const char *cfn_intrinsic(const sp_doc *node, const sp_doc **arg)
{
    if (!node || node->kind != SP_DOC_MAP || node->u.map.len != 1)
        return NULL;
    const char *k = sp_doc_text(node->u.map.pairs[0].key);
    if (!k)
        return NULL;
    /* "Ref" or "Fn::...", spelled out: this is asked of every map of every
     * walk over a template. */
    if (!(k[0] == 'R' && k[1] == 'e' && k[2] == 'f' && !k[3]) &&
        !(k[0] == 'F' && k[1] == 'n' && k[2] == ':' && k[3] == ':'))
        return NULL;
    if (arg)
        *arg = node->u.map.pairs[0].value;
    return k;
}

static bool known_intrinsic(const char *fn)
{
    for (size_t i = 0; i < sizeof intrinsics / sizeof *intrinsics; i++)
        if (!strcmp(fn, intrinsics[i]))
            return true;
    return false;
}

static cfn_value value(cfn_value_kind kind, const sp_doc *node)
{
    cfn_value v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.node = node;
    return v;
}

static cfn_value string_value(const char *text, const sp_doc *node)
{
    cfn_value v = value(CFN_VAL_STRING, node);
    v.text = text;
    return v;
}

bool cfn_is_novalue(const cfn_template *t, const sp_doc *expr)
{
    return cfn_eval(t, expr).kind == CFN_VAL_NONE;
}

/* Fn::GetAtt's two forms: [R, "A.B"] and "R.A.B".  The attribute may be an
 * expression (then *attr_node is set and *attr is NULL). */
static bool getatt_parts(const cfn_template *t, const sp_doc *arg, const char **res,
                         const char **attr, const sp_doc **attr_node)
{
    *attr_node = NULL;
    if (arg && arg->kind == SP_DOC_SEQ && arg->u.seq.len == 2 && is_string(arg->u.seq.items[0])) {
        *res = sp_doc_text(arg->u.seq.items[0]);
        const sp_doc *a = arg->u.seq.items[1];
        if (is_string(a)) {
            *attr = sp_doc_text(a);
        } else {
            *attr = NULL;
            *attr_node = a;
        }
        return true;
    }
    if (is_string(arg)) {
        const char *s = sp_doc_text(arg);
        const char *dot = strchr(s, '.');
        if (!dot || dot == s || !dot[1])
            return false;
        *res = sp_arena_strndup(&t->ctx->arena, s, (size_t)(dot - s));
        *attr = dot + 1;
        if (!*res) {
            sp_oom(t->ctx);
            return false;
        }
        return true;
    }
    return false;
}

/* ---- Fn::Sub strings ---- */

/* One piece of an Fn::Sub string: literal text, or a ${...} placeholder. */
typedef struct sub_piece {
    const char *text;
    size_t len;
    bool var;       /* ${name} */
    bool escaped;   /* ${!literal}: text is "literal" */
} sub_piece;

/* Splits at the next piece; false at the end. */
static bool sub_next(const char *s, size_t *pos, sub_piece *p)
{
    size_t i = *pos;
    if (!s[i])
        return false;
    memset(p, 0, sizeof *p);
    if (s[i] == '$' && s[i + 1] == '{') {
        const char *close = strchr(s + i + 2, '}');
        if (close) {
            p->text = s + i + 2;
            p->len = (size_t)(close - (s + i + 2));
            if (p->len && p->text[0] == '!') {
                p->escaped = true;
                p->text++;
                p->len--;
            } else {
                p->var = true;
            }
            *pos = (size_t)(close - s) + 1;
            return true;
        }
    }
    size_t j = i + 1;
    while (s[j] && !(s[j] == '$' && s[j + 1] == '{'))
        j++;
    p->text = s + i;
    p->len = j - i;
    *pos = j;
    return true;
}

static const sp_doc *sub_var(const sp_doc *vars, const char *name, size_t len)
{
    if (!vars || vars->kind != SP_DOC_MAP)
        return NULL;
    for (size_t i = 0; i < vars->u.map.len; i++) {
        const char *k = sp_doc_text(vars->u.map.pairs[i].key);
        if (k && strlen(k) == len && !memcmp(k, name, len))
            return vars->u.map.pairs[i].value;
    }
    return NULL;
}

static bool sub_parts(const sp_doc *arg, const sp_doc **str, const sp_doc **vars)
{
    if (is_string(arg)) {
        *str = arg;
        *vars = NULL;
        return true;
    }
    if (seq_len(arg) == 2 && is_string(seq_item(arg, 0)) &&
        seq_item(arg, 1)->kind == SP_DOC_MAP) {
        *str = seq_item(arg, 0);
        *vars = seq_item(arg, 1);
        return true;
    }
    return false;
}

/* A node positioned at "${name" inside the Fn::Sub string `str` when the
 * source spells it literally; else `str` itself. */
static const sp_doc *sub_position(const cfn_template *t, const sp_doc *str, const char *name,
                                  size_t len)
{
    const sp_source *s = sp_source_get(t->ctx, str->src);
    if (!s || str->end > s->len || str->end <= str->off)
        return str;
    const char *base = s->text + str->off;
    size_t n = str->end - str->off;
    for (size_t i = 0; i + len + 3 <= n; i++) {
        if (base[i] == '$' && base[i + 1] == '{' && !memcmp(base + i + 2, name, len) &&
            (base[i + 2 + len] == '}' || base[i + 2 + len] == '.')) {
            size_t j = i + 2 + len;
            while (j < n && base[j] != '}')
                j++;
            sp_doc *d = new_node(t->ctx, SP_DOC_STRING, str);
            if (!d)
                return str;
            d->off = str->off + (uint32_t)i;
            d->end = str->off + (uint32_t)(j < n ? j + 1 : j);
            d->u.scalar.text = sp_arena_strndup(&t->ctx->arena, name, len);
            d->u.scalar.len = len;
            return d->u.scalar.text ? d : str;
        }
    }
    return str;
}

/* ---- evaluation ---- */

static bool same_value(const cfn_value *a, const cfn_value *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case CFN_VAL_STRING:
        return !strcmp(a->text, b->text);
    case CFN_VAL_RESOURCE:
        return a->resource == b->resource &&
               (a->attr == b->attr || (a->attr && b->attr && !strcmp(a->attr, b->attr)));
    case CFN_VAL_NONE:
        return true;
    case CFN_VAL_LIST:
    case CFN_VAL_MAP:
        return a->node == b->node || sp_doc_equal(a->node, b->node);
    default:
        return false;
    }
}

/* The elements of a statically known list; false when not known. */
typedef SP_VEC(const sp_doc *) node_vec;

static bool list_items(const cfn_template *t, const sp_doc *e, node_vec *out, int depth);

static bool push_item(const cfn_template *t, const sp_doc *item, node_vec *out, int depth)
{
    const sp_doc *arg;
    const char *fn = cfn_intrinsic(item, &arg);
    if (fn && !strcmp(fn, "Fn::If")) {
        cfn_truth c = cfn_condition_value(t, sp_doc_text(seq_item(arg, 0)));
        if (c == CFN_UNDECIDED || seq_len(arg) != 3)
            return false;
        return push_item(t, seq_item(arg, c == CFN_TRUE ? 1 : 2), out, depth + 1);
    }
    /* Only a Ref can be AWS::NoValue; evaluating other items here would
     * evaluate them twice (exponential in nesting depth). */
    if (fn && !strcmp(fn, "Ref") && cfn_eval(t, item).kind == CFN_VAL_NONE)
        return true;
    if (!sp_vec_push(&t->ctx->arena, out, item)) {
        sp_oom(t->ctx);
        return false;
    }
    return true;
}

static bool list_items(const cfn_template *t, const sp_doc *e, node_vec *out, int depth)
{
    if (!e || depth > SP_MAX_DEPTH)
        return false;
    if (e->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < e->u.seq.len; i++)
            if (!push_item(t, e->u.seq.items[i], out, depth))
                return false;
        return true;
    }
    if (!cfn_intrinsic(e, NULL))
        return false;
    cfn_value v = cfn_eval(t, e);
    if (v.kind == CFN_VAL_LIST && v.node != e)
        return list_items(t, v.node, out, depth + 1);
    return false;
}

static bool parse_uint(const char *s, unsigned long *out)
{
    if (!s || !*s)
        return false;
    unsigned long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000ul)
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    *out = v;
    return true;
}

static const char *base64(sp_ctx *ctx, const char *s)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = sp_arena_alloc(&ctx->arena, (n + 2) / 3 * 4 + 1);
    if (!out) {
        sp_oom(ctx);
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = 0;
    return out;
}

static cfn_value eval_depth(const cfn_template *t, const sp_doc *e, int depth);

static const char *eval_string(const cfn_template *t, const sp_doc *e, int depth)
{
    cfn_value v = eval_depth(t, e, depth + 1);
    return v.kind == CFN_VAL_STRING ? v.text : NULL;
}

/* Fn::Sub: the whole string when every placeholder is known; a resource
 * when the string is exactly one "${R}" or "${R.Attr}". */
static cfn_value eval_sub(const cfn_template *t, const sp_doc *e, const sp_doc *arg, int depth)
{
    const sp_doc *str, *vars;
    if (!sub_parts(arg, &str, &vars))
        return value(CFN_VAL_UNKNOWN, e);
    const char *s = sp_doc_text(str);
    size_t pos = 0;
    sub_piece p;
    buf b = {0};
    bool known = true, single = true;
    int pieces = 0;
    const cfn_resource *res = NULL;
    const char *attr = NULL;
    /* Scan the whole string even after an unknown piece: only a string
     * that is exactly one ${Resource} stands for the resource itself. */
    while (sub_next(s, &pos, &p)) {
        pieces++;
        if (!p.var) {
            single = false;
            if (p.escaped)
                buf_adds(&b, "${");
            buf_add(&b, p.text, p.len);
            if (p.escaped)
                buf_adds(&b, "}");
            continue;
        }
        const sp_doc *v = sub_var(vars, p.text, p.len);
        if (v) {
            single = false;
            const char *text = eval_string(t, v, depth);
            if (text)
                buf_adds(&b, text);
            else
                known = false;
            continue;
        }
        char *name = sp_arena_strndup(&t->ctx->arena, p.text, p.len);
        if (!name) {
            sp_oom(t->ctx);
            known = false;
            break;
        }
        char *dot = strchr(name, '.');
        if (dot)
            *dot = 0;
        const cfn_param *pa = dot ? NULL : cfn_find_param(t, name);
        if (pa && pa->known && !pa->is_list && !pa->novalue) {
            single = false;
            buf_adds(&b, pa->value);
            continue;
        }
        if (!known)
            single = false; /* a second unknown piece */
        known = false;
        res = cfn_find_resource(t, name);
        attr = dot ? dot + 1 : NULL;
    }
    const char *text = buf_finish(t->ctx, &b);
    if (known && text)
        return string_value(text, e);
    if (res && single && pieces == 1) {
        cfn_value v = value(CFN_VAL_RESOURCE, e);
        v.resource = res;
        v.attr = attr;
        return v;
    }
    return value(CFN_VAL_UNKNOWN, e);
}

static cfn_value eval_cidr(const cfn_template *t, const sp_doc *e, const sp_doc *arg, int depth)
{
    if (seq_len(arg) != 3)
        return value(CFN_VAL_UNKNOWN, e);
    const char *block = eval_string(t, seq_item(arg, 0), depth);
    const char *count_s = eval_string(t, seq_item(arg, 1), depth);
    const char *bits_s = eval_string(t, seq_item(arg, 2), depth);
    unsigned long count, bits;
    unsigned a[4], prefix;
    char tail;
    if (!block || !parse_uint(count_s, &count) || !parse_uint(bits_s, &bits) ||
        sscanf(block, "%u.%u.%u.%u/%u%c", &a[0], &a[1], &a[2], &a[3], &prefix, &tail) != 5 ||
        a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255 || prefix > 32 || count < 1 ||
        count > 256 || bits < 1 || bits > 32 || 32 - bits < prefix ||
        (32 - bits - prefix < 9 && count > (1ul << (32 - bits - prefix))))
        return value(CFN_VAL_UNKNOWN, e);
    uint32_t addr = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
    uint32_t mask = prefix ? UINT32_MAX << (32 - prefix) : 0;
    uint32_t base = addr & mask;
    sp_doc **items = sp_arena_calloc(&t->ctx->arena, count, sizeof *items);
    if (!items) {
        sp_oom(t->ctx);
        return value(CFN_VAL_UNKNOWN, e);
    }
    for (unsigned long i = 0; i < count; i++) {
        uint32_t net = base + (uint32_t)(i << bits);
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%u.%u.%u.%u/%lu", net >> 24, (net >> 16) & 255,
                 (net >> 8) & 255, net & 255, 32 - bits);
        if (!(items[i] = cfn_doc_string(t->ctx, e, tmp)))
            return value(CFN_VAL_UNKNOWN, e);
    }
    const sp_doc *list = cfn_doc_seq(t->ctx, e, items, count);
    return list ? value(CFN_VAL_LIST, list) : value(CFN_VAL_UNKNOWN, e);
}

static const sp_doc *map_lookup(const sp_doc *map, const char *key)
{
    return map && map->kind == SP_DOC_MAP && key ? sp_doc_get(map, key) : NULL;
}

static cfn_value eval_fn(const cfn_template *t, const sp_doc *e, const char *fn,
                         const sp_doc *arg, int depth)
{
    cfn_value unknown = value(CFN_VAL_UNKNOWN, e);
    if (!strcmp(fn, "Ref")) {
        const char *name = is_string(arg) ? sp_doc_text(arg) : NULL;
        if (!name)
            return unknown;
        cfn_named named = cfn_find_name(t, name);
        const cfn_param *p = named.param;
        if (p) {
            if (p->novalue)
                return value(CFN_VAL_NONE, e);
            if (!p->known)
                return unknown;
            return p->is_list ? value(CFN_VAL_LIST, p->list) : string_value(p->value, e);
        }
        const cfn_resource *r = named.resource;
        if (!r)
            return unknown;
        cfn_value v = value(CFN_VAL_RESOURCE, e);
        v.resource = r;
        return v;
    }
    if (!strcmp(fn, "Fn::GetAtt")) {
        const char *rname, *attr;
        const sp_doc *attr_node;
        if (!getatt_parts(t, arg, &rname, &attr, &attr_node))
            return unknown;
        const cfn_resource *r = cfn_find_resource(t, rname);
        if (!r)
            return unknown;
        cfn_value v = value(CFN_VAL_RESOURCE, e);
        v.resource = r;
        v.attr = attr ? attr : eval_string(t, attr_node, depth);
        if (!v.attr)
            v.attr = "";
        return v;
    }
    if (!strcmp(fn, "Fn::Sub"))
        return eval_sub(t, e, arg, depth);
    if (!strcmp(fn, "Fn::If")) {
        if (seq_len(arg) != 3)
            return unknown;
        cfn_truth c = cfn_condition_value(t, sp_doc_text(seq_item(arg, 0)));
        if (c != CFN_UNDECIDED)
            return eval_depth(t, seq_item(arg, c == CFN_TRUE ? 1 : 2), depth + 1);
        cfn_value a = eval_depth(t, seq_item(arg, 1), depth + 1);
        cfn_value b = eval_depth(t, seq_item(arg, 2), depth + 1);
        return same_value(&a, &b) ? a : unknown;
    }
    if (!strcmp(fn, "Fn::Join")) {
        if (seq_len(arg) != 2)
            return unknown;
        const char *delim = eval_string(t, seq_item(arg, 0), depth);
        node_vec items = {0};
        if (!delim || !list_items(t, seq_item(arg, 1), &items, depth + 1))
            return unknown;
        buf b = {0};
        bool known = true;
        for (size_t i = 0; i < items.len && known; i++) {
            const char *s = eval_string(t, items.items[i], depth);
            if (!s) {
                known = false;
                break;
            }
            if (i)
                buf_adds(&b, delim);
            buf_adds(&b, s);
        }
        const char *s = buf_finish(t->ctx, &b);
        return known && s ? string_value(s, e) : unknown;
    }
    if (!strcmp(fn, "Fn::Select")) {
        if (seq_len(arg) != 2)
            return unknown;
        unsigned long idx;
        node_vec items = {0};
        if (!parse_uint(eval_string(t, seq_item(arg, 0), depth), &idx) ||
            !list_items(t, seq_item(arg, 1), &items, depth + 1) || idx >= items.len)
            return unknown;
        return eval_depth(t, items.items[idx], depth + 1);
    }
    if (!strcmp(fn, "Fn::Split")) {
        if (seq_len(arg) != 2)
            return unknown;
        const char *delim = eval_string(t, seq_item(arg, 0), depth);
        const char *s = eval_string(t, seq_item(arg, 1), depth);
        if (!delim || !*delim || !s)
            return unknown;
        SP_VEC(sp_doc *) parts = {0};
        size_t dl = strlen(delim);
        for (const char *p = s;;) {
            const char *q = strstr(p, delim);
            size_t n = q ? (size_t)(q - p) : strlen(p);
            char *piece = sp_arena_strndup(&t->ctx->arena, p, n);
            sp_doc *d = piece ? cfn_doc_string(t->ctx, e, piece) : NULL;
            if (!d || !sp_vec_push(&t->ctx->arena, &parts, d)) {
                sp_oom(t->ctx);
                return unknown;
            }
            if (!q)
                break;
            p = q + dl;
        }
        const sp_doc *list = cfn_doc_seq(t->ctx, e, parts.items, parts.len);
        return list ? value(CFN_VAL_LIST, list) : unknown;
    }
    if (!strcmp(fn, "Fn::FindInMap")) {
        size_t n = seq_len(arg);
        if (n != 3 && n != 4)
            return unknown;
        const char *m = eval_string(t, seq_item(arg, 0), depth);
        const char *k1 = eval_string(t, seq_item(arg, 1), depth);
        const char *k2 = eval_string(t, seq_item(arg, 2), depth);
        if (!m || !k1 || !k2)
            return unknown;
        const sp_doc *v = map_lookup(map_lookup(map_lookup(t->mappings, m), k1), k2);
        if (!v && n == 4)
            v = map_lookup(seq_item(arg, 3), "DefaultValue");
        return v ? eval_depth(t, v, depth + 1) : unknown;
    }
    if (!strcmp(fn, "Fn::Base64")) {
        const char *s = eval_string(t, arg, depth);
        const char *enc = s ? base64(t->ctx, s) : NULL;
        return enc ? string_value(enc, e) : unknown;
    }
    if (!strcmp(fn, "Fn::Cidr"))
        return eval_cidr(t, e, arg, depth);
    if (!strcmp(fn, "Fn::Length")) {
        node_vec items = {0};
        if (!list_items(t, arg, &items, depth + 1))
            return unknown;
        const char *s = sp_arena_printf(&t->ctx->arena, "%zu", items.len);
        return s ? string_value(s, e) : unknown;
    }
    /* Fn::GetAZs (the region is not known), Fn::ImportValue (another
     * stack), Fn::Transform, Fn::ToJsonString, condition functions. */
    return unknown;
}

static cfn_value eval_depth(const cfn_template *t, const sp_doc *e, int depth)
{
    if (!e || e->kind == SP_DOC_NULL)
        return value(CFN_VAL_NONE, e);
    if (depth > 4 * SP_MAX_DEPTH)
        return value(CFN_VAL_UNKNOWN, e);
    if (sp_doc_is_scalar(e))
        return string_value(sp_doc_text(e), e);
    if (e->kind == SP_DOC_SEQ)
        return value(CFN_VAL_LIST, e);
    const sp_doc *arg;
    const char *fn = cfn_intrinsic(e, &arg);
    if (!fn)
        return value(CFN_VAL_MAP, e);
    return eval_fn(t, e, fn, arg, depth);
}

cfn_value cfn_eval(const cfn_template *t, const sp_doc *expr)
{
    return eval_depth(t, expr, 0);
}

/* ---- lists ---- */

typedef void (*item_fn)(const cfn_template *t, const sp_doc *item, void *arg);

static void each_item(const cfn_template *t, const sp_doc *e, item_fn fn, void *arg, int depth,
                      bool top)
{
    if (!e || depth > 4 * SP_MAX_DEPTH)
        return;
    if (e->kind == SP_DOC_SEQ && top) {
        for (size_t i = 0; i < e->u.seq.len; i++)
            each_item(t, e->u.seq.items[i], fn, arg, depth + 1, false);
        return;
    }
    const sp_doc *a;
    const char *f = cfn_intrinsic(e, &a);
    if (f && !strcmp(f, "Fn::If") && seq_len(a) == 3) {
        cfn_truth c = cfn_condition_value(t, sp_doc_text(seq_item(a, 0)));
        if (c != CFN_FALSE)
            each_item(t, seq_item(a, 1), fn, arg, depth + 1, top);
        if (c != CFN_TRUE)
            each_item(t, seq_item(a, 2), fn, arg, depth + 1, top);
        return;
    }
    if (f) {
        cfn_value v = cfn_eval(t, e);
        if (v.kind == CFN_VAL_NONE)
            return;
        if (top && v.kind == CFN_VAL_LIST && v.node != e) {
            each_item(t, v.node, fn, arg, depth + 1, true);
            return;
        }
    }
    if (e->kind == SP_DOC_NULL)
        return;
    /* A single element, or a list that is not statically known (then the
     * expression itself stands for its unknown elements). */
    fn(t, e, arg);
}

void cfn_each_item(const cfn_template *t, const sp_doc *expr,
                   void (*fn)(const cfn_template *t, const sp_doc *item, void *arg), void *arg)
{
    each_item(t, expr, fn, arg, 0, true);
}

/* ---- the walk of shapes and mentions ---- */

/* The functions the walk tells apart; FN_ARITY_FIRST.. index `arity`. */
typedef enum fn_id {
    FN_REF, FN_GETATT, FN_SUB, FN_IF,
    FN_JOIN, FN_SELECT, FN_SPLIT, FN_FINDINMAP, FN_CIDR, FN_EQUALS, FN_AND, FN_OR, FN_NOT,
    FN_OTHER, /* another of `intrinsics` */
    FN_UNKNOWN,
} fn_id;
#define FN_ARITY_FIRST FN_JOIN

static const struct {
    size_t min, max;
    const char *want;
} arity[] = {
    {2, 2, "[delimiter, list]"},
    {2, 2, "[index, list]"},
    {2, 2, "[delimiter, string]"},
    {3, 4, "[map, top-level key, second-level key]"},
    {3, 3, "[address block, count, host bits]"},
    {2, 2, "[value, value]"},
    {2, 10, "a list of 2 to 10 conditions"},
    {2, 10, "a list of 2 to 10 conditions"},
    {1, 1, "[condition]"},
};

/* `f` as cfn_intrinsic returned it ("Ref" or "Fn::..."): one comparison
 * per function instead of a chain of strcmp per walk. */
static fn_id function_id(const char *f)
{
    static const struct {
        const char *name; /* after "Fn::" */
        fn_id id;
    } fns[] = {
        {"GetAtt", FN_GETATT}, {"Sub", FN_SUB},        {"If", FN_IF},
        {"Join", FN_JOIN},     {"Select", FN_SELECT},  {"Split", FN_SPLIT},
        {"FindInMap", FN_FINDINMAP}, {"Cidr", FN_CIDR}, {"Equals", FN_EQUALS},
        {"And", FN_AND},       {"Or", FN_OR},          {"Not", FN_NOT},
    };
    if (f[0] == 'R')
        return FN_REF;
    const char *n = f + 4;
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        if (fns[i].name[0] == n[0] && !strcmp(n, fns[i].name))
            return fns[i].id;
    return known_intrinsic(f) ? FN_OTHER : FN_UNKNOWN;
}

/* One walk does both jobs: checking shapes (cfn_check_expr) and finding
 * mentions (cfn_each_mention); loading a template needs both of every
 * section, and walking twice was a fifth of loading.  `chk` and `men` say
 * which of the two would visit a subtree (a malformed function is not
 * checked inside, but its mentions count), so each job sees exactly the
 * nodes, in the order, that its own walk did. */
typedef struct walk {
    cfn_template *t; /* written only when checking */
    bool in_cond;
    cfn_mention_fn fn;
    void *arg;
} walk;

static void shape_error(cfn_template *t, const sp_doc *at, const char *fn, const char *want)
{
    sp_error(t->ctx, sp_doc_loc(at), "malformed %s: it takes %s", fn, want);
    t->failed = true;
}

static void check_condition_name(cfn_template *t, const sp_doc *name)
{
    if (!is_string(name)) {
        sp_error(t->ctx, sp_doc_loc(name), "a condition name must be a string");
        t->failed = true;
    } else if (!cfn_find_condition(t, sp_doc_text(name))) {
        sp_error(t->ctx, sp_doc_loc(name), "unknown condition '%s'", sp_doc_text(name));
        t->failed = true;
    }
}

static void walk_node(const walk *w, const sp_doc *e, bool chk, bool men, bool live, int depth);

static void sub_mentions(const walk *w, const sp_doc *str, const sp_doc *vars, bool live)
{
    const cfn_template *t = w->t;
    const char *s = sp_doc_text(str);
    size_t pos = 0;
    sub_piece p;
    while (sub_next(s, &pos, &p)) {
        if (!p.var || !p.len || sub_var(vars, p.text, p.len))
            continue;
        const char *dot = memchr(p.text, '.', p.len);
        size_t nlen = dot ? (size_t)(dot - p.text) : p.len;
        char *name = sp_arena_strndup(&t->ctx->arena, p.text, nlen);
        char *attr = dot ? sp_arena_strndup(&t->ctx->arena, dot + 1, p.len - nlen - 1) : NULL;
        if (!name || (dot && !attr)) {
            sp_oom(t->ctx);
            return;
        }
        w->fn(t, CFN_M_SUB, name, attr, sub_position(t, str, name, nlen), live, w->arg);
    }
}

static void walk_fn(const walk *w, const sp_doc *e, const char *f, const sp_doc *a, bool chk,
                    bool men, bool live, int depth)
{
    cfn_template *t = w->t;
    fn_id id = function_id(f);
    switch (id) {
    case FN_REF:
        if (!is_string(a)) {
            if (chk)
                shape_error(t, a, f, "the name of a parameter or resource");
        } else if (men) {
            w->fn(t, CFN_M_REF, sp_doc_text(a), NULL, a, live, w->arg);
        }
        return;
    case FN_GETATT: {
        const char *r, *attr;
        const sp_doc *attr_node;
        if (!getatt_parts(t, a, &r, &attr, &attr_node)) {
            if (chk)
                shape_error(t, a, f, "[resource, attribute] or \"Resource.Attribute\"");
            return;
        }
        if (men)
            w->fn(t, CFN_M_GETATT, r, attr, a->kind == SP_DOC_SEQ ? a->u.seq.items[0] : a,
                  live, w->arg);
        walk_node(w, attr_node, chk, men, live, depth + 1);
        return;
    }
    case FN_SUB: {
        const sp_doc *str, *vars;
        if (!sub_parts(a, &str, &vars)) {
            if (chk)
                shape_error(t, a, f, "a string, or [string, {variables}]");
            walk_node(w, a, false, men, live, depth + 1);
            return;
        }
        if (men)
            sub_mentions(w, str, vars, live);
        walk_node(w, vars, chk, men, live, depth + 1);
        return;
    }
    case FN_IF: {
        if (seq_len(a) != 3) {
            if (chk)
                shape_error(t, a, f, "[condition, value if true, value if false]");
            walk_node(w, a, false, men, live, depth + 1);
            return;
        }
        if (chk)
            check_condition_name(t, a->u.seq.items[0]);
        cfn_truth c = men ? cfn_condition_value(t, sp_doc_text(a->u.seq.items[0]))
                          : CFN_UNDECIDED;
        walk_node(w, a->u.seq.items[1], chk, men, live && c != CFN_FALSE, depth + 1);
        walk_node(w, a->u.seq.items[2], chk, men, live && c != CFN_TRUE, depth + 1);
        return;
    }
    case FN_OTHER:
        break;
    case FN_UNKNOWN:
        if (chk && !t->transform) {
            sp_error(t->ctx, sp_doc_loc(e->u.map.pairs[0].key),
                     "unknown intrinsic function '%s'", f);
            t->failed = true;
            chk = false;
        }
        break;
    default: /* the functions of `arity` */
        if (chk) {
            size_t n = seq_len(a), i = (size_t)(id - FN_ARITY_FIRST);
            if (!a || a->kind != SP_DOC_SEQ || n < arity[i].min || n > arity[i].max) {
                shape_error(t, a, f, arity[i].want);
                chk = false;
            } else if (id == FN_FINDINMAP && is_string(a->u.seq.items[0]) &&
                       !map_lookup(t->mappings, sp_doc_text(a->u.seq.items[0]))) {
                sp_error(t->ctx, sp_doc_loc(a->u.seq.items[0]), "no mapping named '%s'",
                         sp_doc_text(a->u.seq.items[0]));
                t->failed = true;
            }
        }
        break;
    }
    walk_node(w, a, chk, men, live, depth + 1);
}

/* Scalars have nothing to check or mention: most values are scalars, and
 * not calling the walk for them saves most of its calls. */
static inline bool collection(const sp_doc *e)
{
    return e && (e->kind == SP_DOC_SEQ || e->kind == SP_DOC_MAP);
}

static void walk_node(const walk *w, const sp_doc *e, bool chk, bool men, bool live, int depth)
{
    if (!e || depth > 4 * SP_MAX_DEPTH || !(chk || men))
        return;
    if (e->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < e->u.seq.len; i++)
            if (collection(e->u.seq.items[i]))
                walk_node(w, e->u.seq.items[i], chk, men, live, depth + 1);
        return;
    }
    if (e->kind != SP_DOC_MAP)
        return;
    if (chk && w->in_cond && e->u.map.len == 1 &&
        sp_doc_text_eq(e->u.map.pairs[0].key, "Condition")) {
        check_condition_name(w->t, e->u.map.pairs[0].value);
        chk = false;
    }
    const sp_doc *a;
    const char *f = cfn_intrinsic(e, &a);
    if (f) {
        walk_fn(w, e, f, a, chk, men, live, depth);
        return;
    }
    for (size_t i = 0; i < e->u.map.len; i++)
        if (collection(e->u.map.pairs[i].value))
            walk_node(w, e->u.map.pairs[i].value, chk, men, live, depth + 1);
}

void cfn_each_mention(const cfn_template *t, const sp_doc *expr, cfn_mention_fn fn, void *arg)
{
    /* Not checking: the template is only read. */
    walk w = {(cfn_template *)t, false, fn, arg};
    walk_node(&w, expr, false, true, true, 0);
}

void cfn_check_expr(cfn_template *t, const sp_doc *expr, bool in_condition)
{
    walk w = {t, in_condition, NULL, NULL};
    walk_node(&w, expr, true, false, true, 0);
}

void cfn_check_and_mention(cfn_template *t, const sp_doc *expr, cfn_mention_fn fn, void *arg)
{
    walk w = {t, false, fn, arg};
    walk_node(&w, expr, true, true, true, 0);
}

typedef struct ref_closure {
    void (*fn)(const cfn_template *t, const cfn_resource *r, const sp_doc *at, void *arg);
    void *arg;
} ref_closure;

static void ref_mention(const cfn_template *t, cfn_mention_kind kind, const char *name,
                        const char *attr, const sp_doc *at, bool live, void *arg)
{
    (void)kind;
    (void)attr;
    (void)live;
    ref_closure *c = arg;
    cfn_named named = cfn_find_name(t, name);
    if (kind == CFN_M_REF && named.param)
        return;
    const cfn_resource *r = named.resource;
    if (r)
        c->fn(t, r, at, c->arg);
}

void cfn_each_reference(const cfn_template *t, const sp_doc *expr,
                        void (*fn)(const cfn_template *t, const cfn_resource *r,
                                   const sp_doc *at, void *arg),
                        void *arg)
{
    ref_closure c = {fn, arg};
    cfn_each_mention(t, expr, ref_mention, &c);
}

/* ---- normal form ---- */

static const sp_doc *norm(const cfn_template *t, const sp_doc *e, int depth);

/* Whether `e` already is the resource form of `v`: {Ref: ID} or
 * {Fn::GetAtt: [ID, ATTR]}, with strings (sp_doc_equal reads a YAML yes
 * as "true", so other scalars would not compare alike). */
static bool is_id_string(const sp_doc *d, const char *text)
{
    return d->kind == SP_DOC_STRING && sp_doc_text_eq(d, text);
}

static bool is_resource_form(const sp_doc *e, const cfn_value *v)
{
    const sp_doc *a;
    const char *f = cfn_intrinsic(e, &a);
    if (!f)
        return false;
    if (!v->attr)
        return !strcmp(f, "Ref") && is_id_string(a, v->resource->id);
    return !strcmp(f, "Fn::GetAtt") && a->kind == SP_DOC_SEQ && a->u.seq.len == 2 &&
           is_id_string(a->u.seq.items[0], v->resource->id) &&
           is_id_string(a->u.seq.items[1], v->attr);
}

static sp_doc *resource_form(const cfn_template *t, const cfn_value *v)
{
    sp_ctx *ctx = t->ctx;
    const sp_doc *at = v->node;
    if (!v->attr)
        return cfn_doc_map1(ctx, at, "Ref", cfn_doc_string(ctx, at, v->resource->id));
    sp_doc *items[2] = {cfn_doc_string(ctx, at, v->resource->id),
                        cfn_doc_string(ctx, at, v->attr)};
    if (!items[0] || !items[1])
        return NULL;
    return cfn_doc_map1(ctx, at, "Fn::GetAtt", cfn_doc_seq(ctx, at, items, 2));
}

/* A placeholder for "absent" where a node is needed (a branch of an
 * undecided Fn::If). */
static sp_doc *novalue_marker(const cfn_template *t, const sp_doc *at)
{
    return cfn_doc_map1(t->ctx, at, "Ref", cfn_doc_string(t->ctx, at, "AWS::NoValue"));
}

static const sp_doc *norm_or_marker(const cfn_template *t, const sp_doc *e, int depth)
{
    const sp_doc *n = norm(t, e, depth + 1);
    return n ? n : novalue_marker(t, e);
}

/* A condition's normal form, with Condition references expanded. */
static const sp_doc *norm_condition(const cfn_template *t, const sp_doc *e, int depth)
{
    if (!e || depth > 4 * SP_MAX_DEPTH)
        return e;
    if (e->kind == SP_DOC_MAP && e->u.map.len == 1 &&
        sp_doc_text_eq(e->u.map.pairs[0].key, "Condition")) {
        const char *name = sp_doc_text(e->u.map.pairs[0].value);
        const cfn_condition *c = name ? cfn_find_condition(t, name) : NULL;
        if (!c)
            return e;
        cfn_truth v = cfn_condition_value(t, name);
        if (v != CFN_UNDECIDED)
            return cfn_doc_string(t->ctx, e, v == CFN_TRUE ? "true" : "false");
        return norm_condition(t, c->expr, depth + 1);
    }
    const sp_doc *a;
    const char *f = cfn_intrinsic(e, &a);
    if (f && (!strcmp(f, "Fn::And") || !strcmp(f, "Fn::Or") || !strcmp(f, "Fn::Not")) &&
        a->kind == SP_DOC_SEQ) {
        sp_doc **items = sp_arena_calloc(&t->ctx->arena, a->u.seq.len + 1, sizeof *items);
        if (!items) {
            sp_oom(t->ctx);
            return e;
        }
        for (size_t i = 0; i < a->u.seq.len; i++)
            items[i] = (sp_doc *)norm_condition(t, a->u.seq.items[i], depth + 1);
        return cfn_doc_map1(t->ctx, e, f, cfn_doc_seq(t->ctx, a, items, a->u.seq.len));
    }
    const sp_doc *n = norm(t, e, depth + 1);
    return n ? n : novalue_marker(t, e);
}

/* Fn::Sub with what is known substituted. */
static const sp_doc *norm_sub(const cfn_template *t, const sp_doc *e, const sp_doc *a, int depth)
{
    const sp_doc *str, *vars;
    if (!sub_parts(a, &str, &vars))
        return e;
    sp_ctx *ctx = t->ctx;
    const char *s = sp_doc_text(str);
    size_t pos = 0;
    sub_piece p;
    buf b = {0};
    SP_VEC(sp_doc_pair) kept = {0};
    while (sub_next(s, &pos, &p)) {
        if (!p.var) {
            buf_adds(&b, p.escaped ? "${!" : "");
            buf_add(&b, p.text, p.len);
            buf_adds(&b, p.escaped ? "}" : "");
            continue;
        }
        const char *text = NULL;
        const sp_doc *v = sub_var(vars, p.text, p.len);
        char *name = sp_arena_strndup(&ctx->arena, p.text, p.len);
        if (!name) {
            sp_oom(ctx);
            break;
        }
        if (v) {
            cfn_value val = cfn_eval(t, v);
            if (val.kind == CFN_VAL_STRING) {
                text = val.text;
            } else {
                bool dup = false;
                for (size_t i = 0; i < kept.len; i++)
                    dup |= sp_doc_text_eq(kept.items[i].key, name);
                sp_doc_pair pair = {cfn_doc_string(ctx, v, name),
                                    (sp_doc *)norm_or_marker(t, v, depth)};
                if (!dup && pair.key && !sp_vec_push(&ctx->arena, &kept, pair))
                    sp_oom(ctx);
            }
        } else {
            const cfn_param *pa = cfn_find_param(t, name);
            if (pa && pa->known && !pa->is_list && !pa->novalue)
                text = pa->value;
        }
        if (text) {
            /* Keep the result literal if it looks like a placeholder. */
            for (const char *q = text; *q; q++) {
                if (q[0] == '$' && q[1] == '{') {
                    buf_adds(&b, "${!");
                    q++;
                } else {
                    buf_add(&b, q, 1);
                }
            }
        } else {
            buf_adds(&b, "${");
            buf_add(&b, p.text, p.len);
            buf_adds(&b, "}");
        }
    }
    const char *out = buf_finish(ctx, &b);
    if (!out)
        return e;
    sp_doc *ns = cfn_doc_string(ctx, str, out);
    if (!kept.len)
        return cfn_doc_map1(ctx, e, "Fn::Sub", ns);
    sp_doc *items[2] = {ns, doc_map(ctx, vars, kept.items, kept.len)};
    if (!items[0] || !items[1])
        return e;
    return cfn_doc_map1(ctx, e, "Fn::Sub", cfn_doc_seq(ctx, a, items, 2));
}

static const sp_doc *norm_fn(const cfn_template *t, const sp_doc *e, const char *f,
                             const sp_doc *a, int depth)
{
    sp_ctx *ctx = t->ctx;
    if (!strcmp(f, "Fn::If") && seq_len(a) == 3) {
        const char *cname = sp_doc_text(seq_item(a, 0));
        cfn_truth c = cfn_condition_value(t, cname);
        if (c != CFN_UNDECIDED)
            return norm(t, seq_item(a, c == CFN_TRUE ? 1 : 2), depth + 1);
        const cfn_condition *cond = cname ? cfn_find_condition(t, cname) : NULL;
        sp_doc *items[3] = {
            cond ? (sp_doc *)norm_condition(t, cond->expr, depth + 1) : (sp_doc *)seq_item(a, 0),
            (sp_doc *)norm_or_marker(t, seq_item(a, 1), depth),
            (sp_doc *)norm_or_marker(t, seq_item(a, 2), depth)};
        if (!items[0] || !items[1] || !items[2])
            return e;
        return cfn_doc_map1(ctx, e, "Fn::If", cfn_doc_seq(ctx, a, items, 3));
    }
    cfn_value v = cfn_eval(t, e);
    switch (v.kind) {
    case CFN_VAL_STRING:
        return cfn_doc_string(ctx, e, v.text);
    case CFN_VAL_NONE:
        return NULL;
    case CFN_VAL_RESOURCE:
        return is_resource_form(e, &v) ? e : resource_form(t, &v);
    case CFN_VAL_LIST:
    case CFN_VAL_MAP:
        return v.node != e ? norm(t, v.node, depth + 1) : e;
    default:
        break;
    }
    if (!strcmp(f, "Fn::Sub"))
        return norm_sub(t, e, a, depth);
    if (!strcmp(f, "Ref"))
        return e;
    const sp_doc *na = norm_or_marker(t, a, depth);
    if (na == a)
        return e;
    return cfn_doc_map1(ctx, e, f, (sp_doc *)na);
}

/* Normal forms share every subtree that normalising leaves as it is, so a
 * definition without parameters or conditions to substitute costs no
 * memory: a copy of a list or map is made only once a child changes. */
static const sp_doc *norm(const cfn_template *t, const sp_doc *e, int depth)
{
    if (!e)
        return NULL;
    if (depth > 4 * SP_MAX_DEPTH || sp_doc_is_scalar(e))
        return e;
    sp_ctx *ctx = t->ctx;
    if (e->kind == SP_DOC_SEQ) {
        size_t n = e->u.seq.len;
        sp_doc **items = NULL;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const sp_doc *x = norm(t, e->u.seq.items[i], depth + 1);
            if (!items && x == e->u.seq.items[i])
                continue;
            if (!items) {
                items = sp_arena_alloc_raw(&ctx->arena, n * sizeof *items);
                if (!items) {
                    sp_oom(ctx);
                    return e;
                }
                memcpy(items, e->u.seq.items, i * sizeof *items);
                m = i;
            }
            if (x)
                items[m++] = (sp_doc *)x;
        }
        if (!items)
            return e;
        sp_doc *d = cfn_doc_seq(ctx, e, items, m);
        return d ? d : e;
    }
    const sp_doc *a;
    const char *f = cfn_intrinsic(e, &a);
    if (f) {
        const sp_doc *r = norm_fn(t, e, f, a, depth);
        return ctx->out_of_memory ? e : r;
    }
    size_t n = e->u.map.len;
    sp_doc_pair *pairs = NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const sp_doc *x = norm(t, e->u.map.pairs[i].value, depth + 1);
        if (!pairs && x == e->u.map.pairs[i].value)
            continue;
        if (!pairs) {
            pairs = sp_arena_alloc_raw(&ctx->arena, n * sizeof *pairs);
            if (!pairs) {
                sp_oom(ctx);
                return e;
            }
            memcpy(pairs, e->u.map.pairs, i * sizeof *pairs);
            m = i;
        }
        if (x) {
            pairs[m].key = e->u.map.pairs[i].key;
            pairs[m++].value = (sp_doc *)x;
        }
    }
    if (!pairs)
        return e;
    sp_doc *d = doc_map(ctx, e, pairs, m);
    return d ? d : e;
}

const sp_doc *cfn_normalize(const cfn_template *t, const sp_doc *expr)
{
    return norm(t, expr, 0);
}

/* ---- comparing normal forms ---- */

/* Both sides' normal forms, compared (absent equals absent). */
static bool same_normalized(const cfn_template *ta, const sp_doc *a, const cfn_template *tb,
                            const sp_doc *b, int depth)
{
    const sp_doc *na = norm(ta, a, depth), *nb = norm(tb, b, depth);
    return (!na && !nb) || (na && nb && sp_doc_equal(na, nb));
}

/* Whether a and b are the same Ref or list-form Fn::GetAtt with literal
 * names, to the same template resource on both sides: their normal forms
 * are then both {Ref: ID} or {Fn::GetAtt: [ID, ATTR]} with string scalars
 * (is_resource_form, resource_form). */
static bool same_resource_ref(const cfn_template *ta, const char *fa, const sp_doc *a,
                              const cfn_template *tb, const char *fb, const sp_doc *b)
{
    const sp_doc *na = a, *nb = b; /* the resource names */
    if (strcmp(fa, fb) != 0)
        return false;
    if (strcmp(fa, "Ref") != 0) {
        if (strcmp(fa, "Fn::GetAtt") != 0 || seq_len(a) != 2 || seq_len(b) != 2 ||
            !is_string(a->u.seq.items[1]) || !is_string(b->u.seq.items[1]) ||
            strcmp(sp_doc_text(a->u.seq.items[1]), sp_doc_text(b->u.seq.items[1])) != 0)
            return false;
        na = a->u.seq.items[0];
        nb = b->u.seq.items[0];
    }
    if (!is_string(na) || !is_string(nb))
        return false;
    const char *name = sp_doc_text(na);
    if (strcmp(name, sp_doc_text(nb)) != 0)
        return false;
    /* The names are equal: one hash serves all four tables.  Ref asks for
     * a parameter first; Fn::GetAtt only for a resource. */
    uint32_t h = cfn_index_hash(name);
    if (!strcmp(fa, "Ref") && (cfn_index_get_hashed(&ta->param_ix, name, h) != UINT32_MAX ||
                               cfn_index_get_hashed(&tb->param_ix, name, h) != UINT32_MAX))
        return false;
    return cfn_index_get_hashed(&ta->res_ix, name, h) != UINT32_MAX &&
           cfn_index_get_hashed(&tb->res_ix, name, h) != UINT32_MAX;
}

/* Whether a and b are Fn::Base64 of the same literal: both normal forms
 * are then computed from the same bytes alone (UserData, mostly). */
static bool same_base64(const char *fa, const sp_doc *a, const char *fb, const sp_doc *b)
{
    return !strcmp(fa, "Fn::Base64") && !strcmp(fb, "Fn::Base64") && sp_doc_is_scalar(a) &&
           sp_doc_is_scalar(b) && a->kind == b->kind && a->u.scalar.len == b->u.scalar.len &&
           !memcmp(a->u.scalar.text, b->u.scalar.text, a->u.scalar.len);
}

/* Whether norm(ta, a) and norm(tb, b) are equal, without building them
 * where the two trees are alike: most definitions do not change, and their
 * normal forms cost two copies and a comparison of each.  Exact: a plain
 * map or list is equal when its children are (a map's keys pair up one to
 * one, so an absent value must be absent on both sides); references to
 * resources compare by logical ID; everything else, and any list whose
 * items differ (AWS::NoValue may shift them), is normalised and compared. */
static bool same_form(const cfn_template *ta, const sp_doc *a, const cfn_template *tb,
                      const sp_doc *b, int depth)
{
    if (a && b && sp_doc_is_scalar(a) && sp_doc_is_scalar(b)) {
        /* norm leaves scalars as they are; sp_doc_equal compares texts
         * except for booleans and nulls */
        if (a->kind >= SP_DOC_NUMBER && b->kind >= SP_DOC_NUMBER)
            return a->u.scalar.len == b->u.scalar.len &&
                   !memcmp(a->u.scalar.text, b->u.scalar.text, a->u.scalar.len);
        return sp_doc_equal(a, b);
    }
    if (!a || !b || depth > 4 * SP_MAX_DEPTH || sp_doc_is_scalar(a) || sp_doc_is_scalar(b))
        return same_normalized(ta, a, tb, b, depth);
    const sp_doc *xa, *xb;
    const char *fa = cfn_intrinsic(a, &xa), *fb = cfn_intrinsic(b, &xb);
    if (fa || fb)
        return (fa && fb &&
                (same_resource_ref(ta, fa, xa, tb, fb, xb) || same_base64(fa, xa, fb, xb))) ||
               same_normalized(ta, a, tb, b, depth);
    if (a->kind != b->kind)
        return same_normalized(ta, a, tb, b, depth);
    if (a->kind == SP_DOC_SEQ) {
        if (a->u.seq.len != b->u.seq.len)
            return same_normalized(ta, a, tb, b, depth);
        for (size_t i = 0; i < a->u.seq.len; i++)
            if (!same_form(ta, a->u.seq.items[i], tb, b->u.seq.items[i], depth + 1))
                return same_normalized(ta, a, tb, b, depth);
        return true;
    }
    size_t n = a->u.map.len;
    if (n != b->u.map.len)
        return same_normalized(ta, a, tb, b, depth);
    for (size_t i = 0; i < n; i++) {
        const sp_doc *ka = a->u.map.pairs[i].key, *vb = NULL;
        for (size_t j = 0; j < n && !vb; j++) {
            const sp_doc *kb = b->u.map.pairs[(i + j) % n].key;
            if (sp_doc_is_scalar(ka) && sp_doc_is_scalar(kb) &&
                ka->u.scalar.len == kb->u.scalar.len &&
                !memcmp(ka->u.scalar.text, kb->u.scalar.text, ka->u.scalar.len))
                vb = b->u.map.pairs[(i + j) % n].value;
        }
        if (!vb)
            return same_normalized(ta, a, tb, b, depth);
        if (!same_form(ta, a->u.map.pairs[i].value, tb, vb, depth + 1))
            return false;
    }
    return true;
}

bool cfn_same_normal_form(const cfn_template *ta, const sp_doc *a, const cfn_template *tb,
                          const sp_doc *b)
{
    return same_form(ta, a, tb, b, 0);
}
