#include "run.h"

#include "../output/output.h"
#include "../planner/planner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

sp_run *sp_run_new(void)
{
    sp_run *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    sp_ctx_init(&r->ctx);
    r->limits.max_states = SP_DEFAULT_MAX_STATES;
    r->limits.max_cells = SP_DEFAULT_MAX_CELLS;
    return r;
}

void sp_run_free(sp_run *r)
{
    if (!r)
        return;
    sp_requirements_release(r->requirements);
    sp_ctx_release(&r->ctx);
    free(r);
}

void sp_run_set_flag(sp_run *r, sp_flag flag, int on)
{
    if ((unsigned)flag < sizeof r->flags / sizeof *r->flags)
        r->flags[flag] = on != 0;
}

void sp_run_set_limits(sp_run *r, unsigned long max_states, unsigned long max_cells)
{
    if (max_states)
        r->limits.max_states = max_states;
    if (max_cells)
        r->limits.max_cells = max_cells;
}

sp_status sp_run_set_param(sp_run *r, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        sp_error(&r->ctx, SP_NO_LOC, "--param wants NAME=VALUE, not '%s'", assignment);
        return SP_INPUT_ERROR;
    }
    sp_param p;
    p.name = sp_arena_strndup(&r->ctx.arena, assignment, (size_t)(eq - assignment));
    p.value = sp_arena_strdup(&r->ctx.arena, eq + 1);
    if (!p.name || !p.value || !sp_vec_push(&r->ctx.arena, &r->params, p)) {
        sp_oom(&r->ctx);
        return SP_INTERNAL;
    }
    return SP_OK;
}

sp_status sp_run_add_types(sp_run *r, const char *path)
{
    const char *copy = sp_arena_strdup(&r->ctx.arena, path);
    if (!copy || !sp_vec_push(&r->ctx.arena, &r->types_files, copy)) {
        sp_oom(&r->ctx);
        return SP_INTERNAL;
    }
    return SP_OK;
}

static sp_status failure(sp_run *r)
{
    return r->ctx.out_of_memory ? SP_INTERNAL : SP_INPUT_ERROR;
}

sp_status sp_run_add_input(sp_run *r, const char *name, const char *text, size_t len)
{
    if (len > SP_MAX_INPUT_BYTES) {
        sp_error(&r->ctx, SP_NO_LOC, "%s: larger than %d MiB", name,
                 SP_MAX_INPUT_BYTES / (1024 * 1024));
        return SP_INPUT_ERROR;
    }
    sp_run_input in = {sp_arena_strdup(&r->ctx.arena, name), NULL, len};
    char *copy = sp_arena_alloc(&r->ctx.arena, len + 1);
    if (copy) {
        memcpy(copy, text, len);
        copy[len] = '\0';
        in.text = copy;
    }
    if (!in.name || !in.text || !sp_vec_push(&r->ctx.arena, &r->inputs, in)) {
        sp_oom(&r->ctx);
        return SP_INTERNAL;
    }
    return SP_OK;
}

sp_status sp_run_set_topology(sp_run *r, const char *path)
{
    r->topology = sp_arena_strdup(&r->ctx.arena, path);
    if (!r->topology) {
        sp_oom(&r->ctx);
        return SP_INTERNAL;
    }
    return SP_OK;
}

/* A guix deploy file (with --topology): read as S-expressions, whatever it
 * starts with, unless it is plainly YAML or JSON. */
static sp_doc *read_deploy_file(sp_run *r, uint32_t src)
{
    const sp_source *s = sp_source_get(&r->ctx, src);
    size_t i = 0;
    while (i < s->len && s->text[i] && strchr(" \t\r\n", s->text[i]))
        i++;
    if (sp_detect_syntax(s->text, s->len) != SP_SYNTAX_SEXP && i < s->len &&
        s->text[i] != '#') {
        sp_loc at = {src, (uint32_t)i, 1};
        sp_error(&r->ctx, at,
                 "with --topology, OLD and NEW are guix deploy files (Scheme), but this file is "
                 "not one (it starts like YAML or JSON)");
        return NULL;
    }
    return sp_read_sexp(&r->ctx, src);
}

/* The source of one input: a text given with sp_run_add_input under that
 * name, or a file. */
static bool input_source(sp_run *r, const char *path, uint32_t *src)
{
    for (size_t i = 0; i < r->inputs.len; i++)
        if (!strcmp(r->inputs.items[i].name, path)) {
            const sp_run_input *in = &r->inputs.items[i];
            if ((*src = sp_source_add(&r->ctx, in->name, in->text, in->len)) == SP_NO_SOURCE) {
                sp_oom(&r->ctx);
                return false;
            }
            return true;
        }
    return sp_source_read(&r->ctx, path, src);
}

/* Reads one input; an empty path means "an empty configuration", which is
 * given the kind of the other side by the caller. */
static sp_doc *read_input(sp_run *r, const char *path)
{
    uint32_t src;
    if (!input_source(r, path, &src))
        return NULL;
    if (r->topology)
        return read_deploy_file(r, src);
    return sp_read_document(&r->ctx, src);
}

/* ---- OLD and NEW read at the same time ----
 *
 * Reading two large documents is a fifth of a check.  When both are large,
 * NEW's is read by a second thread into a context of its own (its own arena
 * and diagnostics, the run's sources, which nothing adds to meanwhile) while
 * this thread reads OLD's; then the run's arena adopts the other arena and
 * NEW's diagnostics follow OLD's.  The result is what reading them in turn
 * gives: when OLD does not read, nothing of NEW's is kept (in turn, NEW
 * would not have been opened). */

enum { READ_APART_MIN_BYTES = 1 << 20 };

typedef struct side_read {
    sp_ctx ctx;
    uint32_t src;
    sp_doc *doc;
} side_read;

static void *read_side(void *arg)
{
    side_read *s = arg;
    s->doc = sp_read_document(&s->ctx, s->src);
    return NULL;
}

/* Reads OLD and NEW (both non-empty paths, not deploy files); false with
 * the diagnostics reading them in turn would give. */
static bool read_both(sp_run *r, const char *old_path, const char *new_path, sp_doc **old_doc,
                      sp_doc **new_doc)
{
    uint32_t osrc, nsrc;
    if (!input_source(r, old_path, &osrc))
        return false;
    sp_diag_mark before_new = sp_diag_get_mark(&r->ctx);
    bool new_ok = input_source(r, new_path, &nsrc);
    /* SNIPEPROOF_READ_IN_TURN lets the tests compare the two ways. */
    if (!new_ok || sp_source_get(&r->ctx, osrc)->len < READ_APART_MIN_BYTES ||
        sp_source_get(&r->ctx, nsrc)->len < READ_APART_MIN_BYTES ||
        getenv("SNIPEPROOF_READ_IN_TURN")) {
        /* In turn.  A NEW that could not be opened is reported (again)
         * only after OLD has read. */
        if (!new_ok)
            sp_diag_rewind(&r->ctx, before_new);
        if (!(*old_doc = sp_read_document(&r->ctx, osrc)))
            return false;
        if (!new_ok && !input_source(r, new_path, &nsrc))
            return false;
        return (*new_doc = sp_read_document(&r->ctx, nsrc)) != NULL;
    }
    side_read side;
    memset(&side, 0, sizeof side);
    sp_arena_init(&side.ctx.arena, r->ctx.arena.limit);
    side.ctx.sources = r->ctx.sources;
    side.src = nsrc;
    pthread_t thread;
    bool apart = pthread_create(&thread, NULL, read_side, &side) == 0;
    *old_doc = sp_read_document(&r->ctx, osrc);
    if (apart)
        pthread_join(thread, NULL);
    else
        read_side(&side);
    sp_arena_adopt(&r->ctx.arena, &side.ctx.arena);
    if (!*old_doc)
        return false;
    for (size_t i = 0; i < side.ctx.diags.len; i++)
        if (!sp_vec_push(&r->ctx.arena, &r->ctx.diags, side.ctx.diags.items[i])) {
            sp_oom(&r->ctx);
            return false;
        }
    r->ctx.errors += side.ctx.errors;
    r->ctx.warnings += side.ctx.warnings;
    if (side.ctx.out_of_memory)
        sp_oom(&r->ctx);
    *new_doc = side.doc;
    return side.doc != NULL && !r->ctx.out_of_memory;
}

/* guix deploy files with their topology (--topology). */
static bool load_guix(sp_run *r, const sp_frontend_options *opt, const sp_doc *old_doc,
                      const sp_doc *new_doc)
{
    uint32_t src;
    if (!sp_source_read(&r->ctx, r->topology, &src))
        return false;
    sp_doc *topo = sp_read_document(&r->ctx, src);
    if (!topo)
        return false;
    if (sp_detect_input(topo) != SP_INPUT_TOPOLOGY) {
        sp_error(&r->ctx, sp_doc_loc(topo),
                 "--topology needs a topology file ('snipeproof: topology/1'): the networks "
                 "between the machines of the deploy files");
        return false;
    }
    return sp_guix_load(&r->ctx, opt, topo, old_doc, new_doc, &r->model);
}

sp_status sp_run_load(sp_run *r, const char *old_path, const char *new_path,
                      sp_direction direction)
{
    if (r->loaded) {
        sp_error(&r->ctx, SP_NO_LOC, "internal: a run loads one update");
        return SP_INTERNAL;
    }
    r->direction = direction;
    if (direction == SP_ROLLBACK) {
        const char *t = old_path;
        old_path = new_path;
        new_path = t;
    }
    sp_doc *old_doc = NULL, *new_doc = NULL;
    if (old_path && *old_path && new_path && *new_path && !r->topology) {
        if (!read_both(r, old_path, new_path, &old_doc, &new_doc))
            return failure(r);
    } else {
        if (old_path && *old_path && !(old_doc = read_input(r, old_path)))
            return failure(r);
        if (new_path && *new_path && !(new_doc = read_input(r, new_path)))
            return failure(r);
    }
    const sp_doc *probe = new_doc ? new_doc : old_doc;
    if (!probe) {
        sp_error(&r->ctx, SP_NO_LOC, "nothing to read");
        return SP_INPUT_ERROR;
    }
    sp_input_kind kind = r->topology ? SP_INPUT_GUIX : sp_detect_input(probe);
    if (!r->topology && old_doc && new_doc && sp_detect_input(old_doc) != kind) {
        sp_error(&r->ctx, sp_doc_loc(old_doc),
                 "the two inputs are of different kinds; both must be CloudFormation "
                 "templates or both topology files");
        return SP_INPUT_ERROR;
    }
    sp_frontend_options opt = {r->params.items, r->params.len, r->types_files.items,
                               r->types_files.len, r->flags[SP_FLAG_STRICT]};
    bool ok;
    switch (kind) {
    case SP_INPUT_CLOUDFORMATION:
        ok = sp_cfn_load(&r->ctx, &opt, old_doc, new_doc, &r->model);
        break;
    case SP_INPUT_TOPOLOGY:
        ok = sp_topology_load(&r->ctx, &opt, old_doc, new_doc, &r->model);
        break;
    case SP_INPUT_GUIX:
        if (!r->topology) {
            sp_error(&r->ctx, sp_doc_loc(probe),
                     "this is a guix deploy file: give the network between its machines with "
                     "--topology FILE (docs/GUIX.md)");
            return SP_INPUT_ERROR;
        }
        ok = load_guix(r, &opt, old_doc, new_doc);
        break;
    default:
        sp_error(&r->ctx, sp_doc_loc(probe),
                 "not a CloudFormation template (no Resources) nor a topology file "
                 "(no 'snipeproof: topology/1')");
        return SP_INPUT_ERROR;
    }
    if (!ok)
        return failure(r);
    r->model.old_path = old_path;
    r->model.new_path = new_path;
    /* An input given as text (OLD read from git for --base) is no file of
     * the checkout: SARIF must not point into it. */
    for (size_t i = 0; i < r->inputs.len; i++)
        if ((old_path && !strcmp(old_path, r->inputs.items[i].name)) ||
            (new_path && !strcmp(new_path, r->inputs.items[i].name)))
            r->model.text_input = r->inputs.items[i].name;
    if (!sp_update_build(&r->update, &r->model, r->flags[SP_FLAG_TRANSITIVE]))
        return failure(r);
    r->kind = kind;
    r->single = old_path == NULL;
    r->loaded = true;
    return SP_OK;
}

sp_status sp_run_check(sp_run *r)
{
    if (!r->loaded || r->checked || r->planned)
        return SP_INTERNAL;
    r->requirements = sp_requirements_compute(&r->update);
    if (!r->requirements || !sp_search(&r->update, r->requirements, &r->limits, &r->report))
        return SP_INTERNAL;
    /* Each finding's `fix`: the ordering edges that would remove its
     * witness; an empty list then means that no extra order can. */
    if (!sp_plan_hints(&r->update, &r->report))
        return SP_INTERNAL;
    r->checked = true;
    if (!r->report.complete)
        return SP_INCOMPLETE;
    for (size_t i = 0; i < r->report.findings.len; i++)
        if (!r->report.findings.items[i].suppressed)
            return SP_WINDOWS;
    return SP_OK;
}

/* The suppressions of `r` that come from the file the user named NEW (in a
 * roll-back run that file is the model's OLD side). */
static bool from_user_new(const sp_run *r, const sp_suppression *s)
{
    return s->version == (r->direction == SP_ROLLBACK ? SP_VER_OLD : SP_VER_NEW);
}

static bool used_in(const sp_run *r, const sp_suppression *s)
{
    for (size_t i = 0; i < r->report.findings.len; i++)
        if (sp_suppression_covers(&r->model, s, &r->report.findings.items[i]))
            return true;
    return false;
}

/* The same suppression in another run of the same files: same file, same
 * place (runs read the files in different orders, so source ids differ). */
static const sp_suppression *same_in(const sp_run *from, const sp_suppression *s,
                                     const sp_run *r)
{
    const char *file = sp_loc_file(&from->ctx, s->loc);
    for (size_t i = 0; file && i < r->model.suppressions.len; i++) {
        const sp_suppression *t = &r->model.suppressions.items[i];
        const char *tf = sp_loc_file(&r->ctx, t->loc);
        if (tf && !strcmp(tf, file) && t->loc.off == s->loc.off)
            return t;
    }
    return NULL;
}

void sp_run_warn_unused_suppressions(sp_run *const *runs, size_t n)
{
    if (n == 0 || !runs[0] || !runs[0]->checked)
        return;
    /* A search a bound stopped may not have met the window a suppression
     * is for: no verdict on any of them then. */
    for (size_t k = 0; k < n; k++)
        if (!runs[k] || !runs[k]->checked || !runs[k]->report.complete)
            return;
    sp_run *first = runs[0];
    for (size_t i = 0; i < first->model.suppressions.len; i++) {
        const sp_suppression *s = &first->model.suppressions.items[i];
        if (!from_user_new(first, s))
            continue;
        bool used = used_in(first, s);
        for (size_t k = 1; k < n && !used; k++) {
            const sp_suppression *t = runs[k] && runs[k]->checked ? same_in(first, s, runs[k])
                                                                  : NULL;
            used = t && used_in(runs[k], t);
        }
        if (!used)
            sp_warn(&first->ctx, s->loc,
                    "this suppression matches no %s of '%s'%s; remove it if the window is gone",
                    s->kinds == SP_SUPPRESS_DANGLING ? "dangling-reference window"
                                                     : "exposure window",
                    first->model.components.items[s->component].key,
                    n > 1 ? " in either direction" : "");
    }
}

sp_status sp_run_plan(sp_run *r)
{
    if (!r->loaded || r->checked || r->planned)
        return SP_INTERNAL;
    r->requirements = sp_requirements_compute(&r->update);
    if (!r->requirements ||
        !sp_plan_compute(&r->update, r->requirements, &r->limits, &r->plan))
        return SP_INTERNAL;
    r->planned = true;
    if (!r->plan.complete)
        return SP_INCOMPLETE;
    return r->plan.verdict == SP_VERDICT_SAFE || r->plan.verdict == SP_VERDICT_ORDERED
               ? SP_OK
               : SP_WINDOWS;
}

sp_status sp_run_graph(sp_run *r)
{
    if (!r->loaded || r->checked || r->planned || r->graphed)
        return SP_INTERNAL;
    unsigned char *all = sp_arena_alloc(&r->ctx.arena, r->update.events.len + 1);
    if (!all) {
        sp_oom(&r->ctx);
        return SP_INTERNAL;
    }
    memset(all, 1, r->update.events.len + 1);
    if (!sp_state_graph_build(&r->update, all, &r->graph_new) ||
        (!r->single && !sp_state_graph_build(&r->update, NULL, &r->graph_old)))
        return SP_INTERNAL;
    r->graphed = true;
    return SP_OK;
}

sp_status sp_run_render(sp_run *r, sp_format format, FILE *out)
{
    if (r && r->graphed) {
        if (format != SP_FORMAT_DOT) {
            sp_error(&r->ctx, SP_NO_LOC, "graphs are rendered as dot only");
            return SP_INPUT_ERROR;
        }
        sp_dot_graph g = {&r->update, r->single ? NULL : &r->graph_old, &r->graph_new};
        if (!sp_render_graph_dot(&g, out)) {
            sp_error(&r->ctx, SP_NO_LOC, "cannot write the graph (out of memory, or the "
                                         "output failed)");
            return SP_INTERNAL;
        }
        return SP_OK;
    }
    return sp_run_render_many(&r, 1, format, out);
}

/* Renders the plans of runs that all planned. */
static sp_status render_plans(sp_run *const *runs, size_t n, sp_format format, FILE *out)
{
    sp_run *first = runs[0];
    sp_plan_result *results = calloc(n, sizeof *results);
    if (!results) {
        sp_oom(&first->ctx);
        return SP_INTERNAL;
    }
    for (size_t i = 0; i < n; i++) {
        results[i].plan = &runs[i]->plan;
        results[i].update = &runs[i]->update;
        results[i].direction = runs[i]->direction;
    }
    sp_output_options o = {first->flags[SP_FLAG_COLOR], first->flags[SP_FLAG_QUIET]};
    sp_status st = SP_OK;
    bool ok = true;
    switch (format) {
    case SP_FORMAT_TEXT:
        sp_render_plan_text(results, n, &o, out);
        ok = !ferror(out);
        break;
    case SP_FORMAT_JSON:
        ok = sp_render_plan_json(results, n, out);
        break;
    default:
        sp_error(&first->ctx, SP_NO_LOC, "plans are rendered as text or json only");
        st = SP_INPUT_ERROR;
    }
    if (st == SP_OK && !ok) {
        sp_error(&first->ctx, SP_NO_LOC, "cannot write the plan (out of memory, or the "
                                         "output failed)");
        st = SP_INTERNAL;
    }
    free(results);
    return st;
}

sp_status sp_run_render_many(sp_run *const *runs, size_t n, sp_format format, FILE *out)
{
    if (n == 0 || !runs[0])
        return SP_INTERNAL;
    sp_run *first = runs[0];
    bool planned = true;
    for (size_t i = 0; i < n; i++)
        planned = planned && runs[i] && runs[i]->planned;
    if (planned)
        return render_plans(runs, n, format, out);
    sp_check_result *results = calloc(n, sizeof *results);
    if (!results) {
        sp_oom(&first->ctx);
        return SP_INTERNAL;
    }
    sp_status st = SP_OK;
    for (size_t i = 0; i < n && st == SP_OK; i++) {
        if (!runs[i] || !runs[i]->checked) {
            sp_error(&first->ctx, SP_NO_LOC, "internal: rendering a run that computed nothing");
            st = SP_INTERNAL;
            break;
        }
        results[i].report = &runs[i]->report;
        results[i].direction = runs[i]->direction;
        /* sp_run_check computed every finding's fix list. */
        results[i].fixes_known = true;
    }
    sp_output_options o = {first->flags[SP_FLAG_COLOR], first->flags[SP_FLAG_QUIET]};
    bool ok = true;
    if (st == SP_OK) {
        switch (format) {
        case SP_FORMAT_TEXT:
            sp_render_check_text(results, n, &o, out);
            ok = !ferror(out);
            break;
        case SP_FORMAT_JSON:
            ok = sp_render_check_json(results, n, out);
            break;
        case SP_FORMAT_SARIF:
            ok = sp_render_check_sarif(results, n, out);
            break;
        default:
            sp_error(&first->ctx, SP_NO_LOC, "check results have no %s rendering",
                     format == SP_FORMAT_DOT ? "dot" : "such");
            st = SP_INPUT_ERROR;
        }
    }
    if (st == SP_OK && !ok) {
        sp_error(&first->ctx, SP_NO_LOC, "cannot write the report (out of memory, or the "
                                         "output failed)");
        st = SP_INTERNAL;
    }
    free(results);
    return st;
}

sp_status sp_run_render_model(sp_run *r, FILE *out)
{
    if (!r->loaded)
        return SP_INTERNAL;
    sp_model_dump(&r->model, &r->update, out);
    return SP_OK;
}

/* The type catalogue in use, rendered by the CloudFormation front-end. */
sp_status sp_run_render_types(sp_run *r, sp_format format, FILE *out)
{
    if (format != SP_FORMAT_TEXT && format != SP_FORMAT_JSON) {
        sp_error(&r->ctx, SP_NO_LOC, "types: only text and json formats");
        return SP_INPUT_ERROR;
    }
    sp_frontend_options opt = {r->params.items, r->params.len, r->types_files.items,
                               r->types_files.len, r->flags[SP_FLAG_STRICT]};
    if (!sp_cfn_render_types(&r->ctx, &opt, format == SP_FORMAT_JSON, out))
        return r->ctx.out_of_memory ? SP_INTERNAL : SP_INPUT_ERROR;
    return SP_OK;
}

size_t sp_run_diag_count(const sp_run *r)
{
    return r->ctx.diags.len;
}

const sp_diag *sp_run_diag(const sp_run *r, size_t i)
{
    return i < r->ctx.diags.len ? &r->ctx.diags.items[i] : NULL;
}
