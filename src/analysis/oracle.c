/* The test oracle: enumerate every reachable state of the whole update and
 * evaluate every instance in each, with one universe for the whole model.
 * Exponential by design; used only to check sp_search on small models. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

enum { ORACLE_MAX_EVENTS = 20 };

typedef struct oracle {
    const sp_update *u;
    const sp_update *req_from;  /* the update whose OLD and NEW define requirements */
    unsigned char *present_old, *present_new; /* per instance, in req_from */
    sp_world w;
    sp_universe uni;
    sp_eval ev;
    sp_arena scratch, temp;
    unsigned char *done, *present;
    uint32_t *all_nodes, *node_index, *all_edges;
    size_t nedges;
    sp_word **x, **total, **reqb, *tmp;
    unsigned char *dangling; /* per REFER fact: a window was seen */
    uint64_t *pred;          /* per event: mask of events before it */
    size_t ne;
} oracle;

/* Requirements computed here from the whole model, independently of the
 * subgraphs sp_requirements uses: OLD = nothing done, NEW = all done. */
static bool own_requirements(oracle *o)
{
    const sp_model *m = o->u->model;
    size_t ni = m->instances.len;
    for (size_t i = 0; i < ni; i++) {
        const sp_presence *p = &o->req_from->presence[i];
        o->present_old[i] = p->initially;
        o->present_new[i] = (p->initially || p->birth != SP_NONE) && p->death == SP_NONE;
    }
    for (int state = 0; state < 2; state++) {
        memcpy(o->present, state ? o->present_new : o->present_old, ni);
        if (!sp_eval_reach(&o->ev, o->all_edges, o->nedges, o->node_index, ni, o->x))
            return false;
        for (size_t i = 0; i < ni; i++) {
            const sp_instance *in = &m->instances.items[i];
            const sp_component *c = &m->components.items[in->component];
            bool pair = c->inst_old != c->inst_new && c->inst_old != SP_NONE &&
                        c->inst_new != SP_NONE && in->label == SP_LABEL_UNCHANGED;
            /* The instance whose exposure in this state counts for i. */
            uint32_t src = (uint32_t)i;
            if (pair)
                src = state ? c->inst_new : c->inst_old;
            else if ((in->label == SP_LABEL_OLD && state) || (in->label == SP_LABEL_NEW && !state))
                continue;
            if (!o->present[src])
                continue;
            sp_eval_accepts(&o->ev, src, o->tmp);
            sp_bits_and(&o->uni, o->tmp, o->x[src]);
            sp_bits_or(&o->uni, o->reqb[i], o->tmp);
        }
    }
    return true;
}

/* A dangling reference is no window when the referrer's own configuration
 * leaves the name unowned too. */
static bool dangling_allowed(const oracle *o, uint32_t instance, sp_name name)
{
    bool old_unowned = !sp_name_owned(&o->w, name, o->present_old);
    bool new_unowned = !sp_name_owned(&o->w, name, o->present_new);
    switch (o->u->model->instances.items[instance].label) {
    case SP_LABEL_OLD:
        return old_unowned;
    case SP_LABEL_NEW:
        return new_unowned;
    default:
        return old_unowned || new_unowned;
    }
}

static bool visit_state(oracle *o)
{
    const sp_model *m = o->u->model;
    size_t ni = m->instances.len;
    for (size_t i = 0; i < ni; i++)
        o->present[i] = sp_world_present(&o->w, (uint32_t)i, o->done);
    sp_arena_mark mark = sp_arena_get_mark(&o->temp);
    if (!sp_eval_reach(&o->ev, o->all_edges, o->nedges, o->node_index, ni, o->x))
        return false;
    for (size_t i = 0; i < ni; i++) {
        if (!o->present[i])
            continue;
        sp_eval_accepts(&o->ev, (uint32_t)i, o->tmp);
        sp_bits_and(&o->uni, o->tmp, o->x[i]);
        sp_bits_andnot(&o->uni, o->tmp, o->reqb[i]);
        sp_bits_or(&o->uni, o->total[i], o->tmp);
    }
    sp_arena_reset(&o->temp, mark);
    for (size_t r = 0; r < o->w.refers.len; r++) {
        const sp_fact *f = &m->facts.items[o->w.refers.items[r]];
        size_t nclaims;
        sp_fact_index_get(&o->w.claims, 0, f->name, &nclaims);
        if (nclaims && o->present[f->owner] && !sp_name_owned(&o->w, f->name, o->present) &&
            !dangling_allowed(o, f->owner, f->name))
            o->dangling[r] = 1;
    }
    return true;
}

bool sp_search_exhaustive(const sp_update *u, const sp_update *requirements_from,
                          sp_report *out)
{
    const sp_model *m = u->model;
    sp_ctx *ctx = m->ctx;
    memset(out, 0, sizeof *out);
    out->model = m;
    out->update = u;
    out->complete = true;
    if (u->events.len > ORACLE_MAX_EVENTS)
        return false;
    oracle o;
    memset(&o, 0, sizeof o);
    o.u = u;
    o.req_from = requirements_from;
    o.ne = u->events.len;
    sp_arena_init(&o.scratch, 0);
    sp_arena_init(&o.temp, 0);
    size_t ni = m->instances.len, nf = m->facts.len;
    bool ok = sp_world_build(&o.w, u);
    sp_universe_builder ub;
    sp_universe_begin(&ub, &o.scratch);
    for (size_t f = 0; ok && f < nf; f++)
        ok = sp_universe_add(&ub, m->facts.items[f].set) &&
             sp_universe_add(&ub, m->facts.items[f].set2);
    ok = ok && sp_universe_finish(&ub, &o.uni, (size_t)1 << 26) &&
         sp_eval_init(&o.ev, &o.w, &o.uni, &o.scratch, &o.temp, nf);
    o.done = sp_arena_calloc(&o.scratch, o.ne + 1, 1);
    o.present = sp_arena_calloc(&o.scratch, ni + 1, 1);
    o.present_old = sp_arena_calloc(&o.scratch, ni + 1, 1);
    o.present_new = sp_arena_calloc(&o.scratch, ni + 1, 1);
    o.node_index = sp_arena_calloc(&o.scratch, ni + 1, sizeof *o.node_index);
    o.all_edges = sp_arena_calloc(&o.scratch, nf + 1, sizeof *o.all_edges);
    o.x = sp_arena_calloc(&o.scratch, ni + 1, sizeof *o.x);
    o.total = sp_arena_calloc(&o.scratch, ni + 1, sizeof *o.total);
    o.reqb = sp_arena_calloc(&o.scratch, ni + 1, sizeof *o.reqb);
    o.dangling = sp_arena_calloc(&o.scratch, o.w.refers.len + 1, 1);
    o.pred = sp_arena_calloc(&o.scratch, o.ne + 1, sizeof *o.pred);
    ok = ok && o.done && o.present && o.present_old && o.present_new && o.node_index && o.all_edges && o.x && o.total && o.reqb &&
         o.dangling && o.pred && (o.tmp = sp_bits_new(&o.scratch, &o.uni));
    for (size_t i = 0; ok && i < ni; i++) {
        o.node_index[i] = (uint32_t)i;
        ok = (o.x[i] = sp_bits_new(&o.scratch, &o.uni)) &&
             (o.total[i] = sp_bits_new(&o.scratch, &o.uni)) &&
             (o.reqb[i] = sp_bits_new(&o.scratch, &o.uni));
    }
    for (size_t f = 0; ok && f < nf; f++)
        if (m->facts.items[f].kind == SP_FACT_EDGE)
            o.all_edges[o.nedges++] = (uint32_t)f;
    o.ev.present = o.present;
    ok = ok && own_requirements(&o);
    for (size_t a = 0; ok && a < o.ne; a++)
        for (size_t b = 0; b < o.ne; b++)
            if (a != b && sp_world_before(&o.w, (uint32_t)a, (uint32_t)b))
                o.pred[b] |= (uint64_t)1 << a;
    /* Every subset of events that is closed under the order. */
    for (uint64_t mask = 0; ok && mask < ((uint64_t)1 << o.ne); mask++) {
        bool closed = true;
        for (size_t e = 0; e < o.ne && closed; e++)
            if (((mask >> e) & 1) && (o.pred[e] & ~mask))
                closed = false;
        if (!closed)
            continue;
        for (size_t e = 0; e < o.ne; e++)
            o.done[e] = (mask >> e) & 1;
        out->states_explored++;
        ok = visit_state(&o);
    }
    for (size_t i = 0; ok && i < ni; i++) {
        if (sp_bits_empty(&o.uni, o.total[i]))
            continue;
        sp_finding f;
        memset(&f, 0, sizeof f);
        f.kind = SP_FINDING_EXPOSURE;
        f.instance = (uint32_t)i;
        f.excess_set = sp_bits_to_set(ctx, &o.uni, o.total[i]);
        ok = f.excess_set && sp_vec_push(&ctx->arena, &out->findings, f);
    }
    for (size_t r = 0; ok && r < o.w.refers.len; r++) {
        if (!o.dangling[r])
            continue;
        const sp_fact *rf = &m->facts.items[o.w.refers.items[r]];
        const char *name = sp_intern_str(&ctx->names, rf->name);
        sp_finding *merged = NULL;
        for (size_t i = 0; i < out->findings.len; i++)
            if (out->findings.items[i].kind == SP_FINDING_DANGLING &&
                out->findings.items[i].instance == rf->owner)
                merged = &out->findings.items[i];
        if (merged) {
            merged->name = sp_arena_printf(&ctx->arena, "%s, %s", merged->name, name);
            continue;
        }
        sp_finding f;
        memset(&f, 0, sizeof f);
        f.kind = SP_FINDING_DANGLING;
        f.instance = rf->owner;
        f.name = name;
        ok = sp_vec_push(&ctx->arena, &out->findings, f);
    }
    sp_arena_release(&o.scratch);
    sp_arena_release(&o.temp);
    sp_world_release(&o.w);
    return ok;
}
