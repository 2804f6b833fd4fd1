/* `snipeproof apply OLD NEW`: a host rollout.  Unlike the other commands
 * it writes to standard output as it goes (the commands' output, wave by
 * wave), so a failure part-way leaves what happened on the screen; the
 * diagnostics (a refusal, bad input, a journal that does not fit) go to
 * standard error. */
#include "cli.h"

#include <stdlib.h>
#include <unistd.h>

static bool use_color(FILE *f, const cli_args *a)
{
    const char *no_color = getenv("NO_COLOR");
    if (a->no_color || (no_color && *no_color))
        return false;
    return isatty(fileno(f)) != 0;
}

sp_status cli_cmd_apply(const cli_args *a)
{
    sp_run *run = sp_run_new();
    if (!run) {
        fputs("snipeproof: out of memory\n", stderr);
        return SP_INTERNAL;
    }
    sp_run_set_flag(run, SP_FLAG_COLOR, use_color(stdout, a));
    sp_run_set_flag(run, SP_FLAG_QUIET, a->quiet);
    sp_run_set_limits(run, a->max_states, 0);
    if (a->topology && sp_run_set_topology(run, a->topology) != SP_OK) {
        fputs("snipeproof: out of memory\n", stderr);
        sp_run_free(run);
        return SP_INTERNAL;
    }
    sp_apply_options opt = {(unsigned)a->jobs, a->force, a->dry_run, a->resume, a->rollback,
                            a->journal};
    sp_status st = sp_run_apply(run, a->operands[0], a->operands[1], &opt, stdout);
    fflush(stdout);
    bool color = use_color(stderr, a), errors = false;
    for (size_t i = 0; i < sp_run_diag_count(run); i++) {
        const sp_diag *d = sp_run_diag(run, i);
        if (d->severity == SP_SEV_ERROR)
            errors = true;
        else if (a->quiet)
            continue;
        sp_diag_print(d, stderr, color);
    }
    if (st == SP_INTERNAL && !errors)
        fputs("snipeproof: apply: internal error (no further detail; please report it)\n",
              stderr);
    sp_run_free(run);
    return st;
}
