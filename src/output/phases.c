/* The configuration after one step of a phased plan, written from NEW's
 * text: a per-component mix of OLD's and NEW's definitions.
 *
 * Components (Resources, hosts):
 *   - at their NEW version (or unchanged): NEW's text, as it is;
 *   - at their OLD version: OLD's definition in place of NEW's (its lines
 *     moved to NEW's indentation), or appended after NEW's components when
 *     NEW does not define them;
 *   - at their OLD version but not in OLD (added by the update, not yet):
 *     left out, with the comment lines right above them;
 *   - entries that are no component (a resource whose Condition is false):
 *     as NEW has them.
 * CloudFormation sections (docs/fix.md has the reasons):
 *   - Outputs: NEW's outputs whose references all resolve in the phase;
 *     for one that does not, OLD's output of that name when that one
 *     resolves; outputs only OLD has are dropped, as NEW drops them;
 *   - Parameters, Conditions, Mappings: NEW's entries, plus OLD's entries
 *     that the definitions taken from OLD need (directly or through OLD's
 *     conditions).  When OLD and NEW define one name differently (for a
 *     parameter: another Type or Default; a new description or constraint
 *     does not count), OLD's replaces NEW's if only definitions taken from
 *     OLD need it; if both sides need it the phase cannot be written (an
 *     error says which).  A parameter of NEW that has the name of a
 *     resource taken from OLD goes when nothing of NEW's needs it;
 *   - everything else (Description, Metadata, Rules, Transform …): NEW's.
 * Topology files: hosts as above; networks and the rest as NEW has them. */
#include "patch.h"

#include <string.h>

/* ---- sets of names, and mappings by key (hashed: templates may hold
 * tens of thousands of resources) ------------------------------------ */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* A set of names: `v` in insertion order, `tab` open addressing over it
 * (indexes + 1; 0 empty). */
typedef struct names {
    SP_VEC(const char *) v;
    uint32_t *tab;
    size_t cap;
} names;

static size_t find_slot(const names *s, const char *n)
{
    size_t i = (size_t)hash_str(n) & (s->cap - 1);
    while (s->tab[i] && strcmp(s->v.items[s->tab[i] - 1], n) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static bool has(const names *s, const char *n)
{
    return s->cap && s->tab[find_slot(s, n)] != 0;
}

static bool rehash(sp_ctx *ctx, names *s, size_t cap)
{
    uint32_t *tab = sp_arena_calloc(&ctx->arena, cap, sizeof *tab);
    if (!tab) {
        sp_oom(ctx);
        return false;
    }
    s->tab = tab;
    s->cap = cap;
    for (size_t i = 0; i < s->v.len; i++)
        s->tab[find_slot(s, s->v.items[i])] = (uint32_t)i + 1;
    return true;
}

static bool put(sp_ctx *ctx, names *s, const char *n)
{
    if (has(s, n))
        return true;
    if (!sp_vec_push(&ctx->arena, &s->v, n)) {
        sp_oom(ctx);
        return false;
    }
    if (s->v.len * 2 > s->cap)
        return rehash(ctx, s, s->cap ? s->cap * 2 : 64);
    s->tab[find_slot(s, n)] = (uint32_t)s->v.len;
    return true;
}

static bool drop(sp_ctx *ctx, names *s, const char *n)
{
    for (size_t i = 0; i < s->v.len; i++)
        if (!strcmp(s->v.items[i], n)) {
            memmove(&s->v.items[i], &s->v.items[i + 1], (s->v.len - i - 1) * sizeof *s->v.items);
            s->v.len--;
            return rehash(ctx, s, s->cap);
        }
    return true;
}

/* A mapping's pairs by key. */
typedef struct mapix {
    const sp_doc *map;
    uint32_t *tab; /* pair index + 1 */
    size_t cap;
} mapix;

static bool ix_build(sp_ctx *ctx, mapix *x, const sp_doc *map)
{
    memset(x, 0, sizeof *x);
    x->map = map;
    if (!map)
        return true;
    size_t cap = 16;
    while (cap < map->u.map.len * 2 + 2)
        cap *= 2;
    x->tab = sp_arena_calloc(&ctx->arena, cap, sizeof *x->tab);
    if (!x->tab) {
        sp_oom(ctx);
        return false;
    }
    x->cap = cap;
    for (size_t i = 0; i < map->u.map.len; i++) {
        const char *k = map->u.map.pairs[i].key->u.scalar.text;
        size_t j = (size_t)hash_str(k) & (cap - 1);
        while (x->tab[j])
            j = (j + 1) & (cap - 1);
        x->tab[j] = (uint32_t)i + 1;
    }
    return true;
}

static const sp_doc_pair *ix_pair(const mapix *x, const char *key)
{
    if (!x->cap)
        return NULL;
    for (size_t j = (size_t)hash_str(key) & (x->cap - 1); x->tab[j]; j = (j + 1) & (x->cap - 1)) {
        const sp_doc_pair *p = &x->map->u.map.pairs[x->tab[j] - 1];
        if (!strcmp(p->key->u.scalar.text, key))
            return p;
    }
    return NULL;
}

static const sp_doc *ix_get(const mapix *x, const char *key)
{
    const sp_doc_pair *p = ix_pair(x, key);
    return p ? p->value : NULL;
}

/* ---- mentions in CloudFormation expressions ------------------------------ */

enum { NS_NAME, NS_RESOURCE, NS_CONDITION, NS_MAPPING };

typedef struct mentions {
    sp_ctx *ctx;
    names name;      /* Ref, Fn::Sub: a parameter or a resource */
    names resource;  /* Fn::GetAtt */
    names condition; /* Fn::If, Condition */
    names mapping;   /* Fn::FindInMap */
    bool oom;
} mentions;

static void mention(mentions *ms, int ns, const char *s, size_t n)
{
    char *c = sp_arena_strndup(&ms->ctx->arena, s, n);
    names *set = ns == NS_NAME ? &ms->name : ns == NS_RESOURCE ? &ms->resource
                 : ns == NS_CONDITION ? &ms->condition : &ms->mapping;
    if (!c || !put(ms->ctx, set, c))
        ms->oom = true;
}

/* ${Name} and ${Name.Attr} in an Fn::Sub string, except ${!Literal} and
 * the names the variable map defines. */
static void sub_names(mentions *ms, const char *s, const sp_doc *vars)
{
    for (const char *p = strstr(s, "${"); p; p = strstr(p, "${")) {
        p += 2;
        if (*p == '!')
            continue;
        const char *e = strchr(p, '}');
        if (!e)
            return;
        const char *dot = memchr(p, '.', (size_t)(e - p));
        size_t n = (size_t)((dot ? dot : e) - p);
        bool local = false;
        for (size_t i = 0; vars && vars->kind == SP_DOC_MAP && i < vars->u.map.len; i++) {
            const sp_doc *k = vars->u.map.pairs[i].key;
            local |= k->u.scalar.len == (size_t)(e - p) && !memcmp(k->u.scalar.text, p, k->u.scalar.len);
        }
        if (!local)
            mention(ms, dot ? NS_RESOURCE : NS_NAME, p, n);
        p = e;
    }
}

static void walk(mentions *ms, const sp_doc *d, unsigned depth)
{
    if (!d || depth > SP_MAX_DEPTH + 8)
        return;
    if (d->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < d->u.seq.len; i++)
            walk(ms, d->u.seq.items[i], depth + 1);
        return;
    }
    if (d->kind != SP_DOC_MAP)
        return;
    if (d->u.map.len == 1) {
        const char *k = sp_doc_text(d->u.map.pairs[0].key);
        const sp_doc *v = d->u.map.pairs[0].value;
        const sp_doc *a0 = v->kind == SP_DOC_SEQ && v->u.seq.len ? v->u.seq.items[0] : NULL;
        if (!strcmp(k, "Ref") && sp_doc_is_scalar(v)) {
            mention(ms, NS_NAME, v->u.scalar.text, v->u.scalar.len);
            return;
        }
        if (!strcmp(k, "Fn::GetAtt")) {
            if (sp_doc_is_scalar(v)) {
                const char *dot = strchr(v->u.scalar.text, '.');
                mention(ms, NS_RESOURCE, v->u.scalar.text,
                        dot ? (size_t)(dot - v->u.scalar.text) : v->u.scalar.len);
                return;
            }
            if (a0 && sp_doc_is_scalar(a0))
                mention(ms, NS_RESOURCE, a0->u.scalar.text, a0->u.scalar.len);
        } else if (!strcmp(k, "Fn::Sub")) {
            if (sp_doc_is_scalar(v)) {
                sub_names(ms, v->u.scalar.text, NULL);
                return;
            }
            if (a0 && sp_doc_is_scalar(a0))
                sub_names(ms, a0->u.scalar.text, v->u.seq.len > 1 ? v->u.seq.items[1] : NULL);
        } else if (!strcmp(k, "Fn::FindInMap")) {
            if (a0 && sp_doc_is_scalar(a0))
                mention(ms, NS_MAPPING, a0->u.scalar.text, a0->u.scalar.len);
        } else if (!strcmp(k, "Fn::If")) {
            if (a0 && sp_doc_is_scalar(a0))
                mention(ms, NS_CONDITION, a0->u.scalar.text, a0->u.scalar.len);
        }
    }
    for (size_t i = 0; i < d->u.map.len; i++) {
        const sp_doc *v = d->u.map.pairs[i].value;
        /* A resource's or an output's Condition, and the Condition
         * function inside conditions. */
        if (sp_doc_text_eq(d->u.map.pairs[i].key, "Condition") && v->kind == SP_DOC_STRING)
            mention(ms, NS_CONDITION, v->u.scalar.text, v->u.scalar.len);
        walk(ms, v, depth + 1);
    }
}

/* ---- one template's sections ------------------------------------------ */

enum { SEC_PARAMS, SEC_CONDS, SEC_MAPS, SEC_RES, SEC_OUTS, NSEC };

typedef struct side {
    const sp_ptext *t;          /* NULL: an empty configuration */
    mapix ix[NSEC];             /* its sections by key (SEC_RES: Resources, hosts) */
    mentions need;              /* the closure of what its users mention */
} side;

static const sp_doc *section(const sp_ptext *t, const char *name)
{
    const sp_doc *s = t ? sp_doc_get(t->root, name) : NULL;
    return s && s->kind == SP_DOC_MAP ? s : NULL;
}

/* Adds the conditions that needed conditions mention, until nothing new. */
static void close_needs(side *s)
{
    size_t done = 0;
    while (done < s->need.condition.v.len) {
        const char *c = s->need.condition.v.items[done++];
        walk(&s->need, ix_get(&s->ix[SEC_CONDS], c), 0);
    }
}

static bool needed(const side *s, int ns, const char *name)
{
    switch (ns) {
    case NS_CONDITION:
        return has(&s->need.condition, name);
    case NS_MAPPING:
        return has(&s->need.mapping, name);
    default:
        return has(&s->need.name, name);
    }
}

/* Whether every name `doc` (a text of side `s`) mentions resolves: a
 * resource of that side must be among `present`; other names are the
 * side's parameters, pseudo-parameters, or names the side does not define
 * (a Transform's, left as the template has them). */
static bool resolves(sp_ctx *ctx, const sp_doc *doc, const names *present, const side *s)
{
    mentions ms;
    memset(&ms, 0, sizeof ms);
    ms.ctx = ctx;
    walk(&ms, doc, 0);
    for (int ns = 0; ns < 2; ns++) {
        const names *set = ns ? &ms.resource : &ms.name;
        for (size_t i = 0; i < set->v.len; i++) {
            const char *n = set->v.items[i];
            if (has(present, n) || (!ns && ix_get(&s->ix[SEC_PARAMS], n)))
                continue;
            if (ix_get(&s->ix[SEC_RES], n))
                return false;
        }
    }
    return true;
}

/* ---- the mix ------------------------------------------------------------ */

typedef struct composer {
    sp_ctx *ctx;
    const sp_model *m;
    const unsigned char *to_new;
    side old, new_;
    sp_edits edits;
    sp_phase_info *info;
    /* New pairs of the root (sections NEW lacks), and the expected root. */
    SP_VEC(sp_item) root_items;
    SP_VEC(sp_doc_pair) expect_root_extra;
    /* Conditions and mappings both versions need: renamed in OLD, then the
     * phase is composed again (NULL on that second pass: errors). */
    names *rename_conds, *rename_maps;
    names old_depends;          /* DependsOn names of the definitions taken from OLD */
} composer;

/* Adds a definition's DependsOn names to c->old_depends. */
static bool depends_of(composer *c, const sp_doc *def)
{
    const sp_doc *dep = def->kind == SP_DOC_MAP ? sp_doc_get(def, "DependsOn") : NULL;
    size_t n = !dep ? 0 : dep->kind == SP_DOC_SEQ ? dep->u.seq.len : 1;
    for (size_t i = 0; i < n; i++) {
        const sp_doc *d = dep->kind == SP_DOC_SEQ ? dep->u.seq.items[i] : dep;
        if (d->kind == SP_DOC_STRING && !put(c->ctx, &c->old_depends, d->u.scalar.text))
            return false;
    }
    return true;
}

/* A map edit under construction, with the expected mapping it makes. */
typedef struct mapwork {
    const sp_doc *map;         /* NEW's mapping (NULL: NEW lacks it) */
    unsigned char *action;
    sp_item *replace;
    SP_VEC(sp_item) ins;
    SP_VEC(size_t) after;
    SP_VEC(sp_doc_pair) expect;
} mapwork;

static bool mapwork_init(composer *c, mapwork *w, const sp_doc *map)
{
    memset(w, 0, sizeof *w);
    w->map = map;
    size_t n = map ? map->u.map.len : 0;
    w->action = sp_arena_calloc(&c->ctx->arena, n + 1, 1);
    w->replace = sp_arena_calloc(&c->ctx->arena, n + 1, sizeof *w->replace);
    if (!w->action || !w->replace) {
        sp_oom(c->ctx);
        return false;
    }
    return true;
}

static bool expect_pair(composer *c, mapwork *w, const sp_doc *key, const sp_doc *value)
{
    sp_doc_pair p = {(sp_doc *)key, (sp_doc *)value};
    if (!sp_vec_push(&c->ctx->arena, &w->expect, p)) {
        sp_oom(c->ctx);
        return false;
    }
    return true;
}

static bool append_item(composer *c, mapwork *w, const sp_ptext *from, const sp_doc_pair *p)
{
    sp_item it;
    memset(&it, 0, sizeof it);
    it.key = sp_doc_text(p->key);
    it.from = from;
    it.pair = p;
    if (!sp_vec_push(&c->ctx->arena, &w->ins, it) ||
        !sp_vec_push(&c->ctx->arena, &w->after, (size_t)SIZE_MAX)) {
        sp_oom(c->ctx);
        return false;
    }
    return expect_pair(c, w, p->key, p->value);
}

static void replace_with(mapwork *w, size_t j, const sp_ptext *from, const sp_doc_pair *p)
{
    w->action[j] = SP_PAIR_REPLACE;
    memset(&w->replace[j], 0, sizeof w->replace[j]);
    w->replace[j].key = sp_doc_text(p->key);
    w->replace[j].from = from;
    w->replace[j].pair = p;
}

/* Adds the edits of `w` and its expected mapping as the value of root key
 * `name` in `expect_root` (a new root pair when NEW lacks the section). */
static bool finish(composer *c, mapwork *w, const char *name, sp_doc *expect_root)
{
    sp_ctx *ctx = c->ctx;
    sp_doc *exp = sp_doc_new(ctx, SP_DOC_MAP);
    if (!exp) {
        sp_oom(ctx);
        return false;
    }
    exp->u.map.pairs = w->expect.items;
    exp->u.map.len = w->expect.len;
    if (w->map) {
        sp_map_edit me = {w->map, w->action, w->replace, w->ins.items, w->after.items, w->ins.len};
        if (!sp_patch_map(&c->edits, &me))
            return false;
        for (size_t i = 0; i < expect_root->u.map.len; i++)
            if (sp_doc_text_eq(expect_root->u.map.pairs[i].key, name))
                expect_root->u.map.pairs[i].value = exp;
        return true;
    }
    if (!w->ins.len)
        return true;
    sp_item sec;
    memset(&sec, 0, sizeof sec);
    sec.key = name;
    sec.children = w->ins.items;
    sec.nchildren = w->ins.len;
    sp_doc *key = sp_doc_new_scalar(ctx, SP_DOC_STRING, name, strlen(name));
    sp_doc_pair p = {key, exp};
    if (!key || !sp_vec_push(&ctx->arena, &c->root_items, sec) ||
        !sp_vec_push(&ctx->arena, &c->expect_root_extra, p)) {
        sp_oom(ctx);
        return false;
    }
    return true;
}

static bool note(composer *c, const char ***list, size_t *n, const char *what)
{
    const char **nl = sp_arena_calloc(&c->ctx->arena, *n + 2, sizeof *nl);
    if (!nl) {
        sp_oom(c->ctx);
        return false;
    }
    if (*n)
        memcpy(nl, *list, *n * sizeof *nl);
    nl[(*n)++] = what;
    *list = nl;
    return true;
}

/* Whether a definition's references (Ref, Fn::GetAtt, Fn::Sub, and its
 * DependsOn) all resolve among `present` and the side's parameters. */
static bool def_resolves(const composer *c, const sp_doc *def, const names *present,
                         const side *s)
{
    if (!resolves(c->ctx, def, present, s))
        return false;
    const sp_doc *dep = def->kind == SP_DOC_MAP ? sp_doc_get(def, "DependsOn") : NULL;
    size_t n = !dep ? 0 : dep->kind == SP_DOC_SEQ ? dep->u.seq.len : 1;
    for (size_t i = 0; i < n; i++) {
        const sp_doc *d = dep->kind == SP_DOC_SEQ ? dep->u.seq.items[i] : dep;
        if (sp_doc_is_scalar(d) && d->kind != SP_DOC_NULL && !has(present, sp_doc_text(d)))
            return false;
    }
    return true;
}

static int hosted_version(const sp_model *m, const unsigned char *to_new, uint32_t host);

enum { TAKE_NEW, TAKE_OLD, TAKE_NONE, TAKE_EITHER, TAKE_GONE };

/* Components.  A component at its NEW version keeps NEW's text; at its
 * OLD version it gets OLD's (or is left out when OLD lacks it).  An
 * unchanged component (its definitions differ at most in what cannot
 * change reachability: Metadata, DependsOn, Tags …) keeps NEW's text when
 * that text's references resolve in the phase, else takes OLD's.  Fills
 * `present` with the components the phase defines. */
static bool mix_components(composer *c, const sp_patch_profile *prof, mapwork *w, names *present)
{
    sp_ctx *ctx = c->ctx;
    const sp_doc *nsec = w->map;
    const sp_doc *osec = section(c->old.t, prof->section);
    size_t n = nsec ? nsec->u.map.len : 0;
    unsigned char *take = sp_arena_calloc(&ctx->arena, n + 1, 1);
    const sp_doc_pair **olds = sp_arena_calloc(&ctx->arena, n + 1, sizeof *olds);
    if (!take || !olds) {
        sp_oom(ctx);
        return false;
    }
    for (size_t j = 0; j < n; j++) {
        const char *key = sp_doc_text(nsec->u.map.pairs[j].key);
        uint32_t k = sp_model_find(c->m, key);
        const sp_component *comp = k == SP_NONE ? NULL : &c->m->components.items[k];
        olds[j] = (!comp || comp->def_old) ? ix_pair(&c->old.ix[SEC_RES], key) : NULL;
        if (!comp)
            take[j] = TAKE_EITHER; /* no component: absent in every state (Condition) */
        else if (comp->change == SP_CHANGE_UNCHANGED) {
            int hosted = hosted_version(c->m, c->to_new, k);
            take[j] = hosted < 0 ? (olds[j] ? TAKE_EITHER : TAKE_NEW)
                      : hosted || !olds[j] ? TAKE_NEW
                                           : TAKE_OLD;
        }
        else if (c->to_new[k])
            take[j] = TAKE_NEW;
        else
            take[j] = olds[j] ? TAKE_OLD : TAKE_NONE;
        if (take[j] != TAKE_NONE && !put(ctx, present, key))
            return false;
    }
    /* Components only OLD defines, still at their OLD version. */
    SP_VEC(const sp_doc_pair *) appended = {0};
    for (size_t j = 0; osec && j < osec->u.map.len; j++) {
        const sp_doc_pair *p = &osec->u.map.pairs[j];
        const char *key = sp_doc_text(p->key);
        uint32_t k = sp_model_find(c->m, key);
        if (ix_pair(&c->new_.ix[SEC_RES], key) || k == SP_NONE || c->to_new[k] ||
            !c->m->components.items[k].def_old)
            continue;
        if (!sp_vec_push(&ctx->arena, &appended, p) || !put(ctx, present, key)) {
            sp_oom(ctx);
            return false;
        }
    }
    bool cfn = prof == &sp_profile_cfn;
    /* Entries whose version does not matter (unchanged components, and
     * resources that exist in no state because their Condition is false)
     * take NEW's text when it resolves in the phase, else OLD's; a
     * resource of the second kind whose texts both do not resolve is left
     * out (and, as others may name it, the choice is made again). */
    unsigned char *choice = sp_arena_calloc(&ctx->arena, n + 1, 1);
    if (!choice) {
        sp_oom(ctx);
        return false;
    }
    for (bool again = cfn; again;) {
        again = false;
        for (size_t j = 0; j < n; j++) {
            const sp_doc_pair *p = &nsec->u.map.pairs[j];
            if (take[j] != TAKE_EITHER || choice[j] == TAKE_GONE)
                continue;
            if (def_resolves(c, p->value, present, &c->new_))
                choice[j] = TAKE_NEW;
            else if (olds[j] && def_resolves(c, olds[j]->value, present, &c->old))
                choice[j] = TAKE_OLD;
            else if (sp_model_find(c->m, sp_doc_text(p->key)) == SP_NONE) {
                choice[j] = TAKE_GONE;
                if (!drop(ctx, present, sp_doc_text(p->key)))
                    return false;
                again = true;
            } else {
                choice[j] = TAKE_NONE; /* neither resolves: reported below */
            }
        }
    }
    for (size_t j = 0; j < n; j++) {
        const sp_doc_pair *p = &nsec->u.map.pairs[j];
        const char *key = sp_doc_text(p->key);
        if (take[j] == TAKE_EITHER) {
            take[j] = !cfn ? TAKE_NEW : choice[j];
            if (take[j] == TAKE_NONE) {
                sp_error(ctx, sp_doc_loc(p->key),
                         "'%s' is unchanged, but neither its OLD nor its NEW definition has "
                         "all it names (Ref, Fn::GetAtt, Fn::Sub, DependsOn) in the "
                         "configuration of this phase; snipeproof cannot write it",
                         key);
                return false;
            }
        }
        if (take[j] == TAKE_NEW) {
            if (!expect_pair(c, w, p->key, p->value))
                return false;
            walk(&c->new_.need, p->value, 0);
        } else if (take[j] == TAKE_OLD) {
            replace_with(w, j, c->old.t, olds[j]);
            if (!expect_pair(c, w, olds[j]->key, olds[j]->value) ||
                (sp_model_find(c->m, key) != SP_NONE &&
                 !note(c, &c->info->kept_old, &c->info->nkept_old, key)) ||
                !depends_of(c, olds[j]->value))
                return false;
            walk(&c->old.need, olds[j]->value, 0);
        } else {
            w->action[j] = SP_PAIR_DELETE;
            if (take[j] == TAKE_NONE && !note(c, &c->info->absent, &c->info->nabsent, key))
                return false;
        }
    }
    for (size_t i = 0; i < appended.len; i++) {
        const sp_doc_pair *p = appended.items[i];
        if (!append_item(c, w, c->old.t, p) ||
            !note(c, &c->info->kept_old, &c->info->nkept_old, sp_doc_text(p->key)))
            return false;
        walk(&c->old.need, p->value, 0);
        if (!depends_of(c, p->value))
            return false;
    }
    /* Resources only OLD has whose Condition is false (no component, in
     * no state) but that the definitions taken from OLD name (in a dead
     * Fn::If branch, or their DependsOn): they come along, as they are in
     * OLD, or the phase would not load. */
    const sp_doc *osec2 = c->old.ix[SEC_RES].map;
    for (bool more = cfn && osec2; more;) {
        more = false;
        for (size_t j = 0; j < osec2->u.map.len; j++) {
            const sp_doc_pair *p = &osec2->u.map.pairs[j];
            const char *key = sp_doc_text(p->key);
            if (has(present, key) || ix_pair(&c->new_.ix[SEC_RES], key) ||
                sp_model_find(c->m, key) != SP_NONE ||
                (!has(&c->old.need.name, key) && !has(&c->old.need.resource, key) &&
                 !has(&c->old_depends, key)))
                continue;
            if (!append_item(c, w, c->old.t, p) || !put(ctx, present, key))
                return false;
            walk(&c->old.need, p->value, 0);
            if (!depends_of(c, p->value))
                return false;
            more = true;
        }
    }
    return true;
}

static bool mix_outputs(composer *c, mapwork *w, const names *present)
{
    const sp_doc *nout = w->map;
    for (size_t j = 0; nout && j < nout->u.map.len; j++) {
        const sp_doc_pair *p = &nout->u.map.pairs[j];
        if (resolves(c->ctx, p->value, present, &c->new_)) {
            if (!expect_pair(c, w, p->key, p->value))
                return false;
            walk(&c->new_.need, p->value, 0);
            continue;
        }
        const sp_doc_pair *op = ix_pair(&c->old.ix[SEC_OUTS], sp_doc_text(p->key));
        if (op && resolves(c->ctx, op->value, present, &c->old)) {
            replace_with(w, j, c->old.t, op);
            if (!expect_pair(c, w, op->key, op->value) ||
                !note(c, &c->info->sections_old, &c->info->nsections_old,
                      sp_arena_printf(&c->ctx->arena, "output '%s'", sp_doc_text(p->key))))
                return false;
            walk(&c->old.need, op->value, 0);
        } else {
            w->action[j] = SP_PAIR_DELETE;
        }
    }
    return true;
}

static const char *singular(const char *sec)
{
    return !strcmp(sec, "Parameters") ? "parameter"
           : !strcmp(sec, "Conditions") ? "condition"
                                        : "mapping";
}

/* Parameters, Conditions or Mappings. */
/* Whether OLD's and NEW's entries of one name mean the same to the
 * definitions that use them: equal; for parameters, the same Type and
 * Default (descriptions, constraints and labels only document or check
 * the value the stack is given). */
static bool same_meaning(int ns, const sp_doc *a, const sp_doc *b)
{
    if (sp_doc_equal(a, b))
        return true;
    if (ns != NS_NAME || a->kind != SP_DOC_MAP || b->kind != SP_DOC_MAP)
        return false;
    static const char *const keys[] = {"Type", "Default"};
    for (size_t i = 0; i < 2; i++) {
        const sp_doc *x = sp_doc_get(a, keys[i]), *y = sp_doc_get(b, keys[i]);
        if ((x || y) && (!x || !y || !sp_doc_equal(x, y)))
            return false;
    }
    return true;
}

static bool clash(composer *c, const sp_doc *at, const char *key, const char *which)
{
    sp_error(c->ctx, sp_doc_loc(at),
             "'%s' is a parameter of %s and, in the configuration of this phase, a resource "
             "(a component at its %s version) that is needed too; snipeproof cannot write it "
             "(rename one of them, or split the change)",
             key, which, !strcmp(which, "NEW") ? "old" : "new");
    return false;
}

/* Parameters, Conditions or Mappings.  `present`: the phase's resources
 * (a parameter may not share a resource's name). */
static bool mix_entries(composer *c, mapwork *w, const char *name, int ns, const names *present)
{
    sp_ctx *ctx = c->ctx;
    int sec = ns == NS_NAME ? SEC_PARAMS : ns == NS_CONDITION ? SEC_CONDS : SEC_MAPS;
    const sp_doc *nsec = w->map, *osec = c->old.ix[sec].map;
    for (size_t j = 0; nsec && j < nsec->u.map.len; j++) {
        const sp_doc_pair *p = &nsec->u.map.pairs[j];
        const char *key = sp_doc_text(p->key);
        if (ns == NS_NAME && has(present, key)) {
            /* NEW's parameter K, while OLD's resource K is in the phase. */
            if (needed(&c->new_, ns, key))
                return clash(c, p->key, key, "NEW");
            w->action[j] = SP_PAIR_DELETE;
            continue;
        }
        const sp_doc_pair *op = ix_pair(&c->old.ix[sec], key);
        bool need_old = op && needed(&c->old, ns, key);
        if (!need_old || same_meaning(ns, op->value, p->value)) {
            if (!expect_pair(c, w, p->key, p->value))
                return false;
            continue;
        }
        if (needed(&c->new_, ns, key) && ns != NS_NAME && c->rename_conds) {
            /* Both versions needed: OLD's gets a name of its own. */
            if (!put(ctx, ns == NS_CONDITION ? c->rename_conds : c->rename_maps, key))
                return false;
            if (!expect_pair(c, w, p->key, p->value))
                return false;
            continue;
        }
        if (needed(&c->new_, ns, key)) {
            /* (Conditions and mappings get here on the second pass only,
             * which renaming makes impossible.) */
            sp_error(ctx, sp_doc_loc(op->key),
                     "the %s '%s' %s, and the configuration of this phase needs both: OLD's "
                     "for the components kept at their old version, NEW's for the others; "
                     "snipeproof cannot write it (rename one of them, or split the change)",
                     singular(name), key,
                     ns == NS_NAME ? "has another Type or Default in OLD than in NEW"
                                   : "is defined differently in OLD and NEW");
            return false;
        }
        replace_with(w, j, c->old.t, op);
        if (!expect_pair(c, w, op->key, op->value) ||
            !note(c, &c->info->sections_old, &c->info->nsections_old,
                  sp_arena_printf(&ctx->arena, "%s '%s'", singular(name), key)))
            return false;
    }
    for (size_t j = 0; osec && j < osec->u.map.len; j++) {
        const sp_doc_pair *p = &osec->u.map.pairs[j];
        const char *key = sp_doc_text(p->key);
        if (ix_pair(&c->new_.ix[sec], key) || !needed(&c->old, ns, key))
            continue;
        if (ns == NS_NAME && has(present, key))
            return clash(c, p->key, key, "OLD");
        if (!append_item(c, w, c->old.t, p) ||
            !note(c, &c->info->sections_old, &c->info->nsections_old,
                  sp_arena_printf(&ctx->arena, "%s '%s'", singular(name), key)))
            return false;
    }
    if (nsec || !w->ins.len)
        return true;
    if (sp_doc_get(c->new_.t->root, name)) {
        sp_error(ctx, sp_doc_loc(sp_doc_get(c->new_.t->root, name)),
                 "the phase needs OLD's %s here, but NEW's %s is not a mapping", name, name);
        return false;
    }
    return true;
}

static char *compose(sp_ctx *ctx, const sp_model *m, const unsigned char *to_new,
                     const sp_ptext *oldt, const sp_ptext *newt, const sp_patch_profile *prof,
                     size_t *len_out, sp_phase_info *info, sp_doc **expect, names *rconds,
                     names *rmaps)
{
    composer c;
    memset(&c, 0, sizeof c);
    memset(info, 0, sizeof *info);
    c.rename_conds = rconds;
    c.rename_maps = rmaps;
    c.ctx = ctx;
    c.m = m;
    c.to_new = to_new;
    c.info = info;
    c.edits.pt = newt;
    c.old.t = oldt;
    c.new_.t = newt;
    c.old.need.ctx = c.new_.need.ctx = ctx;
    bool cfn = prof == &sp_profile_cfn;
    static const char *const sec_names[NSEC] = {"Parameters", "Conditions", "Mappings", NULL,
                                                "Outputs"};
    for (int i = 0; i < NSEC; i++) {
        const char *name = i == SEC_RES ? prof->section : sec_names[i];
        if (!ix_build(ctx, &c.old.ix[i], section(oldt, name)) ||
            !ix_build(ctx, &c.new_.ix[i], section(newt, name)))
            return NULL;
    }

    sp_doc *root = sp_doc_new(ctx, SP_DOC_MAP);
    sp_doc_pair *rp = sp_arena_calloc(&ctx->arena, newt->root->u.map.len + 1, sizeof *rp);
    if (!root || !rp) {
        sp_oom(ctx);
        return NULL;
    }
    memcpy(rp, newt->root->u.map.pairs, newt->root->u.map.len * sizeof *rp);
    root->u.map.pairs = rp;
    root->u.map.len = newt->root->u.map.len;

    names present;
    memset(&present, 0, sizeof present);
    mapwork comps;
    if (!mapwork_init(&c, &comps, section(newt, prof->section)) ||
        !mix_components(&c, prof, &comps, &present) || !finish(&c, &comps, prof->section, root))
        return NULL;
    if (cfn) {
        /* NEW's rules keep their parameters. */
        walk(&c.new_.need, sp_doc_get(newt->root, "Rules"), 0);
        mapwork outs;
        if (!mapwork_init(&c, &outs, section(newt, "Outputs")) || !mix_outputs(&c, &outs, &present) ||
            !finish(&c, &outs, "Outputs", root))
            return NULL;
        close_needs(&c.old);
        close_needs(&c.new_);
        if (c.old.need.oom || c.new_.need.oom) {
            sp_oom(ctx);
            return NULL;
        }
        static const char *const secs[] = {"Parameters", "Conditions", "Mappings"};
        static const int nss[] = {NS_NAME, NS_CONDITION, NS_MAPPING};
        for (size_t s = 0; s < 3; s++) {
            mapwork w;
            if (!mapwork_init(&c, &w, section(newt, secs[s])) || !mix_entries(&c, &w, secs[s], nss[s], &present) ||
                !finish(&c, &w, secs[s], root))
                return NULL;
        }
    }
    if (c.root_items.len) {
        size_t after = SIZE_MAX;
        size_t *afters = sp_arena_calloc(&ctx->arena, c.root_items.len, sizeof *afters);
        if (!afters) {
            sp_oom(ctx);
            return NULL;
        }
        for (size_t i = 0; i < c.root_items.len; i++)
            afters[i] = after;
        sp_map_edit me = {newt->root, NULL, NULL, c.root_items.items, afters, c.root_items.len};
        if (!sp_patch_map(&c.edits, &me))
            return NULL;
        sp_doc_pair *all = sp_arena_calloc(&ctx->arena, root->u.map.len + c.expect_root_extra.len + 1,
                                           sizeof *all);
        if (!all) {
            sp_oom(ctx);
            return NULL;
        }
        memcpy(all, root->u.map.pairs, root->u.map.len * sizeof *all);
        memcpy(all + root->u.map.len, c.expect_root_extra.items,
               c.expect_root_extra.len * sizeof *all);
        root->u.map.pairs = all;
        root->u.map.len += c.expect_root_extra.len;
    }
    *expect = root;
    if (rconds && (rconds->v.len || rmaps->v.len))
        return NULL; /* to be composed again, with OLD's names changed */
    return sp_edits_apply(&c.edits, len_out);
}

/* ---- renaming OLD's conditions and mappings ------------------------------ */

typedef struct renamer {
    sp_edits edits;
    const names *conds, *maps;
    const char **cond_to, **map_to; /* new names, parallel to conds->v, maps->v */
    bool ok;
} renamer;

static const char *renamed(const names *set, const char **to, const sp_doc *d)
{
    if (!d || d->kind != SP_DOC_STRING)
        return NULL;
    for (size_t i = 0; i < set->v.len; i++)
        if (!strcmp(set->v.items[i], d->u.scalar.text))
            return to[i];
    return NULL;
}

/* Replaces a scalar's text (inside its quotes, when quoted). */
static void rename_at(renamer *r, const sp_doc *d, const char *to)
{
    uint32_t off = d->off, end = d->end;
    if ((d->flags & SP_DOC_QUOTED) && end - off >= 2) {
        off++;
        end--;
    }
    r->ok = r->ok && sp_edits_add(&r->edits, off, end, to, strlen(to));
}

static void rename_walk(renamer *r, const sp_doc *d, unsigned depth)
{
    if (!d || depth > SP_MAX_DEPTH + 8)
        return;
    if (d->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < d->u.seq.len; i++)
            rename_walk(r, d->u.seq.items[i], depth + 1);
        return;
    }
    if (d->kind != SP_DOC_MAP)
        return;
    for (size_t i = 0; i < d->u.map.len; i++) {
        const sp_doc *k = d->u.map.pairs[i].key, *v = d->u.map.pairs[i].value;
        const sp_doc *a0 = v->kind == SP_DOC_SEQ && v->u.seq.len ? v->u.seq.items[0] : NULL;
        const char *to;
        if (d->u.map.len == 1 && sp_doc_text_eq(k, "Fn::FindInMap") &&
            (to = renamed(r->maps, r->map_to, a0)))
            rename_at(r, a0, to);
        else if (d->u.map.len == 1 && sp_doc_text_eq(k, "Fn::If") &&
                 (to = renamed(r->conds, r->cond_to, a0)))
            rename_at(r, a0, to);
        else if (sp_doc_text_eq(k, "Condition") && (to = renamed(r->conds, r->cond_to, v)))
            rename_at(r, v, to);
        rename_walk(r, v, depth + 1);
    }
}

/* A name like `base` + "Old" that no section of either template uses. */
static const char *fresh_name(sp_ctx *ctx, const sp_ptext *oldt, const sp_ptext *newt,
                              const char *base)
{
    static const char *const secs[] = {"Parameters", "Conditions", "Mappings", "Resources",
                                       "Outputs"};
    for (unsigned n = 1; n < 1000; n++) {
        char *cand = n == 1 ? sp_arena_printf(&ctx->arena, "%sOld", base)
                            : sp_arena_printf(&ctx->arena, "%sOld%u", base, n);
        if (!cand)
            return NULL;
        bool used = false;
        for (size_t s = 0; s < 5 && !used; s++)
            used = sp_doc_get(section(oldt, secs[s]), cand) ||
                   sp_doc_get(section(newt, secs[s]), cand);
        if (!used)
            return cand;
    }
    return NULL;
}

/* OLD with the conditions and mappings of the two sets renamed (their
 * keys and every mention), read back; NULL with an error on failure. */
static sp_ptext *rename_old(sp_ctx *ctx, const sp_ptext *oldt, const sp_ptext *newt,
                            const names *conds, const names *maps, sp_phase_info *info)
{
    renamer r;
    memset(&r, 0, sizeof r);
    r.edits.pt = oldt;
    r.conds = conds;
    r.maps = maps;
    r.ok = true;
    r.cond_to = sp_arena_calloc(&ctx->arena, conds->v.len + 1, sizeof *r.cond_to);
    r.map_to = sp_arena_calloc(&ctx->arena, maps->v.len + 1, sizeof *r.map_to);
    if (!r.cond_to || !r.map_to) {
        sp_oom(ctx);
        return NULL;
    }
    for (int kind = 0; kind < 2; kind++) {
        const names *set = kind ? maps : conds;
        const char **to = kind ? r.map_to : r.cond_to;
        const sp_doc *sec = section(oldt, kind ? "Mappings" : "Conditions");
        for (size_t i = 0; i < set->v.len; i++) {
            to[i] = fresh_name(ctx, oldt, newt, set->v.items[i]);
            const sp_doc_pair *p = sp_doc_get_pair(sec, set->v.items[i]);
            if (!to[i] || !p) {
                sp_error(ctx, SP_NO_LOC, "internal: no new name for %s '%s'",
                         kind ? "mapping" : "condition", set->v.items[i]);
                return NULL;
            }
            rename_at(&r, p->key, to[i]);
            const char *what = sp_arena_printf(&ctx->arena, "%s '%s' (OLD's, as '%s')",
                                               kind ? "mapping" : "condition",
                                               set->v.items[i], to[i]);
            const char **nl = sp_arena_calloc(&ctx->arena, info->nsections_old + 2, sizeof *nl);
            if (!what || !nl) {
                sp_oom(ctx);
                return NULL;
            }
            if (info->nsections_old)
                memcpy(nl, info->sections_old, info->nsections_old * sizeof *nl);
            nl[info->nsections_old++] = what;
            info->sections_old = nl;
        }
    }
    rename_walk(&r, oldt->root, 0);
    if (!r.ok)
        return NULL;
    size_t len;
    char *text = sp_edits_apply(&r.edits, &len);
    if (!text)
        return NULL;
    const char *name = sp_arena_printf(&ctx->arena, "%s (renamed)",
                                       sp_source_get(ctx, oldt->src)->path);
    return name ? sp_ptext_from(ctx, name, text, len) : NULL;
}

/* Components written inside another's text (SAM writes an API's routes in
 * its functions' Events: sp_cowritten).  An unchanged host is written at
 * the version of the parts it carries: -1 when it carries none (then its
 * version does not matter), else 0 (OLD) or 1 (NEW), the first part's. */
static int hosted_version(const sp_model *m, const unsigned char *to_new, uint32_t host)
{
    for (size_t i = 0; i < m->cowritten.len; i++)
        if (m->cowritten.items[i].host == host)
            return to_new[m->cowritten.items[i].part] != 0;
    return -1;
}

/* Whether component k exists in the step. */
static bool in_step(const sp_model *m, const unsigned char *to_new, uint32_t k)
{
    sp_change ch = m->components.items[k].change;
    return !(ch == SP_CHANGE_ADDED && !to_new[k]) && !(ch == SP_CHANGE_REMOVED && to_new[k]);
}

static bool written_new(const sp_model *m, const unsigned char *to_new, uint32_t k)
{
    if (k == SP_NONE)
        return true; /* the configuration's own sections are NEW's */
    if (m->components.items[k].change != SP_CHANGE_UNCHANGED)
        return to_new[k];
    return hosted_version(m, to_new, k) != 0;
}

/* One mapping of a text whose pairs are swapped for the other side's. */
typedef struct swap_map {
    const sp_doc *map;
    unsigned char *action;
    sp_item *replace;
    SP_VEC(sp_item) ins;
    SP_VEC(size_t) after;
} swap_map;

typedef SP_VEC(swap_map) swap_vec;

static const sp_doc *at_path(const sp_doc *d, const char *const *path, size_t n)
{
    for (size_t i = 0; d && i < n; i++)
        d = d->kind == SP_DOC_MAP ? sp_doc_get(d, path[i]) : NULL;
    return d;
}

static swap_map *swap_of(sp_ctx *ctx, swap_vec *v, const sp_doc *map)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i].map == map)
            return &v->items[i];
    swap_map w;
    memset(&w, 0, sizeof w);
    w.map = map;
    w.action = sp_arena_calloc(&ctx->arena, map->u.map.len + 1, 1);
    w.replace = sp_arena_calloc(&ctx->arena, map->u.map.len + 1, sizeof *w.replace);
    if (!w.action || !w.replace || !sp_vec_push(&ctx->arena, v, w)) {
        sp_oom(ctx);
        return NULL;
    }
    return &v->items[v->len - 1];
}

/* Where a host is written at another version than a part it carries, the
 * part's subtree must come from the part's version: `from` gives it, `to`
 * (the host's side) takes it, in `v`'s edits of `to`'s text. */
static bool swap_one(sp_ctx *ctx, const sp_model *m, const sp_cowritten *cw, bool part_new,
                     const sp_ptext *to, const sp_ptext *from, const sp_patch_profile *prof,
                     swap_vec *v)
{
    bool top = cw->host == SP_NONE;
    const char *host = top ? "the template" : m->components.items[cw->host].key;
    const char *part = m->components.items[cw->part].key;
    const sp_doc *to_def = top ? to->root : sp_doc_get(section(to, prof->section), host);
    const sp_doc *from_def = top ? from->root : sp_doc_get(section(from, prof->section), host);
    const sp_doc *to_parent = at_path(to_def, cw->path, cw->npath - 1);
    const sp_doc *from_parent = at_path(from_def, cw->path, cw->npath - 1);
    const char *key = cw->path[cw->npath - 1];
    const sp_doc_pair *tp = to_parent && to_parent->kind == SP_DOC_MAP
                                ? sp_doc_get_pair(to_parent, key) : NULL;
    const sp_doc_pair *fp = from_parent && from_parent->kind == SP_DOC_MAP
                                ? sp_doc_get_pair(from_parent, key) : NULL;
    if (!to_parent && fp && cw->npath >= 2) {
        /* The holder (Events, Globals) is missing on the host's side: it
         * is added, holding what is swapped in. */
        const sp_doc *gp = at_path(to_def, cw->path, cw->npath - 2);
        const char *holder = cw->path[cw->npath - 2];
        if (gp && gp->kind == SP_DOC_MAP) {
            swap_map *w = swap_of(ctx, v, gp);
            if (!w)
                return false;
            sp_item *group = NULL;
            for (size_t i = 0; i < w->ins.len && !group; i++)
                if (w->ins.items[i].children && !strcmp(w->ins.items[i].key, holder))
                    group = &w->ins.items[i];
            if (!group) {
                sp_item it;
                memset(&it, 0, sizeof it);
                it.key = holder;
                it.children = sp_arena_calloc(&ctx->arena, m->cowritten.len + 1, sizeof(sp_item));
                if (!it.children || !sp_vec_push(&ctx->arena, &w->ins, it) ||
                    !sp_vec_push(&ctx->arena, &w->after, (size_t)SIZE_MAX)) {
                    sp_oom(ctx);
                    return false;
                }
                group = &w->ins.items[w->ins.len - 1];
            }
            for (size_t i = 0; i < group->nchildren; i++)
                if (!strcmp(group->children[i].key, key))
                    return true; /* another part shares it */
            sp_item *child = (sp_item *)&group->children[group->nchildren++];
            child->key = key;
            child->from = from;
            child->pair = fp;
            return true;
        }
    }
    if (!to_parent || to_parent->kind != SP_DOC_MAP) {
        if (!fp)
            return true; /* neither side has it */
        const char *holder = cw->npath >= 2 ? cw->path[cw->npath - 2] : "definition";
        sp_error(ctx, cw->loc,
                 "this step needs %s at its %s version and %s at its %s one; the %s of %s "
                 "hold part of %s, but %s as %s has it has nothing to hold them in; "
                 "snipeproof cannot write it",
                 part, part_new ? "new" : "old", host, part_new ? "old" : "new", holder, host,
                 part, host, part_new ? "OLD" : "NEW");
        return false;
    }
    swap_map *w = swap_of(ctx, v, to_parent);
    if (!w)
        return false;
    size_t j = tp ? (size_t)(tp - to_parent->u.map.pairs) : 0;
    if (tp && fp) {
        w->action[j] = SP_PAIR_REPLACE;
        w->replace[j].key = key;
        w->replace[j].from = from;
        w->replace[j].pair = fp;
    } else if (tp) {
        w->action[j] = SP_PAIR_DELETE;
    } else if (fp) {
        for (size_t i = 0; i < w->ins.len; i++)
            if (!strcmp(w->ins.items[i].key, key))
                return true; /* another part shares it */
        sp_item it;
        memset(&it, 0, sizeof it);
        it.key = key;
        it.from = from;
        it.pair = fp;
        if (!sp_vec_push(&ctx->arena, &w->ins, it) ||
            !sp_vec_push(&ctx->arena, &w->after, (size_t)SIZE_MAX)) {
            sp_oom(ctx);
            return false;
        }
    }
    return true;
}

/* `t` with the swaps of `v` carried out (or `t` itself when there are
 * none), read again. */
static const sp_ptext *swapped(sp_ctx *ctx, const sp_ptext *t, const swap_vec *v)
{
    if (!v->len)
        return t;
    sp_edits e;
    memset(&e, 0, sizeof e);
    e.pt = t;
    for (size_t i = 0; i < v->len; i++) {
        const swap_map *w = &v->items[i];
        sp_map_edit me = {w->map, w->action, w->replace, w->ins.items, w->after.items,
                          w->ins.len};
        if (!sp_patch_map(&e, &me))
            return NULL;
    }
    size_t len;
    char *text = sp_edits_apply(&e, &len);
    const char *name = text ? sp_arena_printf(&ctx->arena, "%s (with routes of the other version)",
                                              sp_source_get(ctx, t->src)->path)
                            : NULL;
    return name ? sp_ptext_from(ctx, name, text, len) : NULL;
}

/* The texts a step is composed from when hosts carry parts at another
 * version: *oldt and *newt with those parts' subtrees swapped in. */
static bool swap_cowritten(sp_ctx *ctx, const sp_model *m, const unsigned char *to_new,
                           const sp_patch_profile *prof, const sp_ptext **oldt,
                           const sp_ptext **newt)
{
    swap_vec in_old = {0}, in_new = {0};
    for (size_t i = 0; i < m->cowritten.len; i++) {
        const sp_cowritten *cw = &m->cowritten.items[i];
        if (!in_step(m, to_new, cw->part))
            continue;
        bool part_new = written_new(m, to_new, cw->part);
        bool host_new = written_new(m, to_new, cw->host);
        /* Parts that share one subtree of the template's own sections
         * (SAM's Globals) must be at one version. */
        for (size_t j = 0; cw->host == SP_NONE && j < i; j++) {
            const sp_cowritten *o = &m->cowritten.items[j];
            if (!sp_cowritten_same_place(o, cw) || !in_step(m, to_new, o->part) ||
                written_new(m, to_new, o->part) == part_new)
                continue;
            const char *a = m->components.items[o->part].key;
            const char *b = m->components.items[cw->part].key;
            sp_error(ctx, cw->loc,
                     "this step needs %s at its %s version and %s at its %s one, but both "
                     "take part of their definitions from here; snipeproof cannot write it",
                     a, part_new ? "old" : "new", b, part_new ? "new" : "old");
            return false;
        }
        if (part_new == host_new)
            continue;
        if (!cw->npath) {
            sp_error(ctx, cw->loc,
                     "this step needs %s and %s, whose text holds part of it, at different "
                     "versions; snipeproof cannot write it",
                     m->components.items[cw->part].key,
                     cw->host == SP_NONE ? "the template" : m->components.items[cw->host].key);
            return false;
        }
        if (!*oldt || !swap_one(ctx, m, cw, part_new, host_new ? *newt : *oldt,
                                host_new ? *oldt : *newt, prof, host_new ? &in_new : &in_old))
            return false;
    }
    const sp_ptext *o = *oldt ? swapped(ctx, *oldt, &in_old) : NULL;
    const sp_ptext *n = swapped(ctx, *newt, &in_new);
    if ((*oldt && !o) || !n)
        return false;
    *oldt = o;
    *newt = n;
    return true;
}

char *sp_phase_compose(sp_ctx *ctx, const sp_model *m, const unsigned char *to_new,
                       const sp_ptext *oldt, const sp_ptext *newt,
                       const sp_patch_profile *prof, size_t *len_out, sp_phase_info *info,
                       sp_doc **expect)
{
    if (!swap_cowritten(ctx, m, to_new, prof, &oldt, &newt))
        return NULL;
    names rconds, rmaps;
    memset(&rconds, 0, sizeof rconds);
    memset(&rmaps, 0, sizeof rmaps);
    char *text = compose(ctx, m, to_new, oldt, newt, prof, len_out, info, expect, &rconds, &rmaps);
    if (text || (!rconds.v.len && !rmaps.v.len))
        return text;
    /* Conditions or mappings both versions need: OLD's are renamed (in all
     * of OLD, which keeps its meaning) and the phase composed again. */
    sp_phase_info renames;
    memset(&renames, 0, sizeof renames);
    const sp_ptext *old2 = rename_old(ctx, oldt, newt, &rconds, &rmaps, &renames);
    if (!old2)
        return NULL;
    text = compose(ctx, m, to_new, old2, newt, prof, len_out, info, expect, NULL, NULL);
    info->nrenamed = rconds.v.len + rmaps.v.len;
    if (text && renames.nsections_old) {
        /* Say which were renamed (not again under their new names), then
         * what else came from OLD. */
        size_t n = 0;
        for (size_t i = 0; i < info->nsections_old; i++) {
            bool dup = false;
            for (size_t j = 0; j < renames.nsections_old && !dup; j++) {
                const char *as = strstr(renames.sections_old[j], "as '");
                const char *q = strchr(info->sections_old[i], '\'');
                dup = as && q && !strncmp(q, as + 3, strlen(q));
            }
            if (!dup)
                info->sections_old[n++] = info->sections_old[i];
        }
        info->nsections_old = n;
        const char **all = sp_arena_calloc(&ctx->arena,
                                           renames.nsections_old + info->nsections_old + 1,
                                           sizeof *all);
        if (!all) {
            sp_oom(ctx);
            return NULL;
        }
        memcpy(all, renames.sections_old, renames.nsections_old * sizeof *all);
        if (info->nsections_old)
            memcpy(all + renames.nsections_old, info->sections_old,
                   info->nsections_old * sizeof *all);
        info->sections_old = all;
        info->nsections_old += renames.nsections_old;
    }
    return text;
}
