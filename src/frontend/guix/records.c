/* Guix's records and services as data: record constructors with their
 * fields and defaults, (inherit X), accessors, service, simple-service,
 * modify-services, plain-file and local-file.
 *
 * The defaults are Guix's (the record definitions named in each table's
 * `source`); docs/GUIX.md lists them.  operating-system and
 * guix-configuration are open (their many fields do not matter for
 * reachability and change between Guix versions); the records whose
 * fields snipeproof reads are closed, so that a misspelt field (port for
 * port-number) is an error rather than a silent default, as in Guix. */
#include "guix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const grfield MACHINE_FIELDS[] = {
    {"operating-system", GD_NONE, NULL},
    {"environment", GD_OTHER, NULL},
    {"configuration", GD_OTHER, NULL},
    {NULL, GD_NONE, NULL},
};

static const grfield OS_FIELDS[] = {
    {"host-name", GD_NONE, NULL},
    {"services", GD_VAR, "%base-services"},
    {NULL, GD_NONE, NULL},
};

static const grfield SSH_MACHINE_FIELDS[] = {
    {"host-name", GD_NONE, NULL},
    {"system", GD_OTHER, NULL},
    {"build-locally?", GD_BOOL, "t"},
    {"authorize?", GD_BOOL, "t"},
    {"allow-downgrades?", GD_BOOL, "f"},
    {"safety-checks?", GD_BOOL, "t"},
    {"port", GD_NUM, "22"},
    {"user", GD_STR, "root"},
    {"identity", GD_OTHER, NULL},
    {"host-key", GD_OTHER, NULL},
    {"session", GD_OTHER, NULL},
    {NULL, GD_NONE, NULL},
};

static const grfield OPENSSH_FIELDS[] = {
    {"openssh", GD_OTHER, NULL},
    {"pid-file", GD_STR, "/var/run/sshd.pid"},
    {"port-number", GD_NUM, "22"},
    {"permit-root-login", GD_BOOL, "f"},
    {"allow-empty-passwords?", GD_BOOL, "f"},
    {"password-authentication?", GD_BOOL, "t"},
    {"public-key-authentication?", GD_BOOL, "t"},
    {"x11-forwarding?", GD_BOOL, "f"},
    {"allow-agent-forwarding?", GD_BOOL, "t"},
    {"allow-tcp-forwarding?", GD_BOOL, "t"},
    {"gateway-ports?", GD_BOOL, "f"},
    {"challenge-response-authentication?", GD_BOOL, "f"},
    {"use-pam?", GD_BOOL, "t"},
    {"print-last-log?", GD_BOOL, "t"},
    {"subsystems", GD_OTHER, NULL},
    {"accepted-environment", GD_NIL, NULL},
    {"log-level", GD_SYM, "info"},
    {"extra-content", GD_STR, ""},
    {"authorized-keys", GD_NIL, NULL},
    {"generate-host-keys?", GD_BOOL, "t"},
    {"%auto-start?", GD_BOOL, "t"},
    {NULL, GD_NONE, NULL},
};

static const grfield NFTABLES_FIELDS[] = {
    {"package", GD_OTHER, NULL},
    {"debug-levels", GD_OTHER, NULL},
    {"ruleset", GD_VAR, "%default-nftables-ruleset"},
    {NULL, GD_NONE, NULL},
};

static const grfield IPTABLES_FIELDS[] = {
    {"iptables", GD_OTHER, NULL},
    {"ipv4-rules", GD_VAR, "%iptables-accept-all-rules"},
    {"ipv6-rules", GD_VAR, "%iptables-accept-all-rules"},
    {NULL, GD_NONE, NULL},
};

static const grfield NGINX_FIELDS[] = {
    {"nginx", GD_OTHER, NULL},
    {"shepherd-requirement", GD_NIL, NULL},
    {"log-directory", GD_STR, "/var/log/nginx"},
    {"log-level", GD_SYM, "error"},
    {"log-format", GD_OTHER, NULL},
    {"log-formats", GD_NIL, NULL},
    {"run-directory", GD_STR, "/var/run/nginx"},
    {"server-blocks", GD_NIL, NULL},
    {"upstream-blocks", GD_NIL, NULL},
    {"server-names-hash-bucket-size", GD_BOOL, "f"},
    {"server-names-hash-bucket-max-size", GD_BOOL, "f"},
    {"modules", GD_NIL, NULL},
    {"global-directives", GD_OTHER, NULL},
    {"lua-package-path", GD_BOOL, "f"},
    {"lua-package-cpath", GD_BOOL, "f"},
    {"extra-content", GD_STR, ""},
    {"file", GD_BOOL, "f"},
    {NULL, GD_NONE, NULL},
};

static const grfield NGINX_SERVER_FIELDS[] = {
    {"listen", GD_LIST_STR, "80|443 ssl"},
    {"server-name", GD_OTHER, NULL},
    {"root", GD_STR, "/srv/http"},
    {"locations", GD_NIL, NULL},
    {"index", GD_OTHER, NULL},
    {"try-files", GD_NIL, NULL},
    {"ssl-certificate", GD_BOOL, "f"},
    {"ssl-certificate-key", GD_BOOL, "f"},
    {"server-tokens?", GD_BOOL, "f"},
    {"raw-content", GD_NIL, NULL},
    {NULL, GD_NONE, NULL},
};

static const grfield GUIX_FIELDS[] = {
    {"extra-options", GD_NIL, NULL},
    {NULL, GD_NONE, NULL},
};

/* Internal records: services as service, simple-service and file-like
 * objects are made by their own forms. */
static const grfield SERVICE_FIELDS[] = {
    {"type", GD_NONE, NULL},
    {"value", GD_NONE, NULL},
    {NULL, GD_NONE, NULL},
};

static const grfield SIMPLE_SERVICE_FIELDS[] = {
    {"name", GD_NONE, NULL},
    {"type", GD_NONE, NULL},
    {"value", GD_NONE, NULL},
    {NULL, GD_NONE, NULL},
};

static const grtype TYPES[] = {
    {"machine", MACHINE_FIELDS, false, "gnu/machine.scm"},
    {"operating-system", OS_FIELDS, true, "gnu/system.scm"},
    {"machine-ssh-configuration", SSH_MACHINE_FIELDS, false, "gnu/machine/ssh.scm"},
    {"openssh-configuration", OPENSSH_FIELDS, false, "gnu/services/ssh.scm"},
    {"nftables-configuration", NFTABLES_FIELDS, false, "gnu/services/networking.scm"},
    {"iptables-configuration", IPTABLES_FIELDS, false, "gnu/services/networking.scm"},
    {"nginx-configuration", NGINX_FIELDS, false, "gnu/services/web.scm"},
    {"nginx-server-configuration", NGINX_SERVER_FIELDS, false, "gnu/services/web.scm"},
    {"guix-configuration", GUIX_FIELDS, true, "gnu/services/base.scm"},
    {"service", SERVICE_FIELDS, false, NULL},
    {"simple-service", SIMPLE_SERVICE_FIELDS, false, NULL},
};

const grtype *grtype_find(const char *name)
{
    /* service and simple-service are forms of their own, not records. */
    for (size_t i = 0; i + 2 < sizeof TYPES / sizeof *TYPES; i++)
        if (!strcmp(TYPES[i].name, name))
            return &TYPES[i];
    return NULL;
}

static const grtype *internal_type(const char *name)
{
    for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; i++)
        if (!strcmp(TYPES[i].name, name))
            return &TYPES[i];
    return NULL;
}

static const grfield *type_field(const grtype *t, const char *name)
{
    for (const grfield *f = t->fields; f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

bool grecord_is(const gv *v, const char *type)
{
    return v && v->kind == GV_RECORD && !strcmp(v->u.rec->type->name, type);
}

static bool is_symbol(const sp_doc *d)
{
    return d && d->kind == SP_DOC_STRING && (d->flags & SP_DOC_SYMBOL);
}

static bool is_list(const sp_doc *d)
{
    return d && d->kind == SP_DOC_SEQ && !(d->flags & (SP_DOC_VECTOR | SP_DOC_DOTTED));
}

static grecord *new_record(geval *E, const grtype *t, size_t cap)
{
    grecord *r = sp_arena_alloc(&E->ctx->arena, sizeof *r);
    gfield *fields = cap ? sp_arena_calloc(&E->ctx->arena, cap, sizeof *fields) : NULL;
    if (!r || (cap && !fields)) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    r->type = t;
    r->fields = fields;
    /* The calls under way, outermost first: they tell which machine of a
     * list a helper procedure made. */
    size_t ns = E->ncalls < GUIX_MAX_SITES ? E->ncalls : GUIX_MAX_SITES;
    if (ns) {
        sp_loc *sites = sp_arena_alloc_raw(&E->ctx->arena, ns * sizeof *sites);
        if (sites) {
            memcpy(sites, E->calls, ns * sizeof *sites);
            r->sites = sites;
            r->nsites = ns;
        }
    }
    return r;
}

static gv *record_value(geval *E, grecord *r, sp_loc loc)
{
    if (!r)
        return NULL;
    gv *v = gv_new(E, GV_RECORD, loc);
    v->u.rec = r;
    return v;
}

/* A close field name, for "did you mean". */
static const char *suggest(const grtype *t, const char *name)
{
    static const char *const ALIASES[][2] = {
        {"port", "port-number"},       {"permit-root-login?", "permit-root-login"},
        {"hostname", "host-name"},     {"rules", "ruleset"},
        {"server-block", "server-blocks"},
        {"listen-port", "listen"},     {"password-authentication", "password-authentication?"},
        {"allow-empty-passwords", "allow-empty-passwords?"},
    };
    for (size_t i = 0; i < sizeof ALIASES / sizeof *ALIASES; i++)
        if (!strcmp(ALIASES[i][0], name) && type_field(t, ALIASES[i][1]))
            return ALIASES[i][1];
    size_t n = strlen(name);
    for (const grfield *f = t->fields; f->name; f++)
        if (!strncmp(f->name, name, n) || !strncmp(f->name, name, strlen(f->name)))
            return f->name;
    return NULL;
}

static gv *construct(geval *E, const sp_doc *form, const grtype *t, genv *env)
{
    size_t n = form->u.seq.len;
    sp_name *seen = sp_arena_calloc(&E->ctx->arena, n, sizeof *seen);
    if (!seen) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    size_t nseen = 0;
    /* (inherit X) first: its fields are the starting point. */
    const grecord *base = NULL;
    gv *base_opaque = NULL;
    size_t first = 1;
    if (n > 1) {
        const sp_doc *cl = form->u.seq.items[1];
        if (is_list(cl) && cl->u.seq.len == 2 && is_symbol(cl->u.seq.items[0]) &&
            !strcmp(cl->u.seq.items[0]->u.scalar.text, "inherit")) {
            gv *b = geval_expr(E, cl->u.seq.items[1], env);
            if (!b)
                return NULL;
            if (b->kind == GV_OPAQUE) {
                base_opaque = b;
            } else if (b->kind == GV_RECORD && b->u.rec->type == t) {
                base = b->u.rec;
                base_opaque = base->inherit_opaque;
            } else {
                geval_error(E, sp_doc_loc(cl->u.seq.items[1]),
                            "%s can inherit from another %s only, not %s (%s)", t->name, t->name,
                            gv_kind_name(b), gv_show(E, b));
                return NULL;
            }
            first = 2;
        }
    }
    grecord *r = new_record(E, t, n + (base ? base->n : 0));
    if (!r)
        return NULL;
    if (base && base->n) {
        memcpy(r->fields, base->fields, base->n * sizeof *r->fields);
        r->n = base->n;
    }
    r->inherit_opaque = base_opaque;
    for (size_t i = first; i < n; i++) {
        const sp_doc *cl = form->u.seq.items[i];
        if (!is_list(cl) || cl->u.seq.len != 2 || !is_symbol(cl->u.seq.items[0])) {
            geval_error(E, sp_doc_loc(cl), "a field of %s is written (NAME VALUE)", t->name);
            return NULL;
        }
        const char *name = cl->u.seq.items[0]->u.scalar.text;
        if (!strcmp(name, "inherit")) {
            geval_error(E, sp_doc_loc(cl), "(inherit …) must come first in %s", t->name);
            return NULL;
        }
        if (!t->open && !type_field(t, name)) {
            const char *sug = suggest(t, name);
            geval_error(E, sp_doc_loc(cl->u.seq.items[0]),
                        "%s has no field '%s'%s%s%s (snipeproof knows the fields of %s in Guix; "
                        "see docs/GUIX.md)",
                        t->name, name, sug ? " (did you mean " : "", sug ? sug : "",
                        sug ? "?)" : "", t->name);
            return NULL;
        }
        sp_name nm = sp_intern(&E->ctx->names, name);
        /* A field given twice is an error in Guix; one given after
         * (inherit …) replaces the inherited one. */
        for (size_t j = 0; j < nseen; j++)
            if (seen[j] == nm) {
                geval_error(E, sp_doc_loc(cl->u.seq.items[0]),
                            "the field '%s' of %s is given twice", name, t->name);
                return NULL;
            }
        seen[nseen++] = nm;
        size_t k = 0;
        while (k < r->n && r->fields[k].name != nm)
            k++;
        gv *v = geval_expr(E, cl->u.seq.items[1], env);
        if (!v)
            return NULL;
        gfield f = {nm, v, sp_doc_loc(cl)};
        r->fields[k] = f;
        if (k == r->n)
            r->n++;
    }
    return record_value(E, r, sp_doc_loc(form));
}

static gv *default_value(geval *E, const grtype *t, const grfield *f, sp_loc loc)
{
    switch (f->dflt) {
    case GD_NUM:
        return gv_int(E, strtoll(f->value, NULL, 10), loc);
    case GD_BOOL:
        return gv_bool(E, f->value[0] == 't', loc);
    case GD_STR:
        return gv_str(E, f->value, strlen(f->value), loc);
    case GD_NIL:
        return gv_null(E, loc);
    case GD_SYM:
        return gv_sym(E, sp_intern(&E->ctx->names, f->value), loc);
    case GD_LIST_STR: {
        gv *items[8];
        size_t k = 0;
        for (const char *p = f->value; *p && k < 8;) {
            size_t len = strcspn(p, "|");
            items[k++] = gv_str(E, p, len, loc);
            p += len + (p[len] == '|');
        }
        return gv_list_from(E, items, k, NULL, loc);
    }
    case GD_VAR:
        return gknown_variable(E, f->value, loc);
    case GD_OTHER: {
        gv *v = gv_new(E, GV_OPAQUE, loc);
        gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
        if (!o) {
            sp_oom(E->ctx);
            E->failed = true;
            return NULL;
        }
        o->kind = GOP_VARIABLE;
        o->name = sp_intern(&E->ctx->names, f->name);
        o->what = sp_arena_printf(&E->ctx->arena, "the default %s of %s", f->name, t->name);
        o->cause = v;
        v->u.op = o;
        return v;
    }
    default:
        return NULL;
    }
}

gv *grecord_field(geval *E, const gv *rec, const char *field, bool *given, const gv **opaque)
{
    *given = false;
    *opaque = NULL;
    const grecord *r = rec->u.rec;
    sp_name nm = sp_intern_find(&E->ctx->names, field, strlen(field));
    for (size_t i = 0; nm && i < r->n; i++)
        if (r->fields[i].name == nm) {
            *given = true;
            return r->fields[i].value;
        }
    if (r->inherit_opaque) {
        *opaque = r->inherit_opaque;
        return NULL;
    }
    const grfield *f = type_field(r->type, field);
    if (!f || f->dflt == GD_NONE)
        return NULL;
    return default_value(E, r->type, f, rec->loc);
}

gv *grecord_default_config(geval *E, const char *svctype, sp_loc loc)
{
    static const char *const MAP[][2] = {
        {"openssh-service-type", "openssh-configuration"},
        {"nftables-service-type", "nftables-configuration"},
        {"iptables-service-type", "iptables-configuration"},
        {"nginx-service-type", "nginx-configuration"},
        {"guix-service-type", "guix-configuration"},
    };
    for (size_t i = 0; i < sizeof MAP / sizeof *MAP; i++)
        if (!strcmp(MAP[i][0], svctype))
            return record_value(E, new_record(E, internal_type(MAP[i][1]), 0), loc);
    return NULL;
}

/* ---- services ---- */

static gv *make_service(geval *E, gv *type, gv *value, sp_loc loc)
{
    grecord *r = new_record(E, internal_type("service"), 2);
    if (!r)
        return NULL;
    sp_name nt = sp_intern(&E->ctx->names, "type"), nv = sp_intern(&E->ctx->names, "value");
    r->fields[r->n++] = (gfield){nt, type, loc};
    if (value)
        r->fields[r->n++] = (gfield){nv, value, loc};
    return record_value(E, r, loc);
}

static gv *service_form(geval *E, const sp_doc *form, genv *env)
{
    size_t n = form->u.seq.len;
    if (n != 2 && n != 3) {
        geval_error(E, sp_doc_loc(form), "service takes a service type and an optional value: "
                                         "(service TYPE [VALUE])");
        return NULL;
    }
    gv *type = geval_expr(E, form->u.seq.items[1], env);
    gv *value = type && n == 3 ? geval_expr(E, form->u.seq.items[2], env) : NULL;
    if (!type || (n == 3 && !value))
        return NULL;
    if (type->kind != GV_SVCTYPE && type->kind != GV_OPAQUE) {
        geval_error(E, sp_doc_loc(form->u.seq.items[1]), "service needs a service type, not %s (%s)",
                    gv_kind_name(type), gv_show(E, type));
        return NULL;
    }
    return make_service(E, type, value, sp_doc_loc(form));
}

static gv *simple_service_form(geval *E, const sp_doc *form, genv *env)
{
    if (form->u.seq.len != 4) {
        geval_error(E, sp_doc_loc(form), "simple-service is (simple-service NAME TYPE VALUE)");
        return NULL;
    }
    gv *args[3];
    for (size_t i = 0; i < 3; i++)
        if (!(args[i] = geval_expr(E, form->u.seq.items[i + 1], env)))
            return NULL;
    if (args[1]->kind != GV_SVCTYPE && args[1]->kind != GV_OPAQUE) {
        geval_error(E, sp_doc_loc(form->u.seq.items[2]),
                    "simple-service extends a service type, not %s (%s)",
                    gv_kind_name(args[1]), gv_show(E, args[1]));
        return NULL;
    }
    grecord *r = new_record(E, internal_type("simple-service"), 3);
    if (!r)
        return NULL;
    static const char *const names[] = {"name", "type", "value"};
    for (size_t i = 0; i < 3; i++)
        r->fields[r->n++] =
            (gfield){sp_intern(&E->ctx->names, names[i]), args[i], sp_doc_loc(form->u.seq.items[i + 1])};
    return record_value(E, r, sp_doc_loc(form));
}

static const char *svctype_name(geval *E, const gv *t)
{
    return t && t->kind == GV_SVCTYPE ? gv_name(E, t->u.sym) : NULL;
}

typedef struct clause {
    const char *type;       /* service type name */
    bool deleted;
    sp_name var;
    const sp_doc *const *body;
    size_t nbody;
    const sp_doc *form;
} clause;

/* Applies a modify clause to a configuration value. */
static gv *modify_value(geval *E, const clause *c, gv *config, genv *env)
{
    genv *frame = genv_new(E, env, 1);
    if (!frame)
        return NULL;
    frame->vars[0].name = c->var;
    frame->vars[0].value = config;
    frame->vars[0].loc = sp_doc_loc(c->form);
    frame->n = 1;
    gv *v = NULL;
    for (size_t i = 0; i < c->nbody; i++)
        if (!(v = geval_expr(E, c->body[i], frame)))
            return NULL;
    return v;
}

static gv *modify_services_form(geval *E, const sp_doc *form, genv *env)
{
    size_t n = form->u.seq.len;
    if (n < 2) {
        geval_error(E, sp_doc_loc(form), "modify-services needs a list of services");
        return NULL;
    }
    gv *services = geval_expr(E, form->u.seq.items[1], env);
    if (!services)
        return NULL;
    clause *clauses = sp_arena_calloc(&E->ctx->arena, n, sizeof *clauses);
    if (!clauses) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    size_t nc = 0;
    for (size_t i = 2; i < n; i++) {
        const sp_doc *cl = form->u.seq.items[i];
        clause *c = &clauses[nc];
        c->form = cl;
        const sp_doc *type_expr;
        if (is_list(cl) && cl->u.seq.len == 2 && is_symbol(cl->u.seq.items[0]) &&
            !strcmp(cl->u.seq.items[0]->u.scalar.text, "delete")) {
            c->deleted = true;
            type_expr = cl->u.seq.items[1];
        } else if (is_list(cl) && cl->u.seq.len >= 4 && is_symbol(cl->u.seq.items[1]) &&
                   is_symbol(cl->u.seq.items[2]) &&
                   !strcmp(cl->u.seq.items[2]->u.scalar.text, "=>")) {
            type_expr = cl->u.seq.items[0];
            c->var = sp_intern(&E->ctx->names, cl->u.seq.items[1]->u.scalar.text);
            c->body = (const sp_doc *const *)cl->u.seq.items + 3;
            c->nbody = cl->u.seq.len - 3;
        } else {
            geval_error(E, sp_doc_loc(cl),
                        "a clause of modify-services is (TYPE VARIABLE => BODY …) or "
                        "(delete TYPE)");
            return NULL;
        }
        gv *t = geval_expr(E, type_expr, env);
        if (!t)
            return NULL;
        if (t->kind == GV_OPAQUE)
            return geval_form_term(E, form, env, NULL, gv_find_opaque(t));
        if (!(c->type = svctype_name(E, t))) {
            geval_error(E, sp_doc_loc(type_expr), "modify-services needs a service type here, "
                                                  "not %s (%s)",
                        gv_kind_name(t), gv_show(E, t));
            return NULL;
        }
        nc++;
    }
    /* The list: each element modified by the clauses that match it. */
    size_t len = 0;
    gv *p = services;
    while (p->kind == GV_PAIR) {
        p = p->u.pair.cdr;
        len++;
    }
    if (p->kind == GV_OPAQUE)
        return geval_form_term(E, form, env, NULL, gv_find_opaque(p));
    if (p->kind != GV_NULL) {
        geval_error(E, sp_doc_loc(form->u.seq.items[1]),
                    "modify-services needs a list of services, not %s (%s)",
                    gv_kind_name(services), gv_show(E, services));
        return NULL;
    }
    gv **out = sp_arena_calloc(&E->ctx->arena, len + 1, sizeof *out);
    if (!out) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    size_t k = 0;
    sp_loc loc = sp_doc_loc(form);
    for (p = services; p->kind == GV_PAIR; p = p->u.pair.cdr) {
        if (!geval_step(E, loc, 1))
            return NULL;
        gv *s = p->u.pair.car;
        if (s->kind == GV_OPAQUE)
            return geval_form_term(E, form, env, NULL, gv_find_opaque(s));
        if (s->kind == GV_BUNDLE) {
            /* A change to a service inside %base-services: recorded on the
             * bundle; the configuration of a modified service there is
             * its type's default, which those lists use. */
            gbundle *b = sp_arena_alloc(&E->ctx->arena, sizeof *b);
            gbundle_change *ch =
                sp_arena_calloc(&E->ctx->arena, s->u.bundle->n + nc + 1, sizeof *ch);
            if (!b || !ch) {
                sp_oom(E->ctx);
                E->failed = true;
                return NULL;
            }
            *b = *s->u.bundle;
            if (b->n)
                memcpy(ch, b->changes, b->n * sizeof *ch);
            b->changes = ch;
            for (size_t j = 0; j < nc; j++) {
                gbundle_change c = {clauses[j].type, clauses[j].deleted, NULL,
                                    sp_doc_loc(clauses[j].form)};
                if (!clauses[j].deleted) {
                    gv *config = grecord_default_config(E, clauses[j].type, c.loc);
                    if (!config) {
                        config = gv_new(E, GV_OPAQUE, c.loc);
                        gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
                        if (!o) {
                            sp_oom(E->ctx);
                            E->failed = true;
                            return NULL;
                        }
                        o->kind = GOP_VARIABLE;
                        o->name = sp_intern(&E->ctx->names, clauses[j].type);
                        o->what = sp_arena_printf(
                            &E->ctx->arena, "the configuration of %s in %s is not known to "
                                            "snipeproof",
                            clauses[j].type,
                            b->kind == GB_BASE ? "%base-services" : "%desktop-services");
                        o->cause = config;
                        config->u.op = o;
                    }
                    if (!(c.value = modify_value(E, &clauses[j], config, env)))
                        return NULL;
                }
                b->changes[b->n++] = c;
            }
            gv *nb = gv_new(E, GV_BUNDLE, s->loc);
            nb->u.bundle = b;
            out[k++] = nb;
            continue;
        }
        bool is_service = grecord_is(s, "service");
        bool is_simple = grecord_is(s, "simple-service");
        if (!is_service && !is_simple) {
            geval_error(E, s->loc, "modify-services: %s is not a service", gv_show(E, s));
            return NULL;
        }
        bool given;
        const gv *op;
        gv *type = grecord_field(E, s, "type", &given, &op);
        if (type && type->kind == GV_OPAQUE)
            return geval_form_term(E, form, env, NULL, gv_find_opaque(type));
        const char *tn = svctype_name(E, type);
        bool keep = true;
        gv *cur = s;
        for (size_t j = 0; j < nc && keep; j++) {
            if (!tn || strcmp(tn, clauses[j].type) || is_simple)
                continue;
            if (clauses[j].deleted) {
                keep = false;
                break;
            }
            gv *value = grecord_field(E, cur, "value", &given, &op);
            if (!value)
                value = grecord_default_config(E, tn, cur->loc);
            if (!value) {
                value = gv_new(E, GV_OPAQUE, cur->loc);
                gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
                if (!o) {
                    sp_oom(E->ctx);
                    E->failed = true;
                    return NULL;
                }
                o->kind = GOP_VARIABLE;
                o->name = sp_intern(&E->ctx->names, tn);
                o->what = sp_arena_printf(&E->ctx->arena,
                                          "the default configuration of %s is not known to "
                                          "snipeproof",
                                          tn);
                o->cause = value;
                value->u.op = o;
            }
            gv *nv = modify_value(E, &clauses[j], value, env);
            if (!nv)
                return NULL;
            cur = make_service(E, type, nv, sp_doc_loc(clauses[j].form));
            if (!cur)
                return NULL;
        }
        if (keep)
            out[k++] = cur;
    }
    return gv_list_from(E, out, k, NULL, loc);
}

/* ---- file-like objects ---- */

static gv *plain_file_form(geval *E, const sp_doc *form, genv *env)
{
    if (form->u.seq.len != 3) {
        geval_error(E, sp_doc_loc(form), "plain-file is (plain-file NAME CONTENT)");
        return NULL;
    }
    gv *name = geval_expr(E, form->u.seq.items[1], env);
    gv *text = name ? geval_expr(E, form->u.seq.items[2], env) : NULL;
    if (!text)
        return NULL;
    if (text->kind != GV_STR && text->kind != GV_OPAQUE) {
        geval_error(E, sp_doc_loc(form->u.seq.items[2]),
                    "plain-file's content must be a string, not %s (%s)", gv_kind_name(text),
                    gv_show(E, text));
        return NULL;
    }
    gv *f = gv_new(E, GV_FILE, sp_doc_loc(form));
    gfile *x = sp_arena_alloc(&E->ctx->arena, sizeof *x);
    if (!x) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    x->name = name;
    x->text = text;
    f->u.file = x;
    return f;
}

static const char *dir_of_source(geval *E, uint32_t src)
{
    const sp_source *s = sp_source_get(E->ctx, src);
    const char *path = s && s->path ? s->path : "";
    const char *slash = strrchr(path, '/');
    if (!slash)
        return NULL;
    if (slash == path)
        return "/";
    return sp_arena_strndup(&E->ctx->arena, path, (size_t)(slash - path));
}

static gv *local_file_form(geval *E, const sp_doc *form, genv *env)
{
    size_t n = form->u.seq.len;
    if (n < 2) {
        geval_error(E, sp_doc_loc(form), "local-file needs a file name");
        return NULL;
    }
    gv *file = geval_expr(E, form->u.seq.items[1], env);
    if (!file)
        return NULL;
    /* The optional name and #:recursive? / #:select? are evaluated and
     * kept for equality only. */
    for (size_t i = 2; i < n; i++)
        if (!geval_expr(E, form->u.seq.items[i], env))
            return NULL;
    if (file->kind == GV_OPAQUE)
        return geval_form_term(E, form, env, NULL, gv_find_opaque(file));
    if (file->kind != GV_STR || !file->u.str.len || memchr(file->u.str.s, 0, file->u.str.len)) {
        geval_error(E, sp_doc_loc(form->u.seq.items[1]), "local-file needs a file name, not %s",
                    gv_show(E, file));
        return NULL;
    }
    /* Relative to the folder of the file in which local-file appears, as
     * Guix resolves it. */
    const char *dir = dir_of_source(E, form->src);
    const char *path = file->u.str.s[0] == '/' || !dir
                           ? file->u.str.s
                           : sp_arena_printf(&E->ctx->arena, "%s/%s", dir, file->u.str.s);
    gv *f = gv_new(E, GV_FILE, sp_doc_loc(form));
    gfile *x = sp_arena_alloc(&E->ctx->arena, sizeof *x);
    if (!x || !path) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    x->local = true;
    x->name = file;
    x->path = path;
    f->u.file = x;
    return f;
}

const char *gfile_contents(geval *E, const gv *file, size_t *len, uint32_t *src_out,
                           const gv **text_value, const gv **opaque)
{
    *src_out = SP_NO_SOURCE;
    *text_value = NULL;
    *opaque = NULL;
    const gfile *x = file->u.file;
    if (!x->local) {
        if (x->text->kind == GV_OPAQUE) {
            *opaque = gv_find_opaque(x->text);
            return NULL;
        }
        *text_value = x->text;
        *len = x->text->u.str.len;
        return x->text->u.str.s;
    }
    /* Read once per run. */
    for (size_t i = 0; i < E->ctx->sources.len; i++)
        if (E->ctx->sources.items[i].path && !strcmp(E->ctx->sources.items[i].path, x->path)) {
            *src_out = (uint32_t)i;
            *len = E->ctx->sources.items[i].len;
            return E->ctx->sources.items[i].text;
        }
    struct stat st;
    if (stat(x->path, &st) != 0) {
        sp_error(E->ctx, file->loc, "cannot read the local-file '%s' (%s): %s", x->name->u.str.s,
                 x->path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        sp_error(E->ctx, file->loc, "the local-file '%s' (%s) is not a regular file",
                 x->name->u.str.s, x->path);
        return NULL;
    }
    if (st.st_size > GUIX_MAX_FILE) {
        sp_error(E->ctx, file->loc,
                 "the local-file '%s' (%s) is larger than %d bytes: too large for a ruleset",
                 x->name->u.str.s, x->path, GUIX_MAX_FILE);
        return NULL;
    }
    uint32_t src;
    size_t before = E->ctx->errors;
    if (st.st_size == 0) {
        /* An empty file, or one of /proc that only claims to be (and may
         * block when read): its contents are empty. */
        src = sp_source_add(E->ctx, x->path, "", 0);
        if (src == SP_NO_SOURCE)
            return NULL;
        *src_out = src;
        *len = 0;
        return sp_source_get(E->ctx, src)->text;
    }
    if (!sp_source_read(E->ctx, x->path, &src)) {
        if (E->ctx->errors == before)
            sp_error(E->ctx, file->loc, "cannot read the local-file '%s' (%s)",
                     x->name->u.str.s, x->path);
        return NULL;
    }
    const sp_source *s = sp_source_get(E->ctx, src);
    if (s->len > GUIX_MAX_FILE) {
        sp_error(E->ctx, file->loc, "the local-file '%s' (%s) is larger than %d bytes",
                 x->name->u.str.s, x->path, GUIX_MAX_FILE);
        return NULL;
    }
    *src_out = src;
    *len = s->len;
    return s->text;
}

/* ---- the forms ---- */

gv *grecord_form(geval *E, const sp_doc *form, const char *head, genv *env, bool *handled)
{
    *handled = true;
    const grtype *t = grtype_find(head);
    if (t)
        return construct(E, form, t, env);
    if (!strcmp(head, "service"))
        return service_form(E, form, env);
    if (!strcmp(head, "simple-service"))
        return simple_service_form(E, form, env);
    if (!strcmp(head, "modify-services"))
        return modify_services_form(E, form, env);
    if (!strcmp(head, "plain-file"))
        return plain_file_form(E, form, env);
    if (!strcmp(head, "local-file"))
        return local_file_form(E, form, env);
    *handled = false;
    return NULL;
}

/* ---- accessors ---- */

typedef struct accessor {
    const grtype *type;
    const char *field;
} accessor;

static bool find_accessor(const char *name, accessor *out)
{
    static const char *const SPECIAL[][3] = {
        {"operating-system-user-services", "operating-system", "services"},
        {"operating-system-services", "operating-system", "services"},
        {"service-kind", "service", "type"},
        {"service-value", "service", "value"},
        {"service-parameters", "service", "value"},
    };
    for (size_t i = 0; i < sizeof SPECIAL / sizeof *SPECIAL; i++)
        if (!strcmp(name, SPECIAL[i][0])) {
            out->type = internal_type(SPECIAL[i][1]);
            out->field = SPECIAL[i][2];
            return true;
        }
    for (size_t i = 0; i + 2 < sizeof TYPES / sizeof *TYPES; i++) {
        size_t tl = strlen(TYPES[i].name);
        if (strncmp(name, TYPES[i].name, tl) || name[tl] != '-')
            continue;
        const grfield *f = type_field(&TYPES[i], name + tl + 1);
        if (f || (TYPES[i].open && name[tl + 1])) {
            /* Open types: any field name (its value, or opaque). */
            out->type = &TYPES[i];
            out->field = f ? f->name : name + tl + 1;
            return true;
        }
    }
    return false;
}

/* An accessor applied to an opaque record, or reading a field that comes
 * from an opaque (inherit X). */
static gv *opaque_access(geval *E, const char *name, gv **args, sp_loc loc, const gv *cause)
{
    gv *v = gv_new(E, GV_OPAQUE, loc);
    gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
    if (!o) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    o->kind = GOP_CALL;
    o->name = sp_intern(&E->ctx->names, name);
    o->args = args;
    o->nargs = 1;
    o->cause = cause ? cause : v;
    o->what = cause && cause->kind == GV_OPAQUE ? cause->u.op->what : NULL;
    v->u.op = o;
    return v;
}

gv *grecord_accessor(geval *E, const char *name, const sp_doc *call, gv **args, size_t n,
                     bool *handled)
{
    accessor acc;
    *handled = find_accessor(name, &acc);
    if (!*handled || !args)
        return NULL;
    sp_loc loc = call ? sp_doc_loc(call) : n ? args[0]->loc : SP_NO_LOC;
    if (n != 1) {
        geval_error(E, loc, "%s takes 1 argument, but is given %zu", name, n);
        return NULL;
    }
    gv *r = args[0];
    if (r->kind == GV_OPAQUE)
        return opaque_access(E, name, args, loc, gv_find_opaque(r));
    if (r->kind != GV_RECORD || r->u.rec->type != acc.type) {
        geval_error(E, loc, "%s needs %s %s, not %s (%s)", name,
                    strchr("aeiou", acc.type->name[0]) ? "an" : "a", acc.type->name,
                    gv_kind_name(r), gv_show(E, r));
        return NULL;
    }
    bool given;
    const gv *op;
    gv *v = grecord_field(E, r, acc.field, &given, &op);
    if (v)
        return v;
    if (op)
        return opaque_access(E, name, args, loc, op);
    if (!strcmp(acc.type->name, "service") && !strcmp(acc.field, "value")) {
        gv *type = grecord_field(E, r, "type", &given, &op);
        gv *d = type && type->kind == GV_SVCTYPE
                    ? grecord_default_config(E, gv_name(E, type->u.sym), loc)
                    : NULL;
        if (d)
            return d;
    }
    geval_error(E, loc, "%s: the %s has no %s", name, acc.type->name, acc.field);
    return NULL;
}
