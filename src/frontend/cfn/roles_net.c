/* Network roles: the internet-gateway path into a VPC, subnets with their
 * network ACLs, security groups and their rules, nodes with addresses
 * (instances, interfaces, databases, load balancers, groups of tasks),
 * public addresses, and the load balancer chain listener -> target group ->
 * targets. */
#include "roles.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers ---- */

static bool has_role(cfn_emit *e, const cfn_resource *r, const cfn_role *role)
{
    const struct cfn_type_entry *te = cfn_entry_of(e, r);
    return te && te->role == role;
}

static const sp_doc *param_at(cfn_emit *e, const char *param)
{
    const sp_doc *d = cfn_first_param(e, NULL, NULL, param);
    return d ? d : NULL;
}

/* ---- inert and node ---- */

static bool emit_nothing(cfn_emit *e)
{
    (void)e;
    return true;
}

static const cfn_param_def no_params[] = {{NULL, 0, false, NULL, NULL}};

const cfn_role cfn_role_inert = {
    "inert",
    "Contributes no fact: the type cannot change who reaches what (logs, alarms, "
    "parameters, dashboards...).",
    no_params, emit_nothing, NULL, NULL, true};

static const cfn_param_def separate_params[] = {
    {"template", CFN_P_PATH, false, NULL,
     "where its template is (TemplateURL, Location), named in the note"},
    {NULL, 0, false, NULL, NULL}};

const cfn_role cfn_role_separate = {
    "separate",
    "A stack of its own (a nested stack, a stack set, a SAM application): its resources are "
    "in another template, which snipeproof analyses when run on that template. It "
    "contributes no fact here; `check` notes each such component as a boundary: windows "
    "between its resources and this template's are not analysed, and references to its "
    "outputs are values from outside the template.",
    separate_params, emit_nothing, NULL, NULL, true};

const cfn_role cfn_role_node = {
    "node",
    "A node of the graph that emits no fact of its own: other resources connect to it or "
    "read its properties (a VPC, an API resource path, launch settings).",
    no_params, emit_nothing, NULL, NULL, false};

const cfn_role cfn_role_claims_name = {
    "claims-name",
    "Owns a globally claimable name (its `claims` parameter) and nothing else.",
    no_params, emit_nothing, NULL, NULL, false};

/* ---- public-entry ---- */

static const cfn_param_def public_entry_params[] = {
    {"protocols", CFN_P_STRINGS, false, NULL,
     "protocols it answers: tcp, udp, icmp, a number, ip (every IP protocol), api (AWS API "
     "calls) or any (default any)"},
    {"ports", CFN_P_PORTS, false, NULL, "ports it answers (default all)"},
    {"sources", CFN_P_ENUM, false, "ip|any",
     "ip: only requests from IP addresses (a network gateway); any (default): also "
     "requests signed by principals"},
    {"private-if", CFN_P_TESTS, false, NULL, "tests that make it unreachable from the internet"},
    {"policy", CFN_P_PATH, false, NULL,
     "a resource policy on incoming requests (guard 'policy' in slot 'access'; without a "
     "policy everything passes)"},
    {"policy-action", CFN_P_STRING, false, NULL,
     "only policy statements granting this action count (e.g. execute-api:Invoke)"},
    {"forward-to", CFN_P_PATHS, false, NULL,
     "resources it forwards requests to (an HTTP API's quick-create Target)"},
    {"principal", CFN_P_STRING, false, NULL,
     "the service identity it forwards as (with forward-to)"},
    {"forward-plain", CFN_P_BOOL, false, NULL,
     "forward with plain edges: the permissions needed are created with it (SAM)"},
    {"sam-routes", CFN_P_BOOL, false, NULL,
     "a SAM API: the Api/HttpApi events of the template's SAM functions that name it (or, "
     "for the API SAM generates, that name none) are its routes: edges to those functions "
     "admitting each event's authorizer"},
    {"default-authorizer", CFN_P_PATH, false, NULL,
     "with sam-routes: where it names the authorizer of the routes whose event names none"},
    {NULL, 0, false, NULL, NULL}};

static int proto_of_name(const char *s)
{
    int p;
    if (!strcmp(s, "api"))
        return SP_PROTO_API;
    if (!strcmp(s, "any"))
        return -1;
    if (!strcmp(s, "ip"))
        return -2;
    return cfn_parse_proto(s, &p) ? p : -1;
}

static void allow_ports(cfn_req *q, const sp_doc *ports)
{
    if (!ports)
        return;
    cfn_req_none(q, SP_DIM_PORT);
    size_t n = ports->kind == SP_DOC_SEQ ? ports->u.seq.len : 1;
    for (size_t i = 0; i < n; i++) {
        const sp_doc *p = ports->kind == SP_DOC_SEQ ? ports->u.seq.items[i] : ports;
        const char *s = sp_doc_text(p);
        char *end;
        long lo = strtol(s, &end, 10), hi = lo;
        if (*end == '-')
            hi = strtol(end + 1, NULL, 10);
        cfn_req_allow(q, SP_DIM_PORT, sp_key_num((uint64_t)lo), sp_key_num((uint64_t)hi));
    }
}

static const sp_reqset *entry_set(cfn_emit *e)
{
    const char *protos[8];
    size_t np = cfn_param_list(e->te, "protocols", protos, 8);
    bool ip = !strcmp(cfn_param_str(e->te, "sources", "any"), "ip");
    cfn_req q;
    cfn_req_begin(e, &q);
    if (ip)
        cfn_req_ip_sources(&q);
    bool any = np == 0;
    for (size_t i = 0; i < np; i++)
        any |= proto_of_name(protos[i]) == -1;
    if (!any) {
        cfn_req_none(&q, SP_DIM_PROTO);
        for (size_t i = 0; i < np; i++) {
            int p = proto_of_name(protos[i]);
            if (p == -2) /* every IP protocol */
                cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(0), sp_key_num(255));
            else
                cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num((uint64_t)p), sp_key_num((uint64_t)p));
        }
    }
    allow_ports(&q, cfn_param(e->te, "ports"));
    return cfn_req_set(e, &q);
}

static bool emit_public_entry(cfn_emit *e)
{
    const sp_doc *where = NULL;
    cfn_tri priv = cfn_tests(e, NULL, NULL, "private-if", &where);
    if (priv == CFN_YES)
        return true; /* private: no edge from the internet */
    bool has_policy_param = cfn_param(e->te, "policy") != NULL;
    const sp_doc *policy = has_policy_param ? param_at(e, "policy") : NULL;
    if (has_policy_param) {
        cfn_slot(e, "access", policy == NULL, policy,
                 policy ? "resource policy" : "no resource policy: every request passes");
        if (policy) {
            cfn_guard(e, "policy", SP_DENY, policy,
                      "resource policy: requests it does not allow are denied");
            cfn_attach(e, cfn_ref_self(e, "access"), cfn_ref_self(e, "policy"), policy,
                       "resource policy");
            cfn_policy_rules(e, policy, cfn_ref_self(e, "policy"), CFN_POLICY_REQUEST,
                             cfn_param_str(e->te, "policy-action", NULL));
        }
    }
    uint32_t edge = cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), entry_set(e), NULL,
                             NULL, priv == CFN_UNSURE ? "public endpoint (may be private)"
                                                      : "public endpoint");
    if (has_policy_param)
        cfn_edge_slot(e, edge, cfn_ref_self(e, "access"));
    cfn_reslist fw;
    cfn_resources_of(e, NULL, NULL, "forward-to", &fw);
    bool plain = cfn_param_bool(e->te, "forward-plain", false);
    for (size_t i = 0; i < fw.n; i++)
        cfn_forward(e, cfn_ref_self(e, NULL), fw.items[i],
                    cfn_param_str(e->te, "principal", "*"), NULL, plain, fw.at[i],
                    plain ? "invokes it (with the permission created for it)" : "forwards");
    if (cfn_param_bool(e->te, "sam-routes", false))
        cfn_sam_routes(e);
    return true;
}

const cfn_role cfn_role_public_entry = {
    "public-entry",
    "An entry point the internet reaches: edge internet -> it, filtered by protocols, ports "
    "and an optional resource policy on incoming requests.",
    public_entry_params, emit_public_entry, NULL, NULL, false};

/* ---- link ---- */

static const cfn_param_def link_params[] = {
    {"from", CFN_P_PATH, true, NULL, "where requests come from: a path, self or internet"},
    {"to", CFN_P_PATH, true, NULL, "where they go: a path or self"},
    {"require", CFN_P_TESTS, false, NULL, "tests that must hold for the edge to exist"},
    {"external-from", CFN_P_ENUM, false, "internet|none",
     "when `from` names something outside the template: internet (the conservative "
     "choice) or none (default)"},
    {"sources", CFN_P_ENUM, false, "ip|any", "ip: only IP-addressed requests pass"},
    {"why", CFN_P_STRING, false, NULL, "explanation shown with the edge"},
    {NULL, 0, false, NULL, NULL}};

static void ends_of(cfn_emit *e, const char *param, cfn_reslist *l, bool *self, bool *internet)
{
    const char *p = cfn_param_str(e->te, param, NULL);
    memset(l, 0, sizeof *l);
    *self = *internet = false;
    if (!p)
        return;
    if (!strcmp(p, "self"))
        *self = true;
    else if (!strcmp(p, "internet"))
        *internet = true;
    else
        cfn_resources_of(e, NULL, NULL, param, l);
}

static bool emit_link(cfn_emit *e)
{
    const sp_doc *where = NULL;
    if (cfn_param(e->te, "require") && cfn_tests(e, NULL, NULL, "require", &where) == CFN_NO)
        return true;
    cfn_reslist from, to;
    bool from_self, from_net, to_self, to_net;
    ends_of(e, "from", &from, &from_self, &from_net);
    ends_of(e, "to", &to, &to_self, &to_net);
    if (from.external && !strcmp(cfn_param_str(e->te, "external-from", "none"), "internet"))
        from_net = true;
    const sp_reqset *set = !strcmp(cfn_param_str(e->te, "sources", "any"), "ip")
                               ? cfn_set_ip(e)
                               : cfn_set_all(e);
    const char *why = cfn_param_str(e->te, "why", "link");
    sp_ref froms[66];
    const sp_doc *fat[66];
    size_t nf = 0;
    if (from_self) {
        froms[nf] = cfn_ref_self(e, NULL);
        fat[nf++] = NULL;
    }
    if (from_net) {
        froms[nf] = cfn_ref_internet();
        fat[nf++] = from.ext_at;
    }
    for (size_t i = 0; i < from.n; i++) {
        froms[nf] = cfn_ref_res(e, from.items[i], NULL);
        fat[nf++] = from.at[i];
    }
    sp_ref tos[65];
    const sp_doc *tat[65];
    size_t nt = 0;
    if (to_self) {
        tos[nt] = cfn_ref_self(e, NULL);
        tat[nt++] = NULL;
    }
    for (size_t i = 0; i < to.n; i++) {
        tos[nt] = cfn_ref_res(e, to.items[i], NULL);
        tat[nt++] = to.at[i];
    }
    for (size_t i = 0; i < nf; i++)
        for (size_t j = 0; j < nt; j++) {
            if (froms[i].component == tos[j].component)
                continue;
            cfn_edge(e, froms[i], tos[j], set, NULL, tat[j] ? tat[j] : fat[i],
                     froms[i].component == SP_INTERNET
                         ? cfn_why(e, "%s (source outside the template)", why)
                         : why);
        }
    return true;
}

const cfn_role cfn_role_link = {
    "link",
    "A plain edge between two resources the entry names (or itself, or the internet): "
    "requests pass unchanged.",
    link_params, emit_link, NULL, NULL, false};

/* ---- subnet ---- */

static const cfn_param_def subnet_params[] = {
    {"network", CFN_P_PATH, true, NULL, "the network (VPC) the subnet belongs to"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_subnet(cfn_emit *e)
{
    cfn_slot(e, "nacl", true, NULL,
             "network ACL; without an association the VPC's default ACL allows everything");
    cfn_reslist net;
    cfn_resources_of(e, NULL, NULL, "network", &net);
    for (size_t i = 0; i < net.n; i++) {
        uint32_t edge = cfn_edge(e, cfn_ref_res(e, net.items[i], NULL), cfn_ref_self(e, NULL),
                                 cfn_set_all(e), NULL, net.at[i], "subnet of the network");
        cfn_edge_slot(e, edge, cfn_ref_self(e, "nacl"));
    }
    if (!net.n) {
        uint32_t edge = cfn_edge(
            e, cfn_ref_internet(), cfn_ref_self(e, NULL), cfn_set_ip(e), NULL, net.ext_at,
            "network not in the template: assumed attached to an internet gateway");
        cfn_edge_slot(e, edge, cfn_ref_self(e, "nacl"));
    }
    return true;
}

const cfn_role cfn_role_subnet = {
    "subnet",
    "A subnet: slot 'nacl' (empty allows: the default network ACL), edge network -> subnet "
    "through it; when the network is not in the template, internet -> subnet.",
    subnet_params, emit_subnet, NULL, NULL, false};

/* ---- first-match guard (network ACL) and its rules ---- */

static const cfn_param_def fm_guard_params[] = {
    {"guards", CFN_P_STRINGS, false, NULL, "guard names (default: ingress, egress)"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_fm_guard(cfn_emit *e)
{
    const char *names[8];
    size_t n = cfn_param_list(e->te, "guards", names, 8);
    if (!n) {
        names[0] = "ingress";
        names[1] = "egress";
        n = 2;
    }
    for (size_t i = 0; i < n; i++)
        cfn_guard(e, names[i], SP_DENY, NULL,
                  cfn_why(e, "%s rules by number, first match; unmatched traffic is denied",
                          names[i]));
    return true;
}

const cfn_role cfn_role_first_match_guard = {
    "first-match-guard",
    "Hosts first-match rule lists (guards 'ingress' and 'egress' by default) whose default "
    "is deny; the rules come from separate resources (first-match-rule).",
    fm_guard_params, emit_fm_guard, NULL, NULL, false};

static const cfn_param_def fm_rule_params[] = {
    {"acl", CFN_P_PATH, true, NULL, "the first-match-guard resource the rule belongs to"},
    {"number", CFN_P_PATH, true, NULL, "rule number: lower numbers match first"},
    {"action", CFN_P_PATH, true, NULL, "allow or deny"},
    {"egress", CFN_P_PATH, false, NULL, "true: an egress rule (destination), else ingress"},
    {"cidr", CFN_P_PATH, false, NULL, "IPv4 CIDR (source for ingress, destination for egress)"},
    {"cidr6", CFN_P_PATH, false, NULL, "IPv6 CIDR"},
    {"protocol", CFN_P_PATH, true, NULL, "IP protocol number, -1 for all"},
    {"port-range", CFN_P_PATH, false, NULL, "map {From, To} for TCP and UDP"},
    {"icmp", CFN_P_PATH, false, NULL, "map {Type, Code} for ICMP (-1 = all)"},
    {NULL, 0, false, NULL, NULL}};

static bool num_of(cfn_emit *e, const sp_doc *d, long *out)
{
    const char *s = cfn_text(e, d);
    if (!s)
        return false;
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end)
        return false;
    *out = v;
    return true;
}

/* ICMP type/code in the port dimension: type * 256 + code. */
static void icmp_ports(cfn_emit *e, cfn_req *q, const sp_doc *type, const sp_doc *code)
{
    long t, c;
    bool kt = num_of(e, type, &t), kc = num_of(e, code, &c);
    if (!kt || t < 0 || t > 255)
        return; /* all types */
    if (!kc || c < 0 || c > 255)
        cfn_req_allow(q, SP_DIM_PORT, sp_key_num((uint64_t)t * 256),
                      sp_key_num((uint64_t)t * 256 + 255));
    else
        cfn_req_allow(q, SP_DIM_PORT, sp_key_num((uint64_t)(t * 256 + c)),
                      sp_key_num((uint64_t)(t * 256 + c)));
}

/* Protocol and ports of a rule; false when the protocol cannot be read
 * (then every protocol and port is assumed). */
static void proto_ports(cfn_emit *e, cfn_req *q, const sp_doc *proto, const sp_doc *from,
                        const sp_doc *to, const sp_doc *icmp_type, const sp_doc *icmp_code)
{
    int p;
    const char *ps = cfn_text(e, proto);
    if (!ps || !cfn_parse_proto(ps, &p) || p < 0) {
        /* all IP protocols, every port (API calls are not IP traffic) */
        cfn_req_allow(q, SP_DIM_PROTO, sp_key_num(0), sp_key_num(255));
        return;
    }
    cfn_req_allow(q, SP_DIM_PROTO, sp_key_num((uint64_t)p), sp_key_num((uint64_t)p));
    if (p == SP_PROTO_TCP || p == SP_PROTO_UDP) {
        long lo, hi;
        bool kl = num_of(e, from, &lo), kh = num_of(e, to, &hi);
        if (kl && lo >= 0 && lo <= 65535) {
            if (!kh || hi < lo || hi > 65535)
                hi = kh && hi == -1 ? 65535 : lo;
            cfn_req_allow(q, SP_DIM_PORT, sp_key_num((uint64_t)lo), sp_key_num((uint64_t)hi));
        }
    } else if (p == SP_PROTO_ICMP || p == SP_PROTO_ICMPV6) {
        icmp_ports(e, q, icmp_type, icmp_code);
    }
}

static void cidr_dim(cfn_emit *e, cfn_req *q, sp_dim d, const sp_doc *v4, const sp_doc *v6,
                     bool *unknown)
{
    const sp_doc *v = v4 ? v4 : v6;
    const char *s = cfn_text(e, v);
    sp_ival iv;
    if (s && sp_parse_cidr(s, &iv)) {
        cfn_req_allow(q, d, iv.lo, iv.hi);
        return;
    }
    *unknown = true;
    cfn_req_allow(q, d, sp_key_ipv4(0), sp_key_ipv6(UINT64_MAX, UINT64_MAX));
}

static bool emit_fm_rule(cfn_emit *e)
{
    cfn_reslist acl;
    cfn_resources_of(e, NULL, NULL, "acl", &acl);
    if (!acl.n)
        return true;
    const sp_doc *num = param_at(e, "number"), *act = param_at(e, "action");
    const sp_doc *egr = param_at(e, "egress");
    const char *as = cfn_text(e, act);
    bool deny = as && !strcasecmp(as, "deny");
    long number;
    int64_t prio = num_of(e, num, &number) ? number : deny ? INT64_MAX : 0;
    cfn_tri egress = egr ? cfn_truth(e, egr) : CFN_NO;
    const sp_doc *range = param_at(e, "port-range"), *icmp = param_at(e, "icmp");
    for (int dir = 0; dir < 2; dir++) {
        bool is_egress = dir == 1;
        if (egress == CFN_YES && !is_egress)
            continue;
        if ((egress == CFN_NO || egress == CFN_NOVAL) && is_egress)
            continue;
        cfn_req q;
        cfn_req_begin(e, &q);
        bool unknown = false;
        cidr_dim(e, &q, is_egress ? SP_DIM_DST : SP_DIM_SRC, param_at(e, "cidr"),
                 param_at(e, "cidr6"), &unknown);
        proto_ports(e, &q, param_at(e, "protocol"), range ? sp_doc_get(range, "From") : NULL,
                    range ? sp_doc_get(range, "To") : NULL, icmp ? sp_doc_get(icmp, "Type") : NULL,
                    icmp ? sp_doc_get(icmp, "Code") : NULL);
        const sp_reqset *set = cfn_req_set(e, &q);
        const char *why = cfn_why(e, "%s rule %s %s%s", is_egress ? "egress" : "ingress",
                                  cfn_text(e, num) ? cfn_text(e, num) : "?",
                                  deny ? "deny" : "allow",
                                  unknown ? " (address range not known: every address)" : "");
        for (size_t i = 0; i < acl.n; i++)
            cfn_rule(e, cfn_ref_res(e, acl.items[i], is_egress ? "egress" : "ingress"), prio,
                     deny ? SP_DENY : SP_ALLOW, set, num ? num : act, why);
    }
    return true;
}

const cfn_role cfn_role_first_match_rule = {
    "first-match-rule",
    "A numbered rule of a first-match-guard: allow or deny by address range, protocol and "
    "ports (ICMP type/code), in the ingress or the egress list.",
    fm_rule_params, emit_fm_rule, NULL, NULL, false};

/* ---- attach ---- */

static const cfn_param_def attach_params[] = {
    {"slot-owner", CFN_P_PATH, true, NULL, "the resource hosting the slot"},
    {"slot", CFN_P_STRING, true, NULL, "the slot's name (e.g. nacl)"},
    {"guard-owner", CFN_P_PATH, true, NULL, "the resource hosting the guard"},
    {"guard", CFN_P_STRING, true, NULL, "the guard's name (e.g. ingress)"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_attach(cfn_emit *e)
{
    cfn_reslist so, go;
    cfn_resources_of(e, NULL, NULL, "slot-owner", &so);
    cfn_resources_of(e, NULL, NULL, "guard-owner", &go);
    const char *slot = cfn_param_str(e->te, "slot", "");
    const char *guard = cfn_param_str(e->te, "guard", "");
    for (size_t i = 0; i < so.n; i++)
        for (size_t j = 0; j < go.n; j++)
            cfn_attach(e, cfn_ref_res(e, so.items[i], slot), cfn_ref_res(e, go.items[j], guard),
                       go.at[j], cfn_why(e, "%s of %s is %s", slot, so.items[i]->id,
                                         go.items[j]->id));
    return true;
}

const cfn_role cfn_role_attach = {
    "attach",
    "Puts a guard of one resource into a slot of another (an association resource).",
    attach_params, emit_attach, NULL, NULL, false};

/* ---- security groups ---- */

/* The principal standing for a security group used as a source. */
static const char *sg_principal(cfn_emit *e, const sp_doc *expr)
{
    cfn_reslist l;
    cfn_resources_in(e, expr, &l);
    if (l.n == 1)
        return cfn_why(e, "sg:%s", l.items[0]->id);
    return cfn_why(e, "sg:%s", cfn_pattern_text(e, expr));
}

/* The fields of a security group rule that decide its set. */
enum {
    RF_CIDR, RF_CIDR6, RF_SRC_PL, RF_DST_PL, RF_SRC_SG, RF_DST_SG, RF_SRC_SG_NAME,
    RF_PROTO, RF_FROM, RF_TO, RF_N
};

/* Reads them in one pass over the rule's keys (a template has thousands of
 * rules; looking each field up on its own walked every rule a dozen
 * times).  Keys are unique, so this finds what sp_doc_get would. */
static void rule_fields(const sp_doc *rule, const sp_doc **f)
{
#define RF(s) {s, sizeof s - 1}
    static const struct {
        const char *name;
        size_t len;
    } names[RF_N] = {RF("CidrIp"),           RF("CidrIpv6"),
                     RF("SourcePrefixListId"), RF("DestinationPrefixListId"),
                     RF("SourceSecurityGroupId"), RF("DestinationSecurityGroupId"),
                     RF("SourceSecurityGroupName"), RF("IpProtocol"),
                     RF("FromPort"),         RF("ToPort")};
#undef RF
    for (size_t i = 0; i < RF_N; i++)
        f[i] = NULL;
    for (size_t k = 0; k < rule->u.map.len; k++) {
        const sp_doc *key = rule->u.map.pairs[k].key;
        if (!sp_doc_is_scalar(key))
            continue;
        for (size_t i = 0; i < RF_N; i++)
            if (!f[i] && key->u.scalar.len == names[i].len &&
                !memcmp(key->u.scalar.text, names[i].name, names[i].len)) {
                f[i] = rule->u.map.pairs[k].value;
                break;
            }
    }
}

/* The set of one security group rule (a map with EC2's field names);
 * NULL when it names no source/destination (EC2 then adds no rule). */
static const sp_reqset *sg_rule_set(cfn_emit *e, const sp_doc *rule, bool egress,
                                    const char **why)
{
    if (!rule || rule->kind != SP_DOC_MAP)
        return NULL;
    const sp_doc *f[RF_N];
    rule_fields(rule, f);
    const sp_doc *v4 = f[RF_CIDR], *v6 = f[RF_CIDR6];
    const sp_doc *pl = f[egress ? RF_DST_PL : RF_SRC_PL];
    const sp_doc *sg = f[egress ? RF_DST_SG : RF_SRC_SG];
    if (!sg && !egress)
        sg = f[RF_SRC_SG_NAME];
    if (v4 && cfn_is_novalue_node(e, v4))
        v4 = NULL;
    if (v6 && cfn_is_novalue_node(e, v6))
        v6 = NULL;
    if (pl && cfn_is_novalue_node(e, pl))
        pl = NULL;
    if (sg && cfn_is_novalue_node(e, sg))
        sg = NULL;
    sp_dim d = egress ? SP_DIM_DST : SP_DIM_SRC;
    cfn_req q;
    cfn_req_begin(e, &q);
    const char *src;
    if (v4 || v6) {
        bool unknown = false;
        cidr_dim(e, &q, d, v4, v6, &unknown);
        const char *t = cfn_text(e, v4 ? v4 : v6);
        src = unknown ? "an address range not known statically (every address)" : t;
    } else if (pl) {
        cfn_req_allow(&q, d, sp_key_ipv4(0), sp_key_ipv6(UINT64_MAX, UINT64_MAX));
        src = "a prefix list (its entries are not known: every address)";
    } else if (sg) {
        const char *p = sg_principal(e, sg);
        cfn_req_none(&q, d);
        cfn_req_principal_in(e, &q, d, p);
        src = p;
    } else {
        return NULL;
    }
    proto_ports(e, &q, f[RF_PROTO], f[RF_FROM], f[RF_TO], f[RF_FROM], f[RF_TO]);
    const char *proto = cfn_text(e, f[RF_PROTO]);
    const char *from = cfn_text(e, f[RF_FROM]);
    const char *to = cfn_text(e, f[RF_TO]);
    int pn = -2;
    if (proto)
        cfn_parse_proto(proto, &pn);
    if (pn == SP_PROTO_ICMP || pn == SP_PROTO_ICMPV6)
        *why = cfn_why(e, "%s %s %s type %s, code %s", egress ? "egress to" : "ingress from", src,
                       proto, from && strcmp(from, "-1") ? from : "any",
                       to && strcmp(to, "-1") ? to : "any");
    else if (pn == -1 || (pn != SP_PROTO_TCP && pn != SP_PROTO_UDP && pn != -2))
        *why = cfn_why(e, "%s %s protocol %s, every port", egress ? "egress to" : "ingress from",
                       src, proto);
    else
        *why = cfn_why(e, "%s %s %s%s%s%s%s", egress ? "egress to" : "ingress from", src,
                       proto ? proto : "?", from ? " " : "", from ? from : "",
                       to && from && strcmp(to, from) ? "-" : "",
                       to && from && strcmp(to, from) ? to : "");
    return cfn_req_set(e, &q);
}

typedef struct sg_ctx {
    sp_ref guard;
    bool egress;
    size_t n;
} sg_ctx;

static void sg_inline(cfn_emit *e, const cfn_resource *owner, const sp_doc *rule, void *arg)
{
    (void)owner;
    sg_ctx *x = arg;
    const char *why = NULL;
    const sp_reqset *set = sg_rule_set(e, rule, x->egress, &why);
    x->n++;
    if (set)
        cfn_rule(e, x->guard, 0, SP_ALLOW, set, rule, why);
}

static const cfn_param_def allowlist_params[] = {
    {"ingress", CFN_P_PATH, false, NULL, "the list of inline ingress rules"},
    {"egress", CFN_P_PATH, false, NULL,
     "the list of inline egress rules (none: the default rule allows all egress)"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_allowlist(cfn_emit *e)
{
    cfn_guard(e, "ingress", SP_DENY, NULL, "security group: only listed inbound traffic passes");
    cfn_guard(e, "egress", SP_DENY, NULL, "security group: only listed outbound traffic passes");
    sg_ctx in = {cfn_ref_self(e, "ingress"), false, 0};
    cfn_walk_param(e, NULL, NULL, "ingress", true, sg_inline, &in);
    sg_ctx out = {cfn_ref_self(e, "egress"), true, 0};
    cfn_walk_param(e, NULL, NULL, "egress", true, sg_inline, &out);
    if (!out.n)
        cfn_rule(e, cfn_ref_self(e, "egress"), 0, SP_ALLOW, cfn_set_all(e), NULL,
                 "default egress rule: all outbound traffic");
    return true;
}

const cfn_role cfn_role_guard_allowlist = {
    "guard-allowlist",
    "A security group: guards 'ingress' and 'egress', each an allow list (default deny) of "
    "its inline rules and of the rules of guard-rule resources.",
    allowlist_params, emit_allowlist, NULL, NULL, false};

static const cfn_param_def guard_rule_params[] = {
    {"group", CFN_P_PATHS, true, NULL, "the guard-allowlist resource(s) the rule belongs to"},
    {"direction", CFN_P_ENUM, false, "ingress|egress", "ingress (default) or egress"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_guard_rule(cfn_emit *e)
{
    cfn_reslist g;
    cfn_resources_of(e, NULL, NULL, "group", &g);
    bool egress = !strcmp(cfn_param_str(e->te, "direction", "ingress"), "egress");
    const char *why = NULL;
    const sp_reqset *set = sg_rule_set(e, e->r->props, egress, &why);
    if (!set)
        return true;
    for (size_t i = 0; i < g.n; i++)
        cfn_rule(e, cfn_ref_res(e, g.items[i], egress ? "egress" : "ingress"), 0, SP_ALLOW, set,
                 g.at[i], why);
    return true;
}

const cfn_role cfn_role_guard_rule = {
    "guard-rule",
    "One allow rule of a security group, declared as its own resource (EC2 rule fields: "
    "CidrIp, CidrIpv6, Source/DestinationPrefixListId, Source/DestinationSecurityGroupId, "
    "IpProtocol, FromPort, ToPort).",
    guard_rule_params, emit_guard_rule, NULL, NULL, false};

/* ---- load balancer identity ---- */

typedef struct lb_find {
    const cfn_resource *tg;
    const cfn_resource *lbs[16];
    size_t nlbs;
} lb_find;

static void add_lb(lb_find *f, const cfn_resource *lb)
{
    for (size_t i = 0; i < f->nlbs; i++)
        if (f->lbs[i] == lb)
            return;
    if (f->nlbs < 16)
        f->lbs[f->nlbs++] = lb;
}

typedef struct forwards_ctx {
    const cfn_resource *tg;
    bool hit;
} forwards_ctx;

static void fw_target(cfn_emit *e, const cfn_resource *target, const sp_doc *at, void *arg)
{
    (void)e;
    (void)at;
    forwards_ctx *x = arg;
    if (target == x->tg)
        x->hit = true;
}

static void fw_action(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)owner;
    bool ext;
    cfn_targets(e, node, &ext, fw_target, arg);
}

/* Whether resource r (a listener or listener rule) forwards to tg. */
static bool forwards_to(cfn_emit *e, const cfn_resource *r, const struct cfn_type_entry *te,
                        const cfn_resource *tg)
{
    forwards_ctx x = {tg, false};
    cfn_walk_param(e, te, r, "actions", false, fw_action, &x);
    return x.hit;
}

static void lb_of_listener(cfn_emit *e, const cfn_resource *listener, lb_find *f)
{
    const struct cfn_type_entry *te = cfn_entry_of(e, listener);
    cfn_reslist lbs;
    cfn_resources_of(e, te, listener, "load-balancer", &lbs);
    for (size_t i = 0; i < lbs.n; i++)
        add_lb(f, lbs.items[i]);
}

static void find_lbs(cfn_emit *e, const cfn_resource *r, void *arg)
{
    lb_find *f = arg;
    const struct cfn_type_entry *te = cfn_entry_of(e, r);
    if (!te)
        return;
    if (te->role == &cfn_role_lb_listener && forwards_to(e, r, te, f->tg)) {
        lb_of_listener(e, r, f);
    } else if (te->role == &cfn_role_lb_rule && forwards_to(e, r, te, f->tg)) {
        cfn_reslist ls;
        cfn_resources_of(e, te, r, "listener", &ls);
        for (size_t i = 0; i < ls.n; i++)
            lb_of_listener(e, ls.items[i], f);
    }
}

/* Principals of the security groups of a network node (sg:ID). */
static void group_principals(cfn_emit *e, const cfn_resource *node, cfn_req *q)
{
    const struct cfn_type_entry *te = cfn_entry_of(e, node);
    cfn_reslist g;
    cfn_resources_of(e, te, node, "groups", &g);
    for (size_t i = 0; i < g.n; i++)
        cfn_req_principal(e, q, cfn_why(e, "sg:%s", g.items[i]->id));
}

static void private_sources(cfn_req *q)
{
    static const char *const nets[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                       "100.64.0.0/10", "fc00::/7"};
    for (size_t i = 0; i < sizeof nets / sizeof *nets; i++) {
        sp_ival iv;
        if (sp_parse_cidr(nets[i], &iv))
            cfn_req_allow(q, SP_DIM_SRC, iv.lo, iv.hi);
    }
}

/* Port and protocol a target group sends to. */
static void tg_port(cfn_emit *e, const cfn_resource *tg, cfn_req *q)
{
    const struct cfn_type_entry *te = cfn_entry_of(e, tg);
    const sp_doc *port = cfn_first_param(e, te, tg, "port");
    const sp_doc *proto = cfn_first_param(e, te, tg, "protocol");
    const char *ps = cfn_text(e, proto);
    if (ps && (!strcasecmp(ps, "UDP")))
        cfn_req_allow(q, SP_DIM_PROTO, sp_key_num(SP_PROTO_UDP), sp_key_num(SP_PROTO_UDP));
    else if (ps && strcasecmp(ps, "TCP_UDP") && strcasecmp(ps, "GENEVE"))
        cfn_req_allow(q, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
    else {
        cfn_req_allow(q, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
        cfn_req_allow(q, SP_DIM_PROTO, sp_key_num(SP_PROTO_UDP), sp_key_num(SP_PROTO_UDP));
    }
    long p;
    if (num_of(e, port, &p) && p >= 0 && p <= 65535)
        cfn_req_allow(q, SP_DIM_PORT, sp_key_num((uint64_t)p), sp_key_num((uint64_t)p));
}

/* The edge from target group `tg` to a network node `target`: re-issued
 * by the load balancers forwarding to tg.  Application load balancers send
 * from their private addresses, as their security groups; network load
 * balancers keep the client's address (modelled as: from any address). */
void cfn_lb_target_edge(cfn_emit *e, sp_ref from, const cfn_resource *tg,
                        const cfn_resource *target, const sp_doc *at)
{
    const struct cfn_type_entry *tte = cfn_entry_of(e, target);
    lb_find f;
    memset(&f, 0, sizeof f);
    f.tg = tg;
    cfn_each_resource_of(e, find_lbs, &f);
    bool nlb = false, alb = f.nlbs == 0;
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_none(&q, SP_DIM_SRC);
    private_sources(&q);
    for (size_t i = 0; i < f.nlbs; i++) {
        const struct cfn_type_entry *lte = cfn_entry_of(e, f.lbs[i]);
        cfn_tri t = cfn_tests(e, lte, f.lbs[i], "preserves-client", NULL);
        if (t == CFN_YES) {
            nlb = true;
        } else {
            alb = true;
            group_principals(e, f.lbs[i], &q);
        }
    }
    if (nlb)
        cfn_req_ip_sources(&q);
    tg_port(e, tg, &q);
    const sp_reqset *id = cfn_req_set(e, &q);
    sp_ref to = cfn_ref_res(e, target, NULL);
    if (to.component == from.component)
        return;
    const char *why = alb && nlb ? "load balancer target (from its address or the client's)"
                      : nlb      ? "load balancer target (client address preserved)"
                                 : "load balancer target (from the balancer's security groups)";
    uint32_t edge;
    if (tte && tte->role->access_slot) {
        cfn_req l;
        cfn_req_begin(e, &l);
        cfn_req_principal(e, &l, "elasticloadbalancing.amazonaws.com");
        cfn_req_action(e, &l, cfn_param_str(tte, "invoke-action", "lambda:InvokeFunction"));
        edge = cfn_edge(e, from, to, cfn_set_all(e), cfn_req_set(e, &l), at,
                        "load balancer invokes the function");
        cfn_edge_slot(e, edge, cfn_ref_res(e, target, tte->role->access_slot));
        return;
    }
    if (tte && tte->role->net_slot) {
        edge = cfn_edge(e, from, to, cfn_set_all(e), id, at, why);
        cfn_edge_slot(e, edge, cfn_ref_res(e, target, tte->role->net_slot));
        return;
    }
    cfn_edge(e, from, to, cfn_set_all(e), NULL, at, "load balancer target");
}

/* ---- network-node ---- */

static const cfn_param_def network_node_params[] = {
    {"subnets", CFN_P_PATHS, false, NULL, "the subnets it has addresses in"},
    {"groups", CFN_P_PATHS, false, NULL,
     "its security groups (slot 'sg'; a group outside the template is assumed to allow "
     "everything)"},
    {"public", CFN_P_TESTS, false, NULL,
     "tests for a public address; the first test that finds a value decides"},
    {"public-ipv6", CFN_P_TESTS, false, NULL,
     "tests for a (routable) IPv6 address; `public` stands for IPv4 only"},
    {"private-if", CFN_P_TESTS, false, NULL,
     "tests under which it has no public address of any family (an internal balancer)"},
    {"public-default", CFN_P_BOOL, false, NULL,
     "public when no test finds a value and its subnets are in the template (default false)"},
    {"no-subnet-public", CFN_P_BOOL, false, NULL,
     "public when no test decides and no subnet is named (default VPC; default false)"},
    {"external-subnet-public", CFN_P_BOOL, false, NULL,
     "public when no test decides and a subnet is outside the template (default false)"},
    {"open-without-groups", CFN_P_TESTS, false, NULL,
     "tests under which the node has no security-group filter when it names no group"},
    {"interfaces", CFN_P_PATHS, false, NULL, "network interfaces that deliver to it"},
    {"target-groups", CFN_P_PATHS, false, NULL, "target groups that forward to it"},
    {"load-balancers", CFN_P_PATHS, false, NULL, "classic load balancers that forward to it"},
    {"members", CFN_P_PATHS, false, NULL,
     "nodes it forwards to itself (a classic load balancer's instances), as its security "
     "groups"},
    {"member-ports", CFN_P_PATHS, false, NULL, "ports it forwards to members on"},
    {"accept-ports", CFN_P_PATHS, false, NULL,
     "the ports it listens on (ACCEPTS tcp on them); none: unknown services, everything"},
    {"ports", CFN_P_PORTS, false, NULL, "fixed ports it listens on (ACCEPTS tcp on them)"},
    {"engine", CFN_P_PATH, false, NULL, "property choosing a default port (with port-defaults)"},
    {"port-defaults", CFN_P_MAP, false, NULL,
     "engine name prefix -> default port, used when accept-ports finds nothing"},
    {"preserves-client", CFN_P_TESTS, false, NULL,
     "for load balancers: tests under which targets see the client's address"},
    {NULL, 0, false, NULL, NULL}};

typedef struct ports_ctx {
    long ports[32];
    size_t n;
    bool unknown;
    const sp_doc *at;
} ports_ctx;

static void port_value(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)owner;
    ports_ctx *p = arg;
    long v;
    if (!p->at)
        p->at = node;
    if (num_of(e, node, &v) && v >= 0 && v <= 65535) {
        if (p->n < 32)
            p->ports[p->n++] = v;
    } else {
        p->unknown = true;
    }
}

static void node_accepts(cfn_emit *e)
{
    ports_ctx p;
    memset(&p, 0, sizeof p);
    cfn_walk_param(e, NULL, NULL, "accept-ports", true, port_value, &p);
    const char *why = "listens on its configured port";
    const sp_doc *fixed = cfn_param(e->te, "ports");
    if (!p.n && !p.unknown && fixed) {
        size_t n = fixed->kind == SP_DOC_SEQ ? fixed->u.seq.len : 1;
        for (size_t i = 0; i < n && p.n < 32; i++) {
            const char *s = sp_doc_text(fixed->kind == SP_DOC_SEQ ? fixed->u.seq.items[i] : fixed);
            p.ports[p.n++] = strtol(s, NULL, 10);
        }
        why = "listens on its service port";
    }
    if (!p.n && !p.unknown && cfn_param(e->te, "port-defaults")) {
        const sp_doc *eng = param_at(e, "engine");
        const char *s = cfn_text(e, eng);
        const sp_doc *map = cfn_param(e->te, "port-defaults");
        size_t best = 0;
        for (size_t i = 0; s && i < map->u.map.len; i++) {
            const char *k = sp_doc_text(map->u.map.pairs[i].key);
            size_t n = k ? strlen(k) : 0;
            long v;
            if (n > best && !strncasecmp(s, k, n) &&
                num_of(e, map->u.map.pairs[i].value, &v)) {
                best = n;
                p.ports[0] = v;
                p.n = 1;
                p.at = eng;
            }
        }
        if (!s)
            p.unknown = true;
        why = cfn_why(e, "default port of engine %s", s ? s : "?");
    }
    if (!p.n || p.unknown)
        return;
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
    for (size_t i = 0; i < p.n; i++)
        cfn_req_allow(&q, SP_DIM_PORT, sp_key_num((uint64_t)p.ports[i]),
                      sp_key_num((uint64_t)p.ports[i]));
    cfn_accepts(e, cfn_req_set(e, &q), p.at, why);
}

/* Attaches the node's security groups (`g`: what its "groups" name) to
 * its slot "sg". */
static void node_groups(cfn_emit *e, const cfn_reslist *g)
{
    for (size_t i = 0; i < g->n; i++)
        cfn_attach(e, cfn_ref_self(e, "sg"), cfn_ref_res(e, g->items[i], "ingress"), g->at[i],
                   cfn_why(e, "security group %s", g->items[i]->id));
    if (g->external) {
        cfn_guard(e, "external-sg", SP_ALLOW, g->ext_at,
                  "security group outside the template: assumed to allow everything");
        cfn_attach(e, cfn_ref_self(e, "sg"), cfn_ref_self(e, "external-sg"), g->ext_at,
                   "security group outside the template");
    }
}

/* Requests from the address families a public address serves. */
static const sp_reqset *family_set(cfn_emit *e, bool v4, bool v6)
{
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_none(&q, SP_DIM_SRC);
    if (v4)
        cfn_req_allow(&q, SP_DIM_SRC, sp_key_ipv4(0), sp_key_ipv4(UINT32_MAX));
    if (v6)
        cfn_req_allow(&q, SP_DIM_SRC, sp_key_ipv6(0, 0), sp_key_ipv6(UINT64_MAX, UINT64_MAX));
    cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(0), sp_key_num(255));
    return cfn_req_set(e, &q);
}

/* Edges giving node `target` (of entry tte) a public address of the given
 * families: from each of its template subnets, or from the internet when
 * it has none. */
static void public_edges(cfn_emit *e, const cfn_resource *target,
                         const struct cfn_type_entry *tte, const sp_doc *at, const char *why,
                         bool v4, bool v6)
{
    cfn_reslist s;
    cfn_resources_of(e, tte, target, "subnets", &s);
    sp_ref to = cfn_ref_res(e, target, NULL);
    sp_ref slot = cfn_ref_res(e, target, "sg");
    const sp_reqset *set = family_set(e, v4, v6);
    size_t subnets = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (!has_role(e, s.items[i], &cfn_role_subnet))
            continue;
        subnets++;
        uint32_t edge = cfn_edge(e, cfn_ref_res(e, s.items[i], NULL), to, set, NULL,
                                 at ? at : s.at[i], why);
        cfn_edge_slot(e, edge, slot);
    }
    if (!subnets || s.external) {
        uint32_t edge = cfn_edge(e, cfn_ref_internet(), to, set, NULL, at ? at : s.ext_at,
                                 cfn_why(e, "%s; %s", why,
                                         subnets ? "a subnet outside the template"
                                                 : "no subnet in the template"));
        cfn_edge_slot(e, edge, slot);
    }
}

static bool emit_network_node(cfn_emit *e)
{
    const sp_doc *where = NULL;
    cfn_reslist groups;
    cfn_resources_of(e, NULL, NULL, "groups", &groups);
    bool named = groups.any;
    cfn_tri open = named ? CFN_NO : cfn_tests(e, NULL, NULL, "open-without-groups", &where);
    cfn_slot(e, "sg", open == CFN_YES || open == CFN_UNSURE, NULL,
             open == CFN_YES || open == CFN_UNSURE
                 ? "no security group: traffic is not filtered"
             : named ? "its security groups"
                     : "no security group named: the VPC's default group, which admits "
                       "nothing from outside");
    node_groups(e, &groups);

    /* Public address? */
    const sp_doc *pw = NULL;
    cfn_tri pub = cfn_tests(e, NULL, NULL, "public", &pw);
    const char *why = NULL;
    if (pub == CFN_YES)
        why = "public address";
    else if (pub == CFN_UNSURE)
        why = "public address (setting not known statically)";
    else if (pub == CFN_NOVAL) {
        cfn_reslist s;
        cfn_resources_of(e, NULL, NULL, "subnets", &s);
        bool subnet_named = s.any;
        if (!subnet_named && cfn_param_bool(e->te, "no-subnet-public", false)) {
            pub = CFN_YES;
            why = "public address (no subnet: default VPC, whose subnets map public addresses)";
        } else if (s.external && cfn_param_bool(e->te, "external-subnet-public", false)) {
            pub = CFN_YES;
            why = "public address (its subnet is outside the template and may map public "
                  "addresses)";
        } else if (subnet_named && cfn_param_bool(e->te, "public-default", false)) {
            pub = CFN_YES;
            why = "public address (by default)";
        }
    }
    const sp_doc *w6 = NULL;
    cfn_tri pub6 = cfn_tests(e, NULL, NULL, "public-ipv6", &w6);
    bool v4 = pub == CFN_YES || pub == CFN_UNSURE;
    bool v6 = pub6 == CFN_YES || pub6 == CFN_UNSURE;
    if (cfn_param(e->te, "private-if") && cfn_tests(e, NULL, NULL, "private-if", NULL) == CFN_YES)
        v4 = v6 = false;
    if (v4 && v6)
        public_edges(e, e->r, e->te, pw, cfn_why(e, "%s and an IPv6 address", why), true, true);
    else if (v4)
        public_edges(e, e->r, e->te, pw, why, true, false);
    else if (v6)
        public_edges(e, e->r, e->te, w6, "IPv6 address (globally routable)", false, true);

    /* Interfaces, target groups, load balancers, members. */
    cfn_reslist l;
    cfn_resources_of(e, NULL, NULL, "interfaces", &l);
    for (size_t i = 0; i < l.n; i++)
        cfn_edge(e, cfn_ref_res(e, l.items[i], NULL), cfn_ref_self(e, NULL), cfn_set_all(e),
                 NULL, l.at[i], "network interface attached");
    cfn_resources_of(e, NULL, NULL, "target-groups", &l);
    for (size_t i = 0; i < l.n; i++)
        cfn_lb_target_edge(e, cfn_ref_res(e, l.items[i], NULL), l.items[i], e->r, l.at[i]);
    cfn_resources_of(e, NULL, NULL, "load-balancers", &l);
    for (size_t i = 0; i < l.n; i++) {
        cfn_req q;
        cfn_req_begin(e, &q);
        cfn_req_none(&q, SP_DIM_SRC);
        private_sources(&q);
        group_principals(e, l.items[i], &q);
        cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
        uint32_t edge = cfn_edge(e, cfn_ref_res(e, l.items[i], NULL), cfn_ref_self(e, NULL),
                                 cfn_set_all(e), cfn_req_set(e, &q), l.at[i],
                                 "load balancer member (from the balancer's security groups)");
        cfn_edge_slot(e, edge, cfn_ref_self(e, "sg"));
    }
    cfn_resources_of(e, NULL, NULL, "members", &l);
    if (l.n) {
        ports_ctx mp;
        memset(&mp, 0, sizeof mp);
        cfn_walk_param(e, NULL, NULL, "member-ports", true, port_value, &mp);
        cfn_req q;
        cfn_req_begin(e, &q);
        cfn_req_none(&q, SP_DIM_SRC);
        private_sources(&q);
        group_principals(e, e->r, &q);
        cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
        if (mp.n && !mp.unknown)
            for (size_t i = 0; i < mp.n; i++)
                cfn_req_allow(&q, SP_DIM_PORT, sp_key_num((uint64_t)mp.ports[i]),
                              sp_key_num((uint64_t)mp.ports[i]));
        const sp_reqset *id = cfn_req_set(e, &q);
        for (size_t i = 0; i < l.n; i++) {
            const struct cfn_type_entry *mte = cfn_entry_of(e, l.items[i]);
            uint32_t edge = cfn_edge(e, cfn_ref_self(e, NULL), cfn_ref_res(e, l.items[i], NULL),
                                     cfn_set_all(e), id, l.at[i],
                                     "forwards to its instances (as its security groups)");
            if (mte && mte->role->net_slot)
                cfn_edge_slot(e, edge, cfn_ref_res(e, l.items[i], mte->role->net_slot));
        }
    }
    node_accepts(e);
    return true;
}

const cfn_role cfn_role_network_node = {
    "network-node",
    "Something with addresses in subnets behind security groups (an instance, interface, "
    "database, load balancer, task group). Slot 'sg' unites its groups; with a public "
    "address it gets edges subnet -> node (or internet -> node without template subnets) "
    "through that slot.",
    network_node_params, emit_network_node, "sg", NULL, false};

/* ---- public-address ---- */

static const cfn_param_def public_address_params[] = {
    {"targets", CFN_P_PATHS, true, NULL, "the network nodes that get the address"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_public_address(cfn_emit *e)
{
    cfn_reslist t;
    cfn_resources_of(e, NULL, NULL, "targets", &t);
    for (size_t i = 0; i < t.n; i++) {
        const struct cfn_type_entry *tte = cfn_entry_of(e, t.items[i]);
        if (!tte || tte->role != &cfn_role_network_node)
            continue;
        public_edges(e, t.items[i], tte, t.at[i], cfn_why(e, "public address from %s", e->r->id),
                     true, false);
    }
    return true;
}

const cfn_role cfn_role_public_address = {
    "public-address",
    "Gives network nodes a public address (an Elastic IP and its association): edges from "
    "each node's subnets to it through its slot 'sg'.",
    public_address_params, emit_public_address, NULL, NULL, false};

/* ---- listeners, rules, target groups ---- */

static const cfn_param_def listener_params[] = {
    {"load-balancer", CFN_P_PATH, true, NULL, "the load balancer it belongs to"},
    {"port", CFN_P_PATH, false, NULL, "the port it listens on"},
    {"protocol", CFN_P_PATH, false, NULL, "HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP"},
    {"actions", CFN_P_PATH, true, NULL,
     "its actions (forward: TargetGroupArn, ForwardConfig.TargetGroups.*.TargetGroupArn; "
     "authenticate-oidc/-cognito require the listener's login)"},
    {NULL, 0, false, NULL, NULL}};

typedef struct act_ctx {
    sp_ref from;
    bool auth;
    const char *auth_name;
} act_ctx;

static void act_scan(cfn_emit *e, const cfn_resource *owner, const sp_doc *a, void *arg)
{
    (void)owner;
    act_ctx *x = arg;
    const char *type = cfn_text(e, sp_doc_get(a, "Type"));
    if (type && (!strcasecmp(type, "authenticate-oidc") ||
                 !strcasecmp(type, "authenticate-cognito")))
        x->auth = true;
}

static void act_tg(cfn_emit *e, const cfn_resource *tg, const sp_doc *at, void *arg)
{
    act_ctx *x = arg;
    const sp_reqset *set;
    if (x->auth) {
        cfn_req q;
        cfn_req_begin(e, &q);
        sp_name n = sp_intern(&e->ctx->names, x->auth_name);
        cfn_req_allow(&q, SP_DIM_CRED, sp_key_num(n), sp_key_num(n));
        set = cfn_req_set(e, &q);
    } else {
        set = cfn_set_all(e);
    }
    cfn_edge(e, x->from, cfn_ref_res(e, tg, NULL), set, NULL, at,
             x->auth ? "forwards after the listener's authentication" : "forwards");
}

static void act_forward(cfn_emit *e, const cfn_resource *owner, const sp_doc *a, void *arg)
{
    (void)owner;
    const char *type = cfn_text(e, sp_doc_get(a, "Type"));
    if (type && strcasecmp(type, "forward"))
        return;
    bool ext;
    cfn_targets(e, sp_doc_get(a, "TargetGroupArn"), &ext, act_tg, arg);
    const sp_doc *fc = sp_doc_get(a, "ForwardConfig");
    const sp_doc *tgs = fc ? sp_doc_get(fc, "TargetGroups") : NULL;
    if (tgs)
        cfn_targets(e, tgs, &ext, act_tg, arg);
}

static void forward_actions(cfn_emit *e, sp_ref from, const char *auth_name)
{
    act_ctx x = {from, false, auth_name};
    cfn_walk_param(e, NULL, NULL, "actions", true, act_scan, &x);
    cfn_walk_param(e, NULL, NULL, "actions", true, act_forward, &x);
}

static bool emit_listener(cfn_emit *e)
{
    cfn_reslist lb;
    cfn_resources_of(e, NULL, NULL, "load-balancer", &lb);
    const sp_doc *port = param_at(e, "port"), *proto = param_at(e, "protocol");
    const char *ps = cfn_text(e, proto);
    long p;
    cfn_req q;
    cfn_req_begin(e, &q);
    if (ps && !strcasecmp(ps, "UDP"))
        cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_UDP), sp_key_num(SP_PROTO_UDP));
    else if (ps && strcasecmp(ps, "TCP_UDP"))
        cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
    else {
        cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
        cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_UDP), sp_key_num(SP_PROTO_UDP));
    }
    bool kp = num_of(e, port, &p) && p >= 0 && p <= 65535;
    if (kp)
        cfn_req_allow(&q, SP_DIM_PORT, sp_key_num((uint64_t)p), sp_key_num((uint64_t)p));
    const sp_reqset *set = cfn_req_set(e, &q);
    for (size_t i = 0; i < lb.n; i++)
        cfn_edge(e, cfn_ref_res(e, lb.items[i], NULL), cfn_ref_self(e, NULL), set, NULL,
                 port ? port : lb.at[i],
                 cfn_why(e, "listener %s %s", ps ? ps : "?",
                         kp ? cfn_text(e, port) : "(port not known)"));
    forward_actions(e, cfn_ref_self(e, NULL), cfn_why(e, "listener-auth:%s", e->r->id));
    return true;
}

const cfn_role cfn_role_lb_listener = {
    "lb-listener",
    "A load balancer listener: edge balancer -> listener for its protocol and port, edges "
    "listener -> target group for its forward actions.",
    listener_params, emit_listener, NULL, NULL, false};

static const cfn_param_def lb_rule_params[] = {
    {"listener", CFN_P_PATH, true, NULL, "the listener it belongs to"},
    {"actions", CFN_P_PATH, true, NULL, "its actions (as for lb-listener)"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_lb_rule(cfn_emit *e)
{
    cfn_reslist ls;
    cfn_resources_of(e, NULL, NULL, "listener", &ls);
    for (size_t i = 0; i < ls.n; i++)
        forward_actions(e, cfn_ref_res(e, ls.items[i], NULL),
                        cfn_why(e, "listener-auth:%s", ls.items[i]->id));
    return true;
}

const cfn_role cfn_role_lb_rule = {
    "lb-rule",
    "A listener rule: edges listener -> target group for its forward actions (its "
    "conditions are not modelled: every request may match).",
    lb_rule_params, emit_lb_rule, NULL, NULL, false};

static const cfn_param_def tg_params[] = {
    {"targets", CFN_P_PATHS, false, NULL, "registered targets (instances, functions)"},
    {"port", CFN_P_PATH, false, NULL, "the port targets receive on"},
    {"protocol", CFN_P_PATH, false, NULL, "the protocol targets receive"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_tg(cfn_emit *e)
{
    cfn_reslist t;
    cfn_resources_of(e, NULL, NULL, "targets", &t);
    for (size_t i = 0; i < t.n; i++)
        cfn_lb_target_edge(e, cfn_ref_self(e, NULL), e->r, t.items[i], t.at[i]);
    return true;
}

const cfn_role cfn_role_lb_target_group = {
    "lb-target-group",
    "A target group: edges to its registered targets, re-issued by the load balancers that "
    "forward to it (application: from their security groups and private addresses; network: "
    "from the client's address; to functions: as elasticloadbalancing.amazonaws.com).",
    tg_params, emit_tg, NULL, NULL, false};
