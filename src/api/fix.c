/* sp_run_fix: the files `snipeproof fix` writes.
 *
 * Order of work: plan; build every file's text in memory (output/patch*.c,
 * output/phases.c) and read each back with the project's readers, checking
 * it is exactly the configuration meant (NEW plus the added dependencies;
 * for a phase, the intended mix); write each to a temporary file next to
 * its target; load every step (OLD → first file → … → last) with a fresh
 * run and check it has no window; only then rename the temporary files
 * over their targets, phase files first.  Any failure removes the
 * temporary files and leaves every target as it was. */
/* realpath */
#define _XOPEN_SOURCE 700

#include "run.h"

#include "../output/patch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One file to write. */
typedef struct fix_out {
    const char *target;   /* as the user named it */
    const char *real;     /* the file actually replaced (symbolic links followed) */
    const char *text;
    size_t len;
    char *tmp;            /* temporary file, once written */
} fix_out;

static sp_status fail_input(sp_run *r, const char *fmt, const char *a, const char *b)
{
    sp_error(&r->ctx, SP_NO_LOC, fmt, a, b);
    return SP_INPUT_ERROR;
}

static sp_status oom(sp_run *r)
{
    sp_oom(&r->ctx);
    return SP_INTERNAL;
}

/* After an editing step failed: a bug (its message says "internal:") or
 * exhausted memory is SP_INTERNAL; a text the step cannot take (a shape it
 * cannot add to, a name needed in two versions) is SP_INPUT_ERROR. */
static sp_status edit_failure(const sp_run *r)
{
    if (r->ctx.out_of_memory || !r->ctx.diags.len)
        return SP_INTERNAL;
    const char *msg = r->ctx.diags.items[r->ctx.diags.len - 1].message;
    return strncmp(msg, "internal:", 9) == 0 ? SP_INTERNAL : SP_INPUT_ERROR;
}

/* The source id of a file the run read, or SP_NO_SOURCE. */
static uint32_t source_of(const sp_run *r, const char *path)
{
    if (!path || !*path)
        return SP_NO_SOURCE;
    for (size_t i = 0; i < r->ctx.sources.len; i++)
        if (!strcmp(r->ctx.sources.items[i].path, path))
            return (uint32_t)i;
    return SP_NO_SOURCE;
}

/* OUT.phaseI.EXT: OUT without its extension, then ".phaseI", then NEW's
 * extension (the syntax written is NEW's). */
static char *phase_path(sp_arena *a, const char *out, const char *new_path, unsigned i)
{
    const char *base = strrchr(out, '/');
    base = base ? base + 1 : out;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot > base ? (size_t)(dot - out) : strlen(out);
    const char *nbase = strrchr(new_path, '/');
    nbase = nbase ? nbase + 1 : new_path;
    const char *ext = strrchr(nbase, '.');
    if (!ext || ext == nbase)
        ext = "";
    return sp_arena_printf(a, "%.*s.phase%u%s", (int)stem, out, i, ext);
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && *a && *b && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Checks a target and finds the file it replaces. */
static sp_status resolve_target(sp_run *r, fix_out *o, bool in_place)
{
    const char *oldp = r->model.old_path, *newp = r->model.new_path;
    if (same_file(o->target, oldp))
        return fail_input(r, "%s is OLD (%s) itself: fix never writes OLD", o->target, oldp);
    if (!in_place && same_file(o->target, newp))
        return fail_input(r, "%s is NEW (%s) itself: fix rewrites NEW only when asked to, with "
                             "--in-place instead of -o",
                          o->target, newp);
    o->real = o->target;
    struct stat st;
    if (lstat(o->target, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *real = realpath(o->target, NULL);
        if (!real)
            return fail_input(r, "%s: cannot follow the symbolic link: %s", o->target,
                              strerror(errno));
        o->real = sp_arena_strdup(&r->ctx.arena, real);
        free(real);
        if (!o->real)
            return oom(r);
    }
    if (stat(o->real, &st) == 0 && !S_ISREG(st.st_mode))
        return fail_input(r, "%s: not a regular file; fix writes files only%s", o->target, "");
    return SP_OK;
}

static sp_status write_error(sp_run *r, const char *path, int err)
{
    sp_error(&r->ctx, SP_NO_LOC, "%s: cannot write: %s", path, strerror(err));
    return err == ENOSPC || err == EIO || err == ENOMEM
#ifdef EDQUOT
                   || err == EDQUOT
#endif
               ? SP_INTERNAL
               : SP_INPUT_ERROR;
}

/* Writes `o->text` to a new temporary file in the target's folder, with
 * the target's permissions when it exists, and syncs it. */
static sp_status write_temp(sp_run *r, fix_out *o)
{
    const char *slash = strrchr(o->real, '/');
    int dirlen = slash ? (int)(slash - o->real) : 1;
    const char *dir = slash ? o->real : ".";
    if (slash && dirlen == 0)
        dirlen = 1; /* "/file": the root folder */
    const char *base = slash ? slash + 1 : o->real;
    struct stat st;
    bool exists = stat(o->real, &st) == 0;
    int fd = -1;
    for (unsigned i = 0; i < 1000 && fd < 0; i++) {
        o->tmp = sp_arena_printf(&r->ctx.arena, "%.*s/.%s.snipeproof-%ld-%u.tmp", dirlen, dir,
                                 base, (long)getpid(), i);
        if (!o->tmp)
            return oom(r);
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) {
            o->tmp = NULL;
            return write_error(r, o->target, errno);
        }
    }
    if (fd < 0) {
        o->tmp = NULL;
        return write_error(r, o->target, EEXIST);
    }
    int err = 0;
    if (exists && fchmod(fd, st.st_mode & 07777) != 0)
        err = errno;
    for (size_t at = 0; !err && at < o->len;) {
        ssize_t w = write(fd, o->text + at, o->len - at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err = w < 0 ? errno : EIO;
            break;
        }
        at += (size_t)w;
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        unlink(o->tmp);
        o->tmp = NULL;
        return write_error(r, o->target, err);
    }
    return SP_OK;
}

static void remove_temps(fix_out *outs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (outs[i].tmp) {
            unlink(outs[i].tmp);
            outs[i].tmp = NULL;
        }
}

static void sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* ---- checking what is about to be written ------------------------------ */

/* Re-checks the step from `prev` (a path; "" = empty) to the temporary file
 * of `o` with a fresh run configured like `r`. */
static sp_status recheck(sp_run *r, const char *prev, const fix_out *o, unsigned step,
                         unsigned nsteps)
{
    sp_run *v = sp_run_new();
    if (!v)
        return oom(r);
    memcpy(v->flags, r->flags, sizeof v->flags);
    v->params.items = r->params.items;
    v->params.len = v->params.cap = r->params.len;
    v->types_files.items = r->types_files.items;
    v->types_files.len = v->types_files.cap = r->types_files.len;
    v->limits = r->limits;
    /* OLD may be a text given to the run (--base: read from git). */
    v->inputs.items = r->inputs.items;
    v->inputs.len = v->inputs.cap = r->inputs.len;
    sp_status st = sp_run_load(v, prev, o->tmp, SP_UPDATE);
    if (st == SP_OK)
        st = sp_run_check(v);
    const char *what = nsteps > 1 ? sp_arena_printf(&r->ctx.arena, "step %u of %u (%s)", step,
                                                    nsteps, o->target)
                                  : o->target;
    if (st == SP_INCOMPLETE) {
        sp_warn(&r->ctx, SP_NO_LOC, "%s: the re-check of the written configuration was stopped "
                                    "by --max-states; it is written as the plan says",
                what ? what : o->target);
        st = SP_OK;
    } else if (st == SP_WINDOWS) {
        const sp_finding *f = v->report.findings.len ? &v->report.findings.items[0] : NULL;
        const char *comp = f ? v->model.components.items[v->model.instances.items[f->instance]
                                                              .component]
                                   .key
                             : "?";
        sp_error(&r->ctx, SP_NO_LOC, "internal: %s still has a window (at %s) when re-checked; "
                                     "nothing was written",
                 what ? what : o->target, comp);
        st = SP_INTERNAL;
    } else if (st != SP_OK) {
        for (size_t i = 0; i < v->ctx.diags.len; i++) {
            const sp_diag *d = &v->ctx.diags.items[i];
            if (d->severity == SP_SEV_ERROR)
                sp_error(&r->ctx, SP_NO_LOC,
                         "internal: %s does not load when read back (line %u: %s); nothing "
                         "was written",
                         what ? what : o->target, d->line, d->message);
        }
        st = SP_INTERNAL;
    }
    sp_run_free(v);
    return st;
}

/* Reads a produced text back; NULL with an error when it does not read. */
static sp_ptext *read_back(sp_run *r, const char *target, const char *text, size_t len)
{
    sp_ptext *pt = sp_ptext_from(&r->ctx, target, text, len);
    if (!pt)
        sp_error(&r->ctx, SP_NO_LOC, "internal: the text produced for %s does not read back",
                 target);
    return pt;
}

/* The text of one step's configuration: `base` (NEW, or the phase's mix)
 * plus the step's extra dependencies, checked. */
static sp_status with_deps(sp_run *r, const sp_ptext *base, const sp_step *s,
                           const sp_patch_profile *prof, fix_out *o, sp_fix_file *f)
{
    sp_dep_add *adds;
    size_t nadds;
    if (!sp_dep_adds_from_edges(&r->ctx, &r->model, s->edges, s->nedges, &adds, &nadds))
        return SP_INTERNAL;
    size_t len;
    char *text = sp_patch_deps(base, prof, adds, nadds, &len);
    if (!text)
        return edit_failure(r);
    sp_ptext *back = read_back(r, o->target, text, len);
    if (!back || !sp_patch_deps_verify(&r->ctx, base->root, back->root, prof, adds, nadds))
        return SP_INTERNAL;
    o->text = text;
    o->len = len;
    sp_fix_dep *deps = sp_arena_calloc(&r->ctx.arena, s->nedges + 1, sizeof *deps);
    if (!deps)
        return oom(r);
    for (size_t a = 0; a < nadds; a++)
        for (size_t i = 0; i < adds[a].n; i++)
            deps[f->ndeps++] = (sp_fix_dep){adds[a].then, adds[a].firsts[i]};
    f->deps = deps;
    return SP_OK;
}

static const char *verdict_name(sp_verdict v)
{
    switch (v) {
    case SP_VERDICT_SAFE:
        return "safe";
    case SP_VERDICT_ORDERED:
        return "ordered";
    case SP_VERDICT_PHASED:
        return "phased";
    default:
        return "impossible";
    }
}

sp_status sp_run_fix(sp_run *r, const char *out_path, int in_place, sp_fix_report *rep)
{
    memset(rep, 0, sizeof *rep);
    if (!r->loaded || r->direction != SP_UPDATE || r->checked) {
        sp_error(&r->ctx, SP_NO_LOC, "internal: fix needs a run that loaded an update");
        return SP_INTERNAL;
    }
    const char *newp = r->model.new_path, *oldp = r->model.old_path;
    if (!newp || !*newp) {
        sp_error(&r->ctx, SP_NO_LOC, "fix writes NEW's text with changes; NEW must be a file");
        return SP_INPUT_ERROR;
    }
    if (!in_place && (!out_path || !*out_path)) {
        sp_error(&r->ctx, SP_NO_LOC, "fix needs -o OUT, or --in-place");
        return SP_INPUT_ERROR;
    }
    const char *out = in_place ? newp : out_path;
    const sp_patch_profile *prof =
        r->kind == SP_INPUT_TOPOLOGY ? &sp_profile_topology : &sp_profile_cfn;
    rep->dep_key = prof->dep_key;

    sp_status planned = r->planned ? SP_OK : sp_run_plan(r);
    if (planned == SP_INTERNAL || planned == SP_INPUT_ERROR)
        return planned;
    const sp_plan *plan = &r->plan;
    if (!plan->complete)
        return SP_INCOMPLETE;
    rep->verdict = verdict_name(plan->verdict);
    sp_status result = plan->verdict == SP_VERDICT_SAFE || plan->verdict == SP_VERDICT_ORDERED
                           ? SP_OK
                           : SP_WINDOWS;
    if (plan->verdict == SP_VERDICT_IMPOSSIBLE || (plan->verdict == SP_VERDICT_SAFE && in_place))
        return result;

    uint32_t nsrc = source_of(r, newp), osrc = source_of(r, oldp);
    if (nsrc == SP_NO_SOURCE) {
        sp_error(&r->ctx, SP_NO_LOC, "internal: NEW's text is not at hand");
        return SP_INTERNAL;
    }
    size_t nfiles = plan->verdict == SP_VERDICT_PHASED ? plan->nsteps : 1;
    fix_out *outs = sp_arena_calloc(&r->ctx.arena, nfiles + 1, sizeof *outs);
    sp_fix_file *files = sp_arena_calloc(&r->ctx.arena, nfiles + 1, sizeof *files);
    if (!outs || !files)
        return oom(r);
    for (size_t i = 0; i < nfiles; i++) {
        outs[i].target = i + 1 == nfiles ? out : phase_path(&r->ctx.arena, out, newp, (unsigned)i + 1);
        if (!outs[i].target)
            return oom(r);
        sp_status st = resolve_target(r, &outs[i], in_place && i + 1 == nfiles);
        if (st != SP_OK)
            return st;
        files[i].path = outs[i].target;
        files[i].step = (unsigned)i + 1;
        files[i].final = i + 1 == nfiles;
        const sp_step *s = &plan->steps[i];
        const char **ch = sp_arena_calloc(&r->ctx.arena, s->nchanges + 1, sizeof *ch);
        if (!ch)
            return oom(r);
        for (size_t k = 0; k < s->nchanges; k++)
            ch[k] = r->model.components.items[s->changes[k]].key;
        files[i].changes = ch;
        files[i].nchanges = s->nchanges;
    }

    /* The texts. */
    const sp_source *ns = sp_source_get(&r->ctx, nsrc);
    if (plan->verdict == SP_VERDICT_SAFE) {
        outs[0].text = ns->text;
        outs[0].len = ns->len;
    } else {
        sp_ptext *newt = sp_ptext_open(&r->ctx, nsrc);
        sp_ptext *oldt = osrc != SP_NO_SOURCE ? sp_ptext_open(&r->ctx, osrc) : NULL;
        if (!newt || (osrc != SP_NO_SOURCE && !oldt))
            return SP_INTERNAL;
        for (size_t i = 0; i < nfiles; i++) {
            const sp_step *s = &plan->steps[i];
            const sp_ptext *base = newt;
            if (plan->verdict == SP_VERDICT_PHASED) {
                sp_phase_info info;
                sp_doc *expect = NULL;
                size_t len;
                char *mix = sp_phase_compose(&r->ctx, &r->model, s->to_new, oldt, newt, prof,
                                             &len, &info, &expect);
                if (!mix) {
                    sp_status st = edit_failure(r);
                    sp_note(&r->ctx, SP_NO_LOC,
                            "while writing step %zu of %zu (%s); nothing was written", i + 1,
                            nfiles, outs[i].target);
                    return st;
                }
                sp_ptext *back = read_back(r, outs[i].target, mix, len);
                if (!back)
                    return SP_INTERNAL;
                if (!sp_doc_equal(expect, back->root)) {
                    sp_error(&r->ctx, SP_NO_LOC,
                             "internal: the configuration written for step %u is not the "
                             "intended mix of OLD and NEW; nothing was written",
                             (unsigned)i + 1);
                    return SP_INTERNAL;
                }
                base = back;
                files[i].kept_old = info.kept_old;
                files[i].nkept_old = info.nkept_old;
                files[i].absent = info.absent;
                files[i].nabsent = info.nabsent;
                files[i].from_old = info.sections_old;
                files[i].nfrom_old = info.nsections_old;
            }
            sp_status st = with_deps(r, base, s, prof, &outs[i], &files[i]);
            if (st != SP_OK)
                return st;
        }
    }

    /* Temporary files, re-checked step by step, then renamed. */
    sp_status st = SP_OK;
    for (size_t i = 0; i < nfiles && st == SP_OK; i++)
        st = write_temp(r, &outs[i]);
    for (size_t i = 0; i < nfiles && st == SP_OK; i++)
        st = recheck(r, i ? outs[i - 1].tmp : (oldp ? oldp : ""), &outs[i], (unsigned)i + 1,
                     (unsigned)nfiles);
    for (size_t i = 0; i < nfiles && st == SP_OK; i++) {
        if (rename(outs[i].tmp, outs[i].real) != 0) {
            st = write_error(r, outs[i].target, errno);
            if (i)
                sp_note(&r->ctx, SP_NO_LOC, "%zu of the %zu files were written before this "
                                            "failure",
                        i, nfiles);
            break;
        }
        outs[i].tmp = NULL;
        sync_folder(outs[i].real);
    }
    if (st != SP_OK) {
        remove_temps(outs, nfiles);
        return st;
    }
    /* A phase file of an earlier fix that this one does not write. */
    const char *stale = phase_path(&r->ctx.arena, out, newp, (unsigned)nfiles);
    struct stat sst;
    if (stale && stat(stale, &sst) == 0)
        sp_warn(&r->ctx, SP_NO_LOC, "%s is left from an earlier fix; it is not part of this one",
                stale);
    rep->files = files;
    rep->nfiles = nfiles;
    return result;
}
