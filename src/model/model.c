#include "model.h"

#include <stdlib.h>
#include <string.h>

void sp_model_init(sp_model *m, sp_ctx *ctx, sp_engine engine)
{
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
    m->engine = engine;
}

uint32_t sp_model_add_component(sp_model *m, const char *key, const char *type)
{
    sp_component c;
    memset(&c, 0, sizeof c);
    c.key = sp_arena_strdup(&m->ctx->arena, key);
    c.type = sp_arena_strdup(&m->ctx->arena, type ? type : "");
    c.inst_old = c.inst_new = SP_NONE;
    c.loc_old = c.loc_new = SP_NO_LOC;
    c.modeled = true;
    sp_name name = sp_intern(&m->ctx->names, key);
    while (name && m->by_name.len <= name)
        if (!sp_vec_push(&m->ctx->arena, &m->by_name, SP_NONE))
            name = 0;
    if (!name || !c.key || !c.type || !sp_vec_push(&m->ctx->arena, &m->components, c)) {
        sp_oom(m->ctx);
        return SP_NONE;
    }
    uint32_t id = (uint32_t)(m->components.len - 1);
    m->by_name.items[name] = id;
    return id;
}

bool sp_cowritten_same_place(const sp_cowritten *a, const sp_cowritten *b)
{
    if (a->host != b->host || a->npath != b->npath)
        return false;
    for (size_t i = 0; i < a->npath; i++)
        if (strcmp(a->path[i], b->path[i]) != 0)
            return false;
    return true;
}

uint32_t sp_model_add_instance(sp_model *m, uint32_t component, sp_version v, sp_label label,
                               sp_loc loc)
{
    sp_instance in;
    memset(&in, 0, sizeof in);
    in.component = component;
    in.version = v;
    in.label = label;
    in.loc = loc;
    in.deps_first = (uint32_t)m->deps.len;
    in.facts_first = (uint32_t)m->facts.len;
    if (!sp_vec_push(&m->ctx->arena, &m->instances, in)) {
        sp_oom(m->ctx);
        return SP_NONE;
    }
    uint32_t id = (uint32_t)(m->instances.len - 1);
    sp_component *c = &m->components.items[component];
    if (v != SP_VER_NEW)
        c->inst_old = id;
    if (v != SP_VER_OLD)
        c->inst_new = id;
    return id;
}

static sp_instance *current(sp_model *m)
{
    return m->instances.len ? &m->instances.items[m->instances.len - 1] : NULL;
}

bool sp_model_add_dep(sp_model *m, uint32_t component, sp_loc loc, bool declared)
{
    sp_instance *in = current(m);
    sp_dep d = {component, loc, declared};
    if (!in || !sp_vec_push(&m->ctx->arena, &m->deps, d)) {
        sp_oom(m->ctx);
        return false;
    }
    in->deps_count++;
    return true;
}

sp_fact *sp_model_add_fact(sp_model *m, sp_fact_kind kind, sp_loc loc)
{
    sp_instance *in = current(m);
    sp_fact f;
    memset(&f, 0, sizeof f);
    f.kind = (uint8_t)kind;
    f.owner = (uint32_t)(m->instances.len - 1);
    f.loc = loc;
    f.a.component = f.b.component = SP_NONE;
    f.slots_first = (uint32_t)m->slot_refs.len;
    if (!in || !sp_vec_push(&m->ctx->arena, &m->facts, f)) {
        sp_oom(m->ctx);
        return NULL;
    }
    in->facts_count++;
    return &m->facts.items[m->facts.len - 1];
}

bool sp_model_edge_slot(sp_model *m, sp_fact *edge, sp_ref slot)
{
    /* Slots of one edge are contiguous: add them right after the edge. */
    if (edge->slots_first + edge->slots_count != m->slot_refs.len)
        return false;
    if (!sp_vec_push(&m->ctx->arena, &m->slot_refs, slot)) {
        sp_oom(m->ctx);
        return false;
    }
    edge->slots_count++;
    return true;
}

uint32_t sp_model_find(const sp_model *m, const char *key)
{
    sp_name name = sp_intern_find(&m->ctx->names, key, strlen(key));
    return name && name < m->by_name.len ? m->by_name.items[name] : SP_NONE;
}

void sp_model_note_unmodeled(sp_model *m, const char *type)
{
    m->n_unmodeled++;
    size_t i = 0;
    while (i < m->unmodeled_types.len && strcmp(m->unmodeled_types.items[i], type) < 0)
        i++;
    if (i < m->unmodeled_types.len && strcmp(m->unmodeled_types.items[i], type) == 0)
        return;
    const char *copy = sp_arena_strdup(&m->ctx->arena, type);
    if (!copy || !sp_vec_push(&m->ctx->arena, &m->unmodeled_types, copy)) {
        sp_oom(m->ctx);
        return;
    }
    memmove(&m->unmodeled_types.items[i + 1], &m->unmodeled_types.items[i],
            (m->unmodeled_types.len - 1 - i) * sizeof(const char *));
    m->unmodeled_types.items[i] = copy;
}

/* ---- the update ---- */

static uint32_t add_event(sp_update *u, sp_event_kind kind, sp_phase phase, uint32_t comp)
{
    sp_event e = {kind, phase, comp};
    if (!sp_vec_push(&u->model->ctx->arena, &u->events, e))
        return SP_NONE;
    return (uint32_t)(u->events.len - 1);
}

bool sp_update_add_order(sp_update *u, uint32_t before, uint32_t after, sp_order_reason reason,
                         sp_loc loc)
{
    if (before == after)
        return true;
    sp_order o = {before, after, reason, loc};
    if (!sp_vec_push(&u->model->ctx->arena, &u->order, o)) {
        sp_oom(u->model->ctx);
        return false;
    }
    return true;
}

/* Orders `ev` after (or, `reversed`, before) the events of the components
 * instance `inst` depends on; with `transitive`, a dependency without an
 * event is followed through its instance in `via`.  A component is visited
 * once per event: seen[c] == stamp (a fresh stamp per event, so that no
 * array is cleared per event: that was quadratic in large updates). */
static bool order_deps(sp_update *u, uint32_t inst, uint32_t ev, const uint32_t *events,
                       const uint32_t *via, bool transitive, bool reversed,
                       sp_order_reason reason, uint32_t *seen, uint32_t stamp)
{
    const sp_model *m = u->model;
    const sp_instance *in = &m->instances.items[inst];
    for (uint32_t i = 0; i < in->deps_count; i++) {
        const sp_dep *d = &m->deps.items[in->deps_first + i];
        if (d->component >= m->components.len || seen[d->component] == stamp)
            continue;
        seen[d->component] = stamp;
        uint32_t other = events[d->component];
        bool ok = true;
        if (other != SP_NONE)
            ok = reversed ? sp_update_add_order(u, ev, other, reason, d->loc)
                          : sp_update_add_order(u, other, ev, reason, d->loc);
        else if (transitive && via[d->component] != SP_NONE)
            ok = order_deps(u, via[d->component], ev, events, via, transitive, reversed, reason,
                            seen, stamp);
        if (!ok)
            return false;
    }
    return true;
}

static bool check_acyclic(sp_update *u)
{
    const sp_model *m = u->model;
    size_t n = u->events.len, ne = u->order.len;
    uint32_t *indeg = calloc(n + 1, sizeof *indeg);
    uint32_t *queue = calloc(n + 1, sizeof *queue);
    uint32_t *first = calloc(n + 1, sizeof *first);
    uint32_t *succ = calloc(ne + 1, sizeof *succ);
    bool ok = indeg && queue && first && succ;
    if (!ok) {
        sp_oom(m->ctx);
        goto out;
    }
    for (size_t i = 0; i < ne; i++) {
        indeg[u->order.items[i].after]++;
        first[u->order.items[i].before + 1]++;
    }
    for (size_t i = 0; i < n; i++)
        first[i + 1] += first[i];
    uint32_t *fill = queue; /* reuse as a cursor array before the sort */
    memcpy(fill, first, n * sizeof *fill);
    for (size_t i = 0; i < ne; i++)
        succ[fill[u->order.items[i].before]++] = u->order.items[i].after;
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++)
        if (!indeg[i])
            queue[tail++] = (uint32_t)i;
    while (head < tail) {
        uint32_t e = queue[head++];
        for (uint32_t j = first[e]; j < first[e + 1]; j++)
            if (!--indeg[succ[j]])
                queue[tail++] = succ[j];
    }
    ok = tail == n;
    if (!ok) {
        for (size_t i = 0; i < u->order.len; i++) {
            const sp_order *o = &u->order.items[i];
            if (indeg[o->after] && indeg[o->before]) {
                sp_error(m->ctx, o->loc,
                         "the update's order has a cycle: %s must come before %s, and "
                         "after it",
                         sp_event_describe(u, o->before), sp_event_describe(u, o->after));
                break;
            }
        }
    }
out:
    free(indeg);
    free(queue);
    free(first);
    free(succ);
    return ok;
}

/* The instance standing for component c at a version (0 old, 1 new). */
static uint32_t instance_at(const sp_component *c, unsigned char is_new)
{
    return is_new ? c->inst_new : c->inst_old;
}

bool sp_update_build_mix(sp_update *u, const sp_model *m, const unsigned char *from_new,
                         const unsigned char *to_new, bool transitive)
{
    sp_ctx *ctx = m->ctx;
    memset(u, 0, sizeof *u);
    u->model = m;
    size_t nc = m->components.len, ni = m->instances.len;
    u->presence = sp_arena_calloc(&ctx->arena, ni ? ni : 1, sizeof *u->presence);
    u->main_event = sp_arena_calloc(&ctx->arena, nc ? nc : 1, sizeof *u->main_event);
    u->cleanup_event = sp_arena_calloc(&ctx->arena, nc ? nc : 1, sizeof *u->cleanup_event);
    uint32_t *seen = sp_arena_calloc(&ctx->arena, nc ? nc : 1, sizeof *seen);
    uint32_t stamp = 0;
    uint32_t *via_to = sp_arena_calloc(&ctx->arena, nc ? nc : 1, sizeof *via_to);
    uint32_t *via_from = sp_arena_calloc(&ctx->arena, nc ? nc : 1, sizeof *via_from);
    if (!u->presence || !u->main_event || !u->cleanup_event || !seen || !via_to || !via_from) {
        sp_oom(ctx);
        return false;
    }
    for (size_t i = 0; i < ni; i++) {
        sp_presence p = {false, SP_NONE, SP_NONE};
        u->presence[i] = p;
    }
    bool fleet = m->engine == SP_ENGINE_FLEET;
    sp_phase late = fleet ? SP_PHASE_MAIN : SP_PHASE_CLEANUP;
    for (size_t k = 0; k < nc; k++) {
        const sp_component *c = &m->components.items[k];
        uint32_t from = instance_at(c, from_new[k]), to = instance_at(c, to_new[k]);
        via_to[k] = to;
        via_from[k] = from;
        if (from != SP_NONE)
            u->presence[from].initially = true;
        uint32_t main = SP_NONE, cleanup = SP_NONE;
        if (from_new[k] != to_new[k]) {
            switch (c->change) {
            case SP_CHANGE_UNCHANGED:
                break;
            case SP_CHANGE_MODIFIED:
            case SP_CHANGE_RIPPLE:
                main = add_event(u, SP_EV_UPDATE, SP_PHASE_MAIN, (uint32_t)k);
                break;
            case SP_CHANGE_REPLACED:
                main = add_event(u, SP_EV_CREATE, SP_PHASE_MAIN, (uint32_t)k);
                cleanup = add_event(u, SP_EV_DELETE, late, (uint32_t)k);
                break;
            case SP_CHANGE_ADDED:
                main = from == SP_NONE ? add_event(u, SP_EV_CREATE, SP_PHASE_MAIN, (uint32_t)k)
                                       : SP_NONE;
                cleanup = to == SP_NONE ? add_event(u, SP_EV_DELETE, late, (uint32_t)k) : SP_NONE;
                break;
            case SP_CHANGE_REMOVED:
                main = from == SP_NONE ? add_event(u, SP_EV_CREATE, SP_PHASE_MAIN, (uint32_t)k)
                                       : SP_NONE;
                cleanup = to == SP_NONE ? add_event(u, SP_EV_DELETE, late, (uint32_t)k) : SP_NONE;
                break;
            }
        }
        if (ctx->out_of_memory)
            return false;
        u->main_event[k] = main;
        u->cleanup_event[k] = cleanup;
        if (from == to)
            continue;
        /* An in-place switch happens at its update; a replacement's new
         * instance appears at its create and the old one goes at its
         * delete. */
        if (from != SP_NONE)
            u->presence[from].death =
                main != SP_NONE && c->change != SP_CHANGE_REPLACED ? main : cleanup;
        if (to != SP_NONE)
            u->presence[to].birth = main;
    }
    /* Main phase (and every fleet event): ordered by the target
     * configuration's dependencies. */
    for (size_t k = 0; k < nc; k++) {
        if (u->main_event[k] == SP_NONE || via_to[k] == SP_NONE)
            continue;
        seen[k] = ++stamp;
        sp_order_reason why = fleet ? SP_ORDER_DECLARED : SP_ORDER_DEPENDENCY;
        if (!order_deps(u, via_to[k], u->main_event[k], u->main_event, via_to, transitive, false,
                        why, seen, stamp))
            return false;
    }
    /* Deletes: a dependent goes before what it depends on (source
     * configuration).  In a fleet, a replaced host's new instance comes
     * before its old one goes. */
    for (size_t k = 0; k < nc; k++) {
        const sp_component *c = &m->components.items[k];
        if (u->cleanup_event[k] == SP_NONE || via_from[k] == SP_NONE)
            continue;
        if (fleet && u->main_event[k] != SP_NONE &&
            !sp_update_add_order(u, u->main_event[k], u->cleanup_event[k],
                                 SP_ORDER_REPLACEMENT, c->loc_new))
            return false;
        seen[k] = ++stamp;
        if (!order_deps(u, via_from[k], u->cleanup_event[k], u->cleanup_event, via_from,
                        transitive, true, SP_ORDER_CLEANUP, seen, stamp))
            return false;
    }
    return check_acyclic(u);
}

bool sp_update_build(sp_update *u, const sp_model *m, bool transitive)
{
    size_t nc = m->components.len;
    unsigned char *from = sp_arena_calloc(&m->ctx->arena, nc + 1, 1);
    unsigned char *to = sp_arena_alloc(&m->ctx->arena, nc + 1);
    if (!from || !to) {
        sp_oom(m->ctx);
        return false;
    }
    memset(to, 1, nc + 1);
    if (!sp_update_build_mix(u, m, from, to, transitive))
        return false;
    u->whole = true;
    return true;
}

bool sp_update_copy(sp_update *to, const sp_update *from)
{
    sp_ctx *ctx = from->model->ctx;
    const sp_model *m = from->model;
    memset(to, 0, sizeof *to);
    to->model = m;
    to->whole = from->whole;
    size_t nc = m->components.len, ni = m->instances.len;
    to->presence = sp_arena_calloc(&ctx->arena, ni ? ni : 1, sizeof *to->presence);
    to->main_event = sp_arena_calloc(&ctx->arena, nc ? nc : 1, sizeof *to->main_event);
    to->cleanup_event = sp_arena_calloc(&ctx->arena, nc ? nc : 1, sizeof *to->cleanup_event);
    if (!to->presence || !to->main_event || !to->cleanup_event) {
        sp_oom(ctx);
        return false;
    }
    memcpy(to->presence, from->presence, ni * sizeof *to->presence);
    memcpy(to->main_event, from->main_event, nc * sizeof *to->main_event);
    memcpy(to->cleanup_event, from->cleanup_event, nc * sizeof *to->cleanup_event);
    for (size_t i = 0; i < from->events.len; i++)
        if (!sp_vec_push(&ctx->arena, &to->events, from->events.items[i]))
            return false;
    for (size_t i = 0; i < from->order.len; i++)
        if (!sp_vec_push(&ctx->arena, &to->order, from->order.items[i]))
            return false;
    return true;
}

const char *sp_event_describe(const sp_update *u, uint32_t event)
{
    static const char *verbs[] = {"update", "create", "delete"};
    if (event >= u->events.len)
        return "?";
    const sp_event *e = &u->events.items[event];
    const sp_component *c = &u->model->components.items[e->component];
    return sp_arena_printf(&u->model->ctx->arena, "%s %s", verbs[e->kind], c->key);
}

const char *sp_change_name(sp_change c)
{
    static const char *names[] = {"unchanged", "modified", "replaced",
                                  "added",     "removed",  "re-pointed"};
    return (unsigned)c < sizeof names / sizeof *names ? names[c] : "?";
}

const char *sp_label_name(sp_label l)
{
    static const char *names[] = {"old", "new", "unchanged"};
    return (unsigned)l < 3 ? names[l] : "?";
}
