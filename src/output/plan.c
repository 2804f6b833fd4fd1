/* Plans (DESIGN §3.6) for people and for scripts.
 *
 * JSON (DESIGN §5, `plan --format json`):
 *   {"version": 1, "direction": "update", "verdict": "ordered",
 *    "edges": [{"first", "then"}], "waves": [["Router"], ["WebServer"]],
 *    "phases": [], "conflicts": []}
 * `phases` holds, for a phased plan, each step's "changes", "edges" and
 * "waves" (the top-level edges and waves are then empty).  Additions,
 * present only when they apply: "why" (an impossible plan, in words);
 * "complete": false with "incomplete_reason" when a bound stopped the
 * planner — `verdict` is then null, since none was reached. */
#include "output.h"
#include "json_build.h"
#include "summary.h"

#include <string.h>

static const char *verdict_id(sp_verdict v)
{
    switch (v) {
    case SP_VERDICT_SAFE: return "safe";
    case SP_VERDICT_ORDERED: return "ordered";
    case SP_VERDICT_PHASED: return "phased";
    case SP_VERDICT_IMPOSSIBLE: return "impossible";
    }
    return "?";
}

/* Whether component `c` already appears among the first `k` events of a
 * wave. */
static bool seen_in_wave(const sp_update *u, const sp_wave *w, size_t k, uint32_t c)
{
    for (size_t i = 0; i < k; i++)
        if (w->events[i] < u->events.len && u->events.items[w->events[i]].component == c)
            return true;
    return false;
}

/* ---- JSON ---- */

static json_t *json_waves(const sp_step *s)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    const sp_update *u = s->update;
    for (size_t i = 0; i < s->nwaves; i++) {
        const sp_wave *w = &s->waves[i];
        json_t *wave = json_array();
        for (size_t k = 0; k < w->n; k++) {
            if (w->events[k] >= u->events.len)
                continue;
            uint32_t c = u->events.items[w->events[k]].component;
            if (!seen_in_wave(u, w, k, c))
                sp_json_push(wave, sp_json_text(sp_component_key(u->model, c)), &ok);
        }
        sp_json_push(a, wave, &ok);
    }
    if (ok)
        return a;
    json_decref(a);
    return NULL;
}

static json_t *json_components(const sp_model *m, const uint32_t *comps, size_t n)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < n; i++)
        sp_json_push(a, sp_json_text(sp_component_key(m, comps[i])), &ok);
    if (ok)
        return a;
    json_decref(a);
    return NULL;
}

static json_t *json_plan(const sp_plan_result *res)
{
    const sp_plan *p = res->plan;
    const sp_model *m = res->update->model;
    json_t *o = json_object(), *phases = json_array();
    bool ok = o && phases;
    bool single = p->complete && p->nsteps == 1 &&
                  (p->verdict == SP_VERDICT_SAFE || p->verdict == SP_VERDICT_ORDERED);
    sp_json_put(o, "version", json_integer(1), &ok);
    sp_json_put(o, "direction", json_string(sp_direction_id(res->direction)), &ok);
    sp_json_put(o, "verdict", p->complete ? json_string(verdict_id(p->verdict)) : json_null(),
                &ok);
    if (!p->complete) {
        sp_json_put(o, "complete", json_false(), &ok);
        sp_json_put(o, "incomplete_reason",
                    sp_json_text(p->incomplete_reason ? p->incomplete_reason
                                                      : "a bound was reached"),
                    &ok);
    }
    if (single) {
        sp_json_put(o, "edges", sp_json_edges(m, p->steps[0].edges, p->steps[0].nedges), &ok);
        sp_json_put(o, "waves", json_waves(&p->steps[0]), &ok);
    } else {
        sp_json_put(o, "edges", json_array(), &ok);
        sp_json_put(o, "waves", json_array(), &ok);
    }
    if (p->complete && p->verdict == SP_VERDICT_PHASED)
        for (size_t i = 0; i < p->nsteps; i++) {
            const sp_step *s = &p->steps[i];
            json_t *step = json_object();
            sp_json_put(step, "changes", json_components(m, s->changes, s->nchanges), &ok);
            sp_json_put(step, "edges", sp_json_edges(m, s->edges, s->nedges), &ok);
            sp_json_put(step, "waves", json_waves(s), &ok);
            sp_json_push(phases, step, &ok);
        }
    sp_json_put(o, "phases", phases, &ok);
    sp_json_put(o, "conflicts", json_components(m, p->conflicts, p->nconflicts), &ok);
    if (p->complete && p->verdict == SP_VERDICT_IMPOSSIBLE && p->why)
        sp_json_put(o, "why", sp_json_text(p->why), &ok);
    if (ok)
        return o;
    json_decref(o);
    return NULL;
}

bool sp_render_plan_json(const sp_plan_result *results, size_t n, FILE *out)
{
    if (n == 1)
        return sp_json_write(json_plan(&results[0]), out);
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < n; i++)
        sp_json_push(a, json_plan(&results[i]), &ok);
    if (!ok) {
        json_decref(a);
        return false;
    }
    return sp_json_write(a, out);
}

/* ---- text ---- */

#define BOLD "\033[1m"
#define RED "\033[1;31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define RESET "\033[0m"

typedef struct painter {
    FILE *out;
    bool color;
} painter;

static void paint(const painter *p, const char *code, const char *text)
{
    fprintf(p->out, "%s%s%s", p->color ? code : "", text, p->color ? RESET : "");
}

/* A field label at `indent`, its value from column indent + 11. */
static void label(const painter *p, int indent, const char *name)
{
    fprintf(p->out, "%*s", indent, "");
    if (p->color)
        fputs(CYAN, p->out);
    fprintf(p->out, "%s:", name);
    if (p->color)
        fputs(RESET, p->out);
    fprintf(p->out, "%*s", (int)(10 - strlen(name)), "");
}

static void text_step(const painter *p, const sp_step *s, int indent, bool quiet)
{
    for (size_t i = 0; i < s->nedges; i++) {
        label(p, indent, "add");
        sp_say_edge(p->out, s->update, &s->edges[i]);
        fputc('\n', p->out);
    }
    if (quiet)
        return;
    const sp_update *u = s->update;
    for (size_t i = 0; i < s->nwaves; i++) {
        char name[32];
        snprintf(name, sizeof name, "wave %zu", i + 1);
        label(p, indent, name);
        for (size_t k = 0; k < s->waves[i].n; k++)
            fprintf(p->out, "%s%s", k ? ", " : "", sp_event_describe(u, s->waves[i].events[k]));
        fputc('\n', p->out);
    }
}

static void components_line(const painter *p, const sp_model *m, const uint32_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(p->out, "%s%s", i ? ", " : "", sp_component_key(m, c[i]));
}

static void text_plan(const painter *p, const sp_plan_result *res, bool quiet)
{
    const sp_plan *pl = res->plan;
    const sp_model *m = res->update->model;
    FILE *out = p->out;
    if (!pl->complete) {
        paint(p, YELLOW, "Incomplete:");
        fprintf(out, " the planner stopped before it reached a verdict (%s).\n",
                pl->incomplete_reason ? pl->incomplete_reason : "a bound was reached");
        return;
    }
    switch (pl->verdict) {
    case SP_VERDICT_SAFE:
        paint(p, GREEN, "Safe:");
        fputs(" the update has no window as it is.\n", out);
        break;
    case SP_VERDICT_ORDERED: {
        size_t n = pl->nsteps ? pl->steps[0].nedges : 0;
        paint(p, GREEN, "Ordered:");
        fprintf(out, " with %zu extra ordering %s, the update has no window.\n", n,
                n == 1 ? "edge" : "edges");
        break;
    }
    case SP_VERDICT_PHASED:
        paint(p, YELLOW, "Phased:");
        fprintf(out, " no order makes the update safe in one go; apply it in %zu steps, "
                     "each of them safe.\n",
                pl->nsteps);
        for (size_t i = 0; i < pl->nsteps; i++) {
            const sp_step *s = &pl->steps[i];
            fprintf(out, "  step %zu of %zu: ", i + 1, pl->nsteps);
            components_line(p, m, s->changes, s->nchanges);
            fputc('\n', out);
            text_step(p, s, 4, quiet);
        }
        return;
    case SP_VERDICT_IMPOSSIBLE:
        paint(p, RED, "Impossible:");
        fputs(" no safe way to apply the update, even in steps of whole components", out);
        if (pl->why)
            fprintf(out, ": %s", pl->why);
        fputs(".\n", out);
        if (pl->nconflicts) {
            label(p, 2, "conflicts");
            components_line(p, m, pl->conflicts, pl->nconflicts);
            fputc('\n', out);
        }
        return;
    }
    if (pl->nsteps)
        text_step(p, &pl->steps[0], 2, quiet);
}

void sp_render_plan_text(const sp_plan_result *results, size_t n, const sp_output_options *o,
                         FILE *out)
{
    painter p = {out, o && o->color};
    bool quiet = o && o->quiet;
    for (size_t i = 0; i < n; i++) {
        const sp_model *m = results[i].update->model;
        if (n > 1 || results[i].direction == SP_ROLLBACK) {
            if (i)
                fputc('\n', out);
            if (p.color)
                fputs(BOLD, out);
            fprintf(out, "%s %s -> %s\n",
                    results[i].direction == SP_ROLLBACK ? "Roll-back" : "Update",
                    m->old_path && *m->old_path ? m->old_path : "(empty)",
                    m->new_path && *m->new_path ? m->new_path : "(empty)");
            if (p.color)
                fputs(RESET, out);
        }
        text_plan(&p, &results[i], quiet);
    }
}
