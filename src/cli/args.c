/* The command line's shape: which commands exist, which options each one
 * takes, and the parser.  Help texts (help.c) are generated from the same
 * tables, so what --help says and what the parser accepts cannot drift. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CMD(c) (1u << (c))
#define ANALYSES (CMD(CLI_CHECK) | CMD(CLI_PLAN) | CMD(CLI_FIX) | CMD(CLI_GRAPH) | CMD(CLI_MODEL))
#define ALL ((1u << CLI_NCOMMANDS) - 1)

const cli_command_spec cli_commands[CLI_NCOMMANDS] = {
    [CLI_CHECK] = {"check", "OLD NEW", 2, 2, CLI_FMT_TEXT | CLI_FMT_JSON | CLI_FMT_SARIF,
                   SP_FORMAT_TEXT, true, "report the sniping windows of an update",
                   "Reports the sniping windows of the update from OLD to NEW: intermediate\n"
                   "states in which a component can be reached in a way that its own\n"
                   "configuration never allowed (exposure windows), or refers to a globally\n"
                   "claimable name that nobody owns at that moment (dangling-reference\n"
                   "windows).  Each window comes with its location, the excess access, the\n"
                   "path from the internet, the order of events that opens it, and the order\n"
                   "that avoids it.  With --rollback the roll-back from NEW to OLD is\n"
                   "analysed too and reported separately."},
    [CLI_PLAN] = {"plan", "OLD NEW", 2, 2, CLI_FMT_TEXT | CLI_FMT_JSON, SP_FORMAT_TEXT, true,
                  "compute a safe order: extra edges, waves or phases",
                  "Computes a safe way to apply the update from OLD to NEW: the extra\n"
                  "ordering edges (DependsOn) that leave no window and the waves of events\n"
                  "that may run in parallel; or, when no order is safe, a sequence of\n"
                  "intermediate configurations (steps, each applied as its own update);\n"
                  "or the components that make it impossible.  With --rollback the\n"
                  "roll-back from NEW to OLD is planned too."},
    [CLI_FIX] = {"fix", "OLD NEW", 2, 2, 0, SP_FORMAT_TEXT, true,
                 "write NEW with the extra DependsOn that close the windows",
                 "Writes NEW to OUT with the extra DependsOn entries (`after:` lists in\n"
                 "topology files) that the plan needs, changing only the lines it must add:\n"
                 "comments, layout, quoting and key order stay as they were.  When only a\n"
                 "phased update is safe, it writes one file per step, to deploy in turn:\n"
                 "OUT.phase1.EXT, OUT.phase2.EXT, ... (OUT without its extension, EXT\n"
                 "NEW's), then OUT for the last step.  A safe update gives a copy of NEW;\n"
                 "an impossible one is explained and nothing is written.  Every file is\n"
                 "re-checked before any is written, and written atomically.  The inputs\n"
                 "are never modified, except NEW with --in-place.  Exit status as for\n"
                 "'plan' (nothing is written on status 2 or 3)."},
    [CLI_GRAPH] = {"graph", "[OLD] NEW", 1, 2, CLI_FMT_DOT, SP_FORMAT_DOT, true,
                   "draw a configuration or an update as Graphviz DOT",
                   "Prints the reachability graph of NEW, or of the update from OLD to NEW,\n"
                   "as Graphviz DOT (render it with, e.g., `dot -Tsvg`).  One configuration:\n"
                   "the internet, every component (logical ID and type; unmodelled types\n"
                   "dashed), and every edge labelled with what it admits and the guards\n"
                   "that filter it.  An update: OLD's and NEW's instances side by side\n"
                   "(unchanged ones once), the edges of both (red: OLD only, blue: NEW\n"
                   "only), and the engine's events and their order as dashed edges."},
    [CLI_APPLY] = {"apply", "OLD NEW", 2, 2, 0, SP_FORMAT_TEXT, true,
                   "run a host rollout in safe waves (topology files)",
                   "Runs the `deploy` command of each changed host of a topology update\n"
                   "(no shell; relative programs and the working directory are NEW's\n"
                   "folder), wave by wave in the order 'plan' gives, the hosts of a wave in\n"
                   "parallel, each output line prefixed with its host.  It refuses to start\n"
                   "when no order makes the update safe in one rollout, stops before the\n"
                   "next wave when a host fails (exit status 5), and records every finished\n"
                   "host in a journal (NEW.journal) so that --resume continues where it\n"
                   "stopped and --rollback runs OLD's deploy commands for the hosts done, in\n"
                   "a safe order.  SIGINT or SIGTERM stops new hosts from starting; running\n"
                   "ones are waited for and recorded.  With --topology, OLD and NEW are guix\n"
                   "deploy files, and each machine is updated by a `guix deploy` of its own\n"
                   "(docs/GUIX.md)."},
    [CLI_TYPES] = {"types", "", 0, 0, CLI_FMT_TEXT | CLI_FMT_JSON, SP_FORMAT_TEXT, true,
                   "list the type catalogue and how each type is modelled",
                   "Lists the resource types snipeproof models (the built-in catalogue and\n"
                   "any --types files) and how each one affects reachability."},
    [CLI_MODEL] = {"model", "OLD NEW", 2, 2, 0, SP_FORMAT_TEXT, true,
                   "dump the model of an update (tests and debugging)",
                   "Prints the model of the update from OLD to NEW: components and how they\n"
                   "change, instances with their dependencies and reachability facts,\n"
                   "events and the engine's order.  The format is line oriented and\n"
                   "deterministic, for tests and debugging; it is not a stable interface."},
    [CLI_HELP] = {"help", "[COMMAND]", 0, 1, 0, SP_FORMAT_TEXT, true, "show help on a command",
                  "Shows the help of COMMAND, or the list of commands."},
};

const cli_option_spec cli_options_table[OPT_NOPTIONS] = {
    {OPT_FORMAT, "format", 0, "FORMAT",
     CMD(CLI_CHECK) | CMD(CLI_PLAN) | CMD(CLI_GRAPH) | CMD(CLI_TYPES), "output format"},
    {OPT_PARAM, "param", 0, "NAME=VALUE", ANALYSES,
     "value of a template parameter (repeatable); overrides its default"},
    {OPT_TYPES, "types", 0, "FILE", ANALYSES | CMD(CLI_TYPES),
     "a type catalogue file whose entries add to or override the built-in ones "
     "(repeatable)"},
    {OPT_TOPOLOGY, "topology", 0, "FILE",
     CMD(CLI_CHECK) | CMD(CLI_PLAN) | CMD(CLI_GRAPH) | CMD(CLI_APPLY) | CMD(CLI_MODEL),
     "the topology file of the network between the machines of guix deploy files; "
     "OLD and NEW are then deploy files (docs/GUIX.md)"},
    {OPT_STRICT, "strict", 0, NULL, ANALYSES,
     "resources of unknown types are errors, not just reported and counted"},
    {OPT_ROLLBACK, "rollback", 0, NULL, CMD(CLI_CHECK) | CMD(CLI_PLAN) | CMD(CLI_APPLY),
     "also analyse the roll-back from NEW to OLD, reported separately (apply: roll "
     "back the hosts the journal records as done, running OLD's deploy commands)"},
    {OPT_TRANSITIVE, "assume-transitive-order", 0, NULL,
     CMD(CLI_CHECK) | CMD(CLI_PLAN) | CMD(CLI_FIX) | CMD(CLI_MODEL),
     "assume that a chain of dependencies through an unchanged component "
     "orders its ends (by default it does not)"},
    {OPT_MAX_STATES, "max-states", 0, "N",
     CMD(CLI_CHECK) | CMD(CLI_PLAN) | CMD(CLI_FIX) | CMD(CLI_APPLY),
     "evaluate at most N states in the window search; beyond that the "
     "result is incomplete (exit status 3)"},
    {OPT_OUTPUT, "output", 'o', "OUT", CMD(CLI_FIX), "where to write the fixed template"},
    {OPT_IN_PLACE, "in-place", 0, NULL, CMD(CLI_FIX), "rewrite NEW itself (atomically)"},
    {OPT_JOBS, "jobs", 'j', "N", CMD(CLI_APPLY),
     "run at most N hosts of a wave at once (default: the whole wave)"},
    {OPT_FORCE, "force", 0, NULL, CMD(CLI_APPLY),
     "run even when no order is safe, in the order the topology declares; the "
     "windows accepted are printed first"},
    {OPT_DRY_RUN, "dry-run", 'n', NULL, CMD(CLI_APPLY),
     "print the waves and the commands; run nothing"},
    {OPT_JOURNAL, "journal", 0, "FILE", CMD(CLI_APPLY),
     "the rollout's journal (default: NEW's path with .journal added)"},
    {OPT_RESUME, "resume", 0, NULL, CMD(CLI_APPLY),
     "continue the rollout the journal records, skipping the hosts done"},
    {OPT_BASE, "base", 0, "REV",
     CMD(CLI_CHECK) | CMD(CLI_PLAN) | CMD(CLI_FIX) | CMD(CLI_GRAPH) | CMD(CLI_MODEL),
     "read OLD from git: NEW's path as of revision REV (`git show REV:PATH`); "
     "then NEW is the only operand"},
    {OPT_NO_COLOR, "no-color", 0, NULL, ALL & ~CMD(CLI_HELP),
     "never use colour (colour is used only when writing to a terminal "
     "and NO_COLOR is not set)"},
    {OPT_QUIET, "quiet", 'q', NULL,
     CMD(CLI_CHECK) | CMD(CLI_PLAN) | CMD(CLI_FIX) | CMD(CLI_APPLY) | CMD(CLI_TYPES),
     "print the findings only (plan: the verdict and edges only): no summary, no "
     "warnings"},
    {OPT_HELP, "help", 'h', NULL, ALL, "show this help and exit"},
    {OPT_VERSION, "version", 0, NULL, ALL, "show the version and exit"},
};

/* One option as it appeared on the command line. */
typedef struct seen_option {
    const cli_option_spec *spec;
    bool short_form;      /* spelt "-o" rather than "--output" */
    const char *value;
} seen_option;

static const char *spelling(const seen_option *o, char *buf, size_t size)
{
    if (o->short_form)
        snprintf(buf, size, "-%c", o->spec->short_name);
    else
        snprintf(buf, size, "--%s", o->spec->long_name);
    return buf;
}

static const cli_option_spec *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < OPT_NOPTIONS; i++)
        if (strlen(cli_options_table[i].long_name) == len &&
            !strncmp(cli_options_table[i].long_name, name, len))
            return &cli_options_table[i];
    return NULL;
}

static const cli_option_spec *find_short(char c)
{
    for (size_t i = 0; i < OPT_NOPTIONS; i++)
        if (cli_options_table[i].short_name == c)
            return &cli_options_table[i];
    return NULL;
}

int cli_find_command(const char *name)
{
    for (int i = 0; i < CLI_NCOMMANDS; i++)
        if (!strcmp(cli_commands[i].name, name))
            return i;
    return -1;
}

/* The first problem found while splitting argv, reported once the command
 * is known (so the message can name it) and unless --help was asked. */
typedef struct problem {
    char text[256];
    bool set;
} problem;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void note_problem(problem *p, const char *fmt, ...)
{
    if (p->set)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->text, sizeof p->text, fmt, ap);
    va_end(ap);
    p->set = true;
}

static bool parse_format(const char *s, sp_format *out)
{
    static const char *names[] = {"text", "json", "sarif", "dot"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *out = (sp_format)i;
            return true;
        }
    return false;
}

/* "text, json or sarif". */
static void format_list(unsigned formats, char *buf, size_t size)
{
    static const char *names[] = {"text", "json", "sarif", "dot"};
    int total = 0, k = 0;
    for (int i = 0; i < 4; i++)
        total += (formats >> i) & 1;
    buf[0] = '\0';
    for (int i = 0; i < 4; i++)
        if (formats & (1u << i)) {
            size_t len = strlen(buf);
            snprintf(buf + len, size - len, "%s%s", k == 0 ? "" : k + 1 == total ? " or " : ", ",
                     names[i]);
            k++;
        }
}

static bool parse_count(const char *s, unsigned long *out)
{
    if (!*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v == 0)
        return false;
    *out = v;
    return true;
}

/* Applies the options that were seen to `a`, for command `cmd`. */
static bool apply_options(const seen_option *seen, size_t nseen, cli_command cmd, cli_args *a)
{
    const cli_command_spec *c = &cli_commands[cmd];
    a->format = c->default_format;
    for (size_t i = 0; i < nseen; i++) {
        const seen_option *o = &seen[i];
        if (!(o->spec->commands & CMD(cmd))) {
            char buf[48];
            cli_usage_error(c->name, "option '%s' does not apply to '%s'",
                            spelling(o, buf, sizeof buf), c->name);
            return false;
        }
        switch (o->spec->id) {
        case OPT_FORMAT: {
            sp_format f;
            bool known = parse_format(o->value, &f);
            if (!known || !(c->formats & (1u << f))) {
                char list[64];
                format_list(c->formats, list, sizeof list);
                if (known)
                    cli_usage_error(c->name, "cannot write %s (it writes %s)", o->value, list);
                else
                    cli_usage_error(c->name, "unknown format '%s' (%s writes %s)", o->value,
                                    c->name, list);
                return false;
            }
            a->format = f;
            break;
        }
        case OPT_PARAM:
            a->params[a->nparams++] = o->value;
            break;
        case OPT_TYPES:
            a->types[a->ntypes++] = o->value;
            break;
        case OPT_TOPOLOGY:
            if (!*o->value) {
                cli_usage_error(c->name, "--topology wants a topology file");
                return false;
            }
            a->topology = o->value;
            break;
        case OPT_STRICT:
            a->strict = true;
            break;
        case OPT_ROLLBACK:
            a->rollback = true;
            break;
        case OPT_TRANSITIVE:
            a->transitive = true;
            break;
        case OPT_MAX_STATES:
            if (!parse_count(o->value, &a->max_states)) {
                cli_usage_error(c->name, "--max-states wants a positive whole number, not '%s'",
                                o->value);
                return false;
            }
            break;
        case OPT_OUTPUT:
            a->output = o->value;
            break;
        case OPT_IN_PLACE:
            a->in_place = true;
            break;
        case OPT_JOBS:
            if (!parse_count(o->value, &a->jobs) || a->jobs > 1000000) {
                cli_usage_error(c->name, "--jobs wants a positive whole number, not '%s'",
                                o->value);
                return false;
            }
            break;
        case OPT_FORCE:
            a->force = true;
            break;
        case OPT_DRY_RUN:
            a->dry_run = true;
            break;
        case OPT_JOURNAL:
            a->journal = o->value;
            break;
        case OPT_RESUME:
            a->resume = true;
            break;
        case OPT_BASE:
            if (!*o->value) {
                cli_usage_error(c->name, "--base wants a git revision (origin/main, HEAD)");
                return false;
            }
            a->base = o->value;
            break;
        case OPT_NO_COLOR:
            a->no_color = true;
            break;
        case OPT_QUIET:
            a->quiet = true;
            break;
        default:
            break;
        }
    }
    return true;
}

static bool check_operands(cli_command cmd, const cli_args *a)
{
    const cli_command_spec *c = &cli_commands[cmd];
    if (a->base) {
        /* OLD comes from git: NEW alone. */
        if (a->noperands != 1) {
            if (a->noperands == 0)
                cli_usage_error(c->name, "missing operand: with --base, give NEW");
            else
                cli_usage_error(c->name, "with --base, give NEW only (OLD is its version "
                                         "at the revision), but was given '%s'",
                                a->operands[1]);
            return false;
        }
        if (!*a->operands[0]) {
            cli_usage_error(c->name, "--base needs NEW as a file in a git repository");
            return false;
        }
    }
    if (!a->base && a->noperands < c->min_operands) {
        cli_usage_error(c->name, "missing operand: expects %s", c->operands);
        return false;
    }
    if (!a->base && a->noperands > c->max_operands) {
        if (c->max_operands == 0)
            cli_usage_error(c->name, "takes no operands, but was given '%s'", a->operands[0]);
        else
            cli_usage_error(c->name, "too many operands: expects %s, but was given '%s'",
                            c->operands, a->operands[c->max_operands]);
        return false;
    }
    if (cmd == CLI_FIX && !a->output == !a->in_place) {
        cli_usage_error(c->name, a->output ? "-o and --in-place exclude each other"
                                           : "needs -o OUT, or --in-place");
        return false;
    }
    if (cmd == CLI_APPLY && a->resume && a->rollback) {
        cli_usage_error(c->name, "--resume and --rollback exclude each other");
        return false;
    }
    if (cmd == CLI_HELP && a->noperands && cli_find_command(a->operands[0]) < 0) {
        cli_usage_error(NULL, "no help on '%s': there is no such command", a->operands[0]);
        return false;
    }
    return true;
}

void cli_args_free(cli_args *a)
{
    free(a->params);
    free(a->types);
    free(a->operands);
    memset(a, 0, sizeof *a);
}

cli_parse_result cli_parse(int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    if (argc < 2) {
        cli_print_usage(stderr);
        return CLI_PARSE_USAGE;
    }
    size_t n = (size_t)argc;
    seen_option *seen = calloc(n, sizeof *seen);
    a->params = calloc(n, sizeof *a->params);
    a->types = calloc(n, sizeof *a->types);
    a->operands = calloc(n, sizeof *a->operands);
    if (!seen || !a->params || !a->types || !a->operands) {
        free(seen);
        cli_args_free(a);
        return CLI_PARSE_NOMEM;
    }
    size_t nseen = 0;
    const char *command = NULL;
    cli_option_id asked = OPT_NOPTIONS; /* --help or --version, the first one */
    problem p = {{0}, false};
    bool options_end = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_end || arg[0] != '-' || !arg[1]) {
            if (!command)
                command = arg;
            else
                a->operands[a->noperands++] = arg;
            continue;
        }
        if (!strcmp(arg, "--")) {
            options_end = true;
            continue;
        }
        if (arg[1] == '-') {
            const char *name = arg + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const cli_option_spec *spec = find_long(name, len);
            if (!spec) {
                note_problem(&p, "unknown option '--%.*s'", (int)len, name);
                continue;
            }
            seen_option o = {spec, false, NULL};
            if (spec->arg && eq)
                o.value = eq + 1;
            else if (spec->arg && i + 1 < argc)
                o.value = argv[++i];
            else if (spec->arg) {
                note_problem(&p, "option '%s' needs an argument", arg);
                continue;
            } else if (eq) {
                note_problem(&p, "option '--%s' takes no argument", spec->long_name);
                continue;
            }
            seen[nseen++] = o;
            if ((spec->id == OPT_HELP || spec->id == OPT_VERSION) && asked == OPT_NOPTIONS)
                asked = spec->id;
            continue;
        }
        /* Short options, possibly clustered (-qo OUT, -oOUT). */
        for (const char *s = arg + 1; *s; s++) {
            const cli_option_spec *spec = find_short(*s);
            if (!spec) {
                char bad[3] = {'-', *s, '\0'};
                note_problem(&p, "unknown option '%s'", bad);
                break;
            }
            seen_option o = {spec, true, NULL};
            if (spec->arg) {
                if (s[1])
                    o.value = s + 1;
                else if (i + 1 < argc)
                    o.value = argv[++i];
                else {
                    note_problem(&p, "option '-%c' needs an argument", *s);
                    break;
                }
                seen[nseen++] = o;
                break;
            }
            seen[nseen++] = o;
            if (spec->id == OPT_HELP && asked == OPT_NOPTIONS)
                asked = OPT_HELP;
        }
    }

    int cmd = command ? cli_find_command(command) : -1;
    cli_parse_result result = CLI_PARSE_USAGE;
    if (asked == OPT_HELP) {
        if (cmd == CLI_HELP && a->noperands && cli_find_command(a->operands[0]) >= 0)
            cli_print_command_help((cli_command)cli_find_command(a->operands[0]), stdout);
        else if (cmd >= 0 && cmd != CLI_HELP)
            cli_print_command_help((cli_command)cmd, stdout);
        else
            cli_print_help(stdout);
        result = CLI_PARSE_DONE;
    } else if (asked == OPT_VERSION) {
        cli_print_version(stdout);
        result = CLI_PARSE_DONE;
    } else if (command && cmd < 0) {
        cli_usage_error(NULL, "unknown command '%s'", command);
    } else if (p.set) {
        cli_usage_error(cmd >= 0 ? cli_commands[cmd].name : NULL, "%s", p.text);
    } else if (!command) {
        cli_usage_error(NULL, "no command given");
    } else if (apply_options(seen, nseen, (cli_command)cmd, a) &&
               check_operands((cli_command)cmd, a)) {
        a->command = (cli_command)cmd;
        result = CLI_PARSE_RUN;
    }
    free(seen);
    if (result != CLI_PARSE_RUN)
        cli_args_free(a);
    return result;
}
