/* SARIF `fixes` from a finding's ordering edges (sarif_fix.c). */
#ifndef SP_OUTPUT_SARIF_FIX_H
#define SP_OUTPUT_SARIF_FIX_H

#include "../analysis/analysis.h"

#include <jansson.h>
#include <stdbool.h>

/* The target configuration's text, opened on first use and kept for the
 * findings of one report. */
typedef struct sp_sarif_fixer {
    const sp_model *m;
    bool opened;
    uint32_t src;
    const struct sp_ptext *pt;
} sp_sarif_fixer;

void sp_sarif_fixer_init(sp_sarif_fixer *fx, const sp_model *m);

/* The `fixes` array of finding `f` (one fix per edge of f->fix whose edit
 * can be written), or NULL when there is none; `uri_of` turns a path into
 * an artifact URI.  Clears *ok when out of memory. */
json_t *sp_sarif_fixes(sp_sarif_fixer *fx, const sp_update *u, const sp_finding *f,
                       json_t *(*uri_of)(const char *path), bool *ok);

#endif
