/* The type catalogue and its roles (private to catalogue.c,
 * catalogue_doc.c and roles*.c).
 *
 * A catalogue entry names a *role* — a modelling building block written in
 * C — and the role's parameters: property paths of the resource type, a
 * few constants, and tests on property values.  A role turns one resource
 * into reachability facts (model.h) using only those parameters, so a user
 * can describe a new type with an existing role without writing C.
 * docs/TYPES.md documents the file format and every role.
 *
 * Paths (parameters of kind PATH/PATHS/TESTS) walk a resource's Properties:
 *   A.B        the property B of the map under A
 *   A.*.B      B of every element of the list under A (every value of a map)
 *   A->B.C     follow every template resource A refers to (Ref, GetAtt,
 *              ${X} in Fn::Sub, both branches of an undecided Fn::If) and
 *              continue at that resource's Properties
 * Fn::If on the way is decided when the condition is known, else both
 * branches are walked; AWS::NoValue removes what it stands for.
 * A test is "PATH" (a true value: true, ENABLED, a number > 0, a map),
 * "PATH=VALUE" or "PATH!=VALUE" (case-insensitive), or "!PATH" (PATH has
 * no true value, absent included). */
#ifndef SP_CFN_ROLES_H
#define SP_CFN_ROLES_H

#include "cfn_internal.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- roles ---- */

typedef enum cfn_pkind {
    CFN_P_PATH,    /* one path */
    CFN_P_PATHS,   /* a path or a list of paths */
    CFN_P_STRING,  /* a constant string */
    CFN_P_STRINGS, /* a string or a list of strings */
    CFN_P_BOOL,    /* true | false */
    CFN_P_TESTS,   /* a test or a list of tests */
    CFN_P_PORTS,   /* a list of ports: 80, "8000-8080" */
    CFN_P_MAP,     /* a map of strings to scalars */
    CFN_P_ENUM,    /* one of `choices` ("a|b|c") */
} cfn_pkind;

typedef struct cfn_param_def {
    const char *name;
    cfn_pkind kind;
    bool required;
    const char *choices; /* CFN_P_ENUM */
    const char *doc;     /* one line, for `snipeproof types` and TYPES.md */
} cfn_param_def;

typedef struct cfn_emit cfn_emit;

typedef struct cfn_role {
    const char *name;
    const char *summary;          /* what it emits, one paragraph */
    const cfn_param_def *params;  /* terminated by a NULL name */
    bool (*emit)(cfn_emit *e);
    /* What a resource of this role hosts, for roles pointing at it. */
    const char *net_slot;    /* slot of its security groups ("sg") */
    const char *access_slot; /* slot of its resource policy ("access") */
    bool inert;              /* contributes no fact at all */
} cfn_role;

/* Every role, terminated by NULL (roles.c). */
extern const cfn_role *const cfn_roles[];
const cfn_role *cfn_role_find(const char *name);

/* ---- the catalogue ---- */

/* What an entry answers for one parameter, remembered (cfn_param). */
typedef struct cfn_param_memo {
    const char *name;
    const sp_doc *value; /* NULL: the entry does not set it */
    /* Its paths and its tests compiled into steps (roles_util.c), NULL
     * until first walked: roles walk the same parameters for every
     * resource of the type. */
    const struct cfn_paths *paths, *tests;
} cfn_param_memo;

struct cfn_type_entry {
    const char *type;        /* "AWS::EC2::Subnet", or a prefix for "Custom::*" */
    bool prefix;             /* entry written "PREFIX*" */
    const cfn_role *role;
    const char *description;
    const sp_doc *node;      /* the entry's map: parameters are read by name */
    bool transit;            /* transit: true — passes requests on, accepts none itself */
    const char *claims_ns;   /* claims: {namespace, property} */
    const char *claims_prop;
    const char *file;        /* the catalogue file it came from */
    sp_loc loc;              /* its key there */
    /* Parameters asked for so far, by the address of their name
     * (cfn_param): roles ask an entry for the same few parameters for
     * every resource of its type. */
    cfn_param_memo asked[32];
    unsigned nasked;
};

/* A namespace of globally claimable names and the DNS names that point
 * into it ("{name}.s3-website-{region}.amazonaws.com"). */
typedef struct cfn_namespace {
    const char *name;
    const char *description;
    SP_VEC(const char *) endpoints;      /* {name} is the claimed name */
    SP_VEC(const char *) zone_endpoints; /* an alias whose record name is the claimed name */
} cfn_namespace;

/* A type of the built-in catalogue, found in its text but not read yet
 * (cfn_catalogue_open): most runs use a few dozen of its types. */
typedef struct cfn_lazy_entry {
    const char *type;      /* as written, without a trailing '*' */
    bool prefix;
    uint32_t start, end;   /* the entry's lines in the built-in text */
    uint32_t line;         /* 0-based line of its key */
    bool read;             /* looked up: `te` is the entry (NULL: it had errors) */
    const struct cfn_type_entry *te;
} cfn_lazy_entry;

struct cfn_catalogue {
    sp_ctx *ctx;
    SP_VEC(struct cfn_type_entry) entries; /* sorted by type, unique */
    SP_VEC(cfn_namespace) names;
    SP_VEC(const char *) actions;          /* vocabulary "s3:GetObject", sorted */
    SP_VEC(const char *) files;            /* built-in first, then --types */
    /* With cfn_catalogue_open: the built-in types not in `entries`, in the
     * text's order, read when first looked up; lazy_ix finds those that
     * are not prefix entries by type. */
    cfn_lazy_entry *lazy;
    size_t nlazy;
    cfn_index lazy_ix;
    size_t header;         /* >0: the built-in text's first `header` bytes (names,
                              actions) are still to be read */
    bool failed;           /* a built-in entry read late had errors */
    /* Look-ups answered so far: type -> index into `found` (a template
     * asks for the same few types over and over). */
    cfn_index found_ix;
    SP_VEC(const struct cfn_type_entry *) found;
    /* The actions by their first letter in lower case (cfn_catalogue_
     * actions_from): positions into `actions`, in order, those of letter L
     * from by_letter[letter_start[L]] to before by_letter[letter_start[L + 1]];
     * NULL until first asked for. */
    uint32_t *by_letter;
    uint32_t letter_start[257];
    /* Interned slot and guard names by address (roles_util.c). */
    struct {
        const char *name;
        sp_name id;
    } slot_names[16];
    unsigned nslot_names;
};

/* The claimable namespaces and the action vocabulary (sorted): with
 * cfn_catalogue_open the built-in ones are read when first asked for. */
const cfn_namespace *cfn_catalogue_names(const cfn_catalogue *c, size_t *n);
const char *const *cfn_catalogue_actions(const cfn_catalogue *c, size_t *n);
/* The positions in cfn_catalogue_actions of the actions whose first
 * character is `letter` after tolower, in order (a pattern that begins with a
 * letter matches no other); NULL when out of memory. */
const uint32_t *cfn_catalogue_actions_from(const cfn_catalogue *c, unsigned char letter,
                                           size_t *n);

/* Parameters of an entry (NULL / default when the entry does not set it).
 * `name` must be a string constant (the roles' own parameter names, here
 * and in every function below that takes a parameter name): answers are
 * remembered per entry by the name's address. */
const sp_doc *cfn_param(const struct cfn_type_entry *te, const char *name);
/* The memo of a parameter, for what roles_util.c makes of its value; NULL
 * when te is NULL or its memo is full. */
cfn_param_memo *cfn_param_memo_of(const struct cfn_type_entry *te, const char *name);
const char *cfn_param_str(const struct cfn_type_entry *te, const char *name, const char *dflt);
bool cfn_param_bool(const struct cfn_type_entry *te, const char *name, bool dflt);
/* A string or list of strings; returns how many were stored (at most cap). */
size_t cfn_param_list(const struct cfn_type_entry *te, const char *name, const char **out,
                      size_t cap);

/* ---- emitting facts (roles_util.c) ---- */

struct cfn_emit {
    sp_ctx *ctx;
    const cfn_catalogue *cat;
    const struct cfn_type_entry *te;
    const cfn_template *t;
    const cfn_resource *r;
    sp_model *m;
    const uint32_t *comp_of; /* the component of each resource of t, by index */
    uint32_t self; /* component of r */
    bool ok;
    /* The `Ref` evaluated last and its value (roles_util.c): expanding a
     * list of references and collecting their targets ask for the same
     * name one after the other. */
    const sp_doc *ref;
    cfn_value ref_value;
};

/* Tri-state values. */
typedef enum cfn_tri { CFN_NO = 0, CFN_YES = 1, CFN_UNSURE = 2, CFN_NOVAL = 3 } cfn_tri;

typedef void (*cfn_node_fn)(cfn_emit *e, const cfn_resource *owner, const sp_doc *node,
                            void *arg);

/* Calls fn for every node that `path` reaches from resource r's
 * Properties (r NULL = the emitting resource).  With `items`, a list at the
 * end of the path is expanded into its elements. */
void cfn_walk(cfn_emit *e, const cfn_resource *r, const char *path, bool items, cfn_node_fn fn,
              void *arg);
/* The same for every path of a PATHS parameter of the entry `te` (NULL =
 * the emitting entry). */
void cfn_walk_param(cfn_emit *e, const struct cfn_type_entry *te, const cfn_resource *r,
                    const char *param, bool items, cfn_node_fn fn, void *arg);
/* The same from an arbitrary node (an element of a list property). */
void cfn_walk_node(cfn_emit *e, const cfn_resource *owner, const sp_doc *start, const char *path,
                   bool items, cfn_node_fn fn, void *arg);
/* The first node a path reaches, or NULL. */
const sp_doc *cfn_first(cfn_emit *e, const cfn_resource *r, const char *path);
const sp_doc *cfn_first_param(cfn_emit *e, const struct cfn_type_entry *te,
                              const cfn_resource *r, const char *param);
/* Every element of a list expression (a literal list, Fn::If branches,
 * Fn::Split, list parameters); a non-list is its own only element. */
void cfn_each_elem(cfn_emit *e, const sp_doc *node, cfn_node_fn fn, void *arg);

/* Calls fn with what an expression stands for when it is a map or a list
 * behind Fn::If (both branches when undecided; nothing for AWS::NoValue);
 * other nodes are passed as they are. */
void cfn_resolve(cfn_emit *e, const sp_doc *node, cfn_node_fn fn, void *arg);
/* Whether an expression is AWS::NoValue (directly or through a decided
 * Fn::If). */
bool cfn_is_novalue_node(cfn_emit *e, const sp_doc *node);
/* A statically known scalar (string, number, bool), or NULL. */
const char *cfn_text(cfn_emit *e, const sp_doc *node);
/* Whether a value is true (true, "ENABLED", a number > 0, a collection). */
cfn_tri cfn_truth(cfn_emit *e, const sp_doc *node);
/* Evaluates the tests of a TESTS parameter in order; the first test whose
 * path reaches a value decides (CFN_NOVAL when none does). */
cfn_tri cfn_tests(cfn_emit *e, const struct cfn_type_entry *te, const cfn_resource *r,
                  const char *param, const sp_doc **where);

/* The text of an expression as far as it is known: literal parts, known
 * parameters, and placeholders "${Name}" for what is not known (parameters,
 * pseudo-parameters, resource references, "${?}" for anything else).  Two
 * expressions that CloudFormation would resolve alike give the same text. */
const char *cfn_pattern_text(cfn_emit *e, const sp_doc *node);

/* Template resources an expression refers to; returns how many. Sets
 * *external when some part of it is not a template resource (a literal
 * id, a parameter, an import). */
typedef void (*cfn_res_fn)(cfn_emit *e, const cfn_resource *target, const sp_doc *at,
                           void *arg);
size_t cfn_targets(cfn_emit *e, const sp_doc *node, bool *external, cfn_res_fn fn, void *arg);

/* The template resources a PATHS parameter names, each once (at most 64;
 * items and at are set only below n). */
typedef struct cfn_reslist {
    const cfn_resource *items[64];
    const sp_doc *at[64];
    size_t n;
    bool external;   /* some expression names something outside the template */
    bool any;        /* some expression was seen at all */
    const sp_doc *ext_at;
} cfn_reslist;

/* Fills `out` with what parameter `param` of entry `te` names on resource
 * r (te and r NULL: the emitting resource and its entry). */
void cfn_resources_of(cfn_emit *e, const struct cfn_type_entry *te, const cfn_resource *r,
                      const char *param, cfn_reslist *out);
/* Fills `out` with what one expression names. */
void cfn_resources_in(cfn_emit *e, const sp_doc *expr, cfn_reslist *out);

/* The entry of a resource's type (NULL when unknown). */
const struct cfn_type_entry *cfn_entry_of(cfn_emit *e, const cfn_resource *r);
/* Calls fn for every resource of the template. */
void cfn_each_resource_of(cfn_emit *e, void (*fn)(cfn_emit *e, const cfn_resource *r, void *arg),
                          void *arg);

/* ---- facts ---- */

sp_ref cfn_ref_internet(void);
/* A slot or guard (`name`, NULL for the node itself) of the emitting
 * resource or of another.  `name` must be a string constant or catalogue
 * text: its id is remembered by address. */
sp_ref cfn_ref_self(cfn_emit *e, const char *name);
/* SP_NONE component when r has no component (should not happen). */
sp_ref cfn_ref_res(cfn_emit *e, const cfn_resource *r, const char *name);
sp_loc cfn_loc(cfn_emit *e, const sp_doc *at);

/* Returns the fact's index in m->facts (SP_NONE on failure); slots of an
 * edge must be added right after it with cfn_edge_slot. */
uint32_t cfn_edge(cfn_emit *e, sp_ref from, sp_ref to, const sp_reqset *set,
                  const sp_reqset *identity, const sp_doc *at, const char *why);
void cfn_edge_slot(cfn_emit *e, uint32_t edge, sp_ref slot);
void cfn_slot(cfn_emit *e, const char *name, bool empty_allows, const sp_doc *at,
              const char *why);
void cfn_guard(cfn_emit *e, const char *name, sp_action dflt, const sp_doc *at,
               const char *why);
void cfn_rule(cfn_emit *e, sp_ref guard, int64_t priority, sp_action action,
              const sp_reqset *set, const sp_doc *at, const char *why);
void cfn_attach(cfn_emit *e, sp_ref slot, sp_ref guard, const sp_doc *at, const char *why);
void cfn_accepts(cfn_emit *e, const sp_reqset *set, const sp_doc *at, const char *why);
void cfn_claim(cfn_emit *e, const char *name, const sp_doc *at, const char *why);
void cfn_refer(cfn_emit *e, const char *name, const sp_doc *at, const char *why);
const char *cfn_why(cfn_emit *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- request sets (roles_util.c) ---- */

/* A box under construction: unconstrained until a dimension is set. */
typedef struct cfn_req {
    sp_box_builder b;
} cfn_req;

void cfn_req_begin(cfn_emit *e, cfn_req *q);
void cfn_req_allow(cfn_req *q, sp_dim d, sp_key lo, sp_key hi);
void cfn_req_none(cfn_req *q, sp_dim d); /* constrained, nothing allowed yet */
void cfn_req_ip_sources(cfn_req *q);     /* every IPv4 and IPv6 address */
void cfn_req_principal(cfn_emit *e, cfn_req *q, const char *principal); /* "*" = any source */
/* The same in dimension d (SRC, or DST for egress rules). */
void cfn_req_principal_in(cfn_emit *e, cfn_req *q, sp_dim d, const char *principal);
void cfn_req_action(cfn_emit *e, cfn_req *q, const char *action); /* proto API + action */
void cfn_req_proto_port(cfn_req *q, unsigned proto, unsigned lo, unsigned hi);

/* A set under construction: a union of boxes. */
typedef struct cfn_set {
    sp_set_builder s;
} cfn_set;
void cfn_set_begin(cfn_emit *e, cfn_set *s);
void cfn_set_add(cfn_emit *e, cfn_set *s, cfn_req *q);
const sp_reqset *cfn_set_end(cfn_emit *e, cfn_set *s);
/* A set of one box. */
const sp_reqset *cfn_req_set(cfn_emit *e, cfn_req *q);
const sp_reqset *cfn_set_all(cfn_emit *e);
/* Every IP packet from an IP address (what an internet gateway lets in:
 * principals and API calls do not travel through networks). */
const sp_reqset *cfn_set_ip(cfn_emit *e);

/* Protocol names and numbers: "tcp", "6", "-1" (all); false when unknown. */
bool cfn_parse_proto(const char *text, int *proto);

/* ---- policy documents (roles_policy.c) ---- */

typedef enum cfn_policy_mode {
    CFN_POLICY_RESOURCE, /* resource policy: principals × actions */
    CFN_POLICY_TRUST,    /* role trust policy: principals, any action */
    CFN_POLICY_REQUEST,  /* a policy on incoming requests (RestApi): principals and
                            source addresses of statements granting `only` actions */
} cfn_policy_mode;

/* Emits the statements of a policy document as rules of `guard`: Deny
 * statements first (priority 0), then Allow (priority 1).  `only` (NULL =
 * all) keeps the statements whose actions match it (REQUEST mode). */
void cfn_policy_rules(cfn_emit *e, const sp_doc *doc, sp_ref guard, cfn_policy_mode mode,
                      const char *only);
/* The principal name of a Principal value element ("*" for everyone). */
const char *cfn_principal_name(cfn_emit *e, const char *kind, const sp_doc *value);
/* Adds the actions matching `pattern` (IAM wildcards, the catalogue's
 * vocabulary) to dimension PORT of q; `negate` for NotAction. */
void cfn_req_actions(cfn_emit *e, cfn_req *q, const char **patterns, size_t n, bool negate);
/* The identity-policy statements of `doc` granting access to template
 * resources: calls fn for every (resource, action set) pair. */
typedef void (*cfn_grant_fn)(cfn_emit *e, const cfn_resource *target, const sp_reqset *set,
                             const sp_doc *at, void *arg);
void cfn_policy_grants(cfn_emit *e, const sp_doc *doc, cfn_grant_fn fn, void *arg);

/* ---- claimable names (roles_names.c) ---- */

/* The name a resource claims ("s3-bucket:www.example.com"), NULL when its
 * entry claims nothing. */
const char *cfn_claim_of(cfn_emit *e, const cfn_resource *r);
/* REFERs every claimable name a DNS value points at (endpoint patterns of
 * the catalogue's namespaces, or a reference to a claiming resource).
 * `record_name` (may be NULL) is the record's own name, for zone
 * endpoints. */
void cfn_refer_dns(cfn_emit *e, const sp_doc *value, const sp_doc *record_name,
                   const char *why);

/* The edge from a target group to one of its targets (roles_net.c):
 * re-issued by the load balancers that forward to the group. */
void cfn_lb_target_edge(cfn_emit *e, sp_ref from, const cfn_resource *tg,
                        const cfn_resource *target, const sp_doc *at);

/* An edge as a service forwards (roles_svc.c): to a resource with a
 * resource policy, re-issued as `principal` doing `action` (NULL: the
 * target's invoke-action) through its access slot; to a network node,
 * re-issued from public addresses through its security groups; with
 * `creds` or to anything else, a plain edge. */
void cfn_forward(cfn_emit *e, sp_ref from, const cfn_resource *target, const char *principal,
                 const char *action, bool creds, const sp_doc *at, const char *why);

/* The routes SAM functions' Api/HttpApi events give the emitting API
 * (cfn_sam_route_api): edges API -> function admitting each event's
 * authorizer, else the API's default authorizer (roles_svc.c). */
void cfn_sam_routes(cfn_emit *e);

/* Role emitters (roles_*.c). */
extern const cfn_role cfn_role_inert, cfn_role_node, cfn_role_public_entry, cfn_role_link,
    cfn_role_subnet, cfn_role_first_match_guard, cfn_role_first_match_rule, cfn_role_attach,
    cfn_role_guard_allowlist, cfn_role_guard_rule, cfn_role_network_node,
    cfn_role_public_address, cfn_role_lb_listener, cfn_role_lb_rule, cfn_role_lb_target_group,
    cfn_role_api_method, cfn_role_forwarder, cfn_role_permission, cfn_role_resource_policy,
    cfn_role_policy_guarded, cfn_role_bucket, cfn_role_function_url, cfn_role_iam_role,
    cfn_role_identity_policy, cfn_role_dns_record, cfn_role_distribution,
    cfn_role_claims_name, cfn_role_sam_function, cfn_role_separate;

#endif
