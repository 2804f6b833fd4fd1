/* libFuzzer harness: arbitrary bytes through the YAML reader. */
#include "fuzz_check.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    uint32_t src = sp_source_add(&ctx, "fuzz.yaml", (const char *)data, size);
    if (src != SP_NO_SOURCE) {
        sp_doc *d = sp_read_yaml(&ctx, src);
        fuzz_check_result(&ctx, src, d);
    }
    sp_ctx_release(&ctx);
    return 0;
}
