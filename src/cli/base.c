/* --base REV: OLD is NEW's file as of a git revision, so that CI can run
 * `snipeproof check --base origin/main template.yaml`.
 *
 * Path rules: git runs in NEW's folder (`git -C DIR`), so the repository
 * is the one that folder belongs to (wherever the command runs from), and
 * the path inside it is that folder's place in the repository (`git
 * rev-parse --show-prefix`) followed by NEW's file name; symbolic links in
 * the folder's path are followed, the file name itself is taken as written.
 * OLD is then the blob REV:PATH, read with `git cat-file blob` (the bytes
 * committed, as `git show REV:PATH` prints them), and diagnostics name it
 * "REV:PATH" (e.g. origin/main:stacks/web.yaml).  A revision git does not
 * know is a usage error; a PATH that does not exist at REV means NEW is a
 * new template: OLD is empty, and stderr says so.
 *
 * git is run directly (no shell), with the environment as it is. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The library's bound on an input (sp_run_add_input checks it again). */
enum { MAX_OLD_BYTES = 256 * 1024 * 1024 };

/* What a git command did: its exit status (-1: it could not run), its
 * standard output (bounded) and the start of its standard error. */
typedef struct git_result {
    int status;
    char *out;
    size_t len;
    char err[512];
    bool too_big;
} git_result;

/* Reads from fd until EOF into a growing buffer (at most `limit` bytes
 * kept; beyond that *too_big). */
static bool drain(int fd, char **buf, size_t *len, size_t limit, bool *too_big)
{
    size_t cap = 0;
    char chunk[65536];
    for (;;) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return got == 0;
        if (*len + (size_t)got > limit) {
            *too_big = true;
            continue; /* keep reading so that git is not stopped by a full pipe */
        }
        if (*len + (size_t)got + 1 > cap) {
            size_t ncap = cap ? cap : 65536;
            while (ncap < *len + (size_t)got + 1)
                ncap *= 2;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return false;
            *buf = nb;
            cap = ncap;
        }
        memcpy(*buf + *len, chunk, (size_t)got);
        *len += (size_t)got;
        (*buf)[*len] = '\0';
    }
}

/* Runs `git -C dir ARGS...` (NULL-terminated). */
static bool run_git(const char *dir, const char *const *args, git_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    const char *argv[16];
    size_t n = 0;
    argv[n++] = "git";
    argv[n++] = "-C";
    argv[n++] = dir;
    for (; *args && n + 1 < sizeof argv / sizeof *argv; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    int out[2], err[2];
    if (pipe(out) != 0)
        return false;
    if (pipe(err) != 0) {
        close(out[0]);
        close(out[1]);
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        return false;
    }
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        execvp("git", (char *const *)argv);
        dprintf(2, "cannot run git: %s", strerror(errno));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    /* git writes little to stderr; read stdout first, then stderr. */
    bool ok = drain(out[0], &r->out, &r->len, MAX_OLD_BYTES, &r->too_big);
    char *ebuf = NULL;
    size_t elen = 0;
    bool ebig = false;
    drain(err[0], &ebuf, &elen, sizeof r->err - 1, &ebig);
    if (ebuf) {
        snprintf(r->err, sizeof r->err, "%s", ebuf);
        free(ebuf);
    }
    close(out[0]);
    close(err[0]);
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return false;
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    /* The last line of git's message, without its newline. */
    size_t el = strlen(r->err);
    while (el && (r->err[el - 1] == '\n' || r->err[el - 1] == '\r'))
        r->err[--el] = '\0';
    return ok;
}

static void git_free(git_result *r)
{
    free(r->out);
    r->out = NULL;
}

static const char *command_name(const cli_args *a)
{
    return cli_commands[a->command].name;
}

bool cli_read_base(cli_args *a)
{
    const char *cmd = command_name(a), *rev = a->base, *newp = a->operands[0];
    /* NEW's folder and file name. */
    const char *slash = strrchr(newp, '/');
    char *dir = slash ? strndup(newp, (size_t)(slash - newp) + (slash == newp)) : strdup(".");
    const char *file = slash ? slash + 1 : newp;
    if (!dir) {
        fputs("snipeproof: out of memory\n", stderr);
        return false;
    }
    bool ok = false;
    char *path = NULL, *spec = NULL;
    git_result g;
    if (!*file) {
        fprintf(stderr, "snipeproof: %s: --base: '%s' is a folder; NEW must be a file\n", cmd,
                newp);
        goto done;
    }
    const char *prefix_args[] = {"rev-parse", "--show-prefix", NULL};
    if (!run_git(dir, prefix_args, &g) || g.status != 0) {
        if (g.status == 127 || g.status == -1)
            fprintf(stderr, "snipeproof: %s: --base needs git: %s\n", cmd,
                    *g.err ? g.err : "it could not be run");
        else
            fprintf(stderr, "snipeproof: %s: --base: the folder of '%s' is not in a git "
                            "repository (%s)\n",
                    cmd, newp, *g.err ? g.err : "git rev-parse failed");
        git_free(&g);
        goto done;
    }
    size_t plen = g.len;
    while (plen && (g.out[plen - 1] == '\n' || g.out[plen - 1] == '\r'))
        plen--;
    path = malloc(plen + strlen(file) + 1);
    if (path) {
        memcpy(path, g.out ? g.out : "", plen);
        strcpy(path + plen, file);
    }
    git_free(&g);
    if (!path)
        goto oom;
    /* The revision must exist: a typo is not "a new template". */
    size_t rlen = strlen(rev);
    char *commit = malloc(rlen + 10);
    if (!commit)
        goto oom;
    snprintf(commit, rlen + 10, "%s^{commit}", rev);
    const char *verify_args[] = {"rev-parse", "--verify", "--quiet", commit, NULL};
    bool known = run_git(dir, verify_args, &g) && g.status == 0;
    free(commit);
    git_free(&g);
    if (!known) {
        fprintf(stderr, "snipeproof: %s: --base: git knows no revision '%s' in the repository "
                        "of '%s'\n",
                cmd, rev, newp);
        goto done;
    }
    spec = malloc(rlen + strlen(path) + 2);
    if (!spec)
        goto oom;
    sprintf(spec, "%s:%s", rev, path);
    const char *type_args[] = {"cat-file", "-t", spec, NULL};
    if (!run_git(dir, type_args, &g)) {
        git_free(&g);
        goto oom;
    }
    bool exists = g.status == 0;
    bool blob = exists && g.out && !strncmp(g.out, "blob", 4);
    git_free(&g);
    if (!exists) {
        /* Not at REV: a new template, compared with an empty one. */
        a->base_absent = true;
        a->base_name = spec;
        spec = NULL;
        if (!a->quiet)
            fprintf(stderr, "snipeproof: %s: '%s' does not exist at %s: OLD is empty (a new "
                            "template)\n",
                    cmd, path, rev);
        ok = true;
        goto done;
    }
    if (!blob) {
        fprintf(stderr, "snipeproof: %s: --base: %s is not a file\n", cmd, spec);
        goto done;
    }
    const char *blob_args[] = {"cat-file", "blob", spec, NULL};
    if (!run_git(dir, blob_args, &g) || g.status != 0 || g.too_big) {
        if (g.too_big)
            fprintf(stderr, "snipeproof: %s: %s: larger than %d MiB\n", cmd, spec,
                    MAX_OLD_BYTES / (1024 * 1024));
        else
            fprintf(stderr, "snipeproof: %s: --base: cannot read %s (%s)\n", cmd, spec,
                    *g.err ? g.err : "git cat-file failed");
        git_free(&g);
        goto done;
    }
    a->base_text = g.out ? g.out : strdup("");
    a->base_len = g.len;
    a->base_name = spec;
    spec = NULL;
    ok = a->base_text != NULL;
    if (!ok)
        goto oom;
    goto done;
oom:
    fputs("snipeproof: out of memory\n", stderr);
    ok = false;
done:
    free(dir);
    free(path);
    free(spec);
    return ok;
}

void cli_base_free(cli_args *a)
{
    free(a->base_text);
    free((char *)a->base_name);
    a->base_text = NULL;
    a->base_name = NULL;
}
