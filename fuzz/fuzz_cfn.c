/* libFuzzer harness: arbitrary bytes read as a document (YAML or JSON by
 * content) and handed to the CloudFormation front-end as the NEW template
 * of a create (no OLD), with default options. */
#include "fuzz_check.h"
#include "frontend/frontend.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    uint32_t src = sp_source_add(&ctx, "fuzz.template", (const char *)data, size);
    if (src != SP_NO_SOURCE) {
        sp_doc *doc = sp_read_document(&ctx, src);
        if (doc) {
            sp_frontend_options opts;
            sp_model model;
            memset(&opts, 0, sizeof opts);
            memset(&model, 0, sizeof model);
            bool ok = sp_cfn_load(&ctx, &opts, NULL, doc, &model);
            /* Failure is always explained. */
            FUZZ_ASSERT(ok || ctx.errors > 0);
        }
    }
    sp_ctx_release(&ctx);
    return 0;
}
