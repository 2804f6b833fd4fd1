/* `snipeproof types`: the catalogue in use, as documentation.
 *
 * Text: every type with its role and description, then the roles with
 * their parameters, then the claimable namespaces.  JSON (stable):
 *   {"version": 1, "format": "types/1", "files": [...],
 *    "summary": {"types": N, "modelled": M, "inert": K, "separate": S (of the K)},
 *    "types": [{"type", "prefix", "role", "inert", "transit", "separate", "description", "file",
 *               "claims": {"namespace", "property"} | null, "parameters": {...}}],
 *    "roles": [{"name", "summary", "inert", "parameters": [{"name", "kind",
 *               "required", "choices", "doc"}]}],
 *    "names": [{"namespace", "description", "endpoints", "zone_endpoints"}],
 *    "actions": [...]} */
#include "roles.h"

#include <jansson.h>
#include <string.h>

static const char *kind_name(cfn_pkind k)
{
    switch (k) {
    case CFN_P_PATH:
        return "path";
    case CFN_P_PATHS:
        return "paths";
    case CFN_P_STRING:
        return "string";
    case CFN_P_STRINGS:
        return "strings";
    case CFN_P_BOOL:
        return "bool";
    case CFN_P_TESTS:
        return "tests";
    case CFN_P_PORTS:
        return "ports";
    case CFN_P_MAP:
        return "map";
    case CFN_P_ENUM:
        return "enum";
    }
    return "?";
}

/* Prints `text` wrapped at `width` columns, each line indented. */
static void wrap(FILE *out, const char *text, int indent, int width)
{
    int col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " ");
        if (col && col + 1 + (int)n > width - indent) {
            fputc('\n', out);
            col = 0;
        }
        if (!col)
            fprintf(out, "%*s", indent, "");
        else
            fputc(' ', out);
        fwrite(p, 1, n, out);
        col += (col ? 1 : 0) + (int)n;
        p += n;
    }
    if (col)
        fputc('\n', out);
}

/* A parameter value on one line, as written (paths and lists). */
static void value_text(const sp_doc *v, FILE *out)
{
    if (!v)
        return;
    if (sp_doc_is_scalar(v)) {
        fputs(sp_doc_text(v), out);
        return;
    }
    if (v->kind == SP_DOC_SEQ) {
        fputc('[', out);
        for (size_t i = 0; i < v->u.seq.len; i++) {
            fputs(i ? ", " : "", out);
            value_text(v->u.seq.items[i], out);
        }
        fputc(']', out);
        return;
    }
    fputc('{', out);
    for (size_t i = 0; i < v->u.map.len; i++) {
        fputs(i ? ", " : "", out);
        value_text(v->u.map.pairs[i].key, out);
        fputs(": ", out);
        value_text(v->u.map.pairs[i].value, out);
    }
    fputc('}', out);
}

static bool is_param(const struct cfn_type_entry *te, const char *name)
{
    for (const cfn_param_def *p = te->role->params; p && p->name; p++)
        if (!strcmp(p->name, name))
            return true;
    return false;
}

static void render_text(const cfn_catalogue *c, FILE *out)
{
    size_t inert = 0, separate = 0;
    for (size_t i = 0; i < c->entries.len; i++) {
        inert += c->entries.items[i].role->inert;
        separate += cfn_entry_separate(&c->entries.items[i]) != NULL;
    }
    fprintf(out, "Type catalogue (format types/1): %zu types, %zu modelled, %zu inert",
            c->entries.len, c->entries.len - inert, inert);
    if (separate)
        fprintf(out, " (%zu of them stacks of their own, analysed separately)", separate);
    fputc('\n', out);
    for (size_t i = 0; i < c->files.len; i++)
        fprintf(out, "  from %s\n", c->files.items[i]);
    fputs("\nTYPES\n", out);
    for (size_t i = 0; i < c->entries.len; i++) {
        const struct cfn_type_entry *te = &c->entries.items[i];
        fprintf(out, "\n%s%s  [%s]%s%s\n", te->type, te->prefix ? "*" : "", te->role->name,
                c->files.len > 1 && strcmp(te->file, c->files.items[0]) ? "  from " : "",
                c->files.len > 1 && strcmp(te->file, c->files.items[0]) ? te->file : "");
        wrap(out, te->description, 4, 80);
        for (size_t k = 0; k < te->node->u.map.len; k++) {
            const sp_doc *key = te->node->u.map.pairs[k].key;
            const char *name = sp_doc_text(key);
            if (!name || !is_param(te, name))
                continue;
            fprintf(out, "    %s: ", name);
            value_text(te->node->u.map.pairs[k].value, out);
            fputc('\n', out);
        }
        if (te->claims_ns)
            fprintf(out, "    claims: %s:{%s}\n", te->claims_ns, te->claims_prop);
        if (te->transit)
            fputs("    transit: passes requests on, accepts none itself\n", out);
    }
    fputs("\nROLES\n", out);
    for (size_t i = 0; cfn_roles[i]; i++) {
        const cfn_role *r = cfn_roles[i];
        fprintf(out, "\n%s\n", r->name);
        wrap(out, r->summary, 4, 80);
        for (const cfn_param_def *p = r->params; p && p->name; p++) {
            fprintf(out, "    %s (%s%s%s%s)\n", p->name, kind_name(p->kind),
                    p->choices ? ": " : "", p->choices ? p->choices : "",
                    p->required ? ", required" : "");
            wrap(out, p->doc, 8, 80);
        }
    }
    fputs("\nCLAIMABLE NAMES\n", out);
    for (size_t i = 0; i < c->names.len; i++) {
        const cfn_namespace *ns = &c->names.items[i];
        fprintf(out, "\n%s\n", ns->name);
        wrap(out, ns->description, 4, 80);
        for (size_t j = 0; j < ns->endpoints.len; j++)
            fprintf(out, "    endpoint %s\n", ns->endpoints.items[j]);
        for (size_t j = 0; j < ns->zone_endpoints.len; j++)
            fprintf(out, "    zone endpoint %s (named like the record)\n",
                    ns->zone_endpoints.items[j]);
    }
}

static json_t *doc_json(const sp_doc *v)
{
    if (!v)
        return json_null();
    switch (v->kind) {
    case SP_DOC_NULL:
        return json_null();
    case SP_DOC_BOOL:
        return json_boolean(sp_doc_text_eq(v, "true") || sp_doc_text_eq(v, "True") ||
                            sp_doc_text_eq(v, "TRUE"));
    case SP_DOC_NUMBER: {
        json_t *n = json_loads(sp_doc_text(v), JSON_DECODE_ANY, NULL);
        return n ? n : json_string(sp_doc_text(v));
    }
    case SP_DOC_STRING:
        return json_string(sp_doc_text(v));
    case SP_DOC_SEQ: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->u.seq.len; i++)
            json_array_append_new(a, doc_json(v->u.seq.items[i]));
        return a;
    }
    case SP_DOC_MAP: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->u.map.len; i++)
            json_object_set_new(o, sp_doc_text(v->u.map.pairs[i].key),
                                doc_json(v->u.map.pairs[i].value));
        return o;
    }
    }
    return json_null();
}

static json_t *strings_json(const char *const *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

static bool render_json(const cfn_catalogue *c, FILE *out)
{
    json_t *root = json_object();
    size_t inert = 0, separate = 0;
    json_t *types = json_array();
    for (size_t i = 0; i < c->entries.len; i++) {
        const struct cfn_type_entry *te = &c->entries.items[i];
        inert += te->role->inert;
        separate += cfn_entry_separate(te) != NULL;
        json_t *t = json_object();
        json_object_set_new(t, "type", te->prefix ? json_string(sp_arena_printf(&c->ctx->arena,
                                                                                "%s*", te->type))
                                                  : json_string(te->type));
        json_object_set_new(t, "prefix", json_boolean(te->prefix));
        json_object_set_new(t, "role", json_string(te->role->name));
        json_object_set_new(t, "inert", json_boolean(te->role->inert));
        json_object_set_new(t, "transit", json_boolean(te->transit));
        json_object_set_new(t, "separate", json_boolean(cfn_entry_separate(te) != NULL));
        json_object_set_new(t, "description", json_string(te->description));
        json_object_set_new(t, "file", json_string(te->file));
        if (te->claims_ns) {
            json_t *cl = json_object();
            json_object_set_new(cl, "namespace", json_string(te->claims_ns));
            json_object_set_new(cl, "property", json_string(te->claims_prop));
            json_object_set_new(t, "claims", cl);
        } else {
            json_object_set_new(t, "claims", json_null());
        }
        json_t *params = json_object();
        for (size_t k = 0; k < te->node->u.map.len; k++) {
            const char *name = sp_doc_text(te->node->u.map.pairs[k].key);
            if (name && is_param(te, name))
                json_object_set_new(params, name, doc_json(te->node->u.map.pairs[k].value));
        }
        json_object_set_new(t, "parameters", params);
        json_array_append_new(types, t);
    }
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "format", json_string("types/1"));
    json_object_set_new(root, "files", strings_json(c->files.items, c->files.len));
    json_t *sum = json_object();
    json_object_set_new(sum, "types", json_integer((json_int_t)c->entries.len));
    json_object_set_new(sum, "modelled", json_integer((json_int_t)(c->entries.len - inert)));
    json_object_set_new(sum, "inert", json_integer((json_int_t)inert));
    json_object_set_new(sum, "separate", json_integer((json_int_t)separate));
    json_object_set_new(root, "summary", sum);
    json_object_set_new(root, "types", types);
    json_t *roles = json_array();
    for (size_t i = 0; cfn_roles[i]; i++) {
        const cfn_role *r = cfn_roles[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(r->name));
        json_object_set_new(o, "summary", json_string(r->summary));
        json_object_set_new(o, "inert", json_boolean(r->inert));
        json_t *ps = json_array();
        for (const cfn_param_def *p = r->params; p && p->name; p++) {
            json_t *po = json_object();
            json_object_set_new(po, "name", json_string(p->name));
            json_object_set_new(po, "kind", json_string(kind_name(p->kind)));
            json_object_set_new(po, "required", json_boolean(p->required));
            json_object_set_new(po, "choices", p->choices ? json_string(p->choices) : json_null());
            json_object_set_new(po, "doc", json_string(p->doc));
            json_array_append_new(ps, po);
        }
        json_object_set_new(o, "parameters", ps);
        json_array_append_new(roles, o);
    }
    json_object_set_new(root, "roles", roles);
    json_t *names = json_array();
    for (size_t i = 0; i < c->names.len; i++) {
        const cfn_namespace *ns = &c->names.items[i];
        json_t *o = json_object();
        json_object_set_new(o, "namespace", json_string(ns->name));
        json_object_set_new(o, "description", json_string(ns->description));
        json_object_set_new(o, "endpoints", strings_json(ns->endpoints.items, ns->endpoints.len));
        json_object_set_new(o, "zone_endpoints",
                            strings_json(ns->zone_endpoints.items, ns->zone_endpoints.len));
        json_array_append_new(names, o);
    }
    json_object_set_new(root, "names", names);
    json_object_set_new(root, "actions", strings_json(c->actions.items, c->actions.len));
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
    return rc == 0;
}

bool sp_cfn_render_types(sp_ctx *ctx, const sp_frontend_options *opt, bool json, FILE *out)
{
    cfn_catalogue *c = cfn_catalogue_load(ctx, opt);
    if (!c)
        return false;
    if (json)
        return render_json(c, out);
    render_text(c, out);
    return true;
}
