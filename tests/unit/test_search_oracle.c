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

/* ---- a tiny deterministic generator ---- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return n ? (uint32_t)(rng_state % n) : 0;
}

/* ---- model specification (shrinkable) ---- */

enum { MAXC = 7, MAXF = 48 };

typedef struct fact_spec {
    int owner_comp, owner_ver; /* ver: 0 old, 1 new (or the single instance) */
    sp_fact_kind kind;
    int a_comp, b_comp; /* -1 = internet */
    int a_name, b_name;
    int flags, action, priority, name;
    int set[3], set2[3]; /* indices into set pools: src, port, cred */
    int slots[2][2], nslots;
    bool dropped;
} fact_spec;

typedef struct model_spec {
    int nc;
    sp_change change[MAXC];
    bool dropped_comp[MAXC];
    int deps_old[MAXC][MAXC], deps_new[MAXC][MAXC];
    sp_engine engine;
    fact_spec f[MAXF];
    int nf;
} model_spec;

static const char *SRC_POOL[] = {"0.0.0.0/0", "10.0.0.0/8", "203.0.113.0/24", "::/0", "*P1", "*P2"};
static const int PORT_POOL[][2] = {{22, 22}, {80, 80}, {0, 65535}, {20, 90}, {443, 443}};
static const char *CRED_POOL[] = {"", "A", "B"};

static sp_change random_change(void)
{
    switch (rnd(8)) {
    case 0: return SP_CHANGE_UNCHANGED;
    case 1: case 2: case 3: return SP_CHANGE_MODIFIED;
    case 4: return SP_CHANGE_REPLACED;
    case 5: return SP_CHANGE_ADDED;
    case 6: return SP_CHANGE_REMOVED;
    default: return SP_CHANGE_RIPPLE;
    }
}

static int events_of(sp_change c)
{
    switch (c) {
    case SP_CHANGE_UNCHANGED: return 0;
    case SP_CHANGE_REPLACED: return 2;
    default: return 1;
    }
}

static void random_spec(model_spec *s)
{
    memset(s, 0, sizeof *s);
    s->engine = rnd(3) == 0 ? SP_ENGINE_FLEET : SP_ENGINE_STACK;
    s->nc = 2 + (int)rnd(MAXC - 1);
    int events = 0;
    for (int c = 0; c < s->nc; c++) {
        sp_change ch = random_change();
        if (events + events_of(ch) > 12)
            ch = SP_CHANGE_UNCHANGED;
        events += events_of(ch);
        s->change[c] = ch;
        for (int d = 0; d < c; d++) {
            s->deps_old[c][d] = rnd(4) == 0;
            s->deps_new[c][d] = rnd(4) == 0;
        }
    }
    s->nf = 4 + (int)rnd(MAXF - 4);
    for (int i = 0; i < s->nf; i++) {
        fact_spec *f = &s->f[i];
        f->owner_comp = (int)rnd((uint32_t)s->nc);
        f->owner_ver = (int)rnd(2);
        static const sp_fact_kind kinds[] = {SP_FACT_EDGE, SP_FACT_EDGE,  SP_FACT_EDGE,
                                             SP_FACT_SLOT, SP_FACT_GUARD, SP_FACT_RULE,
                                             SP_FACT_RULE, SP_FACT_ATTACH, SP_FACT_ACCEPTS,
                                             SP_FACT_CLAIM, SP_FACT_REFER};
        f->kind = kinds[rnd(sizeof kinds / sizeof *kinds)];
        f->a_comp = rnd(3) == 0 ? -1 : (int)rnd((uint32_t)s->nc);
        f->b_comp = (int)rnd((uint32_t)s->nc);
        f->a_name = 1 + (int)rnd(2);
        f->b_name = 1 + (int)rnd(2);
        f->action = (int)rnd(2);
        f->priority = (int)rnd(4);
        f->name = (int)rnd(2);
        f->flags = 0;
        if (f->kind == SP_FACT_SLOT && rnd(2))
            f->flags |= SP_FACT_EMPTY_ALLOWS;
        if (f->kind == SP_FACT_EDGE && rnd(4) == 0)
            f->flags |= SP_FACT_REISSUE;
        for (int d = 0; d < 3; d++) {
            f->set[d] = (int)rnd(d == 0 ? 7 : d == 1 ? 6 : 4) - 1; /* -1 = any */
            f->set2[d] = (int)rnd(d == 0 ? 7 : d == 1 ? 6 : 4) - 1;
        }
        f->nslots = f->kind == SP_FACT_EDGE ? (int)rnd(3) : 0;
        for (int k = 0; k < f->nslots; k++) {
            f->slots[k][0] = (int)rnd((uint32_t)s->nc);
            f->slots[k][1] = 1 + (int)rnd(2);
        }
    }
}

/* ---- building the model ---- */

static const sp_reqset *make_set(sp_ctx *ctx, const int sel[3])
{
    sp_set_builder sb;
    sp_box_builder b;
    sp_set_begin(&sb, ctx);
    sp_box_begin(&b, ctx);
    if (sel[0] >= 0) {
        const char *src = SRC_POOL[sel[0]];
        if (src[0] == '*') {
            sp_name p = sp_intern(&ctx->names, src + 1);
            sp_box_allow(&b, SP_DIM_SRC, sp_key_principal(p), sp_key_principal(p));
        } else {
            sp_ival iv;
            sp_parse_cidr(src, &iv);
            sp_box_allow(&b, SP_DIM_SRC, iv.lo, iv.hi);
        }
    }
    if (sel[1] >= 0) {
        sp_box_allow(&b, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
        sp_box_allow(&b, SP_DIM_PORT, sp_key_num((uint64_t)PORT_POOL[sel[1]][0]),
                     sp_key_num((uint64_t)PORT_POOL[sel[1]][1]));
    }
    if (sel[2] >= 0) {
        sp_name c = sel[2] == 0 ? 0 : sp_intern(&ctx->names, CRED_POOL[sel[2]]);
        sp_box_allow(&b, SP_DIM_CRED, sp_key_num(c), sp_key_num(c));
    }
    sp_set_add_box(&sb, &b);
    return sp_set_finish(&sb);
}

static char comp_key[MAXC][16];

static sp_ref ref_of(int comp, int name, sp_ctx *ctx)
{
    static const char *names[] = {"", "x", "y"};
    sp_ref r = {comp < 0 ? SP_INTERNET : (uint32_t)comp,
                name ? sp_intern(&ctx->names, names[name]) : 0};
    return r;
}

/* Instance versions of a component: [0] old side, [1] new side (SP_NONE when absent). */
static bool build_model(const model_spec *s, sp_ctx *ctx, sp_model *m)
{
    sp_model_init(m, ctx, s->engine);
    for (int c = 0; c < s->nc; c++) {
        snprintf(comp_key[c], sizeof comp_key[c], "C%d", c);
        sp_model_add_component(m, comp_key[c], "test");
        m->components.items[c].change = s->dropped_comp[c] ? SP_CHANGE_UNCHANGED : s->change[c];
    }
    for (int c = 0; c < s->nc; c++) {
        sp_change ch = m->components.items[c].change;
        for (int ver = 0; ver < 2; ver++) {
            sp_version v;
            sp_label l;
            if (ch == SP_CHANGE_UNCHANGED) {
                if (ver == 1)
                    continue;
                v = SP_VER_BOTH;
                l = SP_LABEL_UNCHANGED;
            } else if ((ch == SP_CHANGE_ADDED && ver == 0) || (ch == SP_CHANGE_REMOVED && ver == 1)) {
                continue;
            } else {
                v = ver ? SP_VER_NEW : SP_VER_OLD;
                l = ch == SP_CHANGE_RIPPLE ? SP_LABEL_UNCHANGED : ver ? SP_LABEL_NEW : SP_LABEL_OLD;
            }
            sp_model_add_instance(m, (uint32_t)c, v, l, SP_NO_LOC);
            for (int d = 0; d < c; d++) {
                bool dep = v == SP_VER_OLD ? s->deps_old[c][d]
                           : v == SP_VER_NEW ? s->deps_new[c][d]
                                             : s->deps_old[c][d] || s->deps_new[c][d];
                if (dep)
                    sp_model_add_dep(m, (uint32_t)d, SP_NO_LOC, false);
            }
            for (int i = 0; i < s->nf; i++) {
                const fact_spec *f = &s->f[i];
                bool single = v == SP_VER_BOTH || ch == SP_CHANGE_ADDED || ch == SP_CHANGE_REMOVED;
                if (f->dropped || f->owner_comp != c || (!single && f->owner_ver != ver))
                    continue;
                sp_fact *fa = sp_model_add_fact(m, f->kind, SP_NO_LOC);
                if (!fa)
                    return false;
                fa->flags = (uint8_t)f->flags;
                fa->action = (uint8_t)f->action;
                fa->priority = f->priority;
                switch (f->kind) {
                case SP_FACT_EDGE:
                    fa->a = ref_of(f->a_comp, 0, ctx);
                    fa->b = ref_of(f->b_comp, 0, ctx);
                    fa->set = make_set(ctx, f->set);
                    if (f->flags & SP_FACT_REISSUE)
                        fa->set2 = make_set(ctx, f->set2);
                    for (int k = 0; k < f->nslots; k++)
                        sp_model_edge_slot(m, fa, ref_of(f->slots[k][0], f->slots[k][1], ctx));
                    break;
                case SP_FACT_SLOT:
                case SP_FACT_GUARD:
                    fa->a = ref_of(c, f->a_name, ctx);
                    break;
                case SP_FACT_RULE:
                    fa->a = ref_of(f->b_comp, f->a_name, ctx);
                    fa->set = make_set(ctx, f->set);
                    break;
                case SP_FACT_ATTACH:
                    fa->a = ref_of(f->b_comp, f->a_name, ctx);
                    fa->b = ref_of(f->a_comp < 0 ? c : f->a_comp, f->b_name, ctx);
                    break;
                case SP_FACT_ACCEPTS:
                    fa->set = make_set(ctx, f->set);
                    break;
                case SP_FACT_CLAIM:
                case SP_FACT_REFER:
                    fa->name = sp_intern(&ctx->names, f->name ? "n1" : "n0");
                    break;
                }
            }
        }
    }
    return !ctx->out_of_memory;
}

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
    sp_update u;
    bool ok = true;
    memset(o, 0, sizeof *o);
    if (!build_model(s, &ctx, &m) || !sp_update_build(&u, &m, false)) {
        sp_ctx_release(&ctx);
        return true; /* not a valid model (e.g. an order cycle): nothing to compare */
    }
    o->ran = true;
    sp_requirements *req = sp_requirements_compute(&u);
    sp_limits lim = {SP_DEFAULT_MAX_STATES, SP_DEFAULT_MAX_CELLS};
    sp_report fast, slow;
    if (!req || !sp_search(&u, req, &lim, &fast) || !sp_search_exhaustive(&u, req, &slow)) {
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

static void print_spec(const model_spec *s)
{
    static const char *kinds[] = {"EDGE", "SLOT", "GUARD", "RULE", "ATTACH", "ACCEPTS", "CLAIM", "REFER"};
    fprintf(stderr, "engine %s\n", s->engine == SP_ENGINE_FLEET ? "fleet" : "stack");
    for (int c = 0; c < s->nc; c++) {
        fprintf(stderr, "C%d %s deps old:", c,
                sp_change_name(s->dropped_comp[c] ? SP_CHANGE_UNCHANGED : s->change[c]));
        for (int d = 0; d < c; d++)
            if (s->deps_old[c][d])
                fprintf(stderr, " C%d", d);
        fprintf(stderr, " new:");
        for (int d = 0; d < c; d++)
            if (s->deps_new[c][d])
                fprintf(stderr, " C%d", d);
        fprintf(stderr, "\n");
    }
    for (int i = 0; i < s->nf; i++) {
        const fact_spec *f = &s->f[i];
        if (f->dropped)
            continue;
        fprintf(stderr, "  C%d/%s %s a=C%d.%d b=C%d.%d flags=%d action=%d prio=%d name=%d "
                        "set=[%d,%d,%d] set2=[%d,%d,%d] slots=",
                f->owner_comp, f->owner_ver ? "new" : "old", kinds[f->kind], f->a_comp,
                f->a_name, f->b_comp, f->b_name, f->flags, f->action, f->priority, f->name,
                f->set[0], f->set[1], f->set[2], f->set2[0], f->set2[1], f->set2[2]);
        for (int k = 0; k < f->nslots; k++)
            fprintf(stderr, "C%d.%d ", f->slots[k][0], f->slots[k][1]);
        fprintf(stderr, "\n");
    }
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
