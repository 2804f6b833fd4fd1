/* Help and usage texts, generated from the tables in args.c. */
#include "cli.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

enum { OPTION_COLUMN = 33, WIDTH = 79 };

static const char *format_names[] = {"text", "json", "sarif", "dot"};

void cli_print_version(FILE *out)
{
    fprintf(out, "snipeproof %s\n", SP_VERSION_STRING);
}

void cli_print_usage(FILE *out)
{
    fputs("usage: snipeproof COMMAND [OPTION]... [FILE]...\n"
          "Try 'snipeproof --help' for the commands and options.\n",
          out);
}

void cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("snipeproof: ", stderr);
    if (command)
        fprintf(stderr, "%s: ", command);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (command)
        fprintf(stderr, "\nTry 'snipeproof %s --help'.\n", command);
    else
        fputs("\nTry 'snipeproof --help'.\n", stderr);
}

/* Prints `text` from column `col` on, words filled up to WIDTH columns,
 * every further line indented to column `indent` (a '\n' in the text
 * forces a new line). */
static void print_wrapped(FILE *out, int col, int indent, const char *text)
{
    if (col >= indent) {
        fputc('\n', out);
        col = 0;
    }
    fprintf(out, "%*s", indent - col, "");
    col = indent;
    bool line_start = true;
    for (const char *p = text; *p;) {
        if (*p == '\n') {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
            line_start = true;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        int len = (int)strcspn(p, " \n");
        if (!line_start && col + 1 + len > WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
            line_start = true;
        }
        if (!line_start) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, (size_t)len, out);
        col += len;
        line_start = false;
        p += len;
    }
    fputc('\n', out);
}

static void print_option(FILE *out, const cli_option_spec *o, const cli_command_spec *c)
{
    int col = 0;
    if (o->short_name)
        col += fprintf(out, "  -%c, --%s", o->short_name, o->long_name);
    else
        col += fprintf(out, "      --%s", o->long_name);
    if (o->arg)
        col += fprintf(out, " %s", o->arg);
    if (o->id != OPT_FORMAT || !c) {
        print_wrapped(out, col, OPTION_COLUMN, o->help);
        return;
    }
    /* --format: the formats of this command, the default first. */
    char text[128];
    int len = snprintf(text, sizeof text, "%s: %s (default)", o->help,
                       format_names[c->default_format]);
    for (int f = 0; f < 4; f++)
        if ((c->formats & (1u << f)) && f != (int)c->default_format)
            len += snprintf(text + len, sizeof text - (size_t)len, ", %s", format_names[f]);
    print_wrapped(out, col, OPTION_COLUMN, text);
}

void cli_print_help(FILE *out)
{
    fputs("usage: snipeproof COMMAND [OPTION]... [FILE]...\n"
          "\n"
          "Finds sniping windows in infrastructure updates: the intermediate states of\n"
          "an update in which a component can be reached in a way neither its old nor\n"
          "its new configuration allows, or refers to a name that anyone could claim.\n"
          "Inputs are CloudFormation templates (JSON or YAML) or snipeproof topology\n"
          "files; their kind is recognised from their content.\n"
          "\n"
          "Commands:\n",
          out);
    for (int i = 0; i < CLI_NCOMMANDS; i++) {
        const cli_command_spec *c = &cli_commands[i];
        int col = fprintf(out, "  %s %s", c->name, c->operands);
        char text[160];
        snprintf(text, sizeof text, "%s%s", c->summary,
                 c->implemented ? "" : " (not implemented yet)");
        print_wrapped(out, col, 22, text);
    }
    fputs("\nOptions (each command takes those that apply to it):\n", out);
    for (int i = 0; i < OPT_NOPTIONS; i++)
        print_option(out, &cli_options_table[i], NULL);
    fputs("\n"
          "Options may come before or after the files; '--' ends the options.\n"
          "\n"
          "Exit status: 0 no window (or a safe single-phase plan exists), 1 windows\n"
          "found, 2 usage or input error (nothing is written to standard output),\n"
          "3 incomplete (a bound stopped the search), 4 internal error, 5 'apply'\n"
          "stopped part-way (a deploy command failed, or a signal).\n"
          "\n"
          "Run 'snipeproof COMMAND --help' for the options of one command, and\n"
          "'man snipeproof' for the whole manual.\n",
          out);
}

void cli_print_command_help(cli_command cmd, FILE *out)
{
    const cli_command_spec *c = &cli_commands[cmd];
    fprintf(out, "usage: snipeproof %s [OPTION]...%s%s\n\n%s\n", c->name, *c->operands ? " " : "",
            c->operands, c->description);
    if (!c->implemented)
        fprintf(out, "\nNot implemented yet: '%s' checks its command line, then exits with\n"
                     "status 2 without doing anything.\n",
                c->name);
    fputs("\nOptions:\n", out);
    for (int i = 0; i < OPT_NOPTIONS; i++)
        if (cli_options_table[i].commands & (1u << cmd))
            print_option(out, &cli_options_table[i], c);
    if (cmd == CLI_CHECK)
        fputs("\nExit status: 0 no window, 1 windows found, 2 usage or input error,\n"
              "3 incomplete (a bound stopped the search), 4 internal error.\n",
              out);
    else if (cmd == CLI_APPLY)
        fputs("\nExit status: 0 every host done (or nothing to do), 1 refused: no order\n"
              "makes the update safe in one rollout (see --force), 2 usage or input\n"
              "error (nothing was run), 3 refused: the search stopped at a bound, 4\n"
              "internal error, 5 stopped part-way: a deploy command failed or a signal\n"
              "arrived (the journal records how far it got).\n",
              out);
    else if (cmd == CLI_PLAN)
        fputs("\nExit status: 0 a safe single-phase plan exists, 1 only a multi-phase\n"
              "plan exists, or none, 2 usage or input error, 3 incomplete, 4 internal\n"
              "error.\n",
              out);
}
