/* Suppressions in a template: a resource's Metadata may accept windows of
 * its own, each with a reason,
 *
 *   Metadata:
 *     snipeproof:
 *       ignore:
 *         - kind: exposure-window            # or dangling-reference-window
 *           reason: "the office VPN is the only route to this host"
 *
 * Reading them is the front-end's part: it checks their shape (a positioned
 * error for anything else: an unknown key or kind, a missing or empty
 * reason) and records each one in the model for the component, with the
 * configuration whose text carries it.  Which findings they cover is
 * decided after the analysis (analysis/suppress.c). */
#include "template.h"

#include <string.h>

static const char *const KINDS_WORDS = "exposure-window or dangling-reference-window";
static const char *const KINDS_AND = "exposure-window and dangling-reference-window";

static bool blank(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n", *s))
            return false;
    return true;
}

/* One entry of `ignore`. */
static bool read_entry(sp_ctx *ctx, const cfn_resource *r, const sp_doc *item, uint32_t comp,
                       sp_version v, sp_model *m)
{
    if (item->kind != SP_DOC_MAP) {
        sp_error(ctx, sp_doc_loc(item),
                 "a suppression of '%s' is a map with 'kind' (%s) and 'reason'", r->id,
                 KINDS_WORDS);
        return false;
    }
    const sp_doc *kind = NULL, *reason = NULL;
    for (size_t i = 0; i < item->u.map.len; i++) {
        const sp_doc_pair *p = &item->u.map.pairs[i];
        if (sp_doc_text_eq(p->key, "kind"))
            kind = p->value;
        else if (sp_doc_text_eq(p->key, "reason"))
            reason = p->value;
        else {
            sp_error(ctx, sp_doc_loc(p->key),
                     "unknown key '%s' in a suppression (it takes 'kind' and 'reason')",
                     sp_doc_text(p->key) ? sp_doc_text(p->key) : "?");
            return false;
        }
    }
    if (!kind) {
        sp_error(ctx, sp_doc_loc(item), "this suppression of '%s' names no 'kind' (%s)", r->id,
                 KINDS_WORDS);
        return false;
    }
    unsigned kinds = sp_doc_text_eq(kind, "exposure-window")             ? SP_SUPPRESS_EXPOSURE
                     : sp_doc_text_eq(kind, "dangling-reference-window") ? SP_SUPPRESS_DANGLING
                                                                         : 0;
    if (!kinds || kind->kind != SP_DOC_STRING) {
        sp_error(ctx, sp_doc_loc(kind), "unknown window kind%s%s%s (the kinds are %s)",
                 sp_doc_text(kind) ? " '" : "", sp_doc_text(kind) ? sp_doc_text(kind) : "",
                 sp_doc_text(kind) ? "'" : "", KINDS_AND);
        return false;
    }
    if (!reason) {
        sp_error(ctx, sp_doc_loc(item),
                 "this suppression of '%s' has no 'reason': say why the window is acceptable",
                 r->id);
        return false;
    }
    if (reason->kind != SP_DOC_STRING || (reason->flags & SP_DOC_FROM_SHORT_TAG)) {
        sp_error(ctx, sp_doc_loc(reason), "the reason of a suppression is plain text");
        return false;
    }
    if (blank(sp_doc_text(reason))) {
        sp_error(ctx, sp_doc_loc(reason),
                 "the reason of a suppression is empty: say why the window is acceptable");
        return false;
    }
    sp_suppression s = {comp, v, kinds, sp_doc_text(reason), sp_doc_loc(item)};
    if (!sp_vec_push(&ctx->arena, &m->suppressions, s)) {
        sp_oom(ctx);
        return false;
    }
    return true;
}

bool cfn_read_suppressions(sp_ctx *ctx, const cfn_resource *r, uint32_t comp, sp_version v,
                           sp_model *m)
{
    const sp_doc *meta = cfn_res_of(r)->ref_sections[CFN_SEC_METADATA];
    const sp_doc_pair *own = sp_doc_get_pair(meta, "snipeproof");
    if (!own)
        return true;
    const sp_doc *sp = own->value;
    if (sp->kind != SP_DOC_MAP) {
        sp_error(ctx, sp_doc_loc(sp), "Metadata 'snipeproof' is a map with the key 'ignore'");
        return false;
    }
    for (size_t i = 0; i < sp->u.map.len; i++) {
        const sp_doc_pair *p = &sp->u.map.pairs[i];
        if (!sp_doc_text_eq(p->key, "ignore")) {
            sp_error(ctx, sp_doc_loc(p->key),
                     "unknown key '%s' in Metadata 'snipeproof' (it takes 'ignore')",
                     sp_doc_text(p->key) ? sp_doc_text(p->key) : "?");
            return false;
        }
        const sp_doc *list = p->value;
        if (list->kind != SP_DOC_SEQ) {
            sp_error(ctx, sp_doc_loc(list),
                     "'ignore' is a list of suppressions, each with 'kind' and 'reason'");
            return false;
        }
        for (size_t k = 0; k < list->u.seq.len; k++)
            if (!read_entry(ctx, r, list->u.seq.items[k], comp, v, m))
                return false;
    }
    return true;
}
