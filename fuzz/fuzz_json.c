/* libFuzzer harness: arbitrary bytes through the JSON reader, checked
 * against jansson on every input (see tests/unit/test_json_oracle.h for
 * the intended differences). */
#include "fuzz_check.h"
#include "test_json_oracle.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    uint32_t src = sp_source_add(&ctx, "fuzz.json", (const char *)data, size);
    if (src != SP_NO_SOURCE) {
        sp_doc *d = sp_read_json(&ctx, src);
        fuzz_check_result(&ctx, src, d);
    }
    sp_ctx_release(&ctx);

    char why[512];
    if (oracle_compare((const char *)data, size, why, sizeof why) == ORACLE_DISAGREE) {
        fprintf(stderr, "JSON reader and jansson disagree: %s\n", why);
        abort();
    }
    return 0;
}
