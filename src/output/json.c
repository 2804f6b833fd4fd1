/* Check results for scripts: the stable JSON of DESIGN §5.
 *
 *   {"version": 1, "direction": "update",
 *    "summary": {"components", "modeled", "unmodeled_types", "events",
 *                "windows", "complete"},
 *    "findings": [{"kind", "component", "instance", "location", "excess",
 *                  "path", "witness", "fix"}]}
 *
 * Keys are emitted in exactly this order.  Additions, each present only
 * when it applies (so documents without them stay exactly as DESIGN
 * shows):
 *   summary.incomplete_reason  why the search stopped (complete = false)
 *   finding.name               the claimable name (dangling-reference)
 *   finding.suppressed         true for a suppressed finding, and
 *   finding.suppression_reason the reason its suppression gives
 */
#include "output.h"
#include "json_build.h"
#include "summary.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (at most `left` bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, min = 0x10000;
    else
        return 0;
    if (left < n)
        return 0;
    unsigned cp = c & (0x3Fu >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

json_t *sp_json_text(const char *s)
{
    if (!s)
        return json_null();
    size_t len = strlen(s);
    json_t *j = json_stringn(s, len);
    if (j)
        return j;
    /* Invalid UTF-8 (or out of memory): replace each bad byte. */
    char *buf = malloc(len * 3 + 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(p + i, len - i);
        if (n) {
            memcpy(buf + o, p + i, n);
            o += n;
            i += n;
        } else {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    j = json_stringn(buf, o);
    free(buf);
    return j;
}

void sp_json_put(json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *ok = false;
}

void sp_json_push(json_t *array, json_t *value, bool *ok)
{
    if (!value || json_array_append_new(array, value) != 0)
        *ok = false;
}

static json_t *checked(json_t *j, bool ok)
{
    if (ok)
        return j;
    json_decref(j);
    return NULL;
}

json_t *sp_json_path(const sp_model *m, const sp_finding *f)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < f->npath; i++)
        sp_json_push(a, sp_json_text(sp_node_name(m, f->path[i])), &ok);
    return checked(a, ok);
}

static json_t *events(const sp_update *u, const uint32_t *evs, size_t n)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < n; i++)
        sp_json_push(a, sp_json_text(sp_event_describe(u, evs[i])), &ok);
    return checked(a, ok);
}

json_t *sp_json_witness(const sp_update *u, const sp_finding *f)
{
    json_t *w = json_object();
    bool ok = w != NULL;
    sp_json_put(w, "done", events(u, f->done, f->ndone), &ok);
    sp_json_put(w, "pending", events(u, f->pending, f->npending), &ok);
    return checked(w, ok);
}

json_t *sp_json_edges(const sp_model *m, const sp_edge_hint *edges, size_t n)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        sp_json_put(e, "first", sp_json_text(sp_component_key(m, edges[i].first)), &ok);
        sp_json_put(e, "then", sp_json_text(sp_component_key(m, edges[i].then)), &ok);
        sp_json_push(a, e, &ok);
    }
    return checked(a, ok);
}

json_t *sp_json_fix(const sp_model *m, const sp_finding *f)
{
    return sp_json_edges(m, f->fix, f->nfix);
}

bool sp_json_write(json_t *doc, FILE *out)
{
    if (!doc)
        return false;
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return rc == 0 && fputc('\n', out) != EOF && !ferror(out);
}

static json_t *location(const sp_model *m, const sp_finding *f)
{
    const char *file;
    unsigned line, column;
    if (!sp_finding_location(m, f, &file, &line, &column))
        return json_null();
    json_t *o = json_object();
    bool ok = o != NULL;
    sp_json_put(o, "file", sp_json_text(file), &ok);
    sp_json_put(o, "line", json_integer(line), &ok);
    sp_json_put(o, "column", json_integer(column), &ok);
    return checked(o, ok);
}

static json_t *excess(const sp_finding *f)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < f->nexcess; i++) {
        const sp_excess_row *row = &f->excess[i];
        json_t *o = json_object();
        sp_json_put(o, "protocol", sp_json_text(row->protocol), &ok);
        sp_json_put(o, "ports", sp_json_text(row->ports), &ok);
        sp_json_put(o, "sources", sp_json_text(row->sources), &ok);
        sp_json_put(o, "credentials", sp_json_text(row->credentials), &ok);
        sp_json_push(a, o, &ok);
    }
    return checked(a, ok);
}

static json_t *finding(const sp_report *r, const sp_finding *f)
{
    const sp_model *m = r->model;
    json_t *o = json_object();
    bool ok = o != NULL;
    sp_label label = f->instance < m->instances.len ? m->instances.items[f->instance].label
                                                    : SP_LABEL_UNCHANGED;
    sp_json_put(o, "kind", json_string(sp_kind_id(f->kind)), &ok);
    sp_json_put(o, "component", sp_json_text(sp_node_name(m, f->instance)), &ok);
    sp_json_put(o, "instance", json_string(sp_label_name(label)), &ok);
    if (f->kind == SP_FINDING_DANGLING)
        sp_json_put(o, "name", sp_json_text(f->name), &ok);
    sp_json_put(o, "location", location(m, f), &ok);
    sp_json_put(o, "excess", excess(f), &ok);
    sp_json_put(o, "path", sp_json_path(m, f), &ok);
    sp_json_put(o, "witness", sp_json_witness(r->update, f), &ok);
    sp_json_put(o, "fix", sp_json_fix(m, f), &ok);
    /* A suppressed finding stays in the list, marked, with the reason its
     * suppression gives; it is not counted in summary.windows nor in the
     * exit status. */
    if (f->suppressed) {
        sp_json_put(o, "suppressed", json_true(), &ok);
        sp_json_put(o, "suppression_reason",
                    sp_json_text(f->suppress_reason ? f->suppress_reason : ""), &ok);
    }
    return checked(o, ok);
}

static json_t *summary(const sp_report *r)
{
    sp_report_counts c = sp_report_count(r);
    json_t *o = json_object(), *types = json_array();
    bool ok = o && types;
    for (size_t i = 0; r->model && i < r->model->unmodeled_types.len; i++)
        sp_json_push(types, sp_json_text(r->model->unmodeled_types.items[i]), &ok);
    sp_json_put(o, "components", json_integer((json_int_t)c.components), &ok);
    sp_json_put(o, "modeled", json_integer((json_int_t)c.modeled), &ok);
    sp_json_put(o, "unmodeled_types", types, &ok);
    sp_json_put(o, "events", json_integer((json_int_t)c.events), &ok);
    sp_json_put(o, "windows", json_integer((json_int_t)c.windows), &ok);
    sp_json_put(o, "complete", json_boolean(r->complete), &ok);
    if (!r->complete)
        sp_json_put(o, "incomplete_reason",
                    sp_json_text(r->incomplete_reason ? r->incomplete_reason
                                                      : "a bound was reached"),
                    &ok);
    return checked(o, ok);
}

static json_t *report(const sp_check_result *res)
{
    const sp_report *r = res->report;
    json_t *o = json_object(), *findings = json_array();
    bool ok = o && findings;
    sp_json_put(o, "version", json_integer(1), &ok);
    sp_json_put(o, "direction", json_string(sp_direction_id(res->direction)), &ok);
    sp_json_put(o, "summary", summary(r), &ok);
    for (size_t i = 0; i < r->findings.len; i++)
        sp_json_push(findings, finding(r, &r->findings.items[i]), &ok);
    sp_json_put(o, "findings", findings, &ok);
    return checked(o, ok);
}

bool sp_render_check_json(const sp_check_result *results, size_t n, FILE *out)
{
    if (n == 1)
        return sp_json_write(report(&results[0]), out);
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < n; i++)
        sp_json_push(a, report(&results[i]), &ok);
    return sp_json_write(checked(a, ok), out);
}
