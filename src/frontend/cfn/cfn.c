/* The CloudFormation front-end: two templates -> the model.
 *
 * One component per logical ID present in either template (a resource
 * whose Condition is false is absent; an undecidable one is treated as
 * present).  Its change comes from diff.c, then the replacement ripple:
 * a component whose definition did not change but which references a
 * replaced component is re-pointed by an update of its own (SP_CHANGE_RIPPLE),
 * and when that reference sits under one of its own createOnly properties
 * it is replaced itself, which may ripple further. */
#include "template.h"

#include <string.h>

extern const unsigned char sp_builtin_cfn_facts[];
extern const size_t sp_builtin_cfn_facts_len;

/* ---- input detection ---- */

static bool is_symbol_form(const sp_doc *d)
{
    return d && d->kind == SP_DOC_SEQ && d->u.seq.len > 0 &&
           d->u.seq.items[0]->kind == SP_DOC_STRING &&
           !(d->u.seq.items[0]->flags & SP_DOC_QUOTED);
}

sp_input_kind sp_detect_input(const sp_doc *doc)
{
    if (!doc)
        return SP_INPUT_UNKNOWN;
    if (doc->kind == SP_DOC_MAP) {
        const sp_doc *tag = sp_doc_get(doc, "snipeproof");
        const char *s = sp_doc_text(tag);
        if (s && !strncmp(s, "topology/", 9))
            return SP_INPUT_TOPOLOGY;
        if (sp_doc_get(doc, "Resources") || sp_doc_get(doc, "AWSTemplateFormatVersion"))
            return SP_INPUT_CLOUDFORMATION;
        return SP_INPUT_UNKNOWN;
    }
    /* An S-expression file: a sequence of forms, each a list that starts
     * with a symbol (an unquoted string), e.g. (use-modules ...). */
    if (doc->kind == SP_DOC_SEQ && !(doc->flags & SP_DOC_FLOW)) {
        if (is_symbol_form(doc))
            return SP_INPUT_GUIX;
        for (size_t i = 0; i < doc->u.seq.len; i++)
            if (!is_symbol_form(doc->u.seq.items[i]))
                return SP_INPUT_UNKNOWN;
        return doc->u.seq.len ? SP_INPUT_GUIX : SP_INPUT_UNKNOWN;
    }
    return SP_INPUT_UNKNOWN;
}

/* ---- building the model ---- */

typedef struct entry {
    const char *id;
    const cfn_resource *ro, *rn; /* NULL where absent */
    const cfn_type_facts *facts;
    const struct cfn_type_entry *type_old, *type_new; /* catalogue entries */
    sp_change change;
    uint32_t comp;
} entry;

typedef struct loader {
    sp_ctx *ctx;
    const sp_frontend_options *opt;
    sp_model *m;
    const cfn_catalogue *cat;
    cfn_template *told, *tnew;
    entry *entries;
    size_t n;
    cfn_index ix; /* logical ID -> entry */
    /* Per resource of OLD and NEW (by index): the entry of its logical ID
     * (UINT32_MAX: none), then the component (SP_NONE: none).  References
     * are followed by resource index, and hashing the logical ID again for
     * every reference was a good part of building the model. */
    uint32_t *entry_old, *entry_new;
    uint32_t *comp_old, *comp_new;
    bool failed;
} loader;

static bool add_entry(loader *L, const cfn_resource *r, bool is_new)
{
    const cfn_template *t = is_new ? L->tnew : L->told;
    uint32_t i = cfn_index_get(&L->ix, r->id);
    if (i == UINT32_MAX) {
        i = (uint32_t)L->n++;
        memset(&L->entries[i], 0, sizeof L->entries[i]);
        L->entries[i].id = r->id;
        L->entries[i].comp = SP_NONE;
        if (!cfn_index_put(&L->ctx->arena, &L->ix, r->id, i)) {
            sp_oom(L->ctx);
            return false;
        }
    }
    if (is_new)
        L->entries[i].rn = r;
    else
        L->entries[i].ro = r;
    (is_new ? L->entry_new : L->entry_old)[cfn_res_index(t, r)] = i;
    return true;
}

static const entry *entry_of(const loader *L, const cfn_template *t, uint32_t res)
{
    uint32_t i = (t == L->tnew ? L->entry_new : L->entry_old)[res];
    return i == UINT32_MAX ? NULL : &L->entries[i];
}

/* The entry of every resource of `t`: those present were recorded by
 * add_entry; an absent one (its Condition is false) may still share its
 * logical ID with a resource of the other template. */
static void index_entries(loader *L, const cfn_template *t, uint32_t *of)
{
    for (size_t i = 0; i < t->nres; i++)
        if (t->res[i].pub.presence == CFN_ABSENT)
            of[i] = cfn_index_get(&L->ix, t->res[i].pub.id);
}

static uint32_t *component_array(loader *L, const cfn_template *t, const uint32_t *entry_of_res)
{
    uint32_t *comp = sp_arena_alloc_raw(&L->ctx->arena, (t->nres + 1) * sizeof *comp);
    if (!comp)
        return NULL;
    for (size_t i = 0; i < t->nres; i++)
        comp[i] = entry_of_res[i] == UINT32_MAX ? SP_NONE : L->entries[entry_of_res[i]].comp;
    return comp;
}

/* The entry a NEW-template edge points at, when that is replaced. */
static bool targets_replaced(const loader *L, const cfn_refedge *e)
{
    const entry *t = entry_of(L, L->tnew, e->target);
    return t && t->change == SP_CHANGE_REPLACED;
}

static void ripple(loader *L)
{
    bool again = true;
    while (again) {
        again = false;
        for (size_t i = 0; i < L->n; i++) {
            entry *E = &L->entries[i];
            if (!E->ro || !E->rn || E->change == SP_CHANGE_REPLACED)
                continue;
            const cfn_res *r = cfn_res_of(E->rn);
            for (size_t k = 0; k < r->nedges; k++) {
                const cfn_refedge *e = &r->edges[k];
                if (e->declared || !e->live || !targets_replaced(L, e))
                    continue;
                if (cfn_under_create_only(E->rn, E->facts, e->at)) {
                    E->change = SP_CHANGE_REPLACED;
                    again = true;
                    break;
                }
                if (E->change == SP_CHANGE_UNCHANGED) {
                    E->change = SP_CHANGE_RIPPLE;
                    again = true;
                }
            }
        }
    }
}

typedef SP_VEC(sp_dep) dep_vec;

static bool has_dep(const dep_vec *v, uint32_t comp, bool declared)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i].component == comp && v->items[i].declared == declared)
            return true;
    return false;
}

/* The distinct (component, declared) dependencies of a resource's
 * definition, each at its first occurrence. */
static void collect_deps(const loader *L, const cfn_template *t, const cfn_resource *r,
                         dep_vec *out)
{
    const cfn_res *x = cfn_res_of(r);
    for (size_t k = 0; k < x->nedges; k++) {
        const cfn_refedge *e = &x->edges[k];
        const entry *target = entry_of(L, t, e->target);
        if (e->dropped || !target || target->comp == SP_NONE || has_dep(out, target->comp, e->declared))
            continue;
        sp_dep d = {target->comp, sp_doc_loc(e->at), e->declared};
        if (!sp_vec_push(&L->ctx->arena, out, d))
            sp_oom(L->ctx);
    }
}

static bool add_instance(loader *L, const entry *E, sp_version v, sp_label label)
{
    const cfn_resource *r = v == SP_VER_OLD ? E->ro : E->rn;
    const cfn_template *t = v == SP_VER_OLD ? L->told : L->tnew;
    if (sp_model_add_instance(L->m, E->comp, v, label, r->loc) == SP_NONE)
        return false;
    dep_vec deps = {0};
    collect_deps(L, t, r, &deps);
    if (v == SP_VER_BOTH)
        collect_deps(L, L->told, E->ro, &deps);
    for (size_t i = 0; i < deps.len; i++)
        if (!sp_model_add_dep(L->m, deps.items[i].component, deps.items[i].loc,
                              deps.items[i].declared))
            return false;
    const struct cfn_type_entry *type = v == SP_VER_OLD ? E->type_old : E->type_new;
    const uint32_t *comp = t == L->tnew ? L->comp_new : L->comp_old;
    if (type && !cfn_emit_facts(L->ctx, L->cat, type, t, r, comp, L->m)) {
        if (!L->ctx->errors)
            sp_error(L->ctx, r->loc, "internal: no facts for resource '%s'", r->id);
        return false;
    }
    return true;
}

static bool add_instances(loader *L, const entry *E)
{
    switch (E->change) {
    case SP_CHANGE_UNCHANGED:
        return add_instance(L, E, SP_VER_BOTH, SP_LABEL_UNCHANGED);
    case SP_CHANGE_RIPPLE:
        return add_instance(L, E, SP_VER_OLD, SP_LABEL_UNCHANGED) &&
               add_instance(L, E, SP_VER_NEW, SP_LABEL_UNCHANGED);
    case SP_CHANGE_MODIFIED:
    case SP_CHANGE_REPLACED:
        return add_instance(L, E, SP_VER_OLD, SP_LABEL_OLD) &&
               add_instance(L, E, SP_VER_NEW, SP_LABEL_NEW);
    case SP_CHANGE_ADDED:
        return add_instance(L, E, SP_VER_NEW, SP_LABEL_NEW);
    case SP_CHANGE_REMOVED:
        return add_instance(L, E, SP_VER_OLD, SP_LABEL_OLD);
    }
    return false;
}

static const sp_doc *type_node(const cfn_resource *r)
{
    return cfn_res_of(r)->type_node;
}

/* The catalogue entry of a type; unknown types get a warning at their
 * first Type (an error with --strict). */
static const struct cfn_type_entry *lookup_type(loader *L, const cfn_resource *r,
                                                cfn_index *warned)
{
    const struct cfn_type_entry *te = L->cat ? cfn_catalogue_find(L->cat, r->type) : NULL;
    if (te || cfn_index_get(warned, r->type) != UINT32_MAX)
        return te;
    if (!cfn_index_put(&L->ctx->arena, warned, r->type, 0))
        sp_oom(L->ctx);
    if (L->opt && L->opt->strict) {
        sp_error(L->ctx, sp_doc_loc(type_node(r)),
                 "resource type '%s' is not in the type catalogue (--strict)", r->type);
        L->failed = true;
    } else {
        sp_warn(L->ctx, sp_doc_loc(type_node(r)),
                "resource type '%s' is not in the type catalogue; its resources are not "
                "modelled",
                r->type);
    }
    return NULL;
}

/* Catalogue entries of both sides; components of unknown types are
 * counted, and so are stacks of their own (known, but not modelled here:
 * the summary must not say they were analysed). */
static void classify(loader *L, entry *E, cfn_index *warned)
{
    if (E->rn)
        E->type_new = lookup_type(L, E->rn, warned);
    if (E->ro)
        E->type_old = E->rn && !strcmp(E->ro->type, E->rn->type) ? E->type_new
                                                                    : lookup_type(L, E->ro, warned);
    const cfn_resource *r = E->rn ? E->rn : E->ro;
    const struct cfn_type_entry *te = E->rn ? E->type_new : E->type_old;
    if (te && !cfn_entry_separate(te))
        return;
    L->m->components.items[E->comp].modeled = false;
    sp_model_note_unmodeled(L->m, r->type);
}

/* Stacks of their own (nested stacks, stack sets, SAM applications) are
 * boundaries: one note for all of them, at the first. */
static void note_separate(loader *L)
{
    const entry *first = NULL;
    const char *where = "";
    size_t n = 0;
    for (size_t i = 0; i < L->n; i++) {
        const entry *E = &L->entries[i];
        const char *tpl = cfn_entry_separate(E->rn ? E->type_new : E->type_old);
        if (!tpl)
            continue;
        if (!n++) {
            first = E;
            where = tpl;
        }
    }
    if (!n)
        return;
    const cfn_resource *r = first->rn ? first->rn : first->ro;
    if (n == 1)
        sp_note(L->ctx, sp_doc_loc(type_node(r)),
                "'%s' is a stack of its own (%s): its resources are analysed only by running "
                "snipeproof on its template%s%s%s; windows between them and this template's "
                "resources are not analysed here",
                r->id, r->type, *where ? " (" : "", where, *where ? ")" : "");
    else
        sp_note(L->ctx, sp_doc_loc(type_node(r)),
                "'%s' and %zu other component%s are stacks of their own (nested stacks, "
                "stack sets, SAM applications): their resources are analysed only by running "
                "snipeproof on their templates; windows between them and this template's "
                "resources are not analysed here",
                r->id, n - 1, n > 2 ? "s" : "");
}

/* CloudFormation refuses to change a resource's type, except where a
 * Transform (SAM) turns both into the same type, and custom resources are
 * all one type underneath.  Either way the result is a new resource:
 * modelled as a replacement. */
static bool is_custom(const char *type)
{
    return !strncmp(type, "Custom::", 8) || !strcmp(type, "AWS::CloudFormation::CustomResource");
}

static void check_type_change(loader *L, const entry *E)
{
    const char *a = E->ro->type, *b = E->rn->type;
    if ((is_custom(a) && is_custom(b)) ||
        ((L->told->transform || L->tnew->transform) &&
         (!strncmp(a, "AWS::Serverless::", 17) || !strncmp(b, "AWS::Serverless::", 17))))
        return;
    sp_warn(L->ctx, sp_doc_loc(type_node(E->rn)),
            "the type of '%s' changes from %s to %s; CloudFormation refuses to change a "
            "resource's type (give the new resource another logical ID); modelled as a "
            "replacement",
            E->id, a, b);
}

static void check_params(loader *L)
{
    for (size_t i = 0; L->opt && i < L->opt->nparams; i++) {
        const char *name = L->opt->params[i].name;
        if (!strcmp(name, "AWS::NoValue")) {
            sp_warn(L->ctx, SP_NO_LOC, "--param AWS::NoValue is ignored: it cannot be set");
            continue;
        }
        if (!cfn_find_param(L->told, name) && !cfn_find_param(L->tnew, name))
            sp_warn(L->ctx, SP_NO_LOC, "--param %s: neither template has a parameter '%s'",
                    name, name);
    }
}

static void note_undecided(loader *L, const cfn_template *t)
{
    if (!t->undecided)
        return;
    const cfn_res *first = NULL;
    for (size_t i = 0; i < t->nres && !first; i++)
        if (t->res[i].pub.presence == CFN_MAYBE)
            first = &t->res[i];
    sp_note(L->ctx, sp_doc_loc(first->condition),
            "%u resource%s of this template depend%s on conditions that cannot be decided "
            "without parameter values; %s treated as present (give values with --param)",
            t->undecided, t->undecided == 1 ? "" : "s", t->undecided == 1 ? "s" : "",
            t->undecided == 1 ? "it is" : "they are");
}


/* SAM: an API changes when the routes its functions' events give it do
 * (cfn_sam_route_api), and such a function's text then carries part of the
 * API's definition. */
static bool is_type(const entry *E, const char *type)
{
    const cfn_resource *r = E->rn ? E->rn : E->ro;
    return !strcmp(r->type, type);
}

typedef struct route_change {
    loader *L;
    entry *api;
    const entry *fn;
} route_change;

static void record_route(const char *event, const sp_doc *at, void *arg)
{
    route_change *x = arg;
    loader *L = x->L;
    const char **path = sp_arena_alloc_raw(&L->ctx->arena, 3 * sizeof *path);
    if (!path) {
        sp_oom(L->ctx);
        return;
    }
    path[0] = "Properties";
    path[1] = "Events";
    path[2] = event;
    if (x->api->change == SP_CHANGE_UNCHANGED)
        x->api->change = SP_CHANGE_MODIFIED;
    sp_cowritten cw = {x->api->comp, x->fn->comp, path, 3, sp_doc_loc(at)};
    if (!sp_vec_push(&L->ctx->arena, &L->m->cowritten, cw))
        sp_oom(L->ctx);
}

/* A changed resource that inherits SAM Globals that changed is written
 * partly in the template's Globals section (host SP_NONE), whichever
 * side it is in. */
static bool sam_globals(loader *L)
{
    const sp_doc *go = L->told->root ? sp_doc_get(L->told->root, "Globals") : NULL;
    const sp_doc *gn = L->tnew->root ? sp_doc_get(L->tnew->root, "Globals") : NULL;
    static const char *const keys[] = {"Api", "HttpApi", "Function"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const sp_doc *o = sp_doc_get(go, keys[k]), *n = sp_doc_get(gn, keys[k]);
        const sp_doc *no = o ? cfn_normalize(L->told, o) : NULL;
        const sp_doc *nn = n ? cfn_normalize(L->tnew, n) : NULL;
        if (no && nn ? sp_doc_equal(no, nn) : no == nn)
            continue;
        for (size_t i = 0; i < L->n; i++) {
            const entry *E = &L->entries[i];
            const char *key = cfn_sam_globals_key(E->rn ? E->rn->type : E->ro->type);
            if (E->change == SP_CHANGE_UNCHANGED || !key || strcmp(key, keys[k]) != 0)
                continue;
            const char **path = sp_arena_alloc_raw(&L->ctx->arena, 2 * sizeof *path);
            if (!path) {
                sp_oom(L->ctx);
                return false;
            }
            path[0] = "Globals";
            path[1] = keys[k];
            sp_cowritten cw = {E->comp, SP_NONE, path, 2, sp_doc_loc(n ? n : o)};
            if (!sp_vec_push(&L->ctx->arena, &L->m->cowritten, cw)) {
                sp_oom(L->ctx);
                return false;
            }
        }
    }
    return true;
}

static bool sam_routes(loader *L)
{
    for (size_t a = 0; a < L->n; a++) {
        entry *api = &L->entries[a];
        if (!is_type(api, "AWS::Serverless::Api") && !is_type(api, "AWS::Serverless::HttpApi"))
            continue;
        for (size_t f = 0; f < L->n; f++) {
            route_change x = {L, api, &L->entries[f]};
            if (is_type(x.fn, "AWS::Serverless::Function") &&
                !cfn_sam_route_changes(L->told, L->tnew, api->id, x.fn->id, record_route, &x))
                return false;
        }
    }
    return !L->ctx->out_of_memory;
}

/* A replaced resource that keeps a custom physical name collides with
 * itself: CloudFormation refuses such an update. */
static void check_custom_name(loader *L, const entry *E)
{
    for (size_t i = 0; E->facts && i < E->facts->nnames; i++) {
        const sp_doc *vo = cfn_normalize(L->told, cfn_prop(E->ro, E->facts->names[i]));
        const sp_doc *raw = cfn_prop(E->rn, E->facts->names[i]);
        const sp_doc *vn = cfn_normalize(L->tnew, raw);
        if (vo && vn && sp_doc_equal(vo, vn)) {
            sp_warn(L->ctx, sp_doc_loc(raw),
                    "'%s' must be replaced but keeps its custom name (%s); CloudFormation "
                    "cannot replace a resource with a custom name and will fail the update",
                    E->id, E->facts->names[i]);
            return;
        }
    }
}

bool sp_cfn_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *old_doc,
                 const sp_doc *new_doc, sp_model *m)
{
    sp_model_init(m, ctx, SP_ENGINE_STACK);
    loader L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.opt = opt;
    L.m = m;
    L.told = cfn_template_load(ctx, opt, old_doc);
    L.tnew = cfn_template_load(ctx, opt, new_doc);
    if (!L.told || !L.tnew || L.told->failed || L.tnew->failed)
        return false;
    L.cat = cfn_catalogue_open(ctx, opt);
    cfn_facts *facts = cfn_facts_load(ctx, (const char *)sp_builtin_cfn_facts,
                                      sp_builtin_cfn_facts_len);
    if (!L.cat || !facts || ctx->out_of_memory) {
        if (!ctx->errors)
            sp_oom(ctx);
        return false;
    }
    check_params(&L);
    note_undecided(&L, L.told);
    note_undecided(&L, L.tnew);

    /* Components: NEW's logical IDs in order, then those only in OLD. */
    L.entries = sp_arena_calloc(&ctx->arena, L.tnew->nres + L.told->nres + 1, sizeof *L.entries);
    L.entry_old = sp_arena_alloc_raw(&ctx->arena, (L.told->nres + 1) * sizeof *L.entry_old);
    L.entry_new = sp_arena_alloc_raw(&ctx->arena, (L.tnew->nres + 1) * sizeof *L.entry_new);
    if (!L.entries || !L.entry_old || !L.entry_new) {
        sp_oom(ctx);
        return false;
    }
    memset(L.entry_old, 0xff, (L.told->nres + 1) * sizeof *L.entry_old);
    memset(L.entry_new, 0xff, (L.tnew->nres + 1) * sizeof *L.entry_new);
    for (size_t i = 0; i < L.tnew->nres; i++)
        if (L.tnew->res[i].pub.presence != CFN_ABSENT && !add_entry(&L, &L.tnew->res[i].pub, true))
            return false;
    for (size_t i = 0; i < L.told->nres; i++)
        if (L.told->res[i].pub.presence != CFN_ABSENT &&
            !add_entry(&L, &L.told->res[i].pub, false))
            return false;
    index_entries(&L, L.tnew, L.entry_new);
    index_entries(&L, L.told, L.entry_old);
    for (size_t i = 0; i < L.n; i++) {
        entry *E = &L.entries[i];
        const cfn_resource *r = E->rn ? E->rn : E->ro;
        E->comp = sp_model_add_component(m, E->id, r->type);
        if (E->comp == SP_NONE)
            return false;
        sp_component *c = &m->components.items[E->comp];
        /* A generated component has positions (the event that asks SAM
         * for it) but no text of its own to write to. */
        c->generated = r->generated;
        if (E->ro) {
            c->loc_old = E->ro->loc;
            c->def_old = r->generated ? NULL : E->ro->def;
        }
        if (E->rn) {
            c->loc_new = E->rn->loc;
            c->def_new = r->generated ? NULL : E->rn->def;
        }
        /* Metadata snipeproof.ignore: the windows each side accepts. */
        if ((E->ro && !cfn_read_suppressions(ctx, E->ro, E->comp, SP_VER_OLD, m)) ||
            (E->rn && !cfn_read_suppressions(ctx, E->rn, E->comp, SP_VER_NEW, m)))
            return false;
    }
    /* Changes, then the ripple of replacements. */
    cfn_index warned = {0};
    for (size_t i = 0; i < L.n; i++) {
        entry *E = &L.entries[i];
        classify(&L, E, &warned);
        E->facts = cfn_facts_find(facts, (E->rn ? E->rn : E->ro)->type);
        if (!E->ro) {
            E->change = SP_CHANGE_ADDED;
        } else if (!E->rn) {
            E->change = SP_CHANGE_REMOVED;
        } else if (strcmp(E->ro->type, E->rn->type) != 0) {
            check_type_change(&L, E);
            E->change = SP_CHANGE_REPLACED;
        } else {
            bool replace;
            sp_arena_mark mark = sp_arena_get_mark(&ctx->arena);
            size_t ndiags = ctx->diags.len;
            bool changed = cfn_diff_resource(L.told, E->ro, L.tnew, E->rn, E->facts, &replace);
            /* The normal forms compared are not needed any more (unless a
             * diagnostic recorded meanwhile lives after the mark).  The
             * comparison reads templates and nothing else: no cache of the
             * catalogue or of the facts may grow in between. */
            if (ctx->diags.len == ndiags && !ctx->out_of_memory)
                sp_arena_reset(&ctx->arena, mark);
            E->change = !changed ? SP_CHANGE_UNCHANGED
                        : replace ? SP_CHANGE_REPLACED
                                  : SP_CHANGE_MODIFIED;
        }
    }
    if (L.failed || cfn_catalogue_failed(L.cat))
        return false;
    if ((L.told->sam || L.tnew->sam) && (!sam_routes(&L) || !sam_globals(&L)))
        return false;
    note_separate(&L);
    ripple(&L);
    for (size_t i = 0; i < L.n; i++) {
        entry *E = &L.entries[i];
        m->components.items[E->comp].change = E->change;
        if (E->change == SP_CHANGE_REPLACED)
            check_custom_name(&L, E);
    }
    L.comp_old = component_array(&L, L.told, L.entry_old);
    L.comp_new = component_array(&L, L.tnew, L.entry_new);
    /* Facts: a large template repeats the same request sets thousands of
     * times; each is built once. */
    if (!L.comp_old || !L.comp_new || !sp_reqset_pool_open(ctx)) {
        sp_oom(ctx);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < L.n && ok; i++)
        ok = add_instances(&L, &L.entries[i]);
    sp_reqset_pool_close(ctx);
    return ok && !ctx->out_of_memory && !L.failed && !cfn_catalogue_failed(L.cat);
}
