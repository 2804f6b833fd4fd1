/* Values of the guix deploy evaluator: construction, lists, equality and
 * rendering for messages. */
#include "guix.h"
#include "../../reader/sexp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Handed out when the arena is exhausted: evaluation stops at once
 * (E->failed), so its contents never matter, but callers may fill it. */
static gv oom_value;

gv *gv_new(geval *E, gv_kind kind, sp_loc loc)
{
    gv *v = sp_arena_alloc(&E->ctx->arena, sizeof *v);
    if (!v) {
        sp_oom(E->ctx);
        E->failed = true;
        memset(&oom_value, 0, sizeof oom_value);
        v = &oom_value;
    }
    v->kind = (uint8_t)kind;
    v->loc = loc;
    return v;
}

gv *gv_null(geval *E, sp_loc loc)
{
    return gv_new(E, GV_NULL, loc);
}

gv *gv_unspec(geval *E, sp_loc loc)
{
    return gv_new(E, GV_UNSPEC, loc);
}

gv *gv_bool(geval *E, bool b, sp_loc loc)
{
    gv *v = gv_new(E, GV_BOOL, loc);
    v->u.b = b;
    return v;
}

gv *gv_int(geval *E, int64_t i, sp_loc loc)
{
    gv *v = gv_new(E, GV_NUM, loc);
    v->u.num.i = i;
    v->u.num.is_int = true;
    v->u.num.text = NULL; /* written when needed (gv_num_text): arithmetic is hot */
    return v;
}

gv *gv_str(geval *E, const char *s, size_t len, sp_loc loc)
{
    gv *v = gv_new(E, GV_STR, loc);
    char *copy = sp_arena_strndup(&E->ctx->arena, s, len);
    if (!copy) {
        sp_oom(E->ctx);
        E->failed = true;
        copy = "";
        len = 0;
    }
    v->u.str.s = copy;
    v->u.str.len = len;
    return v;
}

gv *gv_sym(geval *E, sp_name name, sp_loc loc)
{
    gv *v = gv_new(E, GV_SYM, loc);
    v->u.sym = name;
    return v;
}

gv *gv_cons(geval *E, gv *car, gv *cdr, sp_loc loc)
{
    gv *v = gv_new(E, GV_PAIR, loc);
    v->u.pair.car = car;
    v->u.pair.cdr = cdr;
    return v;
}

const char *gv_name(const geval *E, sp_name n)
{
    const char *s = sp_intern_str(&E->ctx->names, n);
    return s ? s : "?";
}

bool gv_is_list(const gv *v)
{
    while (v && v->kind == GV_PAIR)
        v = v->u.pair.cdr;
    return v && v->kind == GV_NULL;
}

size_t gv_list_length(const gv *v)
{
    size_t n = 0;
    while (v && v->kind == GV_PAIR) {
        n++;
        v = v->u.pair.cdr;
    }
    return n;
}

gv **gv_list_items(geval *E, const gv *list, size_t *n)
{
    size_t len = gv_list_length(list);
    gv **items = sp_arena_calloc(&E->ctx->arena, len + 1, sizeof *items);
    if (!items) {
        sp_oom(E->ctx);
        E->failed = true;
        *n = 0;
        return NULL;
    }
    size_t i = 0;
    for (const gv *p = list; p && p->kind == GV_PAIR; p = p->u.pair.cdr)
        items[i++] = p->u.pair.car;
    *n = len;
    return items;
}

gv *gv_list_from(geval *E, gv **items, size_t n, gv *tail, sp_loc loc)
{
    gv *list = tail ? tail : gv_null(E, loc);
    for (size_t i = n; i-- > 0;)
        list = gv_cons(E, items[i], list, loc);
    return list;
}

bool gv_truthy(const gv *v)
{
    return !(v->kind == GV_BOOL && !v->u.b);
}

/* ---- equality ---- */

static bool equal_at(const gv *a, const gv *b, unsigned depth);

/* Values nest as deep as a loop makes them ((list (list …)) a million
 * times): below this depth they compare as different, which for a machine
 * only means "modified". */
enum { EQUAL_MAX_DEPTH = 10000 };

static bool field_list_equal(const grecord *a, const grecord *b, unsigned depth)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        size_t j = 0;
        while (j < b->n && b->fields[j].name != a->fields[i].name)
            j++;
        if (j == b->n || !equal_at(a->fields[i].value, b->fields[j].value, depth + 1))
            return false;
    }
    return true;
}

bool gv_equal(const gv *a, const gv *b)
{
    return equal_at(a, b, 0);
}

static bool equal_at(const gv *a, const gv *b, unsigned depth)
{
    if (depth > EQUAL_MAX_DEPTH)
        return false;
    for (;;) {
        if (a == b)
            return true;
        if (!a || !b)
            return false;
        if (a->kind != b->kind)
            return false;
        switch (a->kind) {
        case GV_NULL:
        case GV_UNSPEC:
            return true;
        case GV_BOOL:
            return a->u.b == b->u.b;
        case GV_NUM:
            if (a->u.num.is_int && b->u.num.is_int)
                return a->u.num.i == b->u.num.i;
            if (a->u.num.is_int != b->u.num.is_int)
                return false;
            return !strcmp(a->u.num.text, b->u.num.text);
        case GV_STR:
            return a->u.str.len == b->u.str.len &&
                   !memcmp(a->u.str.s, b->u.str.s, a->u.str.len);
        case GV_SYM:
        case GV_KEYWORD:
        case GV_SVCTYPE:
        case GV_MACRO:
            return a->u.sym == b->u.sym;
        case GV_CHAR:
            return !strcmp(a->u.chr, b->u.chr);
        case GV_PAIR:
            if (!equal_at(a->u.pair.car, b->u.pair.car, depth + 1))
                return false;
            a = a->u.pair.cdr;
            b = b->u.pair.cdr;
            continue;
        case GV_VECTOR:
            if (a->u.vec.n != b->u.vec.n)
                return false;
            for (size_t i = 0; i < a->u.vec.n; i++)
                if (!equal_at(a->u.vec.items[i], b->u.vec.items[i], depth + 1))
                    return false;
            return true;
        case GV_CLOSURE:
            return sp_doc_equal(a->u.clo->form, b->u.clo->form);
        case GV_PRIM:
            return a->u.prim == b->u.prim;
        case GV_RECORD:
            return a->u.rec->type == b->u.rec->type &&
                   field_list_equal(a->u.rec, b->u.rec, depth + 1) &&
                   equal_at(a->u.rec->inherit_opaque, b->u.rec->inherit_opaque, depth + 1);
        case GV_FILE: {
            const gfile *x = a->u.file, *y = b->u.file;
            if (x->local != y->local || !equal_at(x->name, y->name, depth + 1))
                return false;
            return x->local ? !strcmp(x->path, y->path) : equal_at(x->text, y->text, depth + 1);
        }
        case GV_BUNDLE: {
            const gbundle *x = a->u.bundle, *y = b->u.bundle;
            if (x->kind != y->kind || x->n != y->n)
                return false;
            for (size_t i = 0; i < x->n; i++)
                if (strcmp(x->changes[i].type, y->changes[i].type) ||
                    x->changes[i].deleted != y->changes[i].deleted ||
                    !equal_at(x->changes[i].value, y->changes[i].value, depth + 1))
                    return false;
            return true;
        }
        case GV_OPAQUE: {
            const gopaque *x = a->u.op, *y = b->u.op;
            if (x->kind != y->kind || x->name != y->name || x->nargs != y->nargs)
                return false;
            if (x->kind == GOP_FORM && !sp_doc_equal(x->form, y->form))
                return false;
            for (size_t i = 0; i < x->nargs; i++)
                if ((x->arg_names && y->arg_names && x->arg_names[i] != y->arg_names[i]) ||
                    !equal_at(x->args[i], y->args[i], depth + 1))
                    return false;
            return true;
        }
        default:
            return false;
        }
    }
}

/* ---- for messages ---- */

const char *gv_kind_name(const gv *v)
{
    switch (v->kind) {
    case GV_NULL: return "an empty list";
    case GV_UNSPEC: return "no value";
    case GV_BOOL: return "a boolean";
    case GV_NUM: return "a number";
    case GV_STR: return "a string";
    case GV_SYM: return "a symbol";
    case GV_KEYWORD: return "a keyword";
    case GV_CHAR: return "a character";
    case GV_PAIR: return gv_is_list(v) ? "a list" : "a pair";
    case GV_VECTOR: return "a vector";
    case GV_CLOSURE:
    case GV_PRIM: return "a procedure";
    case GV_RECORD: return "a record";
    case GV_FILE: return "a file-like object";
    case GV_SVCTYPE: return "a service type";
    case GV_BUNDLE: return "a list of services";
    case GV_MACRO: return "a macro";
    default: return "a value snipeproof cannot evaluate";
    }
}

typedef struct showbuf {
    char buf[160];
    size_t len;
} showbuf;

static void put(showbuf *b, const char *s, size_t n)
{
    size_t room = sizeof b->buf - 1 - b->len;
    if (n > room)
        n = room;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
}

static void puts_(showbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void show(const geval *E, showbuf *b, const gv *v, int depth)
{
    if (b->len > 100) {
        puts_(b, "…");
        return;
    }
    switch (v->kind) {
    case GV_NULL:
        puts_(b, "'()");
        return;
    case GV_UNSPEC:
        puts_(b, "#<unspecified>");
        return;
    case GV_BOOL:
        puts_(b, v->u.b ? "#t" : "#f");
        return;
    case GV_NUM:
        if (v->u.num.text) {
            puts_(b, v->u.num.text);
        } else {
            char t[24];
            snprintf(t, sizeof t, "%lld", (long long)v->u.num.i);
            puts_(b, t);
        }
        return;
    case GV_STR:
        puts_(b, "\"");
        put(b, v->u.str.s, v->u.str.len > 40 ? 40 : v->u.str.len);
        puts_(b, v->u.str.len > 40 ? "…\"" : "\"");
        return;
    case GV_SYM:
    case GV_SVCTYPE:
    case GV_MACRO:
        puts_(b, gv_name(E, v->u.sym));
        return;
    case GV_KEYWORD:
        puts_(b, "#:");
        puts_(b, gv_name(E, v->u.sym));
        return;
    case GV_CHAR:
        puts_(b, "#\\");
        puts_(b, v->u.chr);
        return;
    case GV_PAIR:
        if (depth > 2) {
            puts_(b, "(…)");
            return;
        }
        puts_(b, "(");
        for (int i = 0; v->kind == GV_PAIR; i++, v = v->u.pair.cdr) {
            if (i)
                puts_(b, " ");
            if (i == 4) {
                puts_(b, "…");
                v = NULL;
                break;
            }
            show(E, b, v->u.pair.car, depth + 1);
        }
        if (v && v->kind != GV_NULL) {
            puts_(b, " . ");
            show(E, b, v, depth + 1);
        }
        puts_(b, ")");
        return;
    case GV_VECTOR:
        puts_(b, "#(…)");
        return;
    case GV_CLOSURE:
        puts_(b, "#<procedure ");
        puts_(b, v->u.clo->name);
        puts_(b, ">");
        return;
    case GV_PRIM:
        puts_(b, "#<procedure ");
        puts_(b, v->u.prim->name);
        puts_(b, ">");
        return;
    case GV_RECORD:
        puts_(b, "(");
        puts_(b, v->u.rec->type->name);
        puts_(b, " …)");
        return;
    case GV_FILE:
        puts_(b, v->u.file->local ? "(local-file " : "(plain-file ");
        show(E, b, v->u.file->name, depth + 1);
        puts_(b, ")");
        return;
    case GV_BUNDLE:
        puts_(b, v->u.bundle->kind == GB_BASE ? "%base-services" : "%desktop-services");
        return;
    case GV_OPAQUE: {
        const gopaque *o = v->u.op;
        if (o->kind == GOP_GETENV) {
            puts_(b, "(getenv \"");
            puts_(b, gv_name(E, o->name));
            puts_(b, "\")");
        } else if (o->kind == GOP_VARIABLE) {
            puts_(b, gv_name(E, o->name));
        } else {
            puts_(b, "(");
            puts_(b, gv_name(E, o->name));
            puts_(b, " …)");
        }
        return;
    }
    default:
        puts_(b, "?");
    }
}

const char *gv_show(geval *E, const gv *v)
{
    showbuf b;
    b.len = 0;
    b.buf[0] = 0;
    show(E, &b, v, 0);
    const char *s = sp_arena_strdup(&E->ctx->arena, b.buf);
    return s ? s : "?";
}

const gv *gv_find_opaque(const gv *v)
{
    for (int guard = 0; v && guard < 1000000; guard++) {
        if (v->kind == GV_OPAQUE)
            return v->u.op->cause ? v->u.op->cause : v;
        if (v->kind == GV_PAIR) {
            if (v->u.pair.car->kind == GV_OPAQUE)
                return gv_find_opaque(v->u.pair.car);
            v = v->u.pair.cdr;
            continue;
        }
        return NULL;
    }
    return NULL;
}

const char *gv_opaque_reason(geval *E, const gv *op)
{
    if (!op || op->kind != GV_OPAQUE)
        return "it cannot be evaluated";
    const gopaque *o = op->u.op;
    if (o->cause && o->cause != op && o->cause->kind == GV_OPAQUE)
        o = o->cause->u.op;
    return o->what ? o->what : gv_show(E, op);
}

sp_loc gv_str_loc(const geval *E, const gv *str, size_t off, size_t len)
{
    if (str->kind == GV_STR)
        for (size_t i = 0; i < str->u.str.nsegs; i++) {
            const gstr_seg *s = &str->u.str.segs[i];
            if (off >= s->start && off < s->start + s->len) {
                size_t at = sp_sexp_string_source_offset(E->ctx, s->lit,
                                                         s->lit_off + off - s->start);
                /* The end is mapped too: escapes make the source longer. */
                size_t last = off + (len ? len : 1);
                if (last > s->start + s->len)
                    last = s->start + s->len;
                size_t to = sp_sexp_string_source_offset(E->ctx, s->lit,
                                                         s->lit_off + last - s->start);
                sp_loc l = {s->lit->src, (uint32_t)at, (uint32_t)(to > at ? to - at : 1)};
                /* Keep the underline inside the literal. */
                if (at + l.len > s->lit->end)
                    l.len = at < s->lit->end ? (uint32_t)(s->lit->end - at) : 1;
                return l;
            }
        }
    return str->loc;
}
