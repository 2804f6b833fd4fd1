/* The rollout runner (`snipeproof apply`): the output stage that carries
 * a plan out.  It runs each host's deploy argv (execve, no shell) wave by
 * wave, the hosts of one wave in parallel, streams their output line by
 * line with a "host: " prefix, records every finished host in a journal,
 * and stops before the next wave when a host fails or a signal asks it to.
 *
 * It knows nothing of plans or topology files: the API layer
 * (src/api/apply.c) gives it hosts grouped in waves and their commands.
 *
 * Journal (one file per rollout, append-only, each line fsync'd):
 *   snipeproof-journal/1 old=fnv1a64:HEX new=fnv1a64:HEX
 *   TIME VERB ARG [DETAIL]
 * VERB is done / failed (apply), undone / undo-failed (roll-back) with a
 * host name as ARG, or finished with "apply" or "rollback".  A line
 * without its newline (a torn write) is ignored, and cut off before the
 * journal is appended to again.  While a rollout runs, its journal is
 * locked (fcntl), so two rollouts cannot share one. */
#ifndef SP_ROLLOUT_H
#define SP_ROLLOUT_H

#include "../util/ctx.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- the journal ---- */

typedef enum sp_host_state {
    SP_HOST_OLD,         /* never run, or rolled back */
    SP_HOST_NEW,         /* its deploy succeeded */
    SP_HOST_UNKNOWN,     /* a deploy (either way) failed: it may be old or new */
} sp_host_state;

typedef struct sp_journal_entry {
    const char *verb, *arg;
    unsigned line;
} sp_journal_entry;

typedef struct sp_journal {
    const char *path;
    bool exists;
    uint64_t old_hash, new_hash;
    SP_VEC(sp_journal_entry) entries;
    const char *finished; /* "apply" / "rollback" when the last entry says so, else NULL */
    int fd;               /* open for appending (locked), or -1 */
} sp_journal;

/* FNV-1a, 64 bits: identifies the contents of OLD and NEW. */
uint64_t sp_journal_hash(const void *data, size_t len);

/* Reads `path` into j (j->exists false when there is no such file).
 * False with an error when it exists but is not a journal. */
bool sp_journal_read(sp_ctx *ctx, const char *path, sp_journal *j);
/* The state of `host` after the entries read. */
sp_host_state sp_journal_host_state(const sp_journal *j, const char *host);
/* Opens the journal for appending and locks it: `fresh` truncates it and
 * writes a new header with the two hashes; otherwise a torn last line is
 * cut off.  False with an error. */
bool sp_journal_open(sp_ctx *ctx, sp_journal *j, bool fresh, uint64_t old_hash,
                     uint64_t new_hash);
/* Appends one line "TIME VERB ARG [DETAIL]" and fsyncs it. */
bool sp_journal_append(sp_ctx *ctx, sp_journal *j, const char *verb, const char *arg,
                       const char *detail);
void sp_journal_close(sp_journal *j);

/* ---- the runner ---- */

typedef enum sp_host_result {
    SP_RESULT_NOT_STARTED,
    SP_RESULT_SKIPPED,  /* already in its target state (resume) */
    SP_RESULT_DONE,
    SP_RESULT_FAILED,
} sp_host_result;

typedef struct sp_rollout_host {
    const char *name;
    const char *const *argv; /* NULL-terminated */
    unsigned wave;           /* 0-based; hosts are sorted by wave */
    bool skip;               /* already done: listed, not run */
    /* Filled by the runner. */
    sp_host_result result;
    const char *why;         /* failed: "exit status 1", "cannot run …" */
} sp_rollout_host;

typedef struct sp_rollout {
    const char *action;      /* "apply" or "rollback" */
    const char *dir;         /* working directory; relative programs resolve here */
    sp_rollout_host *hosts;
    size_t nhosts;
    unsigned nwaves;
    unsigned jobs;           /* hosts of one wave at once; 0 = all of them */
    bool dry_run, quiet, color;
    sp_journal *journal;     /* NULL in a dry run */
    const char *done_verb, *fail_verb; /* journal verbs */
    /* Filled by the runner. */
    bool interrupted;        /* SIGINT or SIGTERM arrived */
    unsigned stopped_after;  /* waves completed or started when it stopped */
} sp_rollout;

/* Runs (or, dry, lists) the rollout, writing progress and the hosts'
 * output to `out`.  While it runs it handles SIGINT and SIGTERM (the first
 * stops new hosts from starting and waits for the running ones; the second
 * sends SIGTERM to them) and SIGCHLD, and restores the previous handlers
 * before it returns.  Returns true when every host is done (or skipped);
 * false when a host failed or a signal stopped it (see the hosts' results),
 * or on an error recorded in ctx (r->journal could not be written). */
bool sp_rollout_run(sp_ctx *ctx, sp_rollout *r, FILE *out);

/* A command line for people: arguments that need it in single quotes. */
const char *sp_rollout_quote_argv(sp_ctx *ctx, const char *const *argv);

#endif
