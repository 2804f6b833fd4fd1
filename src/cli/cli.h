/* The snipeproof program's own pieces: the command and option tables
 * (args.c), help texts generated from them (help.c), and one function per
 * command (commands.c).  main.c only strings them together. */
#ifndef SP_CLI_H
#define SP_CLI_H

#include "snipeproof.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum cli_command {
    CLI_CHECK,
    CLI_PLAN,
    CLI_FIX,
    CLI_GRAPH,
    CLI_APPLY,
    CLI_TYPES,
    CLI_MODEL,
    CLI_HELP,
    CLI_NCOMMANDS
} cli_command;

/* Bits for the formats a command accepts. */
enum {
    CLI_FMT_TEXT = 1 << SP_FORMAT_TEXT,
    CLI_FMT_JSON = 1 << SP_FORMAT_JSON,
    CLI_FMT_SARIF = 1 << SP_FORMAT_SARIF,
    CLI_FMT_DOT = 1 << SP_FORMAT_DOT,
};

typedef struct cli_command_spec {
    const char *name;
    const char *operands;   /* "OLD NEW", "[OLD] NEW", "" */
    unsigned min_operands, max_operands;
    unsigned formats;       /* CLI_FMT_* bits; 0 = no --format */
    sp_format default_format;
    bool implemented;
    const char *summary;    /* one line, for the global help */
    const char *description;/* a paragraph, for `snipeproof CMD --help` */
} cli_command_spec;

typedef enum cli_option_id {
    OPT_FORMAT,
    OPT_PARAM,
    OPT_TYPES,
    OPT_TOPOLOGY,
    OPT_STRICT,
    OPT_ROLLBACK,
    OPT_TRANSITIVE,
    OPT_MAX_STATES,
    OPT_OUTPUT,
    OPT_IN_PLACE,
    OPT_JOBS,
    OPT_FORCE,
    OPT_DRY_RUN,
    OPT_JOURNAL,
    OPT_RESUME,
    OPT_BASE,
    OPT_NO_COLOR,
    OPT_QUIET,
    OPT_HELP,
    OPT_VERSION,
    OPT_NOPTIONS
} cli_option_id;

typedef struct cli_option_spec {
    cli_option_id id;
    const char *long_name;  /* without "--" */
    char short_name;        /* 0 when none */
    const char *arg;        /* name of its argument; NULL for a switch */
    unsigned commands;      /* bit per cli_command that accepts it */
    const char *help;
} cli_option_spec;

extern const cli_command_spec cli_commands[CLI_NCOMMANDS];
extern const cli_option_spec cli_options_table[OPT_NOPTIONS];

/* Everything the command line said. */
typedef struct cli_args {
    cli_command command;
    sp_format format;
    const char **params;    /* --param values, in order */
    size_t nparams;
    const char **types;     /* --types files, in order */
    size_t ntypes;
    const char **operands;
    size_t noperands;
    const char *output;     /* -o */
    unsigned long max_states; /* 0 = the library's default */
    bool strict, rollback, transitive, in_place, no_color, quiet;
    unsigned long jobs;     /* apply --jobs; 0 = a whole wave */
    const char *journal;    /* apply --journal */
    const char *topology;   /* --topology: OLD and NEW are guix deploy files */
    bool force, dry_run, resume;
    const char *base;       /* --base REV */
    /* What --base read (base.c): OLD's name, "REV:PATH", and its text;
     * base_absent when NEW's path does not exist at REV (OLD is empty). */
    const char *base_name;
    char *base_text;
    size_t base_len;
    bool base_absent;
} cli_args;

typedef enum cli_parse_result {
    CLI_PARSE_RUN,   /* run args->command */
    CLI_PARSE_DONE,  /* --help or --version was answered: exit 0 */
    CLI_PARSE_USAGE, /* a usage error was printed: exit 2 */
    CLI_PARSE_NOMEM,
} cli_parse_result;

/* Parses argv.  Options may come before or after the operands; `--` ends
 * the options.  Prints help, version and usage errors itself. */
cli_parse_result cli_parse(int argc, char **argv, cli_args *args);
/* The command called `name`, or -1. */
int cli_find_command(const char *name);
void cli_args_free(cli_args *args);

/* help.c */
void cli_print_usage(FILE *out);
void cli_print_help(FILE *out);
void cli_print_command_help(cli_command cmd, FILE *out);
void cli_print_version(FILE *out);
/* "snipeproof: CMD: message" and a hint to --help, on stderr. */
void cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* commands.c: each returns the exit status. */
sp_status cli_run_command(const cli_args *args);
/* base.c: reads OLD for --base from git (`git show REV:PATH` for NEW's
 * path) into args->base_*; prints why on stderr and returns false when it
 * cannot. */
bool cli_read_base(cli_args *args);
void cli_base_free(cli_args *args);
/* apply.c */
sp_status cli_cmd_apply(const cli_args *args);

#endif
