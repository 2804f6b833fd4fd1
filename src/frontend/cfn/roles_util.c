/* What every role needs: walking property paths through intrinsic
 * functions and references, reading values, building request sets and
 * emitting facts positioned at the property that caused them. */
#include "roles.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- intrinsic functions ---- */

/* The function name of a one-key map whose key is Ref or Fn::*. */
static const char *intrinsic(const sp_doc *n, const sp_doc **arg)
{
    if (!n || n->kind != SP_DOC_MAP || n->u.map.len != 1)
        return NULL;
    const char *k = sp_doc_text(n->u.map.pairs[0].key);
    if (!k || (!(k[0] == 'R' && k[1] == 'e' && k[2] == 'f' && !k[3]) &&
               !(k[0] == 'F' && k[1] == 'n' && k[2] == ':' && k[3] == ':') &&
               strcmp(k, "Condition")))
        return NULL;
    if (arg)
        *arg = n->u.map.pairs[0].value;
    return k;
}

typedef struct resolve_cb {
    void (*fn)(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg);
    void *arg;
    const cfn_resource *owner;
} resolve_cb;

/* Calls back with the map or list an expression stands for: a decided
 * Fn::If picks its branch, an undecided one gives both, AWS::NoValue
 * nothing. */
static void resolve(cfn_emit *e, const sp_doc *node, resolve_cb *cb, int depth)
{
    const sp_doc *arg;
    const char *fn = intrinsic(node, &arg);
    if (!fn || depth > 20) {
        cb->fn(e, cb->owner, node, cb->arg);
        return;
    }
    cfn_value v = cfn_eval(e->t, node);
    if (v.kind == CFN_VAL_NONE)
        return;
    if ((v.kind == CFN_VAL_MAP || v.kind == CFN_VAL_LIST) && v.node && v.node != node) {
        resolve(e, v.node, cb, depth + 1);
        return;
    }
    if (!strcmp(fn, "Fn::If") && v.kind == CFN_VAL_UNKNOWN && arg->kind == SP_DOC_SEQ &&
        arg->u.seq.len == 3) {
        resolve(e, arg->u.seq.items[1], cb, depth + 1);
        resolve(e, arg->u.seq.items[2], cb, depth + 1);
        return;
    }
    cb->fn(e, cb->owner, node, cb->arg);
}

void cfn_resolve(cfn_emit *e, const sp_doc *node, cfn_node_fn fn, void *arg)
{
    resolve_cb cb = {fn, arg, e->r};
    if (node)
        resolve(e, node, &cb, 0);
}

typedef struct elem_ctx {
    cfn_emit *e;
    cfn_node_fn fn;
    void *arg;
    const cfn_resource *owner;
} elem_ctx;

static void elem_item(const cfn_template *t, const sp_doc *item, void *arg)
{
    (void)t;
    elem_ctx *x = arg;
    if (item && !cfn_is_novalue_node(x->e, item))
        x->fn(x->e, x->owner, item, x->arg);
}

bool cfn_is_novalue_node(cfn_emit *e, const sp_doc *node)
{
    const sp_doc *arg;
    const char *fn = intrinsic(node, &arg);
    if (!fn)
        return false;
    if (!strcmp(fn, "Ref"))
        return sp_doc_text_eq(arg, "AWS::NoValue");
    return cfn_eval(e->t, node).kind == CFN_VAL_NONE;
}

/* The value of a `Ref` to a name (cfn_eval), when `node` is one. */
static bool ref_value(cfn_emit *e, const sp_doc *node, cfn_value *out)
{
    const sp_doc *arg;
    const char *f = intrinsic(node, &arg);
    if (!f || f[0] != 'R' || arg->kind == SP_DOC_NULL || !sp_doc_is_scalar(arg))
        return false;
    if (e->ref != node) {
        e->ref = node;
        e->ref_value = cfn_eval(e->t, node);
    }
    *out = e->ref_value;
    return true;
}

/* A `Ref` to a template resource (and to no parameter) stands for
 * itself: a list element, not a list, never AWS::NoValue. */
static bool is_resource_ref(cfn_emit *e, const sp_doc *node)
{
    cfn_value v;
    return ref_value(e, node, &v) && v.kind == CFN_VAL_RESOURCE;
}

/* The elements of a literal list as cfn_each_item gives them, without
 * evaluating references to resources (most lists of large templates are
 * such: security groups, subnets); false when some element needs
 * cfn_each_item. */
static bool each_plain_item(cfn_emit *e, const cfn_resource *owner, const sp_doc *list,
                            cfn_node_fn fn, void *arg)
{
    for (size_t i = 0; i < list->u.seq.len; i++) {
        const sp_doc *item = list->u.seq.items[i];
        const char *f = intrinsic(item, NULL);
        if (f && f[0] != 'R')
            return false;
    }
    elem_ctx x = {e, fn, arg, owner};
    for (size_t i = 0; i < list->u.seq.len; i++) {
        const sp_doc *item = list->u.seq.items[i];
        if (is_resource_ref(e, item))
            fn(e, owner, item, arg);
        else if (item->kind != SP_DOC_NULL &&
                 (!intrinsic(item, NULL) || cfn_eval(e->t, item).kind != CFN_VAL_NONE))
            elem_item(e->t, item, &x); /* as cfn_each_item gives any other element */
    }
    return true;
}

static void each_elem_owned(cfn_emit *e, const cfn_resource *owner, const sp_doc *node,
                            cfn_node_fn fn, void *arg)
{
    if (!node)
        return;
    elem_ctx x = {e, fn, arg, owner};
    if (node->kind == SP_DOC_SEQ) {
        if (!each_plain_item(e, owner, node, fn, arg))
            cfn_each_item(e->t, node, elem_item, &x);
        return;
    }
    const char *f = intrinsic(node, NULL);
    if (f && !is_resource_ref(e, node) && strcmp(f, "Fn::Sub") && strcmp(f, "Fn::Join") &&
        strcmp(f, "Fn::Base64")) {
        cfn_value v = cfn_eval(e->t, node);
        if (v.kind == CFN_VAL_NONE)
            return;
        if (v.kind == CFN_VAL_LIST || (v.kind == CFN_VAL_UNKNOWN && (!strcmp(f, "Fn::If") ||
                                                                     !strcmp(f, "Fn::Split") ||
                                                                     !strcmp(f, "Ref")))) {
            cfn_each_item(e->t, node, elem_item, &x);
            return;
        }
    }
    fn(e, owner, node, arg);
}

void cfn_each_elem(cfn_emit *e, const sp_doc *node, cfn_node_fn fn, void *arg)
{
    each_elem_owned(e, e->r, node, fn, arg);
}

/* ---- paths ---- */

/* Paths are compiled into steps once: a parameter's when the entry is
 * first walked (its memo keeps them), other paths when walked.  Large
 * templates walk the same few paths hundreds of thousands of times, and
 * most walks end at their first step (the property is absent). */
enum { STEP_END, STEP_NAME, STEP_STAR, STEP_FOLLOW };

typedef struct cstep {
    int kind;
    const char *name; /* STEP_NAME: name[0..len) */
    size_t len;
} cstep;

/* One path of a parameter, with the test around it for TESTS. */
typedef struct cpath {
    const cstep *steps; /* ended by STEP_END; NULL: walks nothing */
    const char *value;  /* PATH=VALUE, PATH!=VALUE; NULL: a truth test */
    bool negate;        /* != */
    bool absent;        /* !PATH */
    bool skip;          /* a test whose path is too long: ignored */
} cpath;

struct cfn_paths {
    size_t n;
    cpath items[16]; /* as many as cfn_param_list gives */
};

/* The steps of p[0..end): separating dots are skipped; a '-' not
 * followed by '>' belongs to a name.  Stores at most cap steps and
 * returns how many there are. */
static size_t parse_steps(const char *p, const char *end, cstep *out, size_t cap)
{
    size_t n = 0;
    for (;;) {
        while (p < end && *p == '.')
            p++;
        if (p == end)
            return n;
        cstep s = {STEP_NAME, p, 0};
        if (p[0] == '-' && p + 1 < end && p[1] == '>') {
            s.kind = STEP_FOLLOW;
            p += 2;
        } else if (*p == '*') {
            s.kind = STEP_STAR;
            p++;
        } else {
            while (p < end && *p != '.' && *p != '*' && !(p[0] == '-' && p + 1 < end && p[1] == '>'))
                p++;
            s.len = (size_t)(p - s.name);
        }
        if (n < cap)
            out[n] = s;
        n++;
    }
}

/* The steps of text[0..len) in the arena, ended by STEP_END; NULL when the
 * path does not begin with a property name (it walks nothing). */
static const cstep *compile_steps(sp_ctx *ctx, const char *text, size_t len)
{
    size_t n = parse_steps(text, text + len, NULL, 0);
    if (!n)
        return NULL;
    cstep *s = sp_arena_alloc_raw(&ctx->arena, (n + 1) * sizeof *s);
    if (!s) {
        sp_oom(ctx);
        return NULL;
    }
    parse_steps(text, text + len, s, n);
    s[n].kind = STEP_END;
    return s[0].kind == STEP_NAME ? s : NULL;
}

/* A test's parts, as cfn_tests always read them: "!" first, then the
 * first "!=", else the first "=". */
static void compile_test(sp_ctx *ctx, const char *t, cpath *out)
{
    memset(out, 0, sizeof *out);
    if (!t) {
        out->skip = true;
        return;
    }
    out->absent = t[0] == '!';
    if (out->absent)
        t++;
    const char *op = strstr(t, "!=");
    const char *eq = strchr(t, '=');
    size_t len;
    if (op) {
        len = (size_t)(op - t);
        out->value = op + 2;
        out->negate = true;
    } else if (eq) {
        len = (size_t)(eq - t);
        out->value = eq + 1;
    } else {
        len = strlen(t);
    }
    /* tests once read their path into a buffer of 256 bytes */
    if (len >= 256) {
        out->skip = true;
        return;
    }
    out->steps = compile_steps(ctx, t, len);
}

/* Parameter `param` of entry `te` compiled as paths or as tests, NULL when
 * the entry does not set it.  Kept in the parameter's memo; with a full
 * memo it is compiled again at every call. */
static const struct cfn_paths *param_paths(cfn_emit *e, const struct cfn_type_entry *te,
                                           const char *param, bool tests)
{
    cfn_param_memo *memo = cfn_param_memo_of(te, param);
    if (memo && (tests ? memo->tests : memo->paths))
        return tests ? memo->tests : memo->paths;
    /* the entry's arena: the memo lives as long as the entry */
    sp_ctx *ctx = e->cat ? e->cat->ctx : e->ctx;
    const char *texts[16];
    size_t n = cfn_param_list(te, param, texts, 16);
    if (!n)
        return NULL;
    struct cfn_paths *c = sp_arena_calloc(&ctx->arena, 1, sizeof *c);
    if (!c) {
        sp_oom(ctx);
        return NULL;
    }
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        if (tests)
            compile_test(ctx, texts[i], &c->items[i]);
        else if (texts[i])
            c->items[i].steps = compile_steps(ctx, texts[i], strlen(texts[i]));
    }
    if (memo) {
        if (tests)
            memo->tests = c;
        else
            memo->paths = c;
    }
    return c;
}

/* The value under key name[0..len) of a map. */
static const sp_doc *map_get_n(const sp_doc *map, const char *name, size_t len)
{
    for (size_t i = 0; i < map->u.map.len; i++) {
        const sp_doc *k = map->u.map.pairs[i].key;
        if (sp_doc_is_scalar(k) && k->u.scalar.len == len && !memcmp(k->u.scalar.text, name, len))
            return map->u.map.pairs[i].value;
    }
    return NULL;
}

typedef struct walker {
    cfn_emit *e;
    bool items;
    cfn_node_fn fn;
    void *arg;
    int depth;
} walker;

static void walk_at(walker *w, const cfn_resource *owner, const sp_doc *node, const cstep *s);

typedef struct step {
    walker *w;
    const cstep *s;
} step;

static void step_node(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)e;
    step *s = arg;
    walk_at(s->w, owner, node, s->s + 1);
}

static void name_in_map(walker *w, const cfn_resource *owner, const sp_doc *map, const cstep *s)
{
    const sp_doc *child = map_get_n(map, s->name, s->len);
    if (child && !cfn_is_novalue_node(w->e, child))
        walk_at(w, owner, child, s + 1);
}

static void step_name(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)e;
    step *s = arg;
    if (node && node->kind == SP_DOC_MAP)
        name_in_map(s->w, owner, node, s->s);
}

static void step_follow(cfn_emit *e, const cfn_resource *target, const sp_doc *at, void *arg)
{
    (void)e;
    (void)at;
    step *s = arg;
    if (target->props && s->w->depth < 8) {
        s->w->depth++;
        walk_at(s->w, target, target->props, s->s + 1);
        s->w->depth--;
    }
}

static void final_item(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    walker *w = arg;
    w->fn(e, owner, node, w->arg);
}

static void walk_at(walker *w, const cfn_resource *owner, const sp_doc *node, const cstep *s)
{
    if (!node)
        return;
    step st = {w, s};
    switch (s->kind) {
    case STEP_END:
        if (w->items)
            each_elem_owned(w->e, owner, node, final_item, w);
        else
            w->fn(w->e, owner, node, w->arg);
        break;
    case STEP_NAME:
        /* A map that is not an intrinsic function stands for itself: the
         * usual case, without resolving it. */
        if (node->kind == SP_DOC_MAP && !intrinsic(node, NULL)) {
            name_in_map(w, owner, node, s);
        } else {
            resolve_cb cb = {step_name, &st, owner};
            resolve(w->e, node, &cb, 0);
        }
        break;
    case STEP_STAR: {
        /* every element of a list, every value of a map */
        const sp_doc *arg;
        if (node->kind == SP_DOC_MAP && !intrinsic(node, &arg)) {
            for (size_t k = 0; k < node->u.map.len; k++)
                if (!cfn_is_novalue_node(w->e, node->u.map.pairs[k].value))
                    walk_at(w, owner, node->u.map.pairs[k].value, s + 1);
        } else {
            each_elem_owned(w->e, owner, node, step_node, &st);
        }
        break;
    }
    case STEP_FOLLOW: {
        bool ext;
        cfn_targets(w->e, node, &ext, step_follow, &st);
        break;
    }
    }
}

static void walk_steps(cfn_emit *e, const cfn_resource *owner, const sp_doc *start,
                       const cstep *steps, bool items, cfn_node_fn fn, void *arg)
{
    if (!steps || !start)
        return;
    walker w = {e, items, fn, arg, 0};
    walk_at(&w, owner, start, steps);
}

/* Walks a path given as text from `start`; a path must begin with a
 * property name. */
static void walk(cfn_emit *e, const cfn_resource *owner, const sp_doc *start, const char *path,
                 bool items, cfn_node_fn fn, void *arg)
{
    if (!path || !start)
        return;
    cstep local[16];
    const char *end = path + strlen(path);
    size_t n = parse_steps(path, end, local, 15);
    if (!n || local[0].kind != STEP_NAME)
        return;
    cstep *steps = local;
    if (n > 15) {
        steps = malloc((n + 1) * sizeof *steps);
        if (!steps) {
            sp_oom(e->ctx);
            e->ok = false;
            return;
        }
        parse_steps(path, end, steps, n);
    }
    steps[n].kind = STEP_END;
    walk_steps(e, owner, start, steps, items, fn, arg);
    if (steps != local)
        free(steps);
}

void cfn_walk(cfn_emit *e, const cfn_resource *r, const char *path, bool items, cfn_node_fn fn,
              void *arg)
{
    if (!r)
        r = e->r;
    walk(e, r, r->props, path, items, fn, arg);
}

void cfn_walk_node(cfn_emit *e, const cfn_resource *owner, const sp_doc *start, const char *path,
                   bool items, cfn_node_fn fn, void *arg)
{
    walk(e, owner ? owner : e->r, start, path, items, fn, arg);
}

void cfn_walk_param(cfn_emit *e, const struct cfn_type_entry *te, const cfn_resource *r,
                    const char *param, bool items, cfn_node_fn fn, void *arg)
{
    if (!r)
        r = e->r;
    const struct cfn_paths *c = param_paths(e, te ? te : e->te, param, false);
    for (size_t i = 0; c && i < c->n; i++)
        walk_steps(e, r, r->props, c->items[i].steps, items, fn, arg);
}

static void first_fn(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)e;
    (void)owner;
    const sp_doc **out = arg;
    if (!*out)
        *out = node;
}

const sp_doc *cfn_first(cfn_emit *e, const cfn_resource *r, const char *path)
{
    const sp_doc *out = NULL;
    cfn_walk(e, r, path, false, first_fn, &out);
    return out;
}

const sp_doc *cfn_first_param(cfn_emit *e, const struct cfn_type_entry *te,
                              const cfn_resource *r, const char *param)
{
    const sp_doc *out = NULL;
    cfn_walk_param(e, te, r, param, false, first_fn, &out);
    return out;
}

/* ---- values ---- */

const char *cfn_text(cfn_emit *e, const sp_doc *node)
{
    if (!node)
        return NULL;
    if (sp_doc_is_scalar(node))
        return node->kind == SP_DOC_NULL ? NULL : sp_doc_text(node);
    cfn_value v = cfn_eval(e->t, node);
    return v.kind == CFN_VAL_STRING ? v.text : NULL;
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return !*a && !*b;
}

cfn_tri cfn_truth(cfn_emit *e, const sp_doc *node)
{
    if (!node)
        return CFN_NOVAL;
    if (node->kind == SP_DOC_SEQ)
        return node->u.seq.len ? CFN_YES : CFN_NO;
    if (node->kind == SP_DOC_MAP && !intrinsic(node, NULL))
        return CFN_YES;
    const char *s = cfn_text(e, node);
    if (!s) {
        cfn_value v = cfn_eval(e->t, node);
        if (v.kind == CFN_VAL_NONE)
            return CFN_NOVAL;
        if (v.kind == CFN_VAL_MAP || v.kind == CFN_VAL_LIST || v.kind == CFN_VAL_RESOURCE)
            return CFN_YES;
        return CFN_UNSURE;
    }
    if (ieq(s, "true") || ieq(s, "enabled") || ieq(s, "yes") || ieq(s, "on"))
        return CFN_YES;
    if (ieq(s, "false") || ieq(s, "disabled") || ieq(s, "no") || ieq(s, "off") || !*s)
        return CFN_NO;
    char *end;
    long v = strtol(s, &end, 10);
    if (end != s && !*end)
        return v > 0 ? CFN_YES : CFN_NO;
    return CFN_YES;
}

typedef struct test_ctx {
    const char *value; /* NULL: truth test */
    bool negate;
    bool yes, no, unsure;
    const sp_doc *where;
} test_ctx;

static void test_value(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)owner;
    test_ctx *x = arg;
    cfn_tri r;
    if (!x->value) {
        r = cfn_truth(e, node);
    } else {
        const char *s = cfn_text(e, node);
        if (!s) {
            if (cfn_eval(e->t, node).kind == CFN_VAL_NONE)
                return;
            r = CFN_UNSURE;
        } else {
            r = ieq(s, x->value) ? CFN_YES : CFN_NO;
            if (x->negate)
                r = r == CFN_YES ? CFN_NO : CFN_YES;
        }
    }
    if (r == CFN_NOVAL)
        return;
    if (r == CFN_YES && !x->yes)
        x->where = node;
    if (!x->where)
        x->where = node;
    x->yes |= r == CFN_YES;
    x->no |= r == CFN_NO;
    x->unsure |= r == CFN_UNSURE;
}

cfn_tri cfn_tests(cfn_emit *e, const struct cfn_type_entry *te, const cfn_resource *r,
                  const char *param, const sp_doc **where)
{
    if (!r)
        r = e->r;
    const struct cfn_paths *c = param_paths(e, te ? te : e->te, param, true);
    for (size_t i = 0; c && i < c->n; i++) {
        const cpath *t = &c->items[i];
        if (t->skip)
            continue;
        test_ctx x;
        memset(&x, 0, sizeof x);
        x.value = t->value;
        x.negate = t->negate;
        walk_steps(e, r, r->props, t->steps, true, test_value, &x);
        if (t->absent) { /* "!PATH": true when PATH has no true value */
            if (where)
                *where = x.where;
            return x.yes ? CFN_NO : x.unsure ? CFN_UNSURE : CFN_YES;
        }
        if (!x.yes && !x.no && !x.unsure)
            continue;
        if (where)
            *where = x.where;
        return x.yes ? CFN_YES : x.unsure ? CFN_UNSURE : CFN_NO;
    }
    return CFN_NOVAL;
}

/* ---- pattern text ---- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 64) + n;
        char *np = realloc(b->p, cap);
        if (!np)
            return;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void pattern(cfn_emit *e, const sp_doc *node, const sp_doc *vars, sbuf *b, int depth);

static const sp_doc *ref_node(cfn_emit *e, const sp_doc *at, const char *name, size_t n)
{
    sp_doc *map = sp_doc_new(e->ctx, SP_DOC_MAP);
    sp_doc_pair *pair = sp_arena_calloc(&e->ctx->arena, 1, sizeof *pair);
    sp_doc *k = sp_doc_new_scalar(e->ctx, SP_DOC_STRING, "Ref", 3);
    sp_doc *v = sp_doc_new_scalar(e->ctx, SP_DOC_STRING, name, n);
    if (!map || !pair || !k || !v)
        return NULL;
    map->src = k->src = v->src = at->src;
    map->off = k->off = v->off = at->off;
    map->end = k->end = v->end = at->end;
    pair->key = k;
    pair->value = v;
    map->u.map.pairs = pair;
    map->u.map.len = 1;
    return map;
}

static void sub_text(cfn_emit *e, const sp_doc *at, const char *s, const sp_doc *vars, sbuf *b,
                     int depth)
{
    while (*s) {
        const char *d = strstr(s, "${");
        if (!d) {
            sb_str(b, s);
            return;
        }
        sb_add(b, s, (size_t)(d - s));
        const char *close = strchr(d, '}');
        if (!close) {
            sb_str(b, d);
            return;
        }
        const char *name = d + 2;
        size_t n = (size_t)(close - name);
        s = close + 1;
        if (n && name[0] == '!') { /* ${!Literal} */
            sb_str(b, "${");
            sb_add(b, name + 1, n - 1);
            sb_str(b, "}");
            continue;
        }
        char key[256];
        if (n >= sizeof key) {
            sb_str(b, "${?}");
            continue;
        }
        memcpy(key, name, n);
        key[n] = 0;
        const sp_doc *var = vars ? sp_doc_get(vars, key) : NULL;
        if (var) {
            pattern(e, var, NULL, b, depth + 1);
            continue;
        }
        if (!strchr(key, '.')) {
            const sp_doc *ref = ref_node(e, at, key, n);
            cfn_value v = ref ? cfn_eval(e->t, ref) : (cfn_value){0};
            if (v.kind == CFN_VAL_STRING && v.text) {
                sb_str(b, v.text);
                continue;
            }
        }
        sb_str(b, "${");
        sb_str(b, key);
        sb_str(b, "}");
    }
}

static void pattern(cfn_emit *e, const sp_doc *node, const sp_doc *vars, sbuf *b, int depth)
{
    if (!node || depth > 20) {
        sb_str(b, "${?}");
        return;
    }
    if (sp_doc_is_scalar(node)) {
        sb_str(b, sp_doc_text(node) ? sp_doc_text(node) : "");
        return;
    }
    const sp_doc *sarg;
    const char *sfn = intrinsic(node, &sarg);
    if (sfn && !strcmp(sfn, "Fn::Sub")) {
        /* piece by piece: each placeholder evaluated on its own */
        if (sp_doc_text(sarg))
            sub_text(e, sarg, sp_doc_text(sarg), NULL, b, depth);
        else if (sarg->kind == SP_DOC_SEQ && sarg->u.seq.len == 2 &&
                 sp_doc_text(sarg->u.seq.items[0]))
            sub_text(e, sarg->u.seq.items[0], sp_doc_text(sarg->u.seq.items[0]),
                     sarg->u.seq.items[1], b, depth);
        else
            sb_str(b, "${?}");
        return;
    }
    cfn_value v = cfn_eval(e->t, node);
    if (v.kind == CFN_VAL_STRING && v.text) {
        sb_str(b, v.text);
        return;
    }
    if (v.kind == CFN_VAL_NONE)
        return;
    if (v.kind == CFN_VAL_RESOURCE && v.resource) {
        sb_str(b, "${");
        sb_str(b, v.resource->id);
        if (v.attr) {
            sb_str(b, ".");
            sb_str(b, v.attr);
        }
        sb_str(b, "}");
        return;
    }
    const sp_doc *arg;
    const char *fn = intrinsic(node, &arg);
    if (!fn) {
        sb_str(b, "${?}");
        return;
    }
    if (!strcmp(fn, "Ref") && sp_doc_text(arg)) {
        sb_str(b, "${");
        sb_str(b, sp_doc_text(arg));
        sb_str(b, "}");
    } else if (!strcmp(fn, "Fn::GetAtt")) {
        sb_str(b, "${");
        if (sp_doc_text(arg))
            sb_str(b, sp_doc_text(arg));
        else if (arg->kind == SP_DOC_SEQ && arg->u.seq.len == 2) {
            pattern(e, arg->u.seq.items[0], NULL, b, depth + 1);
            sb_str(b, ".");
            pattern(e, arg->u.seq.items[1], NULL, b, depth + 1);
        }
        sb_str(b, "}");
    } else if (!strcmp(fn, "Fn::Sub")) {
        if (sp_doc_text(arg))
            sub_text(e, arg, sp_doc_text(arg), NULL, b, depth);
        else if (arg->kind == SP_DOC_SEQ && arg->u.seq.len == 2 && sp_doc_text(arg->u.seq.items[0]))
            sub_text(e, arg->u.seq.items[0], sp_doc_text(arg->u.seq.items[0]),
                     arg->u.seq.items[1], b, depth);
        else
            sb_str(b, "${?}");
    } else if (!strcmp(fn, "Fn::Join") && arg->kind == SP_DOC_SEQ && arg->u.seq.len == 2 &&
               sp_doc_text(arg->u.seq.items[0]) && arg->u.seq.items[1]->kind == SP_DOC_SEQ) {
        const char *delim = sp_doc_text(arg->u.seq.items[0]);
        const sp_doc *list = arg->u.seq.items[1];
        bool first = true;
        for (size_t i = 0; i < list->u.seq.len; i++) {
            if (cfn_is_novalue_node(e, list->u.seq.items[i]))
                continue;
            if (!first)
                sb_str(b, delim);
            first = false;
            pattern(e, list->u.seq.items[i], NULL, b, depth + 1);
        }
    } else if (!strcmp(fn, "Fn::ImportValue")) {
        sb_str(b, "${Import:");
        pattern(e, arg, NULL, b, depth + 1);
        sb_str(b, "}");
    } else {
        sb_str(b, "${?}");
    }
    (void)vars;
}

const char *cfn_pattern_text(cfn_emit *e, const sp_doc *node)
{
    sbuf b = {0};
    sb_str(&b, "");
    pattern(e, node, NULL, &b, 0);
    const char *out = b.p ? sp_arena_strdup(&e->ctx->arena, b.p) : NULL;
    free(b.p);
    if (!out)
        sp_oom(e->ctx);
    return out ? out : "";
}

/* ---- references ---- */

typedef struct tgt_ctx {
    cfn_emit *e;
    cfn_res_fn fn;
    void *arg;
    size_t n;
    const cfn_resource *seen[32];
    size_t nseen;
} tgt_ctx;

static void tgt_ref(const cfn_template *t, const cfn_resource *r, const sp_doc *at, void *arg)
{
    (void)t;
    tgt_ctx *x = arg;
    for (size_t i = 0; i < x->nseen; i++)
        if (x->seen[i] == r)
            return;
    if (x->nseen < 32)
        x->seen[x->nseen++] = r;
    x->n++;
    if (x->fn)
        x->fn(x->e, r, at, x->arg);
}

size_t cfn_targets(cfn_emit *e, const sp_doc *node, bool *external, cfn_res_fn fn, void *arg)
{
    if (external)
        *external = false;
    if (!node)
        return 0;
    cfn_value v;
    if (ref_value(e, node, &v)) {
        /* A Ref names a resource when it evaluates to one (a parameter of
         * the same name comes first, as in cfn_each_reference). */
        if (v.kind == CFN_VAL_RESOURCE) {
            if (fn)
                fn(e, v.resource, node->u.map.pairs[0].value, arg);
            return 1;
        }
        if (external)
            *external = v.kind != CFN_VAL_NONE;
        return 0;
    }
    tgt_ctx x = {e, fn, arg, 0, {0}, 0};
    cfn_each_reference(e->t, node, tgt_ref, &x);
    if (!x.n && external)
        *external = cfn_eval(e->t, node).kind != CFN_VAL_NONE;
    return x.n;
}

const struct cfn_type_entry *cfn_entry_of(cfn_emit *e, const cfn_resource *r)
{
    return r ? cfn_catalogue_find(e->cat, r->type) : NULL;
}

typedef struct res_ctx {
    cfn_emit *e;
    void (*fn)(cfn_emit *e, const cfn_resource *r, void *arg);
    void *arg;
} res_ctx;

static void res_each(const cfn_template *t, const cfn_resource *r, void *arg)
{
    (void)t;
    res_ctx *x = arg;
    if (r->presence != CFN_ABSENT)
        x->fn(x->e, r, x->arg);
}

void cfn_each_resource_of(cfn_emit *e, void (*fn)(cfn_emit *e, const cfn_resource *r, void *arg),
                          void *arg)
{
    res_ctx x = {e, fn, arg};
    cfn_each_resource(e->t, res_each, &x);
}

/* ---- facts ---- */

sp_ref cfn_ref_internet(void)
{
    sp_ref r = {SP_INTERNET, 0};
    return r;
}

static sp_name intern(cfn_emit *e, const char *name)
{
    if (!name)
        return 0;
    sp_name n = sp_intern(&e->ctx->names, name);
    if (!n) {
        sp_oom(e->ctx);
        e->ok = false;
    }
    return n;
}

/* Slot and guard names are the roles' string constants or catalogue text,
 * both living as long as the run, and a handful of them is named for
 * every resource: their ids are remembered by address instead of hashing
 * the text each time. */
static sp_name slot_name(cfn_emit *e, const char *name)
{
    cfn_catalogue *c = (cfn_catalogue *)e->cat;
    if (!name || !c)
        return intern(e, name);
    for (unsigned i = 0; i < c->nslot_names; i++)
        if (c->slot_names[i].name == name)
            return c->slot_names[i].id;
    sp_name n = intern(e, name);
    if (n && c->nslot_names < sizeof c->slot_names / sizeof *c->slot_names) {
        c->slot_names[c->nslot_names].name = name;
        c->slot_names[c->nslot_names++].id = n;
    }
    return n;
}

sp_ref cfn_ref_self(cfn_emit *e, const char *name)
{
    sp_ref r = {e->self, slot_name(e, name)};
    return r;
}

sp_ref cfn_ref_res(cfn_emit *e, const cfn_resource *res, const char *name)
{
    uint32_t i = cfn_resource_index(e->t, res);
    uint32_t comp = i != UINT32_MAX ? e->comp_of[i] : sp_model_find(e->m, res->id);
    sp_ref r = {comp, slot_name(e, name)};
    return r;
}

sp_loc cfn_loc(cfn_emit *e, const sp_doc *at)
{
    return at ? sp_doc_loc(at) : e->r->loc;
}

static sp_fact *add(cfn_emit *e, sp_fact_kind kind, const sp_doc *at, const char *why)
{
    sp_fact *f = sp_model_add_fact(e->m, kind, cfn_loc(e, at));
    if (!f) {
        e->ok = false;
        return NULL;
    }
    f->why = why;
    return f;
}

uint32_t cfn_edge(cfn_emit *e, sp_ref from, sp_ref to, const sp_reqset *set,
                  const sp_reqset *identity, const sp_doc *at, const char *why)
{
    if (from.component == SP_NONE || to.component == SP_NONE || !set)
        return SP_NONE;
    sp_fact *f = add(e, SP_FACT_EDGE, at, why);
    if (!f)
        return SP_NONE;
    f->a = from;
    f->b = to;
    f->set = set;
    if (identity) {
        f->flags |= SP_FACT_REISSUE;
        f->set2 = identity;
    }
    return (uint32_t)(e->m->facts.len - 1);
}

void cfn_edge_slot(cfn_emit *e, uint32_t edge, sp_ref slot)
{
    if (edge == SP_NONE || slot.component == SP_NONE)
        return;
    if (!sp_model_edge_slot(e->m, &e->m->facts.items[edge], slot))
        e->ok = false;
}

void cfn_slot(cfn_emit *e, const char *name, bool empty_allows, const sp_doc *at,
              const char *why)
{
    sp_fact *f = add(e, SP_FACT_SLOT, at, why);
    if (!f)
        return;
    f->a = cfn_ref_self(e, name);
    if (empty_allows)
        f->flags |= SP_FACT_EMPTY_ALLOWS;
}

void cfn_guard(cfn_emit *e, const char *name, sp_action dflt, const sp_doc *at, const char *why)
{
    sp_fact *f = add(e, SP_FACT_GUARD, at, why);
    if (!f)
        return;
    f->a = cfn_ref_self(e, name);
    f->action = (uint8_t)dflt;
}

void cfn_rule(cfn_emit *e, sp_ref guard, int64_t priority, sp_action action,
              const sp_reqset *set, const sp_doc *at, const char *why)
{
    if (guard.component == SP_NONE || !set)
        return;
    sp_fact *f = add(e, SP_FACT_RULE, at, why);
    if (!f)
        return;
    f->a = guard;
    f->priority = priority;
    f->action = (uint8_t)action;
    f->set = set;
}

void cfn_attach(cfn_emit *e, sp_ref slot, sp_ref guard, const sp_doc *at, const char *why)
{
    if (slot.component == SP_NONE || guard.component == SP_NONE)
        return;
    sp_fact *f = add(e, SP_FACT_ATTACH, at, why);
    if (!f)
        return;
    f->a = slot;
    f->b = guard;
}

void cfn_accepts(cfn_emit *e, const sp_reqset *set, const sp_doc *at, const char *why)
{
    if (!set)
        return;
    sp_fact *f = add(e, SP_FACT_ACCEPTS, at, why);
    if (f)
        f->set = set;
}

static void name_fact(cfn_emit *e, sp_fact_kind kind, const char *name, const sp_doc *at,
                      const char *why)
{
    sp_name n = intern(e, name);
    if (!n)
        return;
    /* One fact per name and kind per instance. */
    const sp_instance *in = &e->m->instances.items[e->m->instances.len - 1];
    for (uint32_t i = 0; i < in->facts_count; i++) {
        const sp_fact *f = &e->m->facts.items[in->facts_first + i];
        if (f->kind == kind && f->name == n)
            return;
    }
    sp_fact *f = add(e, kind, at, why);
    if (f)
        f->name = n;
}

void cfn_claim(cfn_emit *e, const char *name, const sp_doc *at, const char *why)
{
    name_fact(e, SP_FACT_CLAIM, name, at, why);
}

void cfn_refer(cfn_emit *e, const char *name, const sp_doc *at, const char *why)
{
    name_fact(e, SP_FACT_REFER, name, at, why);
}

/* Formats that only splice strings ("sg:%s", "%s %s%s") are most of the
 * explanations of a large template, and vsnprintf costs about ten times a
 * copy.  Writes what vsnprintf would (NULL as "(null)", cut at the buffer
 * size); false for any other conversion, with nothing consumed from `ap`
 * that the caller still needs (it works on a copy). */
static bool splice_strings(char *buf, size_t cap, const char *fmt, va_list ap)
{
    size_t len = 0;
    for (const char *p = fmt; *p;) {
        const char *s = p;
        size_t n;
        if (*p == '%') {
            if (p[1] != 's')
                return false;
            s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            n = strlen(s);
            p += 2;
        } else {
            const char *pct = strchr(p, '%');
            n = pct ? (size_t)(pct - p) : strlen(p);
            p += n;
        }
        if (len + n >= cap)
            n = cap - 1 - len;
        memcpy(buf + len, s, n);
        len += n;
    }
    buf[len] = 0;
    return true;
}

const char *cfn_why(cfn_emit *e, const char *fmt, ...)
{
    char buf[512];
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    if (!splice_strings(buf, sizeof buf, fmt, copy))
        vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(copy);
    va_end(ap);
    const char *s = sp_arena_strdup(&e->ctx->arena, buf);
    if (!s)
        sp_oom(e->ctx);
    return s ? s : "";
}

/* ---- request sets ---- */

void cfn_req_begin(cfn_emit *e, cfn_req *q)
{
    sp_box_begin(&q->b, e->ctx);
}

void cfn_req_allow(cfn_req *q, sp_dim d, sp_key lo, sp_key hi)
{
    sp_box_allow(&q->b, d, lo, hi);
}

void cfn_req_none(cfn_req *q, sp_dim d)
{
    sp_box_restrict(&q->b, d);
}

void cfn_req_ip_sources(cfn_req *q)
{
    sp_box_allow(&q->b, SP_DIM_SRC, sp_key_ipv4(0), sp_key_ipv6(UINT64_MAX, UINT64_MAX));
}

void cfn_req_principal_in(cfn_emit *e, cfn_req *q, sp_dim d, const char *principal)
{
    if (!principal || !strcmp(principal, "*")) {
        sp_ival all = sp_dim_domain(d);
        sp_box_allow(&q->b, d, all.lo, all.hi);
        return;
    }
    sp_name n = intern(e, principal);
    if (n)
        sp_box_allow(&q->b, d, sp_key_principal(n), sp_key_principal(n));
}

void cfn_req_principal(cfn_emit *e, cfn_req *q, const char *principal)
{
    cfn_req_principal_in(e, q, SP_DIM_SRC, principal);
}

void cfn_req_action(cfn_emit *e, cfn_req *q, const char *action)
{
    sp_box_allow(&q->b, SP_DIM_PROTO, sp_key_num(SP_PROTO_API), sp_key_num(SP_PROTO_API));
    sp_name n = intern(e, action);
    if (n)
        sp_box_allow(&q->b, SP_DIM_PORT, sp_key_action(n), sp_key_action(n));
}

void cfn_req_proto_port(cfn_req *q, unsigned proto, unsigned lo, unsigned hi)
{
    sp_box_allow(&q->b, SP_DIM_PROTO, sp_key_num(proto), sp_key_num(proto));
    sp_box_allow(&q->b, SP_DIM_PORT, sp_key_num(lo), sp_key_num(hi));
}

void cfn_set_begin(cfn_emit *e, cfn_set *s)
{
    sp_set_begin(&s->s, e->ctx);
}

void cfn_set_add(cfn_emit *e, cfn_set *s, cfn_req *q)
{
    if (!sp_set_add_box(&s->s, &q->b))
        e->ok = false;
}

const sp_reqset *cfn_set_end(cfn_emit *e, cfn_set *s)
{
    const sp_reqset *r = sp_set_finish(&s->s);
    if (!r)
        e->ok = false;
    return r;
}

const sp_reqset *cfn_req_set(cfn_emit *e, cfn_req *q)
{
    cfn_set s;
    cfn_set_begin(e, &s);
    cfn_set_add(e, &s, q);
    return cfn_set_end(e, &s);
}

const sp_reqset *cfn_set_all(cfn_emit *e)
{
    const sp_reqset *r = sp_reqset_all(e->ctx);
    if (!r)
        e->ok = false;
    return r;
}

const sp_reqset *cfn_set_ip(cfn_emit *e)
{
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_ip_sources(&q);
    sp_box_allow(&q.b, SP_DIM_PROTO, sp_key_num(0), sp_key_num(255));
    return cfn_req_set(e, &q);
}

bool cfn_parse_proto(const char *text, int *proto)
{
    if (!text)
        return false;
    static const struct {
        const char *name;
        int num;
    } names[] = {{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}, {"all", -1},
                 {"-1", -1}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (ieq(text, names[i].name)) {
            *proto = names[i].num;
            return true;
        }
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < -1 || v > 255)
        return false;
    *proto = (int)v;
    return true;
}

static void reslist_add(cfn_emit *e, const cfn_resource *target, const sp_doc *at, void *arg)
{
    (void)e;
    cfn_reslist *l = arg;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i] == target)
            return;
    if (l->n < 64) {
        l->at[l->n] = at;
        l->items[l->n++] = target;
    }
}

static void reslist_node(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)owner;
    cfn_reslist *l = arg;
    bool ext = false;
    l->any = true;
    cfn_targets(e, node, &ext, reslist_add, l);
    if (ext && !l->external) {
        l->external = true;
        l->ext_at = node;
    }
}

/* Only the header: the lists are read up to n, and clearing a kilobyte per
 * look-up was a measurable part of emitting facts. */
static void reslist_init(cfn_reslist *l)
{
    l->n = 0;
    l->external = false;
    l->any = false;
    l->ext_at = NULL;
}

void cfn_resources_of(cfn_emit *e, const struct cfn_type_entry *te, const cfn_resource *r,
                      const char *param, cfn_reslist *out)
{
    reslist_init(out);
    cfn_walk_param(e, te, r, param, true, reslist_node, out);
}

void cfn_resources_in(cfn_emit *e, const sp_doc *expr, cfn_reslist *out)
{
    reslist_init(out);
    reslist_node(e, e->r, expr, out);
}
