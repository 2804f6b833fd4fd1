/* Reachability graphs as Graphviz DOT (`snipeproof graph`).
 *
 * One configuration: the internet, every present instance (its key and
 * type; unmodelled types dashed and grey), every active edge labelled with
 * what it admits and the guards that filter it.
 *
 * An update: the instances of OLD and of NEW side by side, in clusters
 * "OLD" and "NEW" (an unchanged instance, present in both, once, outside
 * them); the edges of both configurations (in both: black; OLD only: red;
 * NEW only: blue); and the engine's events as dashed grey edges: an update
 * from the old instance to the new one, and each explicit order between
 * two events from the instance the first one switches to the instance the
 * second one switches ("then create", "then update", "then delete").
 *
 * Everything drawn comes from the model and the state graphs the analysis
 * computed (analysis/graph.h); nothing is evaluated here.  Instances,
 * edges and events are written in model order, so the output is
 * deterministic. */
#include "output.h"
#include "summary.h"

#include <stdlib.h>
#include <string.h>

#define COLOR_OLD "#b2182b"
#define COLOR_NEW "#2166ac"
#define COLOR_EVENT "#6b6b6b"
#define MAX_LABEL_ROWS 4

typedef struct dot {
    const sp_model *m;
    const sp_update *u;
    const sp_state_graph *old_state, *new_state; /* old_state NULL: one configuration */
    FILE *out;
} dot;

/* The inside of a DOT quoted string: quotes and backslashes escaped, a
 * newline as a centred line break, other control characters dropped. */
static void put_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n')
            fputs("\\n", out);
        else if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c >= 0x20 && c != 0x7f)
            fputc(c, out);
    }
}

static void put_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    put_text(out, s);
    fputc('"', out);
}

static const sp_instance *inst_at(const dot *d, uint32_t i)
{
    return i < d->m->instances.len ? &d->m->instances.items[i] : NULL;
}

static const sp_component *comp_of(const dot *d, uint32_t inst)
{
    const sp_instance *in = inst_at(d, inst);
    return in && in->component < d->m->components.len ? &d->m->components.items[in->component]
                                                      : NULL;
}

/* Whether an instance needs a version in its name: in a picture of an
 * update, one of two instances of its component. */
static const char *version_suffix(const dot *d, uint32_t inst)
{
    const sp_instance *in = inst_at(d, inst);
    if (!d->old_state || !in || in->version == SP_VER_BOTH)
        return NULL;
    return in->version == SP_VER_OLD ? "old" : "new";
}

/* "internet" is a node id no logical ID or host name can take. */
static void put_node_id(const dot *d, uint32_t inst)
{
    FILE *out = d->out;
    if (inst == SP_INTERNET) {
        fputs("\"(internet)\"", out);
        return;
    }
    const sp_component *c = comp_of(d, inst);
    const char *v = version_suffix(d, inst);
    fputc('"', out);
    put_text(out, c ? c->key : "?");
    if (v)
        fprintf(out, "@%s", v);
    fputc('"', out);
}

static bool hosts_guard(const dot *d, uint32_t inst)
{
    const sp_instance *in = inst_at(d, inst);
    for (uint32_t k = 0; in && k < in->facts_count; k++)
        if (d->m->facts.items[in->facts_first + k].kind == SP_FACT_GUARD)
            return true;
    return false;
}

/* The event that brings an instance into being or ends it, or SP_NONE. */
static uint32_t birth(const dot *d, uint32_t inst)
{
    return d->u->presence ? d->u->presence[inst].birth : SP_NONE;
}

static uint32_t death(const dot *d, uint32_t inst)
{
    return d->u->presence ? d->u->presence[inst].death : SP_NONE;
}

static const char *event_verb(const sp_event *e)
{
    switch (e->kind) {
    case SP_EV_CREATE: return "create";
    case SP_EV_UPDATE: return "update";
    case SP_EV_DELETE: return "delete";
    }
    return "?";
}

static void put_node(const dot *d, uint32_t inst, const char *indent)
{
    FILE *out = d->out;
    const sp_component *c = comp_of(d, inst);
    const char *v = version_suffix(d, inst);
    fputs(indent, out);
    put_node_id(d, inst);
    fputs(" [label=\"", out);
    put_text(out, c ? c->key : "?");
    if (v)
        fprintf(out, " (%s)", v);
    if (c && c->type && *c->type) {
        fputs("\\n", out);
        put_text(out, c->type);
    }
    if (c && !c->modeled)
        fputs("\\n(not modelled)", out);
    /* In an update: the event that creates or deletes it (an update is
     * drawn as an edge from the old instance to the new one). */
    if (d->old_state) {
        uint32_t b = birth(d, inst), e = death(d, inst);
        const sp_event *eb = b < d->u->events.len ? &d->u->events.items[b] : NULL;
        const sp_event *ee = e < d->u->events.len ? &d->u->events.items[e] : NULL;
        if (eb && eb->kind == SP_EV_CREATE)
            fputs("\\ncreated", out);
        if (ee && ee->kind == SP_EV_DELETE)
            fputs(ee->phase == SP_PHASE_CLEANUP ? "\\ndeleted (cleanup)" : "\\ndeleted", out);
    }
    fputc('"', out);
    if (c && !c->modeled)
        fputs(", style=\"rounded,dashed\", color=gray50, fontcolor=gray40", out);
    else if (hosts_guard(d, inst))
        fputs(", shape=octagon, style=solid", out);
    fputs("];\n", out);
}

/* ---- what an edge admits, in words ---- */

typedef struct row {
    char what[420]; /* "tcp 22", "api lambda:InvokeFunction", "all traffic" */
    char src[400];  /* "0.0.0.0/0"; "" when any */
    char dst[200];  /* "" when any */
    char cred[200]; /* "none", "authorizer:Token"; "" when any */
} row;

/* The values of a numeric dimension (protocols, ports) within [lo, hi],
 * in words: `whole` when all of them, "WHOLE except …" when fewer pieces
 * are missing than present, else the list; "" when none. */
static void say_range(const sp_name_table *names, sp_dim d, const sp_ival *iv, size_t n,
                      uint64_t lo, uint64_t hi, const char *whole, char *buf, size_t cap)
{
    sp_ival *in = calloc(n + 1, sizeof *in), *gaps = calloc(n + 2, sizeof *gaps);
    size_t nin = 0, ngaps = 0;
    buf[0] = '\0';
    if (!in || !gaps) {
        free(in);
        free(gaps);
        snprintf(buf, cap, "?");
        return;
    }
    uint64_t next = lo; /* first value not yet accounted for */
    for (size_t i = 0; i < n; i++) {
        uint64_t a = iv[i].lo.lo, b = iv[i].hi.lo;
        if (b < lo || a > hi)
            continue;
        a = a < lo ? lo : a;
        b = b > hi ? hi : b;
        if (a > next)
            gaps[ngaps++] = (sp_ival){sp_key_num(next), sp_key_num(a - 1)};
        in[nin++] = (sp_ival){sp_key_num(a), sp_key_num(b)};
        next = b + 1;
    }
    if (nin && next <= hi)
        gaps[ngaps++] = (sp_ival){sp_key_num(next), sp_key_num(hi)};
    if (!nin)
        ;
    else if (!ngaps)
        snprintf(buf, cap, "%s", whole);
    else if (ngaps < nin) {
        int k = snprintf(buf, cap, "%s except ", whole);
        if (k > 0 && (size_t)k < cap)
            sp_format_dim(names, d, gaps, ngaps, buf + k, cap - (size_t)k);
    } else
        sp_format_dim(names, d, in, nin, buf, cap);
    free(in);
    free(gaps);
}

static bool has_value(const sp_ival *iv, size_t n, uint64_t v)
{
    for (size_t i = 0; i < n; i++)
        if (iv[i].lo.lo <= v && v <= iv[i].hi.lo)
            return true;
    return false;
}

/* "tcp 22", "any IP protocol except tcp", "api lambda:InvokeFunction",
 * "all traffic": protocols, with the ports that matter to IP protocols and
 * the actions that matter to API calls. */
static void say_what(const sp_name_table *names, const sp_box *b, char *out, size_t cap)
{
    char proto[160], ports[160], actions[160];
    sp_ival all_protos = sp_dim_domain(SP_DIM_PROTO), all_ports = sp_dim_domain(SP_DIM_PORT);
    const sp_ival *pv = b->n[SP_DIM_PROTO] ? b->iv[SP_DIM_PROTO] : &all_protos;
    const sp_ival *tv = b->n[SP_DIM_PORT] ? b->iv[SP_DIM_PORT] : &all_ports;
    size_t pn = b->n[SP_DIM_PROTO] ? b->n[SP_DIM_PROTO] : 1;
    size_t tn = b->n[SP_DIM_PORT] ? b->n[SP_DIM_PORT] : 1;
    bool api = has_value(pv, pn, SP_PROTO_API), ip = false;
    for (size_t i = 0; i < pn && !ip; i++)
        ip = pv[i].lo.lo < SP_PROTO_API;
    if (ip && api)
        say_range(names, SP_DIM_PROTO, pv, pn, 0, SP_PROTO_API, "any protocol", proto,
                  sizeof proto);
    else if (ip)
        say_range(names, SP_DIM_PROTO, pv, pn, 0, SP_PROTO_API - 1, "any IP protocol", proto,
                  sizeof proto);
    else
        snprintf(proto, sizeof proto, "api");
    ports[0] = actions[0] = '\0';
    if (ip)
        say_range(names, SP_DIM_PORT, tv, tn, 0, SP_ACTION_BASE - 1, "any port", ports,
                  sizeof ports);
    if (api)
        say_range(names, SP_DIM_PORT, tv, tn, SP_ACTION_BASE, all_ports.hi.lo, "any action",
                  actions, sizeof actions);
    bool any_port = !*ports || !strcmp(ports, "any port");
    bool any_action = !*actions || !strcmp(actions, "any action");
    if (!strcmp(proto, "any protocol") && any_port && any_action) {
        snprintf(out, cap, "all traffic");
        return;
    }
    /* One protocol by name reads "tcp 22" or "tcp except port 22";
     * anything else "…, ports 22" or "…, any port except 22". */
    bool word = !strpbrk(proto, " ,");
    size_t len = (size_t)snprintf(out, cap, "%s", proto);
    if (!any_port && len < cap) {
        bool except = !strncmp(ports, "any port except ", 16);
        len += (size_t)snprintf(out + len, cap - len, "%s%s",
                                word ? (except ? " except port " : " ")
                                     : (except ? ", any port except " : ", ports "),
                                except ? ports + 16 : ports);
    }
    if (!any_action && len < cap) {
        bool except = !strncmp(actions, "any action except ", 18);
        snprintf(out + len, cap - len, "%s%s",
                 word ? (except ? " except " : " ") : (except ? ", any action except " : ", "),
                 except ? actions + 18 : actions);
    }
}

static void say_box(const sp_name_table *names, const sp_box *b, row *r)
{
    say_what(names, b, r->what, sizeof r->what);
    sp_format_dim(names, SP_DIM_SRC, b->iv[SP_DIM_SRC], b->n[SP_DIM_SRC], r->src, sizeof r->src);
    sp_format_dim(names, SP_DIM_DST, b->iv[SP_DIM_DST], b->n[SP_DIM_DST], r->dst, sizeof r->dst);
    sp_format_dim(names, SP_DIM_CRED, b->iv[SP_DIM_CRED], b->n[SP_DIM_CRED], r->cred,
                  sizeof r->cred);
    if (!strcmp(r->src, "any"))
        r->src[0] = '\0';
    /* A whole address family as destination says nothing the sources
     * do not. */
    if (!strcmp(r->dst, "any") || !strcmp(r->dst, "0.0.0.0/0") || !strcmp(r->dst, "::/0") ||
        !strcmp(r->dst, "0.0.0.0/0, ::/0"))
        r->dst[0] = '\0';
    if (!strcmp(r->cred, "any"))
        r->cred[0] = '\0';
}

static bool same_row(const row *a, const row *b)
{
    return !strcmp(a->what, b->what) && !strcmp(a->src, b->src) && !strcmp(a->dst, b->dst) &&
           !strcmp(a->cred, b->cred);
}

/* Appends ", more" to a row's field (kept within its buffer). */
static void add_to(char *field, size_t cap, const char *more)
{
    size_t len = strlen(field);
    if (len + 2 + strlen(more) < cap)
        snprintf(field + len, cap - len, ", %s", more);
    else if (len + 4 < cap && strcmp(field + (len >= 3 ? len - 3 : 0), "..."))
        snprintf(field + len, cap - len, "...");
}

/* The set as at most MAX_LABEL_ROWS lines.  Boxes are merged where they
 * read alike: the same traffic from several sources is one line, then
 * several kinds of traffic from the same sources are one line. */
static void say_set(FILE *s, const sp_name_table *names, const sp_reqset *set)
{
    if (!set || set->nboxes == 0) {
        fputs("nothing", s);
        return;
    }
    row *rows = calloc(set->nboxes, sizeof *rows);
    if (!rows) {
        fputs("?", s);
        return;
    }
    size_t n = 0;
    for (uint32_t i = 0; i < set->nboxes; i++) {
        say_box(names, &set->boxes[i], &rows[n]);
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = same_row(&rows[k], &rows[n]);
        if (!dup)
            n++;
    }
    /* Same traffic, destination and credentials: join the sources (an
     * empty source means any, which absorbs the others). */
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n;) {
            row *a = &rows[i], *b = &rows[k];
            if (strcmp(a->what, b->what) || strcmp(a->dst, b->dst) || strcmp(a->cred, b->cred)) {
                k++;
                continue;
            }
            if (!*b->src)
                a->src[0] = '\0';
            else if (*a->src)
                add_to(a->src, sizeof a->src, b->src);
            memmove(b, b + 1, (n - k - 1) * sizeof *b);
            n--;
        }
    /* Same sources, destination and credentials: join the traffic. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n;) {
            row *a = &rows[i], *b = &rows[k];
            if (strcmp(a->src, b->src) || strcmp(a->dst, b->dst) || strcmp(a->cred, b->cred)) {
                k++;
                continue;
            }
            add_to(a->what, sizeof a->what, b->what);
            memmove(b, b + 1, (n - k - 1) * sizeof *b);
            n--;
        }
    for (size_t i = 0; i < n && i < MAX_LABEL_ROWS; i++) {
        const row *r = &rows[i];
        fprintf(s, "%s%s", i ? "\n" : "", r->what);
        if (*r->src)
            fprintf(s, " from %s", r->src);
        if (*r->dst)
            fprintf(s, " to %s", r->dst);
        if (*r->cred)
            fprintf(s, !strcmp(r->cred, "none") ? " without credentials" : " with %s", r->cred);
    }
    if (n > MAX_LABEL_ROWS)
        fprintf(s, "\n(+%zu more)", n - MAX_LABEL_ROWS);
    free(rows);
}

static bool present_component(const sp_state_graph *g, const sp_component *c)
{
    return (c->inst_old != SP_NONE && g->present[c->inst_old]) ||
           (c->inst_new != SP_NONE && g->present[c->inst_new]);
}

static bool same_ref(sp_ref a, sp_ref b)
{
    return a.component == b.component && a.name == b.name;
}

/* The guards that filter an edge in a state: for each of its slots, the
 * guards attached there by present instances ("guards: WebGroup"), or
 * what an empty slot does. */
static void say_guards(FILE *s, const dot *d, const sp_state_graph *g, const sp_fact *e)
{
    const sp_model *m = d->m;
    const sp_name_table *names = &m->ctx->names;
    bool first = true;
    for (uint32_t k = 0; k < e->slots_count; k++) {
        sp_ref slot = m->slot_refs.items[e->slots_first + k];
        size_t found = 0;
        for (size_t f = 0; f < m->facts.len; f++) {
            const sp_fact *a = &m->facts.items[f];
            if (a->kind != SP_FACT_ATTACH || !g->present[a->owner] || !same_ref(a->a, slot) ||
                a->b.component >= m->components.len ||
                !present_component(g, &m->components.items[a->b.component]))
                continue;
            fprintf(s, "%s%s", first ? "\nguards: " : ", ",
                    m->components.items[a->b.component].key);
            first = false;
            found++;
        }
        if (found || slot.component >= m->components.len)
            continue;
        /* No guard in the slot: the slot's own default. */
        bool allows = false;
        for (size_t f = 0; f < m->facts.len; f++) {
            const sp_fact *sf = &m->facts.items[f];
            if (sf->kind == SP_FACT_SLOT && g->present[sf->owner] && same_ref(sf->a, slot))
                allows = (sf->flags & SP_FACT_EMPTY_ALLOWS) != 0;
        }
        fprintf(s, "%s%s%s%s: none (%s)", first ? "\n" : "; ",
                m->components.items[slot.component].key, slot.name ? "." : "",
                slot.name ? sp_intern_str(names, slot.name) : "",
                allows ? "allows all" : "admits nothing");
        first = false;
    }
}

/* The label of an active edge (malloc'd), or NULL when out of memory. */
static char *edge_label(const dot *d, const sp_state_graph *g, const sp_graph_edge *ge)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *s = open_memstream(&buf, &size);
    if (!s)
        return NULL;
    say_set(s, &d->m->ctx->names, ge->admits);
    say_guards(s, d, g, &d->m->facts.items[ge->fact]);
    bool ok = !ferror(s);
    if (fclose(s) != 0 || !ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char **edge_labels(const dot *d, const sp_state_graph *g)
{
    char **labels = calloc(g->nedges + 1, sizeof *labels);
    for (size_t i = 0; labels && i < g->nedges; i++)
        if (!(labels[i] = edge_label(d, g, &g->edges[i]))) {
            for (size_t k = 0; k < i; k++)
                free(labels[k]);
            free(labels);
            return NULL;
        }
    return labels;
}

static void free_labels(char **labels, size_t n)
{
    for (size_t i = 0; labels && i < n; i++)
        free(labels[i]);
    free(labels);
}

static void put_edge(const dot *d, const sp_graph_edge *ge, const char *label, const char *color)
{
    FILE *out = d->out;
    const sp_fact *f = &d->m->facts.items[ge->fact];
    fputs("  ", out);
    put_node_id(d, ge->src);
    fputs(" -> ", out);
    put_node_id(d, ge->dst);
    fputs(" [label=", out);
    put_quoted(out, label);
    if (f->why) {
        fputs(", tooltip=", out);
        put_quoted(out, f->why);
    }
    if (color)
        fprintf(out, ", color=\"%s\", fontcolor=\"%s\"", color, color);
    fputs("];\n", out);
}

static const char *shown_path(const char *p)
{
    return p && *p ? p : "(empty)";
}

static void put_header(const dot *d)
{
    FILE *out = d->out;
    fputs("digraph snipeproof {\n"
          "  graph [newrank=true, rankdir=LR, fontname=\"Helvetica\", fontsize=11, labelloc=t, "
          "label=",
          out);
    char *buf = NULL;
    size_t size = 0;
    FILE *s = open_memstream(&buf, &size);
    if (s) {
        if (d->old_state)
            fprintf(s, "update %s -> %s\nedges: black in both, red OLD only, blue NEW only; "
                       "dashed: the engine's events and their order",
                    shown_path(d->m->old_path), shown_path(d->m->new_path));
        else
            fprintf(s, "%s", shown_path(d->m->new_path));
        fclose(s);
    }
    put_quoted(out, buf ? buf : "");
    free(buf);
    fputs("];\n"
          "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n"
          "  edge [fontname=\"Helvetica\", fontsize=9];\n"
          "  \"(internet)\" [label=\"internet\", shape=doubleoctagon, style=filled, "
          "fillcolor=\"#fde0dd\"];\n",
          out);
}

static bool render_one(const dot *d)
{
    const sp_state_graph *g = d->new_state;
    put_header(d);
    for (uint32_t i = 0; i < d->m->instances.len; i++)
        if (g->present[i])
            put_node(d, i, "  ");
    char **labels = edge_labels(d, g);
    if (!labels)
        return false;
    for (size_t i = 0; i < g->nedges; i++)
        put_edge(d, &g->edges[i], labels[i], NULL);
    free_labels(labels, g->nedges);
    fputs("}\n", d->out);
    return true;
}

static void put_cluster(const dot *d, const char *id, const char *title, const char *path,
                        sp_version v)
{
    FILE *out = d->out;
    bool any = false;
    for (uint32_t i = 0; i < d->m->instances.len && !any; i++)
        any = d->m->instances.items[i].version == v &&
              (d->old_state->present[i] || d->new_state->present[i]);
    if (!any)
        return;
    fprintf(out, "  subgraph %s {\n    label=", id);
    char label[512];
    snprintf(label, sizeof label, "%s: %s", title, shown_path(path));
    put_quoted(out, label);
    fprintf(out, ";\n    style=rounded;\n    color=\"%s\";\n",
            v == SP_VER_OLD ? COLOR_OLD : COLOR_NEW);
    for (uint32_t i = 0; i < d->m->instances.len; i++)
        if (d->m->instances.items[i].version == v &&
            (d->old_state->present[i] || d->new_state->present[i]))
            put_node(d, i, "    ");
    fputs("  }\n", out);
}

static bool same_edge(const sp_graph_edge *a, const char *la, const sp_graph_edge *b,
                      const char *lb)
{
    return a->fact == b->fact && a->src == b->src && a->dst == b->dst && !strcmp(la, lb);
}

/* The instance an event switches to (or, for a delete, ends). */
static uint32_t switched(const dot *d, uint32_t ev)
{
    for (uint32_t i = 0; i < d->m->instances.len; i++)
        if (birth(d, i) == ev)
            return i;
    for (uint32_t i = 0; i < d->m->instances.len; i++)
        if (death(d, i) == ev)
            return i;
    return SP_NONE;
}

static void put_events(const dot *d)
{
    FILE *out = d->out;
    const sp_update *u = d->u;
    /* Each update: from the instance it ends to the one it starts. */
    for (uint32_t ev = 0; ev < u->events.len; ev++) {
        if (u->events.items[ev].kind != SP_EV_UPDATE)
            continue;
        uint32_t from = SP_NONE, to = SP_NONE;
        for (uint32_t i = 0; i < d->m->instances.len; i++) {
            if (death(d, i) == ev && from == SP_NONE)
                from = i;
            if (birth(d, i) == ev && to == SP_NONE)
                to = i;
        }
        if (from == SP_NONE || to == SP_NONE)
            continue;
        fputs("  ", out);
        put_node_id(d, from);
        fputs(" -> ", out);
        put_node_id(d, to);
        fprintf(out, " [label=\"update\", style=dashed, arrowhead=empty, color=\"%s\", "
                     "fontcolor=\"%s\"];\n",
                COLOR_EVENT, COLOR_EVENT);
    }
    /* The engine's explicit order (every delete also follows every
     * main-phase event: the nodes say "cleanup"). */
    for (size_t k = 0; k < u->order.len; k++) {
        const sp_order *o = &u->order.items[k];
        if (o->before >= u->events.len || o->after >= u->events.len)
            continue;
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = u->order.items[j].before == o->before && u->order.items[j].after == o->after;
        uint32_t a = switched(d, o->before), b = switched(d, o->after);
        if (dup || a == SP_NONE || b == SP_NONE)
            continue;
        fputs("  ", out);
        put_node_id(d, a);
        fputs(" -> ", out);
        put_node_id(d, b);
        fprintf(out, " [label=\"then %s\", style=dashed, color=\"%s\", "
                     "fontcolor=\"%s\"];\n",
                event_verb(&u->events.items[o->after]), COLOR_EVENT, COLOR_EVENT);
    }
}

static bool render_update(const dot *d)
{
    const sp_state_graph *go = d->old_state, *gn = d->new_state;
    put_header(d);
    put_cluster(d, "cluster_old", "OLD", d->m->old_path, SP_VER_OLD);
    put_cluster(d, "cluster_new", "NEW", d->m->new_path, SP_VER_NEW);
    for (uint32_t i = 0; i < d->m->instances.len; i++)
        if (d->m->instances.items[i].version == SP_VER_BOTH && (go->present[i] || gn->present[i]))
            put_node(d, i, "  ");
    char **lo = edge_labels(d, go), **ln = edge_labels(d, gn);
    unsigned char *in_old = calloc(gn->nedges + 1, 1);
    bool ok = lo && ln && in_old;
    for (size_t i = 0; ok && i < go->nedges; i++) {
        bool both = false;
        for (size_t k = 0; k < gn->nedges && !both; k++)
            if (!in_old[k] && same_edge(&go->edges[i], lo[i], &gn->edges[k], ln[k])) {
                in_old[k] = 1;
                both = true;
            }
        put_edge(d, &go->edges[i], lo[i], both ? NULL : COLOR_OLD);
    }
    for (size_t k = 0; ok && k < gn->nedges; k++)
        if (!in_old[k])
            put_edge(d, &gn->edges[k], ln[k], COLOR_NEW);
    if (ok)
        put_events(d);
    free_labels(lo, go->nedges);
    free_labels(ln, gn->nedges);
    free(in_old);
    fputs("}\n", d->out);
    return ok;
}

bool sp_render_graph_dot(const sp_dot_graph *g, FILE *out)
{
    if (!g || !g->update || !g->new_state)
        return false;
    dot d = {g->update->model, g->update, g->old_state, g->new_state, out};
    bool ok = g->old_state ? render_update(&d) : render_one(&d);
    return ok && !ferror(out);
}
