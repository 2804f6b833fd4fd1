#include "summary.h"

#include <string.h>

const char *sp_kind_id(sp_finding_kind kind)
{
    return kind == SP_FINDING_DANGLING ? "dangling-reference-window" : "exposure-window";
}

const char *sp_kind_words(sp_finding_kind kind)
{
    return kind == SP_FINDING_DANGLING ? "dangling-reference window" : "exposure window";
}

const char *sp_direction_id(sp_direction d)
{
    return d == SP_ROLLBACK ? "rollback" : "update";
}

const char *sp_component_key(const sp_model *m, uint32_t comp)
{
    return comp < m->components.len ? m->components.items[comp].key : "?";
}

const char *sp_node_name(const sp_model *m, uint32_t inst)
{
    if (inst == SP_INTERNET)
        return "internet";
    if (inst >= m->instances.len)
        return "?";
    return sp_component_key(m, m->instances.items[inst].component);
}

bool sp_finding_location(const sp_model *m, const sp_finding *f, const char **file,
                         unsigned *line, unsigned *column)
{
    if (f->instance >= m->instances.len)
        return false;
    const sp_instance *in = &m->instances.items[f->instance];
    sp_loc loc = in->loc;
    if (loc.src == SP_NO_SOURCE && in->component < m->components.len) {
        const sp_component *c = &m->components.items[in->component];
        loc = in->version == SP_VER_OLD ? c->loc_old : c->loc_new;
        if (loc.src == SP_NO_SOURCE)
            loc = in->version == SP_VER_OLD ? c->loc_new : c->loc_old;
    }
    *file = sp_loc_file(m->ctx, loc);
    if (!*file)
        return false;
    sp_loc_line_col(m->ctx, loc, line, column);
    return true;
}

sp_report_counts sp_report_count(const sp_report *r)
{
    sp_report_counts c = {0, 0, 0, 0, 0};
    if (r->model) {
        c.components = r->model->components.len;
        for (size_t i = 0; i < r->model->components.len; i++)
            c.modeled += r->model->components.items[i].modeled;
    }
    if (r->update)
        c.events = r->update->events.len;
    for (size_t i = 0; i < r->findings.len; i++) {
        if (r->findings.items[i].suppressed)
            c.suppressed++;
        else
            c.windows++;
    }
    return c;
}

void sp_say_instance(FILE *out, const sp_model *m, uint32_t inst)
{
    fputs(sp_node_name(m, inst), out);
    if (inst < m->instances.len && m->instances.items[inst].label != SP_LABEL_UNCHANGED)
        fprintf(out, " (%s)", sp_label_name(m->instances.items[inst].label));
}

void sp_say_what(FILE *out, const sp_model *m, const sp_finding *f)
{
    sp_say_instance(out, m, f->instance);
    if (f->kind == SP_FINDING_DANGLING) {
        fprintf(out, " refers to the name '%s' while no component owns it, so anyone could "
                     "claim it.",
                f->name ? f->name : "?");
        return;
    }
    sp_label label = f->instance < m->instances.len ? m->instances.items[f->instance].label
                                                    : SP_LABEL_UNCHANGED;
    if (label == SP_LABEL_UNCHANGED)
        fputs(" can be reached in a way that neither the old nor the new configuration "
              "allows.",
              out);
    else
        fprintf(out, " can be reached in a way that its %s configuration does not allow.",
                sp_label_name(label));
}

void sp_say_excess_row(FILE *out, const sp_excess_row *row)
{
    const char *proto = row->protocol ? row->protocol : "?";
    const char *ports = row->ports ? row->ports : "?";
    const char *sources = row->sources ? row->sources : "?";
    bool api = !strcmp(proto, "api");
    bool many = strchr(ports, ',') || strchr(ports, '-');
    if (!strcmp(proto, "any"))
        fputs("any protocol", out);
    else
        fputs(proto, out);
    if (!strcmp(ports, "any"))
        fprintf(out, " any %s", api ? "action" : "port");
    else if (api)
        fprintf(out, " %s %s", many ? "actions" : "action", ports);
    else
        fprintf(out, " %s %s", many ? "ports" : "port", ports);
    fprintf(out, " from %s, credentials: %s", strcmp(sources, "any") ? sources : "any source",
            row->credentials ? row->credentials : "?");
}

void sp_say_path(FILE *out, const sp_model *m, const sp_finding *f)
{
    for (size_t i = 0; i < f->npath; i++)
        fprintf(out, "%s%s", i ? " -> " : "", sp_node_name(m, f->path[i]));
}

/* "WebServer is updated", "the old Bucket is not yet deleted". */
static void say_event(FILE *out, const sp_update *u, uint32_t ev, bool done)
{
    if (ev >= u->events.len) {
        fputs("?", out);
        return;
    }
    const sp_event *e = &u->events.items[ev];
    const sp_model *m = u->model;
    const char *key = sp_component_key(m, e->component);
    bool replaced = e->component < m->components.len &&
                    m->components.items[e->component].change == SP_CHANGE_REPLACED;
    const char *not_yet = done ? "" : "not yet ";
    switch (e->kind) {
    case SP_EV_UPDATE:
        fprintf(out, "%s is %supdated", key, not_yet);
        break;
    case SP_EV_CREATE:
        fprintf(out, "%s%s is %screated", replaced ? "the replacement of " : "", key, not_yet);
        break;
    case SP_EV_DELETE:
        fprintf(out, "%s%s is %sdeleted", replaced ? "the old " : "", key, not_yet);
        break;
    }
}

/* "A, B and C". */
static void say_events(FILE *out, const sp_update *u, const uint32_t *evs, size_t n, bool done)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(i + 1 == n ? " and " : ", ", out);
        say_event(out, u, evs[i], done);
    }
}

void sp_say_witness(FILE *out, const sp_update *u, const sp_finding *f)
{
    if (f->ndone && f->npending) {
        fputs("if ", out);
        say_events(out, u, f->done, f->ndone, true);
        fputs(" while ", out);
        say_events(out, u, f->pending, f->npending, false);
    } else if (f->ndone) {
        fputs("once ", out);
        say_events(out, u, f->done, f->ndone, true);
    } else if (f->npending) {
        fputs("as long as ", out);
        say_events(out, u, f->pending, f->npending, false);
    } else {
        fputs("at some point of the update", out);
    }
}

/* The verb of a component's main-phase event: what "goes first" means. */
static const char *main_verb(const sp_update *u, uint32_t comp)
{
    uint32_t ev = comp < u->model->components.len ? u->main_event[comp] : SP_NONE;
    if (ev == SP_NONE || ev >= u->events.len)
        return "change";
    return u->events.items[ev].kind == SP_EV_CREATE ? "create" : "update";
}

void sp_say_edge(FILE *out, const sp_update *u, const sp_edge_hint *e)
{
    const sp_model *m = u->model;
    const char *first = sp_component_key(m, e->first);
    const char *then = sp_component_key(m, e->then);
    fprintf(out, "%s %s before %s", main_verb(u, e->first), first, then);
    if (m->engine == SP_ENGINE_FLEET)
        fprintf(out, " (add %s to the after: list of %s)", first, then);
    else
        fprintf(out, " (add %s to the DependsOn of %s)", first, then);
}

void sp_say_fix(FILE *out, const sp_update *u, const sp_finding *f)
{
    for (size_t i = 0; i < f->nfix; i++) {
        if (i)
            fputs("; or ", out);
        sp_say_edge(out, u, &f->fix[i]);
    }
}

void sp_say_no_fix(FILE *out, const sp_update *u, const sp_finding *f)
{
    (void)f;
    if (u->model->engine == SP_ENGINE_FLEET)
        fputs("no extra order between hosts avoids this window; 'snipeproof plan' looks for a "
              "phased rollout (several rollouts, each of them safe)",
              out);
    else
        fputs("no extra DependsOn avoids this window; 'snipeproof plan' looks for a phased "
              "update (several deploys, each of them safe)",
              out);
}
