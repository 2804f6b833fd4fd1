/* Rulesets to the guards on a machine's edges (docs/GUIX.md, "Firewalls").
 *
 * A request reaches a machine through its input hook and passes through it
 * to another segment through its forward hook; prerouting chains see both.
 * Every base chain on the way is one guard on that edge: first match, then
 * the chain's policy, and an edge through several guards admits what all of
 * them accept (nftables: a drop in any base chain is final, an accept only
 * ends its own chain).  Interfaces are resolved per edge from the topology:
 * the forward A -> B arrives on the host's interface on A and leaves on its
 * interface on B; what reaches the host arrives on its interface on its
 * network.  A rule is specialised to each edge: its interface matches
 * become true or false, `jump` and `goto` are inlined (their conditions
 * conjoined), `return` and `goto` in a base chain end it with the policy.
 * A chain of the ip (ip6) family lets IPv6 (IPv4) requests through.
 * `ct state` rules that do not admit new connections never match: a
 * request is a new connection (established and related traffic answers a
 * connection someone was already allowed to open). */
#include "guix.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers for the parsers ---- */

void fw_rule_init(fw_rule *r)
{
    memset(r, 0, sizeof *r);
}

static sp_ival dim_domain(sp_dim d, int family)
{
    sp_ival iv;
    switch (d) {
    case SP_DIM_SRC:
    case SP_DIM_DST:
        return sp_fleet_family_domain(family == 6 ? SP_FAM_V6 : SP_FAM_V4);
    case SP_DIM_PROTO:
        iv.lo = sp_key_num(0);
        iv.hi = sp_key_num(255);
        return iv;
    default:
        iv.lo = sp_key_num(0);
        iv.hi = sp_key_num(65535);
        return iv;
    }
}

static int ival_cmp(const void *a, const void *b)
{
    return sp_key_cmp(((const sp_ival *)a)->lo, ((const sp_ival *)b)->lo);
}

/* Sorted, merged copy of iv[0..n). */
static bool normalise(geval *E, const sp_ival *iv, size_t n, sp_ival_vec *out)
{
    sp_ival *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp) {
        sp_oom(E->ctx);
        E->failed = true;
        return false;
    }
    if (n)
        memcpy(tmp, iv, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, ival_cmp);
    out->len = 0;
    for (size_t i = 0; i < n; i++) {
        if (out->len) {
            sp_ival *last = &out->items[out->len - 1];
            if (sp_key_cmp(tmp[i].lo, sp_key_next(last->hi)) <= 0 &&
                last->hi.tag == tmp[i].lo.tag) {
                if (sp_key_cmp(tmp[i].hi, last->hi) > 0)
                    last->hi = tmp[i].hi;
                continue;
            }
        }
        if (!sp_vec_push(&E->ctx->arena, out, tmp[i])) {
            free(tmp);
            sp_oom(E->ctx);
            E->failed = true;
            return false;
        }
    }
    free(tmp);
    return true;
}

/* The complement of sorted, merged a within dom. */
static bool complement(geval *E, const sp_ival_vec *a, sp_ival dom, sp_ival_vec *out)
{
    out->len = 0;
    sp_key cur = dom.lo;
    bool done = false;
    for (size_t i = 0; i < a->len && !done; i++) {
        sp_ival x = a->items[i];
        if (sp_key_cmp(x.hi, dom.lo) < 0 || sp_key_cmp(x.lo, dom.hi) > 0)
            continue;
        if (sp_key_cmp(x.lo, cur) > 0) {
            sp_ival gap = {cur, sp_key_prev(x.lo)};
            if (!sp_vec_push(&E->ctx->arena, out, gap))
                goto oom;
        }
        if (sp_key_cmp(x.hi, dom.hi) >= 0)
            done = true;
        else if (sp_key_cmp(x.hi, cur) >= 0)
            cur = sp_key_next(x.hi);
    }
    if (!done) {
        sp_ival gap = {cur, dom.hi};
        if (!sp_vec_push(&E->ctx->arena, out, gap))
            goto oom;
    }
    return true;
oom:
    sp_oom(E->ctx);
    E->failed = true;
    return false;
}

/* a ∩ b, both sorted and merged. */
static bool intersect(geval *E, const sp_ival_vec *a, const sp_ival_vec *b, sp_ival_vec *out)
{
    sp_ival_vec r = {0};
    size_t i = 0, j = 0;
    while (i < a->len && j < b->len) {
        sp_ival x = a->items[i], y = b->items[j];
        sp_key lo = sp_key_cmp(x.lo, y.lo) > 0 ? x.lo : y.lo;
        sp_key hi = sp_key_cmp(x.hi, y.hi) < 0 ? x.hi : y.hi;
        if (sp_key_cmp(lo, hi) <= 0) {
            sp_ival z = {lo, hi};
            if (!sp_vec_push(&E->ctx->arena, &r, z)) {
                sp_oom(E->ctx);
                E->failed = true;
                return false;
            }
        }
        if (sp_key_cmp(x.hi, y.hi) < 0)
            i++;
        else
            j++;
    }
    *out = r;
    return true;
}

static sp_ival_vec *dim_vec(fw_rule *r, sp_dim d, bool **has)
{
    switch (d) {
    case SP_DIM_SRC: *has = &r->has_src; return &r->src;
    case SP_DIM_DST: *has = &r->has_dst; return &r->dst;
    case SP_DIM_PROTO: *has = &r->has_proto; return &r->proto;
    default: *has = &r->has_port; return &r->port;
    }
}

bool fw_constrain(geval *E, fw_rule *r, sp_dim d, const sp_ival *iv, size_t n, bool negate)
{
    sp_ival_vec x = {0};
    if (!normalise(E, iv, n, &x))
        return false;
    if (negate) {
        sp_ival_vec c = {0};
        if (!complement(E, &x, dim_domain(d, r->family), &c))
            return false;
        x = c;
    }
    bool *has;
    sp_ival_vec *cur = dim_vec(r, d, &has);
    if (*has) {
        sp_ival_vec both;
        if (!intersect(E, cur, &x, &both))
            return false;
        x = both;
    }
    *cur = x;
    *has = true;
    if (!x.len)
        r->never = true;
    return true;
}

void fw_set_family(fw_rule *r, int family)
{
    if (r->family && r->family != family)
        r->never = true;
    r->family = family;
}

int fw_port_by_name(const char *name)
{
    static const struct {
        const char *name;
        int port;
    } PORTS[] = {{"ftp-data", 20}, {"ftp", 21},          {"ssh", 22},     {"telnet", 23},
                 {"smtp", 25},     {"domain", 53},       {"bootps", 67},  {"bootpc", 68},
                 {"tftp", 69},     {"http", 80},         {"www", 80},     {"pop3", 110},
                 {"sunrpc", 111},  {"ntp", 123},         {"imap", 143},   {"imap2", 143},
                 {"snmp", 161},    {"ldap", 389},        {"https", 443},  {"submissions", 465},
                 {"smtps", 465},   {"syslog", 514},      {"submission", 587},
                 {"ldaps", 636},   {"rsync", 873},       {"imaps", 993},  {"pop3s", 995},
                 {"openvpn", 1194}, {"mysql", 3306},     {"postgresql", 5432},
                 {"mdns", 5353},   {"http-alt", 8080},   {"wireguard", 51820}};
    for (size_t i = 0; i < sizeof PORTS / sizeof *PORTS; i++)
        if (!strcmp(PORTS[i].name, name))
            return PORTS[i].port;
    return -1;
}

int fw_proto_by_name(const char *name)
{
    static const struct {
        const char *name;
        int proto;
    } PROTOS[] = {{"icmp", 1},  {"igmp", 2},     {"tcp", 6},   {"udp", 17}, {"ipv6-icmp", 58},
                  {"icmpv6", 58}, {"gre", 47},   {"esp", 50},  {"ah", 51},  {"sctp", 132},
                  {"udplite", 136}, {"dccp", 33}};
    for (size_t i = 0; i < sizeof PROTOS / sizeof *PROTOS; i++)
        if (!strcmp(PROTOS[i].name, name))
            return PROTOS[i].proto;
    return -1;
}

/* ---- specialising to edges ---- */

typedef struct edge {
    const char *iif; /* the interface requests arrive on, NULL when unknown */
    const char *oif; /* they leave on; NULL for the host itself */
    bool input;      /* the edge reaches the host */
    const char *label; /* "internet -> lan", "lan -> router" */
} edge;

typedef struct flat {
    geval *E;
    const fw_ruleset *set;
    const sp_fleet_host *h;
    edge ed;
    SP_VEC(fw_rule) out;
    bool failed;
} flat;

static bool name_matches(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return !strncmp(pattern, name, n - 1);
    return !strcmp(pattern, name);
}

static bool only_loopback(const fw_ifmatch *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->names[i], "lo"))
            return false;
    return true;
}

/* Whether a rule's interface match holds on this edge; -1 after an error. */
static int if_holds(flat *F, const fw_ifmatch *m, const char *iface, bool in)
{
    if (!m->used)
        return 1;
    if (!in && F->ed.input) {
        geval_error(F->E, m->loc, "an output-interface match in a chain that sees requests to "
                                  "%s itself is not supported",
                    F->h->name);
        return -1;
    }
    bool hit = false;
    if (iface) {
        for (size_t i = 0; i < m->n && !hit; i++)
            hit = name_matches(m->names[i], iface);
    } else if (!only_loopback(m)) {
        geval_error(F->E, m->loc,
                    "this rule matches the interface requests %s, but the topology gives %s no "
                    "interface on the segment of the edge %s (add it to interfaces: in the "
                    "topology)",
                    in ? "arrive on" : "leave by", F->h->name, F->ed.label);
        return -1;
    }
    /* Loopback traffic is not modelled: "lo" matches no request. */
    return hit != m->negated;
}

static bool intersect_dim(geval *E, fw_rule *r, sp_dim d, const fw_rule *outer)
{
    bool *ohas;
    sp_ival_vec *ov = dim_vec((fw_rule *)outer, d, &ohas);
    if (!*ohas)
        return true;
    return fw_constrain(E, r, d, ov->items, ov->len, false);
}

/* The conjunction of a jump's conditions with a rule of its target. */
static bool conjoin(geval *E, fw_rule *r, const fw_rule *outer)
{
    if (outer->family)
        fw_set_family(r, outer->family);
    for (int d = 0; d < SP_NDIMS; d++)
        if (d != SP_DIM_CRED && !intersect_dim(E, r, (sp_dim)d, outer))
            return false;
    if (outer->never)
        r->never = true;
    return true;
}

static const fw_chain *find(const fw_ruleset *set, const fw_chain *from, const char *name)
{
    for (size_t i = 0; i < set->chains.len; i++) {
        const fw_chain *c = &set->chains.items[i];
        if (c->family == from->family && !strcmp(c->table, from->table) && !strcmp(c->name, name))
            return c;
    }
    return NULL;
}

static bool emit(flat *F, fw_rule r)
{
    if (!sp_vec_push(&F->E->ctx->arena, &F->out, r)) {
        sp_oom(F->E->ctx);
        F->E->failed = true;
        return false;
    }
    return true;
}

/* Flattens `c` under condition `outer` (NULL at the base chain). */
static bool flatten(flat *F, const fw_chain *base, const fw_chain *c, const fw_rule *outer,
                    const fw_chain **stack, unsigned depth)
{
    if (depth > 16) {
        geval_error(F->E, c->loc, "jumps nest deeper than 16 chains here");
        return false;
    }
    for (unsigned k = 0; k < depth; k++)
        if (stack[k] == c) {
            geval_error(F->E, c->loc, "the chain %s jumps back to itself", c->name);
            return false;
        }
    stack[depth] = c;
    for (size_t i = 0; i < c->rules.len; i++) {
        if (!geval_step(F->E, c->rules.items[i].loc, 1))
            return false;
        fw_rule r = c->rules.items[i];
        if (r.never || r.verdict == FW_NONE)
            continue;
        int in = if_holds(F, &r.iif, F->ed.iif, true);
        int out = in == 1 ? if_holds(F, &r.oif, F->ed.oif, false) : in;
        if (in < 0 || out < 0)
            return false;
        if (!in || !out)
            continue;
        if (outer && !conjoin(F->E, &r, outer))
            return false;
        if (r.never)
            continue;
        switch (r.verdict) {
        case FW_ACCEPT:
        case FW_DROP:
            if (!emit(F, r))
                return false;
            break;
        case FW_RETURN:
        case FW_GOTO:
        case FW_JUMP: {
            if (r.verdict != FW_JUMP && depth > 0) {
                geval_error(F->E, r.loc, "%s in a chain reached by a jump is not supported",
                            r.verdict == FW_RETURN ? "return" : "goto");
                return false;
            }
            if (r.verdict != FW_RETURN) {
                const fw_chain *t = find(F->set, c, r.target);
                if (!t) {
                    geval_error(F->E, r.loc, "no chain '%s' in table %s", r.target, c->table);
                    return false;
                }
                if (t->base) {
                    geval_error(F->E, r.loc, "a jump to the base chain %s is not supported",
                                t->name);
                    return false;
                }
                if (!flatten(F, base, t, &r, stack, depth + 1))
                    return false;
            }
            if (r.verdict != FW_JUMP) {
                /* The base chain ends here for these requests: its policy. */
                fw_rule end = r;
                end.verdict = base->policy == SP_ALLOW ? FW_ACCEPT : FW_DROP;
                if (!emit(F, end))
                    return false;
            }
            break;
        }
        default:
            break;
        }
    }
    return true;
}

static const sp_reqset *rule_set(geval *E, const fw_rule *r)
{
    sp_box_builder b;
    sp_box_begin(&b, E->ctx);
    static const sp_dim DIMS[] = {SP_DIM_SRC, SP_DIM_DST, SP_DIM_PROTO, SP_DIM_PORT};
    fw_rule *rr = (fw_rule *)r;
    for (size_t k = 0; k < 4; k++) {
        bool *has;
        sp_ival_vec *v = dim_vec(rr, DIMS[k], &has);
        if (*has)
            sp_fleet_allow_ivals(&b, DIMS[k], v->items, v->len);
    }
    if (r->family && !r->has_src) {
        sp_ival dom = sp_fleet_family_domain(r->family == 6 ? SP_FAM_V6 : SP_FAM_V4);
        sp_fleet_allow_ivals(&b, SP_DIM_SRC, &dom, 1);
    }
    sp_set_builder s;
    sp_set_begin(&s, E->ctx);
    sp_set_add_box(&s, &b);
    return sp_set_finish(&s);
}

static const char *iface_on(const sp_fleet_host *h, int seg)
{
    for (size_t i = 0; i < h->ifaces.len; i++)
        if (h->ifaces.items[i].segment == seg)
            return h->ifaces.items[i].name;
    return NULL;
}

static const char *seg_name(const sp_fleet *f, int seg)
{
    return seg == SP_SEG_INTERNET ? "internet" : seg >= 0 ? f->nets.items[seg].name : "?";
}

/* One guard: chain c specialised to edge ed. */
static bool add_guard(geval *E, const fw_ruleset *set, const fw_chain *c, sp_fleet_host *h,
                      edge ed, sp_fleet_guard_list *list)
{
    flat F;
    memset(&F, 0, sizeof F);
    F.E = E;
    F.set = set;
    F.h = h;
    F.ed = ed;
    const fw_chain *stack[18];
    /* A chain of one family lets the other family through. */
    if (c->family == FW_IP || c->family == FW_IP6) {
        fw_rule other;
        fw_rule_init(&other);
        fw_set_family(&other, c->family == FW_IP ? 6 : 4);
        other.verdict = FW_ACCEPT;
        other.loc = c->loc;
        other.text = c->family == FW_IP ? "(an ip table sees no IPv6)"
                                        : "(an ip6 table sees no IPv4)";
        if (!emit(&F, other))
            return false;
    }
    if (!flatten(&F, c, c, NULL, stack, 0))
        return false;
    const char *svc = set->source->service_name;
    const char *label = sp_arena_printf(&E->ctx->arena, "%s %s %s %s (%s)", svc,
                                        c->family == FW_INET ? "inet" : c->family == FW_IP6 ? "ip6" : "ip",
                                        c->table, c->name, ed.label);
    sp_fleet_guard g;
    memset(&g, 0, sizeof g);
    g.name = sp_intern(&E->ctx->names, label ? label : "firewall");
    g.dflt = c->policy;
    g.loc = c->loc;
    g.why = label;
    for (size_t i = 0; i < F.out.len; i++) {
        const fw_rule *r = &F.out.items[i];
        sp_fleet_rule fr = {(uint8_t)(r->verdict == FW_ACCEPT ? SP_ALLOW : SP_DENY),
                            rule_set(E, r), r->loc,
                            sp_arena_printf(&E->ctx->arena, "%s: %s", svc, r->text)};
        if (!fr.set || !fr.why || !sp_vec_push(&E->ctx->arena, &g.rules, fr))
            goto oom;
    }
    uint32_t idx = (uint32_t)h->guards.len;
    if (!sp_vec_push(&E->ctx->arena, &h->guards, g) || !sp_vec_push(&E->ctx->arena, list, idx))
        goto oom;
    return true;
oom:
    sp_oom(E->ctx);
    E->failed = true;
    return false;
}

/* Every interface a rule names must be one of the host's (loopback aside):
 * a misspelt name would otherwise silently never match. */
static bool check_interfaces(geval *E, const fw_ruleset *set, const sp_fleet_host *h)
{
    for (size_t i = 0; i < set->chains.len; i++) {
        const fw_chain *c = &set->chains.items[i];
        for (size_t k = 0; k < c->rules.len; k++) {
            const fw_rule *r = &c->rules.items[k];
            const fw_ifmatch *ms[2] = {&r->iif, &r->oif};
            for (int m = 0; m < 2; m++) {
                if (!ms[m]->used)
                    continue;
                for (size_t j = 0; j < ms[m]->n; j++) {
                    const char *name = ms[m]->names[j];
                    if (!strcmp(name, "lo"))
                        continue;
                    bool found = false;
                    for (size_t x = 0; x < h->ifaces.len && !found; x++)
                        found = name_matches(name, h->ifaces.items[x].name);
                    if (found)
                        continue;
                    if (!h->ifaces.len)
                        geval_error(E, ms[m]->loc,
                                    "this rule names the interface '%s', but the topology gives "
                                    "%s no interfaces (add interfaces: {%s: SEGMENT} to %s)",
                                    name, h->name, name, h->name);
                    else
                        geval_error(E, ms[m]->loc,
                                    "the interface '%s' is not one of %s's in the topology "
                                    "(interfaces: %s%s%s)",
                                    name, h->name, h->ifaces.items[0].name,
                                    h->ifaces.len > 1 ? ", " : "",
                                    h->ifaces.len > 1 ? h->ifaces.items[1].name : "");
                    return false;
                }
            }
        }
    }
    return true;
}

bool gfw_guards(geval *E, const fw_ruleset *sets, size_t n, const sp_fleet *f,
                sp_fleet_host *h)
{
    for (size_t s = 0; s < n; s++)
        if (!check_interfaces(E, &sets[s], h))
            return false;
    for (size_t s = 0; s < n; s++) {
        const fw_ruleset *set = &sets[s];
        for (size_t i = 0; i < set->chains.len; i++) {
            const fw_chain *c = &set->chains.items[i];
            if (!c->base || c->nat)
                continue;
            bool input = c->hook == FW_HOOK_INPUT || c->hook == FW_HOOK_PREROUTING;
            bool forward = c->hook == FW_HOOK_FORWARD || c->hook == FW_HOOK_PREROUTING ||
                           c->hook == FW_HOOK_POSTROUTING;
            if (input && h->network != SP_SEG_NONE) {
                edge ed = {iface_on(h, h->network), NULL, true,
                           sp_arena_printf(&E->ctx->arena, "%s -> %s", seg_name(f, h->network),
                                           h->name)};
                if (!add_guard(E, set, c, h, ed, &h->entry_guards))
                    return false;
            }
            if (!forward)
                continue;
            for (size_t k = 0; k < h->fwds.len; k++) {
                sp_fleet_forward *w = &h->fwds.items[k];
                if (w->to == SP_SEG_INTERNET)
                    continue; /* not followed (fleet.h) */
                edge ed = {iface_on(h, w->from), c->hook == FW_HOOK_PREROUTING ? NULL
                                                                               : iface_on(h, w->to),
                           false,
                           sp_arena_printf(&E->ctx->arena, "%s -> %s", seg_name(f, w->from),
                                           seg_name(f, w->to))};
                if (c->hook == FW_HOOK_PREROUTING) {
                    /* No output interface is known before routing. */
                    for (size_t r = 0; r < c->rules.len; r++)
                        if (c->rules.items[r].oif.used) {
                            geval_error(E, c->rules.items[r].oif.loc,
                                        "an output-interface match in a prerouting chain is "
                                        "not supported");
                            return false;
                        }
                    ed.oif = "";
                }
                if (!add_guard(E, set, c, h, ed, &w->guards))
                    return false;
            }
        }
    }
    return !E->failed;
}
