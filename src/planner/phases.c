/* Plans: a safe single step when extra edges suffice, otherwise a sequence
 * of intermediate configurations (a per-component mix of OLD and NEW),
 * each well formed and each step safe under the update's requirements.
 *
 * Phases are found greedily: try to switch every remaining component; when
 * no ordering makes that step safe, defer the component the first window is
 * about (or, when that one is not switching, the components whose events
 * the witness needed to have happened) and try again. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct planner {
    const sp_update *u;
    const sp_model *m;
    const sp_requirements *req;
    const sp_limits *lim;
    sp_plan *out;
    sp_ctx *ctx;
} planner;

/* Does component c exist when at version v (0 old, 1 new)? */
static bool exists_at(const sp_component *c, unsigned char v)
{
    return (v ? c->inst_new : c->inst_old) != SP_NONE;
}

/* Components that take part of their definitions from one place of the
 * configuration's own sections (sp_cowritten with no host: SAM's Globals)
 * can only be written at one version: a mix with two of them present at
 * different versions has no text.  *other: one that differs from k. */
static bool shares_written_version(const sp_model *m, const unsigned char *to, uint32_t k,
                                   uint32_t *other)
{
    for (size_t i = 0; i < m->cowritten.len; i++) {
        const sp_cowritten *a = &m->cowritten.items[i];
        if (a->part != k || a->host != SP_NONE)
            continue;
        for (size_t j = 0; j < m->cowritten.len; j++) {
            const sp_cowritten *b = &m->cowritten.items[j];
            if (b->part == k || to[b->part] == to[k] ||
                !exists_at(&m->components.items[b->part], to[b->part]) ||
                !sp_cowritten_same_place(a, b))
                continue;
            *other = b->part;
            return false;
        }
    }
    return true;
}

/* Is the mix `to` well formed for component k?  Every reference of k's
 * definition at its version must resolve; a reference to a replaced
 * component means that component's instance of the same version; and what
 * k shares with others of the configuration's text is at one version. */
static bool references_resolve(const sp_model *m, const unsigned char *to, uint32_t k,
                               uint32_t *missing)
{
    const sp_component *c = &m->components.items[k];
    uint32_t inst = to[k] ? c->inst_new : c->inst_old;
    if (inst == SP_NONE)
        return true;
    if (!shares_written_version(m, to, k, missing))
        return false;
    const sp_instance *in = &m->instances.items[inst];
    for (uint32_t i = 0; i < in->deps_count; i++) {
        const sp_dep *dep = &m->deps.items[in->deps_first + i];
        uint32_t j = dep->component;
        /* DependsOn is neutral: an unchanged component's list may differ
         * between the versions, and a phase file takes whichever resolves. */
        if (dep->declared && in->version == SP_VER_BOTH && m->engine == SP_ENGINE_STACK)
            continue;
        const sp_component *d = &m->components.items[j];
        bool ok = exists_at(d, to[j]);
        if (ok && d->change == SP_CHANGE_REPLACED && in->version != SP_VER_BOTH)
            ok = to[j] == (in->version == SP_VER_NEW);
        /* In a fleet, "after: j" is the operator's order: k may not take
         * its new version before j has. */
        if (ok && m->engine == SP_ENGINE_FLEET && dep->declared && to[k] &&
            d->change != SP_CHANGE_UNCHANGED)
            ok = to[j];
        if (!ok) {
            *missing = j;
            return false;
        }
    }
    return true;
}

/* Shrinks `switching` until the target mix is well formed: a component
 * whose switch would leave a reference dangling is deferred, and so is one
 * that a staying component still needs in its old form. */
static void close_mix(const sp_model *m, const unsigned char *from, unsigned char *switching,
                      unsigned char *to)
{
    size_t nc = m->components.len;
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t k = 0; k < nc; k++)
            to[k] = switching[k] ? !from[k] : from[k];
        for (size_t k = 0; k < nc; k++) {
            uint32_t missing;
            if (references_resolve(m, to, (uint32_t)k, &missing))
                continue;
            /* Either k should not switch yet, or `missing` should. */
            if (switching[k]) {
                switching[k] = 0;
            } else if (switching[missing]) {
                switching[missing] = 0;
            } else {
                continue; /* from itself is ill formed: nothing to do here */
            }
            changed = true;
        }
    }
}

static bool record_step(planner *p, const sp_update *step, const unsigned char *switching,
                        const unsigned char *to, size_t first_extra)
{
    sp_ctx *ctx = p->ctx;
    const sp_model *m = p->m;
    size_t nc = m->components.len;
    sp_step s;
    memset(&s, 0, sizeof s);
    sp_update *copy = sp_arena_alloc(&ctx->arena, sizeof *copy);
    s.to_new = sp_arena_alloc(&ctx->arena, nc + 1);
    s.changes = sp_arena_calloc(&ctx->arena, nc + 1, sizeof *s.changes);
    s.edges = sp_arena_calloc(&ctx->arena, step->order.len + 1, sizeof *s.edges);
    if (!copy || !s.to_new || !s.changes || !s.edges || !sp_update_copy(copy, step))
        return false;
    memcpy(s.to_new, to, nc);
    for (size_t k = 0; k < nc; k++)
        if (switching[k] && m->components.items[k].change != SP_CHANGE_UNCHANGED)
            s.changes[s.nchanges++] = (uint32_t)k;
    for (size_t i = first_extra; i < step->order.len; i++) {
        const sp_order *o = &step->order.items[i];
        s.edges[s.nedges].first = step->events.items[o->before].component;
        s.edges[s.nedges].then = step->events.items[o->after].component;
        s.nedges++;
    }
    s.update = copy;
    if (!sp_plan_waves(copy, &s.waves, &s.nwaves))
        return false;
    sp_step *steps = sp_arena_calloc(&ctx->arena, p->out->nsteps + 1, sizeof *steps);
    if (!steps)
        return false;
    if (p->out->nsteps)
        memcpy(steps, p->out->steps, p->out->nsteps * sizeof *steps);
    steps[p->out->nsteps++] = s;
    p->out->steps = steps;
    return true;
}

/* The component to defer after a failed step, or SP_NONE. */
static uint32_t culprit(const sp_update *step, const sp_report *windows,
                        const unsigned char *switching)
{
    const sp_model *m = step->model;
    for (size_t i = 0; i < windows->findings.len; i++) {
        const sp_finding *f = &windows->findings.items[i];
        if (f->suppressed)
            continue;
        uint32_t c = m->instances.items[f->instance].component;
        if (switching[c])
            return c;
        for (size_t j = 0; j < f->ndone; j++) {
            uint32_t d = step->events.items[f->done[j]].component;
            if (switching[d])
                return d;
        }
    }
    return SP_NONE;
}

static bool set_conflicts(planner *p, const sp_update *step, const sp_report *windows)
{
    const sp_model *m = p->m;
    size_t nc = m->components.len;
    unsigned char *in = calloc(nc + 1, 1);
    if (!in)
        return false;
    for (size_t i = 0; i < windows->findings.len; i++) {
        const sp_finding *f = &windows->findings.items[i];
        if (f->suppressed)
            continue;
        in[m->instances.items[f->instance].component] = 1;
        for (size_t j = 0; j < f->ndone; j++)
            in[step->events.items[f->done[j]].component] = 1;
        for (size_t j = 0; j < f->npending; j++)
            in[step->events.items[f->pending[j]].component] = 1;
    }
    p->out->conflicts = sp_arena_calloc(&p->ctx->arena, nc + 1, sizeof *p->out->conflicts);
    bool ok = p->out->conflicts != NULL;
    for (size_t k = 0; ok && k < nc; k++)
        if (in[k])
            p->out->conflicts[p->out->nconflicts++] = (uint32_t)k;
    free(in);
    sp_report *copy = sp_arena_alloc(&p->ctx->arena, sizeof *copy);
    if (!ok || !copy)
        return false;
    *copy = *windows;
    p->out->windows = copy;
    return true;
}

typedef enum { PHASES_FOUND, PHASES_NONE, PHASES_STOPPED, PHASES_FAILED } phases_result;

/* Greedy: switch as much as possible per step, deferring culprits. */
static phases_result greedy_phases(planner *p, sp_update *fail_step, sp_report *fail_windows,
                                   bool *failed_step)
{
    const sp_model *m = p->m;
    sp_ctx *ctx = p->ctx;
    size_t nc = m->components.len;
    unsigned char *from = sp_arena_calloc(&ctx->arena, nc + 1, 1);
    unsigned char *switching = sp_arena_calloc(&ctx->arena, nc + 1, 1);
    unsigned char *to = sp_arena_calloc(&ctx->arena, nc + 1, 1);
    if (!from || !switching || !to)
        return PHASES_FAILED;
    p->out->nsteps = 0;
    for (;;) {
        bool remaining = false;
        for (size_t k = 0; k < nc; k++) {
            switching[k] = !from[k] && m->components.items[k].change != SP_CHANGE_UNCHANGED;
            remaining |= switching[k];
        }
        if (!remaining)
            return PHASES_FOUND;
        for (;;) {
            close_mix(m, from, switching, to);
            bool any = false;
            for (size_t k = 0; k < nc; k++)
                any |= switching[k] && m->components.items[k].change != SP_CHANGE_UNCHANGED;
            if (!any)
                return PHASES_NONE;
            sp_update step, fixed;
            sp_report windows;
            const char *why = NULL;
            if (!sp_update_build_mix(&step, m, from, to, false))
                return PHASES_FAILED;
            size_t first_extra = step.order.len;
            int st = sp_order_fix(&step, p->req, p->lim, &fixed, &windows, &why);
            if (st < 0)
                return PHASES_FAILED;
            if (st == 2) {
                p->out->complete = false;
                p->out->incomplete_reason = why;
                return PHASES_STOPPED;
            }
            if (st == 1) {
                if (!record_step(p, &fixed, switching, to, first_extra))
                    return PHASES_FAILED;
                memcpy(from, to, nc);
                break;
            }
            *fail_step = step;
            *fail_windows = windows;
            *failed_step = true;
            uint32_t c = culprit(&step, &windows, switching);
            if (c == SP_NONE)
                return PHASES_NONE;
            switching[c] = 0;
        }
    }
}

/* Exhaustive: breadth-first over mixes of the changed components (fewest
 * steps first), a transition being any well-formed step that an ordering
 * fix makes safe.  Only for few changed components. */
enum { EXHAUSTIVE_MAX_CHANGED = 8 };

static phases_result exhaustive_phases(planner *p)
{
    const sp_model *m = p->m;
    sp_ctx *ctx = p->ctx;
    size_t nc = m->components.len;
    uint32_t changed[EXHAUSTIVE_MAX_CHANGED];
    int n = 0;
    for (size_t k = 0; k < nc; k++)
        if (m->components.items[k].change != SP_CHANGE_UNCHANGED) {
            if (n == EXHAUSTIVE_MAX_CHANGED)
                return PHASES_STOPPED;
            changed[n++] = (uint32_t)k;
        }
    uint32_t full = (1u << n) - 1;
    int32_t *prev = malloc(((size_t)full + 1) * sizeof *prev);
    sp_update *via = calloc((size_t)full + 1, sizeof *via);
    size_t *first_extra = calloc((size_t)full + 1, sizeof *first_extra);
    uint32_t *queue = malloc(((size_t)full + 1) * sizeof *queue);
    unsigned char *from = calloc(nc + 1, 1), *to = calloc(nc + 1, 1);
    phases_result res = PHASES_FAILED;
    if (!prev || !via || !first_extra || !queue || !from || !to)
        goto out;
    for (uint32_t a = 0; a <= full; a++)
        prev[a] = -1;
    prev[0] = 0;
    size_t head = 0, tail = 0;
    queue[tail++] = 0;
    res = PHASES_NONE;
    while (head < tail && prev[full] < 0 && res == PHASES_NONE) {
        uint32_t a = queue[head++];
        uint32_t rest = full & ~a;
        /* Larger steps first: fewer phases for the same depth. */
        for (uint32_t sub = rest; sub && res == PHASES_NONE; sub = (sub - 1) & rest) {
            uint32_t b = a | sub;
            if (prev[b] >= 0)
                continue;
            memset(from, 0, nc);
            memset(to, 0, nc);
            for (int i = 0; i < n; i++) {
                from[changed[i]] = (a >> i) & 1;
                to[changed[i]] = (b >> i) & 1;
            }
            bool formed = true;
            for (size_t k = 0; k < nc && formed; k++) {
                uint32_t missing;
                formed = references_resolve(m, to, (uint32_t)k, &missing);
            }
            if (!formed)
                continue;
            sp_update step;
            const char *why = NULL;
            if (!sp_update_build_mix(&step, m, from, to, false)) {
                res = PHASES_FAILED;
                break;
            }
            int st = sp_order_fix(&step, p->req, p->lim, &via[b], NULL, &why);
            if (st < 0)
                res = PHASES_FAILED;
            else if (st == 2) {
                p->out->complete = false;
                p->out->incomplete_reason = why;
                res = PHASES_STOPPED;
            } else if (st == 1) {
                prev[b] = (int32_t)a;
                first_extra[b] = step.order.len;
                queue[tail++] = b;
            }
        }
    }
    if (res == PHASES_NONE && prev[full] >= 0) {
        uint32_t chain[EXHAUSTIVE_MAX_CHANGED + 1];
        int len = 0;
        for (uint32_t b = full; b != 0; b = (uint32_t)prev[b])
            chain[len++] = b;
        p->out->nsteps = 0;
        res = PHASES_FOUND;
        unsigned char *switching = calloc(nc + 1, 1);
        if (!switching)
            res = PHASES_FAILED;
        for (int i = len - 1; i >= 0 && res == PHASES_FOUND; i--) {
            uint32_t b = chain[i], a = (uint32_t)prev[b];
            memset(switching, 0, nc);
            memset(to, 0, nc);
            for (int j = 0; j < n; j++) {
                switching[changed[j]] = ((a ^ b) >> j) & 1;
                to[changed[j]] = (b >> j) & 1;
            }
            if (!record_step(p, &via[b], switching, to, first_extra[b]))
                res = PHASES_FAILED;
        }
        free(switching);
    }
out:
    free(prev);
    free(via);
    free(first_extra);
    free(queue);
    free(from);
    free(to);
    (void)ctx;
    return res;
}

static bool plan_phases(planner *p)
{
    sp_update fail_step;
    sp_report fail_windows;
    bool failed_step = false;
    memset(&fail_step, 0, sizeof fail_step);
    memset(&fail_windows, 0, sizeof fail_windows);
    phases_result r = greedy_phases(p, &fail_step, &fail_windows, &failed_step);
    if (r == PHASES_FAILED)
        return false;
    if (r != PHASES_NONE)
        return true;
    /* The greedy search found nothing; only an exhaustive one may say that
     * nothing exists. */
    r = exhaustive_phases(p);
    if (r == PHASES_FAILED)
        return false;
    if (r == PHASES_FOUND)
        return true;
    if (r == PHASES_STOPPED) {
        if (p->out->complete) {
            p->out->complete = false;
            p->out->incomplete_reason =
                "no phased plan was found, and too many components change to rule one out";
        }
        p->out->nsteps = 0;
        return true;
    }
    p->out->verdict = SP_VERDICT_IMPOSSIBLE;
    p->out->nsteps = 0;
    p->out->why = "no sequence of intermediate configurations, each mixing whole OLD and NEW "
                  "component definitions, avoids every window";
    if (failed_step)
        return set_conflicts(p, &fail_step, &fail_windows);
    /* No step could even be formed: every change needs another first. */
    size_t nc = p->m->components.len;
    p->out->conflicts = sp_arena_calloc(&p->ctx->arena, nc + 1, sizeof *p->out->conflicts);
    if (!p->out->conflicts)
        return false;
    for (size_t k = 0; k < nc; k++)
        if (p->m->components.items[k].change != SP_CHANGE_UNCHANGED)
            p->out->conflicts[p->out->nconflicts++] = (uint32_t)k;
    return true;
}

bool sp_plan_compute(const sp_update *u, const sp_requirements *req, const sp_limits *lim,
                     sp_plan *out)
{
    memset(out, 0, sizeof *out);
    out->complete = true;
    planner p = {u, u->model, req, lim, out, u->model->ctx};
    sp_report r;
    if (!sp_search(u, req, lim, &r))
        return false;
    if (!r.complete) {
        out->complete = false;
        out->incomplete_reason = r.incomplete_reason;
        return true;
    }
    size_t nc = p.m->components.len;
    unsigned char *all = sp_arena_calloc(&p.ctx->arena, nc + 1, 1);
    unsigned char *to = sp_arena_alloc(&p.ctx->arena, nc + 1);
    if (!all || !to)
        return false;
    memset(to, 1, nc + 1);
    for (size_t k = 0; k < nc; k++)
        all[k] = p.m->components.items[k].change != SP_CHANGE_UNCHANGED;
    bool windows = false;
    for (size_t i = 0; i < r.findings.len; i++)
        windows |= !r.findings.items[i].suppressed;
    if (!windows) {
        out->verdict = SP_VERDICT_SAFE;
        return record_step(&p, u, all, to, u->order.len);
    }
    sp_update fixed;
    sp_report left;
    const char *why = NULL;
    int st = sp_order_fix(u, req, lim, &fixed, &left, &why);
    if (st < 0)
        return false;
    if (st == 2) {
        out->complete = false;
        out->incomplete_reason = why;
        return true;
    }
    if (st == 1) {
        out->verdict = SP_VERDICT_ORDERED;
        return record_step(&p, &fixed, all, to, u->order.len);
    }
    out->verdict = SP_VERDICT_PHASED;
    return plan_phases(&p);
}
