/* One CloudFormation template: sections, parameters, pseudo-parameters,
 * resources and their references, checked the way CloudFormation checks a
 * template before it deploys it. */
#include "template.h"

#include "../../util/hash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name index ---- */

/* A word at a time (a byte at a time cost more than the look-ups it served:
 * every Ref, every resource's type in the catalogue and the facts), then
 * mixed so that the low bits (the slot) depend on every character: logical
 * IDs often differ only in a digit or two.  Short tails are read with
 * overlapping loads, so no byte past the string is touched. */
static inline uint64_t load64(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

static inline uint64_t load32(const char *s)
{
    uint32_t w;
    memcpy(&w, s, 4);
    return w;
}

static inline uint64_t hash_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ n;
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 < n; i += 8)
            h = hash_step(h, load64(s + i));
        h = hash_step(h, load64(s + n - 8));
    } else if (n >= 4) {
        h = hash_step(h, load32(s) | load32(s + n - 4) << 32);
    } else if (n) {
        h = hash_step(h, (uint64_t)(unsigned char)s[0] |
                             (uint64_t)(unsigned char)s[n / 2] << 8 |
                             (uint64_t)(unsigned char)s[n - 1] << 16);
    }
    return (uint32_t)sp_mix64(h);
}

static uint32_t hash_str(const char *s)
{
    return hash_bytes(s, strlen(s));
}

/* Rehashes into `cap` slots (a power of two). */
static bool index_grow(sp_arena *a, cfn_index *ix, size_t cap)
{
    const char **keys = sp_arena_calloc(a, cap, sizeof *keys);
    uint32_t *vals = sp_arena_alloc_raw(a, cap * sizeof *vals);
    uint32_t *hashes = sp_arena_alloc_raw(a, cap * sizeof *hashes);
    if (!keys || !vals || !hashes)
        return false;
    for (size_t i = 0; i < ix->cap; i++) {
        if (!ix->keys[i])
            continue;
        size_t j = ix->hashes[i] & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = ix->keys[i];
        vals[j] = ix->vals[i];
        hashes[j] = ix->hashes[i];
    }
    ix->keys = keys;
    ix->vals = vals;
    ix->hashes = hashes;
    ix->cap = cap;
    return true;
}

/* Room for `n` keys without growing: the resources of a template are
 * counted before they are put, and growing step by step rehashed and
 * cleared tables of twice their final size. */
bool cfn_index_reserve(sp_arena *a, cfn_index *ix, size_t n)
{
    size_t cap = ix->cap ? ix->cap : 16;
    while (n * 2 > cap)
        cap *= 2;
    return cap == ix->cap || index_grow(a, ix, cap);
}

static bool index_put_hashed(sp_arena *a, cfn_index *ix, const char *key, uint32_t h,
                             uint32_t val)
{
    if ((ix->len + 1) * 2 > ix->cap && !index_grow(a, ix, ix->cap ? ix->cap * 2 : 16))
        return false;
    size_t j = h & (ix->cap - 1);
    while (ix->keys[j]) {
        if (ix->hashes[j] == h && !strcmp(ix->keys[j], key)) {
            ix->vals[j] = val;
            return true;
        }
        j = (j + 1) & (ix->cap - 1);
    }
    ix->keys[j] = key;
    ix->vals[j] = val;
    ix->hashes[j] = h;
    ix->len++;
    return true;
}

bool cfn_index_put(sp_arena *a, cfn_index *ix, const char *key, uint32_t val)
{
    return index_put_hashed(a, ix, key, hash_str(key), val);
}

uint32_t cfn_index_hash(const char *key)
{
    return hash_str(key);
}

uint32_t cfn_index_get(const cfn_index *ix, const char *key)
{
    if (!ix->cap || !key)
        return UINT32_MAX;
    return cfn_index_get_hashed(ix, key, hash_str(key));
}

uint32_t cfn_index_get_hashed(const cfn_index *ix, const char *key, uint32_t h)
{
    if (!ix->cap || !key)
        return UINT32_MAX;
    size_t j = h & (ix->cap - 1);
    while (ix->keys[j]) {
        /* Callers often ask with the very string that was put (a
         * resource's own ID). */
        if (ix->hashes[j] == h && (ix->keys[j] == key || !strcmp(ix->keys[j], key)))
            return ix->vals[j];
        j = (j + 1) & (ix->cap - 1);
    }
    return UINT32_MAX;
}

/* ---- lookups (the interface of cfn_internal.h) ---- */

const cfn_param *cfn_find_param(const cfn_template *t, const char *name)
{
    uint32_t i = cfn_index_get(&t->param_ix, name);
    return i == UINT32_MAX ? NULL : &t->params[i];
}

const cfn_condition *cfn_find_condition(const cfn_template *t, const char *name)
{
    uint32_t i = cfn_index_get(&t->cond_ix, name);
    return i == UINT32_MAX ? NULL : &t->conds[i];
}

const cfn_resource *cfn_find_resource(const cfn_template *t, const char *id)
{
    uint32_t i = t ? cfn_index_get(&t->res_ix, id) : UINT32_MAX;
    return i == UINT32_MAX ? NULL : &t->res[i].pub;
}

uint32_t cfn_resource_index(const cfn_template *t, const cfn_resource *r)
{
    return cfn_res_of(r)->t == t ? cfn_res_index(t, r) : UINT32_MAX;
}

cfn_named cfn_find_name(const cfn_template *t, const char *name)
{
    cfn_named n = {NULL, NULL};
    if (!name)
        return n;
    uint32_t h = hash_str(name);
    uint32_t i = cfn_index_get_hashed(&t->res_ix, name, h);
    if (i != UINT32_MAX) {
        n.resource = &t->res[i].pub;
        /* Most names are resources, and a resource of the text is never
         * also a parameter (load_resources rejects the clash); only an API
         * SAM generates may share a parameter's name. */
        if (!n.resource->generated)
            return n;
    }
    i = cfn_index_get_hashed(&t->param_ix, name, h);
    if (i != UINT32_MAX)
        n.param = &t->params[i];
    return n;
}

void cfn_each_resource(const cfn_template *t,
                       void (*fn)(const cfn_template *t, const cfn_resource *r, void *arg),
                       void *arg)
{
    /* Resources whose Condition is false do not exist in this
     * configuration; possibly present ones (undecidable) are included. */
    for (size_t i = 0; t && i < t->nres; i++)
        if (t->res[i].pub.presence != CFN_ABSENT)
            fn(t, &t->res[i].pub, arg);
}

/* Steps through Fn::If (decided, or undecided with one branch absent) and
 * AWS::NoValue; NULL when the value is absent. */
static const sp_doc *through_if(const cfn_template *t, const sp_doc *v, bool last, int depth)
{
    const sp_doc *a;
    const char *f;
    while (v && depth++ < SP_MAX_DEPTH && (f = cfn_intrinsic(v, &a)) != NULL) {
        if (!strcmp(f, "Ref")) {
            cfn_value val = cfn_eval(t, v);
            return val.kind == CFN_VAL_NONE ? NULL : v;
        }
        if (strcmp(f, "Fn::If") != 0 || a->kind != SP_DOC_SEQ || a->u.seq.len != 3)
            return v;
        cfn_truth c = cfn_condition_value(t, sp_doc_text(a->u.seq.items[0]));
        if (c != CFN_UNDECIDED) {
            v = a->u.seq.items[c == CFN_TRUE ? 1 : 2];
            continue;
        }
        bool none1 = cfn_eval(t, a->u.seq.items[1]).kind == CFN_VAL_NONE;
        bool none2 = cfn_eval(t, a->u.seq.items[2]).kind == CFN_VAL_NONE;
        if (none1 && none2)
            return NULL;
        if (none1 || none2) {
            v = a->u.seq.items[none1 ? 2 : 1];
            continue;
        }
        if (last)
            return v;
        /* Both branches give a value: follow the first that is a map. */
        v = a->u.seq.items[a->u.seq.items[1]->kind == SP_DOC_MAP ? 1 : 2];
    }
    return v;
}

const sp_doc *cfn_prop(const cfn_resource *r, const char *name)
{
    if (!r || !name)
        return NULL;
    const cfn_template *t = cfn_res_of(r)->t;
    const sp_doc *v = r->props;
    const char *p = name;
    while (v && *p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        v = through_if(t, v, false, 0);
        if (!v || v->kind != SP_DOC_MAP)
            return NULL;
        const sp_doc *next = NULL;
        for (size_t i = 0; i < v->u.map.len; i++) {
            const char *k = sp_doc_text(v->u.map.pairs[i].key);
            if (k && strlen(k) == n && !memcmp(k, p, n)) {
                next = v->u.map.pairs[i].value;
                break;
            }
        }
        v = next;
        p = slash ? slash + 1 : p + n;
    }
    return through_if(t, v, true, 0);
}

/* ---- loading ---- */

static void fail(cfn_template *t, const sp_doc *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail(cfn_template *t, const sp_doc *at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sp_error(t->ctx, at ? sp_doc_loc(at) : SP_NO_LOC, "%s", msg);
    t->failed = true;
}

static bool is_list_type(const char *type)
{
    return !strncmp(type, "List<", 5) || !strcmp(type, "CommaDelimitedList") ||
           strstr(type, "<List<") || strstr(type, "<CommaDelimitedList>");
}

static const char *option_value(const sp_frontend_options *opt, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; opt && i < opt->nparams; i++)
        if (!strcmp(opt->params[i].name, name))
            v = opt->params[i].value;
    return v;
}

/* A list parameter's value: comma-separated, each member space-trimmed. */
static const sp_doc *split_list(sp_ctx *ctx, const sp_doc *at, const char *value)
{
    SP_VEC(sp_doc *) items = {0};
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *s = p;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        const char *e = end;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        char *piece = sp_arena_strndup(&ctx->arena, s, (size_t)(e - s));
        sp_doc *d = piece ? cfn_doc_string(ctx, at, piece) : NULL;
        if (!d || !sp_vec_push(&ctx->arena, &items, d)) {
            sp_oom(ctx);
            return NULL;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return cfn_doc_seq(ctx, at, items.items, items.len);
}

static void set_value(cfn_template *t, cfn_param *p, const char *value, const sp_doc *at)
{
    p->known = true;
    p->value = value;
    if (p->is_list && !(p->list = split_list(t->ctx, at, value)))
        p->known = false;
}

static bool add_param(cfn_template *t, cfn_param *p)
{
    size_t i = t->nparams++;
    t->params[i] = *p;
    if (!cfn_index_put(&t->ctx->arena, &t->param_ix, p->name, (uint32_t)i)) {
        sp_oom(t->ctx);
        return false;
    }
    return true;
}

static void load_parameters(cfn_template *t, const sp_doc *sec)
{
    size_t n = sec && sec->kind == SP_DOC_MAP ? sec->u.map.len : 0;
    static const char *const pseudo[] = {
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
        "AWS::Region",    "AWS::StackId",          "AWS::StackName", "AWS::URLSuffix",
    };
    size_t npseudo = sizeof pseudo / sizeof *pseudo;
    t->params = sp_arena_calloc(&t->ctx->arena, n + npseudo, sizeof *t->params);
    if (!t->params) {
        sp_oom(t->ctx);
        t->failed = true;
        return;
    }
    if (sec && sec->kind != SP_DOC_MAP)
        fail(t, sec, "Parameters must be a map of parameter names to definitions");
    for (size_t i = 0; i < n; i++) {
        const sp_doc_pair *pr = &sec->u.map.pairs[i];
        cfn_param p;
        memset(&p, 0, sizeof p);
        p.name = sp_doc_text(pr->key);
        p.key = pr->key;
        p.type = "String";
        if (!p.name)
            continue;
        if (pr->value->kind != SP_DOC_MAP) {
            fail(t, pr->value, "parameter '%s' must be a map with a Type", p.name);
            continue;
        }
        const sp_doc *type = sp_doc_get(pr->value, "Type");
        if (!type) {
            fail(t, pr->key, "parameter '%s' has no Type", p.name);
        } else if (!sp_doc_is_scalar(type) || type->kind == SP_DOC_NULL) {
            fail(t, type, "the Type of parameter '%s' must be a string", p.name);
        } else {
            p.type = sp_doc_text(type);
        }
        p.is_list = is_list_type(p.type);
        const char *given = option_value(t->opt, p.name);
        const sp_doc *def = sp_doc_get(pr->value, "Default");
        if (given) {
            set_value(t, &p, given, pr->key);
        } else if (def && strncmp(p.type, "AWS::SSM::Parameter::Value<", 27) != 0) {
            /* A default names an SSM parameter for SSM types, not a value. */
            if (sp_doc_is_scalar(def) && def->kind != SP_DOC_NULL) {
                set_value(t, &p, sp_doc_text(def), def);
            } else if (def->kind == SP_DOC_SEQ && p.is_list) {
                bool ok = true;
                for (size_t k = 0; k < def->u.seq.len; k++)
                    ok &= sp_doc_is_scalar(def->u.seq.items[k]);
                if (ok) {
                    p.known = true;
                    p.list = def;
                    p.value = "";
                }
            }
        }
        if (cfn_index_get(&t->param_ix, p.name) != UINT32_MAX)
            continue; /* the reader rejects duplicate keys */
        if (!add_param(t, &p))
            return;
    }
    for (size_t i = 0; i < npseudo; i++) {
        cfn_param p;
        memset(&p, 0, sizeof p);
        p.name = pseudo[i];
        p.type = "String";
        p.pseudo = true;
        p.is_list = !strcmp(p.name, "AWS::NotificationARNs");
        const char *given = option_value(t->opt, p.name);
        if (!strcmp(p.name, "AWS::NoValue"))
            p.novalue = true;
        else if (given)
            set_value(t, &p, given, NULL);
        else if (!strcmp(p.name, "AWS::Partition"))
            set_value(t, &p, "aws", NULL);
        else if (!strcmp(p.name, "AWS::URLSuffix"))
            set_value(t, &p, "amazonaws.com", NULL);
        if (!add_param(t, &p))
            return;
    }
}

static void load_conditions(cfn_template *t, const sp_doc *sec)
{
    if (!sec)
        return;
    if (sec->kind != SP_DOC_MAP) {
        fail(t, sec, "Conditions must be a map of condition names to conditions");
        return;
    }
    t->conds = sp_arena_calloc(&t->ctx->arena, sec->u.map.len + 1, sizeof *t->conds);
    if (!t->conds) {
        sp_oom(t->ctx);
        t->failed = true;
        return;
    }
    for (size_t i = 0; i < sec->u.map.len; i++) {
        const sp_doc_pair *pr = &sec->u.map.pairs[i];
        cfn_condition *c = &t->conds[t->nconds];
        c->name = sp_doc_text(pr->key);
        c->key = pr->key;
        c->expr = pr->value;
        if (!c->name)
            continue;
        if (!cfn_index_put(&t->ctx->arena, &t->cond_ix, c->name, (uint32_t)t->nconds++)) {
            sp_oom(t->ctx);
            t->failed = true;
            return;
        }
    }
}

static bool alnum_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned c = (unsigned char)*s;
        /* c | 32 folds A-Z onto a-z and moves no other byte into a-z. */
        if ((c | 32) - 'a' >= 26 && c - '0' >= 10)
            return false;
    }
    return true;
}

/* The resource attributes loading needs, in one pass over the definition's
 * keys (sp_doc_get for each was a scan per attribute, eight per resource).
 * Keys are unique, compared by length and bytes as sp_doc_get does; the
 * length picks the candidates. */
static void read_attributes(cfn_res *r, const sp_doc *def)
{
    for (size_t s = 0; s < sizeof r->ref_sections / sizeof *r->ref_sections; s++)
        r->ref_sections[s] = NULL;
    r->type_node = r->condition = r->depends_on = NULL;
#define IS(name) (!memcmp(k, name, sizeof name - 1))
    for (size_t i = 0; i < def->u.map.len; i++) {
        const sp_doc *key = def->u.map.pairs[i].key;
        if (!sp_doc_is_scalar(key))
            continue;
        const char *k = key->u.scalar.text;
        const sp_doc **slot = NULL;
        switch (key->u.scalar.len) {
        case 4:
            slot = IS("Type") ? &r->type_node : NULL;
            break;
        case 8:
            slot = IS("Metadata") ? &r->ref_sections[CFN_SEC_METADATA] : NULL;
            break;
        case 9:
            slot = IS("Condition") ? &r->condition : IS("DependsOn") ? &r->depends_on : NULL;
            break;
        case 10:
            slot = IS("Properties") ? &r->ref_sections[CFN_SEC_PROPERTIES] : NULL;
            break;
        case 12:
            slot = IS("UpdatePolicy") ? &r->ref_sections[CFN_SEC_UPDATE_POLICY] : NULL;
            break;
        case 14:
            slot = IS("CreationPolicy") ? &r->ref_sections[CFN_SEC_CREATION_POLICY] : NULL;
            break;
        }
        if (slot && !*slot)
            *slot = def->u.map.pairs[i].value;
    }
#undef IS
}

static void load_resources(cfn_template *t, const sp_doc *sec)
{
    if (!sec) {
        if (t->root)
            fail(t, t->root, "this template has no Resources section");
        return;
    }
    if (sec->kind != SP_DOC_MAP) {
        fail(t, sec, "Resources must be a map of logical IDs to resources");
        return;
    }
    /* Room for the APIs SAM generates (add_implicit_apis).  Not cleared
     * here: each entry is cleared when it is filled (clearing all of it
     * first wrote every byte twice). */
    t->res = sp_arena_alloc_raw(&t->ctx->arena, (sec->u.map.len + 3) * sizeof *t->res);
    if (!t->res || !cfn_index_reserve(&t->ctx->arena, &t->res_ix, sec->u.map.len + 2)) {
        sp_oom(t->ctx);
        t->failed = true;
        return;
    }
    for (size_t i = 0; i < sec->u.map.len; i++) {
        const sp_doc_pair *pr = &sec->u.map.pairs[i];
        const char *id = sp_doc_text(pr->key);
        if (!id)
            continue;
        if (!alnum_id(id)) {
            if (t->transform) {
                sp_warn(t->ctx, sp_doc_loc(pr->key),
                        "'%s' is not a resource; it is left for the template's Transform, "
                        "which snipeproof does not expand",
                        id);
                continue;
            }
            fail(t, pr->key, "logical ID '%s' must be alphanumeric (A-Z, a-z, 0-9)", id);
            continue;
        }
        uint32_t h = hash_str(id); /* for both tables */
        uint32_t pi = cfn_index_get_hashed(&t->param_ix, id, h);
        const cfn_param *clash = pi == UINT32_MAX ? NULL : &t->params[pi];
        if (clash && !clash->pseudo) {
            fail(t, pr->key, "'%s' is both a parameter and a resource", id);
            continue;
        }
        const sp_doc *def = pr->value;
        if (def->kind != SP_DOC_MAP) {
            fail(t, def, "resource '%s' must be a map with a Type", id);
            continue;
        }
        cfn_res *r = &t->res[t->nres];
        memset(r, 0, sizeof *r);
        r->t = t;
        r->key = pr->key;
        r->pub.id = id;
        r->pub.def = def;
        r->pub.loc = sp_doc_loc(pr->key);
        r->pub.presence = CFN_PRESENT;
        read_attributes(r, def);
        r->pub.props = r->ref_sections[CFN_SEC_PROPERTIES];
        if (!r->type_node) {
            fail(t, pr->key, "resource '%s' has no Type", id);
            continue;
        }
        if (!sp_doc_is_scalar(r->type_node) || r->type_node->kind == SP_DOC_NULL ||
            !*sp_doc_text(r->type_node)) {
            fail(t, r->type_node, "the Type of resource '%s' must be a string", id);
            continue;
        }
        r->pub.type = sp_doc_text(r->type_node);
        if (r->pub.props && r->pub.props->kind != SP_DOC_MAP &&
            r->pub.props->kind != SP_DOC_NULL) {
            fail(t, r->pub.props, "the Properties of resource '%s' must be a map", id);
            continue;
        }
        if (r->pub.props && r->pub.props->kind == SP_DOC_NULL)
            r->pub.props = NULL;
        if (!index_put_hashed(&t->ctx->arena, &t->res_ix, id, h, (uint32_t)t->nres++)) {
            sp_oom(t->ctx);
            t->failed = true;
            return;
        }
    }
}

/* ---- references ---- */

/* A mention held back until the shape check of its section is done
 * (cfn_check_and_mention). */
typedef struct held_mention {
    cfn_mention_kind kind;
    bool live;
    const char *name, *attr;
    const sp_doc *at;
} held_mention;

typedef struct ref_walk {
    cfn_template *t;
    cfn_res *from;
    SP_VEC(cfn_refedge) edges;
    cfn_index *warned; /* names already warned about (templates with a Transform) */
    /* Scratch (malloc), reused for every section. */
    held_mention *held;
    size_t nheld, capheld;
} ref_walk;

static void undefined(ref_walk *w, const sp_doc *at, const char *what, const char *name)
{
    cfn_template *t = w->t;
    if (t->transform) {
        if (cfn_index_get(w->warned, name) != UINT32_MAX)
            return;
        if (!cfn_index_put(&t->ctx->arena, w->warned, name, 0))
            sp_oom(t->ctx);
        sp_warn(t->ctx, sp_doc_loc(at),
                "%s '%s', which this template does not define (the Transform may; "
                "snipeproof does not expand it)",
                what, name);
        return;
    }
    sp_error(t->ctx, sp_doc_loc(at), "%s '%s', which this template does not define", what,
             name);
    t->failed = true;
}

static void ref_mention(const cfn_template *ct, cfn_mention_kind kind, const char *name,
                        const char *attr, const sp_doc *at, bool live, void *arg)
{
    (void)ct;
    ref_walk *w = arg;
    cfn_template *t = w->t;
    cfn_named named = cfn_find_name(t, name);
    const cfn_param *p = named.param;
    uint32_t ri = named.resource ? cfn_res_index(t, named.resource) : UINT32_MAX;
    if (kind == CFN_M_GETATT || (kind == CFN_M_SUB && attr)) {
        if (ri == UINT32_MAX && p) {
            sp_error(t->ctx, sp_doc_loc(at),
                     "%s '%s', which is a parameter; attributes belong to resources",
                     kind == CFN_M_SUB ? "Fn::Sub asks for an attribute of"
                                       : "Fn::GetAtt of",
                     name);
            t->failed = true;
            return;
        }
    } else if (p) {
        return;
    }
    if (ri == UINT32_MAX) {
        undefined(w, at,
                  kind == CFN_M_REF      ? "Ref to"
                  : kind == CFN_M_GETATT ? "Fn::GetAtt of"
                                         : "Fn::Sub refers to",
                  name);
        return;
    }
    if (!w->from)
        return;
    cfn_refedge e = {ri, at, false, live, false};
    if (!sp_vec_push(&t->ctx->arena, &w->edges, e))
        sp_oom(t->ctx);
}

static void hold_mention(const cfn_template *ct, cfn_mention_kind kind, const char *name,
                         const char *attr, const sp_doc *at, bool live, void *arg)
{
    (void)ct;
    ref_walk *w = arg;
    if (w->nheld == w->capheld) {
        size_t cap = w->capheld ? w->capheld * 2 : 64;
        held_mention *h = realloc(w->held, cap * sizeof *h);
        if (!h) {
            sp_oom(w->t->ctx);
            return;
        }
        w->held = h;
        w->capheld = cap;
    }
    held_mention m = {kind, live, name, attr, at};
    w->held[w->nheld++] = m;
}

/* Checks a section and collects its references: every shape error of the
 * section comes before the errors of its references, as CloudFormation's
 * order of checks has them. */
static void check_and_refer(ref_walk *w, const sp_doc *sec)
{
    cfn_template *t = w->t;
    w->nheld = 0;
    cfn_check_and_mention(t, sec, hold_mention, w);
    for (size_t i = 0; i < w->nheld; i++) {
        const held_mention *m = &w->held[i];
        ref_mention(t, m->kind, m->name, m->attr, m->at, m->live, w);
    }
}

static void check_dependson(ref_walk *w, const sp_doc *dep)
{
    cfn_template *t = w->t;
    const sp_doc *one = dep;
    size_t n = 1;
    if (dep->kind == SP_DOC_SEQ) {
        n = dep->u.seq.len;
        one = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const sp_doc *d = one ? one : dep->u.seq.items[i];
        if (!sp_doc_is_scalar(d) || d->kind == SP_DOC_NULL) {
            fail(t, d, "DependsOn takes a logical ID or a list of logical IDs");
            continue;
        }
        uint32_t ri = cfn_index_get(&t->res_ix, sp_doc_text(d));
        if (ri == UINT32_MAX) {
            undefined(w, d, "DependsOn names", sp_doc_text(d));
            continue;
        }
        cfn_refedge e = {ri, d, true, true, false};
        if (!sp_vec_push(&t->ctx->arena, &w->edges, e))
            sp_oom(t->ctx);
    }
}

static void load_references(cfn_template *t)
{
    cfn_index warned = {0};
    ref_walk w = {t, NULL, {0}, &warned, NULL, 0, 0};
    for (size_t i = 0; i < t->nres; i++) {
        cfn_res *r = &t->res[i];
        w.from = r;
        memset(&w.edges, 0, sizeof w.edges);
        for (size_t s = 0; s < sizeof r->ref_sections / sizeof *r->ref_sections; s++) {
            /* Properties as read (with SAM's Globals merged in). */
            const sp_doc *sec = s == CFN_SEC_PROPERTIES ? r->pub.props : r->ref_sections[s];
            if (!sec)
                continue;
            /* Metadata keeps foreign data (cfn-init, designer) whose maps
             * may look like unknown functions; only its references count. */
            if (s != CFN_SEC_METADATA)
                check_and_refer(&w, sec);
            else
                cfn_each_mention(t, sec, ref_mention, &w);
        }
        if (r->depends_on)
            check_dependson(&w, r->depends_on);
        if (r->condition) {
            const char *c = sp_doc_text(r->condition);
            if (!c || r->condition->kind == SP_DOC_NULL) {
                fail(t, r->condition, "the Condition of resource '%s' must be a condition name",
                     r->pub.id);
            } else if (!cfn_find_condition(t, c)) {
                fail(t, r->condition, "unknown condition '%s'", c);
            } else {
                cfn_truth v = cfn_condition_value(t, c);
                r->pub.presence = v == CFN_TRUE    ? CFN_PRESENT
                                  : v == CFN_FALSE ? CFN_ABSENT
                                                   : CFN_MAYBE;
                if (v == CFN_UNDECIDED)
                    t->undecided++;
            }
        }
        r->edges = w.edges.items;
        r->nedges = w.edges.len;
    }
    /* Outputs are not components, but CloudFormation rejects bad
     * references there too. */
    if (t->outputs && t->outputs->kind == SP_DOC_MAP) {
        for (size_t i = 0; i < t->outputs->u.map.len; i++) {
            const sp_doc *o = t->outputs->u.map.pairs[i].value;
            w.from = NULL;
            memset(&w.edges, 0, sizeof w.edges);
            if (o->kind != SP_DOC_MAP)
                continue;
            const sp_doc *c = sp_doc_get(o, "Condition");
            if (c && (!sp_doc_text(c) || !cfn_find_condition(t, sp_doc_text(c))))
                fail(t, c, "unknown condition '%s'", sp_doc_text(c) ? sp_doc_text(c) : "");
            check_and_refer(&w, o);
        }
    } else if (t->outputs) {
        fail(t, t->outputs, "Outputs must be a map");
    }
    free(w.held);
}

/* ---- SAM's APIs and routes (see cfn_sam_route_api) ---- */

static const char *const implicit_api_id[2] = {"ServerlessRestApi", "ServerlessHttpApi"};
static const char *const sam_api_type[2] = {"AWS::Serverless::Api", "AWS::Serverless::HttpApi"};

static bool is_sam_transform(const sp_doc *transform)
{
    if (transform && transform->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < transform->u.seq.len; i++)
            if (is_sam_transform(transform->u.seq.items[i]))
                return true;
        return false;
    }
    return transform && sp_doc_text_eq(transform, "AWS::Serverless-2016-10-31");
}

/* 0 for an Api event, 1 for an HttpApi event, -1 for any other; *named is
 * the API it names (RestApiId, ApiId), NULL for the one SAM generates. */
static int sam_route_kind(const sp_doc *event, const sp_doc **named)
{
    *named = NULL;
    if (!event || event->kind != SP_DOC_MAP)
        return -1;
    const char *type = sp_doc_text(sp_doc_get(event, "Type"));
    int kind = !type ? -1 : !strcmp(type, "Api") ? 0 : !strcmp(type, "HttpApi") ? 1 : -1;
    const sp_doc *props = sp_doc_get(event, "Properties");
    if (kind < 0 || (props && props->kind != SP_DOC_MAP && props->kind != SP_DOC_NULL))
        return -1;
    if (props && props->kind == SP_DOC_MAP)
        *named = sp_doc_get(props, kind ? "ApiId" : "RestApiId");
    return kind;
}

/* The API of the template a route of `kind` is part of (sam_route_kind). */
static const cfn_resource *route_api(const cfn_template *t, int kind, const sp_doc *named)
{
    if (kind < 0)
        return NULL;
    if (!named)
        return t->sam_implicit_api[kind];
    cfn_value v = cfn_eval(t, named);
    const cfn_resource *api = v.kind == CFN_VAL_RESOURCE && !v.attr ? v.resource : NULL;
    return api && !strcmp(api->type, sam_api_type[kind]) ? api : NULL;
}

const cfn_resource *cfn_sam_route_api(const cfn_template *t, const sp_doc *event)
{
    const sp_doc *named;
    int kind = t->sam ? sam_route_kind(event, &named) : -1;
    return route_api(t, kind, named);
}

static const sp_doc *function_events(const cfn_res *r)
{
    if (r->pub.generated || strcmp(r->pub.type, "AWS::Serverless::Function") || !r->pub.props)
        return NULL;
    const sp_doc *events = sp_doc_get(r->pub.props, "Events");
    return events && events->kind == SP_DOC_MAP ? events : NULL;
}

/* Adds ServerlessRestApi / ServerlessHttpApi where an event needs it, as
 * SAM does, so that the template's references to them resolve and their
 * routes switch when they do.  A resource of that name in the text is used
 * instead (when of the API's type). */
static void add_implicit_apis(cfn_template *t)
{
    size_t n = t->nres;
    for (size_t i = 0; i < n; i++) {
        const sp_doc *events = function_events(&t->res[i]);
        for (size_t k = 0; events && k < events->u.map.len; k++) {
            const sp_doc *named;
            int kind = sam_route_kind(events->u.map.pairs[k].value, &named);
            if (kind < 0 || named || t->sam_implicit_api[kind])
                continue;
            const cfn_resource *own = cfn_find_resource(t, implicit_api_id[kind]);
            if (own) {
                if (!strcmp(own->type, sam_api_type[kind]))
                    t->sam_implicit_api[kind] = own;
                continue;
            }
            const sp_doc *at = events->u.map.pairs[k].key;
            cfn_res *r = &t->res[t->nres];
            memset(r, 0, sizeof *r);
            r->t = t;
            r->key = cfn_doc_string(t->ctx, at, implicit_api_id[kind]);
            r->type_node = cfn_doc_string(t->ctx, at, sam_api_type[kind]);
            r->pub.def = r->type_node ? cfn_doc_map1(t->ctx, at, "Type",
                                                     (sp_doc *)r->type_node) : NULL;
            if (!r->key || !r->pub.def) {
                t->failed = true;
                return;
            }
            r->pub.id = implicit_api_id[kind];
            r->pub.type = sam_api_type[kind];
            r->pub.loc = sp_doc_loc(at);
            r->pub.presence = CFN_PRESENT;
            r->pub.generated = true;
            if (!cfn_index_put(&t->ctx->arena, &t->res_ix, r->pub.id, (uint32_t)t->nres++)) {
                sp_oom(t->ctx);
                t->failed = true;
                return;
            }
            t->sam_implicit_api[kind] = &r->pub;
        }
    }
}

/* SAM's Globals: an API, HTTP API or function inherits Globals.Api,
 * Globals.HttpApi or Globals.Function as SAM merges them: maps key by key,
 * lists concatenated (Globals' items first), any other value of the
 * resource's own wins.  Merged nodes keep the positions of their parts. */
static const sp_doc *sam_merge(cfn_template *t, const sp_doc *global, const sp_doc *own)
{
    if (!global)
        return own;
    if (!own)
        return global;
    sp_ctx *ctx = t->ctx;
    if (global->kind == SP_DOC_SEQ && own->kind == SP_DOC_SEQ) {
        sp_doc *d = sp_arena_alloc_raw(&ctx->arena, sizeof *d);
        size_t n = global->u.seq.len + own->u.seq.len;
        sp_doc **items = sp_arena_alloc_raw(&ctx->arena, (n + 1) * sizeof *items);
        if (!d || !items) {
            sp_oom(ctx);
            return own;
        }
        *d = *own;
        memcpy(items, global->u.seq.items, global->u.seq.len * sizeof *items);
        memcpy(items + global->u.seq.len, own->u.seq.items, own->u.seq.len * sizeof *items);
        d->u.seq.items = items;
        d->u.seq.len = n;
        return d;
    }
    if (global->kind != SP_DOC_MAP || own->kind != SP_DOC_MAP || cfn_intrinsic(own, NULL) ||
        cfn_intrinsic(global, NULL))
        return own;
    sp_doc *d = sp_arena_alloc_raw(&ctx->arena, sizeof *d);
    sp_doc_pair *pairs = sp_arena_alloc_raw(
        &ctx->arena, (global->u.map.len + own->u.map.len + 1) * sizeof *pairs);
    if (!d || !pairs) {
        sp_oom(ctx);
        return own;
    }
    size_t n = 0;
    for (size_t i = 0; i < global->u.map.len; i++)
        if (!sp_doc_get_pair(own, sp_doc_text(global->u.map.pairs[i].key)))
            pairs[n++] = global->u.map.pairs[i];
    for (size_t i = 0; i < own->u.map.len; i++) {
        pairs[n] = own->u.map.pairs[i];
        const sp_doc *g = sp_doc_get(global, sp_doc_text(own->u.map.pairs[i].key));
        pairs[n].value = (sp_doc *)sam_merge(t, g, own->u.map.pairs[i].value);
        n++;
    }
    *d = *own;
    d->u.map.pairs = pairs;
    d->u.map.len = n;
    return d;
}

const char *cfn_sam_globals_key(const char *type)
{
    return !strcmp(type, "AWS::Serverless::Api")        ? "Api"
           : !strcmp(type, "AWS::Serverless::HttpApi")  ? "HttpApi"
           : !strcmp(type, "AWS::Serverless::Function") ? "Function"
                                                         : NULL;
}

static void apply_globals(cfn_template *t)
{
    const sp_doc *globals = t->root ? sp_doc_get(t->root, "Globals") : NULL;
    if (!globals || globals->kind != SP_DOC_MAP)
        return;
    for (size_t i = 0; i < t->nres; i++) {
        cfn_res *r = &t->res[i];
        const char *key = cfn_sam_globals_key(r->pub.type);
        const sp_doc *g = key ? sp_doc_get(globals, key) : NULL;
        if (g && g->kind == SP_DOC_MAP)
            r->pub.props = sam_merge(t, g, r->pub.props);
    }
}

static bool within(const sp_doc *outer, const sp_doc *at)
{
    return outer && at && outer->src == at->src && outer->off <= at->off && at->off < outer->end;
}

/* A route is part of its API: the function's reference to the API goes
 * and the API refers to the function instead.  A generated API no present
 * function routes to is absent. */
static void reverse_sam_routes(cfn_template *t)
{
    sp_ctx *ctx = t->ctx;
    SP_VEC(cfn_refedge) *extra = sp_arena_calloc(&ctx->arena, t->nres + 1, sizeof *extra);
    if (!extra) {
        sp_oom(ctx);
        t->failed = true;
        return;
    }
    bool implicit_used[2] = {false, false};
    for (size_t i = 0; i < t->nres; i++) {
        cfn_res *f = &t->res[i];
        const sp_doc *events = function_events(f);
        for (size_t k = 0; events && k < events->u.map.len; k++) {
            const sp_doc *ev = events->u.map.pairs[k].value;
            const sp_doc *named;
            int kind = sam_route_kind(ev, &named);
            const cfn_resource *api = route_api(t, kind, named);
            if (!api)
                continue;
            if (!named && f->pub.presence != CFN_ABSENT)
                implicit_used[kind] = true;
            size_t m = 0;
            for (size_t j = 0; j < f->nedges; j++)
                if (f->edges[j].declared || !within(named, f->edges[j].at))
                    f->edges[m++] = f->edges[j];
            f->nedges = m;
            cfn_refedge e = {(uint32_t)i, ev, false, true, false};
            if (!sp_vec_push(&ctx->arena, &extra[cfn_res_index(t, api)], e)) {
                sp_oom(ctx);
                t->failed = true;
                return;
            }
        }
    }
    for (size_t a = 0; a < t->nres; a++) {
        cfn_res *r = &t->res[a];
        if (r->pub.generated && !implicit_used[!strcmp(r->pub.type, sam_api_type[1])])
            r->pub.presence = CFN_ABSENT;
        if (!extra[a].len)
            continue;
        cfn_refedge *edges = sp_arena_alloc_raw(&ctx->arena,
                                                (r->nedges + extra[a].len) * sizeof *edges);
        if (!edges) {
            sp_oom(ctx);
            t->failed = true;
            return;
        }
        if (r->nedges)
            memcpy(edges, r->edges, r->nedges * sizeof *edges);
        memcpy(edges + r->nedges, extra[a].items, extra[a].len * sizeof *edges);
        r->edges = edges;
        r->nedges += extra[a].len;
    }
}

/* ---- dependency cycles ---- */

/* Finds one cycle among present resources and reports it: an error, or in
 * a template with a Transform (which rewrites references: SAM turns a
 * function's Events into separate resources) a warning, and the edge that
 * closes the cycle is dropped from the dependencies.  True when a cycle
 * was found. */
static bool find_cycle(cfn_template *t, uint8_t *color, uint32_t *stack, uint32_t *next)
{
    size_t n = t->nres;
    memset(color, 0, n);
    for (size_t root = 0; root < n; root++) {
        if (color[root] || t->res[root].pub.presence == CFN_ABSENT)
            continue;
        size_t sp = 0;
        stack[sp++] = (uint32_t)root;
        color[root] = 1;
        next[root] = 0;
        while (sp) {
            uint32_t u = stack[sp - 1];
            cfn_res *r = &t->res[u];
            if (next[u] == r->nedges) {
                color[u] = 2;
                sp--;
                continue;
            }
            cfn_refedge *e = &r->edges[next[u]++];
            uint32_t v = e->target;
            if (e->dropped || t->res[v].pub.presence == CFN_ABSENT || color[v] == 2)
                continue;
            if (color[v] == 0) {
                color[v] = 1;
                next[v] = 0;
                stack[sp++] = v;
                continue;
            }
            /* A back edge u -> v closes the cycle v ... u -> v. */
            size_t from = sp;
            while (from > 0 && stack[from - 1] != v)
                from--;
            from = from ? from - 1 : 0;
            char msg[900];
            size_t len = 0;
            msg[0] = 0;
            for (size_t k = from; k < sp && len < sizeof msg - 200; k++)
                len += (size_t)snprintf(msg + len, sizeof msg - len, "%s -> ",
                                        t->res[stack[k]].pub.id);
            if (len >= sizeof msg - 200)
                len += (size_t)snprintf(msg + len, sizeof msg - len, "... -> ");
            snprintf(msg + len, sizeof msg - len, "%s", t->res[v].pub.id);
            if (t->transform) {
                sp_warn(t->ctx, sp_doc_loc(e->at),
                        "dependency cycle: %s; left to the template's Transform, which "
                        "snipeproof does not expand (this reference does not order events)",
                        msg);
                e->dropped = true;
            } else {
                sp_error(t->ctx, sp_doc_loc(e->at), "dependency cycle: %s", msg);
                t->failed = true;
            }
            return true;
        }
    }
    return false;
}

static void check_cycles(cfn_template *t)
{
    size_t n = t->nres, nedges = 0;
    if (!n)
        return;
    sp_arena *a = &t->ctx->arena;
    uint8_t *color = sp_arena_calloc(a, n, 1);
    uint32_t *stack = sp_arena_calloc(a, n, sizeof *stack);
    uint32_t *next = sp_arena_calloc(a, n, sizeof *next);
    if (!color || !stack || !next) {
        sp_oom(t->ctx);
        t->failed = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        nedges += t->res[i].nedges;
    /* Each round drops one edge (Transform) or stops (error). */
    for (size_t round = 0; round <= nedges && !t->failed; round++)
        if (!find_cycle(t, color, stack, next))
            return;
}

/* ---- the template ---- */

static const char *const sections[] = {
    "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
    "Mappings", "Conditions", "Transform", "Resources", "Outputs", "Globals", "Hooks",
};

cfn_template *cfn_template_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *doc)
{
    cfn_template *t = sp_arena_calloc(&ctx->arena, 1, sizeof *t);
    if (!t) {
        sp_oom(ctx);
        return NULL;
    }
    t->ctx = ctx;
    t->opt = opt;
    t->root = doc;
    if (doc && doc->kind != SP_DOC_MAP) {
        fail(t, doc, "a CloudFormation template must be a map with a Resources section");
        doc = NULL;
    }
    if (doc) {
        for (size_t i = 0; i < doc->u.map.len; i++) {
            const char *k = sp_doc_text(doc->u.map.pairs[i].key);
            bool known = false;
            for (size_t s = 0; s < sizeof sections / sizeof *sections; s++)
                known |= k && !strcmp(k, sections[s]);
            if (!known)
                sp_warn(ctx, sp_doc_loc(doc->u.map.pairs[i].key),
                        "unknown template section '%s' is ignored", k ? k : "");
        }
        t->transform = sp_doc_get(doc, "Transform");
        t->sam = is_sam_transform(t->transform);
        t->mappings = sp_doc_get(doc, "Mappings");
        t->outputs = sp_doc_get(doc, "Outputs");
        if (t->mappings && t->mappings->kind != SP_DOC_MAP)
            fail(t, t->mappings, "Mappings must be a map");
    }
    load_parameters(t, doc ? sp_doc_get(doc, "Parameters") : NULL);
    load_conditions(t, doc ? sp_doc_get(doc, "Conditions") : NULL);
    if (doc)
        load_resources(t, sp_doc_get(doc, "Resources"));
    if (t->sam && !t->failed)
        add_implicit_apis(t);
    if (t->sam && !t->failed)
        apply_globals(t);
    if (ctx->out_of_memory)
        t->failed = true;
    if (t->failed)
        return t;
    cfn_check_conditions(t);
    if (t->failed)
        return t;
    load_references(t);
    if (!t->failed && t->sam)
        reverse_sam_routes(t);
    if (!t->failed)
        check_cycles(t);
    if (ctx->out_of_memory)
        t->failed = true;
    return t;
}
