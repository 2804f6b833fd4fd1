/* SARIF `fixes`: each ordering edge of a finding's fix list, as the edit of
 * the target configuration's file that declares it (CloudFormation: add
 * FIRST to the DependsOn of THEN; topology: to its after: list).
 *
 * The edit comes from the same code that `snipeproof fix` writes files with
 * (patch.h: the dependency merge that keeps the file's format, comments
 * and layout); here the patched text is compared with the original and
 * the differing stretch becomes one SARIF replacement (a deleted region
 * and the text inserted there).  Each edge is a separate fix: the edges of
 * one finding are alternatives. */
#include "sarif_fix.h"

#include "json_build.h"
#include "patch.h"
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sp_sarif_fixer_init(sp_sarif_fixer *fx, const sp_model *m)
{
    memset(fx, 0, sizeof *fx);
    fx->m = m;
}

/* The text of the target configuration, opened once; NULL when there is
 * none to edit (no position, or a text that is no file: OLD from git). */
static const sp_ptext *target(sp_sarif_fixer *fx, uint32_t comp)
{
    const sp_model *m = fx->m;
    if (comp >= m->components.len)
        return NULL;
    sp_loc loc = m->components.items[comp].loc_new;
    if (loc.src == SP_NO_SOURCE)
        return NULL;
    const char *file = sp_loc_file(m->ctx, loc);
    if (!file || (m->text_input && !strcmp(file, m->text_input)))
        return NULL;
    if (fx->opened && fx->src == loc.src)
        return fx->pt;
    fx->opened = true;
    fx->src = loc.src;
    /* Reading it again cannot fail where the front-end read it; if it
     * does, there is simply no fix to offer. */
    sp_diag_mark d = sp_diag_get_mark(m->ctx);
    fx->pt = sp_ptext_open(m->ctx, loc.src);
    sp_diag_rewind(m->ctx, d);
    return fx->pt;
}

static json_t *position(const sp_ctx *ctx, uint32_t src, size_t off, const char *line_key,
                        const char *col_key, json_t *region, bool *ok)
{
    sp_loc loc = {src, (uint32_t)off, 0};
    unsigned line = 1, col = 1;
    sp_loc_line_col(ctx, loc, &line, &col);
    sp_json_put(region, line_key, json_integer(line ? line : 1), ok);
    sp_json_put(region, col_key, json_integer(col ? col : 1), ok);
    return region;
}

/* One fix: `text` (the patched file) against pt's text. */
static json_t *one_fix(const sp_sarif_fixer *fx, const sp_ptext *pt, const char *text,
                       size_t len, const char *description, json_t *uri)
{
    size_t p = 0, q = 0, n = pt->len;
    while (p < n && p < len && pt->text[p] == text[p])
        p++;
    while (q < n - p && q < len - p && pt->text[n - 1 - q] == text[len - 1 - q])
        q++;
    /* Whole characters only. */
    while (p > 0 && ((unsigned char)pt->text[p] & 0xC0) == 0x80)
        p--;
    while (q > 0 && n - q < n && ((unsigned char)pt->text[n - q] & 0xC0) == 0x80)
        q--;
    if (p == n && p == len) {
        json_decref(uri);
        return NULL; /* nothing to change: already declared */
    }
    json_t *fix = json_object(), *desc = json_object(), *changes = json_array(),
           *change = json_object(), *art = json_object(), *reps = json_array(),
           *rep = json_object(), *region = json_object(), *ins = json_object();
    bool ok = fix && desc && changes && change && art && reps && rep && region && ins;
    sp_json_put(desc, "text", sp_json_text(description), &ok);
    sp_json_put(fix, "description", desc, &ok);
    sp_json_put(art, "uri", uri, &ok);
    sp_json_put(change, "artifactLocation", art, &ok);
    position(fx->m->ctx, pt->src, p, "startLine", "startColumn", region, &ok);
    position(fx->m->ctx, pt->src, n - q, "endLine", "endColumn", region, &ok);
    sp_json_put(rep, "deletedRegion", region, &ok);
    char *inserted = malloc(len - q - p + 1);
    if (inserted) {
        memcpy(inserted, text + p, len - q - p);
        inserted[len - q - p] = '\0';
    }
    sp_json_put(ins, "text", sp_json_text(inserted), &ok);
    free(inserted);
    sp_json_put(rep, "insertedContent", ins, &ok);
    sp_json_push(reps, rep, &ok);
    sp_json_put(change, "replacements", reps, &ok);
    sp_json_push(changes, change, &ok);
    sp_json_put(fix, "artifactChanges", changes, &ok);
    if (ok)
        return fix;
    json_decref(fix);
    return NULL;
}

json_t *sp_sarif_fixes(sp_sarif_fixer *fx, const sp_update *u, const sp_finding *f,
                       json_t *(*uri_of)(const char *path), bool *ok)
{
    const sp_model *m = fx->m;
    json_t *fixes = NULL;
    const sp_patch_profile *prof =
        m->engine == SP_ENGINE_FLEET ? &sp_profile_topology : &sp_profile_cfn;
    for (size_t i = 0; i < f->nfix && *ok; i++) {
        const sp_edge_hint *e = &f->fix[i];
        const sp_ptext *pt = target(fx, e->then);
        if (!pt || e->first >= m->components.len)
            continue;
        const char *first = m->components.items[e->first].key;
        sp_dep_add add = {m->components.items[e->then].key, &first, 1};
        size_t len = 0;
        /* What the merge reports is not the user's business: a shape it
         * cannot extend only means that there is no fix. */
        sp_diag_mark d = sp_diag_get_mark(m->ctx);
        char *text = sp_patch_deps(pt, prof, &add, 1, &len);
        sp_diag_rewind(m->ctx, d);
        if (!text)
            continue;
        char *desc = NULL;
        size_t size = 0;
        FILE *s = open_memstream(&desc, &size);
        if (!s) {
            *ok = false;
            break;
        }
        sp_say_edge(s, u, e);
        fclose(s);
        json_t *fix = one_fix(fx, pt, text, len, desc ? desc : "",
                              uri_of(sp_loc_file(m->ctx, m->components.items[e->then].loc_new)));
        free(desc);
        if (!fix)
            continue;
        if (!fixes && !(fixes = json_array())) {
            json_decref(fix);
            *ok = false;
            break;
        }
        sp_json_push(fixes, fix, ok);
    }
    return fixes;
}
