/* libFuzzer harness: arbitrary bytes through the S-expression reader.
 * Besides the invariants every reader keeps (fuzz_check.h), each string
 * literal's decoded offsets must map back inside the literal. */
#include "fuzz_check.h"
#include "reader/sexp.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_strings(const sp_ctx *ctx, const sp_doc *d)
{
    if (d->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < d->u.seq.len; i++)
            check_strings(ctx, d->u.seq.items[i]);
        return;
    }
    if (d->kind != SP_DOC_STRING || !(d->flags & SP_DOC_QUOTED))
        return;
    size_t prev = d->off;
    for (size_t k = 0; k <= d->u.scalar.len; k++) {
        size_t at = sp_sexp_string_source_offset(ctx, d, k);
        FUZZ_ASSERT(at > d->off && at < d->end);
        FUZZ_ASSERT(at >= prev);
        prev = at;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    uint32_t src = sp_source_add(&ctx, "fuzz.scm", (const char *)data, size);
    if (src != SP_NO_SOURCE) {
        sp_doc *d = sp_read_sexp(&ctx, src);
        fuzz_check_result(&ctx, src, d);
        if (d)
            check_strings(&ctx, d);
    }
    sp_ctx_release(&ctx);
    return 0;
}
