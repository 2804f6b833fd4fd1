/* The type catalogue: which role models each CloudFormation resource type.
 *
 * The built-in catalogue (data/types/aws.types.yaml, compiled in) and every
 * `--types FILE` share one format, read with the project's YAML reader so
 * that mistakes get FILE:LINE:COL positions:
 *
 *   snipeproof: types/1
 *   names:      { NAMESPACE: {description, endpoints, zone-endpoints} }
 *   actions:    { SERVICE: [Action, ...] }
 *   types:      { TYPE: {role, description, claims, PARAMETER: ...} }
 *
 * Files are read in order; a later entry for a type (or a namespace)
 * replaces an earlier one, action vocabularies are merged.  Unknown keys,
 * unknown roles and parameters of the wrong shape are errors. */
#include "roles.h"

#include <stdlib.h>
#include <ctype.h>
#include <string.h>

extern const unsigned char sp_builtin_types[];
extern const size_t sp_builtin_types_len;

#define BUILTIN_NAME "<built-in>/aws.types.yaml"

typedef struct loader {
    sp_ctx *ctx;
    cfn_catalogue *c;
    const char *file;
    size_t seq;
    SP_VEC(size_t) order; /* per entry: its load sequence number */
    bool header_only;     /* the built-in header, read late: the file is listed */
    bool failed;
} loader;

#define fail(L, at, ...)                                                                 \
    do {                                                                                 \
        const sp_doc *at_ = (at);                                                        \
        sp_error((L)->ctx, at_ ? sp_doc_loc(at_) : SP_NO_LOC, __VA_ARGS__);              \
        (L)->failed = true;                                                              \
    } while (0)

static const char *scalar(const sp_doc *d)
{
    return d && d->kind == SP_DOC_STRING ? d->u.scalar.text : NULL;
}

/* ---- parameter shapes ---- */

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == ':' || c == '@' || c == '-';
}

/* A path: NAME or '*' separated by '.' or '->'. */
static bool valid_path(const char *p)
{
    if (!*p)
        return false;
    for (;;) {
        if (*p == '*') {
            p++;
        } else {
            const char *s = p;
            while (name_char(*p) && !(p[0] == '-' && p[1] == '>'))
                p++;
            if (p == s)
                return false;
        }
        if (!*p)
            return true;
        if (*p == '.')
            p++;
        else if (p[0] == '-' && p[1] == '>')
            p += 2;
        else
            return false;
    }
}

static bool valid_test(const char *t)
{
    if (t[0] == '!') {
        t++;
        if (strchr(t, '='))
            return false; /* "!PATH" takes no value */
    }
    const char *op = strstr(t, "!=");
    size_t n = op ? (size_t)(op - t) : strcspn(t, "=");
    if (n == 0 || n >= 256)
        return false;
    char buf[256];
    memcpy(buf, t, n);
    buf[n] = 0;
    return valid_path(buf);
}

static bool valid_port(const sp_doc *d)
{
    const char *s = sp_doc_text(d);
    if (!s || !*s)
        return false;
    char *end;
    long lo = strtol(s, &end, 10), hi = lo;
    if (end == s)
        return false;
    if (*end == '-') {
        const char *h = end + 1;
        hi = strtol(h, &end, 10);
        if (end == h)
            return false;
    }
    return !*end && lo >= 0 && hi <= 65535 && lo <= hi;
}

static bool check_strings(loader *L, const sp_doc *v, const cfn_param_def *pd,
                          bool (*ok)(const char *), const char *what)
{
    if (v->kind == SP_DOC_STRING) {
        if (ok && !ok(v->u.scalar.text)) {
            fail(L, v, "'%s' is not a valid %s", v->u.scalar.text, what);
            return false;
        }
        return true;
    }
    if (v->kind != SP_DOC_SEQ || (pd->kind != CFN_P_PATHS && pd->kind != CFN_P_STRINGS &&
                                  pd->kind != CFN_P_TESTS)) {
        fail(L, v, "parameter '%s' wants %s", pd->name,
             pd->kind == CFN_P_PATH || pd->kind == CFN_P_STRING ? "a string"
                                                                : "a string or a list of strings");
        return false;
    }
    bool good = true;
    for (size_t i = 0; i < v->u.seq.len; i++) {
        const sp_doc *it = v->u.seq.items[i];
        if (it->kind != SP_DOC_STRING) {
            fail(L, it, "parameter '%s' wants strings here", pd->name);
            good = false;
        } else if (ok && !ok(it->u.scalar.text)) {
            fail(L, it, "'%s' is not a valid %s", it->u.scalar.text, what);
            good = false;
        }
    }
    return good;
}

static bool check_param(loader *L, const cfn_param_def *pd, const sp_doc *v)
{
    switch (pd->kind) {
    case CFN_P_PATH:
    case CFN_P_PATHS:
        return check_strings(L, v, pd, valid_path,
                             "path (NAME, '*' and '->' joined by '.', e.g. A.*.B->C)");
    case CFN_P_STRING:
    case CFN_P_STRINGS:
        return check_strings(L, v, pd, NULL, NULL);
    case CFN_P_TESTS:
        return check_strings(L, v, pd, valid_test, "test (PATH, !PATH, PATH=VALUE or PATH!=VALUE)");
    case CFN_P_BOOL:
        if (v->kind == SP_DOC_BOOL || sp_doc_text_eq(v, "true") || sp_doc_text_eq(v, "false"))
            return true;
        fail(L, v, "parameter '%s' wants true or false", pd->name);
        return false;
    case CFN_P_ENUM: {
        const char *s = sp_doc_text(v);
        if (s) {
            size_t n = strlen(s);
            for (const char *c = pd->choices; *c;) {
                size_t k = strcspn(c, "|");
                if (k == n && !strncmp(c, s, n))
                    return true;
                c += k + (c[k] == '|');
            }
        }
        fail(L, v, "parameter '%s' wants one of %s", pd->name, pd->choices);
        return false;
    }
    case CFN_P_PORTS: {
        if (v->kind != SP_DOC_SEQ) {
            if (valid_port(v))
                return true;
            fail(L, v, "parameter '%s' wants a list of ports (80, \"8000-8080\")", pd->name);
            return false;
        }
        bool good = true;
        for (size_t i = 0; i < v->u.seq.len; i++)
            if (!valid_port(v->u.seq.items[i])) {
                fail(L, v->u.seq.items[i], "not a port or port range (0-65535): '%s'",
                     sp_doc_text(v->u.seq.items[i]) ? sp_doc_text(v->u.seq.items[i]) : "...");
                good = false;
            }
        return good;
    }
    case CFN_P_MAP: {
        if (v->kind != SP_DOC_MAP) {
            fail(L, v, "parameter '%s' wants a map", pd->name);
            return false;
        }
        bool good = true;
        for (size_t i = 0; i < v->u.map.len; i++)
            if (!sp_doc_is_scalar(v->u.map.pairs[i].value)) {
                fail(L, v->u.map.pairs[i].value, "parameter '%s' wants scalar values", pd->name);
                good = false;
            }
        return good;
    }
    }
    return false;
}

/* "a, b, c" of the keys an entry of `role` accepts, for messages. */
static const char *accepted_keys(loader *L, const cfn_role *role)
{
    size_t n = 64;
    for (const cfn_param_def *p = role->params; p && p->name; p++)
        n += strlen(p->name) + 2;
    char *buf = sp_arena_alloc(&L->ctx->arena, n);
    if (!buf)
        return "";
    strcpy(buf, "role, description, claims, transit");
    for (const cfn_param_def *p = role->params; p && p->name; p++) {
        strcat(buf, ", ");
        strcat(buf, p->name);
    }
    return buf;
}

static const char *role_names(loader *L)
{
    size_t n = 1;
    for (size_t i = 0; cfn_roles[i]; i++)
        n += strlen(cfn_roles[i]->name) + 2;
    char *buf = sp_arena_alloc(&L->ctx->arena, n);
    if (!buf)
        return "";
    for (size_t i = 0; cfn_roles[i]; i++) {
        if (i)
            strcat(buf, ", ");
        strcat(buf, cfn_roles[i]->name);
    }
    return buf;
}

static bool valid_type_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 200)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '*')
            return i == n - 1 && n > 1;
        if (!name_char(c) && c != '.' && c != '/')
            return false;
    }
    return true;
}

/* ---- one entry ---- */

static void read_claims(loader *L, struct cfn_type_entry *te, const sp_doc *v)
{
    if (v->kind != SP_DOC_MAP) {
        fail(L, v, "'claims' wants a map {namespace: NAME, property: PATH}");
        return;
    }
    for (size_t i = 0; i < v->u.map.len; i++) {
        const sp_doc *k = v->u.map.pairs[i].key, *val = v->u.map.pairs[i].value;
        const char *s = scalar(val);
        if (sp_doc_text_eq(k, "namespace") && s)
            te->claims_ns = s;
        else if (sp_doc_text_eq(k, "property") && s && valid_path(s))
            te->claims_prop = s;
        else if (sp_doc_text_eq(k, "namespace") || sp_doc_text_eq(k, "property"))
            fail(L, val, "'%s' wants a %s", sp_doc_text(k),
                 sp_doc_text_eq(k, "namespace") ? "namespace name" : "property path");
        else
            fail(L, k, "unknown key '%s' in claims (expected namespace, property)", sp_doc_text(k));
    }
    if (!te->claims_ns || !te->claims_prop)
        fail(L, v, "'claims' needs both namespace and property");
}

/* Reads one entry into *out; false when it has errors (reported). */
static bool read_entry(loader *L, const sp_doc *key, const sp_doc *v, struct cfn_type_entry *out)
{
    const char *type = scalar(key);
    if (!type || !valid_type_name(type)) {
        fail(L, key, "'%s' is not a resource type name (e.g. AWS::S3::Bucket, or Custom::* "
                     "for every type with that prefix)",
             sp_doc_text(key) ? sp_doc_text(key) : "");
        return false;
    }
    if (v->kind != SP_DOC_MAP) {
        fail(L, v, "the entry of %s wants a map with 'role' and 'description'", type);
        return false;
    }
    struct cfn_type_entry te;
    memset(&te, 0, sizeof te);
    size_t n = strlen(type);
    te.prefix = type[n - 1] == '*';
    te.type = te.prefix ? sp_arena_strndup(&L->ctx->arena, type, n - 1) : type;
    te.node = v;
    te.file = L->file;
    te.loc = sp_doc_loc(key);
    const sp_doc *role = sp_doc_get(v, "role");
    const sp_doc *desc = sp_doc_get(v, "description");
    if (!role) {
        fail(L, key, "the entry of %s has no 'role'", type);
        return false;
    }
    if (!scalar(role) || !(te.role = cfn_role_find(scalar(role)))) {
        fail(L, role, "unknown role '%s' (roles: %s)", sp_doc_text(role) ? sp_doc_text(role) : "",
             role_names(L));
        return false;
    }
    if (!desc || !scalar(desc) || !*scalar(desc)) {
        fail(L, desc ? desc : key, "the entry of %s needs a one-line 'description'", type);
        return false;
    }
    te.description = scalar(desc);
    bool good = true;
    for (size_t i = 0; i < v->u.map.len; i++) {
        const sp_doc *k = v->u.map.pairs[i].key, *val = v->u.map.pairs[i].value;
        const char *name = sp_doc_text(k);
        if (!name)
            continue;
        if (!strcmp(name, "role") || !strcmp(name, "description"))
            continue;
        if (!strcmp(name, "claims")) {
            read_claims(L, &te, val);
            continue;
        }
        if (!strcmp(name, "transit")) {
            if (val->kind == SP_DOC_BOOL || sp_doc_text_eq(val, "true") ||
                sp_doc_text_eq(val, "false"))
                te.transit = sp_doc_text_eq(val, "true") || sp_doc_text_eq(val, "True") ||
                             sp_doc_text_eq(val, "TRUE");
            else {
                fail(L, val, "'transit' wants true or false");
                good = false;
            }
            continue;
        }
        const cfn_param_def *pd = NULL;
        for (const cfn_param_def *p = te.role->params; p && p->name; p++)
            if (!strcmp(p->name, name))
                pd = p;
        if (!pd) {
            fail(L, k, "unknown key '%s' for role %s", name, te.role->name);
            sp_note(L->ctx, sp_doc_loc(k), "role %s accepts: %s", te.role->name,
                    accepted_keys(L, te.role));
            good = false;
            continue;
        }
        if (!check_param(L, pd, val))
            good = false;
    }
    for (const cfn_param_def *p = te.role->params; p && p->name; p++)
        if (p->required && !sp_doc_get(v, p->name)) {
            fail(L, key, "the entry of %s (role %s) needs parameter '%s'", type, te.role->name,
                 p->name);
            good = false;
        }
    if (good)
        *out = te;
    return good;
}

static void add_entry(loader *L, const sp_doc *key, const sp_doc *v)
{
    struct cfn_type_entry te;
    if (!read_entry(L, key, v, &te))
        return;
    size_t seq = L->seq++;
    if (!sp_vec_push(&L->ctx->arena, &L->c->entries, te) ||
        !sp_vec_push(&L->ctx->arena, &L->order, seq))
        sp_oom(L->ctx);
}

/* ---- names and actions ---- */

static void read_string_list(loader *L, const sp_doc *v, const char *what,
                             void (*add)(loader *L, cfn_namespace *ns, const char *s),
                             cfn_namespace *ns)
{
    if (v->kind == SP_DOC_STRING) {
        add(L, ns, v->u.scalar.text);
        return;
    }
    if (v->kind != SP_DOC_SEQ) {
        fail(L, v, "'%s' wants a list of strings", what);
        return;
    }
    for (size_t i = 0; i < v->u.seq.len; i++) {
        const char *s = scalar(v->u.seq.items[i]);
        if (!s)
            fail(L, v->u.seq.items[i], "'%s' wants strings", what);
        else
            add(L, ns, s);
    }
}

static void add_endpoint(loader *L, cfn_namespace *ns, const char *s)
{
    if (!sp_vec_push(&L->ctx->arena, &ns->endpoints, s))
        sp_oom(L->ctx);
}

static void add_zone(loader *L, cfn_namespace *ns, const char *s)
{
    if (!sp_vec_push(&L->ctx->arena, &ns->zone_endpoints, s))
        sp_oom(L->ctx);
}

static bool valid_endpoint(const char *s, bool zone)
{
    const char *name = strstr(s, "{name}");
    if (zone ? name != NULL : name == NULL)
        return false;
    for (const char *p = s; *p; p++)
        if (*p == '{' && strncmp(p, "{name}", 6) && strncmp(p, "{region}", 8) &&
            strncmp(p, "{any}", 5))
            return false;
    return true;
}

static void read_names(loader *L, const sp_doc *v)
{
    if (v->kind != SP_DOC_MAP) {
        fail(L, v, "'names' wants a map of namespaces");
        return;
    }
    for (size_t i = 0; i < v->u.map.len; i++) {
        const sp_doc *k = v->u.map.pairs[i].key, *nv = v->u.map.pairs[i].value;
        const char *name = scalar(k);
        if (!name || !*name || strchr(name, ':')) {
            fail(L, k, "'%s' is not a namespace name (no ':')", sp_doc_text(k));
            continue;
        }
        if (nv->kind != SP_DOC_MAP) {
            fail(L, nv, "namespace %s wants a map with description and endpoints", name);
            continue;
        }
        cfn_namespace ns;
        memset(&ns, 0, sizeof ns);
        ns.name = name;
        for (size_t j = 0; j < nv->u.map.len; j++) {
            const sp_doc *kk = nv->u.map.pairs[j].key, *vv = nv->u.map.pairs[j].value;
            if (sp_doc_text_eq(kk, "description") && scalar(vv))
                ns.description = scalar(vv);
            else if (sp_doc_text_eq(kk, "endpoints"))
                read_string_list(L, vv, "endpoints", add_endpoint, &ns);
            else if (sp_doc_text_eq(kk, "zone-endpoints"))
                read_string_list(L, vv, "zone-endpoints", add_zone, &ns);
            else
                fail(L, kk,
                     "unknown key '%s' in namespace %s (expected description, endpoints, "
                     "zone-endpoints)",
                     sp_doc_text(kk), name);
        }
        if (!ns.description)
            fail(L, k, "namespace %s needs a description", name);
        for (size_t j = 0; j < ns.endpoints.len; j++)
            if (!valid_endpoint(ns.endpoints.items[j], false))
                fail(L, k,
                     "namespace %s: endpoint '%s' needs {name} (and only {name}, {region}, "
                     "{any} placeholders)",
                     name, ns.endpoints.items[j]);
        for (size_t j = 0; j < ns.zone_endpoints.len; j++)
            if (!valid_endpoint(ns.zone_endpoints.items[j], true))
                fail(L, k,
                     "namespace %s: zone endpoint '%s' takes the record's name, so it has no "
                     "{name} (only {region}, {any})",
                     name, ns.zone_endpoints.items[j]);
        size_t at = 0;
        while (at < L->c->names.len && strcmp(L->c->names.items[at].name, name))
            at++;
        if (at < L->c->names.len)
            L->c->names.items[at] = ns;
        else if (!sp_vec_push(&L->ctx->arena, &L->c->names, ns))
            sp_oom(L->ctx);
    }
}

static void read_actions(loader *L, const sp_doc *v)
{
    if (v->kind != SP_DOC_MAP) {
        fail(L, v, "'actions' wants a map SERVICE: [Action, ...]");
        return;
    }
    for (size_t i = 0; i < v->u.map.len; i++) {
        const sp_doc *k = v->u.map.pairs[i].key, *list = v->u.map.pairs[i].value;
        const char *svc = scalar(k);
        if (!svc || !*svc || strchr(svc, ':') || strchr(svc, '*')) {
            fail(L, k, "'%s' is not a service prefix (e.g. s3)", sp_doc_text(k));
            continue;
        }
        if (list->kind != SP_DOC_SEQ) {
            fail(L, list, "the actions of %s want a list", svc);
            continue;
        }
        for (size_t j = 0; j < list->u.seq.len; j++) {
            const char *a = scalar(list->u.seq.items[j]);
            if (!a || !*a || strchr(a, ':') || strchr(a, '*') || strchr(a, '?')) {
                fail(L, list->u.seq.items[j], "'%s' is not an action name (no service, no "
                                              "wildcards)",
                     sp_doc_text(list->u.seq.items[j]) ? sp_doc_text(list->u.seq.items[j]) : "");
                continue;
            }
            const char *full = sp_arena_printf(&L->ctx->arena, "%s:%s", svc, a);
            if (!full || !sp_vec_push(&L->ctx->arena, &L->c->actions, full))
                sp_oom(L->ctx);
        }
    }
}

/* ---- files ---- */

static void read_file(loader *L, uint32_t src)
{
    L->file = sp_source_get(L->ctx, src)->path;
    if (!L->header_only && !sp_vec_push(&L->ctx->arena, &L->c->files, L->file))
        sp_oom(L->ctx);
    sp_doc *root = sp_read_yaml(L->ctx, src);
    if (!root) {
        L->failed = true;
        return;
    }
    if (root->kind != SP_DOC_MAP) {
        fail(L, root, "not a type catalogue: expected a map starting with "
                      "'snipeproof: types/1'");
        return;
    }
    const sp_doc *ver = sp_doc_get(root, "snipeproof");
    if (!ver) {
        fail(L, root, "not a type catalogue: 'snipeproof: types/1' is missing");
        return;
    }
    if (!sp_doc_text_eq(ver, "types/1")) {
        fail(L, ver, "unsupported catalogue format '%s' (this snipeproof reads types/1)",
             sp_doc_text(ver) ? sp_doc_text(ver) : "...");
        return;
    }
    for (size_t i = 0; i < root->u.map.len; i++) {
        const sp_doc *k = root->u.map.pairs[i].key, *v = root->u.map.pairs[i].value;
        if (sp_doc_text_eq(k, "snipeproof"))
            continue;
        if (sp_doc_text_eq(k, "names"))
            read_names(L, v);
        else if (sp_doc_text_eq(k, "actions"))
            read_actions(L, v);
        else if (sp_doc_text_eq(k, "types")) {
            if (v->kind != SP_DOC_MAP) {
                fail(L, v, "'types' wants a map TYPE: {role: ..., description: ...}");
                continue;
            }
            for (size_t j = 0; j < v->u.map.len; j++)
                add_entry(L, v->u.map.pairs[j].key, v->u.map.pairs[j].value);
        } else
            fail(L, k,
                 "unknown key '%s' in a type catalogue (expected snipeproof, names, actions, "
                 "types)",
                 sp_doc_text(k) ? sp_doc_text(k) : "");
    }
}

static int entry_cmp(const void *x, const void *y)
{
    const struct cfn_type_entry *a = x, *b = y;
    int c = strcmp(a->type, b->type);
    if (c)
        return c;
    if (a->prefix != b->prefix)
        return a->prefix ? 1 : -1;
    return 0;
}

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}
/* The action vocabulary sorted, each action once (patterns are matched
 * against it in this order). */
static void sort_actions(cfn_catalogue *c)
{
    if (c->actions.len > 1)
        qsort(c->actions.items, c->actions.len, sizeof *c->actions.items, str_cmp);
    size_t k = 0;
    for (size_t i = 0; i < c->actions.len; i++)
        if (!k || strcmp(c->actions.items[k - 1], c->actions.items[i]))
            c->actions.items[k++] = c->actions.items[i];
    c->actions.len = k;
}


/* Sorts entries by (type, prefix), keeping for each the one loaded last. */
static void finish(loader *L)
{
    cfn_catalogue *c = L->c;
    size_t n = c->entries.len;
    size_t *idx = malloc((n + 1) * sizeof *idx);
    if (!idx) {
        sp_oom(L->ctx);
        return;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    /* Insertion sort by (type, prefix, load order): catalogues hold a few
     * hundred entries. */
    for (size_t i = 1; i < n; i++) {
        size_t k = idx[i], j = i;
        while (j > 0) {
            const struct cfn_type_entry *a = &c->entries.items[idx[j - 1]],
                                        *b = &c->entries.items[k];
            int cmp = entry_cmp(a, b);
            if (cmp < 0 || (cmp == 0 && L->order.items[idx[j - 1]] < L->order.items[k]))
                break;
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = k;
    }
    struct cfn_type_entry *out = sp_arena_calloc(&L->ctx->arena, n + 1, sizeof *out);
    if (!out) {
        free(idx);
        sp_oom(L->ctx);
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cfn_type_entry *e = &c->entries.items[idx[i]];
        if (m && !entry_cmp(&out[m - 1], e))
            out[m - 1] = *e; /* later file wins */
        else
            out[m++] = *e;
    }
    free(idx);
    c->entries.items = out;
    c->entries.len = m;
    c->entries.cap = n + 1;
    sort_actions(c);
    /* Every claims namespace must be declared. */
    for (size_t i = 0; i < m; i++) {
        if (!out[i].claims_ns)
            continue;
        bool found = false;
        for (size_t j = 0; j < c->names.len; j++)
            found |= !strcmp(c->names.items[j].name, out[i].claims_ns);
        if (!found) {
            const sp_doc *claims = sp_doc_get(out[i].node, "claims");
            fail(L, claims ? claims : out[i].node,
                 "claims namespace '%s' of %s is not declared under 'names'", out[i].claims_ns,
                 out[i].type);
        }
    }
}

/* ---- the built-in catalogue, read entry by entry ---- */

/* Every run needs the catalogue, and parsing all of the built-in one took
 * most of the time of a small check.  cfn_catalogue_open reads its header
 * (names, actions) and only indexes the `types:` section: each entry's
 * lines, found by indentation.  An entry is parsed with the same YAML
 * reader when a look-up first needs it, from a text that puts it on its
 * own line numbers, so positions stay those of the file.  The index relies
 * on the layout the built-in file has (`types:` last, keys indented by two
 * spaces, plain); anything else makes the whole file read at once. */

/* The key of an entry line ("  AWS::S3::Bucket:"): its length, 0 when the
 * line is not a plain `KEY:` line. */
static size_t entry_key(const char *p, const char *end)
{
    const char *k = p;
    while (p < end && *p != ':' && *p != ' ' && *p != '#' && *p != '"' && *p != '\'' &&
           *p != '{' && *p != '[' && *p != '&' && *p != '!' && *p != '\r')
        p++;
    while (p < end && *p == ':' && p + 1 < end && p[1] == ':') {
        p += 2; /* "::" inside a type name */
        while (p < end && *p != ':' && *p != ' ' && *p != '#' && *p != '"' && *p != '\'' &&
               *p != '\r')
            p++;
    }
    if (p == k || p >= end || *p != ':' || (p + 1 < end && p[1] != ' ' && p[1] != '\n'))
        return 0;
    return (size_t)(p - k);
}

static bool index_builtin(cfn_catalogue *c, const char *text, size_t len, size_t *header)
{
    sp_ctx *ctx = c->ctx;
    SP_VEC(cfn_lazy_entry) v = {0};
    size_t types_at = SIZE_MAX;
    uint32_t line = 0;
    for (size_t pos = 0; pos < len; line++) {
        const char *ls = text + pos;
        const char *nl = memchr(ls, '\n', len - pos);
        const char *le = nl ? nl : text + len;
        size_t at = pos;
        pos = (size_t)(le - text) + 1;
        size_t indent = 0;
        while (ls + indent < le && ls[indent] == ' ')
            indent++;
        const char *first = ls + indent;
        if (first == le || *first == '#' || *first == '\r')
            continue; /* blank or comment */
        if (*first == '\t')
            return false;
        if (types_at == SIZE_MAX) {
            if (indent == 0 && !strncmp(ls, "types:", 6)) {
                const char *r = ls + 6;
                while (r < le && *r == ' ')
                    r++;
                if (r != le && *r != '#' && *r != '\r')
                    return false; /* a flow map on the line */
                types_at = at;
            }
            continue;
        }
        if (indent < 2)
            return false; /* `types:` is not the last section */
        if (indent == 2) {
            size_t n = entry_key(first, le);
            if (!n)
                return false;
            if (v.len)
                v.items[v.len - 1].end = (uint32_t)at;
            cfn_lazy_entry e;
            memset(&e, 0, sizeof e);
            e.prefix = first[n - 1] == '*';
            e.type = sp_arena_strndup(&ctx->arena, first, e.prefix ? n - 1 : n);
            e.start = (uint32_t)at;
            e.end = (uint32_t)len;
            e.line = line;
            if (!e.type || !sp_vec_push(&ctx->arena, &v, e)) {
                sp_oom(ctx);
                return false;
            }
            continue;
        }
        if (!v.len)
            return false; /* indented text before the first entry */
    }
    if (types_at == SIZE_MAX || len > UINT32_MAX)
        return false;
    /* Found by a hash of the type, not by sorting and searching: this runs
     * once per process, and the corpus runs a process per pair.  A
     * duplicate makes the whole read report it. */
    if (!cfn_index_reserve(&ctx->arena, &c->lazy_ix, v.len)) {
        sp_oom(ctx);
        return false;
    }
    for (size_t i = 0; i < v.len; i++) {
        const cfn_lazy_entry *e = &v.items[i];
        if (e->prefix) {
            for (size_t j = 0; j < i; j++)
                if (v.items[j].prefix && !strcmp(v.items[j].type, e->type))
                    return false;
            continue;
        }
        uint32_t h = cfn_index_hash(e->type);
        if (cfn_index_get_hashed(&c->lazy_ix, e->type, h) != UINT32_MAX)
            return false;
        if (!cfn_index_put(&ctx->arena, &c->lazy_ix, e->type, (uint32_t)i)) {
            sp_oom(ctx);
            return false;
        }
    }
    c->lazy = v.items;
    c->nlazy = v.len;
    *header = types_at;
    return true;
}

/* Reads the built-in header (names, actions) if it is still pending. */
static void need_header(cfn_catalogue *c)
{
    if (!c->header)
        return;
    size_t n = c->header;
    c->header = 0;
    uint32_t src = sp_source_add(c->ctx, BUILTIN_NAME, (const char *)sp_builtin_types, n);
    if (src == SP_NO_SOURCE) {
        c->failed = true;
        return;
    }
    loader L;
    memset(&L, 0, sizeof L);
    L.ctx = c->ctx;
    L.c = c;
    L.file = BUILTIN_NAME;
    L.header_only = true;
    read_file(&L, src);
    sort_actions(c);
    if (L.failed)
        c->failed = true;
}

const cfn_namespace *cfn_catalogue_names(const cfn_catalogue *cc, size_t *n)
{
    cfn_catalogue *c = (cfn_catalogue *)cc; /* the cache is not the contents */
    need_header(c);
    *n = c->names.len;
    return c->names.items;
}

const char *const *cfn_catalogue_actions(const cfn_catalogue *cc, size_t *n)
{
    cfn_catalogue *c = (cfn_catalogue *)cc;
    need_header(c);
    *n = c->actions.len;
    return c->actions.items;
}

const uint32_t *cfn_catalogue_actions_from(const cfn_catalogue *cc, unsigned char letter,
                                           size_t *n)
{
    cfn_catalogue *c = (cfn_catalogue *)cc;
    *n = 0;
    need_header(c);
    if (!c->by_letter) {
        /* counting sort: each letter's actions stay in vocabulary order */
        c->by_letter = sp_arena_alloc_raw(&c->ctx->arena,
                                          (c->actions.len + 1) * sizeof *c->by_letter);
        if (!c->by_letter) {
            sp_oom(c->ctx);
            return NULL;
        }
        uint32_t *start = c->letter_start;
        memset(start, 0, sizeof c->letter_start);
        for (size_t i = 0; i < c->actions.len; i++)
            start[tolower((unsigned char)c->actions.items[i][0]) + 1]++;
        for (size_t l = 1; l <= 256; l++)
            start[l] += start[l - 1];
        uint32_t fill[256];
        memcpy(fill, start, sizeof fill);
        for (size_t i = 0; i < c->actions.len; i++)
            c->by_letter[fill[tolower((unsigned char)c->actions.items[i][0])]++] = (uint32_t)i;
    }
    *n = c->letter_start[letter + 1] - c->letter_start[letter];
    return c->by_letter + c->letter_start[letter];
}

/* Reads a lazily indexed built-in entry. */
static const struct cfn_type_entry *read_lazy(cfn_catalogue *c, cfn_lazy_entry *le)
{
    if (le->read)
        return le->te;
    le->read = true;
    sp_ctx *ctx = c->ctx;
    const char *text = (const char *)sp_builtin_types;
    /* Blank lines, `types:`, then the entry on its own line numbers. */
    size_t pad = le->line - 1, n = le->end - le->start;
    char *buf = malloc(pad + 7 + n + 1);
    if (!buf) {
        sp_oom(ctx);
        return NULL;
    }
    memset(buf, '\n', pad);
    memcpy(buf + pad, "types:\n", 7);
    memcpy(buf + pad + 7, text + le->start, n);
    uint32_t src = sp_source_add(ctx, BUILTIN_NAME, buf, pad + 7 + n);
    free(buf);
    if (src == SP_NO_SOURCE)
        return NULL;
    loader L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.c = c;
    L.file = BUILTIN_NAME;
    const sp_doc *root = sp_read_yaml(ctx, src);
    const sp_doc *types = root ? sp_doc_get(root, "types") : NULL;
    struct cfn_type_entry te;
    if (!types || types->kind != SP_DOC_MAP || types->u.map.len != 1 ||
        !read_entry(&L, types->u.map.pairs[0].key, types->u.map.pairs[0].value, &te)) {
        if (!ctx->errors)
            sp_error(ctx, SP_NO_LOC, "internal: the built-in entry of %s cannot be read",
                     le->type);
        c->failed = true;
        return NULL;
    }
    if (te.claims_ns) {
        bool found = false;
        need_header(c);
        for (size_t j = 0; j < c->names.len; j++)
            found |= !strcmp(c->names.items[j].name, te.claims_ns);
        if (!found) {
            const sp_doc *claims = sp_doc_get(te.node, "claims");
            fail(&L, claims ? claims : te.node,
                 "claims namespace '%s' of %s is not declared under 'names'", te.claims_ns,
                 te.type);
            c->failed = true;
            return NULL;
        }
    }
    struct cfn_type_entry *copy = sp_arena_alloc_raw(&ctx->arena, sizeof *copy);
    if (!copy) {
        sp_oom(ctx);
        return NULL;
    }
    *copy = te;
    le->te = copy;
    return copy;
}

/* The lazy entry of exactly `type` (not a prefix entry). */
static cfn_lazy_entry *find_lazy(const cfn_catalogue *c, const char *type)
{
    uint32_t i = cfn_index_get(&c->lazy_ix, type);
    return i == UINT32_MAX ? NULL : &c->lazy[i];
}

static cfn_catalogue *load(sp_ctx *ctx, const sp_frontend_options *opt, bool lazily)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.c = sp_arena_calloc(&ctx->arena, 1, sizeof *L.c);
    if (!L.c) {
        sp_oom(ctx);
        return NULL;
    }
    L.c->ctx = ctx;
    const char *text = (const char *)sp_builtin_types;
    size_t header = 0;
    uint32_t src;
    bool have_files = opt && opt->ntypes_files;
    if (lazily && index_builtin(L.c, text, sp_builtin_types_len, &header)) {
        if (have_files) {
            /* --types files merge into the names and actions and may claim
             * built-in namespaces: read the header now. */
            src = sp_source_add(ctx, BUILTIN_NAME, text, header);
            if (src == SP_NO_SOURCE)
                return NULL;
            read_file(&L, src);
        } else {
            L.c->header = header;
            if (!sp_vec_push(&ctx->arena, &L.c->files, BUILTIN_NAME))
                sp_oom(ctx);
        }
    } else {
        src = sp_source_add_static(ctx, BUILTIN_NAME, text, sp_builtin_types_len);
        if (src == SP_NO_SOURCE)
            return NULL;
        read_file(&L, src);
    }
    for (size_t i = 0; opt && i < opt->ntypes_files; i++) {
        if (!sp_source_read(ctx, opt->types_files[i], &src)) {
            L.failed = true;
            continue;
        }
        read_file(&L, src);
    }
    if (!L.failed && !ctx->out_of_memory)
        finish(&L);
    if (L.failed || ctx->out_of_memory)
        return NULL;
    /* Built-in entries that a --types file replaces are never read. */
    size_t k = 0;
    for (size_t i = 0; i < L.c->nlazy; i++) {
        const cfn_lazy_entry *le = &L.c->lazy[i];
        bool replaced = false;
        for (size_t j = 0; j < L.c->entries.len && !replaced; j++)
            replaced = L.c->entries.items[j].prefix == le->prefix &&
                       !strcmp(L.c->entries.items[j].type, le->type);
        if (!replaced)
            L.c->lazy[k++] = *le;
    }
    if (k != L.c->nlazy) {
        /* Positions moved: index them again. */
        memset(&L.c->lazy_ix, 0, sizeof L.c->lazy_ix);
        for (size_t i = 0; i < k; i++)
            if (!L.c->lazy[i].prefix &&
                !cfn_index_put(&ctx->arena, &L.c->lazy_ix, L.c->lazy[i].type, (uint32_t)i)) {
                sp_oom(ctx);
                return NULL;
            }
    }
    L.c->nlazy = k;
    return L.c;
}

cfn_catalogue *cfn_catalogue_load(sp_ctx *ctx, const sp_frontend_options *opt)
{
    return load(ctx, opt, false);
}

cfn_catalogue *cfn_catalogue_open(sp_ctx *ctx, const sp_frontend_options *opt)
{
    return load(ctx, opt, true);
}

bool cfn_catalogue_failed(const cfn_catalogue *c)
{
    return c && c->failed;
}

static const struct cfn_type_entry *find(cfn_catalogue *c, const char *type);

const struct cfn_type_entry *cfn_catalogue_find(const cfn_catalogue *cc, const char *type)
{
    if (!cc || !type)
        return NULL;
    /* Look-ups fill the catalogue's caches (lazy entries, answers): the
     * catalogue is const to its users, not in memory. */
    cfn_catalogue *c = (cfn_catalogue *)cc;
    uint32_t i = cfn_index_get(&c->found_ix, type);
    if (i != UINT32_MAX)
        return c->found.items[i];
    const struct cfn_type_entry *e = find(c, type);
    /* Keys are not copied: keep one that lives as long as the catalogue. */
    const char *key = e && !e->prefix ? e->type : sp_arena_strdup(&c->ctx->arena, type);
    if (!key || !sp_vec_push(&c->ctx->arena, &c->found, e) ||
        !cfn_index_put(&c->ctx->arena, &c->found_ix, key, (uint32_t)(c->found.len - 1)))
        sp_oom(c->ctx);
    return e;
}

static const struct cfn_type_entry *find(cfn_catalogue *c, const char *type)
{
    size_t lo = 0, hi = c->entries.len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct cfn_type_entry *e = &c->entries.items[mid];
        int cmp = strcmp(e->type, type);
        if (cmp == 0 && !e->prefix)
            return e;
        if (cmp < 0 || (cmp == 0 && e->prefix))
            lo = mid + 1;
        else
            hi = mid;
    }
    cfn_lazy_entry *le = find_lazy(c, type);
    if (le)
        return read_lazy(c, le);
    /* The longest matching prefix entry. */
    const struct cfn_type_entry *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < c->entries.len; i++) {
        const struct cfn_type_entry *e = &c->entries.items[i];
        size_t n = strlen(e->type);
        if (e->prefix && !strncmp(type, e->type, n) && (!best || n > best_len)) {
            best = e;
            best_len = n;
        }
    }
    for (size_t i = 0; i < c->nlazy; i++) {
        cfn_lazy_entry *l = &c->lazy[i];
        size_t n = strlen(l->type);
        if (l->prefix && !strncmp(type, l->type, n) && (!best || n > best_len)) {
            const struct cfn_type_entry *e = read_lazy(c, l);
            if (e) {
                best = e;
                best_len = n;
            }
        }
    }
    return best;
}

const char *cfn_entry_separate(const struct cfn_type_entry *te)
{
    if (!te || te->role != &cfn_role_separate)
        return NULL;
    return cfn_param_str(te, "template", "");
}

/* ---- parameters ---- */

cfn_param_memo *cfn_param_memo_of(const struct cfn_type_entry *te, const char *name)
{
    if (!te)
        return NULL;
    /* The entry is const to its users, not in memory (as the catalogue's
     * caches). */
    struct cfn_type_entry *m = (struct cfn_type_entry *)te;
    /* Names are string constants (roles.h), so a name asked again comes
     * back at the same address. */
    for (unsigned i = 0; i < m->nasked; i++)
        if (m->asked[i].name == name)
            return &m->asked[i];
    if (m->nasked == sizeof m->asked / sizeof *m->asked)
        return NULL;
    cfn_param_memo *memo = &m->asked[m->nasked++];
    memset(memo, 0, sizeof *memo);
    memo->name = name;
    memo->value = sp_doc_get(te->node, name);
    return memo;
}

const sp_doc *cfn_param(const struct cfn_type_entry *te, const char *name)
{
    if (!te)
        return NULL;
    const cfn_param_memo *memo = cfn_param_memo_of(te, name);
    /* a full memo just stops remembering */
    return memo ? memo->value : sp_doc_get(te->node, name);
}

const char *cfn_param_str(const struct cfn_type_entry *te, const char *name, const char *dflt)
{
    const char *s = sp_doc_text(cfn_param(te, name));
    return s ? s : dflt;
}

bool cfn_param_bool(const struct cfn_type_entry *te, const char *name, bool dflt)
{
    const sp_doc *d = cfn_param(te, name);
    if (!d)
        return dflt;
    return sp_doc_text_eq(d, "true") || sp_doc_text_eq(d, "True") || sp_doc_text_eq(d, "TRUE");
}

size_t cfn_param_list(const struct cfn_type_entry *te, const char *name, const char **out,
                      size_t cap)
{
    const sp_doc *d = cfn_param(te, name);
    if (!d)
        return 0;
    if (sp_doc_is_scalar(d)) {
        if (cap)
            out[0] = sp_doc_text(d);
        return cap ? 1 : 0;
    }
    size_t n = 0;
    if (d->kind == SP_DOC_SEQ)
        for (size_t i = 0; i < d->u.seq.len && n < cap; i++)
            if (sp_doc_text(d->u.seq.items[i]))
                out[n++] = sp_doc_text(d->u.seq.items[i]);
    return n;
}

/* ---- emitting ---- */

bool cfn_emit_facts(sp_ctx *ctx, const cfn_catalogue *c, const struct cfn_type_entry *type,
                    const cfn_template *t, const cfn_resource *r, const uint32_t *comp_of,
                    sp_model *m)
{
    if (!type || (type->role->inert && !type->transit))
        return true;
    cfn_emit e;
    memset(&e, 0, sizeof e);
    e.ctx = ctx;
    e.cat = c;
    e.te = type;
    e.t = t;
    e.r = r;
    e.m = m;
    e.comp_of = comp_of;
    e.ok = true;
    e.self = comp_of[cfn_resource_index(t, r)];
    if (e.self == SP_NONE) {
        sp_error(ctx, r->loc, "internal: no component for resource '%s'", r->id);
        return false;
    }
    if (type->claims_ns) {
        const char *name = cfn_claim_of(&e, r);
        if (name)
            cfn_claim(&e, name, cfn_first(&e, r, type->claims_prop),
                      cfn_why(&e, "%s %s", type->claims_ns,
                              cfn_first(&e, r, type->claims_prop) ? "name" : "generated name"));
    }
    if (type->transit)
        cfn_accepts(&e, sp_reqset_none(ctx), NULL,
                    "passes requests on; accepts none itself");
    if (!type->role->emit(&e))
        e.ok = false;
    return e.ok && !ctx->out_of_memory;
}
