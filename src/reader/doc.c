/* STUB — replaced by the readers work. */
#include "doc.h"

#include <string.h>

const char *sp_doc_text(const sp_doc *d) { return sp_doc_is_scalar(d) ? d->u.scalar.text : NULL; }
bool sp_doc_text_eq(const sp_doc *d, const char *s) { const char *t = sp_doc_text(d); return t && !strcmp(t, s); }
sp_doc *sp_doc_get(const sp_doc *map, const char *key) { const sp_doc_pair *p = sp_doc_get_pair(map, key); return p ? p->value : NULL; }
const sp_doc_pair *sp_doc_get_pair(const sp_doc *map, const char *key)
{
    if (!map || map->kind != SP_DOC_MAP) return NULL;
    for (size_t i = 0; i < map->u.map.len; i++)
        if (sp_doc_text_eq(map->u.map.pairs[i].key, key)) return &map->u.map.pairs[i];
    return NULL;
}
bool sp_doc_equal(const sp_doc *a, const sp_doc *b) { (void)a; (void)b; return false; }
uint64_t sp_doc_hash(const sp_doc *d) { (void)d; return 0; }
sp_doc *sp_doc_new_scalar(sp_ctx *ctx, sp_doc_kind kind, const char *text, size_t len) { (void)ctx; (void)kind; (void)text; (void)len; return NULL; }
sp_doc *sp_doc_new(sp_ctx *ctx, sp_doc_kind kind) { (void)ctx; (void)kind; return NULL; }
sp_syntax sp_detect_syntax(const char *text, size_t len) { (void)text; (void)len; return SP_SYNTAX_YAML; }
sp_doc *sp_read_json(sp_ctx *ctx, uint32_t src) { sp_error(ctx, SP_NO_LOC, "json reader missing"); (void)src; return NULL; }
sp_doc *sp_read_yaml(sp_ctx *ctx, uint32_t src) { sp_error(ctx, SP_NO_LOC, "yaml reader missing"); (void)src; return NULL; }
sp_doc *sp_read_document(sp_ctx *ctx, uint32_t src) { return sp_read_yaml(ctx, src); }
