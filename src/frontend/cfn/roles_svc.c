/* Service roles: API methods and routes, forwarders that re-issue requests
 * under a service's identity, resource policies and permissions, buckets,
 * function URLs, IAM roles and their policies, DNS records, CDN
 * distributions. */
#include "roles.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const sp_doc *param_at(cfn_emit *e, const char *param)
{
    return cfn_first_param(e, NULL, NULL, param);
}

/* ---- forwarding under a service identity ---- */

/* An edge from `from` to `target` as a service forwards: to a resource
 * with a resource policy, re-issued as `principal` doing the target's
 * invoke action (the policy decides whether the edge exists); to a network
 * node, re-issued from public addresses (its security groups decide); with
 * `creds` (the service acts with a role's credentials) or to anything else,
 * a plain edge. */
void cfn_forward(cfn_emit *e, sp_ref from, const cfn_resource *target, const char *principal,
                 const char *action, bool creds, const sp_doc *at, const char *why)
{
    sp_ref to = cfn_ref_res(e, target, NULL);
    if (to.component == SP_NONE || to.component == from.component)
        return;
    const struct cfn_type_entry *tte = cfn_entry_of(e, target);
    if (!creds && tte && tte->role->access_slot) {
        cfn_req q;
        cfn_req_begin(e, &q);
        cfn_req_principal(e, &q, principal);
        cfn_req_action(e, &q, action ? action : cfn_param_str(tte, "invoke-action", "*"));
        uint32_t edge = cfn_edge(e, from, to, cfn_set_all(e), cfn_req_set(e, &q), at,
                                 cfn_why(e, "%s (as %s)", why, principal));
        cfn_edge_slot(e, edge, cfn_ref_res(e, target, tte->role->access_slot));
        return;
    }
    if (!creds && tte && tte->role->net_slot) {
        cfn_req q;
        cfn_req_begin(e, &q);
        cfn_req_ip_sources(&q);
        uint32_t edge = cfn_edge(e, from, to, cfn_set_all(e), cfn_req_set(e, &q), at,
                                 cfn_why(e, "%s (from the service's public addresses)", why));
        cfn_edge_slot(e, edge, cfn_ref_res(e, target, tte->role->net_slot));
        return;
    }
    cfn_edge(e, from, to, cfn_set_all(e), NULL, at,
             creds && !strstr(why, "permission created")
                 ? cfn_why(e, "%s (with the credentials of a role)", why)
                 : why);
}

/* ---- api-method ---- */

static const cfn_param_def api_method_params[] = {
    {"api", CFN_P_PATH, true, NULL, "the API it belongs to (edge api -> method)"},
    {"authorization", CFN_P_PATH, false, NULL,
     "NONE (any credential), AWS_IAM (credential 'iam'), CUSTOM, COGNITO_USER_POOLS or JWT "
     "(credential 'authorizer:ID' of `authorizer`)"},
    {"authorizer", CFN_P_PATH, false, NULL, "the authorizer it uses"},
    {"default-authorization", CFN_P_STRING, false, NULL,
     "authorization when the property is absent (default NONE)"},
    {"integration", CFN_P_PATHS, false, NULL,
     "where it sends requests: every resource referenced there (function ARNs inside "
     "Fn::Sub/Join URIs, integrations)"},
    {"credentials", CFN_P_PATH, false, NULL,
     "a role the integration uses: then no resource policy is needed"},
    {"principal", CFN_P_STRING, false, NULL,
     "the identity the service invokes with (default apigateway.amazonaws.com)"},
    {"api-key", CFN_P_PATH, false, NULL,
     "ApiKeyRequired: shown in explanations only (API keys are not authorization)"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_api_method(cfn_emit *e)
{
    cfn_reslist api;
    cfn_resources_of(e, NULL, NULL, "api", &api);
    const sp_doc *auth = param_at(e, "authorization");
    const char *at = auth ? cfn_text(e, auth)
                          : cfn_param_str(e->te, "default-authorization", "NONE");
    cfn_req q;
    cfn_req_begin(e, &q);
    const char *why;
    if (!at) {
        why = "authorization not known statically: any credential";
    } else if (!strcasecmp(at, "NONE")) {
        why = "AuthorizationType NONE: no credential needed";
    } else if (!strcasecmp(at, "AWS_IAM")) {
        sp_name n = sp_intern(&e->ctx->names, "iam");
        cfn_req_allow(&q, SP_DIM_CRED, sp_key_num(n), sp_key_num(n));
        why = "AuthorizationType AWS_IAM: a signed IAM request";
    } else {
        cfn_reslist az;
        cfn_resources_of(e, NULL, NULL, "authorizer", &az);
        if (!az.n && !az.external) {
            why = cfn_why(e, "AuthorizationType %s without an authorizer: any credential", at);
        } else {
            cfn_req_none(&q, SP_DIM_CRED);
            for (size_t i = 0; i < az.n; i++) {
                sp_name n = sp_intern(&e->ctx->names, cfn_why(e, "authorizer:%s", az.items[i]->id));
                cfn_req_allow(&q, SP_DIM_CRED, sp_key_num(n), sp_key_num(n));
            }
            if (az.external) {
                sp_name n = sp_intern(
                    &e->ctx->names,
                    cfn_why(e, "authorizer:%s", cfn_pattern_text(e, param_at(e, "authorizer"))));
                cfn_req_allow(&q, SP_DIM_CRED, sp_key_num(n), sp_key_num(n));
            }
            why = cfn_why(e, "AuthorizationType %s: the authorizer's credential", at);
        }
    }
    const sp_doc *key = param_at(e, "api-key");
    if (key && cfn_truth(e, key) == CFN_YES)
        why = cfn_why(e, "%s; API key required (not an authorization)", why);
    const sp_reqset *set = cfn_req_set(e, &q);
    for (size_t i = 0; i < api.n; i++)
        cfn_edge(e, cfn_ref_res(e, api.items[i], NULL), cfn_ref_self(e, NULL), set, NULL,
                 auth ? auth : api.at[i], why);
    cfn_reslist t;
    cfn_resources_of(e, NULL, NULL, "integration", &t);
    bool creds = false;
    const sp_doc *cr = param_at(e, "credentials");
    if (cr && !cfn_is_novalue_node(e, cr))
        creds = true;
    const char *principal = cfn_param_str(e->te, "principal", "apigateway.amazonaws.com");
    for (size_t i = 0; i < t.n; i++)
        cfn_forward(e, cfn_ref_self(e, NULL), t.items[i], principal, NULL, creds, t.at[i],
                "integration");
    return true;
}

const cfn_role cfn_role_api_method = {
    "api-method",
    "An API method or route: edge api -> method admitting the credentials its authorization "
    "accepts; edges to its integration targets, re-issued as the API service (the target's "
    "resource policy decides) unless the integration has credentials.",
    api_method_params, emit_api_method, NULL, NULL, false};

/* ---- forwarder ---- */

static const cfn_param_def forwarder_params[] = {
    {"from", CFN_P_PATH, false, NULL, "where requests arrive (a path, or self: the default)"},
    {"to", CFN_P_PATHS, true, NULL, "the resources it forwards to"},
    {"principal", CFN_P_STRING, true, NULL, "the service identity it forwards as"},
    {"action", CFN_P_STRING, false, NULL,
     "the action it performs (default: the target's invoke-action)"},
    {"credentials", CFN_P_PATH, false, NULL, "a role it forwards with: a plain edge"},
    {"why", CFN_P_STRING, false, NULL, "explanation shown with the edge"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_forwarder(cfn_emit *e)
{
    const char *from = cfn_param_str(e->te, "from", "self");
    sp_ref froms[64];
    size_t nf = 0;
    if (!strcmp(from, "self")) {
        froms[nf++] = cfn_ref_self(e, NULL);
    } else {
        cfn_reslist f;
        cfn_resources_of(e, NULL, NULL, "from", &f);
        for (size_t i = 0; i < f.n; i++)
            froms[nf++] = cfn_ref_res(e, f.items[i], NULL);
    }
    cfn_reslist t;
    cfn_resources_of(e, NULL, NULL, "to", &t);
    const sp_doc *cr = param_at(e, "credentials");
    bool creds = cr && !cfn_is_novalue_node(e, cr);
    const char *principal = cfn_param_str(e->te, "principal", "*");
    const char *action = cfn_param_str(e->te, "action", NULL);
    const char *why = cfn_param_str(e->te, "why", "forwards");
    for (size_t i = 0; i < nf; i++)
        for (size_t j = 0; j < t.n; j++)
            cfn_forward(e, froms[i], t.items[j], principal, action, creds, t.at[j], why);
    return true;
}

const cfn_role cfn_role_forwarder = {
    "forwarder",
    "Forwards what reaches `from` (or itself) to the resources it names, re-issued under a "
    "service identity (an authorizer invoked by the API, a subscription delivering a topic's "
    "messages, an integration).",
    forwarder_params, emit_forwarder, NULL, NULL, false};

/* ---- permission ---- */

static const cfn_param_def permission_params[] = {
    {"target", CFN_P_PATH, true, NULL, "the resource whose policy it extends"},
    {"principal", CFN_P_PATH, true, NULL,
     "who: a service (x.amazonaws.com), an account, an ARN or *"},
    {"action", CFN_P_PATH, true, NULL, "what (lambda:InvokeFunction, lambda:*)"},
    {"source-arn", CFN_P_PATH, false, NULL, "SourceArn (shown, not modelled: it only narrows)"},
    {"source-account", CFN_P_PATH, false, NULL, "SourceAccount (shown, not modelled)"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_permission(cfn_emit *e)
{
    cfn_reslist t;
    cfn_resources_of(e, NULL, NULL, "target", &t);
    const sp_doc *pr = param_at(e, "principal"), *ac = param_at(e, "action");
    const char *ptext = cfn_text(e, pr);
    const char *kind = "AWS";
    if (ptext && strstr(ptext, ".amazonaws.com"))
        kind = "Service";
    const char *principal = pr ? cfn_principal_name(e, kind, pr) : "*";
    const char *action = cfn_text(e, ac);
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_principal(e, &q, principal);
    const char *acts[1] = {action ? action : "*"};
    cfn_req_actions(e, &q, acts, 1, false);
    const sp_reqset *set = cfn_req_set(e, &q);
    bool narrowed = param_at(e, "source-arn") || param_at(e, "source-account");
    const char *why = cfn_why(e, "permission: %s may %s%s",
                              !strcmp(principal, "*") ? "anyone" : principal, acts[0],
                              narrowed ? " (source conditions not modelled)" : "");
    for (size_t i = 0; i < t.n; i++) {
        const struct cfn_type_entry *tte = cfn_entry_of(e, t.items[i]);
        if (tte && tte->role->access_slot)
            cfn_rule(e, cfn_ref_res(e, t.items[i], "policy"), 1, SP_ALLOW, set, pr ? pr : ac,
                     why);
    }
    return true;
}

const cfn_role cfn_role_permission = {
    "permission",
    "One allow statement added to the resource policy (guard 'policy') of the resource it "
    "names: principal x action.",
    permission_params, emit_permission, NULL, NULL, false};

/* ---- resource-policy ---- */

static const cfn_param_def resource_policy_params[] = {
    {"targets", CFN_P_PATHS, true, NULL, "the resources the policy applies to"},
    {"document", CFN_P_PATH, true, NULL, "the policy document"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_resource_policy(cfn_emit *e)
{
    cfn_reslist t;
    cfn_resources_of(e, NULL, NULL, "targets", &t);
    const sp_doc *doc = param_at(e, "document");
    if (!doc)
        return true;
    for (size_t i = 0; i < t.n; i++) {
        const struct cfn_type_entry *tte = cfn_entry_of(e, t.items[i]);
        if (tte && tte->role->access_slot)
            cfn_policy_rules(e, doc, cfn_ref_res(e, t.items[i], "policy"), CFN_POLICY_RESOURCE,
                             NULL);
    }
    return true;
}

const cfn_role cfn_role_resource_policy = {
    "resource-policy",
    "A policy document whose statements become rules of the guard 'policy' of each resource "
    "it applies to (bucket, queue, topic policies).",
    resource_policy_params, emit_resource_policy, NULL, NULL, false};

/* ---- policy-guarded ---- */

static const cfn_param_def policy_guarded_params[] = {
    {"policy", CFN_P_PATH, false, NULL, "an inline resource policy document"},
    {"invoke-action", CFN_P_STRING, false, NULL,
     "the action services perform when they forward to it (lambda:InvokeFunction)"},
    {"forward-to", CFN_P_PATHS, false, NULL,
     "resources it passes requests on to (an alias to its function)"},
    {"direct", CFN_P_BOOL, false, NULL,
     "whether the internet can call its API directly, subject to the policy (default true)"},
    {"notifies", CFN_P_PATHS, false, NULL,
     "resources it sends events to (inline subscriptions, notifications)"},
    {"notify-principal", CFN_P_STRING, false, NULL,
     "the service identity it sends them as (sns.amazonaws.com, s3.amazonaws.com)"},
    {NULL, 0, false, NULL, NULL}};

static void guarded_common(cfn_emit *e, const sp_reqset *direct_set, const char *direct_why)
{
    cfn_guard(e, "policy", SP_DENY, NULL, "resource policy: what it does not allow is denied");
    cfn_slot(e, "access", false, NULL, "resource policy");
    cfn_attach(e, cfn_ref_self(e, "access"), cfn_ref_self(e, "policy"), NULL,
               "its resource policy");
    const sp_doc *inline_policy = param_at(e, "policy");
    if (inline_policy)
        cfn_policy_rules(e, inline_policy, cfn_ref_self(e, "policy"), CFN_POLICY_RESOURCE, NULL);
    if (direct_set && cfn_param_bool(e->te, "direct", true)) {
        uint32_t edge = cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), direct_set, NULL,
                                 NULL, direct_why);
        cfn_edge_slot(e, edge, cfn_ref_self(e, "access"));
    }
    cfn_reslist fw;
    cfn_resources_of(e, NULL, NULL, "forward-to", &fw);
    for (size_t i = 0; i < fw.n; i++)
        cfn_edge(e, cfn_ref_self(e, NULL), cfn_ref_res(e, fw.items[i], NULL), cfn_set_all(e),
                 NULL, fw.at[i], "passes requests on");
    cfn_resources_of(e, NULL, NULL, "notifies", &fw);
    const char *np = cfn_param_str(e->te, "notify-principal", "*");
    for (size_t i = 0; i < fw.n; i++)
        cfn_forward(e, cfn_ref_self(e, NULL), fw.items[i], np, NULL, false, fw.at[i],
                    "sends events");
}

static const sp_reqset *api_set(cfn_emit *e)
{
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_API), sp_key_num(SP_PROTO_API));
    return cfn_req_set(e, &q);
}

static bool emit_policy_guarded(cfn_emit *e)
{
    guarded_common(e, api_set(e), "AWS API call (the resource policy decides)");
    return true;
}

const cfn_role cfn_role_policy_guarded = {
    "policy-guarded",
    "A resource reached through the AWS API and guarded by its resource policy: guard "
    "'policy' (default deny) in slot 'access', edge internet -> it for API calls through "
    "that slot (functions, queues, topics, secrets, keys).",
    policy_guarded_params, emit_policy_guarded, NULL, "access", false};

/* ---- bucket ---- */

static const cfn_param_def bucket_params[] = {
    {"policy", CFN_P_PATH, false, NULL, "an inline resource policy document"},
    {"invoke-action", CFN_P_STRING, false, NULL, "the action services perform (s3:GetObject)"},
    {"forward-to", CFN_P_PATHS, false, NULL, "resources it passes requests on to"},
    {"direct", CFN_P_BOOL, false, NULL, "whether the internet can call its API (default true)"},
    {"notifies", CFN_P_PATHS, false, NULL, "resources it sends event notifications to"},
    {"notify-principal", CFN_P_STRING, false, NULL,
     "the service identity it notifies as (s3.amazonaws.com)"},
    {"acl", CFN_P_PATH, false, NULL, "canned ACL (PublicRead, PublicReadWrite, ...)"},
    {"public-access-block", CFN_P_PATH, false, NULL,
     "map {BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets}"},
    {"website", CFN_P_PATH, false, NULL, "website configuration: a public HTTP endpoint"},
    {"ownership", CFN_P_PATH, false, NULL,
     "object ownership (BucketOwnerEnforced disables ACLs)"},
    {NULL, 0, false, NULL, NULL}};

static void acl_rule(cfn_emit *e, const char *principal, const char **acts, size_t n,
                     const sp_doc *at, const char *why)
{
    cfn_req q;
    cfn_req_begin(e, &q);
    if (principal)
        cfn_req_principal(e, &q, principal);
    else /* any principal, no anonymous caller */
        cfn_req_allow(&q, SP_DIM_SRC, sp_key_principal(0), sp_dim_domain(SP_DIM_SRC).hi);
    cfn_req_actions(e, &q, acts, n, false);
    cfn_rule(e, cfn_ref_self(e, "acl"), 1, SP_ALLOW, cfn_req_set(e, &q), at, why);
}

static bool emit_bucket(cfn_emit *e)
{
    const sp_doc *pab = param_at(e, "public-access-block");
    cfn_tri restrict_public = CFN_NO, ignore_acls = CFN_NO, block_acls = CFN_NO;
    if (pab) {
        restrict_public = cfn_truth(e, sp_doc_get(pab, "RestrictPublicBuckets"));
        ignore_acls = cfn_truth(e, sp_doc_get(pab, "IgnorePublicAcls"));
        block_acls = cfn_truth(e, sp_doc_get(pab, "BlockPublicAcls"));
    }
    bool restricted = restrict_public == CFN_YES;
    /* The API edge: with RestrictPublicBuckets only signed requests. */
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_API), sp_key_num(SP_PROTO_API));
    if (restricted)
        cfn_req_allow(&q, SP_DIM_SRC, sp_key_principal(0), sp_dim_domain(SP_DIM_SRC).hi);
    guarded_common(e, cfn_req_set(e, &q),
                   restricted ? "S3 API (RestrictPublicBuckets: no anonymous access)"
                              : "S3 API (bucket policy and ACL decide)");

    /* ACL */
    cfn_guard(e, "acl", SP_DENY, NULL, "bucket ACL");
    cfn_attach(e, cfn_ref_self(e, "access"), cfn_ref_self(e, "acl"), NULL, "its ACL");
    const sp_doc *acl = param_at(e, "acl");
    const sp_doc *own = param_at(e, "ownership");
    const char *owns = cfn_text(e, own);
    const char *acls = cfn_text(e, acl);
    bool acl_off = (owns && !strcasecmp(owns, "BucketOwnerEnforced")) || ignore_acls == CFN_YES ||
                   block_acls == CFN_YES;
    if (acl && !acl_off) {
        static const char *read[] = {"s3:ListBucket", "s3:GetObject"};
        static const char *rw[] = {"s3:ListBucket", "s3:GetObject", "s3:PutObject",
                                   "s3:DeleteObject"};
        static const char *logw[] = {"s3:PutObject"};
        if (!acls)
            acl_rule(e, "*", rw, 4, acl, "ACL not known statically: assumed public read-write");
        else if (!strcasecmp(acls, "PublicRead"))
            acl_rule(e, "*", read, 2, acl, "ACL PublicRead: everyone may list and read");
        else if (!strcasecmp(acls, "PublicReadWrite"))
            acl_rule(e, "*", rw, 4, acl, "ACL PublicReadWrite: everyone may read and write");
        else if (!strcasecmp(acls, "AuthenticatedRead"))
            acl_rule(e, NULL, read, 2, acl,
                     "ACL AuthenticatedRead: every AWS principal may list and read");
        else if (!strcasecmp(acls, "LogDeliveryWrite"))
            acl_rule(e, "logging.s3.amazonaws.com", logw, 1, acl,
                     "ACL LogDeliveryWrite: S3 log delivery may write");
    }

    /* Website endpoint: anonymous HTTP GETs, served as s3:GetObject. */
    const sp_doc *web = param_at(e, "website");
    if (web && !cfn_is_novalue_node(e, web) && !restricted &&
        !(web->kind == SP_DOC_MAP && sp_doc_get(web, "RedirectAllRequestsTo"))) {
        cfn_req h, id;
        cfn_req_begin(e, &h);
        cfn_req_proto_port(&h, SP_PROTO_TCP, 80, 80);
        cfn_req_begin(e, &id);
        cfn_req_ip_sources(&id);
        cfn_req_action(e, &id, "s3:GetObject");
        uint32_t edge = cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), cfn_req_set(e, &h),
                                 cfn_req_set(e, &id), web,
                                 "website endpoint: anonymous HTTP reads as s3:GetObject");
        cfn_edge_slot(e, edge, cfn_ref_self(e, "access"));
    }
    return true;
}

const cfn_role cfn_role_bucket = {
    "bucket",
    "An S3 bucket: like policy-guarded, plus guard 'acl' (canned ACLs) in the same slot, "
    "Block Public Access (RestrictPublicBuckets drops anonymous access, IgnorePublicAcls / "
    "BlockPublicAcls and BucketOwnerEnforced disable ACLs) and the website endpoint (HTTP "
    "port 80, anonymous reads re-issued as s3:GetObject).",
    bucket_params, emit_bucket, NULL, "access", false};

/* ---- function-url ---- */

static const cfn_param_def function_url_params[] = {
    {"target", CFN_P_PATH, true, NULL, "the function (or alias) it invokes"},
    {"auth", CFN_P_PATH, false, NULL, "NONE (public, policy decides) or AWS_IAM"},
    {"qualifier", CFN_P_PATH, false, NULL, "alias or version (shown only)"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_function_url(cfn_emit *e)
{
    cfn_reslist t;
    cfn_resources_of(e, NULL, NULL, "target", &t);
    const sp_doc *auth = param_at(e, "auth");
    const char *as = cfn_text(e, auth);
    cfn_req h;
    cfn_req_begin(e, &h);
    cfn_req_proto_port(&h, SP_PROTO_TCP, 443, 443);
    if (as && !strcasecmp(as, "AWS_IAM")) {
        sp_name n = sp_intern(&e->ctx->names, "iam");
        cfn_req_allow(&h, SP_DIM_CRED, sp_key_num(n), sp_key_num(n));
        cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), cfn_req_set(e, &h), NULL, auth,
                 "function URL, AuthType AWS_IAM: a signed IAM request");
        for (size_t i = 0; i < t.n; i++)
            cfn_edge(e, cfn_ref_self(e, NULL), cfn_ref_res(e, t.items[i], NULL), cfn_set_all(e),
                     NULL, t.at[i], "invokes the function");
        return true;
    }
    /* AuthType NONE (or unknown): anonymous callers; the function's policy
     * must allow lambda:InvokeFunctionUrl and, for URLs created since
     * October 2025, lambda:InvokeFunction as well. */
    for (size_t i = 0; i < t.n; i++) {
        const struct cfn_type_entry *tte = cfn_entry_of(e, t.items[i]);
        if (!tte || !tte->role->access_slot) {
            cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), cfn_req_set(e, &h), NULL, auth,
                     "function URL");
            cfn_edge(e, cfn_ref_self(e, NULL), cfn_ref_res(e, t.items[i], NULL), cfn_set_all(e),
                     NULL, t.at[i], "invokes the function");
            continue;
        }
        sp_ref slot = cfn_ref_res(e, t.items[i], tte->role->access_slot);
        cfn_req a, b;
        cfn_req_begin(e, &a);
        cfn_req_ip_sources(&a);
        cfn_req_action(e, &a, "lambda:InvokeFunctionUrl");
        cfn_req_begin(e, &b);
        cfn_req_ip_sources(&b);
        cfn_req_action(e, &b, "lambda:InvokeFunction");
        uint32_t edge = cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), cfn_req_set(e, &h),
                                 cfn_req_set(e, &a), auth,
                                 as ? "function URL, AuthType NONE: public if the policy allows "
                                      "lambda:InvokeFunctionUrl"
                                    : "function URL (AuthType not known): public if the policy "
                                      "allows lambda:InvokeFunctionUrl");
        cfn_edge_slot(e, edge, slot);
        edge = cfn_edge(e, cfn_ref_self(e, NULL), cfn_ref_res(e, t.items[i], NULL),
                        cfn_set_all(e), cfn_req_set(e, &b), t.at[i],
                        "invokes the function if the policy also allows lambda:InvokeFunction");
        cfn_edge_slot(e, edge, slot);
    }
    return true;
}

const cfn_role cfn_role_function_url = {
    "function-url",
    "A Lambda function URL (HTTPS): AuthType AWS_IAM admits signed requests (credential "
    "'iam'); AuthType NONE admits anonymous requests when the function's policy allows "
    "lambda:InvokeFunctionUrl and lambda:InvokeFunction to them.",
    function_url_params, emit_function_url, NULL, NULL, false};

/* ---- IAM roles and identity policies ---- */

static const cfn_param_def iam_role_params[] = {
    {"trust", CFN_P_PATH, true, NULL, "the trust policy: who may assume the role"},
    {"policies", CFN_P_PATHS, false, NULL, "inline identity policy documents"},
    {"managed", CFN_P_PATHS, false, NULL,
     "managed policy documents of the template (through ManagedPolicyArns)"},
    {NULL, 0, false, NULL, NULL}};

static void grant_edge(cfn_emit *e, const cfn_resource *target, const sp_reqset *set,
                       const sp_doc *at, void *arg)
{
    const cfn_resource *role = arg;
    const struct cfn_type_entry *tte = cfn_entry_of(e, target);
    if (tte && tte->role == &cfn_role_iam_role)
        return; /* acting as another role: that role's trust policy decides (its edge) */
    sp_ref from = cfn_ref_res(e, role, NULL);
    sp_ref to = cfn_ref_res(e, target, NULL);
    if (from.component == to.component)
        return;
    cfn_edge(e, from, to, set, NULL, at,
             cfn_why(e, "%s's identity policy allows these actions", role->id));
}

static void grant_doc(cfn_emit *e, const cfn_resource *owner, const sp_doc *doc, void *arg)
{
    (void)owner;
    cfn_policy_grants(e, doc, grant_edge, arg);
}

static bool emit_iam_role(cfn_emit *e)
{
    const sp_doc *trust = param_at(e, "trust");
    cfn_guard(e, "trust", SP_DENY, trust, "trust policy: who may assume the role");
    cfn_slot(e, "assume", false, trust, "trust policy");
    cfn_attach(e, cfn_ref_self(e, "assume"), cfn_ref_self(e, "trust"), trust, "trust policy");
    if (trust)
        cfn_policy_rules(e, trust, cfn_ref_self(e, "trust"), CFN_POLICY_TRUST, NULL);
    uint32_t edge = cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), cfn_set_all(e), NULL,
                             trust, "principals that may assume the role act as it");
    cfn_edge_slot(e, edge, cfn_ref_self(e, "assume"));
    cfn_walk_param(e, NULL, NULL, "policies", false, grant_doc, (void *)e->r);
    cfn_walk_param(e, NULL, NULL, "managed", false, grant_doc, (void *)e->r);
    return true;
}

const cfn_role cfn_role_iam_role = {
    "iam-role",
    "An IAM role: edge internet -> role through slot 'assume' (its trust policy, over "
    "principals); edges role -> resource for Allow statements of its identity policies that "
    "name template resources (actions as the request set).",
    iam_role_params, emit_iam_role, NULL, NULL, false};

static const cfn_param_def identity_policy_params[] = {
    {"document", CFN_P_PATH, true, NULL, "the policy document"},
    {"roles", CFN_P_PATHS, false, NULL, "the roles it is attached to"},
    {NULL, 0, false, NULL, NULL}};

static bool emit_identity_policy(cfn_emit *e)
{
    cfn_reslist roles;
    cfn_resources_of(e, NULL, NULL, "roles", &roles);
    const sp_doc *doc = param_at(e, "document");
    for (size_t i = 0; i < roles.n; i++)
        if (cfn_entry_of(e, roles.items[i]) &&
            cfn_entry_of(e, roles.items[i])->role == &cfn_role_iam_role)
            cfn_policy_grants(e, doc, grant_edge, (void *)roles.items[i]);
    return true;
}

const cfn_role cfn_role_identity_policy = {
    "identity-policy",
    "An identity policy attached to roles of the template: edges role -> resource for its "
    "Allow statements naming template resources (users and groups are not modelled).",
    identity_policy_params, emit_identity_policy, NULL, NULL, false};

/* ---- dns-record ---- */

static const cfn_param_def dns_record_params[] = {
    {"records", CFN_P_PATH, false, NULL,
     "a list of records (a record group); name and values are then read in each"},
    {"name", CFN_P_PATH, true, NULL, "the record's name"},
    {"values", CFN_P_PATHS, true, NULL, "what it points at (values, alias target)"},
    {NULL, 0, false, NULL, NULL}};

typedef struct rec_ctx {
    const sp_doc *name;
} rec_ctx;

static void rec_value(cfn_emit *e, const cfn_resource *owner, const sp_doc *v, void *arg)
{
    (void)owner;
    rec_ctx *x = arg;
    cfn_refer_dns(e, v, x->name, "DNS record");
}

static void rec_name(cfn_emit *e, const cfn_resource *owner, const sp_doc *n, void *arg)
{
    (void)owner;
    rec_ctx *x = arg;
    if (!x->name)
        x->name = n;
}

static void one_record(cfn_emit *e, const cfn_resource *owner, const sp_doc *rec, void *arg)
{
    (void)arg;
    rec_ctx x = {NULL};
    const char *np = cfn_param_str(e->te, "name", "Name");
    cfn_walk_node(e, owner, rec, np, false, rec_name, &x);
    const char *vals[8];
    size_t n = cfn_param_list(e->te, "values", vals, 8);
    for (size_t i = 0; i < n; i++)
        cfn_walk_node(e, owner, rec, vals[i], true, rec_value, &x);
}

static bool emit_dns_record(cfn_emit *e)
{
    if (cfn_param(e->te, "records")) {
        cfn_walk_param(e, NULL, NULL, "records", true, one_record, NULL);
        return true;
    }
    one_record(e, e->r, e->r->props, NULL);
    return true;
}

const cfn_role cfn_role_dns_record = {
    "dns-record",
    "DNS records: REFER to every claimable name their values point at (endpoint patterns of "
    "the catalogue's namespaces, zone endpoints named after the record, references to "
    "claiming resources).",
    dns_record_params, emit_dns_record, NULL, NULL, false};

/* ---- distribution ---- */

static const cfn_param_def distribution_params[] = {
    {"origins", CFN_P_PATH, true, NULL,
     "its origins: DomainName, S3OriginConfig.OriginAccessIdentity, OriginAccessControlId, "
     "CustomOriginConfig"},
    {"enabled", CFN_P_PATH, false, NULL, "false: it serves nothing"},
    {"ports", CFN_P_PORTS, false, NULL, "ports it answers (default 80, 443)"},
    {NULL, 0, false, NULL, NULL}};

typedef struct origin_ctx {
    const sp_doc *origin;
    const char *principal;
} origin_ctx;

static void first_node(cfn_emit *e, const cfn_resource *owner, const sp_doc *n, void *arg)
{
    (void)e;
    (void)owner;
    const sp_doc **out = arg;
    if (!*out)
        *out = n;
}

static const sp_doc *origin_field(cfn_emit *e, const sp_doc *origin, const char *path)
{
    const sp_doc *out = NULL;
    cfn_walk_node(e, e->r, origin, path, false, first_node, &out);
    if (out && cfn_is_novalue_node(e, out))
        return NULL;
    return out;
}

static void origin_target(cfn_emit *e, const cfn_resource *target, const sp_doc *at, void *arg)
{
    origin_ctx *x = arg;
    const struct cfn_type_entry *tte = cfn_entry_of(e, target);
    sp_ref to = cfn_ref_res(e, target, NULL);
    if (tte && tte->role->access_slot) {
        cfn_req q;
        cfn_req_begin(e, &q);
        if (x->principal)
            cfn_req_principal(e, &q, x->principal);
        else
            cfn_req_ip_sources(&q);
        cfn_req_action(e, &q, cfn_param_str(tte, "invoke-action", "s3:GetObject"));
        uint32_t edge = cfn_edge(
            e, cfn_ref_self(e, NULL), to, cfn_set_all(e), cfn_req_set(e, &q), at,
            x->principal ? cfn_why(e, "origin, fetched as %s", x->principal)
                         : "origin, fetched anonymously");
        cfn_edge_slot(e, edge, cfn_ref_res(e, target, tte->role->access_slot));
    } else if (tte && tte->role->net_slot) {
        cfn_req q;
        cfn_req_begin(e, &q);
        cfn_req_ip_sources(&q);
        uint32_t edge = cfn_edge(e, cfn_ref_self(e, NULL), to, cfn_set_all(e), cfn_req_set(e, &q),
                                 at, "origin, fetched from CloudFront's addresses");
        cfn_edge_slot(e, edge, cfn_ref_res(e, target, tte->role->net_slot));
    } else {
        cfn_edge(e, cfn_ref_self(e, NULL), to, cfn_set_all(e), NULL, at, "origin");
    }
}

static void one_origin(cfn_emit *e, const cfn_resource *owner, const sp_doc *o, void *arg)
{
    (void)owner;
    (void)arg;
    if (!o || o->kind != SP_DOC_MAP)
        return;
    const sp_doc *dn = origin_field(e, o, "DomainName");
    if (!dn)
        return;
    cfn_refer_dns(e, dn, NULL, "CloudFront origin");
    origin_ctx x = {o, NULL};
    const sp_doc *oai = origin_field(e, o, "S3OriginConfig.OriginAccessIdentity");
    const sp_doc *oac = origin_field(e, o, "OriginAccessControlId");
    const char *oai_text = oai ? cfn_text(e, oai) : NULL;
    if (oac && !(cfn_text(e, oac) && !*cfn_text(e, oac)))
        x.principal = "cloudfront.amazonaws.com";
    else if (oai && !(oai_text && !*oai_text))
        x.principal = cfn_principal_name(e, "CanonicalUser", oai);
    bool ext;
    cfn_targets(e, dn, &ext, origin_target, &x);
}

static bool emit_distribution(cfn_emit *e)
{
    const sp_doc *en = param_at(e, "enabled");
    if (en && cfn_truth(e, en) == CFN_NO)
        return true;
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_allow(&q, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
    const sp_doc *ports = cfn_param(e->te, "ports");
    if (ports) {
        size_t n = ports->kind == SP_DOC_SEQ ? ports->u.seq.len : 1;
        for (size_t i = 0; i < n; i++) {
            const char *s = sp_doc_text(ports->kind == SP_DOC_SEQ ? ports->u.seq.items[i] : ports);
            char *end;
            long lo = strtol(s, &end, 10), hi = *end == '-' ? strtol(end + 1, NULL, 10) : lo;
            cfn_req_allow(&q, SP_DIM_PORT, sp_key_num((uint64_t)lo), sp_key_num((uint64_t)hi));
        }
    } else {
        cfn_req_allow(&q, SP_DIM_PORT, sp_key_num(80), sp_key_num(80));
        cfn_req_allow(&q, SP_DIM_PORT, sp_key_num(443), sp_key_num(443));
    }
    cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), cfn_req_set(e, &q), NULL, NULL,
             "CloudFront distribution: public HTTP and HTTPS");
    cfn_walk_param(e, NULL, NULL, "origins", true, one_origin, NULL);
    return true;
}

const cfn_role cfn_role_distribution = {
    "distribution",
    "A CDN distribution: edge internet -> it (HTTP, HTTPS); edges to the origins it names, "
    "re-issued as its origin access identity (principal res:ID), origin access control "
    "(cloudfront.amazonaws.com) or anonymously; REFERs origin DNS names that are claimable.",
    distribution_params, emit_distribution, NULL, NULL, false};

/* ---- sam-function ---- */

static const cfn_param_def sam_function_params[] = {
    {"invoke-action", CFN_P_STRING, false, NULL, "the action services perform"},
    {"events", CFN_P_PATH, true, NULL,
     "the SAM event sources (a map of {Type, Properties}); Api and HttpApi events are public "
     "routes, S3/SNS/SQS/Kinesis/DynamoDB events deliver from their source"},
    {"url", CFN_P_PATH, false, NULL, "a function URL configuration ({AuthType})"},
    {"default-authorizer", CFN_P_PATH, false, NULL,
     "where an API resource names its default authorizer (Auth.DefaultAuthorizer)"},
    {NULL, 0, false, NULL, NULL}};

/* The credential an API event admits (NULL text = any). */
static const sp_reqset *sam_auth_set(cfn_emit *e, const char *auth, const char *api,
                                     bool implicit, const char **why)
{
    cfn_req q;
    cfn_req_begin(e, &q);
    if (implicit)
        cfn_req_proto_port(&q, SP_PROTO_TCP, 443, 443);
    if (!auth || !strcasecmp(auth, "NONE")) {
        *why = auth ? "SAM API event, Authorizer NONE" : "SAM API event without an authorizer";
    } else if (!strcasecmp(auth, "AWS_IAM")) {
        sp_name n = sp_intern(&e->ctx->names, "iam");
        cfn_req_allow(&q, SP_DIM_CRED, sp_key_num(n), sp_key_num(n));
        *why = "SAM API event, Authorizer AWS_IAM: a signed IAM request";
    } else {
        sp_name n = sp_intern(&e->ctx->names, cfn_why(e, "authorizer:%s/%s", api, auth));
        cfn_req_allow(&q, SP_DIM_CRED, sp_key_num(n), sp_key_num(n));
        *why = cfn_why(e, "SAM API event, Authorizer %s: its credential", auth);
    }
    return cfn_req_set(e, &q);
}

typedef struct sam_api_ctx {
    const sp_doc *props;
    const char *auth; /* the event's own Authorizer, or NULL */
    bool auth_unknown;
} sam_api_ctx;

static void sam_api_target(cfn_emit *e, const cfn_resource *api, const sp_doc *at, void *arg)
{
    sam_api_ctx *x = arg;
    const char *auth = x->auth;
    if (!auth && !x->auth_unknown) {
        const char *dflt = cfn_param_str(e->te, "default-authorizer", "Auth.DefaultAuthorizer");
        const sp_doc *d = cfn_first(e, api, dflt);
        auth = d ? cfn_text(e, d) : NULL;
    }
    const char *why;
    const sp_reqset *set = sam_auth_set(e, x->auth_unknown ? NULL : auth, api->id, false, &why);
    cfn_edge(e, cfn_ref_res(e, api, NULL), cfn_ref_self(e, NULL), set, NULL, at ? at : x->props,
             why);
}

static void sam_source(cfn_emit *e, const cfn_resource *src, const sp_doc *at, void *arg)
{
    const char *type = arg;
    cfn_edge(e, cfn_ref_res(e, src, NULL), cfn_ref_self(e, NULL), cfn_set_all(e), NULL, at,
             cfn_why(e, "SAM %s event (SAM adds the permission it needs)", type));
}

static void sam_event(cfn_emit *e, const cfn_resource *owner, const sp_doc *ev, void *arg)
{
    (void)owner;
    (void)arg;
    if (!ev || ev->kind != SP_DOC_MAP || cfn_sam_route_api(e->t, ev))
        return; /* not an event, or a route of a template API: the API emits it */
    const char *type = cfn_text(e, sp_doc_get(ev, "Type"));
    const sp_doc *props = sp_doc_get(ev, "Properties");
    if (!type || !props || props->kind != SP_DOC_MAP)
        return;
    bool ext;
    if (!strcmp(type, "Api") || !strcmp(type, "HttpApi")) {
        sam_api_ctx x = {props, NULL, false};
        const sp_doc *auth = sp_doc_get(props, "Auth");
        const sp_doc *az = auth && auth->kind == SP_DOC_MAP ? sp_doc_get(auth, "Authorizer") : NULL;
        if (az) {
            x.auth = cfn_text(e, az);
            x.auth_unknown = !x.auth;
        }
        const sp_doc *api = sp_doc_get(props, !strcmp(type, "Api") ? "RestApiId" : "ApiId");
        if (!api || !cfn_targets(e, api, &ext, sam_api_target, &x)) {
            const char *why;
            const sp_reqset *set = sam_auth_set(
                e, x.auth_unknown ? NULL : x.auth,
                !strcmp(type, "Api") ? "ServerlessRestApi" : "ServerlessHttpApi", true, &why);
            cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), set, NULL, props,
                     cfn_why(e, "%s (the API SAM generates)", why));
        }
        return;
    }
    static const char *const sources[][2] = {
        {"S3", "Bucket"},      {"SNS", "Topic"},    {"SQS", "Queue"}, {"Kinesis", "Stream"},
        {"DynamoDB", "Stream"}, {"MQ", "Broker"},    {"MSK", "Stream"},
    };
    for (size_t i = 0; i < sizeof sources / sizeof *sources; i++)
        if (!strcmp(type, sources[i][0]))
            cfn_targets(e, sp_doc_get(props, sources[i][1]), &ext, sam_source,
                        (void *)sources[i][0]);
}

/* ---- routes of a SAM API (public-entry with sam-routes) ---- */

static void route_event(cfn_emit *e, const cfn_resource *fn, const sp_doc *ev, void *arg)
{
    (void)arg;
    if (cfn_sam_route_api(e->t, ev) != e->r)
        return;
    const sp_doc *props = sp_doc_get(ev, "Properties");
    const sp_doc *auth = props && props->kind == SP_DOC_MAP ? sp_doc_get(props, "Auth") : NULL;
    const sp_doc *az = auth && auth->kind == SP_DOC_MAP ? sp_doc_get(auth, "Authorizer") : NULL;
    const char *name = az ? cfn_text(e, az) : NULL;
    bool unknown = az && !name;
    if (!az) {
        const sp_doc *d = cfn_first(e, NULL, cfn_param_str(e->te, "default-authorizer",
                                                           "Auth.DefaultAuthorizer"));
        name = d ? cfn_text(e, d) : NULL;
        unknown = d && !name;
    }
    const char *why;
    const sp_reqset *set = sam_auth_set(e, unknown ? NULL : name, e->r->id, false, &why);
    cfn_edge(e, cfn_ref_self(e, NULL), cfn_ref_res(e, fn, NULL), set, NULL, ev,
             cfn_why(e, "route to %s: %s", fn->id, why));
}

static void route_function(cfn_emit *e, const cfn_resource *fn, void *arg)
{
    (void)arg;
    const struct cfn_type_entry *fte = cfn_entry_of(e, fn);
    if (!fte || fte->role != &cfn_role_sam_function)
        return;
    const char *events = cfn_param_str(fte, "events", "Events");
    cfn_walk(e, fn, cfn_why(e, "%s.*", events), false, route_event, NULL);
}

void cfn_sam_routes(cfn_emit *e)
{
    cfn_each_resource_of(e, route_function, NULL);
}

static bool emit_sam_function(cfn_emit *e)
{
    guarded_common(e, api_set(e), "AWS API call (the resource policy decides)");
    const char *ev = cfn_param_str(e->te, "events", "Events");
    const char *path = cfn_why(e, "%s.*", ev);
    cfn_walk(e, NULL, path, false, sam_event, NULL);
    const sp_doc *url = param_at(e, "url");
    if (url && url->kind == SP_DOC_MAP) {
        const sp_doc *at = sp_doc_get(url, "AuthType");
        const char *as = cfn_text(e, at);
        cfn_req h;
        cfn_req_begin(e, &h);
        cfn_req_proto_port(&h, SP_PROTO_TCP, 443, 443);
        if (as && !strcasecmp(as, "AWS_IAM")) {
            sp_name n = sp_intern(&e->ctx->names, "iam");
            cfn_req_allow(&h, SP_DIM_CRED, sp_key_num(n), sp_key_num(n));
        }
        cfn_edge(e, cfn_ref_internet(), cfn_ref_self(e, NULL), cfn_req_set(e, &h), NULL,
                 at ? at : url,
                 as && !strcasecmp(as, "AWS_IAM")
                     ? "function URL, AuthType AWS_IAM: a signed IAM request"
                     : "function URL, AuthType NONE (SAM adds the public permissions)");
    }
    return true;
}

const cfn_role cfn_role_sam_function = {
    "sam-function",
    "A SAM function (transform not expanded): a policy-guarded function plus the resources "
    "SAM would generate for its events: Api/HttpApi events are edges from the named API (or "
    "from the internet for the API SAM generates) admitting the event's authorizer "
    "credential; S3, SNS, SQS, stream and broker events are edges from their source; a "
    "FunctionUrlConfig is a public (NONE) or IAM endpoint. SAM adds the Lambda permissions "
    "these need, so they are plain edges.",
    sam_function_params, emit_sam_function, NULL, "access", false};
