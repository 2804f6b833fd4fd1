/* IAM policy documents as rules over principals and actions.
 *
 * A statement {Effect, Principal|NotPrincipal, Action|NotAction, Condition}
 * becomes one rule: its principals in the source dimension ("*" = every
 * source, IP addresses and principals alike), its actions in the port
 * dimension under protocol API.  Deny statements come first (priority 0),
 * Allow statements after (priority 1); the guard's default is deny.
 *
 * Conditions are not evaluated, with two exceptions that decide who can
 * reach a resource from the internet:
 *   - Allow, Principal "*", IpAddress aws:SourceIp  -> sources = those CIDRs;
 *   - Deny, Principal "*", NotIpAddress aws:SourceIp -> denies every other
 *     address.
 * Any other condition on an Allow is ignored (the statement admits more
 * than AWS would: an over-approximation), and a Deny with any other
 * condition is dropped (same direction). */
#include "roles.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- principals ---- */

static bool all_digits(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

typedef struct one_ref {
    const cfn_resource *r;
    size_t n;
} one_ref;

static void count_ref(cfn_emit *e, const cfn_resource *target, const sp_doc *at, void *arg)
{
    (void)e;
    (void)at;
    one_ref *o = arg;
    if (!o->n++)
        o->r = target;
}

const char *cfn_principal_name(cfn_emit *e, const char *kind, const sp_doc *value)
{
    one_ref o = {NULL, 0};
    bool ext;
    cfn_targets(e, value, &ext, count_ref, &o);
    if (o.n == 1)
        return cfn_why(e, "res:%s", o.r->id);
    const char *text = cfn_pattern_text(e, value);
    /* "${Id}" / "${Id.Attr}" inside a policy read from text */
    size_t tn = strlen(text);
    if (tn > 3 && text[0] == '$' && text[1] == '{' && text[tn - 1] == '}' &&
        !strchr(text + 2, '$')) {
        char id[256];
        size_t k = strcspn(text + 2, ".}");
        if (k < sizeof id) {
            memcpy(id, text + 2, k);
            id[k] = 0;
            if (cfn_find_resource(e->t, id))
                return cfn_why(e, "res:%s", id);
        }
    }
    if (!strcmp(text, "*"))
        return "*";
    if (!strcmp(kind, "AWS")) {
        size_t n = strlen(text);
        if (all_digits(text, n))
            return cfn_why(e, "aws:%s", text);
        /* arn:PARTITION:iam::ACCOUNT:root is the account itself. */
        const char *iam = strstr(text, ":iam::");
        if (!strncmp(text, "arn:", 4) && iam && n > 5 && !strcmp(text + n - 5, ":root")) {
            const char *acct = iam + 6;
            return cfn_why(e, "aws:%.*s", (int)(text + n - 5 - acct), acct);
        }
        return cfn_why(e, "aws:%s", text);
    }
    if (!strcmp(kind, "Service")) {
        char *s = sp_arena_strdup(&e->ctx->arena, text);
        for (char *p = s; p && *p; p++)
            *p = (char)tolower((unsigned char)*p);
        return s ? s : text;
    }
    if (!strcmp(kind, "CanonicalUser"))
        return cfn_why(e, "canonical:%s", text);
    if (!strcmp(kind, "Federated"))
        return cfn_why(e, "federated:%s", text);
    return cfn_why(e, "%s:%s", kind, text);
}

typedef struct plist {
    const char *names[64];
    size_t n;
    bool any;
    const char *kind;
} plist;

static void add_principal(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)owner;
    plist *p = arg;
    const char *name = cfn_principal_name(e, p->kind, node);
    if (!strcmp(name, "*"))
        p->any = true;
    else if (p->n < 64)
        p->names[p->n++] = name;
}

/* Reads a Principal value: "*", or {AWS|Service|Federated|CanonicalUser: x|[x]}. */
static void read_principals(cfn_emit *e, const sp_doc *v, plist *p)
{
    if (!v)
        return;
    const char *text = cfn_text(e, v);
    if (text && !strcmp(text, "*")) {
        p->any = true;
        return;
    }
    if (v->kind != SP_DOC_MAP) {
        p->kind = "AWS";
        cfn_each_elem(e, v, add_principal, p);
        return;
    }
    for (size_t i = 0; i < v->u.map.len; i++) {
        p->kind = sp_doc_text(v->u.map.pairs[i].key);
        if (p->kind)
            cfn_each_elem(e, v->u.map.pairs[i].value, add_principal, p);
    }
}

/* ---- actions ---- */

/* IAM wildcard match, case-insensitive: '*' any run, '?' one character. */
static bool glob(const char *p, const char *s)
{
    if (!*p)
        return !*s;
    if (*p == '*') {
        for (;; s++) {
            if (glob(p + 1, s))
                return true;
            if (!*s)
                return false;
        }
    }
    if (!*s)
        return false;
    if (*p != '?' && tolower((unsigned char)*p) != tolower((unsigned char)*s))
        return false;
    return glob(p + 1, s + 1);
}

static int key_cmp(const void *x, const void *y)
{
    return sp_key_cmp(*(const sp_key *)x, *(const sp_key *)y);
}

void cfn_req_actions(cfn_emit *e, cfn_req *q, const char **patterns, size_t n, bool negate)
{
    cfn_req_allow(q, SP_DIM_PROTO, sp_key_num(SP_PROTO_API), sp_key_num(SP_PROTO_API));
    const sp_key all_lo = sp_key_num(SP_ACTION_BASE);
    const sp_key all_hi = sp_dim_domain(SP_DIM_PORT).hi;
    size_t nactions;
    const char *const *actions = cfn_catalogue_actions(e->cat, &nactions);
    size_t cap = nactions + n + 1;
    sp_key *keys = malloc(cap * sizeof *keys);
    if (!keys) {
        sp_oom(e->ctx);
        e->ok = false;
        return;
    }
    size_t nk = 0;
    bool everything = false;
    for (size_t i = 0; i < n; i++) {
        const char *pat = patterns[i];
        if (!pat)
            continue;
        if (!strcmp(pat, "*")) {
            everything = true;
            continue;
        }
        bool wild = strchr(pat, '*') || strchr(pat, '?');
        bool found = false;
        /* A pattern that starts with a letter matches only actions that
         * start with it: the rest of the vocabulary is not looked at. */
        size_t nfrom = nactions;
        const uint32_t *from = NULL;
        if (*pat != '*' && *pat != '?') {
            from = cfn_catalogue_actions_from(e->cat, (unsigned char)tolower((unsigned char)*pat),
                                              &nfrom);
            if (!from)
                nfrom = 0;
        }
        for (size_t j = 0; j < nfrom && nk < cap; j++) {
            const char *action = actions[from ? from[j] : j];
            if (glob(pat, action)) {
                sp_name id = sp_intern(&e->ctx->names, action);
                if (id)
                    keys[nk++] = sp_key_action(id);
                found = true;
            }
        }
        if (!wild && !found && nk < cap) {
            /* An action outside the vocabulary: its own name (service
             * prefix in lower case, as IAM compares case-insensitively). */
            char *s = sp_arena_strdup(&e->ctx->arena, pat);
            for (char *p = s; p && *p && *p != ':'; p++)
                *p = (char)tolower((unsigned char)*p);
            sp_name id = s ? sp_intern(&e->ctx->names, s) : 0;
            if (id)
                keys[nk++] = sp_key_action(id);
        }
    }
    if (everything) {
        if (!negate)
            cfn_req_allow(q, SP_DIM_PORT, all_lo, all_hi);
        else
            cfn_req_none(q, SP_DIM_PORT);
        free(keys);
        return;
    }
    if (!negate) {
        cfn_req_none(q, SP_DIM_PORT);
        for (size_t i = 0; i < nk; i++)
            cfn_req_allow(q, SP_DIM_PORT, keys[i], keys[i]);
        free(keys);
        return;
    }
    qsort(keys, nk, sizeof *keys, key_cmp);
    sp_key lo = all_lo;
    cfn_req_none(q, SP_DIM_PORT);
    for (size_t i = 0; i < nk; i++) {
        if (sp_key_cmp(keys[i], lo) > 0)
            cfn_req_allow(q, SP_DIM_PORT, lo, sp_key_prev(keys[i]));
        if (sp_key_cmp(keys[i], lo) >= 0)
            lo = sp_key_next(keys[i]);
    }
    if (sp_key_cmp(lo, all_hi) <= 0)
        cfn_req_allow(q, SP_DIM_PORT, lo, all_hi);
    free(keys);
}

typedef struct slist {
    const char *items[64];
    size_t n;
    bool unknown;
} slist;

static void add_string(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)owner;
    slist *l = arg;
    const char *s = cfn_text(e, node);
    if (!s)
        l->unknown = true;
    else if (l->n < 64)
        l->items[l->n++] = s;
}

static void read_strings(cfn_emit *e, const sp_doc *v, slist *l)
{
    memset(l, 0, sizeof *l);
    if (v)
        cfn_each_elem(e, v, add_string, l);
}

/* ---- conditions ---- */

typedef struct cidrs {
    sp_ival iv[64];
    size_t n;
    bool unknown;
} cidrs;

static void add_cidr(cfn_emit *e, const cfn_resource *owner, const sp_doc *node, void *arg)
{
    (void)owner;
    cidrs *c = arg;
    const char *s = cfn_text(e, node);
    sp_ival iv;
    if (!s || !sp_parse_cidr(s, &iv))
        c->unknown = true;
    else if (c->n < 64)
        c->iv[c->n++] = iv;
}

/* The CIDRs of `op` aws:SourceIp when that is the statement's only
 * condition; false otherwise. */
static bool source_ip_condition(cfn_emit *e, const sp_doc *cond, const char *op, cidrs *out)
{
    memset(out, 0, sizeof *out);
    if (!cond || cond->kind != SP_DOC_MAP || cond->u.map.len != 1)
        return false;
    const char *k = sp_doc_text(cond->u.map.pairs[0].key);
    const sp_doc *body = cond->u.map.pairs[0].value;
    if (!k || strcasecmp(k, op) || body->kind != SP_DOC_MAP || body->u.map.len != 1)
        return false;
    const char *key = sp_doc_text(body->u.map.pairs[0].key);
    if (!key || strcasecmp(key, "aws:SourceIp"))
        return false;
    cfn_each_elem(e, body->u.map.pairs[0].value, add_cidr, out);
    return !out->unknown && out->n > 0;
}

/* ---- statements ---- */

typedef struct stmt_ctx {
    sp_ref guard;
    cfn_policy_mode mode;
    const char *only;
    size_t index;
} stmt_ctx;

static bool actions_match(const slist *acts, const char *only)
{
    for (size_t i = 0; i < acts->n; i++)
        if (glob(acts->items[i], only))
            return true;
    return false;
}

static void statement(cfn_emit *e, const cfn_resource *owner, const sp_doc *st, void *arg)
{
    (void)owner;
    stmt_ctx *x = arg;
    size_t index = ++x->index;
    if (!st || st->kind != SP_DOC_MAP)
        return;
    const sp_doc *effect = sp_doc_get(st, "Effect");
    const char *eff = cfn_text(e, effect);
    bool deny = eff && !strcasecmp(eff, "Deny");
    const sp_doc *sid = sp_doc_get(st, "Sid");
    const char *label = cfn_text(e, sid);
    const char *name = label ? cfn_why(e, "statement %s", label) : cfn_why(e, "statement %zu", index);

    const sp_doc *pr = sp_doc_get(st, "Principal");
    const sp_doc *npr = sp_doc_get(st, "NotPrincipal");
    const sp_doc *act = sp_doc_get(st, "Action");
    const sp_doc *nact = sp_doc_get(st, "NotAction");
    const sp_doc *cond = sp_doc_get(st, "Condition");
    plist p;
    memset(&p, 0, sizeof p);
    if (npr) {
        if (deny)
            return; /* "deny everyone but": dropped, over-approximates */
        p.any = true;
    } else if (pr) {
        read_principals(e, pr, &p);
    } else {
        p.any = true; /* no principal (identity-style statement): anyone */
    }
    slist acts;
    read_strings(e, nact ? nact : act, &acts);
    if (acts.unknown && !deny)
        acts.items[acts.n < 64 ? acts.n++ : 63] = "*"; /* unknown actions: all */
    if (x->mode == CFN_POLICY_REQUEST && x->only) {
        if (nact ? false : !actions_match(&acts, x->only))
            return;
    }

    cidrs ips;
    bool ip_only = false, ip_except = false;
    if (cond) {
        if (!deny && p.any && source_ip_condition(e, cond, "IpAddress", &ips))
            ip_only = true;
        else if (deny && p.any && source_ip_condition(e, cond, "NotIpAddress", &ips))
            ip_except = true;
        else if (deny)
            return; /* conditional Deny: dropped (over-approximation) */
    }

    cfn_req q;
    cfn_req_begin(e, &q);
    if (ip_only) {
        for (size_t i = 0; i < ips.n; i++)
            cfn_req_allow(&q, SP_DIM_SRC, ips.iv[i].lo, ips.iv[i].hi);
    } else if (ip_except) {
        /* every IP address outside the listed ranges */
        sp_key lo = sp_key_ipv4(0);
        sp_key end = sp_key_ipv6(UINT64_MAX, UINT64_MAX);
        for (size_t i = 1; i < ips.n; i++) /* sort by lo */
            for (size_t j = i; j > 0 && sp_key_cmp(ips.iv[j].lo, ips.iv[j - 1].lo) < 0; j--) {
                sp_ival t = ips.iv[j];
                ips.iv[j] = ips.iv[j - 1];
                ips.iv[j - 1] = t;
            }
        cfn_req_none(&q, SP_DIM_SRC);
        for (size_t i = 0; i < ips.n; i++) {
            if (sp_key_cmp(ips.iv[i].lo, lo) > 0)
                cfn_req_allow(&q, SP_DIM_SRC, lo, sp_key_prev(ips.iv[i].lo));
            if (sp_key_cmp(ips.iv[i].hi, lo) >= 0)
                lo = sp_key_next(ips.iv[i].hi);
        }
        if (sp_key_cmp(lo, end) <= 0)
            cfn_req_allow(&q, SP_DIM_SRC, lo, end);
    } else if (!p.any) {
        cfn_req_none(&q, SP_DIM_SRC);
        for (size_t i = 0; i < p.n; i++)
            cfn_req_principal(e, &q, p.names[i]);
    }
    if (x->mode == CFN_POLICY_RESOURCE)
        cfn_req_actions(e, &q, acts.items, acts.n, nact != NULL);
    const sp_reqset *set = cfn_req_set(e, &q);
    const char *why = cfn_why(e, "%s %s%s", name, deny ? "Deny" : "Allow",
                              ip_only     ? " from listed addresses"
                              : ip_except ? " outside listed addresses"
                              : cond      ? " (conditions not modelled)"
                                          : "");
    cfn_rule(e, x->guard, deny ? 0 : 1, deny ? SP_DENY : SP_ALLOW, set,
             effect ? effect : st, why);
}

/* A document built from jansson's tree, every node positioned at `at`. */
static sp_doc *from_json(cfn_emit *e, json_t *j, const sp_doc *at, int depth)
{
    sp_doc *d = NULL;
    if (depth > SP_MAX_DEPTH)
        return NULL;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        d = sp_doc_new(e->ctx, SP_DOC_MAP);
        size_t n = json_object_size(j), i = 0;
        sp_doc_pair *pairs = sp_arena_calloc(&e->ctx->arena, n + 1, sizeof *pairs);
        if (!d || !pairs)
            return NULL;
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v)
        {
            pairs[i].key = sp_doc_new_scalar(e->ctx, SP_DOC_STRING, key, strlen(key));
            pairs[i].value = from_json(e, v, at, depth + 1);
            if (!pairs[i].key || !pairs[i].value)
                return NULL;
            pairs[i].key->src = at->src;
            pairs[i].key->off = at->off;
            pairs[i].key->end = at->end;
            i++;
        }
        d->u.map.pairs = pairs;
        d->u.map.len = n;
        break;
    }
    case JSON_ARRAY: {
        d = sp_doc_new(e->ctx, SP_DOC_SEQ);
        size_t n = json_array_size(j);
        sp_doc **items = sp_arena_calloc(&e->ctx->arena, n + 1, sizeof *items);
        if (!d || !items)
            return NULL;
        for (size_t i = 0; i < n; i++)
            if (!(items[i] = from_json(e, json_array_get(j, i), at, depth + 1)))
                return NULL;
        d->u.seq.items = items;
        d->u.seq.len = n;
        break;
    }
    case JSON_STRING:
        d = sp_doc_new_scalar(e->ctx, SP_DOC_STRING, json_string_value(j),
                              json_string_length(j));
        break;
    case JSON_INTEGER:
    case JSON_REAL: {
        char buf[64];
        if (json_is_integer(j))
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(j));
        else
            snprintf(buf, sizeof buf, "%.17g", json_real_value(j));
        d = sp_doc_new_scalar(e->ctx, SP_DOC_NUMBER, buf, strlen(buf));
        break;
    }
    case JSON_TRUE:
    case JSON_FALSE:
        d = sp_doc_new_scalar(e->ctx, SP_DOC_BOOL, json_is_true(j) ? "true" : "false",
                              json_is_true(j) ? 4 : 5);
        break;
    case JSON_NULL:
        d = sp_doc_new_scalar(e->ctx, SP_DOC_NULL, "", 0);
        break;
    }
    if (d) {
        d->src = at->src;
        d->off = at->off;
        d->end = at->end;
    }
    return d;
}

/* A policy written as JSON text (a string, or Fn::Sub / Fn::Join text):
 * parsed with the unknown parts kept as "${Name}" strings; NULL when it
 * is not JSON. */
static const sp_doc *policy_from_text(cfn_emit *e, const sp_doc *at)
{
    const char *text = cfn_pattern_text(e, at);
    json_error_t err;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        return NULL;
    const sp_doc *d = json_is_object(j) ? from_json(e, j, at, 0) : NULL;
    json_decref(j);
    return d;
}

static void document(cfn_emit *e, const cfn_resource *owner, const sp_doc *doc, void *arg)
{
    stmt_ctx *x = arg;
    if (!doc)
        return;
    const char *k1 = doc->kind == SP_DOC_MAP && doc->u.map.len == 1
                         ? sp_doc_text(doc->u.map.pairs[0].key)
                         : NULL;
    if (doc->kind != SP_DOC_MAP || (k1 && (!strncmp(k1, "Fn::", 4) || !strcmp(k1, "Ref")))) {
        const sp_doc *parsed = policy_from_text(e, doc);
        if (parsed) {
            document(e, owner, parsed, arg);
            return;
        }
        /* Not JSON we can read: assumed to allow everything
         * (over-approximation). */
        cfn_rule(e, x->guard, 1, SP_ALLOW, cfn_set_all(e), doc,
                 "policy text not read: assumed to allow everything");
        return;
    }
    const sp_doc *stmts = sp_doc_get(doc, "Statement");
    if (!stmts)
        return;
    cfn_each_elem(e, stmts, statement, x);
    (void)owner;
}

void cfn_policy_rules(cfn_emit *e, const sp_doc *doc, sp_ref guard, cfn_policy_mode mode,
                      const char *only)
{
    stmt_ctx x = {guard, mode, only, 0};
    /* the document itself may hide behind Fn::If */
    cfn_resolve(e, doc, document, &x);
}

/* ---- identity policies ---- */

typedef struct grant_ctx {
    cfn_grant_fn fn;
    void *arg;
    const sp_reqset *set;
    const sp_doc *at;
    const cfn_resource *done[32]; /* targets of the current statement */
    size_t ndone;
} grant_ctx;

static void grant_target(cfn_emit *e, const cfn_resource *target, const sp_doc *at, void *arg)
{
    grant_ctx *g = arg;
    for (size_t i = 0; i < g->ndone; i++)
        if (g->done[i] == target)
            return; /* the bucket and its objects in one statement: one edge */
    if (g->ndone < 32)
        g->done[g->ndone++] = target;
    g->fn(e, target, g->set, at ? at : g->at, g->arg);
}

static void grant_resource(cfn_emit *e, const cfn_resource *owner, const sp_doc *res, void *arg)
{
    (void)owner;
    bool ext;
    if (cfn_targets(e, res, &ext, grant_target, arg) || !sp_doc_is_scalar(res))
        return;
    /* A policy read from JSON text: its "${Id}" / "${Id.Attr}" placeholders
     * name template resources. */
    const char *s = sp_doc_text(res);
    const cfn_resource *seen[8];
    size_t nseen = 0;
    for (const char *p = s ? strstr(s, "${") : NULL; p; p = strstr(p + 2, "${")) {
        char id[256];
        size_t k = strcspn(p + 2, ".}");
        if (k == 0 || k >= sizeof id)
            continue;
        memcpy(id, p + 2, k);
        id[k] = 0;
        const cfn_resource *r = cfn_find_resource(e->t, id);
        bool dup = false;
        for (size_t i = 0; i < nseen; i++)
            dup |= seen[i] == r;
        if (r && !dup && nseen < 8) {
            seen[nseen++] = r;
            grant_target(e, r, res, arg);
        }
    }
}

static void grant_statement(cfn_emit *e, const cfn_resource *owner, const sp_doc *st, void *arg)
{
    (void)owner;
    grant_ctx *g = arg;
    if (!st || st->kind != SP_DOC_MAP)
        return;
    const char *eff = cfn_text(e, sp_doc_get(st, "Effect"));
    if (eff && !strcasecmp(eff, "Deny"))
        return; /* identity Deny: not modelled (over-approximation) */
    const sp_doc *res = sp_doc_get(st, "Resource");
    if (!res)
        return; /* NotResource: not modelled */
    const sp_doc *act = sp_doc_get(st, "Action"), *nact = sp_doc_get(st, "NotAction");
    slist acts;
    read_strings(e, nact ? nact : act, &acts);
    if (acts.unknown)
        acts.items[acts.n < 64 ? acts.n++ : 63] = "*";
    cfn_req q;
    cfn_req_begin(e, &q);
    cfn_req_actions(e, &q, acts.items, acts.n, nact != NULL);
    grant_ctx inner = *g;
    inner.set = cfn_req_set(e, &q);
    inner.at = st;
    inner.ndone = 0;
    cfn_each_elem(e, res, grant_resource, &inner);
}

static void grant_document(cfn_emit *e, const cfn_resource *owner, const sp_doc *doc, void *arg)
{
    (void)owner;
    if (doc && doc->kind != SP_DOC_MAP)
        doc = policy_from_text(e, doc);
    else if (doc && doc->u.map.len == 1 && sp_doc_get(doc, "Fn::Sub"))
        doc = policy_from_text(e, doc);
    if (!doc || doc->kind != SP_DOC_MAP)
        return;
    const sp_doc *stmts = sp_doc_get(doc, "Statement");
    if (stmts)
        cfn_each_elem(e, stmts, grant_statement, arg);
}

void cfn_policy_grants(cfn_emit *e, const sp_doc *doc, cfn_grant_fn fn, void *arg)
{
    grant_ctx g;
    memset(&g, 0, sizeof g);
    g.fn = fn;
    g.arg = arg;
    cfn_resolve(e, doc, grant_document, &g);
}
