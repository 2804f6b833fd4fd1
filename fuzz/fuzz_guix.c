/* libFuzzer harness: arbitrary bytes read as a guix deploy file and handed
 * to the guix deploy front-end as NEW (no OLD), with a fixed topology of a
 * router and a web server.  Exercises the evaluator (its bounds), the
 * records and services, and the nftables and iptables subsets. */
#include "fuzz_check.h"
#include "frontend/frontend.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TOPOLOGY[] = "snipeproof: topology/1\n"
                               "networks:\n"
                               "  lan: 192.168.1.0/24\n"
                               "hosts:\n"
                               "  router:\n"
                               "    forwards:\n"
                               "      - {from: internet, to: lan}\n"
                               "    interfaces: {wan: internet, lan0: lan}\n"
                               "  web:\n"
                               "    network: lan\n"
                               "    after: [router]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    uint32_t tsrc = sp_source_add(&ctx, "net.yaml", TOPOLOGY, sizeof TOPOLOGY - 1);
    uint32_t src = sp_source_add(&ctx, "fuzz.scm", (const char *)data, size);
    if (tsrc != SP_NO_SOURCE && src != SP_NO_SOURCE) {
        sp_doc *topo = sp_read_document(&ctx, tsrc);
        sp_doc *doc = sp_read_sexp(&ctx, src);
        FUZZ_ASSERT(topo != NULL);
        if (doc) {
            sp_frontend_options opts;
            sp_model model;
            memset(&opts, 0, sizeof opts);
            memset(&model, 0, sizeof model);
            bool ok = sp_guix_load(&ctx, &opts, topo, NULL, doc, &model);
            /* Failure is always explained. */
            FUZZ_ASSERT(ok || ctx.errors > 0);
        }
    }
    sp_ctx_release(&ctx);
    return 0;
}
