/* Hand-built models and reports for the output tests: the renderers are
 * tested without readers, front-ends or analysis.
 *
 * The update: Router and WebServer are modified in place, Logs is
 * unchanged and of a type the catalogue does not know, Bucket is replaced.
 * The finding: the new WebServer is reachable on tcp 22 if it is updated
 * before the Router. */
#ifndef TEST_OUTPUT_FIXTURE_H
#define TEST_OUTPUT_FIXTURE_H

#include "output/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fixture_old_text[] = "Resources:\n"
                                       "  Router:\n"
                                       "    Type: AWS::EC2::NetworkAcl\n"
                                       "  WebServer:\n"
                                       "    Type: AWS::EC2::Instance\n"
                                       "  Logs:\n"
                                       "    Type: AWS::Foo::Bar\n"
                                       "  Bucket:\n"
                                       "    Type: AWS::S3::Bucket\n";

static const char fixture_new_text[] = "Resources:\n"
                                       "  Router:\n"
                                       "    Type: AWS::EC2::NetworkAcl\n"
                                       "  Logs:\n"
                                       "    Type: AWS::Foo::Bar\n"
                                       "  WebServer:\n"
                                       "    Type: AWS::EC2::Instance\n"
                                       "  Bucket:\n"
                                       "    Type: AWS::S3::Bucket\n";

typedef struct fixture {
    sp_ctx ctx;
    sp_model model;
    sp_update update;
    sp_report report;
    uint32_t router, web, logs, bucket;            /* components */
    uint32_t router_new, web_old, web_new, logs_in; /* instances */
    uint32_t bucket_old, bucket_new;
} fixture;

/* Where `key:` is defined in `text` (two spaces of indentation). */
static inline sp_loc fixture_loc(uint32_t src, const char *text, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\n  %s:", key);
    const char *at = strstr(text, pattern);
    sp_loc loc = {src, at ? (uint32_t)(at - text + 3) : 0, (uint32_t)strlen(key)};
    return loc;
}

static inline uint32_t fixture_component(fixture *f, const char *key, const char *type,
                                         sp_change ch, uint32_t old_src, uint32_t new_src)
{
    uint32_t c = sp_model_add_component(&f->model, key, type);
    sp_component *comp = &f->model.components.items[c];
    comp->change = ch;
    if (old_src != SP_NO_SOURCE)
        comp->loc_old = fixture_loc(old_src, fixture_old_text, key);
    if (new_src != SP_NO_SOURCE)
        comp->loc_new = fixture_loc(new_src, fixture_new_text, key);
    return c;
}

/* Builds model and update with `engine`; the report is complete and has
 * no finding yet. */
static inline void fixture_init(fixture *f, sp_engine engine)
{
    memset(f, 0, sizeof *f);
    sp_ctx_init(&f->ctx);
    uint32_t so = sp_source_add(&f->ctx, "old.yaml", fixture_old_text, strlen(fixture_old_text));
    uint32_t sn = sp_source_add(&f->ctx, "new.yaml", fixture_new_text, strlen(fixture_new_text));
    sp_model_init(&f->model, &f->ctx, engine);
    f->router =
        fixture_component(f, "Router", "AWS::EC2::NetworkAcl", SP_CHANGE_MODIFIED, so, sn);
    f->web = fixture_component(f, "WebServer", "AWS::EC2::Instance", SP_CHANGE_MODIFIED, so, sn);
    f->logs = fixture_component(f, "Logs", "AWS::Foo::Bar", SP_CHANGE_UNCHANGED, so, sn);
    f->bucket = fixture_component(f, "Bucket", "AWS::S3::Bucket", SP_CHANGE_REPLACED, so, sn);
    f->model.components.items[f->logs].modeled = false;
    sp_model_note_unmodeled(&f->model, "AWS::Foo::Bar");
    const sp_component *c = f->model.components.items;
    sp_model_add_instance(&f->model, f->router, SP_VER_OLD, SP_LABEL_OLD, c[f->router].loc_old);
    f->router_new = sp_model_add_instance(&f->model, f->router, SP_VER_NEW, SP_LABEL_NEW,
                                          c[f->router].loc_new);
    f->web_old = sp_model_add_instance(&f->model, f->web, SP_VER_OLD, SP_LABEL_OLD,
                                       c[f->web].loc_old);
    f->web_new = sp_model_add_instance(&f->model, f->web, SP_VER_NEW, SP_LABEL_NEW,
                                       c[f->web].loc_new);
    f->logs_in = sp_model_add_instance(&f->model, f->logs, SP_VER_BOTH, SP_LABEL_UNCHANGED,
                                       c[f->logs].loc_new);
    f->bucket_old = sp_model_add_instance(&f->model, f->bucket, SP_VER_OLD, SP_LABEL_OLD,
                                          c[f->bucket].loc_old);
    f->bucket_new = sp_model_add_instance(&f->model, f->bucket, SP_VER_NEW, SP_LABEL_NEW,
                                          c[f->bucket].loc_new);
    f->model.old_path = "old.yaml";
    f->model.new_path = "new.yaml";
    if (!sp_update_build(&f->update, &f->model, false))
        abort();
    f->report.model = &f->model;
    f->report.update = &f->update;
    f->report.complete = true;
}

static inline void fixture_release(fixture *f)
{
    sp_ctx_release(&f->ctx);
}

/* The event of component `comp` of kind `kind`. */
static inline uint32_t fixture_event(const fixture *f, uint32_t comp, sp_event_kind kind)
{
    for (uint32_t i = 0; i < f->update.events.len; i++)
        if (f->update.events.items[i].component == comp && f->update.events.items[i].kind == kind)
            return i;
    abort();
}

static inline void *fixture_copy(fixture *f, const void *items, size_t size)
{
    void *p = sp_arena_alloc(&f->ctx.arena, size ? size : 1);
    if (!p)
        abort();
    memcpy(p, items, size);
    return p;
}

/* The reference finding: new WebServer open on tcp 22 from anywhere while
 * the Router is not yet updated; fix: Router before WebServer. */
static inline sp_finding *fixture_add_web_finding(fixture *f, bool with_fix)
{
    sp_excess_row row = {"tcp", "22", "0.0.0.0/0", "none"};
    uint32_t path[] = {SP_INTERNET, f->router_new, f->web_new};
    uint32_t done[] = {fixture_event(f, f->web, SP_EV_UPDATE)};
    uint32_t pending[] = {fixture_event(f, f->router, SP_EV_UPDATE)};
    sp_edge_hint fix = {f->router, f->web};
    sp_finding x;
    memset(&x, 0, sizeof x);
    x.kind = SP_FINDING_EXPOSURE;
    x.instance = f->web_new;
    x.excess = fixture_copy(f, &row, sizeof row);
    x.nexcess = 1;
    x.path = fixture_copy(f, path, sizeof path);
    x.npath = 3;
    x.sample = "tcp port 22 from 203.0.113.5, credential: none";
    x.done = fixture_copy(f, done, sizeof done);
    x.ndone = 1;
    x.pending = fixture_copy(f, pending, sizeof pending);
    x.npending = 1;
    x.state = fixture_copy(f, done, sizeof done);
    x.nstate = 1;
    if (with_fix) {
        x.fix = fixture_copy(f, &fix, sizeof fix);
        x.nfix = 1;
    }
    if (!sp_vec_push(&f->ctx.arena, &f->report.findings, x))
        abort();
    return &f->report.findings.items[f->report.findings.len - 1];
}

/* A dangling reference: the unchanged Logs refers to the bucket name
 * while the old Bucket is deleted and its replacement not yet created. */
static inline sp_finding *fixture_add_dangling_finding(fixture *f)
{
    uint32_t done[] = {fixture_event(f, f->bucket, SP_EV_DELETE)};
    uint32_t pending[] = {fixture_event(f, f->bucket, SP_EV_CREATE)};
    sp_finding x;
    memset(&x, 0, sizeof x);
    x.kind = SP_FINDING_DANGLING;
    x.instance = f->logs_in;
    x.name = "logs-archive-bucket";
    x.done = fixture_copy(f, done, sizeof done);
    x.ndone = 1;
    x.pending = fixture_copy(f, pending, sizeof pending);
    x.npending = 1;
    if (!sp_vec_push(&f->ctx.arena, &f->report.findings, x))
        abort();
    return &f->report.findings.items[f->report.findings.len - 1];
}

/* Renders into a string (caller frees). */
typedef enum { FX_TEXT, FX_JSON, FX_SARIF } fixture_format;

static inline char *fixture_render(const sp_check_result *res, size_t n, fixture_format fmt,
                                   bool color, bool quiet)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    if (!out)
        abort();
    sp_output_options o = {color, quiet};
    bool ok = true;
    switch (fmt) {
    case FX_TEXT:
        sp_render_check_text(res, n, &o, out);
        break;
    case FX_JSON:
        ok = sp_render_check_json(res, n, out);
        break;
    case FX_SARIF:
        ok = sp_render_check_sarif(res, n, out);
        break;
    }
    fclose(out);
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

static inline char *fixture_render_one(const fixture *f, fixture_format fmt, bool color,
                                       bool quiet)
{
    sp_check_result r = {&f->report, SP_UPDATE, true};
    return fixture_render(&r, 1, fmt, color, quiet);
}

#endif
