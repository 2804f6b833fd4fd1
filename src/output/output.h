/* Outputs: each format in its own file; none recomputes analysis results. */
#ifndef SP_OUTPUT_H
#define SP_OUTPUT_H

#include "../analysis/analysis.h"

#include <stdio.h>

typedef struct sp_output_options {
    bool color;
    bool quiet;
} sp_output_options;

void sp_render_check_text(const sp_report *r, const sp_output_options *o, FILE *out);
/* `reports` holds one report per direction (update, then rollback). */
void sp_render_check_json(const sp_report *const *reports, size_t n, FILE *out);
void sp_render_check_sarif(const sp_report *const *reports, size_t n, FILE *out);

#endif
