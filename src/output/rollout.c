/* The rollout runner and its journal (see rollout.h). */
#include "rollout.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define GREEN "\033[32m"
#define RED "\033[1;31m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* ---- the journal ---- */

#define JOURNAL_MAGIC "snipeproof-journal/1"

uint64_t sp_journal_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static bool parse_hash(const char *field, const char *name, uint64_t *out)
{
    size_t n = strlen(name);
    if (strncmp(field, name, n) || strncmp(field + n, "=fnv1a64:", 9))
        return false;
    const char *hex = field + n + 9;
    if (strlen(hex) != 16)
        return false;
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char c = hex[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return true;
}

static bool known_verb(const char *v)
{
    static const char *const verbs[] = {"done", "failed", "undone", "undo-failed", "finished"};
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (!strcmp(v, verbs[i]))
            return true;
    return false;
}

bool sp_journal_read(sp_ctx *ctx, const char *path, sp_journal *j)
{
    memset(j, 0, sizeof *j);
    j->fd = -1;
    j->path = sp_arena_strdup(&ctx->arena, path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return j->path != NULL;
        sp_error(ctx, SP_NO_LOC, "cannot read the journal %s: %s", path, strerror(errno));
        return false;
    }
    j->exists = true;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    bool ok = true;
    while (ok && (n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n')
            break; /* torn: ignored */
        line[n - 1] = 0;
        char *save = NULL;
        char *a = strtok_r(line, " ", &save), *b = strtok_r(NULL, " ", &save),
             *c = strtok_r(NULL, " ", &save);
        if (lineno == 1) {
            if (!a || strcmp(a, JOURNAL_MAGIC) || !b || !c || !parse_hash(b, "old", &j->old_hash) ||
                !parse_hash(c, "new", &j->new_hash)) {
                sp_error(ctx, SP_NO_LOC, "%s is not a snipeproof journal (its first line is not "
                                         "'" JOURNAL_MAGIC " old=… new=…')",
                         path);
                ok = false;
            }
            continue;
        }
        if (!a || !b || !c || !known_verb(b)) {
            sp_error(ctx, SP_NO_LOC, "%s:%u: not a journal entry (expected TIME VERB ARG)", path,
                     lineno);
            ok = false;
            continue;
        }
        sp_journal_entry e = {sp_arena_strdup(&ctx->arena, b), sp_arena_strdup(&ctx->arena, c),
                              lineno};
        if (!e.verb || !e.arg || !sp_vec_push(&ctx->arena, &j->entries, e)) {
            sp_oom(ctx);
            ok = false;
        }
    }
    if (ok && ferror(f)) {
        sp_error(ctx, SP_NO_LOC, "cannot read the journal %s: %s", path, strerror(errno));
        ok = false;
    }
    if (ok && lineno == 0) {
        sp_error(ctx, SP_NO_LOC, "%s is empty: not a snipeproof journal", path);
        ok = false;
    }
    free(line);
    fclose(f);
    if (ok && j->entries.len) {
        const sp_journal_entry *last = &j->entries.items[j->entries.len - 1];
        if (!strcmp(last->verb, "finished"))
            j->finished = last->arg;
    }
    return ok;
}

sp_host_state sp_journal_host_state(const sp_journal *j, const char *host)
{
    sp_host_state s = SP_HOST_OLD;
    for (size_t i = 0; i < j->entries.len; i++) {
        const sp_journal_entry *e = &j->entries.items[i];
        if (strcmp(e->arg, host) || !strcmp(e->verb, "finished"))
            continue;
        if (!strcmp(e->verb, "done"))
            s = SP_HOST_NEW;
        else if (!strcmp(e->verb, "undone"))
            s = SP_HOST_OLD;
        else
            s = SP_HOST_UNKNOWN;
    }
    return s;
}

static bool write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

/* The folder of `path`, fsync'd so that a new journal's name is durable. */
static void sync_parent(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

bool sp_journal_open(sp_ctx *ctx, sp_journal *j, bool fresh, uint64_t old_hash,
                     uint64_t new_hash)
{
    int fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        sp_error(ctx, SP_NO_LOC, "cannot open the journal %s: %s", j->path, strerror(errno));
        return false;
    }
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &lk) < 0) {
        sp_error(ctx, SP_NO_LOC, "the journal %s is locked: another 'snipeproof apply' is "
                                 "running this rollout",
                 j->path);
        close(fd);
        return false;
    }
    bool ok = true;
    if (fresh) {
        char head[128];
        int n = snprintf(head, sizeof head, JOURNAL_MAGIC " old=fnv1a64:%016llx new=fnv1a64:%016llx\n",
                         (unsigned long long)old_hash, (unsigned long long)new_hash);
        ok = ftruncate(fd, 0) == 0 && write_all(fd, head, (size_t)n) && fsync(fd) == 0;
        j->old_hash = old_hash;
        j->new_hash = new_hash;
        j->entries.len = 0;
        j->finished = NULL;
        if (ok)
            sync_parent(j->path);
    } else {
        /* Cut a torn last line off: what follows must start a line. */
        off_t end = lseek(fd, 0, SEEK_END), keep = end;
        char c;
        while (ok && keep > 0) {
            ok = pread(fd, &c, 1, keep - 1) == 1;
            if (ok && c == '\n')
                break;
            keep--;
        }
        if (ok && keep != end)
            ok = ftruncate(fd, keep) == 0 && fsync(fd) == 0;
    }
    if (ok)
        ok = lseek(fd, 0, SEEK_END) >= 0;
    if (!ok) {
        sp_error(ctx, SP_NO_LOC, "cannot write the journal %s: %s", j->path, strerror(errno));
        close(fd);
        return false;
    }
    j->fd = fd;
    j->exists = true;
    return true;
}

bool sp_journal_append(sp_ctx *ctx, sp_journal *j, const char *verb, const char *arg,
                       const char *detail)
{
    char line[512], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(line, sizeof line, "%s %s %s%s%s\n", stamp, verb, arg, detail ? " " : "",
                     detail ? detail : "");
    if (n < 0 || (size_t)n >= sizeof line) {
        n = snprintf(line, sizeof line, "%s %s %s\n", stamp, verb, arg);
        if (n < 0 || (size_t)n >= sizeof line) {
            sp_error(ctx, SP_NO_LOC, "internal: journal entry too long");
            return false;
        }
    }
    if (j->fd < 0 || !write_all(j->fd, line, (size_t)n) || fsync(j->fd) != 0) {
        sp_error(ctx, SP_NO_LOC, "cannot write the journal %s: %s", j->path, strerror(errno));
        return false;
    }
    sp_journal_entry e = {sp_arena_strdup(&ctx->arena, verb), sp_arena_strdup(&ctx->arena, arg),
                          0};
    if (e.verb && e.arg)
        sp_vec_push(&ctx->arena, &j->entries, e);
    return true;
}

void sp_journal_close(sp_journal *j)
{
    if (j->fd >= 0)
        close(j->fd); /* releases the lock */
    j->fd = -1;
}

/* ---- quoting ---- */

static bool plain_word(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("-_./=:,+@%", *s)))
            return false;
    return true;
}

const char *sp_rollout_quote_argv(sp_ctx *ctx, const char *const *argv)
{
    size_t cap = 1;
    for (size_t i = 0; argv[i]; i++)
        cap += strlen(argv[i]) * 4 + 3;
    char *buf = sp_arena_alloc(&ctx->arena, cap);
    if (!buf) {
        sp_oom(ctx);
        return "";
    }
    size_t len = 0;
    for (size_t i = 0; argv[i]; i++) {
        if (i)
            buf[len++] = ' ';
        if (plain_word(argv[i])) {
            size_t n = strlen(argv[i]);
            memcpy(buf + len, argv[i], n);
            len += n;
            continue;
        }
        buf[len++] = '\'';
        for (const char *p = argv[i]; *p; p++) {
            if (*p == '\'') {
                memcpy(buf + len, "'\\''", 4);
                len += 4;
            } else {
                buf[len++] = *p;
            }
        }
        buf[len++] = '\'';
    }
    buf[len] = 0;
    return buf;
}

/* ---- signals ---- */

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t sig_stop; /* SIGINT/SIGTERM received */

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGINT || sig == SIGTERM)
        sig_stop++;
    if (sig_pipe[1] >= 0) {
        char c = (char)sig;
        ssize_t w = write(sig_pipe[1], &c, 1);
        (void)w;
    }
    errno = saved;
}

typedef struct saved_signals {
    struct sigaction intr, term, chld;
} saved_signals;

static bool install_signals(saved_signals *s)
{
    if (pipe(sig_pipe) != 0)
        return false;
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
    }
    sig_stop = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &s->intr);
    sigaction(SIGTERM, &sa, &s->term);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, &s->chld);
    return true;
}

static void restore_signals(const saved_signals *s)
{
    sigaction(SIGINT, &s->intr, NULL);
    sigaction(SIGTERM, &s->term, NULL);
    sigaction(SIGCHLD, &s->chld, NULL);
    for (int i = 0; i < 2; i++) {
        if (sig_pipe[i] >= 0)
            close(sig_pipe[i]);
        sig_pipe[i] = -1;
    }
}

/* ---- one running host ---- */

typedef struct job {
    sp_rollout_host *h;
    pid_t pid;
    int fd;          /* its output, or -1 once closed */
    char buf[4096];
    size_t len;
} job;

typedef struct runner {
    sp_ctx *ctx;
    sp_rollout *r;
    FILE *out;
    bool journal_failed;
} runner;

static void paint(const runner *R, const char *code)
{
    if (R->r->color)
        fputs(code, R->out);
}

static void host_line(runner *R, const char *host, const char *text, size_t n)
{
    if (R->r->quiet)
        return;
    fprintf(R->out, "%s: %.*s\n", host, (int)n, text);
    fflush(R->out);
}

/* Emits the complete lines of a job's buffer (all of it when `flush`). */
static void emit_lines(runner *R, job *j, bool flush)
{
    size_t start = 0;
    for (size_t i = 0; i < j->len; i++)
        if (j->buf[i] == '\n') {
            size_t n = i - start;
            if (n && j->buf[i - 1] == '\r')
                n--;
            host_line(R, j->h->name, j->buf + start, n);
            start = i + 1;
        }
    if (start == 0 && j->len == sizeof j->buf) { /* a line longer than the buffer */
        host_line(R, j->h->name, j->buf, j->len);
        start = j->len;
    }
    if (flush && start < j->len) {
        host_line(R, j->h->name, j->buf + start, j->len - start);
        start = j->len;
    }
    memmove(j->buf, j->buf + start, j->len - start);
    j->len -= start;
}

/* Reads what is there; false at end of file (or an error). */
static bool read_job(runner *R, job *j)
{
    for (;;) {
        ssize_t n = read(j->fd, j->buf + j->len, sizeof j->buf - j->len);
        if (n > 0) {
            j->len += (size_t)n;
            emit_lines(R, j, false);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        return false;
    }
}

/* The program to execute: with a '/', relative to the rollout's folder;
 * without, looked up in PATH (as a shell would, but without one). */
static const char *resolve_program(runner *R, const char *prog, const char **why)
{
    sp_arena *A = &R->ctx->arena;
    struct stat st;
    if (strchr(prog, '/')) {
        const char *path = prog[0] == '/' ? prog : sp_arena_printf(A, "%s/%s", R->r->dir, prog);
        if (stat(path, &st) != 0) {
            *why = sp_arena_printf(A, "cannot run %s: %s", prog, strerror(errno));
            return NULL;
        }
        if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
            *why = sp_arena_printf(A, "cannot run %s: it is not an executable file", prog);
            return NULL;
        }
        return path;
    }
    const char *env = getenv("PATH");
    if (!env || !*env)
        env = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = env;;) {
        size_t n = strcspn(p, ":");
        const char *dir = n ? sp_arena_strndup(A, p, n) : ".";
        const char *cand = dir && dir[0] == '/' ? sp_arena_printf(A, "%s/%s", dir, prog)
                                                : sp_arena_printf(A, "%s/%s/%s", R->r->dir,
                                                                  dir ? dir : ".", prog);
        if (cand && stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
            return cand;
        if (!p[n])
            break;
        p += n + 1;
    }
    *why = sp_arena_printf(A, "cannot run %s: not found in PATH", prog);
    return NULL;
}

/* The environment of a deploy command: ours, plus SNIPEPROOF_HOST,
 * SNIPEPROOF_WAVE and SNIPEPROOF_ACTION. */
static char **make_env(runner *R, const sp_rollout_host *h)
{
    sp_arena *A = &R->ctx->arena;
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = sp_arena_calloc(A, n + 4, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "SNIPEPROOF_HOST=", 16) &&
            strncmp(environ[i], "SNIPEPROOF_WAVE=", 16) &&
            strncmp(environ[i], "SNIPEPROOF_ACTION=", 18))
            env[k++] = environ[i];
    env[k++] = sp_arena_printf(A, "SNIPEPROOF_HOST=%s", h->name);
    env[k++] = sp_arena_printf(A, "SNIPEPROOF_WAVE=%u", h->wave + 1);
    env[k++] = sp_arena_printf(A, "SNIPEPROOF_ACTION=%s", R->r->action);
    env[k] = NULL;
    for (size_t i = 0; i < k; i++)
        if (!env[i])
            return NULL;
    return env;
}

static void child_fail(const char *what, const char *prog)
{
    const char *err = strerror(errno);
    const char *parts[] = {"cannot ", what, " ", prog, ": ", err, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        ssize_t w = write(2, parts[i], strlen(parts[i]));
        (void)w;
    }
}

/* Starts a host's command; false (with h->why) when it cannot. */
static bool start_job(runner *R, job *j, sp_rollout_host *h)
{
    memset(j, 0, sizeof *j);
    j->h = h;
    j->fd = -1;
    const char *why = NULL;
    const char *path = resolve_program(R, h->argv[0], &why);
    char **env = make_env(R, h);
    if (!path || !env) {
        h->why = why ? why : "out of memory";
        return false;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        h->why = sp_arena_printf(&R->ctx->arena, "cannot start it: %s", strerror(errno));
        return false;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    fflush(R->out);
    pid_t pid = fork();
    if (pid < 0) {
        h->why = sp_arena_printf(&R->ctx->arena, "cannot start it: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        if (null >= 0)
            close(null);
        return false;
    }
    if (pid == 0) {
        /* The child: its own process group (a Ctrl-C at the terminal is
         * for snipeproof, which lets running deploys finish), default
         * signal handling, output into the pipe, input from /dev/null. */
        setpgid(0, 0);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGCHLD, &sa, NULL);
        sigaction(SIGPIPE, &sa, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (null >= 0)
            dup2(null, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        if (chdir(R->r->dir) != 0) {
            child_fail("enter", R->r->dir);
            _exit(126);
        }
        execve(path, (char *const *)h->argv, env);
        child_fail("run", h->argv[0]);
        _exit(errno == ENOENT ? 127 : 126);
    }
    setpgid(pid, pid);
    close(fds[1]);
    if (null >= 0)
        close(null);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    j->pid = pid;
    j->fd = fds[0];
    return true;
}

static const char *exit_words(runner *R, int status)
{
    if (WIFEXITED(status))
        return sp_arena_printf(&R->ctx->arena, "exit status %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return sp_arena_printf(&R->ctx->arena, "killed by signal %d (%s)", WTERMSIG(status),
                               strsignal(WTERMSIG(status)));
    return "stopped abnormally";
}

static void record(runner *R, sp_rollout_host *h, bool ok)
{
    h->result = ok ? SP_RESULT_DONE : SP_RESULT_FAILED;
    if (ok) {
        if (!R->r->quiet) {
            fprintf(R->out, "%s: ", h->name);
            paint(R, GREEN);
            fputs("done", R->out);
            paint(R, RESET);
            fputc('\n', R->out);
        }
    } else {
        fprintf(R->out, "%s: ", h->name);
        paint(R, RED);
        fprintf(R->out, "failed (%s)", h->why);
        paint(R, RESET);
        fputc('\n', R->out);
    }
    fflush(R->out);
    if (R->r->journal && !R->journal_failed) {
        const char *detail = NULL;
        if (!ok) {
            /* One word for the journal: "exit=1", "signal=9", "not-run". */
            detail = "error";
            if (!strncmp(h->why, "exit status ", 12))
                detail = sp_arena_printf(&R->ctx->arena, "exit=%s", h->why + 12);
            else if (!strncmp(h->why, "killed by signal ", 17))
                detail = sp_arena_printf(&R->ctx->arena, "signal=%d", atoi(h->why + 17));
            else if (!strncmp(h->why, "cannot", 6))
                detail = "not-run";
        }
        if (!sp_journal_append(R->ctx, R->r->journal, ok ? R->r->done_verb : R->r->fail_verb,
                               h->name, detail))
            R->journal_failed = true;
    }
}

static void note_stop(runner *R, const job *jobs, size_t njobs, int level)
{
    if (level == 1) {
        fprintf(R->out, "snipeproof: interrupted: no further host starts; waiting for");
        size_t k = 0;
        for (size_t i = 0; i < njobs; i++)
            if (jobs[i].pid > 0)
                fprintf(R->out, "%s %s", k++ ? "," : "", jobs[i].h->name);
        if (!k)
            fputs(" nothing", R->out);
        fputs(" (interrupt again to stop them)\n", R->out);
    } else {
        fputs("snipeproof: interrupted again: sending SIGTERM to the running deploy "
              "commands\n",
              R->out);
        for (size_t i = 0; i < njobs; i++)
            if (jobs[i].pid > 0)
                kill(-jobs[i].pid, SIGTERM);
    }
    fflush(R->out);
}

/* Runs the hosts [first, end) of one wave; false when one failed or a
 * signal stopped it. */
static bool run_wave(runner *R, size_t first, size_t end)
{
    sp_rollout *r = R->r;
    size_t n = end - first;
    unsigned limit = r->jobs && r->jobs < n ? r->jobs : (unsigned)n;
    job *jobs = calloc(limit ? limit : 1, sizeof *jobs);
    struct pollfd *pfd = calloc(limit + 1, sizeof *pfd);
    if (!jobs || !pfd) {
        free(jobs);
        free(pfd);
        sp_oom(R->ctx);
        return false;
    }
    size_t next = first, running = 0;
    bool failed = false;
    int stop_seen = 0;
    for (;;) {
        /* Start what may start. */
        while (!sig_stop && running < limit && next < end) {
            sp_rollout_host *h = &r->hosts[next++];
            if (h->skip)
                continue;
            size_t slot = 0;
            while (jobs[slot].pid > 0)
                slot++;
            if (!r->quiet) {
                fprintf(R->out, "%s: running %s\n", h->name,
                        sp_rollout_quote_argv(R->ctx, h->argv));
                fflush(R->out);
            }
            if (!start_job(R, &jobs[slot], h)) {
                jobs[slot].pid = 0;
                record(R, h, false);
                failed = true;
                continue;
            }
            running++;
        }
        if (sig_stop > stop_seen && stop_seen < 2) {
            if (stop_seen == 0)
                note_stop(R, jobs, limit, 1);
            if (sig_stop >= 2)
                note_stop(R, jobs, limit, 2);
            stop_seen = sig_stop >= 2 ? 2 : 1;
        }
        if (!running)
            break;
        /* Wait for output, an exit or a signal. */
        size_t np = 0;
        pfd[np].fd = sig_pipe[0];
        pfd[np++].events = POLLIN;
        for (size_t i = 0; i < limit; i++)
            if (jobs[i].pid > 0 && jobs[i].fd >= 0) {
                pfd[np].fd = jobs[i].fd;
                pfd[np++].events = POLLIN;
            }
        int pr = poll(pfd, (nfds_t)np, 1000);
        if (pr < 0 && errno != EINTR)
            break;
        char drain[64];
        while (read(sig_pipe[0], drain, sizeof drain) > 0)
            ;
        for (size_t i = 0; i < limit; i++) {
            job *j = &jobs[i];
            if (j->pid <= 0)
                continue;
            if (j->fd >= 0 && !read_job(R, j)) {
                close(j->fd);
                j->fd = -1;
            }
            int status;
            pid_t w = waitpid(j->pid, &status, WNOHANG);
            if (w != j->pid)
                continue;
            /* It exited: what it wrote before is in the pipe.  Output of
             * anything it left running in the background is not read. */
            if (j->fd >= 0) {
                read_job(R, j);
                close(j->fd);
                j->fd = -1;
            }
            emit_lines(R, j, true);
            bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (!ok)
                j->h->why = exit_words(R, status);
            record(R, j->h, ok);
            failed |= !ok;
            j->pid = 0;
            running--;
        }
    }
    free(jobs);
    free(pfd);
    if (sig_stop)
        r->interrupted = true;
    return !failed && !sig_stop && !R->journal_failed;
}

bool sp_rollout_run(sp_ctx *ctx, sp_rollout *r, FILE *out)
{
    runner R = {ctx, r, out, false};
    for (size_t i = 0; i < r->nhosts; i++) {
        r->hosts[i].result = r->hosts[i].skip ? SP_RESULT_SKIPPED : SP_RESULT_NOT_STARTED;
        r->hosts[i].why = NULL;
    }
    r->interrupted = false;
    r->stopped_after = 0;
    if (r->dry_run) {
        size_t i = 0;
        for (unsigned w = 0; w < r->nwaves; w++) {
            fprintf(out, "wave %u/%u:\n", w + 1, r->nwaves);
            for (; i < r->nhosts && r->hosts[i].wave == w; i++)
                fprintf(out, "  %s: %s%s\n", r->hosts[i].name,
                        sp_rollout_quote_argv(ctx, r->hosts[i].argv),
                        r->hosts[i].skip ? "   (done already: skipped)" : "");
        }
        return true;
    }
    saved_signals saved;
    if (!install_signals(&saved)) {
        sp_error(ctx, SP_NO_LOC, "cannot set up signal handling: %s", strerror(errno));
        return false;
    }
    bool ok = true;
    size_t i = 0;
    for (unsigned w = 0; w < r->nwaves && ok; w++) {
        size_t first = i;
        while (i < r->nhosts && r->hosts[i].wave == w)
            i++;
        size_t todo = 0;
        for (size_t k = first; k < i; k++)
            todo += !r->hosts[k].skip;
        if (sig_stop) {
            r->interrupted = true;
            ok = false;
            break;
        }
        r->stopped_after = w + 1;
        if (!r->quiet) {
            paint(&R, BOLD);
            fprintf(out, "wave %u/%u:", w + 1, r->nwaves);
            for (size_t k = first; k < i; k++)
                fprintf(out, "%s %s%s", k > first ? "," : "", r->hosts[k].name,
                        r->hosts[k].skip ? " (done already)" : "");
            paint(&R, RESET);
            fputc('\n', out);
            fflush(out);
        }
        if (todo)
            ok = run_wave(&R, first, i);
    }
    restore_signals(&saved);
    return ok;
}
