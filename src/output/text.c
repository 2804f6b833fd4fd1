/* Check results for people: one block per window, then a summary line. */
#include "output.h"
#include "summary.h"

#include <string.h>

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

static void on(const painter *p, const char *code)
{
    if (p->color)
        fputs(code, p->out);
}

static void off(const painter *p)
{
    if (p->color)
        fputs(RESET, p->out);
}

/* "  excess:   " — a field label, aligned. */
static void label(const painter *p, const char *name)
{
    fputs("  ", p->out);
    on(p, CYAN);
    fprintf(p->out, "%s:", name);
    off(p);
    fprintf(p->out, "%*s", (int)(9 - strlen(name)), "");
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void render_finding(const painter *p, const sp_report *r, bool fixes_known,
                           const sp_finding *f)
{
    FILE *out = p->out;
    const sp_model *m = r->model;
    const char *file;
    unsigned line, col;
    if (sp_finding_location(m, f, &file, &line, &col)) {
        on(p, BOLD);
        fprintf(out, "%s:%u:%u:", file, line, col);
        off(p);
        fputc(' ', out);
    }
    on(p, RED);
    fputs(sp_kind_words(f->kind), out);
    off(p);
    fputs(": ", out);
    on(p, BOLD);
    sp_say_instance(out, m, f->instance);
    off(p);
    fputs("\n  ", out);
    sp_say_what(out, m, f);
    fputc('\n', out);
    for (size_t i = 0; i < f->nexcess; i++) {
        if (i == 0)
            label(p, "excess");
        else
            fprintf(out, "%13s", "");
        sp_say_excess_row(out, &f->excess[i]);
        fputc('\n', out);
    }
    if (f->npath) {
        label(p, "path");
        sp_say_path(out, m, f);
        fputc('\n', out);
    }
    label(p, "when");
    sp_say_witness(out, r->update, f);
    fputc('\n', out);
    if (f->sample) {
        label(p, "example");
        fprintf(out, "%s\n", f->sample);
    }
    if (f->nfix) {
        label(p, "avoid");
        on(p, GREEN);
        sp_say_fix(out, r->update, f);
        off(p);
        fputc('\n', out);
    } else if (fixes_known) {
        label(p, "hint");
        on(p, YELLOW);
        sp_say_no_fix(out, r->update, f);
        off(p);
        fputc('\n', out);
    }
}

/* A window the configuration accepts: listed, marked, with its reason,
 * what it lets through and when; not counted. */
static void render_suppressed(const painter *p, const sp_report *r, const sp_finding *f)
{
    FILE *out = p->out;
    const sp_model *m = r->model;
    const char *file;
    unsigned line, col;
    if (sp_finding_location(m, f, &file, &line, &col)) {
        on(p, BOLD);
        fprintf(out, "%s:%u:%u:", file, line, col);
        off(p);
        fputc(' ', out);
    }
    on(p, YELLOW);
    fprintf(out, "%s (suppressed)", sp_kind_words(f->kind));
    off(p);
    fputs(": ", out);
    sp_say_instance(out, m, f->instance);
    fputc('\n', out);
    label(p, "reason");
    fprintf(out, "%s\n", f->suppress_reason ? f->suppress_reason : "");
    for (size_t i = 0; i < f->nexcess; i++) {
        if (i == 0)
            label(p, "excess");
        else
            fprintf(out, "%13s", "");
        sp_say_excess_row(out, &f->excess[i]);
        fputc('\n', out);
    }
    label(p, "when");
    sp_say_witness(out, r->update, f);
    fputc('\n', out);
}

static void render_summary(const painter *p, const sp_report *r)
{
    FILE *out = p->out;
    sp_report_counts c = sp_report_count(r);
    if (!r->complete) {
        on(p, YELLOW);
        fprintf(out, "Incomplete: %zu sniping %s found before the search stopped", c.windows,
                plural(c.windows, "window", "windows"));
        off(p);
        fprintf(out, " (%s); more may exist.",
                r->incomplete_reason ? r->incomplete_reason : "a bound was reached");
    } else if (c.windows) {
        on(p, RED);
        fprintf(out, "%zu sniping %s.", c.windows, plural(c.windows, "window", "windows"));
        off(p);
    } else {
        on(p, GREEN);
        fputs("No sniping window.", out);
        off(p);
    }
    if (c.suppressed)
        fprintf(out, " %zu suppressed.", c.suppressed);
    fprintf(out, " %zu %s (%zu modelled", c.components,
            plural(c.components, "component", "components"), c.modeled);
    if (r->model && r->model->unmodeled_types.len) {
        fprintf(out, "; %s not modelled: ",
                plural(r->model->unmodeled_types.len, "type", "types"));
        for (size_t i = 0; i < r->model->unmodeled_types.len; i++)
            fprintf(out, "%s%s", i ? ", " : "", r->model->unmodeled_types.items[i]);
    }
    fprintf(out, "), %zu %s", c.events, plural(c.events, "event", "events"));
    if (r->complete)
        fputs("; every reachable state was checked.", out);
    else
        fputs(".", out);
    fputc('\n', out);
}

static const char *shown_path(const char *path)
{
    return path && *path ? path : "(empty)";
}

void sp_render_check_text(const sp_check_result *results, size_t n, const sp_output_options *o,
                          FILE *out)
{
    painter p = {out, o && o->color};
    bool quiet = o && o->quiet;
    bool printed = false;
    for (size_t i = 0; i < n; i++) {
        const sp_report *r = results[i].report;
        sp_report_counts c = sp_report_count(r);
        bool heading = (n > 1 || results[i].direction == SP_ROLLBACK) && (!quiet || c.windows);
        if (heading) {
            if (printed)
                fputc('\n', out);
            on(&p, BOLD);
            fprintf(out, "%s %s -> %s\n",
                    results[i].direction == SP_ROLLBACK ? "Roll-back" : "Update",
                    shown_path(r->model ? r->model->old_path : NULL),
                    shown_path(r->model ? r->model->new_path : NULL));
            off(&p);
            printed = true;
        }
        bool first = true;
        for (size_t k = 0; k < r->findings.len; k++) {
            const sp_finding *f = &r->findings.items[k];
            if (f->suppressed)
                continue;
            if (!first)
                fputc('\n', out);
            render_finding(&p, r, results[i].fixes_known, f);
            first = false;
            printed = true;
        }
        /* Suppressed windows after the others, marked; -q leaves them out
         * (they are not windows any more). */
        for (size_t k = 0; k < r->findings.len && !quiet; k++) {
            const sp_finding *f = &r->findings.items[k];
            if (!f->suppressed)
                continue;
            if (!first)
                fputc('\n', out);
            render_suppressed(&p, r, f);
            first = false;
            printed = true;
        }
        if (!quiet) {
            if (!first)
                fputc('\n', out);
            render_summary(&p, r);
            printed = true;
        }
    }
}
