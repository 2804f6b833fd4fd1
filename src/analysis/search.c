/* The window search (DESIGN §3.5).  For each group of instances that share
 * a requirement, the events that can change their exposure (the influence
 * set of their subgraph) are few; the reachable states projected onto them
 * are exactly the down-closed subsets under the engine's order, and those
 * are enumerated.  Every finding's witness is re-checked by the point
 * evaluator over the whole model before it is reported. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_INFLUENCE = 62 };

typedef struct searcher {
    const sp_update *u;
    const sp_requirements *req;
    const sp_limits *lim;
    sp_report *out;
    sp_world w;
    sp_ctx *ctx;
    sp_subgraph_marks *marks;
    sp_point_ws point;      /* for re-checking witnesses */
    unsigned char *done;    /* per event */
    unsigned char *present; /* per instance; 2 = not part of this question */
    unsigned char *influenced; /* per component, in a whole update: see find_influenced */
    bool failed;            /* internal failure */
    bool stopped;           /* a bound stopped the search */
} searcher;

/* One question: a target group, its subgraph, its influence events. */
typedef struct question {
    sp_target_group g;
    sp_subgraph sg;
    uint32_t ev[MAX_INFLUENCE];
    uint64_t pred[MAX_INFLUENCE]; /* bit j: ev[j] must precede ev[i] */
    int k;
    sp_universe uni;
    sp_eval eval;
    sp_word **x;
    sp_word *req[2], *acc[2], *total[2], *tmp;
    /* With a requirement computed here (sp_requirement_local), the first
     * and last states were evaluated for it: each target's reach in them
     * is kept, and the enumeration, which visits both, does not evaluate
     * them again. */
    bool kept;
    uint64_t full;                   /* the last state: every event done */
    sp_word *first[2], *last[2];
    const sp_word *row[2];           /* each target's reach in the current state */
    uint64_t witness[2];
    bool has_witness[2];
    size_t sample[2];
} question;

static void incomplete(searcher *s, const char *why)
{
    if (!s->stopped) {
        s->stopped = true;
        s->out->complete = false;
        s->out->incomplete_reason = why;
    }
}

static void set_state(searcher *s, const question *q, uint64_t mask)
{
    for (int i = 0; i < q->k; i++)
        s->done[q->ev[i]] = (mask >> i) & 1;
    for (size_t i = 0; i < q->sg.involved.len; i++) {
        uint32_t in = q->sg.involved.items[i];
        s->present[in] = sp_world_present(&s->w, in, s->done);
    }
}

static void clear_state(searcher *s, const question *q)
{
    for (int i = 0; i < q->k; i++)
        s->done[q->ev[i]] = 0;
    for (size_t i = 0; i < q->sg.involved.len; i++)
        s->present[q->sg.involved.items[i]] = 2;
}

/* Orders the influence events topologically and records, for each, which
 * of the others must precede it in every run. */
static void order_events(const searcher *s, question *q)
{
    for (int i = 1; i < q->k; i++)
        for (int j = i; j > 0 && s->w.topo_rank[q->ev[j - 1]] > s->w.topo_rank[q->ev[j]]; j--) {
            uint32_t t = q->ev[j];
            q->ev[j] = q->ev[j - 1];
            q->ev[j - 1] = t;
        }
    for (int i = 0; i < q->k; i++) {
        q->pred[i] = 0;
        for (int j = 0; j < i; j++)
            if (sp_world_before(&s->w, q->ev[j], q->ev[i]))
                q->pred[i] |= (uint64_t)1 << j;
    }
}

/* Exposure excess of target k in the state set by set_state; into `out`.
 * False when the target is absent. */
static bool excess_now(searcher *s, question *q, int k, sp_word *out)
{
    uint32_t t = q->g.inst[k];
    if (s->present[t] != 1)
        return false;
    sp_bits_copy(&q->uni, out, q->row[k]);
    sp_bits_and(&q->uni, out, q->acc[k]);
    sp_bits_andnot(&q->uni, out, q->req[k]);
    return true;
}

static bool evaluate(searcher *s, question *q, uint64_t mask)
{
    set_state(s, q, mask);
    bool any = false;
    for (int k = 0; k < q->g.n; k++)
        any |= s->present[q->g.inst[k]] == 1;
    if (!any)
        return true;
    if (q->kept && (mask == 0 || mask == q->full)) {
        for (int k = 0; k < q->g.n; k++)
            q->row[k] = mask == 0 ? q->first[k] : q->last[k];
        return true;
    }
    if (!sp_eval_reach(&q->eval, q->sg.edges.items, q->sg.edges.len, q->sg.node_index,
                       q->sg.nodes.len, q->x))
        return false;
    for (int k = 0; k < q->g.n; k++)
        q->row[k] = q->x[q->sg.node_index[q->g.inst[k]]];
    return true;
}

/* The requirement of the question's targets from its own first and last
 * states, as sp_requirement_exposure computes it from OLD and NEW (the
 * union over the group); keeps each target's reach in both states. */
static bool local_requirement(searcher *s, question *q)
{
    const sp_universe *u = &q->uni;
    for (int k = 0; k < q->g.n; k++)
        if (!(q->first[k] = sp_bits_new(q->eval.scratch, u)) ||
            !(q->last[k] = sp_bits_new(q->eval.scratch, u)))
            return false;
    for (int state = 0; state < 2; state++) {
        sp_arena_mark mark = sp_arena_get_mark(q->eval.temp);
        set_state(s, q, state ? q->full : 0);
        if (!sp_eval_reach(&q->eval, q->sg.edges.items, q->sg.edges.len, q->sg.node_index,
                           q->sg.nodes.len, q->x))
            return false;
        for (int k = 0; k < q->g.n; k++) {
            uint32_t t = q->g.inst[k];
            if (s->present[t] != 1)
                continue;
            const sp_word *row = q->x[q->sg.node_index[t]];
            sp_bits_copy(u, state ? q->last[k] : q->first[k], row);
            if (!sp_requirement_wanted(s->u->model, &q->g, k, state))
                continue;
            sp_bits_copy(u, q->tmp, q->acc[k]);
            sp_bits_and(u, q->tmp, row);
            sp_bits_or(u, q->req[0], q->tmp);
        }
        sp_arena_reset(q->eval.temp, mark);
    }
    for (int k = 1; k < q->g.n; k++)
        sp_bits_copy(u, q->req[k], q->req[0]);
    q->kept = true;
    return true;
}

/* Called for every down-closed subset; returns false to stop early. */
typedef bool (*visit_fn)(searcher *s, question *q, uint64_t mask, void *arg);

static bool count_state(searcher *s)
{
    if (++s->out->states_explored > s->lim->max_states) {
        incomplete(s, "the bound on evaluated states was reached (--max-states)");
        return false;
    }
    return true;
}

static bool visit_exposure(searcher *s, question *q, uint64_t mask, void *arg)
{
    (void)arg;
    sp_arena_mark mark = sp_arena_get_mark(q->eval.temp);
    if (!evaluate(s, q, mask)) {
        s->failed = true;
        return false;
    }
    for (int k = 0; k < q->g.n; k++) {
        if (!excess_now(s, q, k, q->tmp) || sp_bits_empty(&q->uni, q->tmp))
            continue;
        sp_bits_or(&q->uni, q->total[k], q->tmp);
        if (!q->has_witness[k]) {
            q->has_witness[k] = true;
            q->witness[k] = mask;
            q->sample[k] = sp_bits_pick_sample(&q->uni, q->tmp);
        }
    }
    sp_arena_reset(q->eval.temp, mark);
    return true;
}

/* Visits every down-closed subset of the question's events: events come in
 * topological order, so an event may join once all its predecessors have. */
static bool enumerate(searcher *s, question *q, int i, uint64_t mask, visit_fn fn, void *arg)
{
    if (s->failed || s->stopped)
        return false;
    if (i == q->k)
        return count_state(s) && fn(s, q, mask, arg);
    if (!enumerate(s, q, i + 1, mask, fn, arg))
        return false;
    if (!(q->pred[i] & ~mask))
        return enumerate(s, q, i + 1, mask | (uint64_t)1 << i, fn, arg);
    return true;
}

/* The concrete reachable state of a projected witness: every event of the
 * mask, and every event that must precede one of them. */
static bool concrete_state(searcher *s, const question *q, uint64_t mask, unsigned char *done)
{
    size_t ne = s->u->events.len;
    memset(done, 0, ne + 1);
    bool cleanup = false;
    for (int i = 0; i < q->k; i++) {
        if (!((mask >> i) & 1))
            continue;
        uint32_t e = q->ev[i];
        done[e] = 1;
        cleanup |= s->u->events.items[e].phase == SP_PHASE_CLEANUP;
        const sp_word *p = sp_world_pred(&s->w, e);
        for (size_t w = 0; w < s->w.pred_words; w++)
            for (sp_word bits = p[w]; bits; bits &= bits - 1)
                done[w * 64 + (size_t)__builtin_ctzll(bits)] = 1;
    }
    if (cleanup)
        for (size_t j = 0; j < ne; j++)
            if (s->u->events.items[j].phase == SP_PHASE_MAIN)
                done[j] = 1;
    /* The projection of that state must be the mask itself. */
    for (int i = 0; i < q->k; i++)
        if (done[q->ev[i]] != ((mask >> i) & 1))
            return false;
    return true;
}

static bool push_events(sp_ctx *ctx, uint32_t **out, size_t *n, const uint32_t *ev, size_t k)
{
    *out = sp_arena_calloc(&ctx->arena, k + 1, sizeof **out);
    if (!*out)
        return false;
    memcpy(*out, ev, k * sizeof *ev);
    *n = k;
    return true;
}

/* Whether the finding is still shown by the projected state `mask`;
 * -1 on internal failure. */
typedef int (*shows_fn)(searcher *s, question *q, uint64_t mask, void *arg);

static int exposure_shows(searcher *s, question *q, uint64_t mask, void *arg)
{
    int k = *(const int *)arg;
    sp_arena_mark mark = sp_arena_get_mark(q->eval.temp);
    if (!evaluate(s, q, mask))
        return -1;
    bool still = excess_now(s, q, k, q->tmp) && sp_bits_get(q->tmp, q->sample[k]);
    sp_arena_reset(q->eval.temp, mark);
    return still;
}

/* Which influence events decide the witness: an event is named when
 * changing it alone — a pending event happening (with whatever must
 * precede it), or a done event undone (with whatever must follow it) —
 * makes the finding disappear. */
static bool explain_witness(searcher *s, question *q, uint64_t mask, uint32_t target,
                            shows_fn shows, void *arg, sp_finding *f)
{
    uint32_t done[MAX_INFLUENCE], pending[MAX_INFLUENCE];
    size_t nd = 0, np = 0;
    /* The target's own appearance, as a bit of the mask (0 if none). */
    uint64_t birth = 0;
    for (int i = 0; i < q->k; i++)
        if (q->ev[i] == s->u->presence[target].birth)
            birth = (uint64_t)1 << i;
    for (int i = 0; i < q->k; i++) {
        uint64_t bit = (uint64_t)1 << i, flipped;
        if (mask & bit) {
            uint64_t after = bit;
            for (int j = 0; j < q->k; j++)
                if (q->pred[j] & bit)
                    after |= (uint64_t)1 << j;
            /* Undoing what the target needs in order to exist explains
             * nothing about the window. */
            if ((after & birth) && bit != birth)
                continue;
            flipped = mask & ~after;
        } else {
            flipped = mask | bit | q->pred[i];
        }
        int st = shows(s, q, flipped, arg);
        if (st < 0)
            return false;
        if (st)
            continue;
        if (mask & bit)
            done[nd++] = q->ev[i];
        else
            pending[np++] = q->ev[i];
    }
    if (nd + np == 0)
        for (int i = 0; i < q->k; i++) {
            if ((mask >> i) & 1)
                done[nd++] = q->ev[i];
            else
                pending[np++] = q->ev[i];
        }
    return push_events(s->ctx, &f->done, &f->ndone, done, nd) &&
           push_events(s->ctx, &f->pending, &f->npending, pending, np);
}

static bool add_finding(searcher *s, sp_finding *f)
{
    if (!sp_vec_push(&s->ctx->arena, &s->out->findings, *f)) {
        s->failed = true;
        return false;
    }
    return true;
}

static bool report_exposure(searcher *s, question *q, int k)
{
    sp_ctx *ctx = s->ctx;
    uint32_t t = q->g.inst[k];
    sp_finding f;
    memset(&f, 0, sizeof f);
    f.kind = SP_FINDING_EXPOSURE;
    f.instance = t;
    f.excess_set = sp_bits_to_set(ctx, &q->uni, q->total[k]);
    if (!f.excess_set || !sp_summarise_excess(ctx, f.excess_set, &f.excess, &f.nexcess) ||
        !explain_witness(s, q, q->witness[k], t, exposure_shows, &k, &f))
        return false;
    size_t ne = s->u->events.len;
    unsigned char *state = calloc(ne + 1, 1);
    if (!state)
        return false;
    sp_key point[SP_NDIMS];
    sp_cell_point(&q->uni, q->sample[k], point);
    bool ok = concrete_state(s, q, q->witness[k], state);
    uint32_t *evs = malloc((ne + 1) * sizeof *evs);
    size_t n = 0;
    for (size_t e = 0; ok && evs && e < ne; e++)
        if (state[e])
            evs[n++] = (uint32_t)e;
    /* The witness must stand on its own: the point evaluator, over the
     * whole model, must see the sample request reach the instance in the
     * concrete state, and the requirement must not allow it. */
    const sp_reqset *req = sp_requirement_exposure(s->req, t);
    if (ok && evs)
        ok = req && !sp_reqset_contains(req, point) &&
             sp_point_reaches(&s->point, state, evs, n, t, point, &f.path, &f.npath);
    if (!ok) {
        const sp_instance *in = &s->u->model->instances.items[t];
        sp_error(ctx, in->loc, "internal: the witness of a window on %s did not re-check",
                 s->u->model->components.items[in->component].key);
        free(evs);
        free(state);
        s->failed = true;
        return false;
    }
    ok = evs && push_events(ctx, &f.state, &f.nstate, evs, n);
    free(evs);
    free(state);
    f.sample = sp_describe_request(ctx, point);
    return ok && f.sample && add_finding(s, &f);
}

static bool component_changes(const sp_world *w, const unsigned char *changes, uint32_t c)
{
    return c < w->m->components.len && changes[c];
}

/* In a whole update, marks the components whose instances may have an
 * instance with an event in their subgraph: those that consult a
 * component that changes, and every component downstream of them.  What a
 * node of component c consults over-approximates what sp_subgraph_build
 * involves for it: c, and for each edge into c its owner, its source
 * (whose instances are nodes in turn), its slots, their attachments'
 * owners and guards, and those guards' rules' owners.  A target of an
 * unmarked component has no event in its subgraph, so no window, and
 * needs no subgraph built: most of a large update. */
static bool find_influenced(searcher *s)
{
    const sp_world *w = &s->w;
    const sp_model *m = w->m;
    size_t nc = m->components.len;
    unsigned char *changes = calloc(nc + 1, 1);
    uint32_t *queue = malloc((nc + 1) * sizeof *queue);
    s->influenced = calloc(nc + 1, 1);
    if (!changes || !queue || !s->influenced) {
        free(changes);
        free(queue);
        return false;
    }
    for (size_t i = 0; i < m->instances.len; i++) {
        const sp_presence *p = &s->u->presence[i];
        if (p->birth != SP_NONE || p->death != SP_NONE)
            changes[m->instances.items[i].component] = 1;
    }
    size_t tail = 0;
    for (uint32_t c = 0; c < nc; c++) {
        bool consults = changes[c];
        for (uint32_t j = w->edges_in_first[c]; j < w->edges_in_first[c + 1] && !consults; j++) {
            const sp_fact *e = &m->facts.items[w->edges_in[j]];
            consults = component_changes(w, changes, m->instances.items[e->owner].component) ||
                       component_changes(w, changes, e->a.component);
            for (uint32_t k = 0; k < e->slots_count && !consults; k++) {
                const sp_ref *sl = &m->slot_refs.items[e->slots_first + k];
                consults = component_changes(w, changes, sl->component);
                size_t na;
                const uint32_t *att = sp_fact_index_get(&w->attaches, sl->component, sl->name, &na);
                for (size_t x = 0; x < na && !consults; x++) {
                    const sp_fact *af = &m->facts.items[att[x]];
                    consults = component_changes(w, changes, m->instances.items[af->owner].component) ||
                               component_changes(w, changes, af->b.component);
                    size_t nr;
                    const uint32_t *rules =
                        sp_fact_index_get(&w->rules, af->b.component, af->b.name, &nr);
                    for (size_t y = 0; y < nr && !consults; y++)
                        consults = component_changes(
                            w, changes, m->instances.items[m->facts.items[rules[y]].owner].component);
                }
            }
        }
        if (consults) {
            s->influenced[c] = 1;
            queue[tail++] = c;
        }
    }
    /* A node's sources are nodes too: what reaches c is marked downstream. */
    for (size_t head = 0; head < tail; head++) {
        uint32_t c = queue[head];
        for (uint32_t j = w->edges_out_first[c]; j < w->edges_out_first[c + 1]; j++) {
            uint32_t b = m->facts.items[w->edges_out[j]].b.component;
            if (b < nc && !s->influenced[b]) {
                s->influenced[b] = 1;
                queue[tail++] = b;
            }
        }
    }
    free(changes);
    free(queue);
    return true;
}

/* Sets up and runs one exposure question; false on internal failure. */
static bool search_group(searcher *s, const sp_target_group *g, sp_arena *scratch,
                         sp_arena *temp)
{
    if (s->influenced && !s->influenced[s->u->model->instances.items[g->inst[0]].component])
        return true; /* see find_influenced */
    question *q = sp_arena_alloc(scratch, sizeof *q);
    if (!q)
        return false;
    q->g = *g;
    if (!sp_subgraph_build(&s->w, s->marks, g->inst, (size_t)g->n, scratch, &q->sg))
        return false;
    /* In a whole update, events of the targets alone cannot open a window:
     * with nothing else changing, a target's exposure is its own
     * configuration's.  (A planner's step starts from a mix, so it is
     * evaluated anyway.) */
    bool other = false;
    for (size_t i = 0; i < q->sg.events.len && !other; i++) {
        uint32_t e = q->sg.events.items[i];
        bool own = false;
        for (int k = 0; k < g->n; k++) {
            const sp_presence *p = &s->u->presence[g->inst[k]];
            own |= p->birth == e || p->death == e;
        }
        other = !own;
    }
    if (!other && s->u->whole)
        return true;
    if (q->sg.events.len > MAX_INFLUENCE) {
        incomplete(s, "an instance's exposure depends on more than 62 events");
        return true;
    }
    q->k = (int)q->sg.events.len;
    if (q->k)
        memcpy(q->ev, q->sg.events.items, (size_t)q->k * sizeof *q->ev);
    order_events(s, q);
    q->full = ((uint64_t)1 << q->k) - 1;
    const bool local = sp_requirement_local(s->req, s->u, &q->sg);
    const sp_reqset *req[2] = {NULL, NULL};
    for (int k = 0; k < g->n && !local; k++)
        if (!(req[k] = sp_requirement_exposure(s->req, g->inst[k])))
            return false;
    sp_universe_builder ub;
    sp_universe_begin(&ub, scratch);
    if (!sp_universe_add_subgraph(&ub, &s->w, &q->sg))
        return false;
    /* A requirement's boundaries are those of its own universe, which is
     * this one when computed here. */
    for (int k = 0; k < g->n && !local; k++)
        if (!sp_universe_add(&ub, req[k]))
            return false;
    if (!sp_universe_finish(&ub, &q->uni, s->lim->max_cells)) {
        /* Asked for before, as when not computed here (it is unbounded,
         * and may fail where this universe only stops the search). */
        for (int k = 0; k < g->n && local; k++)
            if (!sp_requirement_exposure(s->req, g->inst[k]))
                return false;
        incomplete(s, "a request universe exceeded the bound on cells");
        return true;
    }
    if (!sp_eval_init(&q->eval, &s->w, &q->uni, scratch, temp, q->sg.set_facts.len))
        return false;
    q->eval.present = s->present;
    q->x = sp_arena_calloc(scratch, q->sg.nodes.len + 1, sizeof *q->x);
    q->tmp = sp_bits_new(scratch, &q->uni);
    if (!q->x || !q->tmp)
        return false;
    for (size_t i = 0; i < q->sg.nodes.len; i++)
        if (!(q->x[i] = sp_bits_new(scratch, &q->uni)))
            return false;
    for (int k = 0; k < g->n; k++) {
        q->req[k] = sp_bits_new(scratch, &q->uni);
        q->acc[k] = sp_bits_new(scratch, &q->uni);
        q->total[k] = sp_bits_new(scratch, &q->uni);
        if (!q->req[k] || !q->acc[k] || !q->total[k])
            return false;
        if (!local)
            sp_bits_from_set(&q->uni, req[k], q->req[k]);
        sp_eval_accepts(&q->eval, g->inst[k], q->acc[k]);
    }
    if (local && !local_requirement(s, q))
        return false;
    enumerate(s, q, 0, 0, visit_exposure, NULL);
    bool ok = !s->failed;
    /* The witness re-check asks for the requirement as a set. */
    if (ok && local && (q->has_witness[0] || q->has_witness[1])) {
        const sp_reqset *set = sp_bits_to_set(s->ctx, &q->uni, q->req[0]);
        if (!set)
            return false;
        sp_requirement_store(s->req, g, set);
    }
    for (int k = 0; ok && k < g->n; k++)
        if (q->has_witness[k])
            ok = report_exposure(s, q, k);
    clear_state(s, q);
    return ok;
}

/* ---- dangling references ---- */

typedef struct dangling_probe {
    uint32_t referrer;
    sp_name name;
    uint64_t mask;
    bool found;
} dangling_probe;

static int dangling_shows(searcher *s, question *q, uint64_t mask, void *arg)
{
    const dangling_probe *p = arg;
    set_state(s, q, mask);
    return s->present[p->referrer] == 1 && !sp_name_owned(&s->w, p->name, s->present);
}

static bool visit_dangling(searcher *s, question *q, uint64_t mask, void *arg)
{
    dangling_probe *p = arg;
    set_state(s, q, mask);
    if (s->present[p->referrer] == 1 && !sp_name_owned(&s->w, p->name, s->present)) {
        p->mask = mask;
        p->found = true;
        return false; /* one witness is enough */
    }
    return true;
}

static bool search_dangling(searcher *s, uint32_t refer_fact, sp_arena *scratch)
{
    const sp_model *m = s->u->model;
    const sp_fact *rf = &m->facts.items[refer_fact];
    uint32_t u = rf->owner;
    size_t nclaims;
    const uint32_t *claims = sp_fact_index_get(&s->w.claims, 0, rf->name, &nclaims);
    if (nclaims == 0)
        return true; /* owned by nobody in either configuration: external */
    if (sp_requirement_dangling_allowed(s->req, &s->w, u, rf->name))
        return true;
    question *q = sp_arena_alloc(scratch, sizeof *q);
    if (!q)
        return false;
    /* The involved instances: the referrer and every claimant. */
    SP_VEC(uint32_t) inv = {0};
    bool ok = sp_vec_push(scratch, &inv, u);
    for (size_t i = 0; ok && i < nclaims; i++)
        ok = sp_vec_push(scratch, &inv, m->facts.items[claims[i]].owner);
    if (!ok)
        return false;
    q->sg.involved.items = inv.items;
    q->sg.involved.len = inv.len;
    for (size_t i = 0; i < inv.len; i++) {
        const sp_presence *p = &s->u->presence[inv.items[i]];
        uint32_t ev[2] = {p->birth, p->death};
        for (int j = 0; j < 2; j++) {
            if (ev[j] == SP_NONE)
                continue;
            bool seen = false;
            for (int x = 0; x < q->k; x++)
                seen |= q->ev[x] == ev[j];
            if (seen)
                continue;
            if (q->k == MAX_INFLUENCE) {
                incomplete(s, "a claimable name depends on more than 62 events");
                return true;
            }
            q->ev[q->k++] = ev[j];
        }
    }
    order_events(s, q);
    dangling_probe probe = {u, rf->name, 0, false};
    enumerate(s, q, 0, 0, visit_dangling, &probe);
    clear_state(s, q);
    if (s->failed)
        return false;
    if (!probe.found)
        return true;
    uint64_t found = probe.mask;
    /* Merge into the instance's finding when it already has one. */
    const char *name = sp_intern_str(&s->ctx->names, rf->name);
    for (size_t i = 0; i < s->out->findings.len; i++) {
        sp_finding *f = &s->out->findings.items[i];
        if (f->kind == SP_FINDING_DANGLING && f->instance == u) {
            f->name = sp_arena_printf(&s->ctx->arena, "%s, %s", f->name, name);
            return f->name != NULL;
        }
    }
    sp_finding f;
    memset(&f, 0, sizeof f);
    f.kind = SP_FINDING_DANGLING;
    f.instance = u;
    f.name = name;
    if (!explain_witness(s, q, found, u, dangling_shows, &probe, &f))
        return false;
    clear_state(s, q);
    size_t ne = s->u->events.len, ni = m->instances.len;
    unsigned char *state = calloc(ne + 1, 1), *present = calloc(ni + 1, 1);
    uint32_t *evs = malloc((ne + 1) * sizeof *evs);
    ok = state && present && evs && concrete_state(s, q, found, state);
    /* Re-check on the concrete state, over every instance. */
    for (size_t i = 0; ok && i < ni; i++)
        present[i] = sp_world_present(&s->w, (uint32_t)i, state);
    ok = ok && present[u] && !sp_name_owned(&s->w, rf->name, present);
    if (!ok && state && present && evs) {
        sp_error(s->ctx, m->instances.items[u].loc,
                 "internal: the witness of a dangling reference did not re-check");
        s->failed = true;
    }
    size_t n = 0;
    for (size_t e = 0; ok && e < ne; e++)
        if (state[e])
            evs[n++] = (uint32_t)e;
    ok = ok && push_events(s->ctx, &f.state, &f.nstate, evs, n);
    free(state);
    free(present);
    free(evs);
    f.path = sp_arena_calloc(&s->ctx->arena, 1, sizeof *f.path);
    if (!ok || !f.path)
        return false;
    f.path[0] = u;
    f.npath = 1;
    return add_finding(s, &f);
}

static int finding_cmp(const void *a, const void *b, const sp_model *m)
{
    const sp_finding *x = a, *y = b;
    uint32_t cx = m->instances.items[x->instance].component;
    uint32_t cy = m->instances.items[y->instance].component;
    if (cx != cy)
        return cx < cy ? -1 : 1;
    if (x->instance != y->instance)
        return x->instance < y->instance ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

static void sort_findings(sp_report *r)
{
    /* Insertion sort: stable, and the lists are short. */
    sp_finding *f = r->findings.items;
    for (size_t i = 1; i < r->findings.len; i++)
        for (size_t j = i; j > 0 && finding_cmp(&f[j - 1], &f[j], r->model) > 0; j--) {
            sp_finding t = f[j];
            f[j] = f[j - 1];
            f[j - 1] = t;
        }
}

bool sp_search(const sp_update *u, const sp_requirements *req, const sp_limits *lim,
               sp_report *out)
{
    const sp_model *m = u->model;
    searcher s;
    memset(&s, 0, sizeof s);
    memset(out, 0, sizeof *out);
    out->model = m;
    out->update = u;
    out->complete = true;
    s.u = u;
    s.req = req;
    s.lim = lim;
    s.out = out;
    s.ctx = m->ctx;
    size_t ne = u->events.len, ni = m->instances.len;
    s.done = calloc(ne + 1, 1);
    s.present = malloc(ni + 1);
    bool ok = s.done && s.present && sp_world_build(&s.w, u) &&
              (s.marks = sp_subgraph_marks_new(&s.w)) != NULL && sp_point_ws_init(&s.point, &s.w);
    if (ok)
        memset(s.present, 2, ni + 1);
    if (ok && u->whole)
        ok = find_influenced(&s);
    sp_arena scratch, temp;
    sp_arena_init(&scratch, 0);
    sp_arena_init(&temp, 0);
    for (size_t c = 0; ok && c < m->components.len && !s.stopped; c++) {
        sp_target_group groups[2];
        int n = sp_target_groups(m, (uint32_t)c, groups);
        for (int i = 0; ok && i < n && !s.stopped; i++) {
            sp_arena_mark mark = sp_arena_get_mark(&scratch);
            ok = search_group(&s, &groups[i], &scratch, &temp) && !s.failed;
            sp_arena_reset(&scratch, mark);
        }
    }
    for (size_t i = 0; ok && i < s.w.refers.len && !s.stopped; i++) {
        sp_arena_mark mark = sp_arena_get_mark(&scratch);
        ok = search_dangling(&s, s.w.refers.items[i], &scratch) && !s.failed;
        sp_arena_reset(&scratch, mark);
    }
    sp_arena_release(&scratch);
    sp_arena_release(&temp);
    sp_subgraph_marks_free(s.marks);
    sp_point_ws_release(&s.point);
    sp_world_release(&s.w);
    free(s.done);
    free(s.present);
    free(s.influenced);
    if (ok) {
        sort_findings(out);
        sp_apply_suppressions(m, out); /* accepted windows, for every caller */
    } else if (!s.ctx->errors)
        sp_oom(s.ctx);
    return ok;
}
