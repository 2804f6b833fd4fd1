/* snipeproof: finds and removes sniping windows in infrastructure updates.
 *
 * The program is thin on purpose: arguments in (args.c), one library call
 * sequence per command (commands.c), exit status out.  Every exit status
 * is an sp_status (snipeproof.h):
 *   0 no window, 1 windows, 2 usage or input error, 3 incomplete,
 *   4 internal error. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Output that did not reach its destination (a full disk, a closed pipe)
 * must not look like success. */
static sp_status flush_stdout(sp_status st)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return st;
    fprintf(stderr, "snipeproof: cannot write the output: %s\n", strerror(errno));
    return SP_INTERNAL;
}

int main(int argc, char **argv)
{
    cli_args args;
    switch (cli_parse(argc, argv, &args)) {
    case CLI_PARSE_DONE:
        return (int)flush_stdout(SP_OK);
    case CLI_PARSE_USAGE:
        return SP_INPUT_ERROR;
    case CLI_PARSE_NOMEM:
        fputs("snipeproof: out of memory\n", stderr);
        return SP_INTERNAL;
    case CLI_PARSE_RUN:
        break;
    }
    sp_status st = cli_run_command(&args);
    cli_args_free(&args);
    return (int)flush_stdout(st);
}
