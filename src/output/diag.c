#include "snipeproof.h"

#include <stdio.h>

void sp_diag_print(const sp_diag *d, FILE *out, int color)
{
    static const char *words[] = {"error", "warning", "note"};
    static const char *colors[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};
    const char *word = words[d->severity <= SP_SEV_NOTE ? d->severity : 0];
    if (d->file)
        fprintf(out, "%s%s:%u:%u:%s ", color ? "\033[1m" : "", d->file, d->line, d->column,
                color ? "\033[0m" : "");
    else
        fprintf(out, "snipeproof: ");
    fprintf(out, "%s%s:%s %s\n", color ? colors[d->severity] : "", word,
            color ? "\033[0m" : "", d->message);
    if (!d->source_line)
        return;
    fprintf(out, "%5u | %s\n      | ", d->line, d->source_line);
    /* Align the caret by code points, keeping tabs so it lines up. */
    unsigned col = 1;
    for (const char *p = d->source_line; *p && col < d->column; p++) {
        if (((unsigned char)*p & 0xC0) == 0x80)
            continue;
        fputc(*p == '\t' ? '\t' : ' ', out);
        col++;
    }
    fputs(color ? "\033[1;32m" : "", out);
    fputc('^', out);
    for (unsigned i = 1; i < d->span && i < 200; i++)
        fputc('~', out);
    fputs(color ? "\033[0m\n" : "\n", out);
}
