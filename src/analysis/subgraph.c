#include "subgraph.h"

#include "../util/hash.h"

#include <stdlib.h>
#include <string.h>

struct sp_subgraph_marks {
    unsigned char *node, *involved, *fact, *event;
    uint32_t *node_index;
    uint64_t *seen; /* (component, name) of visited slots and guards, hashed */
    size_t seen_cap;
    SP_VEC(uint32_t) touched_facts;
    SP_VEC(uint32_t) last_nodes; /* nodes of the previous build, to unmark */
    SP_VEC(uint32_t) seen_slots; /* filled positions of `seen`, to clear */
    sp_arena arena; /* for the vectors above */
};

sp_subgraph_marks *sp_subgraph_marks_new(const sp_world *w)
{
    size_t ni = w->m->instances.len + 1, nf = w->m->facts.len + 1, ne = w->u->events.len + 1;
    sp_subgraph_marks *mk = calloc(1, sizeof *mk);
    if (!mk)
        return NULL;
    mk->node = calloc(ni, 1);
    mk->involved = calloc(ni, 1);
    mk->fact = calloc(nf, 1);
    mk->event = calloc(ne, 1);
    mk->node_index = malloc(ni * sizeof *mk->node_index);
    sp_arena_init(&mk->arena, 0);
    if (!mk->node || !mk->involved || !mk->fact || !mk->event || !mk->node_index) {
        sp_subgraph_marks_free(mk);
        return NULL;
    }
    for (size_t i = 0; i < ni; i++)
        mk->node_index[i] = SP_NONE;
    return mk;
}

void sp_subgraph_marks_free(sp_subgraph_marks *mk)
{
    if (!mk)
        return;
    free(mk->node);
    free(mk->involved);
    free(mk->fact);
    free(mk->event);
    free(mk->node_index);
    free(mk->seen);
    sp_arena_release(&mk->arena);
    free(mk);
}

typedef struct builder {
    const sp_world *w;
    sp_subgraph_marks *mk;
    sp_arena *arena;
    sp_subgraph *sg;
    SP_VEC(uint32_t) stack; /* nodes to visit */
    size_t nseen;
    bool failed;
} builder;

#define PUSH(b, vec, v)                                                                            \
    do {                                                                                           \
        if (!sp_vec_push((b)->arena, (vec), (v)))                                                  \
            (b)->failed = true;                                                                    \
    } while (0)

static void involve(builder *b, uint32_t inst)
{
    if (inst == SP_NONE || inst == SP_INTERNET || b->mk->involved[inst])
        return;
    b->mk->involved[inst] = 1;
    PUSH(b, &b->sg->involved, inst);
}

static void involve_component(builder *b, uint32_t component)
{
    uint32_t in[2];
    if (component >= b->w->m->components.len)
        return;
    int n = sp_world_instances(b->w, component, in);
    for (int i = 0; i < n; i++)
        involve(b, in[i]);
}

static void use_fact(builder *b, uint32_t f, bool has_sets)
{
    if (b->mk->fact[f])
        return;
    b->mk->fact[f] = 1;
    if (!sp_vec_push(&b->mk->arena, &b->mk->touched_facts, f))
        b->failed = true;
    involve(b, b->w->m->facts.items[f].owner);
    if (has_sets)
        PUSH(b, &b->sg->set_facts, f);
}

/* Records (component, name) as seen; false if it was already. */
static bool first_visit(builder *b, uint32_t component, sp_name name, int kind)
{
    sp_subgraph_marks *mk = b->mk;
    uint64_t key = ((uint64_t)component << 33 | (uint64_t)name << 1 | (uint64_t)kind) + 1;
    if ((b->nseen + 1) * 2 > mk->seen_cap) {
        size_t ncap = mk->seen_cap ? mk->seen_cap * 2 : 64;
        uint64_t *n = calloc(ncap, sizeof *n);
        if (!n) {
            b->failed = true;
            return false;
        }
        for (size_t i = 0; i < mk->seen_cap; i++)
            if (mk->seen[i]) {
                size_t j = (size_t)sp_mix64(mk->seen[i]) & (ncap - 1);
                while (n[j])
                    j = (j + 1) & (ncap - 1);
                n[j] = mk->seen[i];
            }
        free(mk->seen);
        mk->seen = n;
        mk->seen_cap = ncap;
        mk->seen_slots.len = 0;
        for (size_t i = 0; i < ncap; i++)
            if (n[i] && !sp_vec_push(&mk->arena, &mk->seen_slots, (uint32_t)i))
                b->failed = true;
    }
    size_t j = (size_t)sp_mix64(key) & (mk->seen_cap - 1);
    while (mk->seen[j]) {
        if (mk->seen[j] == key)
            return false;
        j = (j + 1) & (mk->seen_cap - 1);
    }
    mk->seen[j] = key;
    if (!sp_vec_push(&mk->arena, &mk->seen_slots, (uint32_t)j))
        b->failed = true;
    b->nseen++;
    return true;
}

static void visit_guard(builder *b, uint32_t component, sp_name name)
{
    if (!first_visit(b, component, name, 1))
        return;
    involve_component(b, component);
    size_t n;
    const uint32_t *rules = sp_fact_index_get(&b->w->rules, component, name, &n);
    for (size_t i = 0; i < n; i++)
        use_fact(b, rules[i], true);
}

static void visit_slot(builder *b, uint32_t component, sp_name name)
{
    if (!first_visit(b, component, name, 0))
        return;
    involve_component(b, component);
    size_t n;
    const uint32_t *att = sp_fact_index_get(&b->w->attaches, component, name, &n);
    for (size_t i = 0; i < n; i++) {
        use_fact(b, att[i], false);
        const sp_fact *f = &b->w->m->facts.items[att[i]];
        visit_guard(b, f->b.component, f->b.name);
    }
}

static void add_node(builder *b, uint32_t inst)
{
    if (b->mk->node[inst])
        return;
    b->mk->node[inst] = 1;
    b->mk->node_index[inst] = (uint32_t)b->sg->nodes.len;
    PUSH(b, &b->sg->nodes, inst);
    PUSH(b, &b->stack, inst);
    involve(b, inst);
}

static void visit_node(builder *b, uint32_t inst)
{
    const sp_world *w = b->w;
    const sp_model *m = w->m;
    const sp_instance *in = &m->instances.items[inst];
    for (uint32_t k = 0; k < in->facts_count; k++)
        if (m->facts.items[in->facts_first + k].kind == SP_FACT_ACCEPTS)
            use_fact(b, in->facts_first + k, true);
    uint32_t c = in->component;
    for (uint32_t j = w->edges_in_first[c]; j < w->edges_in_first[c + 1]; j++) {
        uint32_t f = w->edges_in[j];
        if (b->mk->fact[f])
            continue;
        use_fact(b, f, true);
        PUSH(b, &b->sg->edges, f);
        const sp_fact *e = &m->facts.items[f];
        involve_component(b, e->b.component);
        if (e->a.component != SP_INTERNET && e->a.component < m->components.len) {
            uint32_t src[2];
            int ns = sp_world_instances(w, e->a.component, src);
            for (int s = 0; s < ns; s++)
                add_node(b, src[s]);
        }
        for (uint32_t k = 0; k < e->slots_count; k++) {
            const sp_ref *s = &m->slot_refs.items[e->slots_first + k];
            visit_slot(b, s->component, s->name);
        }
    }
}

static void reset_marks(builder *b)
{
    sp_subgraph_marks *mk = b->mk;
    sp_subgraph *sg = b->sg;
    for (size_t i = 0; i < sg->involved.len; i++)
        mk->involved[sg->involved.items[i]] = 0;
    for (size_t i = 0; i < mk->touched_facts.len; i++)
        mk->fact[mk->touched_facts.items[i]] = 0;
    mk->touched_facts.len = 0;
    for (size_t i = 0; i < sg->events.len; i++)
        mk->event[sg->events.items[i]] = 0;
    for (size_t i = 0; i < mk->seen_slots.len; i++)
        mk->seen[mk->seen_slots.items[i]] = 0;
    mk->seen_slots.len = 0;
}

bool sp_subgraph_build(const sp_world *w, sp_subgraph_marks *mk, const uint32_t *targets,
                       size_t ntargets, sp_arena *arena, sp_subgraph *sg)
{
    /* Forget the previous build's node positions. */
    for (size_t i = 0; i < mk->last_nodes.len; i++) {
        mk->node[mk->last_nodes.items[i]] = 0;
        mk->node_index[mk->last_nodes.items[i]] = SP_NONE;
    }
    mk->last_nodes.len = 0;
    memset(sg, 0, sizeof *sg);
    builder b;
    memset(&b, 0, sizeof b);
    b.w = w;
    b.mk = mk;
    b.arena = arena;
    b.sg = sg;
    for (size_t i = 0; i < ntargets; i++)
        add_node(&b, targets[i]);
    while (b.stack.len && !b.failed)
        visit_node(&b, b.stack.items[--b.stack.len]);
    for (size_t i = 0; i < sg->involved.len && !b.failed; i++) {
        const sp_presence *p = &w->u->presence[sg->involved.items[i]];
        uint32_t ev[2] = {p->birth, p->death};
        for (int k = 0; k < 2; k++)
            if (ev[k] != SP_NONE && !mk->event[ev[k]]) {
                mk->event[ev[k]] = 1;
                PUSH(&b, &sg->events, ev[k]);
            }
    }
    sg->node_index = mk->node_index;
    for (size_t i = 0; i < sg->nodes.len && !b.failed; i++)
        if (!sp_vec_push(&mk->arena, &mk->last_nodes, sg->nodes.items[i]))
            b.failed = true;
    reset_marks(&b);
    return !b.failed;
}
