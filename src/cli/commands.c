/* One function per command: set a run up from the command line, call the
 * library, print its diagnostics on stderr and its results on stdout.
 * Nothing reaches stdout unless every run of the command succeeded. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* NO_COLOR (https://no-color.org): set and not empty disables colour. */
static bool use_color(FILE *f, const cli_args *a)
{
    const char *no_color = getenv("NO_COLOR");
    if (a->no_color || (no_color && *no_color))
        return false;
    return isatty(fileno(f)) != 0;
}

/* The most serious of two statuses: an internal error, then an input
 * error, then an incomplete search, then windows. */
static sp_status worse(sp_status a, sp_status b)
{
    static const int rank[] = {[SP_OK] = 0, [SP_WINDOWS] = 1, [SP_INCOMPLETE] = 2,
                               [SP_INPUT_ERROR] = 3, [SP_INTERNAL] = 4};
    return rank[b] > rank[a] ? b : a;
}

static bool same_diag(const sp_diag *x, const sp_diag *y)
{
    return x->severity == y->severity && x->line == y->line && x->column == y->column &&
           !strcmp(x->message, y->message) &&
           (x->file == y->file || (x->file && y->file && !strcmp(x->file, y->file)));
}

/* Whether a diagnostic equal to diagnostic `at` of run `run` comes before
 * it (in an earlier run, or earlier in the same one). */
static bool printed_before(sp_run *const *runs, size_t run, size_t at, const sp_diag *d)
{
    for (size_t r = 0; r <= run; r++) {
        size_t n = r < run ? sp_run_diag_count(runs[r]) : at;
        for (size_t i = 0; i < n; i++)
            if (same_diag(sp_run_diag(runs[r], i), d))
                return true;
    }
    return false;
}

/* Prints each distinct diagnostic of every run once (a roll-back run reads
 * the same files and would repeat the warnings of the update run).  -q
 * keeps only errors.  Returns whether there was an error. */
static bool print_diags(sp_run *const *runs, size_t n, const cli_args *a)
{
    bool color = use_color(stderr, a), errors = false;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < sp_run_diag_count(runs[r]); i++) {
            const sp_diag *d = sp_run_diag(runs[r], i);
            if (d->severity == SP_SEV_ERROR)
                errors = true;
            else if (a->quiet)
                continue;
            if (!printed_before(runs, r, i, d))
                sp_diag_print(d, stderr, color);
        }
    return errors;
}

static sp_status report(sp_run *const *runs, size_t n, const cli_args *a, sp_status st)
{
    bool errors = print_diags(runs, n, a);
    if (st == SP_INTERNAL && !errors)
        fprintf(stderr, "snipeproof: %s: internal error (no further detail; please report "
                        "it)\n",
                cli_commands[a->command].name);
    return st;
}

/* A run configured from the options; NULL with *st set on failure. */
static sp_run *new_run(const cli_args *a, sp_status *st)
{
    sp_run *run = sp_run_new();
    if (!run) {
        fputs("snipeproof: out of memory\n", stderr);
        *st = SP_INTERNAL;
        return NULL;
    }
    sp_run_set_flag(run, SP_FLAG_STRICT, a->strict);
    sp_run_set_flag(run, SP_FLAG_TRANSITIVE, a->transitive);
    sp_run_set_flag(run, SP_FLAG_COLOR, use_color(stdout, a));
    sp_run_set_flag(run, SP_FLAG_QUIET, a->quiet);
    sp_run_set_limits(run, a->max_states, 0);
    *st = SP_OK;
    if (a->base_text) /* --base: OLD as read from git */
        *st = sp_run_add_input(run, a->base_name, a->base_text, a->base_len);
    for (size_t i = 0; i < a->nparams && *st == SP_OK; i++)
        *st = sp_run_set_param(run, a->params[i]);
    for (size_t i = 0; i < a->ntypes && *st == SP_OK; i++)
        *st = sp_run_add_types(run, a->types[i]);
    if (a->topology && *st == SP_OK)
        *st = sp_run_set_topology(run, a->topology);
    return run;
}

static void free_runs(sp_run **runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sp_run_free(runs[i]);
}

/* check and plan: one run per direction (the update; with --rollback also
 * the roll-back), rendered together once every run succeeded. */
static sp_status cmd_analyse(const cli_args *a, sp_status (*analyse)(sp_run *))
{
    sp_run *runs[2] = {NULL, NULL};
    size_t n = 0;
    sp_status st = SP_OK;
    const sp_direction dirs[2] = {SP_UPDATE, SP_ROLLBACK};
    const size_t want = a->rollback ? 2 : 1;
    while (n < want) {
        sp_status s;
        sp_run *run = new_run(a, &s);
        if (!run) {
            st = worse(st, s);
            break;
        }
        runs[n++] = run;
        if (s == SP_OK)
            s = sp_run_load(run, a->operands[0], a->operands[1], dirs[n - 1]);
        if (s == SP_OK)
            s = analyse(run);
        st = worse(st, s);
        if (st == SP_INPUT_ERROR || st == SP_INTERNAL)
            break; /* the roll-back reads the same files: no second error */
    }
    if (analyse == sp_run_check && st != SP_INPUT_ERROR && st != SP_INTERNAL)
        sp_run_warn_unused_suppressions(runs, n);
    report(runs, n, a, st);
    if (st != SP_INPUT_ERROR && st != SP_INTERNAL) {
        sp_status r = sp_run_render_many(runs, n, a->format, stdout);
        if (r != SP_OK) {
            report(runs, n, a, r);
            st = r;
        }
    }
    free_runs(runs, n);
    return st;
}

static sp_status cmd_model(const cli_args *a)
{
    sp_status st;
    sp_run *run = new_run(a, &st);
    if (!run)
        return st;
    if (st == SP_OK)
        st = sp_run_load(run, a->operands[0], a->operands[1], SP_UPDATE);
    report(&run, 1, a, st);
    if (st == SP_OK && (st = sp_run_render_model(run, stdout)) != SP_OK)
        report(&run, 1, a, st);
    sp_run_free(run);
    return st;
}

/* graph NEW (one configuration) or graph OLD NEW (the update). */
static sp_status cmd_graph(const cli_args *a)
{
    sp_status st;
    sp_run *run = new_run(a, &st);
    if (!run)
        return st;
    const char *old = a->noperands == 2 ? a->operands[0] : NULL;
    if (st == SP_OK)
        st = sp_run_load(run, old, a->operands[a->noperands - 1], SP_UPDATE);
    if (st == SP_OK)
        st = sp_run_graph(run);
    report(&run, 1, a, st);
    if (st == SP_OK && (st = sp_run_render(run, a->format, stdout)) != SP_OK)
        report(&run, 1, a, st);
    sp_run_free(run);
    return st;
}

static sp_status cmd_types(const cli_args *a)
{
    sp_status st;
    sp_run *run = new_run(a, &st);
    if (!run)
        return st;
    if (st == SP_OK)
        st = sp_run_render_types(run, a->format, stdout);
    report(&run, 1, a, st);
    sp_run_free(run);
    return st;
}

static sp_status run_command(const cli_args *a);

/* fix: plan, write, then say what was written (stdout); an impossible plan
 * is explained with the plan's own text. */
static void print_names(const char *label, const char *const *names, size_t n)
{
    if (!n)
        return;
    printf("     %s", label);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : " ", names[i]);
    putchar('\n');
}

static void print_fix(const sp_fix_report *f, const cli_args *a)
{
    const char *newp = a->operands[1];
    if (a->quiet) {
        for (size_t i = 0; i < f->nfiles; i++)
            printf("%s\n", f->files[i].path);
        return;
    }
    if (!strcmp(f->verdict, "safe")) {
        if (f->nfiles)
            printf("Safe: no window as it is; wrote %s, a copy of %s.\n", f->files[0].path,
                   newp);
        else
            printf("Safe: no window as it is; %s is left as it was.\n", newp);
        return;
    }
    if (!strcmp(f->verdict, "ordered")) {
        const sp_fix_file *o = &f->files[0];
        if (a->in_place)
            printf("Ordered: rewrote %s with %zu extra %s entr%s; the update has no window "
                   "in that order.\n",
                   o->path, o->ndeps, f->dep_key, o->ndeps == 1 ? "y" : "ies");
        else
            printf("Ordered: wrote %s, %s with %zu extra %s entr%s; the update has no window "
                   "in that order.\n",
                   o->path, newp, o->ndeps, f->dep_key, o->ndeps == 1 ? "y" : "ies");
        for (size_t i = 0; i < o->ndeps; i++)
            printf("  %s: %s %s\n", o->deps[i].then, f->dep_key, o->deps[i].first);
        return;
    }
    printf("Phased: no order makes the update safe in one go.  Deploy these %zu files in\n"
           "turn, each as an update of the previous one; each step has no window:\n",
           f->nfiles);
    for (size_t i = 0; i < f->nfiles; i++) {
        const sp_fix_file *p = &f->files[i];
        printf("  %zu. %s%s\n", i + 1, p->path,
               p->final ? (a->in_place ? " (rewritten: the final configuration)"
                                       : " (the final configuration)")
                        : "");
        print_names("switches:", p->changes, p->nchanges);
        print_names("still old:", p->kept_old, p->nkept_old);
        print_names("not yet added:", p->absent, p->nabsent);
        print_names("from OLD:", p->from_old, p->nfrom_old);
        for (size_t j = 0; j < p->ndeps; j++)
            printf("     %s: %s %s\n", p->deps[j].then, f->dep_key, p->deps[j].first);
    }
}

static sp_status cmd_fix(const cli_args *a)
{
    sp_status st;
    sp_run *run = new_run(a, &st);
    if (!run)
        return st;
    sp_fix_report f;
    memset(&f, 0, sizeof f);
    if (st == SP_OK)
        st = sp_run_load(run, a->operands[0], a->operands[1], SP_UPDATE);
    if (st == SP_OK)
        st = sp_run_fix(run, a->in_place ? NULL : a->output, a->in_place, &f);
    report(&run, 1, a, st);
    if (st == SP_INCOMPLETE)
        fputs("snipeproof: fix: nothing written: a bound stopped the planner before it found a "
              "safe plan (see --max-states)\n",
              stderr);
    else if ((st == SP_OK || st == SP_WINDOWS) && f.verdict && !strcmp(f.verdict, "impossible")) {
        sp_status r = sp_run_render(run, SP_FORMAT_TEXT, stdout);
        if (r != SP_OK)
            st = report(&run, 1, a, r);
        else
            puts("Nothing written.");
    } else if (st == SP_OK || st == SP_WINDOWS) {
        print_fix(&f, a);
    }
    sp_run_free(run);
    return st;
}

sp_status cli_run_command(const cli_args *a)
{
    if (!a->base)
        return run_command(a);
    /* --base REV NEW: OLD is NEW's path at REV, read from git, and the
     * command runs as if given OLD NEW ("" when NEW is new at REV). */
    cli_args b = *a;
    if (!cli_read_base(&b))
        return SP_INPUT_ERROR;
    const char *operands[2] = {b.base_absent ? "" : b.base_name, a->operands[0]};
    b.operands = operands;
    b.noperands = 2;
    sp_status st = run_command(&b);
    cli_base_free(&b);
    return st;
}

static sp_status run_command(const cli_args *a)
{
    switch (a->command) {
    case CLI_CHECK:
        return cmd_analyse(a, sp_run_check);
    case CLI_PLAN:
        return cmd_analyse(a, sp_run_plan);
    case CLI_FIX:
        return cmd_fix(a);
    case CLI_MODEL:
        return cmd_model(a);
    case CLI_GRAPH:
        return cmd_graph(a);
    case CLI_APPLY:
        return cli_cmd_apply(a);
    case CLI_TYPES:
        return cmd_types(a);
    case CLI_HELP:
        if (a->noperands)
            cli_print_command_help((cli_command)cli_find_command(a->operands[0]), stdout);
        else
            cli_print_help(stdout);
        return SP_OK;
    default:
        break;
    }
    /* A command without code yet: the command line was checked; the work is not
     * there yet, and saying so is better than pretending. */
    fprintf(stderr, "snipeproof: %s: not implemented yet\n",
            (unsigned)a->command < CLI_NCOMMANDS ? cli_commands[a->command].name : "?");
    return SP_INPUT_ERROR;
}
