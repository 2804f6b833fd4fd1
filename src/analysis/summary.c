/* Findings in words: the excess as rows of protocol / ports / sources /
 * credentials, and one sample request. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char *dim_text(sp_ctx *ctx, const sp_box *b, sp_dim d)
{
    char buf[1024];
    sp_format_dim(&ctx->names, d, b->iv[d], b->n[d], buf, sizeof buf);
    return sp_arena_strdup(&ctx->arena, buf);
}

static bool row_equal(const sp_excess_row *a, const sp_excess_row *b)
{
    return !strcmp(a->protocol, b->protocol) && !strcmp(a->ports, b->ports) &&
           !strcmp(a->sources, b->sources) && !strcmp(a->credentials, b->credentials);
}

bool sp_summarise_excess(sp_ctx *ctx, const sp_reqset *excess, sp_excess_row **rows, size_t *n)
{
    *rows = sp_arena_calloc(&ctx->arena, excess->nboxes + 1, sizeof **rows);
    *n = 0;
    if (!*rows)
        return false;
    /* Boxes differing only in destination read the same: keep one row. */
    for (uint32_t i = 0; i < excess->nboxes; i++) {
        const sp_box *b = &excess->boxes[i];
        sp_excess_row r = {dim_text(ctx, b, SP_DIM_PROTO), dim_text(ctx, b, SP_DIM_PORT),
                           dim_text(ctx, b, SP_DIM_SRC), dim_text(ctx, b, SP_DIM_CRED)};
        if (!r.protocol || !r.ports || !r.sources || !r.credentials)
            return false;
        bool dup = false;
        for (size_t k = 0; k < *n && !dup; k++)
            dup = row_equal(&(*rows)[k], &r);
        if (!dup)
            (*rows)[(*n)++] = r;
    }
    return true;
}

const char *sp_describe_request(sp_ctx *ctx, const sp_key point[SP_NDIMS])
{
    char proto[64], port[256], src[256], cred[256];
    sp_ival iv[SP_NDIMS];
    for (int d = 0; d < SP_NDIMS; d++)
        iv[d].lo = iv[d].hi = point[d];
    sp_format_dim(&ctx->names, SP_DIM_PROTO, &iv[SP_DIM_PROTO], 1, proto, sizeof proto);
    sp_format_dim(&ctx->names, SP_DIM_PORT, &iv[SP_DIM_PORT], 1, port, sizeof port);
    sp_format_dim(&ctx->names, SP_DIM_SRC, &iv[SP_DIM_SRC], 1, src, sizeof src);
    sp_format_dim(&ctx->names, SP_DIM_CRED, &iv[SP_DIM_CRED], 1, cred, sizeof cred);
    /* A single address prints as a /32 (or /128); drop the suffix. */
    char *slash = strrchr(src, '/');
    if (slash && (!strcmp(slash, "/32") || !strcmp(slash, "/128")))
        *slash = 0;
    bool is_action = point[SP_DIM_PORT].lo >= SP_ACTION_BASE;
    return sp_arena_printf(&ctx->arena, "%s %s %s from %s, credential: %s", proto,
                           is_action ? "action" : "port", port, src, cred);
}

bool sp_reqset_equal(sp_ctx *ctx, const sp_reqset *a, const sp_reqset *b)
{
    (void)ctx;
    sp_arena scratch;
    sp_arena_init(&scratch, 0);
    sp_universe_builder ub;
    sp_universe u;
    sp_universe_begin(&ub, &scratch);
    bool eq = false;
    if (sp_universe_add(&ub, a) && sp_universe_add(&ub, b) &&
        sp_universe_finish(&ub, &u, (size_t)1 << 30)) {
        sp_word *x = sp_bits_new(&scratch, &u), *y = sp_bits_new(&scratch, &u);
        if (x && y) {
            sp_bits_from_set(&u, a, x);
            sp_bits_from_set(&u, b, y);
            eq = sp_bits_equal(&u, x, y);
        }
    }
    sp_arena_release(&scratch);
    return eq;
}
