/* Random small models for the property tests: a shrinkable specification
 * (components with a change kind and dependencies, facts of every kind
 * over small pools of request sets) and the model built from it. */
#ifndef SP_TEST_RANDOM_MODEL_H
#define SP_TEST_RANDOM_MODEL_H

#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a tiny deterministic generator ---- */

static uint64_t rng_state;
static inline uint32_t rnd(uint32_t n)
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
    /* A step of a phased update instead of the whole update: each
     * component goes from mix_from to mix_to (0 old, 1 new). */
    bool use_mix;
    unsigned char mix_from[MAXC], mix_to[MAXC];
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
    s->use_mix = rnd(3) == 0;
    for (int c = 0; c < s->nc; c++) {
        int pick = (int)rnd(3); /* old->old, old->new, new->new */
        s->mix_from[c] = pick == 2;
        s->mix_to[c] = pick >= 1;
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

/* The update to analyse: the whole one, or the spec's step. */
static inline bool build_step(const model_spec *s, const sp_model *m, sp_update *step)
{
    unsigned char from[MAXC], to[MAXC];
    for (int c = 0; c < s->nc; c++) {
        from[c] = s->mix_from[c];
        to[c] = s->mix_to[c];
    }
    return sp_update_build_mix(step, m, from, to, false);
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
                if (dep) /* a fleet's order is declared (after:) */
                    sp_model_add_dep(m, (uint32_t)d, SP_NO_LOC, s->engine == SP_ENGINE_FLEET);
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

static inline void print_spec(const model_spec *s)
{
    static const char *kinds[] = {"EDGE", "SLOT", "GUARD", "RULE", "ATTACH", "ACCEPTS", "CLAIM", "REFER"};
    fprintf(stderr, "engine %s\n", s->engine == SP_ENGINE_FLEET ? "fleet" : "stack");
    if (s->use_mix) {
        fprintf(stderr, "a step from/to:");
        for (int c = 0; c < s->nc; c++)
            fprintf(stderr, " C%d %s->%s", c, s->mix_from[c] ? "new" : "old",
                    s->mix_to[c] ? "new" : "old");
        fprintf(stderr, "\n");
    }
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


#endif
