/* snipeproof — find and remove sniping windows in infrastructure updates.
 *
 * One public header.  Everything the library returns is owned by the
 * sp_run it came from and lives exactly as long as that run: one arena per
 * run, released by sp_run_free().  No pointer obtained from a run may be
 * used after sp_run_free().  The library never prints and never exits;
 * problems are kept as sp_diag records in the run.
 */
#ifndef SNIPEPROOF_H
#define SNIPEPROOF_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SP_VERSION_STRING "0.1.0"

/* Exit status of every command (DESIGN §5), and of the library calls that
 * stand for a command. */
typedef enum sp_status {
    SP_OK = 0,         /* no window; or a safe single-phase plan exists */
    SP_WINDOWS = 1,    /* windows found; or only a multi-phase plan, or none */
    SP_INPUT_ERROR = 2,/* usage or input error; nothing was written */
    SP_INCOMPLETE = 3, /* a bound stopped the search; the result is partial */
    SP_INTERNAL = 4,   /* a bug or an exhausted resource inside snipeproof */
    SP_STOPPED = 5     /* apply: a deploy command failed or a signal stopped the
                        * rollout; the fleet is partly updated (the journal says
                        * how far) */
} sp_status;

typedef enum sp_severity { SP_SEV_ERROR, SP_SEV_WARNING, SP_SEV_NOTE } sp_severity;

/* A diagnostic: where (1-based line and column in code points, 0 when the
 * problem has no position), what, and the text of that source line so a
 * caller can underline `span` code points from `column`. */
typedef struct sp_diag {
    sp_severity severity;
    const char *file;        /* NULL when not about a file */
    unsigned line, column, span;
    const char *message;
    const char *source_line; /* NULL when unavailable */
} sp_diag;

typedef enum sp_format {
    SP_FORMAT_TEXT,
    SP_FORMAT_JSON,
    SP_FORMAT_SARIF,
    SP_FORMAT_DOT
} sp_format;

typedef enum sp_direction { SP_UPDATE, SP_ROLLBACK } sp_direction;

typedef enum sp_flag {
    SP_FLAG_STRICT,          /* unknown resource types are errors */
    SP_FLAG_TRANSITIVE,      /* assume order through unchanged components */
    SP_FLAG_COLOR,           /* text output may use ANSI colour */
    SP_FLAG_QUIET            /* text output: findings only */
} sp_flag;

typedef struct sp_run sp_run;

sp_run *sp_run_new(void);
void sp_run_free(sp_run *run);

void sp_run_set_flag(sp_run *run, sp_flag flag, int on);
/* "NAME=VALUE"; SP_INPUT_ERROR when malformed. */
sp_status sp_run_set_param(sp_run *run, const char *assignment);
/* A type catalogue file in the format `snipeproof types` documents; its
 * entries override the built-in ones of the same name. */
sp_status sp_run_add_types(sp_run *run, const char *path);
/* Bounds of the window search (0 keeps the default). */
void sp_run_set_limits(sp_run *run, unsigned long max_states, unsigned long max_cells);

/* The topology file of the network between the machines of guix deploy
 * files (docs/GUIX.md): sp_run_load (and sp_run_apply) then read OLD and
 * NEW as deploy files. */
sp_status sp_run_set_topology(sp_run *run, const char *path);

/* Gives the text of an input that is not a file (OLD read from git for
 * `--base`): when sp_run_load is given `name` as a path, it reads `text`
 * instead, and diagnostics name it `name` ("origin/main:template.yaml").
 * The text is copied. */
sp_status sp_run_add_input(sp_run *run, const char *name, const char *text, size_t len);

/* Reads and models an update.  `old_path` may be NULL (a single
 * configuration, e.g. for `graph`); an empty-string path stands for an
 * empty configuration of the same kind as NEW.  Input kinds are recognised
 * from content.  For SP_ROLLBACK the roles of the two files are swapped. */
sp_status sp_run_load(sp_run *run, const char *old_path, const char *new_path,
                      sp_direction direction);

/* Window analysis of the loaded update (DESIGN §3.3–3.5). */
sp_status sp_run_check(sp_run *run);

/* Plans the loaded update (DESIGN §3.6): extra ordering edges and waves,
 * or a sequence of intermediate configurations.  SP_OK when a safe
 * single-phase plan exists (no window as it is, or extra edges suffice),
 * SP_WINDOWS when only a multi-phase plan exists or none, SP_INCOMPLETE
 * when a bound stopped it.  sp_run_render then renders the plan. */
sp_status sp_run_plan(sp_run *run);

/* Warns, in runs[0], about every suppression (a resource's Metadata
 * snipeproof.ignore) in the file the user named NEW that matches no finding
 * of any of the runs: the checked runs of one update (the update, and its
 * roll-back).  Call it after sp_run_check, before printing diagnostics. */
void sp_run_warn_unused_suppressions(sp_run *const *runs, size_t n);

/* The reachability graph of the loaded configuration (sp_run_load with
 * OLD NULL), or of the update: both configurations and the engine's event
 * order.  sp_run_render with SP_FORMAT_DOT then renders it (`snipeproof
 * graph`).  Nothing is evaluated in the outputs. */
sp_status sp_run_graph(sp_run *run);

/* Renders what the run computed last (its check, its plan, or its graph). */
sp_status sp_run_render(sp_run *run, sp_format format, FILE *out);

/* Renders the results of several runs of one update as one document: the
 * update, then its roll-back (`snipeproof check --rollback`, `plan
 * --rollback`).  Every run must have computed the same thing (all checked,
 * or all planned).  Text: a section per run; JSON: an array with one
 * object per run (for one run, the single object sp_run_render writes);
 * SARIF (checks only): one log.  Colour and quiet come from runs[0]'s
 * flags.  SP_INTERNAL when a run computed nothing to render or the output
 * could not be written (a diagnostic says which). */
sp_status sp_run_render_many(sp_run *const *runs, size_t n, sp_format format, FILE *out);

/* A deterministic text dump of the loaded model and its event order (for
 * tests and debugging: `snipeproof model OLD NEW`). */
sp_status sp_run_render_model(sp_run *run, FILE *out);

/* The type catalogue in use, as documentation. */
sp_status sp_run_render_types(sp_run *run, sp_format format, FILE *out);

/* Host rollouts (`snipeproof apply`, topology files only). */
typedef struct sp_apply_options {
    unsigned jobs;        /* hosts of one wave run at once; 0 = all of them */
    int force;            /* run although the plan is not one safe step (the
                           * windows accepted are printed first) */
    int dry_run;          /* print the waves and commands; run nothing */
    int resume;           /* continue the rollout the journal records */
    int rollback;         /* run OLD's deploy commands for the hosts the journal
                           * records as done (or failed), in a safe order */
    const char *journal;  /* NULL: NEW's path + ".journal" */
} sp_apply_options;

/* Loads the update from OLD to NEW (instead of sp_run_load), plans it and
 * runs each changed host's deploy command wave by wave, hosts of one wave
 * in parallel, writing progress and the commands' output to `out` as it
 * goes (the commands run with NEW's folder as working directory; OLD's for
 * a roll-back).  Refuses, with SP_WINDOWS (SP_INCOMPLETE when the search
 * was bounded), when the plan is not one safe step, unless `force`.
 * SP_OK when every host is done; SP_STOPPED when a deploy failed or
 * SIGINT/SIGTERM stopped it (running commands are waited for, and every
 * finished host is in the journal).  While it runs it handles SIGINT,
 * SIGTERM and SIGCHLD itself. */
sp_status sp_run_apply(sp_run *run, const char *old_path, const char *new_path,
                       const sp_apply_options *options, FILE *out);

/* `snipeproof fix` (DESIGN §5): what was written. */
typedef struct sp_fix_dep {
    const char *then, *first;        /* `then` now depends on `first` */
} sp_fix_dep;

typedef struct sp_fix_file {
    const char *path;                /* the file written */
    unsigned step;                   /* the step of the plan whose target it is (1-based) */
    int final;                       /* NEW's configuration (the last step) */
    const char *const *changes;      /* components the step switches (to this file) */
    size_t nchanges;
    const sp_fix_dep *deps;          /* dependencies added to it */
    size_t ndeps;
    const char *const *kept_old;     /* components at their OLD version in it */
    size_t nkept_old;
    const char *const *absent;       /* components NEW adds that it leaves out */
    size_t nabsent;
    const char *const *from_old;     /* other entries taken from OLD ("parameter 'Env'") */
    size_t nfrom_old;
} sp_fix_file;

typedef struct sp_fix_report {
    const char *verdict;             /* "safe", "ordered", "phased", "impossible";
                                      * NULL when a bound stopped the planner */
    const char *dep_key;             /* "DependsOn" (CloudFormation), "after" (topology) */
    const sp_fix_file *files;        /* in the order to deploy them; none when nothing
                                      * was written */
    size_t nfiles;
} sp_fix_report;

/* Plans the loaded update (unless the run planned it already) and writes
 * the result: for a safe update a copy of NEW; for an ordered one NEW with
 * the extra dependencies (DependsOn, after:) merged into its text; for a
 * phased one the configuration of every step, the last one (NEW with that
 * step's extra dependencies) to `out_path` and step i before it to
 * OUT.phaseI.EXT (OUT without its extension, EXT NEW's extension).  With
 * `in_place` (out_path NULL), OUT is NEW itself; a safe update then writes
 * nothing.  Nothing is written for an impossible plan (SP_WINDOWS), when a
 * bound stopped the planner (SP_INCOMPLETE) or on any error.  Every file
 * is read back and re-checked (each step from the previous file) before
 * any is written; each is written to a temporary file in its folder,
 * synced, then renamed over its target.  Never writes OLD; writes NEW only
 * with `in_place`.  Returns what sp_run_plan returns, or the error. */
sp_status sp_run_fix(sp_run *run, const char *out_path, int in_place, sp_fix_report *report);

size_t sp_run_diag_count(const sp_run *run);
const sp_diag *sp_run_diag(const sp_run *run, size_t i);

/* Renders one diagnostic the way every snipeproof tool does:
 * "FILE:LINE:COL: error: message", then the source line and a caret. */
void sp_diag_print(const sp_diag *d, FILE *out, int color);

#ifdef __cplusplus
}
#endif

#endif
