/* Check results for code-scanning services: one SARIF 2.1.0 log with one
 * run; one result per finding, located at the definition of the finding's
 * instance (NEW's file for a new or unchanged instance, OLD's for an old
 * one).  A roll-back's findings share the run (services merge several runs
 * of one tool poorly); each result's properties say its direction.
 *
 *   - A suppressed finding is a result with `suppressions` (kind inSource,
 *     status accepted, the reason as justification): code scanning shows it
 *     as dismissed rather than losing it.
 *   - `partialFingerprints["snipeproofWindow/v1"]` identifies the window
 *     across runs and edits: a hash of its kind, component, instance label,
 *     direction and (for dangling references) the name, not of its line.
 *   - `fixes`: each extra ordering edge that avoids the window, as the
 *     DependsOn (or after:) edit of NEW's file (sarif_fix.c). */
#include "output.h"
#include "json_build.h"
#include "sarif_fix.h"
#include "summary.h"

#include <stdlib.h>
#include <string.h>

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

typedef struct rule {
    const char *id, *name, *short_text, *full_text, *help_text;
} rule;

#define SUPPRESS_HELP                                                                          \
    "  To accept a window, say so on the resource, with a reason: Metadata: {snipeproof: "     \
    "{ignore: [{kind: %s, reason: \"...\"}]}} (in the template that defines the instance: NEW " \
    "for a new one, OLD for an old one, either for one the update does not change)."

static const rule rules[] = {
    [SP_FINDING_EXPOSURE] =
        {"exposure-window", "ExposureWindow",
         "A component can be reached, during the update, in a way its configuration never "
         "allows",
         "While the update runs, an intermediate state exists in which requests reach a "
         "component that neither its old nor its new configuration lets through.  Apply the "
         "update in the order given (extra DependsOn), or in several phases.",
         "An exposure window: while the update runs, some intermediate state lets requests "
         "reach a component in a way that its own configuration (the old one for an old "
         "instance, the new one for a new instance) never allows; scanners find such an "
         "opening within minutes.  The result says what gets through (excess), the path "
         "from the internet, and which events open the window.  To avoid it, add the "
         "DependsOn the result suggests (snipeproof fix writes it; snipeproof plan gives "
         "the whole safe order), or, when no order helps, apply the update in phases."
         SUPPRESS_HELP},
    [SP_FINDING_DANGLING] =
        {"dangling-reference-window", "DanglingReferenceWindow",
         "A component refers, during the update, to a claimable name that nobody owns",
         "While the update runs, an intermediate state exists in which a live component "
         "refers to a globally claimable name (a bucket name, a DNS name) whose owner does not "
         "exist, so anyone could register it.  Apply the update in the order given, or in "
         "several phases.",
         "A dangling-reference window: while the update runs, some intermediate state has a "
         "live component referring to a globally claimable name (an S3 bucket name, a DNS "
         "name) that no component owns at that moment, so anyone could register it and "
         "receive the traffic or data meant for it.  To avoid it, add the DependsOn the "
         "result suggests (snipeproof fix writes it), or apply the update in phases."
         SUPPRESS_HELP},
};

static json_t *text_object(const char *text)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    sp_json_put(o, "text", sp_json_text(text), &ok);
    if (ok)
        return o;
    json_decref(o);
    return NULL;
}

static json_t *driver_rules(void)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        json_t *r = json_object(), *cfg = json_object(), *props = json_object(),
               *tags = json_array();
        sp_json_put(r, "id", json_string(rules[i].id), &ok);
        sp_json_put(r, "name", json_string(rules[i].name), &ok);
        sp_json_put(r, "shortDescription", text_object(rules[i].short_text), &ok);
        sp_json_put(r, "fullDescription", text_object(rules[i].full_text), &ok);
        char help[2048];
        snprintf(help, sizeof help, rules[i].help_text, rules[i].id);
        sp_json_put(r, "help", text_object(help), &ok);
        sp_json_put(cfg, "level", json_string("error"), &ok);
        sp_json_put(r, "defaultConfiguration", cfg, &ok);
        sp_json_push(tags, json_string("security"), &ok);
        sp_json_put(props, "tags", tags, &ok);
        sp_json_put(r, "properties", props, &ok);
        sp_json_push(a, r, &ok);
    }
    if (ok)
        return a;
    json_decref(a);
    return NULL;
}

/* A relative path stays a relative URI reference (code scanning resolves
 * it against the checkout); an absolute one becomes a file: URI.  Bytes
 * outside the unreserved set are percent-encoded. */
static json_t *file_uri(const char *path)
{
    size_t len = strlen(path);
    char *buf = malloc(len * 3 + 8);
    if (!buf)
        return NULL;
    size_t o = 0;
    if (path[0] == '/') {
        memcpy(buf, "file://", 7);
        o = 7;
    }
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            buf[o++] = (char)*p;
        else
            o += (size_t)sprintf(buf + o, "%%%02X", *p);
    }
    buf[o] = '\0';
    json_t *j = sp_json_text(buf);
    free(buf);
    return j;
}

static bool is_file(const sp_check_result *res, const char *file)
{
    const char *text = res->report->model->text_input;
    return file && *file && !(text && !strcmp(file, text));
}

/* Where a result points: the instance's definition; when that is in no
 * file of the checkout (OLD read from git), the component's definition in
 * the other configuration; else the start of a file that is one. */
static void result_location(const sp_check_result *res, const sp_finding *f, const char **file,
                            unsigned *line, unsigned *column)
{
    const sp_model *m = res->report->model;
    *line = *column = 1;
    if (sp_finding_location(m, f, file, line, column) && is_file(res, *file))
        return;
    if (f->instance < m->instances.len) {
        const sp_component *c = &m->components.items[m->instances.items[f->instance].component];
        const sp_loc locs[2] = {c->loc_new, c->loc_old};
        for (int i = 0; i < 2; i++) {
            const char *other = sp_loc_file(m->ctx, locs[i]);
            if (is_file(res, other)) {
                *file = other;
                sp_loc_line_col(m->ctx, locs[i], line, column);
                return;
            }
        }
    }
    /* Code scanning wants a location on every result. */
    *file = is_file(res, m->new_path) ? m->new_path : m->old_path;
    *line = *column = 1;
}

static json_t *locations(const sp_check_result *res, const sp_finding *f)
{
    const char *file;
    unsigned line, column;
    result_location(res, f, &file, &line, &column);
    json_t *a = json_array(), *loc = json_object(), *phys = json_object(),
           *art = json_object(), *region = json_object();
    bool ok = true;
    sp_json_put(art, "uri", file_uri(file ? file : ""), &ok);
    sp_json_put(region, "startLine", json_integer(line ? line : 1), &ok);
    sp_json_put(region, "startColumn", json_integer(column ? column : 1), &ok);
    sp_json_put(phys, "artifactLocation", art, &ok);
    sp_json_put(phys, "region", region, &ok);
    sp_json_put(loc, "physicalLocation", phys, &ok);
    sp_json_push(a, loc, &ok);
    if (ok)
        return a;
    json_decref(a);
    return NULL;
}

/* The same sentences the text output uses, in one paragraph. */
static json_t *message(const sp_check_result *res, const sp_finding *f)
{
    const sp_report *r = res->report;
    char *buf = NULL;
    size_t size = 0;
    FILE *s = open_memstream(&buf, &size);
    if (!s)
        return NULL;
    if (res->direction == SP_ROLLBACK)
        fputs("During the roll-back: ", s);
    sp_say_what(s, r->model, f);
    for (size_t i = 0; i < f->nexcess; i++) {
        fputs(i ? "; " : " Excess: ", s);
        sp_say_excess_row(s, &f->excess[i]);
    }
    if (f->nexcess)
        fputc('.', s);
    if (f->npath) {
        fputs(" Path: ", s);
        sp_say_path(s, r->model, f);
        fputc('.', s);
    }
    fputs(" It happens ", s);
    sp_say_witness(s, r->update, f);
    fputc('.', s);
    if (f->nfix) {
        fputs(" To avoid it: ", s);
        sp_say_fix(s, r->update, f);
        fputc('.', s);
    } else if (res->fixes_known) {
        fputs(" Hint: ", s);
        sp_say_no_fix(s, r->update, f);
        fputc('.', s);
    }
    bool ok = !ferror(s);
    if (fclose(s) != 0)
        ok = false;
    json_t *j = ok ? text_object(buf) : NULL;
    free(buf);
    return j;
}

/* FNV-1a, 64 bits, over NUL-separated fields. */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return h * 0x100000001b3ull; /* the separator */
}

static json_t *fingerprints(const sp_check_result *res, const sp_finding *f, sp_label label)
{
    const sp_model *m = res->report->model;
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, rules[f->kind].id);
    h = fnv(h, sp_node_name(m, f->instance));
    h = fnv(h, sp_label_name(label));
    h = fnv(h, sp_direction_id(res->direction));
    if (f->kind == SP_FINDING_DANGLING)
        h = fnv(h, f->name);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    json_t *o = json_object();
    bool ok = o != NULL;
    sp_json_put(o, "snipeproofWindow/v1", json_string(hex), &ok);
    if (ok)
        return o;
    json_decref(o);
    return NULL;
}

static json_t *suppressions(const sp_finding *f)
{
    json_t *a = json_array(), *s = json_object();
    bool ok = a && s;
    sp_json_put(s, "kind", json_string("inSource"), &ok);
    sp_json_put(s, "status", json_string("accepted"), &ok);
    sp_json_put(s, "justification", sp_json_text(f->suppress_reason ? f->suppress_reason : ""),
                &ok);
    sp_json_push(a, s, &ok);
    if (ok)
        return a;
    json_decref(a);
    return NULL;
}

static json_t *result(const sp_check_result *res, sp_sarif_fixer *fx, const sp_finding *f)
{
    const sp_report *r = res->report;
    const sp_model *m = r->model;
    sp_label label = f->instance < m->instances.len ? m->instances.items[f->instance].label
                                                    : SP_LABEL_UNCHANGED;
    json_t *o = json_object(), *props = json_object();
    bool ok = true;
    sp_json_put(o, "ruleId", json_string(rules[f->kind].id), &ok);
    sp_json_put(o, "ruleIndex", json_integer((json_int_t)f->kind), &ok);
    sp_json_put(o, "level", json_string("error"), &ok);
    sp_json_put(o, "message", message(res, f), &ok);
    sp_json_put(o, "locations", locations(res, f), &ok);
    sp_json_put(o, "partialFingerprints", fingerprints(res, f, label), &ok);
    if (f->suppressed)
        sp_json_put(o, "suppressions", suppressions(f), &ok);
    json_t *fixes = sp_sarif_fixes(fx, r->update, f, file_uri, &ok);
    if (fixes)
        sp_json_put(o, "fixes", fixes, &ok);
    sp_json_put(props, "direction", json_string(sp_direction_id(res->direction)), &ok);
    sp_json_put(props, "component", sp_json_text(sp_node_name(m, f->instance)), &ok);
    sp_json_put(props, "instance", json_string(sp_label_name(label)), &ok);
    sp_json_put(props, "path", sp_json_path(m, f), &ok);
    sp_json_put(props, "witness", sp_json_witness(r->update, f), &ok);
    sp_json_put(props, "fix", sp_json_fix(m, f), &ok);
    sp_json_put(o, "properties", props, &ok);
    if (ok)
        return o;
    json_decref(o);
    return NULL;
}

bool sp_render_check_sarif(const sp_check_result *results, size_t n, FILE *out)
{
    json_t *log = json_object(), *runs = json_array(), *run = json_object(),
           *tool = json_object(), *driver = json_object(), *res = json_array();
    bool ok = true;
    sp_json_put(driver, "name", json_string("snipeproof"), &ok);
    sp_json_put(driver, "version", json_string(SP_VERSION_STRING), &ok);
    sp_json_put(driver, "rules", driver_rules(), &ok);
    sp_json_put(tool, "driver", driver, &ok);
    sp_json_put(run, "tool", tool, &ok);
    for (size_t i = 0; i < n; i++) {
        const sp_report *r = results[i].report;
        sp_sarif_fixer fx;
        sp_sarif_fixer_init(&fx, r->model);
        for (size_t k = 0; k < r->findings.len; k++)
            sp_json_push(res, result(&results[i], &fx, &r->findings.items[k]), &ok);
    }
    sp_json_put(run, "results", res, &ok);
    sp_json_put(run, "columnKind", json_string("unicodeCodePoints"), &ok);
    sp_json_push(runs, run, &ok);
    sp_json_put(log, "$schema", json_string(SARIF_SCHEMA), &ok);
    sp_json_put(log, "version", json_string("2.1.0"), &ok);
    sp_json_put(log, "runs", runs, &ok);
    if (!ok) {
        json_decref(log);
        return false;
    }
    return sp_json_write(log, out);
}
