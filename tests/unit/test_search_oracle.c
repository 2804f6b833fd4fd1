/* Property test: on random small models, the window search finds exactly
 * what brute-force enumeration of every reachable state finds, finding
 * for finding (kind, instance, the whole excess, dangling names).
 *
 *   SP_ORACLE_CASES  number of random models (default 10000)
 *   SP_ORACLE_SEED   first seed (default 1); case i uses seed+i
 *
 * On a mismatch the model is shrunk (facts and components dropped while
 * the mismatch persists) and printed with its seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "analysis/analysis.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "random_model.h"

/* ---- comparison ---- */

typedef struct outcome {
    bool ran;
    size_t exposure, dangling, states;
    char why[512];
} outcome;

static const sp_finding *find(const sp_report *r, sp_finding_kind kind, uint32_t instance)
{
    for (size_t i = 0; i < r->findings.len; i++)
        if (r->findings.items[i].kind == kind && r->findings.items[i].instance == instance)
            return &r->findings.items[i];
    return NULL;
}

static bool same_names(const char *a, const char *b)
{
    /* Both list names in the same order of discovery; compare as text. */
    return a && b && !strcmp(a, b);
}

/* Returns true when the model could be analysed and both agree. */
static bool agree(const model_spec *s, outcome *o)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_model m;
    sp_update whole, step;
    bool ok = true;
    memset(o, 0, sizeof *o);
    if (!build_model(s, &ctx, &m) || !sp_update_build(&whole, &m, false) ||
        (s->use_mix && !build_step(s, &m, &step))) {
        sp_ctx_release(&ctx);
        return true; /* not a valid model (e.g. an order cycle): nothing to compare */
    }
    o->ran = true;
    /* Requirements always come from the whole update, also for a step. */
    const sp_update *u = s->use_mix ? &step : &whole;
    sp_requirements *req = sp_requirements_compute(&whole);
    sp_limits lim = {SP_DEFAULT_MAX_STATES, SP_DEFAULT_MAX_CELLS};
    sp_report fast, slow;
    if (!req || !sp_search(u, req, &lim, &fast) || !sp_search_exhaustive(u, &whole, &slow)) {
        snprintf(o->why, sizeof o->why, "a search failed: %s",
                 ctx.diags.len ? ctx.diags.items[0].message : "?");
        ok = false;
    }
    if (ok && !fast.complete) {
        snprintf(o->why, sizeof o->why, "search incomplete: %s", fast.incomplete_reason);
        ok = false;
    }
    if (ok) {
        o->states = slow.states_explored;
        for (size_t i = 0; i < slow.findings.len; i++) {
            if (slow.findings.items[i].kind == SP_FINDING_EXPOSURE)
                o->exposure++;
            else
                o->dangling++;
        }
    }
    for (int pass = 0; ok && pass < 2; pass++) {
        const sp_report *a = pass ? &slow : &fast, *b = pass ? &fast : &slow;
        for (size_t i = 0; ok && i < a->findings.len; i++) {
            const sp_finding *fa = &a->findings.items[i];
            const sp_finding *fb = find(b, fa->kind, fa->instance);
            const sp_instance *in = &m.instances.items[fa->instance];
            if (!fb) {
                snprintf(o->why, sizeof o->why, "%s finds %s on %s@%s, the %s does not",
                         pass ? "the oracle" : "the search",
                         fa->kind == SP_FINDING_EXPOSURE ? "an exposure window"
                                                         : "a dangling reference",
                         m.components.items[in->component].key, sp_label_name(in->label),
                         pass ? "search" : "oracle");
                ok = false;
            } else if (pass == 0 && fa->kind == SP_FINDING_EXPOSURE &&
                       !sp_reqset_equal(&ctx, fa->excess_set, fb->excess_set)) {
                snprintf(o->why, sizeof o->why, "excess differs on %s@%s",
                         m.components.items[in->component].key, sp_label_name(in->label));
                ok = false;
            } else if (pass == 0 && fa->kind == SP_FINDING_DANGLING &&
                       !same_names(fa->name, fb->name)) {
                snprintf(o->why, sizeof o->why, "dangling names differ: %s vs %s", fa->name,
                         fb->name);
                ok = false;
            } else if (pass == 0 && fa->kind == SP_FINDING_EXPOSURE &&
                       (fa->npath < 2 || fa->path[fa->npath - 1] != fa->instance)) {
                snprintf(o->why, sizeof o->why, "witness path does not end at the instance");
                ok = false;
            }
        }
    }
    sp_requirements_release(req);
    sp_ctx_release(&ctx);
    return ok;
}

/* Drops facts, then whole components' changes, while the mismatch stays. */
static void shrink(model_spec *s)
{
    outcome o;
    bool progress = true;
    while (progress) {
        progress = false;
        for (int i = 0; i < s->nf; i++) {
            if (s->f[i].dropped)
                continue;
            s->f[i].dropped = true;
            if (!agree(s, &o) && o.ran)
                progress = true;
            else
                s->f[i].dropped = false;
        }
        for (int c = 0; c < s->nc; c++) {
            if (s->dropped_comp[c] || s->change[c] == SP_CHANGE_UNCHANGED)
                continue;
            s->dropped_comp[c] = true;
            if (!agree(s, &o) && o.ran)
                progress = true;
            else
                s->dropped_comp[c] = false;
        }
    }
}

static void test_search_matches_oracle(void **state)
{
    (void)state;
    const char *env_cases = getenv("SP_ORACLE_CASES"), *env_seed = getenv("SP_ORACLE_SEED");
    unsigned long cases = env_cases ? strtoul(env_cases, NULL, 10) : 10000;
    unsigned long seed0 = env_seed ? strtoul(env_seed, NULL, 10) : 1;
    unsigned long ran = 0, with_exposure = 0, with_dangling = 0, findings = 0, states = 0;
    for (unsigned long i = 0; i < cases; i++) {
        model_spec s;
        rng_state = (seed0 + i) * 0x9E3779B97F4A7C15ull + 1;
        random_spec(&s);
        outcome o;
        if (!agree(&s, &o)) {
            fprintf(stderr, "mismatch at seed %lu: %s\n", seed0 + i, o.why);
            shrink(&s);
            agree(&s, &o);
            fprintf(stderr, "shrunk reproducer (%s):\n", o.why);
            print_spec(&s);
            fail_msg("window search and brute force disagree (seed %lu)", seed0 + i);
        }
        ran += o.ran;
        with_exposure += o.exposure > 0;
        with_dangling += o.dangling > 0;
        findings += o.exposure + o.dangling;
        states += o.states;
    }
    printf("oracle: %lu random models compared (%lu valid), seeds %lu..%lu: %lu with exposure "
           "windows, %lu with dangling windows, %lu findings, %lu states enumerated\n",
           cases, ran, seed0, seed0 + cases - 1, with_exposure, with_dangling, findings, states);
    /* The generator must exercise both kinds, or agreement proves little. */
    assert_true(cases < 100 || (with_exposure > cases / 20 && with_dangling > cases / 50));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_search_matches_oracle)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
