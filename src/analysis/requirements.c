/* Requirements (DESIGN §3.4): what each instance may be exposed to — its
 * exposure in its own configuration (OLD = the empty state, NEW = every
 * event done), or the union of both for an unchanged component. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct sp_requirements {
    const sp_update *update;
    /* Built when a requirement is first computed here: a search of the
     * whole update computes them itself (sp_requirement_local). */
    sp_world world;
    bool world_built;
    sp_subgraph_marks *marks;
    const sp_reqset **exposure; /* per instance, NULL until computed */
    unsigned char *present_initial, *present_final;
    bool failed;
};

/* Presence in the empty state (nothing done) and in the full state
 * (everything done), as sp_world_present decides it. */
static bool present_first(const sp_presence *p)
{
    return p->initially;
}

static bool present_last(const sp_presence *p)
{
    return (p->initially || p->birth != SP_NONE) && p->death == SP_NONE;
}

static const sp_world *requirements_world(sp_requirements *r)
{
    if (!r->world_built) {
        if (!sp_world_build(&r->world, r->update)) {
            sp_world_release(&r->world);
            return NULL;
        }
        r->world_built = true;
    }
    return &r->world;
}

int sp_target_groups(const sp_model *m, uint32_t component, sp_target_group out[2])
{
    const sp_component *c = &m->components.items[component];
    if (c->inst_old == SP_NONE && c->inst_new == SP_NONE)
        return 0;
    if (c->inst_old == c->inst_new || c->inst_old == SP_NONE || c->inst_new == SP_NONE) {
        out[0].inst[0] = c->inst_old != SP_NONE ? c->inst_old : c->inst_new;
        out[0].n = 1;
        return 1;
    }
    if (m->instances.items[c->inst_old].label == SP_LABEL_UNCHANGED) {
        out[0].inst[0] = c->inst_old;
        out[0].inst[1] = c->inst_new;
        out[0].n = 2;
        return 1;
    }
    out[0].inst[0] = c->inst_old;
    out[0].n = 1;
    out[1].inst[0] = c->inst_new;
    out[1].n = 1;
    return 2;
}

sp_requirements *sp_requirements_compute(const sp_update *u)
{
    sp_ctx *ctx = u->model->ctx;
    sp_requirements *r = sp_arena_alloc(&ctx->arena, sizeof *r);
    if (!r)
        return NULL;
    r->update = u;
    size_t ni = u->model->instances.len;
    r->exposure = sp_arena_calloc(&ctx->arena, ni + 1, sizeof *r->exposure);
    r->present_initial = sp_arena_alloc(&ctx->arena, ni + 1);
    r->present_final = sp_arena_alloc(&ctx->arena, ni + 1);
    if (!r->exposure || !r->present_initial || !r->present_final)
        return NULL;
    for (size_t i = 0; i < ni; i++) {
        r->present_initial[i] = present_first(&u->presence[i]);
        r->present_final[i] = present_last(&u->presence[i]);
    }
    r->marks = NULL; /* built on first use; sp_requirements_release frees them */
    return r;
}

void sp_requirements_release(sp_requirements *r)
{
    if (r) {
        sp_subgraph_marks_free(r->marks);
        r->marks = NULL;
        if (r->world_built)
            sp_world_release(&r->world);
        r->world_built = false;
    }
}

bool sp_universe_add_subgraph(sp_universe_builder *ub, const sp_world *w, const sp_subgraph *sg)
{
    for (size_t i = 0; i < sg->set_facts.len; i++) {
        const sp_fact *f = &w->m->facts.items[sg->set_facts.items[i]];
        if (!sp_universe_add(ub, f->set) || !sp_universe_add(ub, f->set2))
            return false;
    }
    return true;
}

bool sp_requirement_wanted(const sp_model *m, const sp_target_group *g, int k, int state)
{
    const sp_instance *in = &m->instances.items[g->inst[k]];
    if (g->n == 2) /* ripple: old side in OLD, new side in NEW */
        return state == (in->version == SP_VER_NEW);
    if (in->label == SP_LABEL_OLD)
        return state == 0;
    if (in->label == SP_LABEL_NEW)
        return state == 1;
    return true;
}

bool sp_requirement_local(const sp_requirements *r, const sp_update *u, const sp_subgraph *sg)
{
    if (r->update->model != u->model)
        return false;
    for (size_t i = 0; i < sg->involved.len; i++) {
        uint32_t in = sg->involved.items[i];
        if (r->present_initial[in] != present_first(&u->presence[in]) ||
            r->present_final[in] != present_last(&u->presence[in]))
            return false;
    }
    return true;
}

void sp_requirement_store(const sp_requirements *rc, const sp_target_group *g,
                          const sp_reqset *set)
{
    sp_requirements *r = (sp_requirements *)rc; /* lazily filled cache */
    for (int k = 0; k < g->n; k++)
        if (!r->exposure[g->inst[k]])
            r->exposure[g->inst[k]] = set;
}

/* Exposure of the group's instances in the empty and in the full state. */
static bool compute_group(sp_requirements *r, const sp_target_group *g)
{
    const sp_world *w = requirements_world(r);
    if (!w || (!r->marks && !(r->marks = sp_subgraph_marks_new(w))))
        return false;
    sp_ctx *ctx = w->ctx;
    sp_arena scratch, temp;
    sp_arena_init(&scratch, 0);
    sp_arena_init(&temp, 0);
    sp_subgraph sg;
    sp_universe_builder ub;
    sp_universe u;
    sp_eval ev;
    bool ok = sp_subgraph_build(w, r->marks, g->inst, (size_t)g->n, &scratch, &sg);
    if (ok) {
        sp_universe_begin(&ub, &scratch);
        ok = sp_universe_add_subgraph(&ub, w, &sg) &&
             /* Requirements are not bounded by --max-cells: they are needed. */
             sp_universe_finish(&ub, &u, (size_t)1 << 28) &&
             sp_eval_init(&ev, w, &u, &scratch, &temp, sg.set_facts.len);
    }
    sp_word **x = ok ? sp_arena_calloc(&scratch, sg.nodes.len + 1, sizeof *x) : NULL;
    for (size_t i = 0; x && i < sg.nodes.len; i++)
        if (!(x[i] = sp_bits_new(&scratch, &u)))
            x = NULL;
    sp_word *acc = ok ? sp_bits_new(&scratch, &u) : NULL;
    ok = ok && x && acc;
    sp_word *per[2] = {NULL, NULL};
    for (int k = 0; ok && k < g->n; k++)
        ok = (per[k] = sp_bits_new(&scratch, &u)) != NULL;
    /* state 0: nothing done; state 1: everything done */
    for (int state = 0; ok && state < 2; state++) {
        sp_arena_mark mark = sp_arena_get_mark(&temp);
        ev.present = state ? r->present_final : r->present_initial;
        ok = sp_eval_reach(&ev, sg.edges.items, sg.edges.len, sg.node_index, sg.nodes.len, x);
        for (int k = 0; ok && k < g->n; k++) {
            uint32_t t = g->inst[k];
            if (!ev.present[t] || !sp_requirement_wanted(w->m, g, k, state))
                continue;
            sp_eval_accepts(&ev, t, acc);
            sp_bits_and(&u, acc, x[sg.node_index[t]]);
            sp_bits_or(&u, per[0], acc);
        }
        sp_arena_reset(&temp, mark);
    }
    if (ok) {
        const sp_reqset *set = sp_bits_to_set(ctx, &u, per[0]);
        ok = set != NULL;
        for (int k = 0; ok && k < g->n; k++)
            r->exposure[g->inst[k]] = set;
    }
    sp_arena_release(&scratch);
    sp_arena_release(&temp);
    return ok;
}

const sp_reqset *sp_requirement_exposure(const sp_requirements *rc, uint32_t instance)
{
    sp_requirements *r = (sp_requirements *)rc; /* lazily filled cache */
    if (r->exposure[instance])
        return r->exposure[instance];
    const sp_model *m = r->update->model;
    sp_target_group groups[2];
    int n = sp_target_groups(m, m->instances.items[instance].component, groups);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < groups[i].n; k++)
            if (groups[i].inst[k] == instance && !compute_group(r, &groups[i])) {
                sp_oom(m->ctx);
                return NULL;
            }
    return r->exposure[instance];
}

bool sp_name_owned(const sp_world *w, sp_name name, const unsigned char *present)
{
    size_t n;
    const uint32_t *claims = sp_fact_index_get(&w->claims, 0, name, &n);
    for (size_t i = 0; i < n; i++)
        if (present[w->m->facts.items[claims[i]].owner] == 1)
            return true;
    return false;
}

bool sp_requirement_dangling_allowed(const sp_requirements *r, const sp_world *w,
                                     uint32_t instance, sp_name name)
{
    const sp_instance *in = &r->update->model->instances.items[instance];
    bool unowned_old = !sp_name_owned(w, name, r->present_initial);
    bool unowned_new = !sp_name_owned(w, name, r->present_final);
    switch (in->label) {
    case SP_LABEL_OLD:
        return unowned_old;
    case SP_LABEL_NEW:
        return unowned_new;
    default:
        return unowned_old || unowned_new;
    }
}
