/* Property test of the planner: on random small models, every plan is
 * checked by brute-force enumeration — every step of it has no window under
 * the update's requirements, every ordering fix is minimal (dropping any
 * extra edge brings a window back), and phases chain from OLD to NEW
 * through well-formed configurations.
 *
 *   SP_PLANNER_CASES (default 1500), SP_PLANNER_SEED (default 1) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "analysis/analysis.h"
#include "planner/planner.h"

#include "random_model.h"

/* The update the requirements come from: the whole OLD -> NEW. */
static const sp_update *whole;

static bool windows_by_oracle(const sp_update *u, const sp_requirements *req)
{
    sp_report r;
    (void)req;
    assert_true(sp_search_exhaustive(u, whole, &r));
    return r.findings.len > 0;
}

/* Every extra edge of the step is needed. */
static void assert_minimal(const sp_step *s, const sp_requirements *req, unsigned long seed)
{
    const sp_update *u = s->update;
    for (size_t i = 0; i < u->order.len; i++) {
        if (u->order.items[i].reason != SP_ORDER_EXTRA)
            continue;
        sp_update without;
        assert_true(sp_update_copy(&without, u));
        memmove(&without.order.items[i], &without.order.items[i + 1],
                (without.order.len - i - 1) * sizeof *without.order.items);
        without.order.len--;
        if (!windows_by_oracle(&without, req))
            fail_msg("seed %lu: extra edge %s -> %s is not needed", seed,
                     sp_event_describe(u, u->order.items[i].before),
                     sp_event_describe(u, u->order.items[i].after));
    }
}

static void test_plans_are_safe_and_minimal(void **state)
{
    (void)state;
    const char *env_cases = getenv("SP_PLANNER_CASES"), *env_seed = getenv("SP_PLANNER_SEED");
    unsigned long cases = env_cases ? strtoul(env_cases, NULL, 10) : 1500;
    unsigned long seed0 = env_seed ? strtoul(env_seed, NULL, 10) : 1;
    unsigned long verdicts[4] = {0, 0, 0, 0}, incomplete = 0, edges = 0, steps = 0;
    for (unsigned long i = 0; i < cases; i++) {
        unsigned long seed = seed0 + i;
        model_spec s;
        rng_state = seed * 0x9E3779B97F4A7C15ull + 7;
        random_spec(&s);
        sp_ctx ctx;
        sp_ctx_init(&ctx);
        sp_model m;
        sp_update u;
        if (!build_model(&s, &ctx, &m) || !sp_update_build(&u, &m, false)) {
            sp_ctx_release(&ctx);
            continue;
        }
        sp_requirements *req = sp_requirements_compute(&u);
        whole = &u;
        sp_limits lim = {SP_DEFAULT_MAX_STATES, SP_DEFAULT_MAX_CELLS};
        sp_plan plan;
        assert_non_null(req);
        if (!sp_plan_compute(&u, req, &lim, &plan))
            fail_msg("seed %lu: planner failed: %s", seed,
                     ctx.diags.len ? ctx.diags.items[0].message : "?");
        if (!plan.complete) {
            incomplete++;
        } else {
            verdicts[plan.verdict]++;
            size_t nc = m.components.len;
            unsigned char *from = calloc(nc + 1, 1);
            assert_non_null(from);
            switch (plan.verdict) {
            case SP_VERDICT_SAFE:
                if (windows_by_oracle(&u, req))
                    fail_msg("seed %lu: called safe, but the oracle finds windows", seed);
                break;
            case SP_VERDICT_ORDERED:
            case SP_VERDICT_PHASED:
                if (plan.verdict == SP_VERDICT_ORDERED)
                    assert_int_equal(plan.nsteps, 1);
                else
                    assert_true(plan.nsteps >= 1);
                for (size_t k = 0; k < plan.nsteps; k++) {
                    const sp_step *st = &plan.steps[k];
                    steps++;
                    edges += st->nedges;
                    if (windows_by_oracle(st->update, req))
                        fail_msg("seed %lu: step %zu of a %s plan has windows", seed, k + 1,
                                 plan.verdict == SP_VERDICT_ORDERED ? "ordered" : "phased");
                    assert_minimal(st, req, seed);
                    /* Each step starts where the previous one ended. */
                    for (size_t c = 0; c < nc; c++) {
                        const sp_component *comp = &m.components.items[c];
                        uint32_t want = from[c] ? comp->inst_new : comp->inst_old;
                        if (want != SP_NONE && !st->update->presence[want].initially)
                            fail_msg("seed %lu: step %zu does not start from the previous "
                                     "configuration", seed, k + 1);
                    }
                    /* A fleet's declared order holds across steps too. */
                    for (size_t c = 0; m.engine == SP_ENGINE_FLEET && c < nc; c++) {
                        const sp_component *comp = &m.components.items[c];
                        if (!st->to_new[c] || comp->inst_new == SP_NONE)
                            continue;
                        const sp_instance *in = &m.instances.items[comp->inst_new];
                        for (uint32_t d = 0; d < in->deps_count; d++) {
                            const sp_dep *dep = &m.deps.items[in->deps_first + d];
                            if (dep->declared &&
                                m.components.items[dep->component].change != SP_CHANGE_UNCHANGED &&
                                !st->to_new[dep->component])
                                fail_msg("seed %lu: step %zu updates %s before %s, which it "
                                         "is declared after", seed, k + 1, comp->key,
                                         m.components.items[dep->component].key);
                        }
                    }
                    memcpy(from, st->to_new, nc);
                }
                for (size_t c = 0; c < nc; c++)
                    if (m.components.items[c].change != SP_CHANGE_UNCHANGED && !from[c])
                        fail_msg("seed %lu: the plan does not reach NEW (%s)", seed,
                                 m.components.items[c].key);
                break;
            case SP_VERDICT_IMPOSSIBLE:
                assert_true(plan.nconflicts > 0 || plan.why != NULL);
                break;
            }
            free(from);
        }
        sp_requirements_release(req);
        sp_ctx_release(&ctx);
    }
    printf("planner: %lu random models: %lu safe, %lu ordered, %lu phased, %lu impossible, %lu "
           "incomplete; %lu steps, %lu extra edges, all verified by brute force\n",
           cases, verdicts[0], verdicts[1], verdicts[2], verdicts[3], incomplete, steps, edges);
    assert_true(cases < 100 || (verdicts[1] > cases / 50 && verdicts[2] > 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_plans_are_safe_and_minimal)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
