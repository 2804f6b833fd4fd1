#include "exposure.h"

#include "../util/hash.h"

#include <stdlib.h>
#include <string.h>

/* Bound of the small universe a re-issuing hop is judged in. */
enum { POINT_MAX_CELLS = 1 << 22 };

/* Bitsets by request set.  Keyed by the set's address, not by the fact:
 * the sets of a model are interned, so the facts of one question share a
 * few of them, and each is converted once per universe. */
struct sp_fact_bits {
    const sp_reqset **keys; /* NULL = empty slot */
    sp_word **bits;
    size_t cap, len;
};

static size_t set_slot(const sp_reqset *set, size_t cap)
{
    return (size_t)sp_mix64((uintptr_t)set) & (cap - 1);
}

bool sp_eval_init(sp_eval *ev, const sp_world *w, const sp_universe *u, sp_arena *scratch,
                  sp_arena *temp, size_t expected_facts)
{
    memset(ev, 0, sizeof *ev);
    ev->w = w;
    ev->u = u;
    ev->scratch = scratch;
    ev->temp = temp;
    ev->cache = sp_arena_alloc(scratch, sizeof *ev->cache);
    if (!ev->cache)
        return false;
    size_t cap = 64;
    while (cap < expected_facts * 4 + 8)
        cap *= 2;
    ev->cache->cap = cap;
    ev->cache->keys = sp_arena_calloc(scratch, cap, sizeof *ev->cache->keys);
    ev->cache->bits = sp_arena_calloc(scratch, cap, sizeof *ev->cache->bits);
    ev->all = sp_bits_new(scratch, u);
    ev->tmp = sp_bits_new(scratch, u);
    if (!ev->cache->keys || !ev->cache->bits || !ev->all || !ev->tmp)
        return false;
    sp_bits_fill(u, ev->all);
    return true;
}

static bool cache_grow(sp_eval *ev)
{
    sp_fact_bits *c = ev->cache, n;
    n.cap = c->cap * 2;
    n.len = c->len;
    n.keys = sp_arena_calloc(ev->scratch, n.cap, sizeof *n.keys);
    n.bits = sp_arena_calloc(ev->scratch, n.cap, sizeof *n.bits);
    if (!n.keys || !n.bits)
        return false;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->keys[i])
            continue;
        size_t j = set_slot(c->keys[i], n.cap);
        while (n.keys[j])
            j = (j + 1) & (n.cap - 1);
        n.keys[j] = c->keys[i];
        n.bits[j] = c->bits[i];
    }
    *c = n;
    return true;
}

const sp_word *sp_eval_fact_set(sp_eval *ev, uint32_t fact, int which)
{
    sp_fact_bits *c = ev->cache;
    if ((c->len + 1) * 2 > c->cap && !cache_grow(ev))
        return NULL;
    const sp_fact *f = &ev->w->m->facts.items[fact];
    const sp_reqset *set = which ? f->set2 : f->set;
    if (!set)
        return ev->all; /* no set given: no restriction */
    size_t j = set_slot(set, c->cap);
    while (c->keys[j] && c->keys[j] != set)
        j = (j + 1) & (c->cap - 1);
    if (c->keys[j])
        return c->bits[j];
    sp_word *b = sp_bits_new(ev->scratch, ev->u);
    if (!b)
        return NULL;
    sp_bits_from_set(ev->u, set, b);
    c->keys[j] = set;
    c->bits[j] = b;
    c->len++;
    return b;
}

static bool fact_active(const sp_eval *ev, uint32_t f)
{
    return ev->present[ev->w->m->facts.items[f].owner] == 1;
}

/* First-match evaluation of the guard `name` hosted by instance g. */
static void eval_guard(sp_eval *ev, uint32_t g, uint32_t guard_fact, sp_word *out)
{
    const sp_model *m = ev->w->m;
    const sp_fact *gf = &m->facts.items[guard_fact];
    size_t n;
    const uint32_t *rules =
        sp_fact_index_get(&ev->w->rules, m->instances.items[g].component, gf->a.name, &n);
    sp_word *matched = sp_bits_new(ev->temp, ev->u), *fresh = sp_bits_new(ev->temp, ev->u);
    sp_bits_clear(ev->u, out);
    if (!matched || !fresh)
        return;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rules[i];
        const sp_fact *rf = &m->facts.items[r];
        if (!fact_active(ev, r) ||
            sp_world_resolve(ev->w, rf->a.component, rf->owner, ev->present) != g)
            continue;
        const sp_word *match = sp_eval_fact_set(ev, r, 0);
        if (!match)
            return;
        if (rf->action == SP_ALLOW) {
            sp_bits_copy(ev->u, fresh, match);
            sp_bits_andnot(ev->u, fresh, matched);
            sp_bits_or(ev->u, out, fresh);
        }
        sp_bits_or(ev->u, matched, match);
    }
    if (gf->action == SP_ALLOW) {
        sp_bits_copy(ev->u, fresh, ev->all);
        sp_bits_andnot(ev->u, fresh, matched);
        sp_bits_or(ev->u, out, fresh);
    }
}

void sp_eval_slot(sp_eval *ev, uint32_t host, sp_name name, sp_word *out)
{
    const sp_world *w = ev->w;
    const sp_model *m = w->m;
    sp_bits_clear(ev->u, out);
    if (host == SP_NONE || host == SP_INTERNET)
        return;
    size_t n;
    const uint32_t *att =
        sp_fact_index_get(&w->attaches, m->instances.items[host].component, name, &n);
    bool any = false;
    sp_word *g = sp_bits_new(ev->temp, ev->u);
    if (!g)
        return;
    for (size_t i = 0; i < n; i++) {
        const sp_fact *af = &m->facts.items[att[i]];
        if (!fact_active(ev, att[i]) ||
            sp_world_resolve(w, af->a.component, af->owner, ev->present) != host)
            continue;
        uint32_t gi = sp_world_resolve(w, af->b.component, af->owner, ev->present);
        if (gi == SP_NONE || gi == SP_INTERNET)
            continue;
        uint32_t gf = sp_world_hosted(w, gi, SP_FACT_GUARD, af->b.name);
        if (gf == SP_NONE)
            continue;
        any = true;
        eval_guard(ev, gi, gf, g);
        sp_bits_or(ev->u, out, g);
    }
    if (!any) {
        uint32_t sf = sp_world_hosted(w, host, SP_FACT_SLOT, name);
        if (sf != SP_NONE && (m->facts.items[sf].flags & SP_FACT_EMPTY_ALLOWS))
            sp_bits_fill(ev->u, out);
    }
}

bool sp_eval_edge(sp_eval *ev, uint32_t f, sp_word *admitted, uint32_t *src, uint32_t *dst)
{
    const sp_world *w = ev->w;
    const sp_model *m = w->m;
    const sp_fact *e = &m->facts.items[f];
    if (!fact_active(ev, f))
        return false;
    *src = sp_world_resolve(w, e->a.component, e->owner, ev->present);
    *dst = sp_world_resolve(w, e->b.component, e->owner, ev->present);
    if (*src == SP_NONE || *dst == SP_NONE || *dst == SP_INTERNET)
        return false;
    const bool reissue = e->flags & SP_FACT_REISSUE;
    const sp_word *base = sp_eval_fact_set(ev, f, 0);
    const sp_word *ident = reissue ? sp_eval_fact_set(ev, f, 1) : NULL;
    if (!base || (reissue && !ident))
        return false;
    /* For a re-issuing hop the slots judge the hop's own identity; for
     * any other edge they filter the request itself. */
    sp_word *acc = reissue ? ev->tmp : admitted;
    sp_bits_copy(ev->u, acc, reissue ? ident : base);
    sp_word *slot = sp_bits_new(ev->temp, ev->u);
    if (!slot)
        return false;
    for (uint32_t k = 0; k < e->slots_count; k++) {
        const sp_ref *s = &m->slot_refs.items[e->slots_first + k];
        uint32_t host = sp_world_resolve(w, s->component, e->owner, ev->present);
        sp_eval_slot(ev, host, s->name, slot);
        sp_bits_and(ev->u, acc, slot);
    }
    if (reissue) {
        if (sp_bits_empty(ev->u, acc))
            return false;
        sp_bits_copy(ev->u, admitted, base);
    }
    return !sp_bits_empty(ev->u, admitted);
}

bool sp_eval_reach(sp_eval *ev, const uint32_t *edges, size_t nedges, const uint32_t *node_index,
                   size_t nnodes, sp_word **x)
{
    typedef struct { uint32_t src, dst; sp_word *adm; } active_edge;
    active_edge *act = malloc((nedges + 1) * sizeof *act);
    if (!act)
        return false;
    size_t na = 0;
    for (size_t i = 0; i < nnodes; i++)
        sp_bits_clear(ev->u, x[i]);
    for (size_t i = 0; i < nedges; i++) {
        sp_word *adm = sp_bits_new(ev->temp, ev->u);
        uint32_t src, dst;
        if (!adm) {
            free(act);
            return false;
        }
        if (!sp_eval_edge(ev, edges[i], adm, &src, &dst))
            continue;
        uint32_t d = node_index[dst];
        uint32_t s = src == SP_INTERNET ? SP_NONE : node_index[src];
        if (d == SP_NONE || (src != SP_INTERNET && s == SP_NONE))
            continue; /* outside the subgraph: cannot lead to the targets */
        act[na].src = s;
        act[na].dst = d;
        act[na].adm = adm;
        na++;
    }
    /* Edges from the internet seed the fixpoint; the rest propagate. */
    for (size_t i = 0; i < na; i++)
        if (act[i].src == SP_NONE)
            sp_bits_or(ev->u, x[act[i].dst], act[i].adm);
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < na; i++)
            if (act[i].src != SP_NONE &&
                sp_bits_or_and(ev->u, x[act[i].dst], x[act[i].src], act[i].adm))
                changed = true;
    }
    free(act);
    return true;
}

void sp_eval_accepts(sp_eval *ev, uint32_t v, sp_word *out)
{
    const sp_model *m = ev->w->m;
    const sp_instance *in = &m->instances.items[v];
    bool any = false;
    sp_bits_clear(ev->u, out);
    for (uint32_t k = 0; k < in->facts_count; k++) {
        uint32_t f = in->facts_first + k;
        if (m->facts.items[f].kind != SP_FACT_ACCEPTS)
            continue;
        const sp_word *s = sp_eval_fact_set(ev, f, 0);
        if (s)
            sp_bits_or(ev->u, out, s);
        any = true;
    }
    if (!any)
        sp_bits_fill(ev->u, out);
}

/* ---- point evaluation ---- */

typedef struct point_ctx {
    const sp_world *w;
    const unsigned char *present;
    const sp_key *p;
} point_ctx;

static bool point_guard(const point_ctx *pc, uint32_t g, uint32_t guard_fact)
{
    const sp_model *m = pc->w->m;
    const sp_fact *gf = &m->facts.items[guard_fact];
    size_t n;
    const uint32_t *rules =
        sp_fact_index_get(&pc->w->rules, m->instances.items[g].component, gf->a.name, &n);
    for (size_t i = 0; i < n; i++) {
        const sp_fact *rf = &m->facts.items[rules[i]];
        if (pc->present[rf->owner] != 1 ||
            sp_world_resolve(pc->w, rf->a.component, rf->owner, pc->present) != g)
            continue;
        if (sp_reqset_contains(rf->set, pc->p))
            return rf->action == SP_ALLOW;
    }
    return gf->action == SP_ALLOW;
}

static bool point_slot(const point_ctx *pc, uint32_t host, sp_name name)
{
    const sp_world *w = pc->w;
    const sp_model *m = w->m;
    if (host == SP_NONE || host == SP_INTERNET)
        return false;
    size_t n;
    const uint32_t *att =
        sp_fact_index_get(&w->attaches, m->instances.items[host].component, name, &n);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const sp_fact *af = &m->facts.items[att[i]];
        if (pc->present[af->owner] != 1 ||
            sp_world_resolve(w, af->a.component, af->owner, pc->present) != host)
            continue;
        uint32_t gi = sp_world_resolve(w, af->b.component, af->owner, pc->present);
        if (gi == SP_NONE || gi == SP_INTERNET)
            continue;
        uint32_t gf = sp_world_hosted(w, gi, SP_FACT_GUARD, af->b.name);
        if (gf == SP_NONE)
            continue;
        any = true;
        if (point_guard(pc, gi, gf))
            return true;
    }
    if (any)
        return false;
    uint32_t sf = sp_world_hosted(w, host, SP_FACT_SLOT, name);
    return sf != SP_NONE && (m->facts.items[sf].flags & SP_FACT_EMPTY_ALLOWS);
}

/* A re-issuing hop exists when some identity in set2 passes every slot.
 * That is a question about sets, so it gets a small universe of its own
 * built from the identity set and every rule the slots could use. */
static bool reissue_exists(const sp_world *w, const unsigned char *present, uint32_t f)
{
    const sp_model *m = w->m;
    const sp_fact *e = &m->facts.items[f];
    sp_arena scratch;
    sp_arena_init(&scratch, 0);
    sp_universe_builder ub;
    sp_universe_begin(&ub, &scratch);
    bool ok = sp_universe_add(&ub, e->set2);
    size_t nfacts = 1;
    for (uint32_t k = 0; ok && k < e->slots_count; k++) {
        const sp_ref *s = &m->slot_refs.items[e->slots_first + k];
        uint32_t host = sp_world_resolve(w, s->component, e->owner, present);
        if (host == SP_NONE || host == SP_INTERNET)
            continue;
        size_t na;
        const uint32_t *att =
            sp_fact_index_get(&w->attaches, m->instances.items[host].component, s->name, &na);
        for (size_t i = 0; ok && i < na; i++) {
            const sp_fact *af = &m->facts.items[att[i]];
            size_t nr;
            const uint32_t *rules = sp_fact_index_get(&w->rules, af->b.component, af->b.name, &nr);
            for (size_t r = 0; ok && r < nr; r++, nfacts++)
                ok = sp_universe_add(&ub, m->facts.items[rules[r]].set);
        }
    }
    sp_universe u;
    bool exists = false;
    sp_eval ev;
    if (ok && sp_universe_finish(&ub, &u, POINT_MAX_CELLS) &&
        sp_eval_init(&ev, w, &u, &scratch, &scratch, nfacts)) {
        ev.present = present;
        sp_word *adm = sp_bits_new(&scratch, &u);
        uint32_t src, dst;
        exists = adm && sp_eval_edge(&ev, f, adm, &src, &dst);
    }
    sp_arena_release(&scratch);
    return exists;
}

static bool point_edge(const point_ctx *pc, uint32_t f, uint32_t *src, uint32_t *dst)
{
    const sp_world *w = pc->w;
    const sp_model *m = w->m;
    const sp_fact *e = &m->facts.items[f];
    if (pc->present[e->owner] != 1)
        return false;
    *src = sp_world_resolve(w, e->a.component, e->owner, pc->present);
    *dst = sp_world_resolve(w, e->b.component, e->owner, pc->present);
    if (*src == SP_NONE || *dst == SP_NONE || *dst == SP_INTERNET)
        return false;
    if (e->set && !sp_reqset_contains(e->set, pc->p))
        return false;
    if (e->flags & SP_FACT_REISSUE)
        return reissue_exists(w, pc->present, f);
    for (uint32_t k = 0; k < e->slots_count; k++) {
        const sp_ref *s = &m->slot_refs.items[e->slots_first + k];
        uint32_t host = sp_world_resolve(w, s->component, e->owner, pc->present);
        if (!point_slot(pc, host, s->name))
            return false;
    }
    return true;
}

static bool point_accepts(const point_ctx *pc, uint32_t v)
{
    const sp_model *m = pc->w->m;
    const sp_instance *in = &m->instances.items[v];
    bool any = false;
    for (uint32_t k = 0; k < in->facts_count; k++) {
        const sp_fact *f = &m->facts.items[in->facts_first + k];
        if (f->kind != SP_FACT_ACCEPTS)
            continue;
        any = true;
        if (sp_reqset_contains(f->set, pc->p))
            return true;
    }
    return !any;
}

bool sp_point_ws_init(sp_point_ws *ws, const sp_world *w)
{
    const sp_model *m = w->m;
    size_t ni = m->instances.len, nc = m->components.len;
    memset(ws, 0, sizeof *ws);
    ws->w = w;
    ws->present = malloc(ni + 1);
    ws->parent = malloc((ni + 1) * sizeof *ws->parent);
    ws->queue = malloc((ni + 1) * sizeof *ws->queue);
    ws->ancestor = calloc(nc + 1, 1);
    ws->stack = malloc((nc + 1) * sizeof *ws->stack);
    ws->none = calloc(w->u->events.len + 1, 1);
    ws->seeds = malloc((w->edges_from_internet.len + 1) * sizeof *ws->seeds);
    bool ok = ws->present && ws->parent && ws->queue && ws->ancestor && ws->stack && ws->none &&
              ws->seeds;
    for (size_t i = 0; ok && i < ni; i++) {
        ws->present[i] = sp_world_present(w, (uint32_t)i, ws->none);
        ws->parent[i] = SP_NONE;
    }
    if (!ok)
        sp_point_ws_release(ws);
    return ok;
}

void sp_point_ws_release(sp_point_ws *ws)
{
    free(ws->present);
    free(ws->parent);
    free(ws->queue);
    free(ws->ancestor);
    free(ws->stack);
    free(ws->none);
    free(ws->seeds);
    memset(ws, 0, sizeof *ws);
}

/* Sets the presence of the instances of every component with an event in
 * `events` (restore = false), or back to the source configuration
 * (restore = true). */
static void apply_state(sp_point_ws *ws, const unsigned char *done, const uint32_t *events,
                        size_t nevents, bool restore)
{
    const sp_world *w = ws->w;
    const sp_update *u = w->u;
    for (size_t i = 0; i < nevents; i++) {
        uint32_t in[2];
        int n = sp_world_instances(w, u->events.items[events[i]].component, in);
        for (int k = 0; k < n; k++)
            ws->present[in[k]] = sp_world_present(w, in[k], restore ? ws->none : done);
    }
}

static int fact_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

bool sp_point_reaches(sp_point_ws *ws, const unsigned char *done, const uint32_t *done_list,
                      size_t ndone, uint32_t v, const sp_key point[SP_NDIMS], uint32_t **path,
                      size_t *npath)
{
    const sp_world *w = ws->w;
    const sp_model *m = w->m;
    size_t nc = m->components.len;
    bool found = false;
    apply_state(ws, done, done_list, ndone, false);
    /* Components with any edge path to v's, ignoring state and filters:
     * the forward search need not look anywhere else.  The edges from the
     * internet into them are collected on the way, so that a call costs
     * what leads to v, not every edge from the internet. */
    size_t next = 0, nanc = 0, nseeds = 0;
    uint32_t vc = m->instances.items[v].component;
    ws->ancestor[vc] = 1;
    ws->stack[nanc++] = vc;
    while (next < nanc) {
        uint32_t c = ws->stack[next++];
        for (uint32_t j = w->edges_in_first[c]; j < w->edges_in_first[c + 1]; j++) {
            uint32_t a = m->facts.items[w->edges_in[j]].a.component;
            if (a == SP_INTERNET)
                ws->seeds[nseeds++] = w->edges_in[j];
            else if (a < nc && !ws->ancestor[a]) {
                ws->ancestor[a] = 1;
                ws->stack[nanc++] = a;
            }
        }
    }
    /* In fact order, as edges_from_internet lists them: the search, and
     * so the path it returns, are those of a scan of that list. */
    qsort(ws->seeds, nseeds, sizeof *ws->seeds, fact_cmp);
    point_ctx pc = {w, ws->present, point};
    size_t head = 0, tail = 0;
    if (ws->present[v] && point_accepts(&pc, v)) {
        for (size_t j = 0; j < nseeds; j++) {
            uint32_t src, dst;
            uint32_t f = ws->seeds[j];
            if (point_edge(&pc, f, &src, &dst) && ws->parent[dst] == SP_NONE) {
                ws->parent[dst] = SP_INTERNET;
                ws->queue[tail++] = dst;
            }
        }
        while (head < tail && ws->parent[v] == SP_NONE) {
            uint32_t x = ws->queue[head++];
            uint32_t c = m->instances.items[x].component;
            for (uint32_t j = w->edges_out_first[c]; j < w->edges_out_first[c + 1]; j++) {
                uint32_t src, dst, f = w->edges_out[j];
                if (ws->ancestor[m->facts.items[f].b.component] &&
                    point_edge(&pc, f, &src, &dst) && src == x && ws->parent[dst] == SP_NONE) {
                    ws->parent[dst] = x;
                    ws->queue[tail++] = dst;
                }
            }
        }
        found = ws->parent[v] != SP_NONE;
    }
    if (found && path) {
        size_t len = 1;
        for (uint32_t x = v; x != SP_INTERNET; x = ws->parent[x])
            len++;
        uint32_t *p = sp_arena_calloc(&w->ctx->arena, len, sizeof *p);
        if (p) {
            size_t k = len;
            for (uint32_t x = v; x != SP_INTERNET; x = ws->parent[x])
                p[--k] = x;
            p[0] = SP_INTERNET;
            *path = p;
            *npath = len;
        } else {
            found = false;
        }
    }
    for (size_t i = 0; i < tail; i++)
        ws->parent[ws->queue[i]] = SP_NONE;
    for (size_t i = 0; i < nanc; i++)
        ws->ancestor[ws->stack[i]] = 0;
    apply_state(ws, done, done_list, ndone, true);
    return found;
}
