/* Waves: events grouped into the fewest stages that respect the order —
 * each event goes one stage after its latest predecessor (longest-path
 * layering, optimal with unlimited parallelism). */
#include "planner.h"

#include "../analysis/world.h"

#include <stdlib.h>
#include <string.h>

bool sp_plan_waves(const sp_update *u, sp_wave **waves, size_t *nwaves)
{
    sp_ctx *ctx = u->model->ctx;
    sp_world w;
    *waves = NULL;
    *nwaves = 0;
    if (!sp_world_build(&w, u)) {
        sp_world_release(&w);
        return false;
    }
    size_t n = u->events.len;
    uint32_t *level = calloc(n + 1, sizeof *level);
    if (!level) {
        sp_world_release(&w);
        sp_oom(ctx);
        return false;
    }
    /* Longest path along the explicit edges, in topological order; cleanup
     * events start after the last main wave. */
    uint32_t main_top = 0, top = 0;
    uint32_t *first = calloc(n + 2, sizeof *first), *succ = calloc(u->order.len + 1, sizeof *succ);
    uint32_t *fill = calloc(n + 1, sizeof *fill);
    if (!first || !succ || !fill) {
        free(first);
        free(succ);
        free(fill);
        free(level);
        sp_world_release(&w);
        sp_oom(ctx);
        return false;
    }
    for (size_t i = 0; i < u->order.len; i++)
        first[u->order.items[i].before + 1]++;
    for (size_t i = 0; i < n; i++)
        first[i + 1] += first[i];
    memcpy(fill, first, n * sizeof *fill);
    for (size_t i = 0; i < u->order.len; i++)
        succ[fill[u->order.items[i].before]++] = u->order.items[i].after;
    for (int phase = SP_PHASE_MAIN; phase <= SP_PHASE_CLEANUP; phase++) {
        for (size_t e = 0; e < n; e++)
            if (u->events.items[e].phase == SP_PHASE_CLEANUP && phase == SP_PHASE_CLEANUP &&
                level[e] < main_top)
                level[e] = main_top;
        for (size_t t = 0; t < n; t++) {
            uint32_t e = w.topo[t];
            if (u->events.items[e].phase != (sp_phase)phase)
                continue;
            for (uint32_t j = first[e]; j < first[e + 1]; j++)
                if (level[succ[j]] < level[e] + 1)
                    level[succ[j]] = level[e] + 1;
            if (level[e] + 1 > top)
                top = level[e] + 1;
        }
        if (phase == SP_PHASE_MAIN)
            main_top = top;
    }
    free(first);
    free(succ);
    free(fill);
    sp_wave *ws = sp_arena_calloc(&ctx->arena, top + 1, sizeof *ws);
    bool ok = ws != NULL;
    for (uint32_t l = 0; ok && l < top; l++) {
        size_t k = 0;
        for (size_t e = 0; e < n; e++)
            k += level[e] == l;
        ws[l].events = sp_arena_calloc(&ctx->arena, k + 1, sizeof *ws[l].events);
        ok = ws[l].events != NULL;
        for (size_t e = 0; ok && e < n; e++)
            if (level[e] == l)
                ws[l].events[ws[l].n++] = (uint32_t)e;
    }
    free(level);
    sp_world_release(&w);
    if (!ok) {
        sp_oom(ctx);
        return false;
    }
    *waves = ws;
    *nwaves = top;
    return true;
}
