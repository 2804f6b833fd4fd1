/* The topology front-end (DESIGN §6): two topology files -> the model.
 *
 * Components: one per network (type "network", always unchanged) and one
 * per host (type "host"; unchanged, modified, added or removed by
 * structural equality of its definition, `after:` excepted).  Names of
 * hosts and networks share one namespace; `internet` is reserved.
 *
 * This file reads and checks the files into fleets (fleet.h); fleet.c
 * builds the model, whose graph fleet.h describes.  A host's firewall is
 * one guard, "firewall", on the edge that reaches the host and on every
 * forward of the host (it filters what the host forwards as well as what
 * reaches it); a host without a firewall filters nothing.  Services are
 * ACCEPTS facts: no `services` key accepts everything, `services: []`
 * nothing.  `after:` lists become declared deps. */
#include "fleet.h"
#include "topology.h"

#include <stdlib.h>
#include <string.h>

/* One file as read: its fleet (every host with one guard, "firewall",
 * when it has one). */
typedef struct tfile {
    const sp_doc *doc; /* NULL: an empty configuration */
    sp_fleet fleet;
} tfile;

typedef struct loader {
    sp_ctx *ctx;
    sp_model *m;
    tfile f[2]; /* 0 OLD, 1 NEW */
    sp_name fw_name;
    bool guix;   /* the topology of guix deploy files (sp_topology_read_network) */
    bool failed;
} loader;

/* ---- small helpers ---- */

#define FAIL(L, node, ...)                                                                    \
    do {                                                                                      \
        sp_error((L)->ctx, sp_doc_loc(node), __VA_ARGS__);                                    \
        (L)->failed = true;                                                                   \
    } while (0)

static const char *kind_name(const sp_doc *d)
{
    switch (d->kind) {
    case SP_DOC_NULL: return "nothing (null)";
    case SP_DOC_BOOL: return "a boolean";
    case SP_DOC_NUMBER: return "a number";
    case SP_DOC_STRING: return "a string";
    case SP_DOC_SEQ: return "a list";
    default: return "a map";
    }
}

static bool is_kind(loader *L, const sp_doc *d, sp_doc_kind kind, const char *what)
{
    if (d->kind == kind)
        return true;
    static const char *const wanted[] = {"null", "a boolean", "a number", "a string",
                                         "a list", "a map"};
    FAIL(L, d, "%s must be %s, not %s", what, wanted[kind], kind_name(d));
    return false;
}

/* A string (or, for convenience, a number: YAML reads `22` as one). */
static const char *text_of(loader *L, const sp_doc *d, const char *what)
{
    if (d->kind == SP_DOC_STRING || d->kind == SP_DOC_NUMBER)
        return sp_doc_text(d);
    FAIL(L, d, "%s must be a string, not %s", what, kind_name(d));
    return NULL;
}

static bool key_allowed(const char *key, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (!strcmp(key, *allowed))
            return true;
    return false;
}

/* Every key of `map` must be one of `allowed` (NULL-terminated). */
static void check_keys(loader *L, const sp_doc *map, const char *const *allowed, const char *what)
{
    for (size_t i = 0; i < map->u.map.len; i++) {
        const sp_doc *k = map->u.map.pairs[i].key;
        const char *t = sp_doc_text(k);
        if (t && key_allowed(t, allowed))
            continue;
        char list[256];
        size_t len = 0;
        list[0] = 0;
        for (const char *const *a = allowed; *a; a++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                    a == allowed ? "" : a[1] ? ", " : " or ", *a);
        FAIL(L, k, "unknown key '%s' in %s (expected %s)", t ? t : "?", what, list);
    }
}

/* Host and network names: letters, digits, '.', '-', '_' (they appear in
 * journals and as output prefixes). */
static bool valid_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '-' || *s == '_'))
            return false;
    return true;
}

static const char *cidr_text(loader *L, sp_ival iv)
{
    char buf[128];
    sp_format_addresses(&L->ctx->names, &iv, 1, buf, sizeof buf);
    return sp_arena_strdup(&L->ctx->arena, buf);
}

/* A CIDR (or a single address) without host bits; false after an error. */
static bool parse_cidr(loader *L, const sp_doc *node, const char *what, sp_ival *out)
{
    const char *t = text_of(L, node, what);
    if (!t)
        return false;
    if (!sp_parse_cidr(t, out)) {
        FAIL(L, node, "%s: '%s' is not an IPv4 or IPv6 address or CIDR block", what, t);
        return false;
    }
    /* sp_parse_cidr masks host bits away: "192.168.1.5/24" would silently
     * mean 192.168.1.0/24.  Say so instead. */
    char addr[64];
    size_t n = strcspn(t, "/");
    sp_ival exact;
    if (n < sizeof addr) {
        memcpy(addr, t, n);
        addr[n] = 0;
        if (sp_parse_cidr(addr, &exact) && sp_key_cmp(exact.lo, out->lo) != 0) {
            FAIL(L, node, "%s: '%s' has host bits set; the block is %s", what, t,
                 cidr_text(L, *out));
            return false;
        }
    }
    return true;
}

/* A port or a range "LO-HI", 1..65535. */
static bool parse_ports(loader *L, const sp_doc *node, uint32_t *lo, uint32_t *hi)
{
    const char *t = text_of(L, node, "port");
    if (!t)
        return false;
    unsigned long v[2] = {0, 0};
    int k = 0;
    const char *p = t;
    bool ok = true;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p < '0' || *p > '9') {
            ok = false;
            break;
        }
        unsigned long x = 0;
        while (*p >= '0' && *p <= '9' && x <= 100000)
            x = x * 10 + (unsigned long)(*p++ - '0');
        v[k++] = x;
        while (*p == ' ')
            p++;
        if (*p == '-' && k == 1) {
            p++;
            continue;
        }
        ok = *p == 0;
        break;
    }
    if (!ok) {
        FAIL(L, node, "port must be a number or a range such as \"8000-8080\", not '%s'", t);
        return false;
    }
    if (k == 1)
        v[1] = v[0];
    for (int i = 0; i < 2; i++)
        if (v[i] < 1 || v[i] > 65535) {
            FAIL(L, node, "port %lu is out of range (ports are 1 to 65535)", v[i]);
            return false;
        }
    if (v[0] > v[1]) {
        FAIL(L, node, "the port range '%s' is empty: %lu is greater than %lu", t, v[0], v[1]);
        return false;
    }
    *lo = (uint32_t)v[0];
    *hi = (uint32_t)v[1];
    return true;
}

/* tcp | udp | icmp | any -> protocol number, or 0 for any; -1 on error. */
static int parse_protocol(loader *L, const sp_doc *node)
{
    const char *t = text_of(L, node, "protocol");
    if (!t)
        return -1;
    if (!strcmp(t, "tcp"))
        return SP_PROTO_TCP;
    if (!strcmp(t, "udp"))
        return SP_PROTO_UDP;
    if (!strcmp(t, "icmp"))
        return SP_PROTO_ICMP;
    if (!strcmp(t, "any"))
        return 0;
    FAIL(L, node, "unknown protocol '%s' (expected tcp, udp, icmp or any)", t);
    return -1;
}

/* accept | drop -> action; -1 on error. */
static int parse_action(loader *L, const sp_doc *node, const char *what)
{
    const char *t = text_of(L, node, what);
    if (!t)
        return -1;
    if (!strcmp(t, "accept"))
        return SP_ALLOW;
    if (!strcmp(t, "drop"))
        return SP_DENY;
    FAIL(L, node, "%s must be accept or drop, not '%s'", what, t);
    return -1;
}

static const char *net_list(loader *L, const sp_fleet *f)
{
    if (!f->nets.len)
        return "this file declares no network";
    char buf[256];
    size_t len = (size_t)snprintf(buf, sizeof buf, "declared: ");
    for (size_t i = 0; i < f->nets.len && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "",
                                f->nets.items[i].name);
    return sp_arena_strdup(&L->ctx->arena, buf);
}

/* A segment name: a network of this file or `internet`. */
static int parse_segment(loader *L, const sp_fleet *f, const sp_doc *node, const char *what)
{
    const char *t = text_of(L, node, what);
    if (!t)
        return SP_SEG_NONE;
    if (!strcmp(t, "internet"))
        return SP_SEG_INTERNET;
    int n = sp_fleet_find_net(f, t);
    if (n == SP_SEG_NONE)
        FAIL(L, node, "%s: unknown network '%s' (%s; or internet)", what, t, net_list(L, f));
    return n;
}

/* ---- request sets ---- */

/* Addresses a rule's from/to names: a network, internet or a CIDR. */
static bool rule_addresses(loader *L, const sp_fleet *f, const sp_doc *node, const char *what,
                           sp_ival_vec *out)
{
    const char *t = text_of(L, node, what);
    if (!t)
        return false;
    if (!strcmp(t, "internet")) {
        for (int fam = 0; fam < SP_NFAMS; fam++)
            for (size_t i = 0; i < f->inet[fam].len; i++)
                if (!sp_vec_push(&L->ctx->arena, out, f->inet[fam].items[i]))
                    return false;
        return true;
    }
    int n = sp_fleet_find_net(f, t);
    if (n != SP_SEG_NONE)
        return sp_vec_push(&L->ctx->arena, out, f->nets.items[n].iv);
    if (!strchr(t, '.') && !strchr(t, ':')) {
        FAIL(L, node, "%s: '%s' is neither a network (%s), internet, nor an address block", what,
             t, net_list(L, f));
        return false;
    }
    sp_ival iv;
    if (!parse_cidr(L, node, what, &iv))
        return false;
    return sp_vec_push(&L->ctx->arena, out, iv);
}

/* ---- reading one file ---- */

static void read_networks(loader *L, sp_fleet *f, const sp_doc *nets)
{
    if (!nets || nets->kind == SP_DOC_NULL || !is_kind(L, nets, SP_DOC_MAP, "networks"))
        return;
    for (size_t i = 0; i < nets->u.map.len; i++) {
        const sp_doc *k = nets->u.map.pairs[i].key, *v = nets->u.map.pairs[i].value;
        const char *name = sp_doc_text(k);
        if (!name || !valid_name(name)) {
            FAIL(L, k, "network name '%s' is not valid (letters, digits, '.', '-' and '_')",
                 name ? name : "?");
            continue;
        }
        if (!strcmp(name, "internet")) {
            FAIL(L, k, "'internet' is reserved: it names every address outside the declared "
                       "networks");
            continue;
        }
        sp_fleet_net n;
        memset(&n, 0, sizeof n);
        n.name = name;
        n.key = k;
        n.value = v;
        n.comp = SP_NONE;
        char what[160];
        snprintf(what, sizeof what, "network '%s'", name);
        /* A malformed range is reported once; the name stays known so
         * that its uses do not add errors of their own. */
        n.bad = !parse_cidr(L, v, what, &n.iv);
        n.family = n.iv.lo.tag == SP_TAG_IPV6 ? SP_FAM_V6 : SP_FAM_V4;
        bool overlap = false;
        for (size_t j = 0; j < f->nets.len && !overlap && !n.bad; j++) {
            const sp_fleet_net *o = &f->nets.items[j];
            if (o->bad)
                continue;
            if (sp_key_cmp(o->iv.lo, n.iv.hi) <= 0 && sp_key_cmp(n.iv.lo, o->iv.hi) <= 0) {
                unsigned line, col;
                sp_loc_line_col(L->ctx, sp_doc_loc(o->value), &line, &col);
                FAIL(L, v, "network '%s' (%s) overlaps network '%s' (%s, line %u)", name,
                     cidr_text(L, n.iv), o->name, cidr_text(L, o->iv), line);
                overlap = true;
            }
        }
        if (!overlap && !sp_vec_push(&L->ctx->arena, &f->nets, n))
            sp_oom(L->ctx);
    }
}

static void read_forwards(loader *L, sp_fleet *f, sp_fleet_host *h, const sp_doc *list)
{
    if (list->kind == SP_DOC_NULL || !is_kind(L, list, SP_DOC_SEQ, "forwards"))
        return;
    static const char *const keys[] = {"from", "to", NULL};
    for (size_t i = 0; i < list->u.seq.len; i++) {
        const sp_doc *item = list->u.seq.items[i];
        if (!is_kind(L, item, SP_DOC_MAP, "an entry of forwards"))
            continue;
        check_keys(L, item, keys, "a forward");
        const sp_doc *from = sp_doc_get(item, "from"), *to = sp_doc_get(item, "to");
        if (!from || !to) {
            FAIL(L, item, "a forward needs both 'from' and 'to' (a network or internet)");
            continue;
        }
        sp_fleet_forward w;
        memset(&w, 0, sizeof w);
        w.from = parse_segment(L, f, from, "forwards 'from'");
        w.to = parse_segment(L, f, to, "forwards 'to'");
        w.node = item;
        if (w.from == SP_SEG_NONE || w.to == SP_SEG_NONE)
            continue;
        if (w.from == w.to) {
            FAIL(L, to, "a forward from a segment to itself ('%s') forwards nothing",
                 sp_doc_text(to));
            continue;
        }
        if (!sp_vec_push(&L->ctx->arena, &h->fwds, w))
            sp_oom(L->ctx);
    }
}

static void read_rule(loader *L, sp_fleet *f, sp_fleet_host *h, const sp_doc *item, size_t index)
{
    static const char *const keys[] = {"action", "protocol", "port", "from", "to", NULL};
    if (!is_kind(L, item, SP_DOC_MAP, "a firewall rule"))
        return;
    check_keys(L, item, keys, "a firewall rule");
    const sp_doc *act = sp_doc_get(item, "action"), *proto = sp_doc_get(item, "protocol"),
                 *port = sp_doc_get(item, "port"), *from = sp_doc_get(item, "from"),
                 *to = sp_doc_get(item, "to");
    int action = -1;
    if (!act)
        FAIL(L, item, "a firewall rule needs an action (accept or drop)");
    else
        action = parse_action(L, act, "action");
    int p = proto ? parse_protocol(L, proto) : 0;
    uint32_t lo = 0, hi = 0;
    bool ports = false;
    if (port) {
        ports = parse_ports(L, port, &lo, &hi);
        if (ports && p != SP_PROTO_TCP && p != SP_PROTO_UDP && p >= 0) {
            FAIL(L, port, "a port needs protocol tcp or udp (this rule's protocol is %s)",
                 proto ? sp_doc_text(proto) : "any, by default");
            ports = false;
        }
    }
    sp_ival_vec src = {0}, dst = {0};
    bool ok_from = !from || rule_addresses(L, f, from, "rule 'from'", &src);
    bool ok_to = !to || rule_addresses(L, f, to, "rule 'to'", &dst);
    if (action < 0 || p < 0 || (port && !ports) || !ok_from || !ok_to)
        return;
    sp_box_builder b;
    sp_box_begin(&b, L->ctx);
    if (p)
        sp_box_allow(&b, SP_DIM_PROTO, sp_key_num((uint64_t)p), sp_key_num((uint64_t)p));
    if (ports)
        sp_box_allow(&b, SP_DIM_PORT, sp_key_num(lo), sp_key_num(hi));
    if (from)
        sp_fleet_allow_ivals(&b, SP_DIM_SRC, src.items, src.len);
    if (to)
        sp_fleet_allow_ivals(&b, SP_DIM_DST, dst.items, dst.len);
    sp_set_builder s;
    sp_set_begin(&s, L->ctx);
    sp_set_add_box(&s, &b);
    sp_fleet_rule r = {(uint8_t)action, sp_set_finish(&s), sp_doc_loc(item),
                       sp_arena_printf(&L->ctx->arena, "rule %zu", index + 1)};
    sp_fleet_guard *g = &h->guards.items[0];
    if (!r.set || !r.why || !sp_vec_push(&L->ctx->arena, &g->rules, r))
        sp_oom(L->ctx);
}

static void read_firewall(loader *L, sp_fleet *f, sp_fleet_host *h, const sp_doc *fw)
{
    static const char *const keys[] = {"default", "rules", NULL};
    if (!is_kind(L, fw, SP_DOC_MAP, "firewall"))
        return;
    check_keys(L, fw, keys, "a firewall");
    /* One guard, on every edge of the host (see read_host). */
    sp_fleet_guard g;
    memset(&g, 0, sizeof g);
    g.name = L->fw_name;
    g.loc = sp_doc_loc(fw);
    g.why = "firewall";
    const sp_doc *d = sp_doc_get(fw, "default"), *rules = sp_doc_get(fw, "rules");
    if (!d) {
        FAIL(L, fw, "a firewall needs a default: accept or drop");
    } else {
        int a = parse_action(L, d, "the firewall's default");
        if (a >= 0)
            g.dflt = (uint8_t)a;
    }
    if (!sp_vec_push(&L->ctx->arena, &h->guards, g)) {
        sp_oom(L->ctx);
        return;
    }
    if (!rules || rules->kind == SP_DOC_NULL || !is_kind(L, rules, SP_DOC_SEQ, "rules"))
        return;
    for (size_t i = 0; i < rules->u.seq.len; i++)
        read_rule(L, f, h, rules->u.seq.items[i], i);
}

static void read_services(loader *L, sp_fleet_host *h, const sp_doc *list)
{
    static const char *const keys[] = {"name", "protocol", "port", "auth", NULL};
    if (list->kind == SP_DOC_NULL) {
        FAIL(L, list, "services must be a list: write [] for a host that accepts nothing, or "
                      "leave services out for one that accepts everything");
        return;
    }
    if (!is_kind(L, list, SP_DOC_SEQ, "services"))
        return;
    h->has_services = true;
    h->services_loc = sp_doc_loc(list);
    for (size_t i = 0; i < list->u.seq.len; i++) {
        const sp_doc *item = list->u.seq.items[i];
        if (!is_kind(L, item, SP_DOC_MAP, "a service"))
            continue;
        check_keys(L, item, keys, "a service");
        const sp_doc *name = sp_doc_get(item, "name"), *proto = sp_doc_get(item, "protocol"),
                     *port = sp_doc_get(item, "port"), *auth = sp_doc_get(item, "auth");
        const char *nt = name ? text_of(L, name, "a service's name") : NULL;
        const char *at = auth ? text_of(L, auth, "a service's auth") : NULL;
        if (!proto) {
            FAIL(L, item, "a service needs a protocol (tcp, udp, icmp or any)");
            continue;
        }
        int p = parse_protocol(L, proto);
        if (p < 0)
            continue;
        uint32_t lo = 0, hi = 0;
        if ((p == SP_PROTO_TCP || p == SP_PROTO_UDP) && !port) {
            FAIL(L, item, "a %s service needs a port (a number or a range such as "
                          "\"8000-8080\")",
                 sp_doc_text(proto));
            continue;
        }
        if (port && p != SP_PROTO_TCP && p != SP_PROTO_UDP) {
            FAIL(L, port, "a port needs protocol tcp or udp (this service's protocol is %s)",
                 sp_doc_text(proto));
            continue;
        }
        if (port && !parse_ports(L, port, &lo, &hi))
            continue;
        sp_box_builder b;
        sp_box_begin(&b, L->ctx);
        if (p)
            sp_box_allow(&b, SP_DIM_PROTO, sp_key_num((uint64_t)p), sp_key_num((uint64_t)p));
        if (port)
            sp_box_allow(&b, SP_DIM_PORT, sp_key_num(lo), sp_key_num(hi));
        sp_set_builder s;
        sp_set_begin(&s, L->ctx);
        sp_set_add_box(&s, &b);
        char ports[32] = "";
        if (port)
            snprintf(ports, sizeof ports, lo == hi ? " %u" : " %u-%u", lo, hi);
        sp_fleet_service v;
        v.set = sp_set_finish(&s);
        v.loc = sp_doc_loc(item);
        v.why = sp_arena_printf(&L->ctx->arena, "service %s: %s%s, auth %s", nt ? nt : "-",
                                sp_doc_text(proto), ports, at ? at : "unspecified");
        if (!v.set || !v.why || !sp_vec_push(&L->ctx->arena, &h->svcs, v))
            sp_oom(L->ctx);
    }
}

static void read_deploy(loader *L, const sp_doc *d)
{
    if (!is_kind(L, d, SP_DOC_SEQ, "deploy (the command's argv, a list of strings)"))
        return;
    if (!d->u.seq.len) {
        FAIL(L, d, "deploy is empty: it needs at least the program to run");
        return;
    }
    for (size_t i = 0; i < d->u.seq.len; i++) {
        const sp_doc *a = d->u.seq.items[i];
        if (a->kind != SP_DOC_STRING && a->kind != SP_DOC_NUMBER) {
            FAIL(L, a, "deploy must be a list of strings; this entry is %s%s", kind_name(a),
                 a->kind == SP_DOC_BOOL || a->kind == SP_DOC_NULL ? " (quote it)" : "");
            continue;
        }
        if (i == 0 && !*sp_doc_text(a))
            FAIL(L, a, "deploy's program is an empty string");
    }
}

/* interfaces: {NAME: SEGMENT} (guix deploy: what iifname and oifname
 * rules name).  One interface per segment, so that a rule's interface
 * decides the segment and back. */
static void read_interfaces(loader *L, sp_fleet *f, sp_fleet_host *h, const sp_doc *map)
{
    if (map->kind == SP_DOC_NULL || !is_kind(L, map, SP_DOC_MAP, "interfaces"))
        return;
    for (size_t i = 0; i < map->u.map.len; i++) {
        const sp_doc *k = map->u.map.pairs[i].key, *v = map->u.map.pairs[i].value;
        const char *name = sp_doc_text(k);
        if (!name || !*name) {
            FAIL(L, k, "an interface needs a name");
            continue;
        }
        int seg = parse_segment(L, f, v, "interface");
        if (seg == SP_SEG_NONE)
            continue;
        bool dup = false;
        for (size_t j = 0; j < h->ifaces.len && !dup; j++)
            if (h->ifaces.items[j].segment == seg) {
                FAIL(L, k, "interfaces '%s' and '%s' of %s both lead to %s; snipeproof could "
                           "not tell which one a request arrives on (give each segment one "
                           "interface)",
                     h->ifaces.items[j].name, name, h->name, sp_doc_text(v));
                dup = true;
            }
        sp_fleet_iface x = {name, seg, k};
        if (!dup && !sp_vec_push(&L->ctx->arena, &h->ifaces, x))
            sp_oom(L->ctx);
    }
}

static void read_host(loader *L, sp_fleet *f, sp_fleet_host *h)
{
    static const char *const keys[] = {"network", "forwards", "firewall", "services",
                                       "after",   "deploy",   NULL};
    /* With guix deploy files the firewall and the services come from the
     * machines, the deploy command from snipeproof. */
    static const char *const guix_keys[] = {"network", "forwards", "interfaces", "after", NULL};
    const sp_doc *d = h->def;
    const sp_doc *v;
    if ((v = sp_doc_get(d, "network"))) {
        h->network = parse_segment(L, f, v, "network");
        h->network_node = v;
    }
    if ((v = sp_doc_get(d, "forwards")))
        read_forwards(L, f, h, v);
    if (L->guix) {
        if ((v = sp_doc_get(d, "interfaces")))
            read_interfaces(L, f, h, v);
        check_keys(L, d, guix_keys, "a host of a topology for guix deploy files");
        return;
    }
    if ((v = sp_doc_get(d, "firewall")))
        read_firewall(L, f, h, v);
    if ((v = sp_doc_get(d, "services")))
        read_services(L, h, v);
    if ((v = sp_doc_get(d, "deploy")))
        read_deploy(L, v);
    check_keys(L, d, keys, "a host");
    /* The firewall filters what reaches the host and what it forwards. */
    if (h->guards.len) {
        uint32_t g = 0;
        if (!sp_vec_push(&L->ctx->arena, &h->entry_guards, g))
            sp_oom(L->ctx);
        for (size_t i = 0; i < h->fwds.len; i++)
            if (!sp_vec_push(&L->ctx->arena, &h->fwds.items[i].guards, g))
                sp_oom(L->ctx);
    }
}

static void read_after(loader *L, sp_fleet *f, sp_fleet_host *h)
{
    const sp_doc *v = sp_doc_get(h->def, "after");
    if (!v || v->kind == SP_DOC_NULL || !is_kind(L, v, SP_DOC_SEQ, "after"))
        return;
    for (size_t i = 0; i < v->u.seq.len; i++) {
        const sp_doc *item = v->u.seq.items[i];
        const char *t = text_of(L, item, "an entry of after");
        if (!t)
            continue;
        int target = sp_fleet_find_host(f, t);
        if (target < 0) {
            bool is_net = sp_fleet_find_net(f, t) != SP_SEG_NONE;
            FAIL(L, item, "after: unknown host '%s'%s", t,
                 is_net ? " ('after' lists hosts; this is a network)" : "");
            continue;
        }
        sp_fleet_after a = {sp_doc_loc(item), target};
        if (!sp_vec_push(&L->ctx->arena, &h->after, a))
            sp_oom(L->ctx);
    }
}

/* A cycle in `after:` makes the order impossible: report the first one
 * found, with its hosts in order. */
static bool after_cycle_from(loader *L, sp_fleet *f, int h, unsigned char *state, int *stack,
                             size_t depth)
{
    state[h] = 1;
    stack[depth] = h;
    const sp_fleet_host *x = &f->hosts.items[h];
    for (size_t i = 0; i < x->after.len; i++) {
        int t = x->after.items[i].host;
        if (state[t] == 1) {
            char buf[512];
            size_t len = 0;
            size_t start = depth;
            while (stack[start] != t)
                start--;
            for (size_t k = start; k <= depth && len < sizeof buf; k++)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s after ",
                                        f->hosts.items[stack[k]].name);
            if (len < sizeof buf)
                snprintf(buf + len, sizeof buf - len, "%s", f->hosts.items[t].name);
            sp_error(L->ctx, x->after.items[i].loc, "the after: lists make a cycle: %s", buf);
            L->failed = true;
            return true;
        }
        if (state[t] == 0 && after_cycle_from(L, f, t, state, stack, depth + 1))
            return true;
    }
    state[h] = 2;
    return false;
}

static void check_after_cycles(loader *L, sp_fleet *f)
{
    size_t n = f->hosts.len;
    unsigned char *state = calloc(n + 1, 1);
    int *stack = calloc(n + 1, sizeof *stack);
    if (!state || !stack) {
        sp_oom(L->ctx);
    } else {
        for (size_t h = 0; h < n; h++)
            if (!state[h] && after_cycle_from(L, f, (int)h, state, stack, 0))
                break;
    }
    free(state);
    free(stack);
}

static void read_file(loader *L, tfile *t, const sp_doc *doc)
{
    sp_fleet *f = &t->fleet;
    t->doc = doc;
    if (!doc) {
        sp_fleet_compute_internet(L->ctx, f);
        return;
    }
    static const char *const keys[] = {"snipeproof", "networks", "hosts", NULL};
    if (!is_kind(L, doc, SP_DOC_MAP, "a topology file"))
        return;
    const sp_doc *ver = sp_doc_get(doc, "snipeproof");
    if (!ver || !sp_doc_text_eq(ver, "topology/1")) {
        FAIL(L, ver ? ver : doc, "unsupported topology format '%s' (this snipeproof reads "
                                 "topology/1)",
             ver && sp_doc_text(ver) ? sp_doc_text(ver) : "?");
        return;
    }
    check_keys(L, doc, keys, "a topology file");
    read_networks(L, f, sp_doc_get(doc, "networks"));
    sp_fleet_compute_internet(L->ctx, f);
    const sp_doc *hosts = sp_doc_get(doc, "hosts");
    if (!hosts || hosts->kind == SP_DOC_NULL || !is_kind(L, hosts, SP_DOC_MAP, "hosts"))
        return;
    for (size_t i = 0; i < hosts->u.map.len; i++) {
        const sp_doc *k = hosts->u.map.pairs[i].key, *v = hosts->u.map.pairs[i].value;
        const char *name = sp_doc_text(k);
        if (!name || !valid_name(name)) {
            FAIL(L, k, "host name '%s' is not valid (letters, digits, '.', '-' and '_')",
                 name ? name : "?");
            continue;
        }
        if (!strcmp(name, "internet")) {
            FAIL(L, k, "'internet' is reserved: it cannot name a host");
            continue;
        }
        if (!is_kind(L, v, SP_DOC_MAP, "a host's definition"))
            continue;
        sp_fleet_host h;
        memset(&h, 0, sizeof h);
        h.name = name;
        h.key = k;
        h.def = v;
        h.network = SP_SEG_NONE;
        h.comp = SP_NONE;
        if (!sp_vec_push(&L->ctx->arena, &f->hosts, h))
            sp_oom(L->ctx);
    }
    for (size_t i = 0; i < f->hosts.len; i++)
        read_host(L, f, &f->hosts.items[i]);
    for (size_t i = 0; i < f->hosts.len; i++)
        read_after(L, f, &f->hosts.items[i]);
    if (!L->failed)
        check_after_cycles(L, f);
}

/* ---- both files together ---- */

/* Networks of OLD and NEW must agree: a name means one range, and ranges
 * of different names never overlap.  (A network declared in one file only
 * is fine: a new segment, or one that goes away.) */
static void check_networks_agree(loader *L)
{
    sp_fleet *o = &L->f[0].fleet, *n = &L->f[1].fleet;
    for (size_t i = 0; i < n->nets.len; i++) {
        const sp_fleet_net *a = &n->nets.items[i];
        for (size_t j = 0; j < o->nets.len; j++) {
            const sp_fleet_net *b = &o->nets.items[j];
            if (a->bad || b->bad)
                continue;
            unsigned line, col;
            sp_loc_line_col(L->ctx, sp_doc_loc(b->value), &line, &col);
            const char *file = sp_loc_file(L->ctx, sp_doc_loc(b->value));
            if (!strcmp(a->name, b->name)) {
                if (sp_key_cmp(a->iv.lo, b->iv.lo) || sp_key_cmp(a->iv.hi, b->iv.hi))
                    FAIL(L, a->value,
                         "network '%s' is %s here but %s in the old topology (%s:%u); "
                         "renumbering a network is not a host update snipeproof can order: "
                         "give the new range another name",
                         a->name, cidr_text(L, a->iv), cidr_text(L, b->iv), file ? file : "?",
                         line);
            } else if (sp_key_cmp(b->iv.lo, a->iv.hi) <= 0 &&
                       sp_key_cmp(a->iv.lo, b->iv.hi) <= 0) {
                FAIL(L, a->value,
                     "network '%s' (%s) overlaps network '%s' (%s) of the old topology "
                     "(%s:%u); a range must keep its name across the update",
                     a->name, cidr_text(L, a->iv), b->name, cidr_text(L, b->iv),
                     file ? file : "?", line);
            }
        }
    }
}

/* Equality of two host definitions, `after:` aside (it orders the update,
 * it does not change the host). */
static bool host_equal(const sp_doc *a, const sp_doc *b)
{
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < a->u.map.len; i++) {
        const sp_doc_pair *p = &a->u.map.pairs[i];
        if (sp_doc_text_eq(p->key, "after"))
            continue;
        na++;
        const sp_doc *other = sp_doc_get(b, sp_doc_text(p->key));
        if (!other || !sp_doc_equal(p->value, other))
            return false;
    }
    for (size_t i = 0; i < b->u.map.len; i++)
        nb += !sp_doc_text_eq(b->u.map.pairs[i].key, "after");
    return na == nb;
}

static bool host_equal_cb(const sp_fleet_host *a, const sp_fleet_host *b, void *arg)
{
    (void)arg;
    return host_equal(a->def, b->def);
}

bool sp_topology_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *old_doc,
                      const sp_doc *new_doc, sp_model *m)
{
    (void)opt;
    sp_model_init(m, ctx, SP_ENGINE_FLEET);
    loader *L = calloc(1, sizeof *L);
    if (!L) {
        sp_oom(ctx);
        return false;
    }
    L->ctx = ctx;
    L->m = m;
    L->fw_name = sp_intern(&ctx->names, "firewall");
    read_file(L, &L->f[0], old_doc);
    read_file(L, &L->f[1], new_doc);
    if (!L->failed)
        check_networks_agree(L);
    /* Host names must not be network names, in either file. */
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < L->f[side].fleet.hosts.len; i++) {
            const sp_fleet_host *h = &L->f[side].fleet.hosts.items[i];
            for (int k = 0; k < 2; k++) {
                int other = k ? !side : side;
                if (sp_fleet_find_net(&L->f[other].fleet, h->name) != SP_SEG_NONE) {
                    FAIL(L, h->key, "host '%s' has the name of a network%s; hosts and "
                                    "networks need different names",
                         h->name, other != side ? " of the other topology" : "");
                    break;
                }
            }
        }
    bool ok = !L->failed && !ctx->out_of_memory &&
              sp_fleet_build(ctx, m, &L->f[0].fleet, &L->f[1].fleet, SP_TOPOLOGY_HOST,
                             host_equal_cb, NULL);
    ok = ok && !L->failed && !ctx->out_of_memory;
    free(L);
    return ok;
}

/* ---- the network of guix deploy files ---- */

bool sp_topology_read_network(sp_ctx *ctx, const sp_doc *doc, sp_fleet *out)
{
    loader *L = calloc(1, sizeof *L);
    if (!L) {
        sp_oom(ctx);
        return false;
    }
    L->ctx = ctx;
    L->guix = true;
    read_file(L, &L->f[1], doc);
    sp_fleet *f = &L->f[1].fleet;
    for (size_t i = 0; i < f->hosts.len; i++)
        if (sp_fleet_find_net(f, f->hosts.items[i].name) != SP_SEG_NONE)
            FAIL(L, f->hosts.items[i].key, "host '%s' has the name of a network; hosts and "
                                           "networks need different names",
                 f->hosts.items[i].name);
    bool ok = !L->failed && !ctx->out_of_memory;
    if (ok)
        *out = *f;
    free(L);
    return ok;
}

/* ---- for apply ---- */

const sp_doc *sp_topology_deploy_node(const sp_doc *host_def)
{
    return host_def && host_def->kind == SP_DOC_MAP ? sp_doc_get(host_def, "deploy") : NULL;
}

const char **sp_topology_deploy(sp_ctx *ctx, const sp_doc *host_def, size_t *argc)
{
    const sp_doc *d = sp_topology_deploy_node(host_def);
    *argc = 0;
    if (!d || d->kind != SP_DOC_SEQ || !d->u.seq.len)
        return NULL;
    const char **argv = sp_arena_calloc(&ctx->arena, d->u.seq.len + 1, sizeof *argv);
    if (!argv) {
        sp_oom(ctx);
        return NULL;
    }
    for (size_t i = 0; i < d->u.seq.len; i++) {
        const char *t = sp_doc_text(d->u.seq.items[i]);
        argv[i] = t ? t : "";
    }
    *argc = d->u.seq.len;
    return argv;
}
