/* Unit tests of the topology front-end (src/frontend/topology) and of the
 * rollout runner and its journal (src/output/rollout.c).
 *
 *  - the reference case (DESIGN §1 case 1) modelled as §6 says;
 *  - a property test: on random topologies, the model's point evaluator
 *    (sp_point_reaches) agrees with a direct reading of §6 — chains of
 *    forwarding hosts from the request's own segment, each firewall first
 *    match, the host's firewall and services — for random states and
 *    requests; and the window search agrees with the brute-force oracle;
 *  - changes (deploy-only, after-only), deps from after:;
 *  - the journal (hashes, torn lines, host states) and the runner (real
 *    commands through execve, failures, waves, skipping, the environment).
 *
 *   SP_TOPO_CASES  number of random topologies (default 2000)
 *   SP_TOPO_SEED   first seed (default 1) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "analysis/analysis.h"
#include "analysis/exposure.h"
#include "analysis/world.h"
#include "frontend/topology/topology.h"
#include "output/rollout.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- loading ---- */

static const sp_doc *read_doc(sp_ctx *ctx, const char *path, const char *text)
{
    if (!text)
        return NULL;
    uint32_t src = sp_source_add(ctx, path, text, strlen(text));
    assert_int_not_equal(src, SP_NO_SOURCE);
    return sp_read_document(ctx, src);
}

static bool load(sp_ctx *ctx, const char *old_text, const char *new_text, sp_model *m)
{
    const sp_doc *o = read_doc(ctx, "old.yaml", old_text);
    const sp_doc *n = read_doc(ctx, "new.yaml", new_text);
    return sp_topology_load(ctx, NULL, o, n, m);
}

static void dump_diags(const sp_ctx *ctx)
{
    for (size_t i = 0; i < ctx->diags.len; i++)
        fprintf(stderr, "  %s:%u:%u: %s\n", ctx->diags.items[i].file ? ctx->diags.items[i].file : "-",
                ctx->diags.items[i].line, ctx->diags.items[i].column,
                ctx->diags.items[i].message);
}

static const char *REF_OLD = "snipeproof: topology/1\n"
                             "networks:\n"
                             "  lan: 192.168.1.0/24\n"
                             "hosts:\n"
                             "  router:\n"
                             "    forwards:\n"
                             "      - {from: internet, to: lan}\n"
                             "    firewall: {default: accept, rules: []}\n"
                             "    deploy: [./router.sh, old]\n"
                             "  web:\n"
                             "    network: lan\n"
                             "    services:\n"
                             "      - {name: http, protocol: tcp, port: 80}\n"
                             "    deploy: [./web.sh, old]\n";

static const char *REF_NEW =
    "snipeproof: topology/1\n"
    "networks:\n"
    "  lan: 192.168.1.0/24\n"
    "hosts:\n"
    "  router:\n"
    "    forwards:\n"
    "      - {from: internet, to: lan}\n"
    "    firewall:\n"
    "      default: accept\n"
    "      rules:\n"
    "        - {action: drop, protocol: tcp, port: 22, from: internet, to: lan}\n"
    "    deploy: [./router.sh, new]\n"
    "  web:\n"
    "    network: lan\n"
    "    services:\n"
    "      - {name: ssh, protocol: tcp, port: 22, auth: none}\n"
    "      - {name: http, protocol: tcp, port: 80}\n"
    "    deploy: [./web.sh, new]\n";

static void test_reference_case(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_model m;
    bool ok = load(&ctx, REF_OLD, REF_NEW, &m);
    if (!ok)
        dump_diags(&ctx);
    assert_true(ok);
    assert_int_equal(m.engine, SP_ENGINE_FLEET);
    assert_int_equal(m.components.len, 3);
    uint32_t lan = sp_model_find(&m, "lan"), router = sp_model_find(&m, "router"),
             web = sp_model_find(&m, "web");
    assert_int_not_equal(lan, SP_NONE);
    assert_string_equal(m.components.items[lan].type, "network");
    assert_int_equal(m.components.items[lan].change, SP_CHANGE_UNCHANGED);
    assert_int_equal(m.components.items[router].change, SP_CHANGE_MODIFIED);
    assert_int_equal(m.components.items[web].change, SP_CHANGE_MODIFIED);
    sp_update u;
    assert_true(sp_update_build(&u, &m, false));
    assert_int_equal(u.events.len, 2);
    assert_int_equal(u.order.len, 0); /* no after: no order */

    sp_requirements *req = sp_requirements_compute(&u);
    assert_non_null(req);
    sp_limits lim = {SP_DEFAULT_MAX_STATES, SP_DEFAULT_MAX_CELLS};
    sp_report r;
    assert_true(sp_search(&u, req, &lim, &r));
    assert_true(r.complete);
    assert_int_equal(r.findings.len, 1);
    const sp_finding *f = &r.findings.items[0];
    assert_int_equal(m.instances.items[f->instance].component, web);
    assert_int_equal(m.instances.items[f->instance].label, SP_LABEL_NEW);
    assert_int_equal(f->nexcess, 1);
    assert_string_equal(f->excess[0].protocol, "tcp");
    assert_string_equal(f->excess[0].ports, "22");
    assert_string_equal(f->excess[0].sources, "0.0.0.0/0 except 192.168.1.0/24");
    assert_int_equal(f->npath, 3);
    assert_int_equal(f->path[0], SP_INTERNET);
    assert_int_equal(m.instances.items[f->path[1]].component, lan);
    assert_int_equal(m.instances.items[f->path[2]].component, web);
    assert_int_equal(f->ndone, 1);
    assert_int_equal(u.events.items[f->done[0]].component, web);
    assert_int_equal(f->npending, 1);
    assert_int_equal(u.events.items[f->pending[0]].component, router);
    sp_requirements_release(req);

    /* The deploy argv, for apply. */
    size_t argc;
    const char **argv = sp_topology_deploy(&ctx, m.components.items[web].def_new, &argc);
    assert_int_equal(argc, 2);
    assert_string_equal(argv[0], "./web.sh");
    assert_string_equal(argv[1], "new");
    assert_null(argv[2]);
    assert_null(sp_topology_deploy(&ctx, m.components.items[lan].def_new, &argc));
    sp_ctx_release(&ctx);
}

/* deploy alone changes a host (it is redeployed); after: alone does not. */
static void test_changes(void **state)
{
    (void)state;
    const char *a = "snipeproof: topology/1\n"
                    "hosts:\n"
                    "  x: {services: [], deploy: [a]}\n"
                    "  y: {services: [], deploy: [b], after: [x]}\n"
                    "  z: {services: [], deploy: [c]}\n";
    const char *b = "snipeproof: topology/1\n"
                    "hosts:\n"
                    "  x: {services: [], deploy: [a, --again]}\n"
                    "  y: {services: [], deploy: [b]}\n"
                    "  w: {services: [], deploy: [d], after: [x]}\n";
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_model m;
    assert_true(load(&ctx, a, b, &m));
    assert_int_equal(m.components.items[sp_model_find(&m, "x")].change, SP_CHANGE_MODIFIED);
    assert_int_equal(m.components.items[sp_model_find(&m, "y")].change, SP_CHANGE_UNCHANGED);
    assert_int_equal(m.components.items[sp_model_find(&m, "z")].change, SP_CHANGE_REMOVED);
    assert_int_equal(m.components.items[sp_model_find(&m, "w")].change, SP_CHANGE_ADDED);
    sp_update u;
    assert_true(sp_update_build(&u, &m, false));
    /* update x, create w, delete z; w after x is declared. */
    assert_int_equal(u.events.len, 3);
    assert_int_equal(u.order.len, 1);
    assert_int_equal(u.order.items[0].reason, SP_ORDER_DECLARED);
    assert_int_equal(u.events.items[u.order.items[0].before].component, sp_model_find(&m, "x"));
    assert_int_equal(u.events.items[u.order.items[0].after].component, sp_model_find(&m, "w"));
    sp_ctx_release(&ctx);
}

/* An empty OLD: every host is added; networks of NEW only are fine. */
static void test_empty_old(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_model m;
    assert_true(load(&ctx, NULL, REF_NEW, &m));
    assert_int_equal(m.components.items[sp_model_find(&m, "web")].change, SP_CHANGE_ADDED);
    sp_ctx_release(&ctx);
}

typedef struct bad_case {
    const char *text;
    unsigned line, col;
    const char *message; /* a part of it */
} bad_case;

static void test_errors(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"snipeproof: topology/9\n", 1, 13, "unsupported topology format"},
        {"snipeproof: topology/1\nnetworks: {a: 10.0.0.0/8, b: 10.1.0.0/16}\n", 2, 30,
         "overlaps network 'a'"},
        {"snipeproof: topology/1\nnetworks: {a: 10.0.0.0}\nhosts: {h: {network: a}}\n", 0, 0,
         NULL},
        {"snipeproof: topology/1\nnetworks: {a: fd00::1/64}\n", 2, 15, "host bits"},
        {"snipeproof: topology/1\nhosts: {h: {firewall: {default: drop, rules: [{action: "
         "drop, port: 1-2}]}}}\n",
         2, 68, "needs protocol tcp or udp"},
        {"snipeproof: topology/1\nhosts: {h: {firewall: {default: drop, rules: [{action: "
         "drop, protocol: udp, port: \"5-6-7\"}]}}}\n",
         2, 83, "range"},
        {"snipeproof: topology/1\nhosts: {h: {services: [{protocol: udp, port: 65536}]}}\n", 2,
         46, "out of range"},
        {"snipeproof: topology/1\nhosts: {h: {forwards: [{from: internet, to: internet}]}}\n",
         2, 45, "to itself"},
        {"snipeproof: topology/1\nhosts: {h: {after: [h]}}\n", 2, 21, "cycle: h after h"},
        {"snipeproof: topology/1\nhosts: {h: {deploy: [true]}}\n", 2, 22, "quote it"},
        {"snipeproof: topology/1\nhosts: {'a b': {}}\n", 2, 9, "not valid"},
        {"snipeproof: topology/1\nhosts: {h: {firewall: {default: drop, rules: [{action: "
         "drop, to: 10.0.0.0/33}]}}}\n",
         2, 66, "not an IPv4"},
        {"snipeproof: topology/1\nhosts: {h: {network: internet, bogus: 1}}\n", 2, 32,
         "unknown key 'bogus'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sp_ctx ctx;
        sp_ctx_init(&ctx);
        sp_model m;
        bool ok = load(&ctx, NULL, cases[i].text, &m);
        if (!cases[i].message) {
            if (!ok)
                dump_diags(&ctx);
            assert_true(ok); /* a single address is a /32 network */
            sp_ctx_release(&ctx);
            continue;
        }
        if (getenv("SP_TOPO_VERBOSE") && ctx.diags.len)
            fprintf(stderr, "case %zu: %u:%u %s\n", i, ctx.diags.items[0].line,
                    ctx.diags.items[0].column, ctx.diags.items[0].message);
        if (ok || !ctx.errors || !strstr(ctx.diags.items[0].message, cases[i].message) ||
            ctx.diags.items[0].line != cases[i].line ||
            ctx.diags.items[0].column != cases[i].col) {
            fprintf(stderr, "case %zu: %s", i, cases[i].text);
            dump_diags(&ctx);
            if (!getenv("SP_TOPO_VERBOSE"))
                fail();
        }
        sp_ctx_release(&ctx);
    }
}

/* ---- random topologies against a direct reading of DESIGN §6 ---- */

enum { NNETS = 3, MAXH = 4, MAXF = 2, MAXR = 3, MAXS = 2 };
enum { SEG_NO = -1, SEG_INET = -2 };

static const char *const NET_NAMES[NNETS] = {"n0", "n1", "n6"};
static const char *const NET_CIDRS[NNETS] = {"10.0.1.0/24", "10.0.2.0/24", "fd00::/64"};

typedef struct r_rule {
    int action;     /* 1 accept */
    int proto;      /* 0 any/absent, 6, 17, 1 */
    bool proto_set;
    int plo, phi;   /* 0 = no port */
    int from, to;   /* -3 absent, SEG_INET, net index, or 10+k for CIDR_POOL[k] */
} r_rule;

static const char *const CIDR_POOL[] = {"10.0.1.0/25", "0.0.0.0/0", "203.0.113.0/24",
                                        "10.0.0.0/8", "::/0"};

typedef struct r_host {
    int network; /* SEG_NO, SEG_INET, net */
    int nf;
    int ffrom[MAXF], fto[MAXF];
    bool fw;
    int dflt;
    int nr;
    r_rule rules[MAXR];
    int svc_mode; /* 0 absent, 1 list */
    int ns;
    int sproto[MAXS], splo[MAXS], sphi[MAXS];
} r_host;

typedef struct r_topo {
    int nnets; /* the first nnets of the pool */
    int nh;
    r_host h[2][MAXH]; /* [version][host] */
} r_topo;

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static int rnd_seg(const r_topo *t)
{
    int k = (int)rnd((uint32_t)t->nnets + 1);
    return k == t->nnets ? SEG_INET : k;
}

static void random_host(const r_topo *t, r_host *h)
{
    memset(h, 0, sizeof *h);
    int k = (int)rnd(5);
    h->network = k == 0 ? SEG_NO : k == 1 ? SEG_INET : (int)rnd((uint32_t)t->nnets);
    h->nf = (int)rnd(MAXF + 1);
    for (int i = 0; i < h->nf; i++) {
        do {
            h->ffrom[i] = rnd_seg(t);
            h->fto[i] = rnd_seg(t);
        } while (h->ffrom[i] == h->fto[i]);
    }
    h->fw = rnd(3) != 0;
    h->dflt = (int)rnd(2);
    h->nr = h->fw ? (int)rnd(MAXR + 1) : 0;
    static const int protos[] = {0, 6, 17, 1, 0};
    for (int i = 0; i < h->nr; i++) {
        r_rule *r = &h->rules[i];
        r->action = (int)rnd(2);
        int p = (int)rnd(5);
        r->proto = protos[p];
        r->proto_set = p < 4;
        if ((r->proto == 6 || r->proto == 17) && rnd(2)) {
            r->plo = rnd(2) ? 22 : 20;
            r->phi = r->plo == 22 ? 22 : 30;
        }
        int f = (int)rnd(4);
        r->from = f == 0 ? -3 : f == 1 ? rnd_seg(t) : 10 + (int)rnd(5);
        int d = (int)rnd(4);
        r->to = d == 0 ? -3 : d == 1 ? rnd_seg(t) : 10 + (int)rnd(5);
    }
    h->svc_mode = (int)rnd(3) ? 1 : 0;
    h->ns = h->svc_mode ? (int)rnd(MAXS + 1) : 0;
    for (int i = 0; i < h->ns; i++) {
        static const int sp[] = {6, 17, 1};
        h->sproto[i] = sp[rnd(3)];
        if (h->sproto[i] != 1) {
            h->splo[i] = rnd(2) ? 22 : 80;
            h->sphi[i] = h->splo[i] == 80 && rnd(2) ? 90 : h->splo[i];
        }
    }
}

static const char *seg_name(int s)
{
    return s == SEG_INET ? "internet" : NET_NAMES[s];
}

static const char *addr_name(int a)
{
    return a >= 10 ? CIDR_POOL[a - 10] : seg_name(a);
}

static const char *proto_name(int p)
{
    return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : "any";
}

static void write_topo(const r_topo *t, int v, char *buf, size_t cap)
{
    size_t n = 0;
#define W(...) n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__)
    W("snipeproof: topology/1\nnetworks:\n");
    for (int i = 0; i < t->nnets; i++)
        W("  %s: %s\n", NET_NAMES[i], NET_CIDRS[i]);
    W("hosts:\n");
    for (int k = 0; k < t->nh; k++) {
        const r_host *h = &t->h[v][k];
        W("  h%d:\n", k);
        W("    deploy: [run]\n");
        if (h->network != SEG_NO)
            W("    network: %s\n", seg_name(h->network));
        if (h->nf) {
            W("    forwards:\n");
            for (int i = 0; i < h->nf; i++)
                W("      - {from: %s, to: %s}\n", seg_name(h->ffrom[i]), seg_name(h->fto[i]));
        }
        if (h->fw) {
            W("    firewall:\n      default: %s\n      rules:\n", h->dflt ? "accept" : "drop");
            if (!h->nr)
                W("        []\n");
            for (int i = 0; i < h->nr; i++) {
                const r_rule *r = &h->rules[i];
                W("        - {action: %s", r->action ? "accept" : "drop");
                if (r->proto_set)
                    W(", protocol: %s", proto_name(r->proto));
                if (r->plo)
                    W(r->plo == r->phi ? ", port: %d" : ", port: \"%d-%d\"", r->plo, r->phi);
                if (r->from != -3)
                    W(", from: \"%s\"", addr_name(r->from));
                if (r->to != -3)
                    W(", to: \"%s\"", addr_name(r->to));
                W("}\n");
            }
        }
        if (h->svc_mode) {
            W("    services:%s\n", h->ns ? "" : " []");
            for (int i = 0; i < h->ns; i++) {
                W("      - {protocol: %s", proto_name(h->sproto[i]));
                if (h->splo[i])
                    W(h->splo[i] == h->sphi[i] ? ", port: %d" : ", port: \"%d-%d\"", h->splo[i],
                      h->sphi[i]);
                W("}\n");
            }
        }
    }
#undef W
}

/* Requests: addresses inside and outside the networks, both families. */
typedef struct r_addr {
    const char *text;
    bool v6;
} r_addr;
static const r_addr ADDRS[] = {{"10.0.1.5", false},   {"10.0.1.200", false},
                               {"10.0.2.7", false},   {"10.0.3.9", false},
                               {"203.0.113.9", false}, {"8.8.8.8", false},
                               {"fd00::5", true},     {"2001:db8::1", true}};

static sp_key addr_key(const r_addr *a)
{
    sp_ival iv;
    assert_true(sp_parse_cidr(a->text, &iv));
    return iv.lo;
}

static bool in_cidr(const char *cidr, sp_key k)
{
    sp_ival iv;
    assert_true(sp_parse_cidr(cidr, &iv));
    return sp_key_cmp(iv.lo, k) <= 0 && sp_key_cmp(k, iv.hi) <= 0;
}

static int seg_of(const r_topo *t, sp_key k)
{
    for (int i = 0; i < t->nnets; i++)
        if (in_cidr(NET_CIDRS[i], k))
            return i;
    return SEG_INET;
}

static bool addr_matches(const r_topo *t, int spec, sp_key k)
{
    if (spec == -3)
        return true;
    if (spec >= 10)
        return in_cidr(CIDR_POOL[spec - 10], k);
    return seg_of(t, k) == spec;
}

typedef struct r_req {
    sp_key src, dst;
    int proto, port;
} r_req;

static bool fw_accepts(const r_topo *t, const r_host *h, const r_req *q)
{
    if (!h->fw)
        return true;
    for (int i = 0; i < h->nr; i++) {
        const r_rule *r = &h->rules[i];
        if (r->proto && r->proto != q->proto)
            continue;
        if (r->plo && (q->port < r->plo || q->port > r->phi))
            continue;
        if (!addr_matches(t, r->from, q->src) || !addr_matches(t, r->to, q->dst))
            continue;
        return r->action == 1;
    }
    return h->dflt == 1;
}

static bool svc_accepts(const r_host *h, const r_req *q)
{
    if (!h->svc_mode)
        return true;
    for (int i = 0; i < h->ns; i++)
        if (h->sproto[i] == q->proto &&
            (!h->splo[i] || (q->port >= h->splo[i] && q->port <= h->sphi[i])))
            return true;
    return false;
}

/* §6, read directly: the request starts in its source's segment; a
 * forwarding host whose firewall accepts it carries it from one segment to
 * the next (never back out through the internet); it must arrive in the
 * target's segment addressed to that segment, and the target's firewall
 * and services must accept it.  Both addresses are of one family. */
static bool ref_reaches(const r_topo *t, const int *ver, int target, const r_req *q)
{
    const r_host *h = &t->h[ver[target]][target];
    if (h->network == SEG_NO || q->src.tag != q->dst.tag)
        return false;
    if (seg_of(t, q->dst) != h->network)
        return false;
    bool at[NNETS + 1] = {false}; /* [NNETS] = internet */
    int start = seg_of(t, q->src);
    at[start == SEG_INET ? NNETS : start] = true;
    bool grew = true;
    while (grew) {
        grew = false;
        for (int k = 0; k < t->nh; k++) {
            const r_host *f = &t->h[ver[k]][k];
            for (int i = 0; i < f->nf; i++) {
                int a = f->ffrom[i] == SEG_INET ? NNETS : f->ffrom[i];
                if (f->fto[i] == SEG_INET || !at[a] || at[f->fto[i]])
                    continue;
                if (fw_accepts(t, f, q)) {
                    at[f->fto[i]] = true;
                    grew = true;
                }
            }
        }
    }
    int goal = h->network == SEG_INET ? NNETS : h->network;
    return at[goal] && fw_accepts(t, h, q) && svc_accepts(h, q);
}

static int topo_cases(void)
{
    const char *e = getenv("SP_TOPO_CASES");
    return e ? atoi(e) : 2000;
}

static bool same_findings(sp_ctx *ctx, const sp_report *a, const sp_report *b)
{
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < a->findings.len; i++)
        na += !a->findings.items[i].suppressed;
    for (size_t i = 0; i < b->findings.len; i++)
        nb += !b->findings.items[i].suppressed;
    if (na != nb)
        return false;
    for (size_t i = 0; i < a->findings.len; i++) {
        const sp_finding *fa = &a->findings.items[i];
        bool found = false;
        for (size_t j = 0; j < b->findings.len && !found; j++) {
            const sp_finding *fb = &b->findings.items[j];
            found = fa->kind == fb->kind && fa->instance == fb->instance &&
                    sp_reqset_equal(ctx, fa->excess_set, fb->excess_set);
        }
        if (!found)
            return false;
    }
    return true;
}

static void test_random_topologies(void **state)
{
    (void)state;
    const char *seed_env = getenv("SP_TOPO_SEED");
    uint64_t seed0 = seed_env ? strtoull(seed_env, NULL, 10) : 1;
    int n = topo_cases();
    static char oldt[16384], newt[16384];
    unsigned long points = 0, reached = 0, windows = 0;
    for (int c = 0; c < n; c++) {
        rng = (seed0 + (uint64_t)c) * 0x9E3779B97F4A7C15ull | 1;
        r_topo t;
        memset(&t, 0, sizeof t);
        t.nnets = 1 + (int)rnd(NNETS);
        t.nh = 2 + (int)rnd(MAXH - 1);
        for (int k = 0; k < t.nh; k++) {
            random_host(&t, &t.h[0][k]);
            if (rnd(3) == 0)
                t.h[1][k] = t.h[0][k];
            else
                random_host(&t, &t.h[1][k]);
        }
        write_topo(&t, 0, oldt, sizeof oldt);
        write_topo(&t, 1, newt, sizeof newt);
        sp_ctx ctx;
        sp_ctx_init(&ctx);
        sp_model m;
        sp_update u;
        if (!load(&ctx, oldt, newt, &m) || !sp_update_build(&u, &m, false)) {
            fprintf(stderr, "seed %llu: does not load\n--- old\n%s--- new\n%s",
                    (unsigned long long)(seed0 + (uint64_t)c), oldt, newt);
            dump_diags(&ctx);
            fail();
        }
        sp_world w;
        assert_true(sp_world_build(&w, &u));
        sp_point_ws ws;
        assert_true(sp_point_ws_init(&ws, &w));
        unsigned char done[MAXH + 1];
        for (int trial = 0; trial < 6; trial++) {
            /* A state: each changed host old or new (any subset of events:
             * the point evaluator does not need it to be reachable). */
            int ver[MAXH];
            uint32_t done_list[MAXH + 1];
            size_t ndone = 0;
            memset(done, 0, sizeof done);
            for (size_t e = 0; e < u.events.len; e++)
                if ((done[e] = (unsigned char)rnd(2)))
                    done_list[ndone++] = (uint32_t)e;
            for (int k = 0; k < t.nh; k++) {
                char name[16];
                snprintf(name, sizeof name, "h%d", k);
                uint32_t comp = sp_model_find(&m, name);
                uint32_t ev = u.main_event[comp];
                ver[k] = ev == SP_NONE ? 1 : done[ev];
            }
            for (int k = 0; k < t.nh; k++) {
                char name[16];
                snprintf(name, sizeof name, "h%d", k);
                const sp_component *comp = &m.components.items[sp_model_find(&m, name)];
                uint32_t inst = ver[k] ? comp->inst_new : comp->inst_old;
                for (int q = 0; q < 12; q++) {
                    r_req r;
                    const r_addr *sa = &ADDRS[rnd(sizeof ADDRS / sizeof *ADDRS)];
                    const r_addr *da = &ADDRS[rnd(sizeof ADDRS / sizeof *ADDRS)];
                    static const int protos[] = {6, 17, 1};
                    static const int ports[] = {22, 25, 80, 85};
                    r.src = addr_key(sa);
                    r.dst = addr_key(da);
                    r.proto = protos[rnd(3)];
                    r.port = r.proto == 1 ? 0 : ports[rnd(4)];
                    sp_key point[SP_NDIMS] = {r.src, r.dst, sp_key_num(0),
                                              sp_key_num((uint64_t)r.proto),
                                              sp_key_num((uint64_t)r.port)};
                    bool model = sp_point_reaches(&ws, done, done_list, ndone, inst, point, NULL, NULL);
                    bool ref = ref_reaches(&t, ver, k, &r);
                    points++;
                    reached += ref;
                    if (model != ref) {
                        fprintf(stderr,
                                "seed %llu: h%d (%s) %s -> %s %s %d: model %d, DESIGN §6 %d\n"
                                "--- old\n%s--- new\n%s",
                                (unsigned long long)(seed0 + (uint64_t)c), k,
                                ver[k] ? "new" : "old", sa->text, da->text, proto_name(r.proto),
                                r.port, model, ref, oldt, newt);
                        fail();
                    }
                }
            }
        }
        sp_point_ws_release(&ws);
        sp_world_release(&w);
        /* The search and the brute-force oracle agree on these models too. */
        sp_requirements *req = sp_requirements_compute(&u);
        assert_non_null(req);
        sp_limits lim = {SP_DEFAULT_MAX_STATES, SP_DEFAULT_MAX_CELLS};
        sp_report fast, slow;
        assert_true(sp_search(&u, req, &lim, &fast));
        assert_true(sp_search_exhaustive(&u, &u, &slow));
        if (!same_findings(&ctx, &fast, &slow)) {
            fprintf(stderr, "seed %llu: search and oracle disagree\n--- old\n%s--- new\n%s",
                    (unsigned long long)(seed0 + (uint64_t)c), oldt, newt);
            fail();
        }
        windows += fast.findings.len;
        sp_requirements_release(req);
        sp_ctx_release(&ctx);
    }
    if (getenv("SP_TOPO_VERBOSE"))
        fprintf(stderr, "%d topologies, %lu requests (%lu reach), %lu windows\n", n, points,
                reached, windows);
    /* The generator must exercise both outcomes. */
    if (n >= 50) {
        assert_true(reached > points / 50);
        assert_true(reached < points);
        assert_true(windows > 0);
    }
}

/* ---- the journal ---- */

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void test_journal(void **state)
{
    (void)state;
    assert_true(sp_journal_hash("", 0) == 14695981039346656037ull);
    assert_true(sp_journal_hash("a", 1) == 0xaf63dc4c8601ec8cull);
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const char *path = tmp_path("j1");
    unlink(path);
    sp_journal j;
    assert_true(sp_journal_read(&ctx, path, &j));
    assert_false(j.exists);
    assert_true(sp_journal_open(&ctx, &j, true, 0x1234, 0xabcdef));
    assert_true(sp_journal_append(&ctx, &j, "done", "router", NULL));
    assert_true(sp_journal_append(&ctx, &j, "failed", "web", "exit=1"));
    sp_journal_close(&j);
    /* A torn line after them. */
    FILE *f = fopen(path, "a");
    fputs("2026-01-01T00:00:00Z done db", f);
    fclose(f);
    sp_journal k;
    assert_true(sp_journal_read(&ctx, path, &k));
    assert_true(k.exists);
    assert_true(k.old_hash == 0x1234 && k.new_hash == 0xabcdef);
    assert_int_equal(k.entries.len, 2);
    assert_int_equal(sp_journal_host_state(&k, "router"), SP_HOST_NEW);
    assert_int_equal(sp_journal_host_state(&k, "web"), SP_HOST_UNKNOWN);
    assert_int_equal(sp_journal_host_state(&k, "db"), SP_HOST_OLD);
    assert_null(k.finished);
    /* Reopening cuts the torn line off; appends start a line. */
    assert_true(sp_journal_open(&ctx, &k, false, 0, 0));
    assert_true(sp_journal_append(&ctx, &k, "undone", "router", NULL));
    /* A second opener is refused while the first holds the lock (the
     * lock is per process with fcntl, so ask a child). */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sp_ctx c2;
        sp_ctx_init(&c2);
        sp_journal other;
        bool r = sp_journal_read(&c2, path, &other) && sp_journal_open(&c2, &other, false, 0, 0);
        _exit(r ? 1 : 0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(sp_journal_append(&ctx, &k, "finished", "rollback", NULL));
    sp_journal_close(&k);
    const char *text = slurp(path);
    assert_non_null(strstr(text, "snipeproof-journal/1 old=fnv1a64:0000000000001234 "
                                 "new=fnv1a64:0000000000abcdef\n"));
    assert_null(strstr(text, " db"));
    assert_non_null(strstr(text, " undone router\n"));
    sp_journal l;
    assert_true(sp_journal_read(&ctx, path, &l));
    assert_int_equal(sp_journal_host_state(&l, "router"), SP_HOST_OLD);
    assert_string_equal(l.finished, "rollback");
    /* Not a journal. */
    write_file(path, "hello\n", 0644);
    assert_false(sp_journal_read(&ctx, path, &l));
    write_file(path, "snipeproof-journal/1 old=fnv1a64:0000000000000000 new=fnv1a64:0\n", 0644);
    assert_false(sp_journal_read(&ctx, path, &l));
    write_file(path,
               "snipeproof-journal/1 old=fnv1a64:0000000000000000 new=fnv1a64:0000000000000000\n"
               "2026 exploded web\n",
               0644);
    assert_false(sp_journal_read(&ctx, path, &l));
    unlink(path);
    sp_ctx_release(&ctx);
}

/* ---- the runner ---- */

static void test_runner(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    write_file(tmp_path("ok.sh"),
               "#!/bin/sh\necho \"$SNIPEPROOF_HOST wave $SNIPEPROOF_WAVE $SNIPEPROOF_ACTION "
               "$1\"\nprintf 'no newline'\n",
               0755);
    write_file(tmp_path("bad.sh"), "#!/bin/sh\necho failing >&2\nexit 7\n", 0755);
    write_file(tmp_path("plain.txt"), "not a program\n", 0644);
    static const char *const a1[] = {"./ok.sh", "one two", NULL};
    static const char *const a2[] = {"sh", "-c", "pwd", NULL}; /* found in PATH */
    static const char *const a3[] = {"./bad.sh", NULL};
    static const char *const a4[] = {"./ok.sh", "never", NULL};
    sp_rollout_host hosts[] = {
        {"h1", a1, 0, false, 0, NULL},
        {"h2", a2, 0, false, 0, NULL},
        {"h3", a3, 1, false, 0, NULL},
        {"h0", a1, 1, true, 0, NULL}, /* done before */
        {"h4", a4, 2, false, 0, NULL},
    };
    sp_journal j;
    const char *jpath = tmp_path("j2");
    unlink(jpath);
    assert_true(sp_journal_read(&ctx, jpath, &j));
    assert_true(sp_journal_open(&ctx, &j, true, 1, 2));
    sp_rollout ro;
    memset(&ro, 0, sizeof ro);
    ro.action = "apply";
    ro.dir = tmpdir;
    ro.hosts = hosts;
    ro.nhosts = 5;
    ro.nwaves = 3;
    ro.jobs = 1;
    ro.journal = &j;
    ro.done_verb = "done";
    ro.fail_verb = "failed";
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    bool ok = sp_rollout_run(&ctx, &ro, out);
    fclose(out);
    assert_false(ok);
    assert_int_equal(hosts[0].result, SP_RESULT_DONE);
    assert_int_equal(hosts[1].result, SP_RESULT_DONE);
    assert_int_equal(hosts[2].result, SP_RESULT_FAILED);
    assert_string_equal(hosts[2].why, "exit status 7");
    assert_int_equal(hosts[3].result, SP_RESULT_SKIPPED);
    assert_int_equal(hosts[4].result, SP_RESULT_NOT_STARTED);
    assert_false(ro.interrupted);
    assert_int_equal(ro.stopped_after, 2);
    assert_non_null(strstr(text, "h1: h1 wave 1 apply one two\nh1: no newline\nh1: done\n"));
    assert_non_null(strstr(text, "h1: running ./ok.sh 'one two'\n"));
    char expect_pwd[600];
    snprintf(expect_pwd, sizeof expect_pwd, "h2: %s\n", tmpdir);
    assert_non_null(strstr(text, expect_pwd));
    assert_non_null(strstr(text, "h3: failing\nh3: failed (exit status 7)\n"));
    assert_non_null(strstr(text, "wave 2/3: h3, h0 (done already)\n"));
    assert_null(strstr(text, "never"));
    free(text);
    sp_journal_close(&j);
    sp_journal k;
    assert_true(sp_journal_read(&ctx, jpath, &k));
    assert_int_equal(k.entries.len, 3);
    assert_int_equal(sp_journal_host_state(&k, "h1"), SP_HOST_NEW);
    assert_int_equal(sp_journal_host_state(&k, "h3"), SP_HOST_UNKNOWN);

    /* A program that cannot run fails its host without a fork; the other
     * hosts of its wave still run (the wave completes, then it stops). */
    static const char *const b1[] = {"./plain.txt", NULL};
    static const char *const b2[] = {"no-such-program-snipeproof", NULL};
    static const char *const b3[] = {"./ok.sh", "x", NULL};
    sp_rollout_host more[] = {
        {"p", b1, 0, false, 0, NULL},
        {"q", b2, 0, false, 0, NULL},
        {"r", b3, 0, false, 0, NULL},
    };
    memset(&ro, 0, sizeof ro);
    ro.action = "rollback";
    ro.dir = tmpdir;
    ro.hosts = more;
    ro.nhosts = 3;
    ro.nwaves = 1;
    ro.done_verb = "undone";
    ro.fail_verb = "undo-failed";
    text = NULL;
    out = open_memstream(&text, &len);
    assert_false(sp_rollout_run(&ctx, &ro, out));
    fclose(out);
    assert_int_equal(more[0].result, SP_RESULT_FAILED);
    assert_non_null(strstr(more[0].why, "not an executable file"));
    assert_int_equal(more[1].result, SP_RESULT_FAILED);
    assert_non_null(strstr(more[1].why, "not found in PATH"));
    assert_int_equal(more[2].result, SP_RESULT_DONE);
    assert_non_null(strstr(text, "r: r wave 1 rollback x\n"));
    free(text);

    /* Dry run: lists, runs nothing. */
    memset(&ro, 0, sizeof ro);
    ro.action = "apply";
    ro.dir = tmpdir;
    ro.hosts = hosts;
    ro.nhosts = 5;
    ro.nwaves = 3;
    ro.dry_run = true;
    text = NULL;
    out = open_memstream(&text, &len);
    assert_true(sp_rollout_run(&ctx, &ro, out));
    fclose(out);
    assert_string_equal(text, "wave 1/3:\n"
                              "  h1: ./ok.sh 'one two'\n"
                              "  h2: sh -c pwd\n"
                              "wave 2/3:\n"
                              "  h3: ./bad.sh\n"
                              "  h0: ./ok.sh 'one two'   (done already: skipped)\n"
                              "wave 3/3:\n"
                              "  h4: ./ok.sh never\n");
    free(text);
    static const char *const q[] = {"it's", "a b", "plain", "", NULL};
    assert_string_equal(sp_rollout_quote_argv(&ctx, q), "'it'\\''s' 'a b' plain ''");
    sp_ctx_release(&ctx);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/snipeproof-topo-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"ok.sh", "bad.sh", "plain.txt", "j1", "j2"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        unlink(tmp_path(files[i]));
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_case), cmocka_unit_test(test_changes),
        cmocka_unit_test(test_empty_old),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_random_topologies), cmocka_unit_test(test_journal),
        cmocka_unit_test(test_runner),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
