/* snipeproof command line: parses arguments and calls the library. */
#include "snipeproof.h"

#include <stdio.h>
#include <string.h>

static void print_diags(const sp_run *run)
{
    for (size_t i = 0; i < sp_run_diag_count(run); i++)
        sp_diag_print(sp_run_diag(run, i), stderr, 0);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help")) {
        puts("usage: snipeproof check OLD NEW");
        return argc < 2 ? SP_INPUT_ERROR : SP_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        puts("snipeproof " SP_VERSION_STRING);
        return SP_OK;
    }
    if (strcmp(argv[1], "check") || argc != 4) {
        fprintf(stderr, "snipeproof: usage: snipeproof check OLD NEW\n");
        return SP_INPUT_ERROR;
    }
    sp_run *run = sp_run_new();
    if (!run)
        return SP_INTERNAL;
    sp_status st = sp_run_load(run, argv[2], argv[3], SP_UPDATE);
    if (st == SP_OK)
        st = sp_run_check(run);
    print_diags(run);
    if (st == SP_OK || st == SP_WINDOWS || st == SP_INCOMPLETE)
        sp_run_render(run, SP_FORMAT_TEXT, stdout);
    sp_run_free(run);
    return (int)st;
}
