/* sp_run_apply: a host rollout (`snipeproof apply`).  Loads the update,
 * plans it, turns the plan's waves into hosts and their deploy commands,
 * and hands them to the rollout runner (src/output/rollout.c) with the
 * journal.
 *
 *   apply            the plan of OLD -> NEW; refuses unless it is one safe
 *                    step (or --force: the update's own order, windows and
 *                    all, which are printed first).
 *   apply --resume   the same plan, without the hosts the journal records
 *                    as done; the recorded state must be one the plan
 *                    passes through.
 *   apply --rollback the hosts the journal records as done (or failed:
 *                    they may have switched) go back to OLD, in the order
 *                    the plan of that partial roll-back gives. */
#include "run.h"

#include "../frontend/guix/deploy.h"
#include "../frontend/topology/topology.h"
#include "../output/output.h"
#include "../output/rollout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file a host's command needs, written before the rollout runs: the
 * one-machine deploy file of a guix deploy machine (docs/GUIX.md). */
typedef struct generated_file {
    const char *path, *text; /* path relative to the rollout's folder */
} generated_file;

typedef struct apply_ctx {
    sp_run *r;
    sp_ctx *ctx;
    const sp_apply_options *opt;
    FILE *out;
    const char *old_path, *new_path, *journal_path;
    sp_journal journal;
    uint64_t old_hash, new_hash;
    bool forced;           /* running an order with windows (--force) */
    const char *plan_line; /* what the plan says, printed once the hosts are known */
    const sp_update *forced_update; /* --force: whose windows to print first */
    SP_VEC(generated_file) generated;
} apply_ctx;

static const char *dir_of(sp_ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return sp_arena_strndup(&ctx->arena, path, (size_t)(slash - path));
}

/* The hash of the contents of the file read for `path`: OLD is the first
 * source read, NEW the last.  "" (an empty configuration) hashes as empty. */
static uint64_t content_hash(const sp_ctx *ctx, const char *path, bool last)
{
    const sp_source *found = NULL;
    for (size_t i = 0; path && *path && i < ctx->sources.len; i++)
        if (ctx->sources.items[i].path && !strcmp(ctx->sources.items[i].path, path)) {
            found = &ctx->sources.items[i];
            if (!last)
                break;
        }
    return found ? sp_journal_hash(found->text, found->len) : sp_journal_hash("", 0);
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* "'snipeproof apply --resume OLD NEW'" with the journal when it is not
 * the default. */
static const char *command_hint(apply_ctx *A, const char *option)
{
    char *def = sp_arena_printf(&A->ctx->arena, "%s.journal", A->new_path);
    bool custom = def && strcmp(def, A->journal_path) != 0;
    return sp_arena_printf(&A->ctx->arena, "'snipeproof apply %s%s%s %s %s'", option,
                           custom ? " --journal " : "", custom ? A->journal_path : "",
                           *A->old_path ? A->old_path : "''", A->new_path);
}

/* Hosts of the waves, each with the deploy command of the version it goes
 * to.  False with errors (a removed or added host that would need to be
 * decommissioned, a host without deploy). */
static bool collect_hosts(apply_ctx *A, const sp_update *u, const sp_wave *waves, size_t nwaves,
                          bool rollback, sp_rollout *ro)
{
    const sp_model *m = u->model;
    size_t n = 0;
    for (size_t w = 0; w < nwaves; w++)
        n += waves[w].n;
    ro->hosts = sp_arena_calloc(&A->ctx->arena, n + 1, sizeof *ro->hosts);
    if (!ro->hosts) {
        sp_oom(A->ctx);
        return false;
    }
    bool ok = true;
    for (size_t w = 0; w < nwaves; w++)
        for (size_t i = 0; i < waves[w].n; i++) {
            const sp_event *e = &u->events.items[waves[w].events[i]];
            const sp_component *c = &m->components.items[e->component];
            const sp_doc *def = rollback ? c->def_old : c->def_new;
            if (!def) {
                /* Going to a version where it does not exist. */
                sp_loc at = rollback ? c->loc_new : c->loc_old;
                if (rollback)
                    sp_error(A->ctx, at,
                             "apply cannot roll back host '%s': the update added it, and "
                             "undoing that means decommissioning it, which apply does not do; "
                             "take it down by hand",
                             c->key);
                else
                    sp_error(A->ctx, at,
                             "apply cannot remove host '%s': the update removes it, and a "
                             "removed host has no deploy command; keep it in the new topology "
                             "for this rollout and remove it afterwards, or decommission it by "
                             "hand and drop it from the old topology first",
                             c->key);
                ok = false;
                continue;
            }
            size_t argc;
            const char **argv;
            if (sp_guix_is_machine(def)) {
                /* guix deploy deploys every machine of its file: one
                 * generated file per machine (docs/GUIX.md). */
                generated_file g;
                argv = sp_guix_deploy(A->ctx, def, &g.path, &g.text, &argc);
                if (argv && !sp_vec_push(&A->ctx->arena, &A->generated, g)) {
                    sp_oom(A->ctx);
                    argv = NULL;
                }
            } else {
                argv = sp_topology_deploy(A->ctx, def, &argc);
            }
            if (!argv) {
                sp_error(A->ctx, rollback ? c->loc_old : c->loc_new,
                         "host '%s' changes but has no deploy command here, so apply cannot "
                         "%s it (give it 'deploy: [program, arguments…]')",
                         c->key, rollback ? "roll back" : "update");
                ok = false;
                continue;
            }
            sp_rollout_host *h = &ro->hosts[ro->nhosts++];
            h->name = c->key;
            h->argv = argv;
            h->wave = (unsigned)w;
            if (rollback)
                h->skip = false;
            else
                h->skip = A->opt->resume &&
                          sp_journal_host_state(&A->journal, c->key) == SP_HOST_NEW;
        }
    ro->nwaves = (unsigned)nwaves;
    return ok;
}

/* On resume: the hosts done must be a state the plan passes through: every
 * host a done one waits for is done too. */
static bool check_resumable(apply_ctx *A, const sp_update *u)
{
    const sp_model *m = u->model;
    for (size_t i = 0; i < u->order.len; i++) {
        const sp_order *o = &u->order.items[i];
        const char *before = m->components.items[u->events.items[o->before].component].key;
        const char *after = m->components.items[u->events.items[o->after].component].key;
        if (sp_journal_host_state(&A->journal, after) == SP_HOST_NEW &&
            sp_journal_host_state(&A->journal, before) != SP_HOST_NEW) {
            sp_error(A->ctx, SP_NO_LOC,
                     "%s records %s as done but not %s, which the plan updates first: that is "
                     "not a state this rollout passes through, so it cannot be resumed safely; "
                     "roll it back with %s",
                     A->journal_path, after, before, command_hint(A, "--rollback"));
            return false;
        }
    }
    return true;
}

/* Prints the windows accepted by --force. */
static bool print_windows(apply_ctx *A, const sp_update *u, bool rollback)
{
    sp_report rep;
    if (!sp_search(u, A->r->requirements, &A->r->limits, &rep))
        return false;
    if (!sp_plan_hints(u, &rep))
        return false;
    sp_check_result res = {&rep, rollback ? SP_ROLLBACK : SP_UPDATE, true};
    sp_output_options o = {A->r->flags[SP_FLAG_COLOR], false};
    fputs("--force: running in the order the topology declares, with these windows:\n\n",
          A->out);
    sp_render_check_text(&res, 1, &o, A->out);
    fputc('\n', A->out);
    return true;
}

static const char *verdict_words(sp_verdict v)
{
    switch (v) {
    case SP_VERDICT_SAFE: return "safe";
    case SP_VERDICT_ORDERED: return "ordered";
    case SP_VERDICT_PHASED: return "phased";
    default: return "impossible";
    }
}

/* Plans `u`; fills waves.  SP_OK to go on, else the status to return. */
static sp_status plan_waves(apply_ctx *A, const sp_update *u, bool rollback,
                            const sp_update **run_update, const sp_wave **waves, size_t *nwaves)
{
    sp_plan plan;
    if (!sp_plan_compute(u, A->r->requirements, &A->r->limits, &plan))
        return SP_INTERNAL;
    const char *what = rollback ? "roll-back" : "update";
    bool one_step = plan.complete && (plan.verdict == SP_VERDICT_SAFE ||
                                      plan.verdict == SP_VERDICT_ORDERED) &&
                    plan.nsteps == 1;
    if (one_step) {
        const sp_step *s = &plan.steps[0];
        *run_update = s->update;
        *waves = s->waves;
        *nwaves = s->nwaves;
        const sp_model *m = u->model;
        if (plan.verdict == SP_VERDICT_SAFE) {
            A->plan_line = sp_arena_printf(&A->ctx->arena,
                                           "Plan: the %s is safe in any order the topology "
                                           "allows.\n",
                                           what);
        } else {
            char *line = sp_arena_strdup(&A->ctx->arena, "Plan: ordered: ");
            for (size_t i = 0; line && i < s->nedges; i++)
                line = sp_arena_printf(&A->ctx->arena, "%s%s%s before %s", line, i ? ", " : "",
                                       m->components.items[s->edges[i].first].key,
                                       m->components.items[s->edges[i].then].key);
            A->plan_line = line ? sp_arena_printf(&A->ctx->arena, "%s.\n", line) : NULL;
        }
        if (!A->plan_line) {
            sp_oom(A->ctx);
            return SP_INTERNAL;
        }
        return SP_OK;
    }
    if (!A->opt->force) {
        if (!plan.complete)
            sp_error(A->ctx, SP_NO_LOC,
                     "apply: the search for windows of the %s stopped at a bound (%s), so "
                     "no order is known to be safe; nothing was run (raise --max-states, or "
                     "--force to run in the declared order anyway)",
                     what, plan.incomplete_reason ? plan.incomplete_reason : "a bound");
        else
            sp_error(A->ctx, SP_NO_LOC,
                     "apply: no order of the hosts makes the %s safe in one rollout (the "
                     "plan is %s; see 'snipeproof %s%s'); nothing was run (--force runs it "
                     "in the declared order, windows and all)",
                     what, verdict_words(plan.verdict),
                     rollback ? "check --rollback" : "plan", rollback ? "" : " OLD NEW");
        return plan.complete ? SP_WINDOWS : SP_INCOMPLETE;
    }
    A->forced = true;
    A->forced_update = u;
    sp_wave *ws;
    size_t nws;
    if (!sp_plan_waves(u, &ws, &nws))
        return SP_INTERNAL;
    *run_update = u;
    *waves = ws;
    *nwaves = nws;
    return SP_OK;
}

/* The end of a rollout: what state the fleet is in. */
static void report_end(apply_ctx *A, const sp_rollout *ro, bool ok, bool rollback)
{
    FILE *out = A->out;
    size_t ran = 0, skipped = 0;
    for (size_t i = 0; i < ro->nhosts; i++) {
        ran += ro->hosts[i].result == SP_RESULT_DONE;
        skipped += ro->hosts[i].result == SP_RESULT_SKIPPED;
    }
    if (ok) {
        if (rollback)
            fprintf(out, "Roll-back complete: %zu %s back to %s old configuration.\n", ran,
                    plural(ran, "host", "hosts"), plural(ran, "its", "their"));
        else
            fprintf(out, "Rollout complete: %zu %s updated in %u %s%s.\n", ran,
                    plural(ran, "host", "hosts"), ro->nwaves, plural(ro->nwaves, "wave", "waves"),
                    skipped ? sp_arena_printf(&A->ctx->arena, " (%zu done before)", skipped)
                            : "");
        return;
    }
    const char *failed = NULL;
    for (size_t i = 0; i < ro->nhosts && !failed; i++)
        if (ro->hosts[i].result == SP_RESULT_FAILED)
            failed = ro->hosts[i].name;
    fprintf(out, "%s %s wave %u of %u%s%s%s: the fleet is partly %s, %s.\n",
            ro->interrupted ? "Interrupted" : "Stopped", ro->interrupted ? "in" : "after",
            ro->stopped_after, ro->nwaves, failed ? " (" : "", failed ? failed : "",
            failed ? " failed)" : "", rollback ? "rolled back" : "updated",
            A->forced ? "in the order forced (its windows are listed above)"
                      : "in a state the plan allows");
    static const struct {
        sp_host_result r;
        const char *label;
    } groups[] = {{SP_RESULT_SKIPPED, "done before:"},
                  {SP_RESULT_DONE, "done:"},
                  {SP_RESULT_FAILED, "failed:"},
                  {SP_RESULT_NOT_STARTED, "not started:"}};
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        size_t k = 0;
        for (size_t i = 0; i < ro->nhosts; i++) {
            const sp_rollout_host *h = &ro->hosts[i];
            if (h->result != groups[g].r)
                continue;
            if (!k++)
                fprintf(out, "  %-13s", groups[g].label);
            else
                fputs(", ", out);
            fputs(h->name, out);
            if (h->result == SP_RESULT_FAILED)
                fprintf(out, " (%s)", h->why ? h->why : "failed");
        }
        if (k)
            fputc('\n', out);
    }
    bool any_failed = failed != NULL;
    if (any_failed)
        fprintf(out, "A host whose deploy failed may be in its old or its new configuration%s.\n",
                A->forced ? "" : "; either is safe with the hosts done");
    if (rollback)
        fprintf(out, "Continue the roll-back with %s.\n", command_hint(A, "--rollback"));
    else
        fprintf(out, "Continue with %s%s, or undo it with %s.\n", command_hint(A, "--resume"),
                any_failed ? " once the failure is fixed" : "", command_hint(A, "--rollback"));
}

/* Writes the generated files into the rollout's folder (each through a
 * temporary file renamed over it). */
static bool write_generated(apply_ctx *A, const char *dir)
{
    for (size_t i = 0; i < A->generated.len; i++) {
        const generated_file *g = &A->generated.items[i];
        const char *path = sp_arena_printf(&A->ctx->arena, "%s/%s", dir, g->path);
        char *folder = path ? sp_arena_strdup(&A->ctx->arena, path) : NULL;
        const char *tmp = path ? sp_arena_printf(&A->ctx->arena, "%s.tmp", path) : NULL;
        if (!folder || !tmp) {
            sp_oom(A->ctx);
            return false;
        }
        *strrchr(folder, '/') = 0;
        if (mkdir(folder, 0777) != 0 && errno != EEXIST) {
            sp_error(A->ctx, SP_NO_LOC, "cannot create %s for the generated deploy files: %s",
                     folder, strerror(errno));
            return false;
        }
        FILE *f = fopen(tmp, "w");
        bool ok = f && fputs(g->text, f) >= 0;
        ok = f && fclose(f) == 0 && ok;
        if (!ok || rename(tmp, path) != 0) {
            sp_error(A->ctx, SP_NO_LOC, "cannot write the generated deploy file %s: %s", path,
                     strerror(errno));
            remove(tmp);
            return false;
        }
    }
    return true;
}

static sp_status run_rollout(apply_ctx *A, sp_rollout *ro, bool rollback, bool fresh)
{
    sp_ctx *ctx = A->ctx;
    size_t todo = 0;
    for (size_t i = 0; i < ro->nhosts; i++)
        todo += !ro->hosts[i].skip;
    size_t dl = strlen(ro->dir);
    if (A->forced_update && !print_windows(A, A->forced_update, rollback))
        return SP_INTERNAL;
    if (A->plan_line)
        fputs(A->plan_line, A->out);
    fprintf(A->out, "%s: %zu %s in %u %s", rollback ? "Roll-back" : "Rollout", ro->nhosts,
            plural(ro->nhosts, "host", "hosts"), ro->nwaves, plural(ro->nwaves, "wave", "waves"));
    if (todo != ro->nhosts)
        fprintf(A->out, " (%zu done before)", ro->nhosts - todo);
    fprintf(A->out, "; commands run in %s%s", ro->dir, dl && ro->dir[dl - 1] == '/' ? "" : "/");
    if (!ro->dry_run)
        fprintf(A->out, "; journal: %s", A->journal_path);
    fputc('\n', A->out);
    fflush(A->out);
    if (ro->dry_run) {
        sp_rollout_run(ctx, ro, A->out);
        fputs("Dry run: nothing was run.\n", A->out);
        return SP_OK;
    }
    if (!todo) {
        fputs("Nothing to do: every host is done.\n", A->out);
        return SP_OK;
    }
    if (!write_generated(A, ro->dir))
        return A->ctx->out_of_memory ? SP_INTERNAL : SP_INPUT_ERROR;
    if (!sp_journal_open(ctx, &A->journal, fresh, A->old_hash, A->new_hash))
        return SP_INPUT_ERROR;
    ro->journal = &A->journal;
    bool ok = sp_rollout_run(ctx, ro, A->out);
    bool journal_ok = ctx->errors == 0;
    if (ok && journal_ok)
        journal_ok = sp_journal_append(ctx, &A->journal, "finished",
                                       rollback ? "rollback" : "apply", NULL);
    sp_journal_close(&A->journal);
    report_end(A, ro, ok && journal_ok, rollback);
    fflush(A->out);
    return ok && journal_ok ? SP_OK : SP_STOPPED;
}

static sp_status apply_forward(apply_ctx *A)
{
    sp_run *r = A->r;
    bool fresh = !A->opt->resume;
    if (A->opt->resume && !A->journal.exists) {
        sp_error(A->ctx, SP_NO_LOC, "--resume: there is no journal %s to resume from",
                 A->journal_path);
        return SP_INPUT_ERROR;
    }
    bool same_files =
        A->journal.old_hash == A->old_hash && A->journal.new_hash == A->new_hash;
    if (fresh && A->journal.exists && !A->journal.finished && !A->opt->dry_run && !same_files) {
        sp_error(A->ctx, SP_NO_LOC,
                 "%s records a rollout of other files that did not finish: the fleet may be "
                 "half-way through that update; resume or roll it back with the files it was "
                 "made for, or remove the journal (or choose another with --journal)",
                 A->journal_path);
        return SP_INPUT_ERROR;
    }
    if (fresh && A->journal.exists && !A->journal.finished && !A->opt->dry_run) {
        sp_error(A->ctx, SP_NO_LOC,
                 "%s records a rollout that did not finish: continue it with %s, undo it with "
                 "%s, or remove the journal to start afresh",
                 A->journal_path, command_hint(A, "--resume"), command_hint(A, "--rollback"));
        return SP_INPUT_ERROR;
    }
    if (!r->update.events.len) {
        fputs("Nothing to do: no host changes.\n", A->out);
        return SP_OK;
    }
    const sp_update *u;
    const sp_wave *waves;
    size_t nwaves;
    sp_status st = plan_waves(A, &r->update, false, &u, &waves, &nwaves);
    if (st != SP_OK)
        return st;
    sp_rollout ro;
    memset(&ro, 0, sizeof ro);
    ro.action = "apply";
    ro.done_verb = "done";
    ro.fail_verb = "failed";
    ro.dir = dir_of(A->ctx, A->new_path);
    ro.jobs = A->opt->jobs;
    ro.dry_run = A->opt->dry_run != 0;
    ro.quiet = r->flags[SP_FLAG_QUIET];
    ro.color = r->flags[SP_FLAG_COLOR];
    if (!collect_hosts(A, u, waves, nwaves, false, &ro))
        return A->ctx->out_of_memory ? SP_INTERNAL : SP_INPUT_ERROR;
    if (A->opt->resume && !check_resumable(A, u))
        return SP_INPUT_ERROR;
    return run_rollout(A, &ro, false, fresh);
}

static sp_status apply_rollback(apply_ctx *A)
{
    sp_run *r = A->r;
    sp_ctx *ctx = A->ctx;
    if (!A->journal.exists) {
        sp_error(ctx, SP_NO_LOC, "--rollback: there is no journal %s: nothing records what "
                                 "to roll back",
                 A->journal_path);
        return SP_INPUT_ERROR;
    }
    const sp_model *m = &r->model;
    size_t nc = m->components.len;
    unsigned char *from = sp_arena_calloc(&ctx->arena, nc + 1, 1);
    unsigned char *to = sp_arena_calloc(&ctx->arena, nc + 1, 1);
    if (!from || !to) {
        sp_oom(ctx);
        return SP_INTERNAL;
    }
    size_t n = 0;
    for (size_t k = 0; k < nc; k++) {
        const sp_component *c = &m->components.items[k];
        if (c->change == SP_CHANGE_UNCHANGED || strcmp(c->type, SP_TOPOLOGY_HOST))
            continue;
        from[k] = sp_journal_host_state(&A->journal, c->key) != SP_HOST_OLD;
        n += from[k];
    }
    if (!n) {
        fputs("Nothing to roll back: the journal records no host as updated.\n", A->out);
        return SP_OK;
    }
    sp_update *mix = sp_arena_alloc(&ctx->arena, sizeof *mix);
    if (!mix) {
        sp_oom(ctx);
        return SP_INTERNAL;
    }
    if (!sp_update_build_mix(mix, m, from, to, r->flags[SP_FLAG_TRANSITIVE]))
        return ctx->out_of_memory ? SP_INTERNAL : SP_INPUT_ERROR;
    const sp_update *u;
    const sp_wave *waves;
    size_t nwaves;
    sp_status st = plan_waves(A, mix, true, &u, &waves, &nwaves);
    if (st != SP_OK)
        return st;
    sp_rollout ro;
    memset(&ro, 0, sizeof ro);
    ro.action = "rollback";
    ro.done_verb = "undone";
    ro.fail_verb = "undo-failed";
    ro.dir = dir_of(ctx, A->old_path);
    ro.jobs = A->opt->jobs;
    ro.dry_run = A->opt->dry_run != 0;
    ro.quiet = r->flags[SP_FLAG_QUIET];
    ro.color = r->flags[SP_FLAG_COLOR];
    if (!*A->old_path) {
        sp_error(ctx, SP_NO_LOC, "--rollback: OLD is an empty configuration; every host was "
                                 "added, and apply does not decommission hosts");
        return SP_INPUT_ERROR;
    }
    if (!collect_hosts(A, u, waves, nwaves, true, &ro))
        return ctx->out_of_memory ? SP_INTERNAL : SP_INPUT_ERROR;
    return run_rollout(A, &ro, true, false);
}

sp_status sp_run_apply(sp_run *r, const char *old_path, const char *new_path,
                       const sp_apply_options *opt, FILE *out)
{
    static const sp_apply_options defaults = {0, 0, 0, 0, 0, NULL};
    if (!opt)
        opt = &defaults;
    sp_ctx *ctx = &r->ctx;
    if (opt->resume && opt->rollback) {
        sp_error(ctx, SP_NO_LOC, "--resume and --rollback exclude each other");
        return SP_INPUT_ERROR;
    }
    if (!new_path || !*new_path) {
        sp_error(ctx, SP_NO_LOC, "apply needs NEW to be a topology file: its folder is where "
                                 "the deploy commands run");
        return SP_INPUT_ERROR;
    }
    if (!old_path)
        old_path = "";
    sp_status st = sp_run_load(r, old_path, new_path, SP_UPDATE);
    if (st != SP_OK)
        return st;
    if (r->kind != SP_INPUT_TOPOLOGY && r->kind != SP_INPUT_GUIX) {
        sp_error(ctx, SP_NO_LOC, "apply runs host rollouts: OLD and NEW must be topology files "
                                 "('snipeproof: topology/1') or guix deploy files (with "
                                 "--topology), not CloudFormation templates");
        return SP_INPUT_ERROR;
    }
    apply_ctx A;
    memset(&A, 0, sizeof A);
    A.r = r;
    A.ctx = ctx;
    A.opt = opt;
    A.out = out;
    A.old_path = old_path;
    A.new_path = new_path;
    A.journal_path = opt->journal ? opt->journal
                                  : sp_arena_printf(&ctx->arena, "%s.journal", new_path);
    A.old_hash = content_hash(ctx, old_path, false);
    A.new_hash = content_hash(ctx, new_path, true);
    if (!A.journal_path) {
        sp_oom(ctx);
        return SP_INTERNAL;
    }
    if (!sp_journal_read(ctx, A.journal_path, &A.journal))
        return ctx->out_of_memory ? SP_INTERNAL : SP_INPUT_ERROR;
    if (A.journal.exists && (opt->resume || opt->rollback) &&
        (A.journal.old_hash != A.old_hash || A.journal.new_hash != A.new_hash)) {
        sp_error(ctx, SP_NO_LOC,
                 "%s records a rollout of other files: the contents of %s%s%s differ from "
                 "those it was made for, so it cannot be %s with them",
                 A.journal_path, A.journal.old_hash != A.old_hash ? "OLD" : "",
                 A.journal.old_hash != A.old_hash && A.journal.new_hash != A.new_hash ? " and "
                                                                                       : "",
                 A.journal.new_hash != A.new_hash ? "NEW" : "",
                 opt->resume ? "resumed" : "rolled back");
        return SP_INPUT_ERROR;
    }
    r->requirements = sp_requirements_compute(&r->update);
    if (!r->requirements)
        return SP_INTERNAL;
    st = opt->rollback ? apply_rollback(&A) : apply_forward(&A);
    sp_journal_close(&A.journal);
    fflush(out);
    return st;
}
