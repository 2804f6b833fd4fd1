#include "world.h"

#include "../util/hash.h"

#include <stdlib.h>
#include <string.h>

static uint64_t index_key(uint32_t component, sp_name name)
{
    /* +1 keeps key 0 free as the empty marker. */
    return ((uint64_t)component << 32 | name) + 1;
}

static size_t slot_of(const sp_fact_index *ix, uint64_t key)
{
    size_t mask = ix->cap - 1;
    size_t i = (size_t)sp_mix64(key) & mask;
    while (ix->keys[i] && ix->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

typedef struct keyed {
    uint64_t key;
    uint32_t fact;
    int64_t priority;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return x->fact < y->fact ? -1 : x->fact > y->fact;
}

/* Builds an index from (key, fact) pairs listed in ascending fact order.
 * Lists are found by hashing, not by sorting everything: a list keeps the
 * ascending fact order it is given in, and only a list whose priorities
 * are out of order (first-match rules written out of order) is sorted.
 * The order of the lists among themselves is never seen. */
static bool index_build(sp_arena *arena, sp_fact_index *ix, keyed *items, size_t n)
{
    memset(ix, 0, sizeof *ix);
    /* The facts of a list mostly come together: the key changes bound the
     * number of lists, and size the table. */
    size_t runs = 0;
    for (size_t i = 0; i < n; i++)
        runs += i == 0 || items[i].key != items[i - 1].key;
    ix->cap = 16;
    while (ix->cap < runs * 2 + 2)
        ix->cap *= 2;
    ix->keys = sp_arena_calloc(arena, ix->cap, sizeof *ix->keys);
    ix->list = sp_arena_calloc(arena, ix->cap, sizeof *ix->list);
    ix->first = sp_arena_calloc(arena, runs + 2, sizeof *ix->first);
    ix->facts = sp_arena_calloc(arena, n + 1, sizeof *ix->facts);
    uint32_t *of = malloc((n + 1) * sizeof *of); /* item -> its list */
    keyed *placed = malloc((n + 1) * sizeof *placed);
    bool ok = ix->keys && ix->list && ix->first && ix->facts && of && placed;
    size_t lists = 0;
    for (size_t i = 0; ok && i < n; i++) {
        size_t s = slot_of(ix, items[i].key);
        if (!ix->keys[s]) {
            ix->keys[s] = items[i].key;
            ix->list[s] = (uint32_t)lists++;
        }
        of[i] = ix->list[s];
        ix->first[of[i] + 1]++;
    }
    if (ok) {
        for (size_t l = 0; l < lists; l++)
            ix->first[l + 1] += ix->first[l];
        /* Placing in item order keeps each list in ascending fact order;
         * `first` is shifted back by one list meanwhile. */
        for (size_t i = 0; i < n; i++)
            placed[ix->first[of[i]]++] = items[i];
        memmove(ix->first + 1, ix->first, lists * sizeof *ix->first);
        ix->first[0] = 0;
        for (size_t l = 0; l < lists; l++) {
            keyed *li = placed + ix->first[l];
            size_t m = ix->first[l + 1] - ix->first[l];
            bool sorted = true;
            for (size_t i = 1; i < m && sorted; i++)
                sorted = li[i - 1].priority <= li[i].priority;
            if (!sorted)
                qsort(li, m, sizeof *li, keyed_cmp);
        }
        for (size_t i = 0; i < n; i++)
            ix->facts[i] = placed[i].fact;
        ix->nlists = lists;
    }
    free(of);
    free(placed);
    return ok;
}

const uint32_t *sp_fact_index_get(const sp_fact_index *ix, uint32_t component, sp_name name,
                                  size_t *n)
{
    *n = 0;
    if (!ix->cap)
        return NULL;
    size_t s = slot_of(ix, index_key(component, name));
    if (!ix->keys[s])
        return NULL;
    uint32_t l = ix->list[s];
    *n = ix->first[l + 1] - ix->first[l];
    return ix->facts + ix->first[l];
}

static bool build_order(sp_world *w)
{
    const sp_update *u = w->u;
    size_t n = u->events.len, ne = u->order.len;
    w->pred_words = (n + 63) / 64;
    w->pred_row = sp_arena_calloc(&w->arena, n + 1, sizeof *w->pred_row);
    w->topo = sp_arena_calloc(&w->arena, n + 1, sizeof *w->topo);
    w->topo_rank = sp_arena_calloc(&w->arena, n + 1, sizeof *w->topo_rank);
    uint32_t *indeg = calloc(n + 1, sizeof *indeg);
    uint32_t *first = calloc(n + 2, sizeof *first);
    uint32_t *succ = calloc(ne + 1, sizeof *succ);
    uint32_t *fill = calloc(n + 1, sizeof *fill);
    bool ok = w->pred_row && w->topo && w->topo_rank && indeg && first && succ && fill;
    if (ok) {
        for (size_t i = 0; i < ne; i++) {
            indeg[u->order.items[i].after]++;
            first[u->order.items[i].before + 1]++;
        }
        /* Row 0 stays empty for the events nothing explicitly precedes. */
        size_t rows = 1;
        for (size_t i = 0; i < n; i++)
            if (indeg[i])
                w->pred_row[i] = (uint32_t)rows++;
        w->pred = sp_arena_calloc(&w->arena, rows * w->pred_words + 1, sizeof(sp_word));
        ok = w->pred != NULL;
    }
    if (ok) {
        for (size_t i = 0; i < n; i++)
            first[i + 1] += first[i];
        memcpy(fill, first, n * sizeof *fill);
        for (size_t i = 0; i < ne; i++)
            succ[fill[u->order.items[i].before]++] = u->order.items[i].after;
        /* Main-phase events first so ranks respect the implicit phase rule. */
        size_t head = 0, tail = 0;
        for (int phase = SP_PHASE_MAIN; phase <= SP_PHASE_CLEANUP; phase++) {
            for (size_t i = 0; i < n; i++)
                if (!indeg[i] && u->events.items[i].phase == (sp_phase)phase)
                    w->topo[tail++] = (uint32_t)i;
            while (head < tail) {
                uint32_t e = w->topo[head++];
                for (uint32_t j = first[e]; j < first[e + 1]; j++)
                    if (!--indeg[succ[j]] && u->events.items[succ[j]].phase == (sp_phase)phase)
                        w->topo[tail++] = succ[j];
            }
        }
        ok = tail == n; /* sp_update_build rejected cycles already */
        for (size_t i = 0; i < tail; i++)
            w->topo_rank[w->topo[i]] = (uint32_t)i;
        /* pred[b] |= pred[a] ∪ {a} along each edge, in topological order. */
        for (size_t t = 0; ok && t < n; t++) {
            uint32_t a = w->topo[t];
            const sp_word *pa = sp_world_pred(w, a);
            for (uint32_t j = first[a]; j < first[a + 1]; j++) {
                sp_word *pb = w->pred + (size_t)w->pred_row[succ[j]] * w->pred_words;
                for (size_t k = 0; k < w->pred_words; k++)
                    pb[k] |= pa[k];
                pb[a / 64] |= (sp_word)1 << (a % 64);
            }
        }
    }
    free(indeg);
    free(first);
    free(succ);
    free(fill);
    return ok;
}

bool sp_world_build(sp_world *w, const sp_update *u)
{
    memset(w, 0, sizeof *w);
    sp_arena_init(&w->arena, 0);
    w->u = u;
    w->m = u->model;
    w->ctx = u->model->ctx;
    const sp_model *m = w->m;
    size_t nc = m->components.len, nf = m->facts.len;
    w->edges_in_first = sp_arena_calloc(&w->arena, nc + 2, sizeof(uint32_t));
    w->edges_in = sp_arena_calloc(&w->arena, nf + 1, sizeof(uint32_t));
    w->edges_out_first = sp_arena_calloc(&w->arena, nc + 2, sizeof(uint32_t));
    w->edges_out = sp_arena_calloc(&w->arena, nf + 1, sizeof(uint32_t));
    /* Filled before they are read: not cleared (facts may number millions). */
    keyed *rules = malloc((nf + 1) * sizeof *rules), *att = malloc((nf + 1) * sizeof *att),
          *claims = malloc((nf + 1) * sizeof *claims);
    uint32_t *fill = calloc(nc + 1, sizeof *fill), *fill_out = calloc(nc + 1, sizeof *fill_out);
    bool ok = w->edges_in_first && w->edges_in && w->edges_out_first && w->edges_out && rules &&
              att && claims && fill && fill_out;
    size_t nr = 0, na = 0, ncl = 0;
    for (size_t f = 0; ok && f < nf; f++) {
        const sp_fact *fa = &m->facts.items[f];
        switch (fa->kind) {
        case SP_FACT_EDGE:
            if (fa->b.component < nc)
                w->edges_in_first[fa->b.component + 1]++;
            if (fa->a.component < nc)
                w->edges_out_first[fa->a.component + 1]++;
            else if (fa->a.component == SP_INTERNET)
                ok = sp_vec_push(&w->arena, &w->edges_from_internet, (uint32_t)f);
            break;
        case SP_FACT_RULE:
            rules[nr++] = (keyed){index_key(fa->a.component, fa->a.name), (uint32_t)f,
                                  fa->priority};
            break;
        case SP_FACT_ATTACH:
            att[na++] = (keyed){index_key(fa->a.component, fa->a.name), (uint32_t)f, 0};
            break;
        case SP_FACT_CLAIM:
            claims[ncl++] = (keyed){index_key(0, fa->name), (uint32_t)f, 0};
            break;
        case SP_FACT_REFER:
            ok = sp_vec_push(&w->arena, &w->refers, (uint32_t)f);
            break;
        default:
            break;
        }
    }
    if (ok) {
        for (size_t c = 0; c < nc; c++) {
            w->edges_in_first[c + 1] += w->edges_in_first[c];
            w->edges_out_first[c + 1] += w->edges_out_first[c];
        }
        memcpy(fill, w->edges_in_first, nc * sizeof *fill);
        memcpy(fill_out, w->edges_out_first, nc * sizeof *fill_out);
        for (size_t f = 0; f < nf; f++) {
            const sp_fact *fa = &m->facts.items[f];
            if (fa->kind != SP_FACT_EDGE)
                continue;
            if (fa->b.component < nc)
                w->edges_in[fill[fa->b.component]++] = (uint32_t)f;
            if (fa->a.component < nc)
                w->edges_out[fill_out[fa->a.component]++] = (uint32_t)f;
        }
        ok = index_build(&w->arena, &w->rules, rules, nr) &&
             index_build(&w->arena, &w->attaches, att, na) &&
             index_build(&w->arena, &w->claims, claims, ncl) && build_order(w);
    }
    free(rules);
    free(att);
    free(claims);
    free(fill);
    free(fill_out);
    if (!ok)
        sp_oom(w->ctx);
    return ok;
}

void sp_world_release(sp_world *w)
{
    sp_arena_release(&w->arena);
}

bool sp_world_before(const sp_world *w, uint32_t a, uint32_t b)
{
    const sp_event *ea = &w->u->events.items[a], *eb = &w->u->events.items[b];
    if (ea->phase == SP_PHASE_MAIN && eb->phase == SP_PHASE_CLEANUP)
        return true;
    const sp_word *pb = sp_world_pred(w, b);
    return (pb[a / 64] >> (a % 64)) & 1;
}

bool sp_world_present(const sp_world *w, uint32_t i, const unsigned char *done)
{
    const sp_presence *p = &w->u->presence[i];
    bool born = p->initially || (p->birth != SP_NONE && done[p->birth]);
    bool dead = p->death != SP_NONE && done[p->death];
    return born && !dead;
}

int sp_world_instances(const sp_world *w, uint32_t component, uint32_t out[2])
{
    const sp_component *c = &w->m->components.items[component];
    int n = 0;
    if (c->inst_old != SP_NONE)
        out[n++] = c->inst_old;
    if (c->inst_new != SP_NONE && c->inst_new != c->inst_old)
        out[n++] = c->inst_new;
    return n;
}

uint32_t sp_world_resolve(const sp_world *w, uint32_t component, uint32_t contributor,
                          const unsigned char *present)
{
    if (component == SP_INTERNET)
        return SP_INTERNET;
    if (component >= w->m->components.len)
        return SP_NONE;
    const sp_component *c = &w->m->components.items[component];
    uint32_t old = c->inst_old, neu = c->inst_new, pick;
    if (old == SP_NONE || neu == SP_NONE || old == neu)
        pick = old != SP_NONE ? old : neu;
    else if (c->change == SP_CHANGE_REPLACED && contributor != SP_NONE &&
             w->m->instances.items[contributor].version != SP_VER_BOTH)
        pick = w->m->instances.items[contributor].version == SP_VER_OLD ? old : neu;
    else
        pick = present[neu] ? neu : old;
    return present[pick] ? pick : SP_NONE;
}

uint32_t sp_world_hosted(const sp_world *w, uint32_t instance, sp_fact_kind kind, sp_name name)
{
    const sp_instance *in = &w->m->instances.items[instance];
    for (uint32_t k = 0; k < in->facts_count; k++) {
        uint32_t f = in->facts_first + k;
        const sp_fact *fa = &w->m->facts.items[f];
        if (fa->kind == kind && fa->a.name == name)
            return f;
    }
    return SP_NONE;
}
