/* The evaluator: the part of Scheme that deploy files use to build their
 * machine list, pure and bounded (docs/GUIX.md).
 *
 * Expressions are the reader's document nodes.  Special forms: quote,
 * quasiquote (with unquote and unquote-splicing, nested), lambda and
 * lambda* (#:optional, #:key, #:rest, #:allow-other-keys, dotted rest),
 * define, define*, define-public (values and procedures, top level and in
 * bodies), let (and named let), let*, letrec, letrec*, if, cond (with =>),
 * case, when, unless, and, or, begin; use-modules and its kin are
 * accepted and ignored; records and services are records.c's.  Closures
 * are applied with proper tail calls.
 *
 * Nothing is guessed.  What the evaluator cannot know — an unknown
 * variable (grub-bootloader), a form whose head it does not know (uuid,
 * file-system, a macro), an undecidable test, (getenv "X") — becomes an
 * opaque term that records the form and the values of the variables it
 * uses, so that two of them compare equal exactly when they are written
 * the same and see the same values.  Such a term is an error only where
 * its value matters (services.c, guix.c), at its own position.  Errors
 * that would stop Guile too (a wrong number of arguments, car of an empty
 * list) are reported at once, as are forms that could change what snipeproof
 * sees without it knowing (set!, load).  A step budget and a depth bound
 * stop runaway input. */
#include "guix.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- environments ---- */

genv *genv_new(geval *E, genv *parent, size_t n)
{
    genv *e = sp_arena_alloc(&E->ctx->arena, sizeof *e);
    gbinding *vars = n ? sp_arena_calloc(&E->ctx->arena, n, sizeof *vars) : NULL;
    if (!e || (n && !vars)) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    e->vars = vars;
    e->n = 0;
    e->parent = parent;
    return e;
}

/* The global frame grows and is indexed by a hash table (deploy files are
 * small, hostile ones need not be). */
typedef struct gglobals {
    gbinding *vars;
    size_t n, cap;
    uint32_t *index; /* open addressing: binding index + 1 */
    size_t index_cap;
} gglobals;

static gglobals *globals_of(geval *E)
{
    return (gglobals *)E->global;
}

static gbinding *global_lookup(geval *E, sp_name name)
{
    gglobals *g = globals_of(E);
    if (!g || !g->index_cap)
        return NULL;
    size_t h = ((size_t)name * 2654435761u) & (g->index_cap - 1);
    while (g->index[h]) {
        gbinding *b = &g->vars[g->index[h] - 1];
        if (b->name == name)
            return b;
        h = (h + 1) & (g->index_cap - 1);
    }
    return NULL;
}

static gbinding *global_add(geval *E, sp_name name, sp_loc loc)
{
    gglobals *g = globals_of(E);
    gbinding *b = global_lookup(E, name);
    if (b)
        return b;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        gbinding *vars = sp_arena_calloc(&E->ctx->arena, cap, sizeof *vars);
        if (!vars) {
            sp_oom(E->ctx);
            E->failed = true;
            return NULL;
        }
        if (g->n)
            memcpy(vars, g->vars, g->n * sizeof *vars);
        g->vars = vars;
        g->cap = cap;
        size_t icap = cap * 2;
        uint32_t *index = sp_arena_calloc(&E->ctx->arena, icap, sizeof *index);
        if (!index) {
            sp_oom(E->ctx);
            E->failed = true;
            return NULL;
        }
        for (size_t i = 0; i < g->n; i++) {
            size_t h = ((size_t)g->vars[i].name * 2654435761u) & (icap - 1);
            while (index[h])
                h = (h + 1) & (icap - 1);
            index[h] = (uint32_t)(i + 1);
        }
        g->index = index;
        g->index_cap = icap;
    }
    b = &g->vars[g->n];
    b->name = name;
    b->value = NULL;
    b->loc = loc;
    size_t h = ((size_t)name * 2654435761u) & (g->index_cap - 1);
    while (g->index[h])
        h = (h + 1) & (g->index_cap - 1);
    g->index[h] = (uint32_t)(++g->n);
    return b;
}

gbinding *genv_lookup(genv *env, sp_name name)
{
    for (genv *e = env; e; e = e->parent)
        for (size_t i = e->n; i-- > 0;)
            if (e->vars[i].name == name)
                return &e->vars[i];
    return NULL;
}

/* Local frames, then the file's definitions; charges the walk to the
 * budget. */
static gbinding *lookup(geval *E, genv *env, sp_name name, sp_loc at)
{
    size_t walked = 0;
    for (genv *e = env; e; e = e->parent) {
        walked += e->n + 1;
        for (size_t i = e->n; i-- > 0;)
            if (e->vars[i].name == name) {
                if (walked > 64)
                    geval_step(E, at, walked / 64);
                return &e->vars[i];
            }
    }
    if (walked > 64)
        geval_step(E, at, walked / 64);
    return global_lookup(E, name);
}

static bool bind(geval *E, genv *env, sp_name name, gv *value, sp_loc loc)
{
    (void)E;
    gbinding *b = &env->vars[env->n++];
    b->name = name;
    b->value = value;
    b->loc = loc;
    return true;
}

/* ---- errors and the budget ---- */

void geval_error(geval *E, sp_loc loc, const char *fmt, ...)
{
    if (E->failed)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sp_error(E->ctx, loc, "%s", msg);
    /* Where the procedure that failed was called from (innermost first). */
    size_t shown = 0;
    for (size_t i = E->ncalls; i-- > 0 && shown < 3;) {
        sp_loc c = E->calls[i];
        if (c.src == loc.src && c.off == loc.off)
            continue; /* the error is at the call itself */
        sp_note(E->ctx, c, "called from here");
        shown++;
    }
    E->failed = true;
}

bool geval_step(geval *E, sp_loc at, unsigned long cost)
{
    if (E->failed)
        return false;
    E->steps += cost;
    if (E->steps > GUIX_MAX_STEPS) {
        geval_error(E, at,
                    "evaluation stopped here: the budget of %d steps for one deploy file is "
                    "spent (a runaway recursion or loop?)",
                    GUIX_MAX_STEPS);
        return false;
    }
    return true;
}

static bool push_call(geval *E, sp_loc loc)
{
    if (E->ncalls == E->calls_cap) {
        size_t cap = E->calls_cap ? E->calls_cap * 2 : 64;
        sp_loc *calls = sp_arena_alloc_raw(&E->ctx->arena, cap * sizeof *calls);
        if (!calls) {
            sp_oom(E->ctx);
            E->failed = true;
            return false;
        }
        if (E->ncalls)
            memcpy(calls, E->calls, E->ncalls * sizeof *calls);
        E->calls = calls;
        E->calls_cap = cap;
    }
    E->calls[E->ncalls++] = loc;
    return true;
}

/* ---- names ---- */

static sp_name intern(geval *E, const char *s)
{
    sp_name n = sp_intern(&E->ctx->names, s);
    if (!n) {
        sp_oom(E->ctx);
        E->failed = true;
    }
    return n;
}

void geval_init(geval *E, sp_ctx *ctx, uint32_t src, const char *dir)
{
    memset(E, 0, sizeof *E);
    E->ctx = ctx;
    E->src = src;
    E->dir = dir;
    gglobals *g = sp_arena_alloc(&ctx->arena, sizeof *g);
    if (!g) {
        sp_oom(ctx);
        E->failed = true;
    }
    E->global = (genv *)g;
#define N(field, text) E->n.field = intern(E, text)
    N(quote, "quote");
    N(quasiquote, "quasiquote");
    N(unquote, "unquote");
    N(unquote_splicing, "unquote-splicing");
    N(define, "define");
    N(define_star, "define*");
    N(define_public, "define-public");
    N(lambda, "lambda");
    N(lambda_star, "lambda*");
    N(let, "let");
    N(let_star, "let*");
    N(letrec, "letrec");
    N(letrec_star, "letrec*");
    N(if_, "if");
    N(cond, "cond");
    N(case_, "case");
    N(when, "when");
    N(unless, "unless");
    N(and_, "and");
    N(or_, "or");
    N(begin, "begin");
    N(else_, "else");
    N(arrow, "=>");
    N(inherit, "inherit");
    N(optional, "optional");
    N(key, "key");
    N(rest, "rest");
    N(allow_other_keys, "allow-other-keys");
    N(delete_, "delete");
    N(set_bang, "set!");
    N(define_syntax, "define-syntax");
    N(define_syntax_rule, "define-syntax-rule");
    N(define_record_type, "define-record-type");
    N(use_modules, "use-modules");
    N(modify_services, "modify-services");
    N(service, "service");
    N(gexp, "gexp");
    N(ungexp, "ungexp");
    N(ungexp_splicing, "ungexp-splicing");
    N(let_syntax, "let-syntax");
    N(syntax_rules, "syntax-rules");
    N(match, "match");
    N(define_module, "define-module");
#undef N
}

/* ---- helpers on forms ---- */

static bool is_symbol(const sp_doc *d)
{
    return d && d->kind == SP_DOC_STRING && (d->flags & SP_DOC_SYMBOL);
}

static bool is_keyword(const sp_doc *d)
{
    return d && d->kind == SP_DOC_STRING && (d->flags & SP_DOC_KEYWORD);
}

static bool is_list(const sp_doc *d)
{
    return d && d->kind == SP_DOC_SEQ && !(d->flags & (SP_DOC_VECTOR | SP_DOC_DOTTED));
}

static sp_name sym_name(geval *E, const sp_doc *d)
{
    return sp_intern_n(&E->ctx->names, d->u.scalar.text, d->u.scalar.len);
}

static sp_name head_name(geval *E, const sp_doc *form)
{
    if (form->kind == SP_DOC_SEQ && form->u.seq.len && is_symbol(form->u.seq.items[0]))
        return sym_name(E, form->u.seq.items[0]);
    return 0;
}

static const char *form_head(const sp_doc *form)
{
    if (form->kind == SP_DOC_SEQ && form->u.seq.len && is_symbol(form->u.seq.items[0]))
        return form->u.seq.items[0]->u.scalar.text;
    return "?";
}

/* ---- literals ---- */

static bool parse_int(const char *t, int64_t *out)
{
    int radix = 10;
    while (t[0] == '#' && t[1]) {
        char r = t[1];
        if (r == 'x' || r == 'X')
            radix = 16;
        else if (r == 'b' || r == 'B')
            radix = 2;
        else if (r == 'o' || r == 'O')
            radix = 8;
        else if (r == 'd' || r == 'D')
            radix = 10;
        else if (r != 'e' && r != 'E')
            return false; /* #i: inexact */
        t += 2;
    }
    bool neg = false;
    if (*t == '+' || *t == '-')
        neg = *t++ == '-';
    if (!*t)
        return false;
    uint64_t v = 0;
    for (; *t; t++) {
        int d = *t >= '0' && *t <= '9'   ? *t - '0'
                : *t >= 'a' && *t <= 'f' ? *t - 'a' + 10
                : *t >= 'A' && *t <= 'F' ? *t - 'A' + 10
                                         : 99;
        if (d >= radix || v > (UINT64_C(1) << 62) / (uint64_t)radix)
            return false;
        v = v * (uint64_t)radix + (uint64_t)d;
    }
    if (v > (UINT64_C(1) << 62))
        return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

static gv *number_literal(geval *E, const sp_doc *d)
{
    gv *v = gv_new(E, GV_NUM, sp_doc_loc(d));
    v->u.num.text = d->u.scalar.text;
    v->u.num.is_int = parse_int(d->u.scalar.text, &v->u.num.i);
    return v;
}

static gv *string_literal(geval *E, const sp_doc *d)
{
    gv *v = gv_new(E, GV_STR, sp_doc_loc(d));
    v->u.str.s = d->u.scalar.text;
    v->u.str.len = d->u.scalar.len;
    gstr_seg *seg = sp_arena_alloc(&E->ctx->arena, sizeof *seg);
    if (seg) {
        seg->start = 0;
        seg->len = d->u.scalar.len;
        seg->lit = d;
        seg->lit_off = 0;
        v->u.str.segs = seg;
        v->u.str.nsegs = 1;
    }
    return v;
}

/* A datum as data (quote). */
static gv *datum(geval *E, const sp_doc *d)
{
    if (!geval_step(E, sp_doc_loc(d), 1))
        return NULL;
    sp_loc loc = sp_doc_loc(d);
    switch (d->kind) {
    case SP_DOC_NULL:
        return gv_null(E, loc);
    case SP_DOC_BOOL: {
        bool b = false;
        sp_doc_bool_value(d, &b);
        return gv_bool(E, b, loc);
    }
    case SP_DOC_NUMBER:
        return number_literal(E, d);
    case SP_DOC_STRING:
        if (d->flags & SP_DOC_SYMBOL)
            return gv_sym(E, sym_name(E, d), loc);
        if (d->flags & SP_DOC_KEYWORD) {
            gv *k = gv_new(E, GV_KEYWORD, loc);
            k->u.sym = sym_name(E, d);
            return k;
        }
        if (d->flags & SP_DOC_CHAR) {
            gv *c = gv_new(E, GV_CHAR, loc);
            c->u.chr = d->u.scalar.text;
            return c;
        }
        return string_literal(E, d);
    case SP_DOC_SEQ: {
        size_t n = d->u.seq.len;
        if (d->flags & SP_DOC_VECTOR) {
            gv *v = gv_new(E, GV_VECTOR, loc);
            v->u.vec.items = n ? sp_arena_calloc(&E->ctx->arena, n, sizeof(gv *)) : NULL;
            if (n && !v->u.vec.items) {
                sp_oom(E->ctx);
                E->failed = true;
                return NULL;
            }
            for (size_t i = 0; i < n; i++)
                if (!(v->u.vec.items[i] = datum(E, d->u.seq.items[i])))
                    return NULL;
            v->u.vec.n = n;
            return v;
        }
        bool dotted = (d->flags & SP_DOC_DOTTED) != 0;
        gv *tail = dotted ? datum(E, d->u.seq.items[n - 1]) : gv_null(E, loc);
        if (!tail)
            return NULL;
        for (size_t i = dotted ? n - 1 : n; i-- > 0;) {
            gv *item = datum(E, d->u.seq.items[i]);
            if (!item)
                return NULL;
            tail = gv_cons(E, item, tail, loc);
        }
        return tail;
    }
    default:
        return gv_unspec(E, loc);
    }
}

/* ---- opaque terms ---- */

typedef struct capture {
    sp_name *names;
    gv **values;
    size_t n, cap;
} capture;

static void capture_walk(geval *E, const sp_doc *d, genv *env, capture *c, unsigned depth)
{
    if (E->failed || depth > SP_MAX_DEPTH + 8)
        return;
    if (is_symbol(d)) {
        sp_name name = sym_name(E, d);
        for (size_t i = 0; i < c->n; i++)
            if (c->names[i] == name)
                return;
        if (!geval_step(E, sp_doc_loc(d), 1 + c->n / 32))
            return;
        gbinding *b = lookup(E, env, name, sp_doc_loc(d));
        if (!b || !b->value)
            return;
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 8;
            sp_name *names = sp_arena_alloc_raw(&E->ctx->arena, cap * sizeof *names);
            gv **values = sp_arena_alloc_raw(&E->ctx->arena, cap * sizeof *values);
            if (!names || !values) {
                sp_oom(E->ctx);
                E->failed = true;
                return;
            }
            if (c->n) {
                memcpy(names, c->names, c->n * sizeof *names);
                memcpy(values, c->values, c->n * sizeof *values);
            }
            c->names = names;
            c->values = values;
            c->cap = cap;
        }
        c->names[c->n] = name;
        c->values[c->n++] = b->value;
        return;
    }
    if (d->kind == SP_DOC_SEQ)
        for (size_t i = 0; i < d->u.seq.len; i++)
            capture_walk(E, d->u.seq.items[i], env, c, depth + 1);
}

gv *geval_form_term(geval *E, const sp_doc *form, genv *env, const char *what, const gv *cause)
{
    capture c;
    memset(&c, 0, sizeof c);
    capture_walk(E, form, env, &c, 0);
    if (E->failed)
        return NULL;
    gv *v = gv_new(E, GV_OPAQUE, sp_doc_loc(form));
    gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
    if (!o) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    o->kind = GOP_FORM;
    o->what = what;
    o->name = head_name(E, form);
    o->form = form;
    o->args = c.values;
    o->arg_names = c.names;
    o->nargs = c.n;
    o->cause = cause ? cause : v;
    v->u.op = o;
    return v;
}

static gv *opaque_variable(geval *E, sp_name name, sp_loc loc)
{
    gv *v = gv_new(E, GV_OPAQUE, loc);
    gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
    if (!o) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    o->kind = GOP_VARIABLE;
    o->name = name;
    o->what = sp_arena_printf(&E->ctx->arena,
                              "'%s' is not defined in this file (it comes from a module "
                              "snipeproof does not read)",
                              gv_name(E, name));
    o->cause = v;
    v->u.op = o;
    return v;
}

/* ---- variables ---- */

static gv *variable(geval *E, const sp_doc *d, genv *env)
{
    sp_name name = sym_name(E, d);
    sp_loc loc = sp_doc_loc(d);
    gbinding *b = lookup(E, env, name, loc);
    if (b) {
        if (!b->value) {
            unsigned line, col;
            sp_loc_line_col(E->ctx, b->loc, &line, &col);
            geval_error(E, loc, "'%s' is used before it is defined (on line %u)",
                        d->u.scalar.text, line);
            return NULL;
        }
        return b->value;
    }
    gv *known = gknown_variable(E, d->u.scalar.text, loc);
    if (known)
        return known;
    const gprim *p = gprim_find(d->u.scalar.text);
    if (p) {
        gv *v = gv_new(E, GV_PRIM, loc);
        v->u.prim = p;
        return v;
    }
    bool is_accessor = false;
    grecord_accessor(E, d->u.scalar.text, NULL, NULL, 0, &is_accessor);
    if (is_accessor) {
        /* A record accessor as a value ((map machine-operating-system …)):
         * a primitive without a function, applied by its name. */
        gprim *acc = sp_arena_alloc(&E->ctx->arena, sizeof *acc);
        if (!acc) {
            sp_oom(E->ctx);
            E->failed = true;
            return NULL;
        }
        acc->name = d->u.scalar.text;
        acc->min = acc->max = 1;
        gv *v = gv_new(E, GV_PRIM, loc);
        v->u.prim = acc;
        return v;
    }
    size_t len = d->u.scalar.len;
    if (len > 13 && !strcmp(d->u.scalar.text + len - 13, "-service-type")) {
        gv *v = gv_new(E, GV_SVCTYPE, loc);
        v->u.sym = name;
        return v;
    }
    return opaque_variable(E, name, loc);
}

/* ---- lambda lists ---- */

static gclosure *make_closure(geval *E, const sp_doc *form, const sp_doc *params,
                              const sp_doc *const *body, size_t nbody, genv *env,
                              const char *name, bool star)
{
    gclosure *c = sp_arena_alloc(&E->ctx->arena, sizeof *c);
    if (!c) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    c->name = name ? name : "lambda";
    c->form = form;
    c->body = body;
    c->nbody = nbody;
    c->env = env;
    if (is_symbol(params)) { /* (lambda args …) */
        c->rest = sym_name(E, params);
        return c;
    }
    if (params->kind != SP_DOC_SEQ || (params->flags & SP_DOC_VECTOR)) {
        geval_error(E, sp_doc_loc(params), "the parameters of %s must be a list of names",
                    c->name);
        return NULL;
    }
    size_t n = params->u.seq.len;
    bool dotted = (params->flags & SP_DOC_DOTTED) != 0;
    sp_arena *A = &E->ctx->arena;
    c->req = sp_arena_calloc(A, n + 1, sizeof *c->req);
    c->opt = sp_arena_calloc(A, n + 1, sizeof *c->opt);
    c->opt_default = sp_arena_calloc(A, n + 1, sizeof *c->opt_default);
    c->key = sp_arena_calloc(A, n + 1, sizeof *c->key);
    c->key_default = sp_arena_calloc(A, n + 1, sizeof *c->key_default);
    if (!c->req || !c->opt || !c->opt_default || !c->key || !c->key_default) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    enum { REQ, OPT, KEY, REST, DONE } mode = REQ;
    for (size_t i = 0; i < n; i++) {
        const sp_doc *p = params->u.seq.items[i];
        if (dotted && i + 1 == n) {
            if (!is_symbol(p)) {
                geval_error(E, sp_doc_loc(p), "a rest parameter must be a name");
                return NULL;
            }
            c->rest = sym_name(E, p);
            break;
        }
        if (is_keyword(p)) {
            const char *k = p->u.scalar.text;
            if (!star) {
                geval_error(E, sp_doc_loc(p), "#:%s needs lambda* or define* (not %s)", k,
                            c->name);
                return NULL;
            }
            if (!strcmp(k, "optional") && mode == REQ)
                mode = OPT;
            else if (!strcmp(k, "key") && mode <= OPT)
                mode = KEY;
            else if (!strcmp(k, "rest") && mode <= KEY)
                mode = REST;
            else if (!strcmp(k, "allow-other-keys") && mode == KEY)
                c->allow_other_keys = true;
            else {
                geval_error(E, sp_doc_loc(p), "#:%s is out of place in this parameter list", k);
                return NULL;
            }
            continue;
        }
        const sp_doc *var = p, *dflt = NULL;
        if (p->kind == SP_DOC_SEQ && (mode == OPT || mode == KEY)) {
            if (!is_list(p) || p->u.seq.len != 2 || !is_symbol(p->u.seq.items[0])) {
                geval_error(E, sp_doc_loc(p), "a parameter with a default is (NAME DEFAULT)");
                return NULL;
            }
            var = p->u.seq.items[0];
            dflt = p->u.seq.items[1];
        }
        if (!is_symbol(var)) {
            geval_error(E, sp_doc_loc(p), "a parameter must be a name");
            return NULL;
        }
        sp_name nm = sym_name(E, var);
        switch (mode) {
        case REQ:
            c->req[c->nreq++] = nm;
            break;
        case OPT:
            c->opt_default[c->nopt] = dflt;
            c->opt[c->nopt++] = nm;
            break;
        case KEY:
            c->key_default[c->nkey] = dflt;
            c->key[c->nkey++] = nm;
            break;
        case REST:
            c->rest = nm;
            mode = DONE;
            break;
        default:
            geval_error(E, sp_doc_loc(p), "nothing may follow the #:rest parameter");
            return NULL;
        }
    }
    return c;
}

static gv *closure_value(geval *E, gclosure *c, sp_loc loc)
{
    if (!c)
        return NULL;
    gv *v = gv_new(E, GV_CLOSURE, loc);
    v->u.clo = c;
    return v;
}

/* Binds the arguments of a call to closure c in a new frame. */
static genv *bind_args(geval *E, gclosure *c, gv **args, size_t n, const sp_doc *call)
{
    sp_loc at = call ? sp_doc_loc(call) : sp_doc_loc(c->form);
    size_t nvars = c->nreq + c->nopt + c->nkey + (c->rest ? 1 : 0);
    genv *frame = genv_new(E, c->env, nvars);
    if (!frame)
        return NULL;
    if (n < c->nreq) {
        geval_error(E, at, "%s wants %s%zu argument%s, but is given %zu", c->name,
                    c->nopt || c->nkey || c->rest ? "at least " : "", c->nreq,
                    c->nreq == 1 ? "" : "s", n);
        return NULL;
    }
    size_t i = 0;
    for (; i < c->nreq; i++)
        bind(E, frame, c->req[i], args[i], at);
    for (size_t k = 0; k < c->nopt; k++) {
        gv *v;
        if (i < n && !(c->nkey && args[i]->kind == GV_KEYWORD)) {
            v = args[i++];
        } else if (c->opt_default[k]) {
            v = geval_expr(E, c->opt_default[k], frame);
            if (!v)
                return NULL;
        } else {
            v = gv_bool(E, false, at);
        }
        bind(E, frame, c->opt[k], v, at);
    }
    size_t rest_from = i;
    gv **keyvals = NULL;
    if (c->nkey) {
        keyvals = sp_arena_calloc(&E->ctx->arena, c->nkey, sizeof *keyvals);
        if (!keyvals) {
            sp_oom(E->ctx);
            E->failed = true;
            return NULL;
        }
        for (size_t j = i; j < n; j += 2) {
            if (args[j]->kind != GV_KEYWORD) {
                if (c->rest)
                    continue;
                geval_error(E, args[j]->loc,
                            "%s takes keyword arguments here, not %s (%s)", c->name,
                            gv_kind_name(args[j]), gv_show(E, args[j]));
                return NULL;
            }
            if (j + 1 >= n) {
                geval_error(E, args[j]->loc, "the keyword #:%s has no value",
                            gv_name(E, args[j]->u.sym));
                return NULL;
            }
            size_t k = 0;
            while (k < c->nkey && c->key[k] != args[j]->u.sym)
                k++;
            if (k == c->nkey) {
                if (c->allow_other_keys || c->rest)
                    continue;
                geval_error(E, args[j]->loc, "%s has no keyword argument #:%s", c->name,
                            gv_name(E, args[j]->u.sym));
                return NULL;
            }
            keyvals[k] = args[j + 1];
        }
        i = n;
    }
    for (size_t k = 0; k < c->nkey; k++) {
        gv *v = keyvals[k];
        if (!v) {
            if (c->key_default[k]) {
                v = geval_expr(E, c->key_default[k], frame);
                if (!v)
                    return NULL;
            } else {
                v = gv_bool(E, false, at);
            }
        }
        bind(E, frame, c->key[k], v, at);
    }
    if (c->rest) {
        bind(E, frame, c->rest, gv_list_from(E, args + rest_from, n - rest_from, NULL, at), at);
    } else if (i < n) {
        geval_error(E, at, "%s wants %s%zu argument%s, but is given %zu", c->name,
                    c->nopt ? "at most " : "", c->nreq + c->nopt,
                    c->nreq + c->nopt == 1 ? "" : "s", n);
        return NULL;
    }
    return frame;
}

/* ---- bodies and definitions ---- */

static bool is_definition(geval *E, const sp_doc *form)
{
    sp_name h = head_name(E, form);
    return h && (h == E->n.define || h == E->n.define_star || h == E->n.define_public);
}

/* The name a definition defines, or 0 after an error. */
static sp_name definition_name(geval *E, const sp_doc *form)
{
    if (form->u.seq.len < 2) {
        geval_error(E, sp_doc_loc(form), "(%s) needs a name", form_head(form));
        return 0;
    }
    const sp_doc *target = form->u.seq.items[1];
    if (is_symbol(target))
        return sym_name(E, target);
    if (target->kind == SP_DOC_SEQ && !(target->flags & SP_DOC_VECTOR) && target->u.seq.len &&
        is_symbol(target->u.seq.items[0]))
        return sym_name(E, target->u.seq.items[0]);
    if (target->kind == SP_DOC_SEQ && target->u.seq.len &&
        target->u.seq.items[0]->kind == SP_DOC_SEQ) {
        geval_error(E, sp_doc_loc(target), "curried definitions ((f a) b) are not supported");
        return 0;
    }
    geval_error(E, sp_doc_loc(target), "%s needs a name or (NAME PARAMETER …)",
                form_head(form));
    return 0;
}

/* Evaluates a definition into binding b. */
static bool define_into(geval *E, const sp_doc *form, genv *env, gbinding *b)
{
    const sp_doc *target = form->u.seq.items[1];
    sp_name h = head_name(E, form);
    gv *value;
    if (is_symbol(target)) {
        if (form->u.seq.len > 3) {
            geval_error(E, sp_doc_loc(form->u.seq.items[3]),
                        "(%s NAME VALUE) takes one value", form_head(form));
            return false;
        }
        if (form->u.seq.len == 2)
            value = gv_unspec(E, sp_doc_loc(form));
        else
            value = geval_expr(E, form->u.seq.items[2], env);
        if (value && value->kind == GV_CLOSURE && !strcmp(value->u.clo->name, "lambda"))
            value->u.clo->name = target->u.scalar.text;
    } else {
        /* (define (name . params) body …) */
        if (form->u.seq.len < 3) {
            geval_error(E, sp_doc_loc(form), "the procedure '%s' has no body",
                        target->u.seq.items[0]->u.scalar.text);
            return false;
        }
        sp_doc params = *target;
        params.u.seq.items = target->u.seq.items + 1;
        params.u.seq.len = target->u.seq.len - 1;
        if ((target->flags & SP_DOC_DOTTED) && params.u.seq.len == 1) {
            /* (define (f . args) …) */
            params = *target->u.seq.items[1];
        }
        const sp_doc *p = sp_arena_alloc(&E->ctx->arena, sizeof params);
        if (!p) {
            sp_oom(E->ctx);
            E->failed = true;
            return false;
        }
        memcpy((void *)p, &params, sizeof params);
        gclosure *c = make_closure(E, form, p, (const sp_doc *const *)form->u.seq.items + 2,
                                   form->u.seq.len - 2, env, target->u.seq.items[0]->u.scalar.text,
                                   h == E->n.define_star);
        value = closure_value(E, c, sp_doc_loc(form));
    }
    if (!value)
        return false;
    b->value = value;
    return true;
}

/* Module forms: accepted and ignored (snipeproof knows the variables of
 * the modules it models, whatever the file imports). */
static bool ignored_form(geval *E, const sp_doc *form)
{
    (void)E;
    const char *h = form_head(form);
    return !strcmp(h, "use-modules") || !strcmp(h, "use-service-modules") ||
           !strcmp(h, "use-package-modules") || !strcmp(h, "use-system-modules") ||
           !strcmp(h, "define-module");
}

/* Forms that bind names to macros or record types snipeproof does not
 * expand: the names are bound to opaque values, whose uses are terms. */
static bool syntax_definition(geval *E, const sp_doc *form, genv *env)
{
    sp_name h = head_name(E, form);
    if (h != E->n.define_syntax && h != E->n.define_syntax_rule && h != E->n.define_record_type)
        return false;
    (void)env;
    if (form->u.seq.len < 2)
        return true;
    const sp_doc *t = form->u.seq.items[1];
    if (t->kind == SP_DOC_SEQ && t->u.seq.len)
        t = t->u.seq.items[0];
    if (h == E->n.define_record_type) {
        /* Constructor, predicate and accessors: every symbol of the spec. */
        for (size_t i = 2; i < form->u.seq.len; i++) {
            const sp_doc *s = form->u.seq.items[i];
            const sp_doc *const *items =
                s->kind == SP_DOC_SEQ ? (const sp_doc *const *)s->u.seq.items : &s;
            size_t n = s->kind == SP_DOC_SEQ ? s->u.seq.len : 1;
            for (size_t k = 0; k < n; k++)
                if (is_symbol(items[k])) {
                    gbinding *b = global_add(E, sym_name(E, items[k]), sp_doc_loc(items[k]));
                    if (b && !b->value) {
                        gv *m = gv_new(E, GV_MACRO, sp_doc_loc(items[k]));
                        m->u.sym = sym_name(E, items[k]);
                        b->value = m;
                    }
                }
        }
        return true;
    }
    if (is_symbol(t)) {
        gbinding *b = global_add(E, sym_name(E, t), sp_doc_loc(t));
        if (b) {
            gv *m = gv_new(E, GV_MACRO, sp_doc_loc(t));
            m->u.sym = sym_name(E, t);
            b->value = m;
        }
    }
    return true;
}

static gv *eval(geval *E, const sp_doc *x, genv *env);

/* A body: definitions (letrec* semantics) and expressions; returns the
 * last expression unevaluated through *tail, for the caller's tail call.
 * Returns the frame the tail must be evaluated in, NULL after an error. */

static genv *body_prefix(geval *E, const sp_doc *const *forms, size_t n, genv *env,
                         const sp_doc **tail, sp_loc where)
{
    if (!n) {
        geval_error(E, where, "an empty body: it needs at least one expression");
        return NULL;
    }
    size_t ndefs = 0;
    for (size_t i = 0; i < n; i++)
        ndefs += is_definition(E, forms[i]);
    if (ndefs) {
        genv *frame = genv_new(E, env, ndefs);
        if (!frame)
            return NULL;
        for (size_t i = 0; i < n; i++)
            if (is_definition(E, forms[i])) {
                sp_name nm = definition_name(E, forms[i]);
                if (!nm)
                    return NULL;
                bind(E, frame, nm, NULL, sp_doc_loc(forms[i]));
            }
        env = frame;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        const sp_doc *f = forms[i];
        if (is_definition(E, f)) {
            gbinding *b = genv_lookup(env, definition_name(E, f));
            if (!b || !define_into(E, f, env, b))
                return NULL;
        } else if (!ignored_form(E, f)) {
            if (!geval_expr(E, f, env))
                return NULL;
        }
    }
    if (is_definition(E, forms[n - 1])) {
        geval_error(E, sp_doc_loc(forms[n - 1]),
                    "a body must end with an expression, not a definition");
        return NULL;
    }
    *tail = forms[n - 1];
    return env;
}

/* ---- quasiquote ---- */

static bool is_form(geval *E, const sp_doc *d, sp_name head, size_t len)
{
    return is_list(d) && d->u.seq.len == len && head_name(E, d) == head;
}

static gv *quasi(geval *E, const sp_doc *d, genv *env, unsigned level)
{
    if (!geval_step(E, sp_doc_loc(d), 1))
        return NULL;
    if (d->kind != SP_DOC_SEQ)
        return datum(E, d);
    if (is_form(E, d, E->n.unquote, 2)) {
        if (level == 1)
            return geval_expr(E, d->u.seq.items[1], env);
        gv *inner = quasi(E, d->u.seq.items[1], env, level - 1);
        if (!inner)
            return NULL;
        return gv_cons(E, gv_sym(E, E->n.unquote, sp_doc_loc(d)),
                       gv_cons(E, inner, gv_null(E, sp_doc_loc(d)), sp_doc_loc(d)),
                       sp_doc_loc(d));
    }
    if (is_form(E, d, E->n.quasiquote, 2)) {
        gv *inner = quasi(E, d->u.seq.items[1], env, level + 1);
        if (!inner)
            return NULL;
        return gv_cons(E, gv_sym(E, E->n.quasiquote, sp_doc_loc(d)),
                       gv_cons(E, inner, gv_null(E, sp_doc_loc(d)), sp_doc_loc(d)),
                       sp_doc_loc(d));
    }
    sp_loc loc = sp_doc_loc(d);
    size_t n = d->u.seq.len;
    bool dotted = (d->flags & SP_DOC_DOTTED) != 0;
    bool vector = (d->flags & SP_DOC_VECTOR) != 0;
    /* Items first (with splices), then the list. */
    gv **items = NULL;
    size_t nitems = 0, cap = 0;
    size_t last = dotted ? n - 1 : n;
    for (size_t i = 0; i < last; i++) {
        const sp_doc *it = d->u.seq.items[i];
        if (level == 1 && is_form(E, it, E->n.unquote_splicing, 2)) {
            gv *l = geval_expr(E, it->u.seq.items[1], env);
            if (!l)
                return NULL;
            if (l->kind == GV_OPAQUE)
                return geval_form_term(E, d, env, "a quasiquoted list splices a value "
                                                  "snipeproof cannot evaluate",
                                       gv_find_opaque(l));
            if (!gv_is_list(l)) {
                geval_error(E, sp_doc_loc(it), ",@ needs a list, not %s (%s)", gv_kind_name(l),
                            gv_show(E, l));
                return NULL;
            }
            size_t k;
            gv **xs = gv_list_items(E, l, &k);
            if (!xs || !geval_step(E, loc, k))
                return NULL;
            for (size_t j = 0; j < k; j++) {
                if (nitems == cap) {
                    cap = cap ? cap * 2 : 8;
                    gv **grown = sp_arena_alloc_raw(&E->ctx->arena, cap * sizeof *grown);
                    if (!grown) {
                        sp_oom(E->ctx);
                        E->failed = true;
                        return NULL;
                    }
                    if (nitems)
                        memcpy(grown, items, nitems * sizeof *grown);
                    items = grown;
                }
                items[nitems++] = xs[j];
            }
            continue;
        }
        gv *v = quasi(E, it, env, level);
        if (!v)
            return NULL;
        if (nitems == cap) {
            cap = cap ? cap * 2 : 8;
            gv **grown = sp_arena_alloc_raw(&E->ctx->arena, cap * sizeof *grown);
            if (!grown) {
                sp_oom(E->ctx);
                E->failed = true;
                return NULL;
            }
            if (nitems)
                memcpy(grown, items, nitems * sizeof *grown);
            items = grown;
        }
        items[nitems++] = v;
    }
    if (vector) {
        gv *v = gv_new(E, GV_VECTOR, loc);
        v->u.vec.items = items;
        v->u.vec.n = nitems;
        return v;
    }
    gv *tail = NULL;
    if (dotted && !(tail = quasi(E, d->u.seq.items[n - 1], env, level)))
        return NULL;
    return gv_list_from(E, items, nitems, tail, loc);
}

/* ---- special forms ---- */

static gv *syntax_error(geval *E, const sp_doc *form, const char *usage)
{
    geval_error(E, sp_doc_loc(form), "malformed %s: the form is %s", form_head(form), usage);
    return NULL;
}

/* (let ((name init) …) body …) bindings as a frame; `sequential` for let*
 * (each init sees the names before it), `recursive` for letrec(*) (every
 * init sees every name). */
static genv *let_frame(geval *E, const sp_doc *bindings, genv *env, bool sequential,
                       bool recursive, const sp_doc *form)
{
    if (!is_list(bindings)) {
        syntax_error(E, form, "(let ((NAME VALUE) …) BODY …)");
        return NULL;
    }
    size_t n = bindings->u.seq.len;
    genv *frame = genv_new(E, env, n);
    if (!frame)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const sp_doc *b = bindings->u.seq.items[i];
        if (!is_list(b) || (b->u.seq.len != 2 && b->u.seq.len != 1) ||
            !is_symbol(b->u.seq.items[0])) {
            geval_error(E, sp_doc_loc(b), "a binding of %s is (NAME VALUE)", form_head(form));
            return NULL;
        }
        if (recursive)
            bind(E, frame, sym_name(E, b->u.seq.items[0]), NULL, sp_doc_loc(b));
    }
    gv **values = NULL;
    if (!sequential && !recursive) {
        values = sp_arena_calloc(&E->ctx->arena, n + 1, sizeof *values);
        if (!values) {
            sp_oom(E->ctx);
            E->failed = true;
            return NULL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const sp_doc *b = bindings->u.seq.items[i];
        genv *scope = sequential || recursive ? frame : env;
        gv *v = b->u.seq.len == 2 ? geval_expr(E, b->u.seq.items[1], scope)
                                  : gv_unspec(E, sp_doc_loc(b));
        if (!v)
            return NULL;
        if (v->kind == GV_CLOSURE && !strcmp(v->u.clo->name, "lambda"))
            v->u.clo->name = b->u.seq.items[0]->u.scalar.text;
        if (recursive)
            frame->vars[i].value = v;
        else if (sequential)
            bind(E, frame, sym_name(E, b->u.seq.items[0]), v, sp_doc_loc(b));
        else
            values[i] = v;
    }
    if (values)
        for (size_t i = 0; i < n; i++)
            bind(E, frame, sym_name(E, bindings->u.seq.items[i]->u.seq.items[0]), values[i],
                 sp_doc_loc(bindings->u.seq.items[i]));
    return frame;
}

static const char *const REFUSED[][2] = {
    {"set!", "set! is not supported: snipeproof evaluates deploy files without mutation"},
    {"load", "load is not supported: snipeproof evaluates one deploy file and reads no other "
             "(put the definitions in this file)"},
    {"primitive-load", "primitive-load is not supported: snipeproof reads no other file"},
    {"load-from-path", "load-from-path is not supported: snipeproof reads no other file"},
    {"include", "include is not supported: snipeproof reads no other file"},
    {"include-from-path", "include-from-path is not supported: snipeproof reads no other file"},
    {"eval", "eval is not supported"},
    {"eval-string", "eval-string is not supported"},
    {"call-with-input-file", "call-with-input-file is not supported: snipeproof does no I/O "
                             "(local-file in a ruleset aside)"},
    {"with-input-from-file", "with-input-from-file is not supported: snipeproof does no I/O"},
    {"open-input-file", "open-input-file is not supported: snipeproof does no I/O"},
    {"open-file", "open-file is not supported: snipeproof does no I/O"},
    {"system", "system is not supported: snipeproof runs nothing"},
    {"system*", "system* is not supported: snipeproof runs nothing"},
    {"open-pipe", "open-pipe is not supported: snipeproof runs nothing"},
    {"open-pipe*", "open-pipe* is not supported: snipeproof runs nothing"},
    {"open-input-pipe", "open-input-pipe is not supported: snipeproof runs nothing"},
};

static gv *eval(geval *E, const sp_doc *x, genv *env)
{
    size_t pushed = 0;
    gv *result = NULL;
    for (;;) {
        if (E->failed || !geval_step(E, sp_doc_loc(x), 1))
            goto done;
        sp_loc loc = sp_doc_loc(x);
        switch (x->kind) {
        case SP_DOC_NULL:
            result = gv_unspec(E, loc);
            goto done;
        case SP_DOC_BOOL:
        case SP_DOC_NUMBER:
            result = datum(E, x);
            goto done;
        case SP_DOC_STRING:
            result = is_symbol(x) ? variable(E, x, env) : datum(E, x);
            goto done;
        case SP_DOC_SEQ:
            break;
        default:
            result = gv_unspec(E, loc);
            goto done;
        }
        if (x->flags & SP_DOC_VECTOR) {
            result = datum(E, x);
            goto done;
        }
        if (!x->u.seq.len) {
            geval_error(E, loc, "() is not an expression (write '() for the empty list)");
            goto done;
        }
        if (x->flags & SP_DOC_DOTTED) {
            geval_error(E, loc, "a dotted list is not an expression (quote it: '(a . b))");
            goto done;
        }
        const sp_doc *head = x->u.seq.items[0];
        const sp_doc *const *items = (const sp_doc *const *)x->u.seq.items;
        size_t n = x->u.seq.len;
        sp_name h = is_symbol(head) ? sym_name(E, head) : 0;
        gbinding *hb = h ? lookup(E, env, h, sp_doc_loc(head)) : NULL;
        if (h && !hb) {
            /* Special forms (unless a variable of the same name shadows them). */
            if (h == E->n.quote) {
                if (n != 2) {
                    syntax_error(E, x, "(quote DATUM)");
                    goto done;
                }
                result = datum(E, items[1]);
                goto done;
            }
            if (h == E->n.quasiquote) {
                if (n != 2) {
                    syntax_error(E, x, "(quasiquote DATUM)");
                    goto done;
                }
                result = quasi(E, items[1], env, 1);
                goto done;
            }
            if (h == E->n.unquote || h == E->n.unquote_splicing) {
                geval_error(E, loc, "%s outside a quasiquote", head->u.scalar.text);
                goto done;
            }
            if (h == E->n.lambda || h == E->n.lambda_star) {
                if (n < 3) {
                    syntax_error(E, x, "(lambda PARAMETERS BODY …)");
                    goto done;
                }
                result = closure_value(E,
                                       make_closure(E, x, items[1], items + 2, n - 2, env, NULL,
                                                    h == E->n.lambda_star),
                                       loc);
                goto done;
            }
            if (h == E->n.define || h == E->n.define_star || h == E->n.define_public) {
                geval_error(E, loc, "a definition is allowed only at the top of the file or "
                                    "of a body");
                goto done;
            }
            if (h == E->n.if_) {
                if (n != 3 && n != 4) {
                    syntax_error(E, x, "(if TEST THEN [ELSE])");
                    goto done;
                }
                gv *t = geval_expr(E, items[1], env);
                if (!t)
                    goto done;
                if (t->kind == GV_OPAQUE) {
                    result = geval_form_term(E, x, env, NULL, gv_find_opaque(t));
                    goto done;
                }
                if (gv_truthy(t)) {
                    x = items[2];
                    continue;
                }
                if (n == 4) {
                    x = items[3];
                    continue;
                }
                result = gv_unspec(E, loc);
                goto done;
            }
            if (h == E->n.when || h == E->n.unless) {
                if (n < 3) {
                    syntax_error(E, x, "(when TEST BODY …)");
                    goto done;
                }
                gv *t = geval_expr(E, items[1], env);
                if (!t)
                    goto done;
                if (t->kind == GV_OPAQUE) {
                    result = geval_form_term(E, x, env, NULL, gv_find_opaque(t));
                    goto done;
                }
                if (gv_truthy(t) != (h == E->n.when)) {
                    result = gv_unspec(E, loc);
                    goto done;
                }
                const sp_doc *tail;
                genv *benv = body_prefix(E, items + 2, n - 2, env, &tail, loc);
                if (!benv)
                    goto done;
                x = tail;
                env = benv;
                continue;
            }
            if (h == E->n.begin) {
                if (n == 1) {
                    result = gv_unspec(E, loc);
                    goto done;
                }
                const sp_doc *tail;
                genv *benv = body_prefix(E, items + 1, n - 1, env, &tail, loc);
                if (!benv)
                    goto done;
                x = tail;
                env = benv;
                continue;
            }
            if (h == E->n.and_ || h == E->n.or_) {
                bool is_and = h == E->n.and_;
                if (n == 1) {
                    result = gv_bool(E, is_and, loc);
                    goto done;
                }
                size_t i = 1;
                for (; i + 1 < n; i++) {
                    gv *t = geval_expr(E, items[i], env);
                    if (!t)
                        goto done;
                    if (t->kind == GV_OPAQUE) {
                        result = geval_form_term(E, x, env, NULL, gv_find_opaque(t));
                        goto done;
                    }
                    if (gv_truthy(t) != is_and) {
                        result = t;
                        goto done;
                    }
                }
                x = items[i];
                continue;
            }
            if (h == E->n.cond) {
                const sp_doc *next = NULL;
                genv *benv = env;
                bool matched = false;
                for (size_t i = 1; i < n && !matched; i++) {
                    const sp_doc *cl = items[i];
                    if (!is_list(cl) || !cl->u.seq.len) {
                        geval_error(E, sp_doc_loc(cl), "a clause of cond is (TEST BODY …)");
                        goto done;
                    }
                    const sp_doc *test = cl->u.seq.items[0];
                    gv *t;
                    if (is_symbol(test) && sym_name(E, test) == E->n.else_) {
                        t = gv_bool(E, true, sp_doc_loc(test));
                    } else {
                        t = geval_expr(E, test, env);
                        if (!t)
                            goto done;
                        if (t->kind == GV_OPAQUE) {
                            result = geval_form_term(E, x, env, NULL, gv_find_opaque(t));
                            goto done;
                        }
                    }
                    if (!gv_truthy(t))
                        continue;
                    matched = true;
                    if (cl->u.seq.len == 1) {
                        result = t;
                        goto done;
                    }
                    if (cl->u.seq.len == 3 && is_symbol(cl->u.seq.items[1]) &&
                        sym_name(E, cl->u.seq.items[1]) == E->n.arrow) {
                        gv *f = geval_expr(E, cl->u.seq.items[2], env);
                        if (!f)
                            goto done;
                        result = geval_apply(E, f, &t, 1, cl);
                        goto done;
                    }
                    benv = body_prefix(E, (const sp_doc *const *)cl->u.seq.items + 1,
                                       cl->u.seq.len - 1, env, &next, sp_doc_loc(cl));
                    if (!benv)
                        goto done;
                }
                if (!matched) {
                    result = gv_unspec(E, loc);
                    goto done;
                }
                x = next;
                env = benv;
                continue;
            }
            if (h == E->n.case_) {
                if (n < 2) {
                    syntax_error(E, x, "(case KEY ((DATUM …) BODY …) …)");
                    goto done;
                }
                gv *key = geval_expr(E, items[1], env);
                if (!key)
                    goto done;
                if (key->kind == GV_OPAQUE) {
                    result = geval_form_term(E, x, env, NULL, gv_find_opaque(key));
                    goto done;
                }
                const sp_doc *next = NULL;
                genv *benv = env;
                for (size_t i = 2; i < n && !next; i++) {
                    const sp_doc *cl = items[i];
                    if (!is_list(cl) || cl->u.seq.len < 2) {
                        geval_error(E, sp_doc_loc(cl), "a clause of case is ((DATUM …) BODY …)");
                        goto done;
                    }
                    const sp_doc *ds = cl->u.seq.items[0];
                    bool hit = is_symbol(ds) && sym_name(E, ds) == E->n.else_;
                    if (!hit && !is_list(ds)) {
                        geval_error(E, sp_doc_loc(ds), "a clause of case starts with a list of "
                                                       "data or else");
                        goto done;
                    }
                    for (size_t k = 0; !hit && k < ds->u.seq.len; k++) {
                        gv *dv = datum(E, ds->u.seq.items[k]);
                        if (!dv)
                            goto done;
                        hit = gv_equal(dv, key);
                    }
                    if (hit) {
                        benv = body_prefix(E, (const sp_doc *const *)cl->u.seq.items + 1,
                                           cl->u.seq.len - 1, env, &next, sp_doc_loc(cl));
                        if (!benv)
                            goto done;
                    }
                }
                if (!next) {
                    result = gv_unspec(E, loc);
                    goto done;
                }
                x = next;
                env = benv;
                continue;
            }
            if (h == E->n.let || h == E->n.let_star || h == E->n.letrec ||
                h == E->n.letrec_star) {
                if (n < 3) {
                    syntax_error(E, x, "(let ((NAME VALUE) …) BODY …)");
                    goto done;
                }
                if (h == E->n.let && is_symbol(items[1])) {
                    /* Named let: a procedure bound in its own scope, applied. */
                    if (n < 4 || !is_list(items[2])) {
                        syntax_error(E, x, "(let NAME ((NAME VALUE) …) BODY …)");
                        goto done;
                    }
                    const sp_doc *bindings = items[2];
                    size_t nb = bindings->u.seq.len;
                    sp_doc *params = sp_arena_alloc(&E->ctx->arena, sizeof *params);
                    sp_doc **pitems = sp_arena_calloc(&E->ctx->arena, nb + 1, sizeof *pitems);
                    gv **args = sp_arena_calloc(&E->ctx->arena, nb + 1, sizeof *args);
                    genv *self = genv_new(E, env, 1);
                    if (!params || !pitems || !args || !self) {
                        sp_oom(E->ctx);
                        E->failed = true;
                        goto done;
                    }
                    for (size_t i = 0; i < nb; i++) {
                        const sp_doc *b = bindings->u.seq.items[i];
                        if (!is_list(b) || b->u.seq.len != 2 || !is_symbol(b->u.seq.items[0])) {
                            geval_error(E, sp_doc_loc(b), "a binding of let is (NAME VALUE)");
                            goto done;
                        }
                        pitems[i] = b->u.seq.items[0];
                        if (!(args[i] = geval_expr(E, b->u.seq.items[1], env)))
                            goto done;
                    }
                    *params = *bindings;
                    params->flags = 0;
                    params->u.seq.items = pitems;
                    params->u.seq.len = nb;
                    gclosure *c = make_closure(E, x, params, items + 3, n - 3, self,
                                               items[1]->u.scalar.text, false);
                    gv *proc = closure_value(E, c, loc);
                    if (!proc)
                        goto done;
                    bind(E, self, sym_name(E, items[1]), proc, loc);
                    genv *frame = bind_args(E, c, args, nb, x);
                    if (!frame)
                        goto done;
                    const sp_doc *tail;
                    genv *benv = body_prefix(E, c->body, c->nbody, frame, &tail, loc);
                    if (!benv)
                        goto done;
                    x = tail;
                    env = benv;
                    continue;
                }
                genv *frame = let_frame(E, items[1], env, h == E->n.let_star,
                                        h == E->n.letrec || h == E->n.letrec_star, x);
                if (!frame)
                    goto done;
                const sp_doc *tail;
                genv *benv = body_prefix(E, items + 2, n - 2, frame, &tail, loc);
                if (!benv)
                    goto done;
                x = tail;
                env = benv;
                continue;
            }
            for (size_t r = 0; r < sizeof REFUSED / sizeof *REFUSED; r++)
                if (!strcmp(head->u.scalar.text, REFUSED[r][0])) {
                    geval_error(E, loc, "%s", REFUSED[r][1]);
                    goto done;
                }
            if (h == E->n.define_syntax || h == E->n.define_syntax_rule ||
                h == E->n.define_record_type) {
                geval_error(E, loc, "%s is allowed only at the top of the file",
                            head->u.scalar.text);
                goto done;
            }
            if (ignored_form(E, x)) {
                result = gv_unspec(E, loc);
                goto done;
            }
            /* Guix's records and services. */
            bool handled = false;
            result = grecord_form(E, x, head->u.scalar.text, env, &handled);
            if (handled)
                goto done;
        }
        /* An application. */
        gv *proc;
        if (hb) {
            if (!hb->value) {
                unsigned line, col;
                sp_loc_line_col(E->ctx, hb->loc, &line, &col);
                geval_error(E, sp_doc_loc(head), "'%s' is used before it is defined (on line %u)",
                            head->u.scalar.text, line);
                goto done;
            }
            proc = hb->value;
        } else if (h) {
            const char *name = head->u.scalar.text;
            const gprim *p = gprim_find(name);
            bool accessor = false;
            if (!p) {
                /* An accessor? Evaluate the arguments first. */
                gv **args = sp_arena_calloc(&E->ctx->arena, n, sizeof *args);
                if (!args) {
                    sp_oom(E->ctx);
                    E->failed = true;
                    goto done;
                }
                bool is_acc = false;
                grecord_accessor(E, name, NULL, NULL, 0, &is_acc);
                if (is_acc) {
                    for (size_t i = 1; i < n; i++)
                        if (!(args[i - 1] = geval_expr(E, items[i], env)))
                            goto done;
                    result = grecord_accessor(E, name, x, args, n - 1, &accessor);
                    goto done;
                }
                gv *known = gknown_variable(E, name, sp_doc_loc(head));
                if (!known) {
                    const char *what;
                    if (n > 1 && is_list(items[1]) && items[1]->u.seq.len &&
                        is_symbol(items[1]->u.seq.items[0]) && strstr(name, "configuration"))
                        what = sp_arena_printf(&E->ctx->arena,
                                               "'%s' is a record or procedure snipeproof does "
                                               "not know",
                                               name);
                    else
                        what = sp_arena_printf(&E->ctx->arena,
                                               "'%s' is not defined in this file (it comes "
                                               "from a module snipeproof does not read)",
                                               name);
                    result = geval_form_term(E, x, env, what, NULL);
                    goto done;
                }
                proc = known;
            } else {
                proc = gv_new(E, GV_PRIM, sp_doc_loc(head));
                proc->u.prim = p;
            }
        } else {
            proc = geval_expr(E, head, env);
            if (!proc)
                goto done;
        }
        if (proc->kind == GV_MACRO) {
            result = geval_form_term(
                E, x, env,
                sp_arena_printf(&E->ctx->arena,
                                "'%s' is defined with %s, which snipeproof does not expand",
                                gv_name(E, proc->u.sym), "define-syntax or define-record-type"),
                NULL);
            goto done;
        }
        gv **args = sp_arena_calloc(&E->ctx->arena, n, sizeof *args);
        if (!args) {
            sp_oom(E->ctx);
            E->failed = true;
            goto done;
        }
        for (size_t i = 1; i < n; i++)
            if (!(args[i - 1] = geval_expr(E, items[i], env)))
                goto done;
        if (proc->kind == GV_CLOSURE) {
            gclosure *c = proc->u.clo;
            if (!push_call(E, loc))
                goto done;
            pushed++;
            genv *frame = bind_args(E, c, args, n - 1, x);
            if (!frame)
                goto done;
            const sp_doc *tail;
            genv *benv = body_prefix(E, c->body, c->nbody, frame, &tail, sp_doc_loc(c->form));
            if (!benv)
                goto done;
            x = tail;
            env = benv;
            continue;
        }
        result = geval_apply(E, proc, args, n - 1, x);
        goto done;
    }
done:
    E->ncalls -= pushed;
    return E->failed ? NULL : result;
}

gv *geval_expr(geval *E, const sp_doc *expr, genv *env)
{
    if (E->failed)
        return NULL;
    if (E->depth >= GUIX_MAX_DEPTH) {
        geval_error(E, sp_doc_loc(expr),
                    "evaluation nested deeper than %d levels here (a runaway recursion?)",
                    GUIX_MAX_DEPTH);
        return NULL;
    }
    E->depth++;
    gv *v = eval(E, expr, env);
    E->depth--;
    if (!v && !E->failed) /* every failure is explained */
        geval_error(E, sp_doc_loc(expr), "internal: this form could not be evaluated (please "
                                         "report it)");
    return v;
}

gv *geval_apply(geval *E, gv *proc, gv **args, size_t n, const sp_doc *call)
{
    if (E->failed)
        return NULL;
    sp_loc at = call ? sp_doc_loc(call) : proc->loc;
    switch (proc->kind) {
    case GV_PRIM: {
        const gprim *p = proc->u.prim;
        if ((int)n < p->min || (p->max >= 0 && (int)n > p->max)) {
            if (p->min == p->max)
                geval_error(E, at, "%s takes %d argument%s, but is given %zu", p->name, p->min,
                            p->min == 1 ? "" : "s", n);
            else if ((int)n < p->min)
                geval_error(E, at, "%s takes at least %d argument%s, but is given %zu", p->name,
                            p->min, p->min == 1 ? "" : "s", n);
            else
                geval_error(E, at, "%s takes at most %d argument%s, but is given %zu", p->name,
                            p->max, p->max == 1 ? "" : "s", n);
            return NULL;
        }
        if (!p->fn) {
            bool handled;
            return grecord_accessor(E, p->name, call, args, n, &handled);
        }
        return p->fn(E, call, args, n);
    }
    case GV_CLOSURE: {
        if (E->depth >= GUIX_MAX_DEPTH) {
            geval_error(E, at, "evaluation nested deeper than %d levels here (a runaway "
                               "recursion?)",
                        GUIX_MAX_DEPTH);
            return NULL;
        }
        gclosure *c = proc->u.clo;
        if (!push_call(E, at))
            return NULL;
        E->depth++;
        gv *result = NULL;
        genv *frame = bind_args(E, c, args, n, call);
        const sp_doc *tail;
        genv *benv = frame ? body_prefix(E, c->body, c->nbody, frame, &tail, sp_doc_loc(c->form))
                           : NULL;
        if (benv)
            result = eval(E, tail, benv);
        E->depth--;
        E->ncalls--;
        return E->failed ? NULL : result;
    }
    case GV_OPAQUE: {
        gv *v = gv_new(E, GV_OPAQUE, at);
        gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
        if (!o) {
            sp_oom(E->ctx);
            E->failed = true;
            return NULL;
        }
        o->kind = GOP_CALL;
        o->name = proc->u.op->name;
        o->args = args;
        o->nargs = n;
        o->what = proc->u.op->what;
        o->cause = proc->u.op->cause ? proc->u.op->cause : proc;
        v->u.op = o;
        return v;
    }
    case GV_MACRO:
        geval_error(E, at, "'%s' is a macro (define-syntax) and cannot be passed as a procedure",
                    gv_name(E, proc->u.sym));
        return NULL;
    default:
        geval_error(E, at, "%s is not a procedure, so it cannot be applied", gv_show(E, proc));
        return NULL;
    }
}

/* ---- a file ---- */

gv *geval_file(geval *E, const sp_doc *forms)
{
    if (E->failed)
        return NULL;
    if (!forms || forms->kind != SP_DOC_SEQ || !forms->u.seq.len) {
        sp_loc at = forms ? sp_doc_loc(forms) : SP_NO_LOC;
        sp_error(E->ctx, at, "the deploy file is empty: it must evaluate to a list of machines");
        E->failed = true;
        return NULL;
    }
    size_t n = forms->u.seq.len;
    /* Every top-level definition is known by name from the start, so that
     * procedures may use the ones defined after them. */
    for (size_t i = 0; i < n; i++) {
        const sp_doc *f = forms->u.seq.items[i];
        if (f->kind == SP_DOC_SEQ && is_definition(E, f)) {
            sp_name nm = definition_name(E, f);
            if (!nm)
                return NULL;
            gbinding *b = global_lookup(E, nm);
            if (b) {
                unsigned line, col;
                sp_loc_line_col(E->ctx, b->loc, &line, &col);
                geval_error(E, sp_doc_loc(f->u.seq.items[1]),
                            "'%s' is defined twice (first on line %u)", gv_name(E, nm), line);
                return NULL;
            }
            if (!global_add(E, nm, sp_doc_loc(f)))
                return NULL;
        }
    }
    /* The top level is an empty frame over the file's definitions, so
     * that no frame is ever NULL (NULL means an error). */
    genv *top = genv_new(E, NULL, 0);
    if (!top)
        return NULL;
    gv *last = NULL;
    for (size_t i = 0; i < n; i++) {
        const sp_doc *f = forms->u.seq.items[i];
        bool is_last = i + 1 == n;
        if (f->kind == SP_DOC_SEQ && is_definition(E, f)) {
            gbinding *b = global_lookup(E, definition_name(E, f));
            if (!b || !define_into(E, f, top, b))
                return NULL;
            last = NULL;
            continue;
        }
        if (f->kind == SP_DOC_SEQ && (ignored_form(E, f) || syntax_definition(E, f, top))) {
            last = NULL;
            continue;
        }
        if (!is_last && f->kind == SP_DOC_SEQ) {
            /* A top-level expression before the last: its value is lost,
             * so only its effects could matter, and snipeproof evaluates
             * none.  Known pure procedures are fine; anything else could
             * change what the file means. */
            gv *v = geval_expr(E, f, top);
            if (!v)
                return NULL;
            if (v->kind == GV_OPAQUE) {
                geval_error(E, sp_doc_loc(f),
                            "snipeproof cannot tell what this top-level form does (%s); only "
                            "definitions and the final list of machines are evaluated",
                            gv_opaque_reason(E, v));
                return NULL;
            }
            continue;
        }
        last = geval_expr(E, f, top);
        if (!last)
            return NULL;
    }
    if (!last) {
        const sp_doc *f = forms->u.seq.items[n - 1];
        sp_error(E->ctx, sp_doc_loc(f),
                 "the deploy file must end with an expression that evaluates to the list of "
                 "machines, not a definition");
        E->failed = true;
        return NULL;
    }
    return last;
}
