#include "graph.h"

#include "exposure.h"

#include <stdlib.h>
#include <string.h>

/* What an active edge admits, in a universe of its own (its sets and the
 * rules its slots may use). */
static const sp_reqset *edge_admits(const sp_world *w, const unsigned char *present, uint32_t f,
                                    bool *active)
{
    const sp_model *m = w->m;
    const sp_fact *e = &m->facts.items[f];
    sp_arena scratch;
    sp_arena_init(&scratch, 0);
    sp_universe_builder ub;
    sp_universe_begin(&ub, &scratch);
    bool ok = sp_universe_add(&ub, e->set) && sp_universe_add(&ub, e->set2);
    size_t nfacts = 2;
    for (uint32_t k = 0; ok && k < e->slots_count; k++) {
        const sp_ref *s = &m->slot_refs.items[e->slots_first + k];
        size_t na;
        const uint32_t *att = sp_fact_index_get(&w->attaches, s->component, s->name, &na);
        for (size_t i = 0; ok && i < na; i++) {
            const sp_fact *af = &m->facts.items[att[i]];
            size_t nr;
            const uint32_t *rules = sp_fact_index_get(&w->rules, af->b.component, af->b.name, &nr);
            for (size_t r = 0; ok && r < nr; r++, nfacts++)
                ok = sp_universe_add(&ub, m->facts.items[rules[r]].set);
        }
    }
    const sp_reqset *result = NULL;
    sp_universe u;
    sp_eval ev;
    *active = false;
    if (ok && sp_universe_finish(&ub, &u, (size_t)1 << 24) &&
        sp_eval_init(&ev, w, &u, &scratch, &scratch, nfacts)) {
        ev.present = present;
        sp_word *adm = sp_bits_new(&scratch, &u);
        uint32_t src, dst;
        if (adm && sp_eval_edge(&ev, f, adm, &src, &dst)) {
            *active = true;
            result = sp_bits_to_set(w->ctx, &u, adm);
        }
    }
    sp_arena_release(&scratch);
    return result;
}

bool sp_state_graph_build(const sp_update *u, const unsigned char *done, sp_state_graph *out)
{
    const sp_model *m = u->model;
    sp_ctx *ctx = m->ctx;
    memset(out, 0, sizeof *out);
    sp_world w;
    size_t ni = m->instances.len, nf = m->facts.len;
    unsigned char *none = calloc(u->events.len + 1, 1);
    bool ok = none && sp_world_build(&w, u);
    out->present = sp_arena_calloc(&ctx->arena, ni + 1, 1);
    out->edges = sp_arena_calloc(&ctx->arena, nf + 1, sizeof *out->edges);
    ok = ok && out->present && out->edges;
    for (size_t i = 0; ok && i < ni; i++)
        out->present[i] = sp_world_present(&w, (uint32_t)i, done ? done : none);
    for (size_t f = 0; ok && f < nf; f++) {
        const sp_fact *e = &m->facts.items[f];
        if (e->kind != SP_FACT_EDGE || !out->present[e->owner])
            continue;
        bool active;
        const sp_reqset *adm = edge_admits(&w, out->present, (uint32_t)f, &active);
        if (!active)
            continue;
        if (!adm) {
            ok = false;
            break;
        }
        sp_graph_edge g = {(uint32_t)f,
                           sp_world_resolve(&w, e->a.component, e->owner, out->present),
                           sp_world_resolve(&w, e->b.component, e->owner, out->present), adm};
        out->edges[out->nedges++] = g;
    }
    sp_world_release(&w);
    free(none);
    if (!ok)
        sp_oom(ctx);
    return ok;
}
