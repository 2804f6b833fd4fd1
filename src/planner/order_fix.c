/* Ordering fixes, counterexample-guided: each window's witness names events
 * that happened (done) and events that had not (pending); an edge "pending
 * before done" makes that state unreachable.  Add one, re-check, repeat
 * (backtracking over the choices); then drop every edge whose removal
 * brings no window back. */
#include "internal.h"

#include "../analysis/world.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_SEARCHES = 200, MAX_BRANCH = 4 };

typedef struct candidate {
    uint32_t before, after; /* events */
} candidate;

/* The edges that would remove finding f's witness, in the order the rule
 * of thumb prefers: the witness's own pending events before its done ones. */
static size_t candidates(const sp_world *w, const sp_finding *f, candidate *out, size_t cap)
{
    const sp_update *u = w->u;
    size_t n = 0;
    for (size_t i = 0; i < f->npending; i++)
        for (size_t j = 0; j < f->ndone; j++) {
            uint32_t p = f->pending[i], d = f->done[j];
            if (u->events.items[p].phase != SP_PHASE_MAIN ||
                u->events.items[d].phase != SP_PHASE_MAIN || sp_world_before(w, d, p))
                continue;
            if (n < cap)
                out[n++] = (candidate){p, d};
        }
    return n;
}

bool sp_plan_hints(const sp_update *u, sp_report *r)
{
    sp_ctx *ctx = u->model->ctx;
    sp_world w;
    bool ok = sp_world_build(&w, u);
    for (size_t i = 0; ok && i < r->findings.len; i++) {
        sp_finding *f = &r->findings.items[i];
        candidate c[16];
        size_t n = candidates(&w, f, c, 16);
        f->fix = sp_arena_calloc(&ctx->arena, n + 1, sizeof *f->fix);
        if (!(ok = f->fix != NULL))
            break;
        f->nfix = 0;
        for (size_t k = 0; k < n; k++) {
            sp_edge_hint h = {u->events.items[c[k].before].component,
                              u->events.items[c[k].after].component};
            bool dup = false;
            for (size_t j = 0; j < f->nfix; j++)
                dup |= f->fix[j].first == h.first && f->fix[j].then == h.then;
            if (!dup)
                f->fix[f->nfix++] = h;
        }
    }
    sp_world_release(&w);
    return ok;
}

typedef struct fixer {
    const sp_requirements *req;
    const sp_limits *lim;
    unsigned searches;
    bool incomplete;
    const char *why;
    sp_report last; /* the windows of the last failed attempt */
} fixer;

static bool unsuppressed(const sp_report *r)
{
    for (size_t i = 0; i < r->findings.len; i++)
        if (!r->findings.items[i].suppressed)
            return true;
    return false;
}

/* Searches `u`; 1 = no window, 0 = windows (in *r), -1 = stop. */
static int check(fixer *fx, const sp_update *u, sp_report *r)
{
    if (++fx->searches > MAX_SEARCHES) {
        fx->incomplete = true;
        fx->why = "the planner's bound on re-checks was reached";
        return -1;
    }
    if (!sp_search(u, fx->req, fx->lim, r))
        return -1;
    if (!r->complete) {
        fx->incomplete = true;
        fx->why = r->incomplete_reason;
        return -1;
    }
    return unsuppressed(r) ? 0 : 1;
}

static const sp_finding *first_window(const sp_report *r)
{
    for (size_t i = 0; i < r->findings.len; i++)
        if (!r->findings.items[i].suppressed)
            return &r->findings.items[i];
    return NULL;
}

/* Depth-first: 1 = `u` (extended in place) has no window. */
static int extend(fixer *fx, sp_update *u)
{
    sp_report r;
    int st = check(fx, u, &r);
    if (st != 0)
        return st;
    fx->last = r;
    sp_world w;
    if (!sp_world_build(&w, u)) {
        sp_world_release(&w);
        return -1;
    }
    candidate c[MAX_BRANCH];
    size_t n = candidates(&w, first_window(&r), c, MAX_BRANCH);
    sp_world_release(&w);
    for (size_t i = 0; i < n; i++) {
        size_t saved = u->order.len;
        if (!sp_update_add_order(u, c[i].before, c[i].after, SP_ORDER_EXTRA, SP_NO_LOC))
            return -1;
        st = extend(fx, u);
        if (st != 0)
            return st;
        u->order.len = saved; /* backtrack */
    }
    return 0;
}

/* Removes extra edges that are not needed, one at a time. */
static int minimise(fixer *fx, sp_update *u, size_t first_extra)
{
    for (size_t i = u->order.len; i-- > first_extra;) {
        sp_order removed = u->order.items[i];
        memmove(&u->order.items[i], &u->order.items[i + 1],
                (u->order.len - i - 1) * sizeof removed);
        u->order.len--;
        sp_report r;
        int st = check(fx, u, &r);
        if (st < 0)
            return st;
        if (st == 0) { /* needed: put it back */
            if (!sp_update_add_order(u, removed.before, removed.after, SP_ORDER_EXTRA,
                                     SP_NO_LOC))
                return -1;
            memmove(&u->order.items[i + 1], &u->order.items[i],
                    (u->order.len - i - 1) * sizeof removed);
            u->order.items[i] = removed;
        }
    }
    return 1;
}

int sp_order_fix(const sp_update *u, const sp_requirements *req, const sp_limits *lim,
                 sp_update *fixed, sp_report *windows, const char **why)
{
    fixer fx;
    memset(&fx, 0, sizeof fx);
    fx.req = req;
    fx.lim = lim;
    if (!sp_update_copy(fixed, u))
        return -1;
    size_t first_extra = fixed->order.len;
    int st = extend(&fx, fixed);
    if (st == 1)
        st = minimise(&fx, fixed, first_extra);
    if (st == 0 && windows)
        *windows = fx.last;
    if (fx.incomplete) {
        *why = fx.why;
        return 2;
    }
    return st;
}
