/* Invariants every harness checks on what a reader returns; a violation
 * aborts, so libFuzzer keeps the input as a crash. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include "reader/doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)                                                          \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                     \
            abort();                                                               \
        }                                                                          \
    } while (0)

/* Short tags add up to two nodes per source level. */
enum { FUZZ_MAX_TREE_DEPTH = 3 * SP_MAX_DEPTH + 3 };

static void fuzz_check_node(const sp_doc *d, const sp_source *s, unsigned depth)
{
    FUZZ_ASSERT(d != NULL);
    FUZZ_ASSERT(depth <= FUZZ_MAX_TREE_DEPTH);
    FUZZ_ASSERT(d->off <= d->end && d->end <= s->len);
    if (sp_doc_is_scalar(d)) {
        FUZZ_ASSERT(d->u.scalar.text != NULL);
        FUZZ_ASSERT(strlen(d->u.scalar.text) == d->u.scalar.len);
        return;
    }
    if (d->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < d->u.seq.len; i++)
            fuzz_check_node(d->u.seq.items[i], s, depth + 1);
        return;
    }
    FUZZ_ASSERT(d->kind == SP_DOC_MAP);
    for (size_t i = 0; i < d->u.map.len; i++) {
        const sp_doc_pair *p = &d->u.map.pairs[i];
        FUZZ_ASSERT(sp_doc_is_scalar(p->key));
        fuzz_check_node(p->key, s, depth + 1);
        fuzz_check_node(p->value, s, depth + 1);
        /* Keys are unique: looking a key up finds its own pair. */
        FUZZ_ASSERT(sp_doc_get_pair(d, p->key->u.scalar.text) == p);
    }
}

/* A document read from `src`: either a well-formed tree and no error, or
 * NULL and a positioned error. */
static void fuzz_check_result(sp_ctx *ctx, uint32_t src, const sp_doc *d)
{
    const sp_source *s = sp_source_get(ctx, src);
    if (d) {
        FUZZ_ASSERT(ctx->errors == 0);
        fuzz_check_node(d, s, 0);
        FUZZ_ASSERT(sp_doc_equal(d, d));
        FUZZ_ASSERT(sp_doc_hash(d) == sp_doc_hash(d));
        return;
    }
    FUZZ_ASSERT(ctx->errors > 0);
    if (!ctx->out_of_memory) {
        const sp_diag *g = &ctx->diags.items[0];
        FUZZ_ASSERT(g->file != NULL && g->line > 0 && g->column > 0);
        FUZZ_ASSERT(g->message && g->message[0]);
    }
}

#endif
