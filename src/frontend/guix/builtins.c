/* The primitive procedures of the guix deploy evaluator, and the known
 * variables (%base-services, %default-nftables-ruleset …).
 *
 * A primitive that needs to look into an argument that is opaque returns
 * an opaque term (the call and its arguments), so that the opacity is
 * reported where the value matters; a primitive given a wrong but known
 * argument (car of '()) reports an error, as Guile would stop there too. */
#include "guix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGS geval *E, const sp_doc *call, gv **a, size_t n
#define LOC (call ? sp_doc_loc(call) : (n ? a[0]->loc : SP_NO_LOC))

static gv *opaque_call(geval *E, const sp_doc *call, const char *name, gv **a, size_t n,
                       const gv *cause)
{
    sp_loc loc = LOC;
    gv *v = gv_new(E, GV_OPAQUE, loc);
    gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
    if (!o) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    o->kind = GOP_CALL;
    o->name = sp_intern(&E->ctx->names, name);
    o->args = a;
    o->nargs = n;
    o->cause = cause ? cause : v;
    o->what = cause && cause->kind == GV_OPAQUE ? cause->u.op->what : NULL;
    v->u.op = o;
    return v;
}

static const gv *first_opaque(gv **a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i]->kind == GV_OPAQUE)
            return a[i]->u.op->cause ? a[i]->u.op->cause : a[i];
    return NULL;
}

/* The list behind a: NULL with *stuck set to the opaque part when its
 * spine is not known, or after an error (reported) when it is no list. */
static gv **list_arg(geval *E, const sp_doc *call, const char *who, gv *l, size_t *len,
                     const gv **stuck)
{
    const gv *p = l;
    size_t k = 0;
    while (p->kind == GV_PAIR) {
        p = p->u.pair.cdr;
        k++;
    }
    if (p->kind == GV_OPAQUE) {
        *stuck = p->u.op->cause ? p->u.op->cause : p;
        return NULL;
    }
    if (p->kind != GV_NULL) {
        geval_error(E, call ? sp_doc_loc(call) : l->loc, "%s needs a list, not %s (%s)", who,
                    gv_kind_name(l), gv_show(E, l));
        return NULL;
    }
    if (!geval_step(E, call ? sp_doc_loc(call) : l->loc, k / 16 + 1))
        return NULL;
    return gv_list_items(E, l, len);
}

#define NEED_KNOWN(name)                                                                    \
    do {                                                                                    \
        const gv *op_ = first_opaque(a, n);                                                 \
        if (op_)                                                                            \
            return opaque_call(E, call, name, a, n, op_);                                   \
    } while (0)

#define LIST_OR_TERM(var, lenvar, value, name)                                              \
    const gv *stuck_ = NULL;                                                                \
    size_t lenvar = 0;                                                                      \
    gv **var = list_arg(E, call, name, value, &lenvar, &stuck_);                            \
    if (!var)                                                                               \
        return stuck_ ? opaque_call(E, call, name, a, n, stuck_) : NULL;

static gv *p_list(ARGS)
{
    return gv_list_from(E, a, n, NULL, LOC);
}

static gv *p_cons(ARGS)
{
    return gv_cons(E, a[0], a[1], LOC);
}

static gv *p_cons_star(ARGS)
{
    return gv_list_from(E, a, n - 1, a[n - 1], LOC);
}

static gv *p_append(ARGS)
{
    if (!n)
        return gv_null(E, LOC);
    gv *result = a[n - 1];
    for (size_t i = n - 1; i-- > 0;) {
        LIST_OR_TERM(items, len, a[i], "append")
        if (len > GUIX_MAX_LIST) {
            geval_error(E, LOC, "append would build a list of more than %d elements",
                        GUIX_MAX_LIST);
            return NULL;
        }
        result = gv_list_from(E, items, len, result, LOC);
    }
    return result;
}

static gv *pair_arg(geval *E, const sp_doc *call, const char *who, gv *v)
{
    if (v->kind == GV_PAIR)
        return v;
    if (v->kind == GV_OPAQUE)
        return NULL;
    geval_error(E, call ? sp_doc_loc(call) : v->loc, "%s needs a pair, not %s (%s)", who,
                v->kind == GV_NULL ? "the empty list" : gv_kind_name(v), gv_show(E, v));
    return NULL;
}

/* car/cdr compositions: "ad" letters from the right. */
static gv *cxr(geval *E, const sp_doc *call, gv **a, size_t n, const char *name,
               const char *path)
{
    gv *v = a[0];
    for (size_t i = strlen(path); i-- > 0;) {
        if (v->kind == GV_OPAQUE)
            return opaque_call(E, call, name, a, n, v->u.op->cause ? v->u.op->cause : v);
        if (!pair_arg(E, call, name, v))
            return NULL;
        v = path[i] == 'a' ? v->u.pair.car : v->u.pair.cdr;
    }
    return v;
}

static gv *p_car(ARGS) { return cxr(E, call, a, n, "car", "a"); }
static gv *p_cdr(ARGS) { return cxr(E, call, a, n, "cdr", "d"); }
static gv *p_cadr(ARGS) { return cxr(E, call, a, n, "cadr", "ad"); }
static gv *p_cddr(ARGS) { return cxr(E, call, a, n, "cddr", "dd"); }
static gv *p_caar(ARGS) { return cxr(E, call, a, n, "caar", "aa"); }
static gv *p_caddr(ARGS) { return cxr(E, call, a, n, "caddr", "add"); }
static gv *p_first(ARGS) { return cxr(E, call, a, n, "first", "a"); }
static gv *p_second(ARGS) { return cxr(E, call, a, n, "second", "ad"); }
static gv *p_third(ARGS) { return cxr(E, call, a, n, "third", "add"); }

static gv *p_last(ARGS)
{
    LIST_OR_TERM(items, len, a[0], "last")
    if (!len) {
        geval_error(E, LOC, "last needs a non-empty list");
        return NULL;
    }
    return items[len - 1];
}

static gv *p_length(ARGS)
{
    LIST_OR_TERM(items, len, a[0], "length")
    (void)items;
    return gv_int(E, (int64_t)len, LOC);
}

static gv *p_reverse(ARGS)
{
    LIST_OR_TERM(items, len, a[0], "reverse")
    gv *r = gv_null(E, LOC);
    for (size_t i = 0; i < len; i++)
        r = gv_cons(E, items[i], r, LOC);
    return r;
}

static gv *p_list_ref(ARGS)
{
    NEED_KNOWN("list-ref");
    if (a[1]->kind != GV_NUM || !a[1]->u.num.is_int || a[1]->u.num.i < 0) {
        geval_error(E, LOC, "list-ref needs an index, not %s", gv_show(E, a[1]));
        return NULL;
    }
    LIST_OR_TERM(items, len, a[0], "list-ref")
    if ((uint64_t)a[1]->u.num.i >= len) {
        geval_error(E, LOC, "list-ref: index %lld is past the end of a list of %zu",
                    (long long)a[1]->u.num.i, len);
        return NULL;
    }
    return items[a[1]->u.num.i];
}

static gv *p_null(ARGS)
{
    NEED_KNOWN("null?");
    return gv_bool(E, a[0]->kind == GV_NULL, LOC);
}

static gv *p_pair(ARGS)
{
    NEED_KNOWN("pair?");
    return gv_bool(E, a[0]->kind == GV_PAIR, LOC);
}

static gv *p_listp(ARGS)
{
    if (a[0]->kind == GV_OPAQUE || gv_find_opaque(a[0]))
        return opaque_call(E, call, "list?", a, n, gv_find_opaque(a[0]));
    return gv_bool(E, gv_is_list(a[0]), LOC);
}

static gv *p_not(ARGS)
{
    NEED_KNOWN("not");
    return gv_bool(E, !gv_truthy(a[0]), LOC);
}

static gv *p_equal(ARGS)
{
    NEED_KNOWN("equal?");
    for (size_t i = 1; i < n; i++)
        if (!gv_equal(a[0], a[i]))
            return gv_bool(E, false, LOC);
    return gv_bool(E, true, LOC);
}

/* eq? and eqv? on the values deploy files compare (symbols, numbers,
 * booleans, service types): structural, like equal?. */
static gv *p_eq(ARGS)
{
    NEED_KNOWN("eq?");
    return gv_bool(E, gv_equal(a[0], a[1]), LOC);
}

static gv *type_pred(geval *E, const sp_doc *call, gv **a, size_t n, const char *name,
                     bool yes)
{
    if (a[0]->kind == GV_OPAQUE)
        return opaque_call(E, call, name, a, n, a[0]->u.op->cause);
    return gv_bool(E, yes, LOC);
}

static gv *p_stringp(ARGS) { return type_pred(E, call, a, n, "string?", a[0]->kind == GV_STR); }
static gv *p_numberp(ARGS) { return type_pred(E, call, a, n, "number?", a[0]->kind == GV_NUM); }
static gv *p_symbolp(ARGS) { return type_pred(E, call, a, n, "symbol?", a[0]->kind == GV_SYM); }
static gv *p_booleanp(ARGS)
{
    return type_pred(E, call, a, n, "boolean?", a[0]->kind == GV_BOOL);
}
static gv *p_procedurep(ARGS)
{
    return type_pred(E, call, a, n, "procedure?",
                     a[0]->kind == GV_CLOSURE || a[0]->kind == GV_PRIM);
}

/* ---- strings ---- */

static bool need_string(geval *E, const sp_doc *call, const char *who, const gv *v)
{
    if (v->kind == GV_STR)
        return true;
    geval_error(E, call ? sp_doc_loc(call) : v->loc, "%s needs a string, not %s (%s)", who,
                gv_kind_name(v), gv_show(E, v));
    return false;
}

/* Concatenation that remembers where each piece came from, so that an
 * error inside the result (an nftables ruleset) points into the pieces. */
static gv *concat(geval *E, const sp_doc *call, gv **parts, size_t n, const char *sep,
                  size_t seplen, sp_loc loc)
{
    size_t total = 0, nsegs = 0;
    for (size_t i = 0; i < n; i++) {
        total += parts[i]->u.str.len + (i ? seplen : 0);
        nsegs += parts[i]->u.str.nsegs;
        if (total > GUIX_MAX_STRING) {
            geval_error(E, call ? sp_doc_loc(call) : loc,
                        "the string built here would be longer than %d bytes",
                        GUIX_MAX_STRING);
            return NULL;
        }
    }
    if (!geval_step(E, loc, total / 256 + 1))
        return NULL;
    char *buf = sp_arena_alloc_raw(&E->ctx->arena, total + 1);
    gstr_seg *segs = nsegs ? sp_arena_alloc_raw(&E->ctx->arena, nsegs * sizeof *segs) : NULL;
    if (!buf || (nsegs && !segs)) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    size_t at = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && seplen) {
            memcpy(buf + at, sep, seplen);
            at += seplen;
        }
        const gv *p = parts[i];
        for (size_t j = 0; j < p->u.str.nsegs; j++) {
            segs[k] = p->u.str.segs[j];
            segs[k].start += at;
            k++;
        }
        memcpy(buf + at, p->u.str.s, p->u.str.len);
        at += p->u.str.len;
    }
    buf[at] = 0;
    gv *v = gv_new(E, GV_STR, loc);
    v->u.str.s = buf;
    v->u.str.len = at;
    v->u.str.segs = segs;
    v->u.str.nsegs = k;
    return v;
}

static gv *p_string_append(ARGS)
{
    NEED_KNOWN("string-append");
    for (size_t i = 0; i < n; i++)
        if (!need_string(E, call, "string-append", a[i]))
            return NULL;
    return concat(E, call, a, n, "", 0, LOC);
}

static gv *p_string_join(ARGS)
{
    NEED_KNOWN("string-join");
    LIST_OR_TERM(items, len, a[0], "string-join")
    const gv *op = first_opaque(items, len);
    if (op)
        return opaque_call(E, call, "string-join", a, n, op);
    for (size_t i = 0; i < len; i++)
        if (!need_string(E, call, "string-join", items[i]))
            return NULL;
    const char *sep = " ";
    size_t seplen = 1;
    if (n > 1) {
        if (!need_string(E, call, "string-join", a[1]))
            return NULL;
        sep = a[1]->u.str.s;
        seplen = a[1]->u.str.len;
    }
    if (n > 2) {
        geval_error(E, LOC, "string-join: the grammar argument is not supported");
        return NULL;
    }
    return concat(E, call, items, len, sep, seplen, LOC);
}

static gv *p_string_eq(ARGS)
{
    NEED_KNOWN("string=?");
    for (size_t i = 0; i < n; i++)
        if (!need_string(E, call, "string=?", a[i]))
            return NULL;
    for (size_t i = 1; i < n; i++)
        if (!gv_equal(a[0], a[i]))
            return gv_bool(E, false, LOC);
    return gv_bool(E, true, LOC);
}

static gv *p_symbol_to_string(ARGS)
{
    NEED_KNOWN("symbol->string");
    if (a[0]->kind != GV_SYM) {
        geval_error(E, LOC, "symbol->string needs a symbol, not %s", gv_show(E, a[0]));
        return NULL;
    }
    const char *s = gv_name(E, a[0]->u.sym);
    return gv_str(E, s, strlen(s), LOC);
}

static gv *p_string_to_symbol(ARGS)
{
    NEED_KNOWN("string->symbol");
    if (!need_string(E, call, "string->symbol", a[0]))
        return NULL;
    return gv_sym(E, sp_intern_n(&E->ctx->names, a[0]->u.str.s, a[0]->u.str.len), LOC);
}

static gv *p_number_to_string(ARGS)
{
    NEED_KNOWN("number->string");
    if (a[0]->kind != GV_NUM) {
        geval_error(E, LOC, "number->string needs a number, not %s", gv_show(E, a[0]));
        return NULL;
    }
    if (n > 1) {
        geval_error(E, LOC, "number->string: a radix is not supported");
        return NULL;
    }
    const char *t = a[0]->u.num.is_int
                        ? sp_arena_printf(&E->ctx->arena, "%lld", (long long)a[0]->u.num.i)
                        : a[0]->u.num.text;
    return gv_str(E, t ? t : "", t ? strlen(t) : 0, LOC);
}

static gv *p_string_to_number(ARGS)
{
    NEED_KNOWN("string->number");
    if (!need_string(E, call, "string->number", a[0]))
        return NULL;
    if (n > 1) {
        geval_error(E, LOC, "string->number: a radix is not supported");
        return NULL;
    }
    const char *s = a[0]->u.str.s;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!*s || (end && *end))
        return gv_bool(E, false, LOC);
    return gv_int(E, v, LOC);
}

/* (format #f "…~a…" args): ~a ~s ~% ~~ only. */
static gv *p_format(ARGS)
{
    NEED_KNOWN("format");
    if (a[0]->kind != GV_BOOL || a[0]->u.b) {
        geval_error(E, LOC, "format is supported only as (format #f …), which returns a string");
        return NULL;
    }
    if (!need_string(E, call, "format", a[1]))
        return NULL;
    size_t cap = a[1]->u.str.len + 64, len = 0, next = 2;
    char *buf = malloc(cap);
    if (!buf) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    const char *f = a[1]->u.str.s;
    bool ok = true;
    for (size_t i = 0; i < a[1]->u.str.len && ok; i++) {
        const char *piece = f + i;
        size_t plen = 1;
        if (f[i] == '~' && i + 1 < a[1]->u.str.len) {
            char d = f[++i];
            if (d == '%') {
                piece = "\n";
            } else if (d == '~') {
                piece = "~";
            } else if (d == 'a' || d == 'A' || d == 's' || d == 'S') {
                if (next >= n) {
                    geval_error(E, LOC, "format: more directives than arguments");
                    ok = false;
                    break;
                }
                const gv *x = a[next++];
                if (x->kind == GV_STR && (d == 'a' || d == 'A')) {
                    piece = x->u.str.s;
                    plen = x->u.str.len;
                } else if (x->kind == GV_STR) {
                    piece = sp_arena_printf(&E->ctx->arena, "\"%s\"", x->u.str.s);
                    plen = piece ? strlen(piece) : 0;
                } else if (x->kind == GV_NUM) {
                    piece = x->u.num.is_int ? sp_arena_printf(&E->ctx->arena, "%lld",
                                                              (long long)x->u.num.i)
                                            : x->u.num.text;
                    plen = piece ? strlen(piece) : 0;
                } else if (x->kind == GV_SYM) {
                    piece = gv_name(E, x->u.sym);
                    plen = strlen(piece);
                } else {
                    piece = gv_show(E, x);
                    plen = strlen(piece);
                }
            } else {
                geval_error(E, LOC, "format: the directive ~%c is not supported (~a ~s ~%% ~~ "
                                    "are)",
                            d);
                ok = false;
                break;
            }
        }
        if (!piece)
            piece = "";
        if (len + plen + 1 > cap) {
            while (len + plen + 1 > cap)
                cap *= 2;
            if (cap > (size_t)GUIX_MAX_STRING * 2) {
                geval_error(E, LOC, "format would build a string longer than %d bytes",
                            GUIX_MAX_STRING);
                ok = false;
                break;
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                sp_oom(E->ctx);
                E->failed = true;
                ok = false;
                break;
            }
            buf = nb;
        }
        memcpy(buf + len, piece, plen);
        len += plen;
    }
    gv *v = ok ? gv_str(E, buf, len, LOC) : NULL;
    free(buf);
    return v;
}

/* ---- numbers ---- */

static bool int_args(geval *E, const sp_doc *call, const char *who, gv **a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i]->kind != GV_NUM || !a[i]->u.num.is_int) {
            geval_error(E, call ? sp_doc_loc(call) : a[i]->loc,
                        "%s: snipeproof computes with integers only, not %s", who,
                        gv_show(E, a[i]));
            return false;
        }
    return true;
}

static gv *arith(geval *E, const sp_doc *call, gv **a, size_t n, char op)
{
    char name[2] = {op, 0};
    NEED_KNOWN(name);
    if (!int_args(E, call, name, a, n))
        return NULL;
    int64_t acc = op == '*' ? 1 : 0;
    for (size_t i = 0; i < n; i++) {
        int64_t x = a[i]->u.num.i, r;
        bool ovf;
        if (op == '+')
            ovf = __builtin_add_overflow(acc, x, &r);
        else if (op == '*')
            ovf = __builtin_mul_overflow(acc, x, &r);
        else if (i == 0 && n > 1)
            ovf = false, r = x;
        else
            ovf = __builtin_sub_overflow(acc, x, &r);
        if (ovf || r > (INT64_C(1) << 62) || r < -(INT64_C(1) << 62)) {
            geval_error(E, LOC, "%s: the result is too large for snipeproof", name);
            return NULL;
        }
        acc = r;
    }
    return gv_int(E, acc, LOC);
}

static gv *p_add(ARGS) { return arith(E, call, a, n, '+'); }
static gv *p_sub(ARGS) { return arith(E, call, a, n, '-'); }
static gv *p_mul(ARGS) { return arith(E, call, a, n, '*'); }

static gv *compare(geval *E, const sp_doc *call, gv **a, size_t n, const char *name)
{
    NEED_KNOWN(name);
    if (!int_args(E, call, name, a, n))
        return NULL;
    for (size_t i = 1; i < n; i++) {
        int64_t x = a[i - 1]->u.num.i, y = a[i]->u.num.i;
        bool ok = !strcmp(name, "=")    ? x == y
                  : !strcmp(name, "<")  ? x < y
                  : !strcmp(name, ">")  ? x > y
                  : !strcmp(name, "<=") ? x <= y
                                        : x >= y;
        if (!ok)
            return gv_bool(E, false, LOC);
    }
    return gv_bool(E, true, LOC);
}

static gv *p_num_eq(ARGS) { return compare(E, call, a, n, "="); }
static gv *p_lt(ARGS) { return compare(E, call, a, n, "<"); }
static gv *p_gt(ARGS) { return compare(E, call, a, n, ">"); }
static gv *p_le(ARGS) { return compare(E, call, a, n, "<="); }
static gv *p_ge(ARGS) { return compare(E, call, a, n, ">="); }

static gv *p_zero(ARGS)
{
    NEED_KNOWN("zero?");
    if (!int_args(E, call, "zero?", a, 1))
        return NULL;
    return gv_bool(E, a[0]->u.num.i == 0, LOC);
}

static gv *p_iota(ARGS)
{
    NEED_KNOWN("iota");
    if (!int_args(E, call, "iota", a, n))
        return NULL;
    int64_t count = a[0]->u.num.i, start = n > 1 ? a[1]->u.num.i : 0,
            step = n > 2 ? a[2]->u.num.i : 1;
    if (count < 0 || count > GUIX_MAX_LIST) {
        geval_error(E, LOC, "iota: a count of %lld is out of range (0 to %d)", (long long)count,
                    GUIX_MAX_LIST);
        return NULL;
    }
    if (!geval_step(E, LOC, (unsigned long)count / 16 + 1))
        return NULL;
    gv *r = gv_null(E, LOC);
    for (int64_t i = count; i-- > 0;)
        r = gv_cons(E, gv_int(E, start + i * step, LOC), r, LOC);
    return r;
}

/* ---- higher order ---- */

static gv *p_map(ARGS)
{
    gv *proc = a[0];
    size_t nl = n - 1;
    gv ***lists = sp_arena_calloc(&E->ctx->arena, nl, sizeof *lists);
    size_t len = SIZE_MAX;
    if (!lists) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    for (size_t k = 0; k < nl; k++) {
        const gv *stuck = NULL;
        size_t lk = 0;
        lists[k] = list_arg(E, call, "map", a[k + 1], &lk, &stuck);
        if (!lists[k])
            return stuck ? opaque_call(E, call, "map", a, n, stuck) : NULL;
        if (lk < len)
            len = lk;
    }
    if (proc->kind == GV_OPAQUE)
        return opaque_call(E, call, "map", a, n, proc->u.op->cause);
    gv **out = sp_arena_calloc(&E->ctx->arena, len + 1, sizeof *out);
    gv **args = sp_arena_calloc(&E->ctx->arena, nl + 1, sizeof *args);
    if (!out || !args) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        gv **fresh = sp_arena_calloc(&E->ctx->arena, nl + 1, sizeof *fresh);
        if (!fresh) {
            sp_oom(E->ctx);
            E->failed = true;
            return NULL;
        }
        for (size_t k = 0; k < nl; k++)
            fresh[k] = lists[k][i];
        if (!(out[i] = geval_apply(E, proc, fresh, nl, call)))
            return NULL;
    }
    return gv_list_from(E, out, len, NULL, LOC);
}

static gv *p_for_each(ARGS)
{
    gv *r = p_map(E, call, a, n);
    return r ? gv_unspec(E, LOC) : NULL;
}

static gv *filter(geval *E, const sp_doc *call, gv **a, size_t n, bool keep,
                  const char *name)
{
    LIST_OR_TERM(items, len, a[1], name)
    if (a[0]->kind == GV_OPAQUE)
        return opaque_call(E, call, name, a, n, a[0]->u.op->cause);
    gv **out = sp_arena_calloc(&E->ctx->arena, len + 1, sizeof *out);
    if (!out) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        gv *r = geval_apply(E, a[0], &items[i], 1, call);
        if (!r)
            return NULL;
        if (r->kind == GV_OPAQUE)
            return opaque_call(E, call, name, a, n, r->u.op->cause);
        if (gv_truthy(r) == keep)
            out[k++] = items[i];
    }
    return gv_list_from(E, out, k, NULL, LOC);
}

static gv *p_filter(ARGS) { return filter(E, call, a, n, true, "filter"); }
static gv *p_remove(ARGS) { return filter(E, call, a, n, false, "remove"); }

static gv *p_delete(ARGS)
{
    if (a[0]->kind == GV_OPAQUE)
        return opaque_call(E, call, "delete", a, n, a[0]->u.op->cause);
    LIST_OR_TERM(items, len, a[1], "delete")
    gv **out = sp_arena_calloc(&E->ctx->arena, len + 1, sizeof *out);
    if (!out) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (items[i]->kind == GV_OPAQUE)
            return opaque_call(E, call, "delete", a, n, items[i]->u.op->cause);
        if (!gv_equal(items[i], a[0]))
            out[k++] = items[i];
    }
    return gv_list_from(E, out, k, NULL, LOC);
}

static gv *p_member(ARGS)
{
    if (a[0]->kind == GV_OPAQUE)
        return opaque_call(E, call, "member", a, n, a[0]->u.op->cause);
    gv *p = a[1];
    while (p->kind == GV_PAIR) {
        if (p->u.pair.car->kind == GV_OPAQUE)
            return opaque_call(E, call, "member", a, n, p->u.pair.car->u.op->cause);
        if (gv_equal(p->u.pair.car, a[0]))
            return p;
        p = p->u.pair.cdr;
    }
    if (p->kind == GV_OPAQUE)
        return opaque_call(E, call, "member", a, n, p->u.op->cause);
    return gv_bool(E, false, LOC);
}

static gv *assoc_lookup(geval *E, const sp_doc *call, gv **a, size_t n, const char *name,
                        bool ref)
{
    gv *list = ref ? a[0] : a[1], *key = ref ? a[1] : a[0];
    if (key->kind == GV_OPAQUE)
        return opaque_call(E, call, name, a, n, key->u.op->cause);
    gv *p = list;
    while (p->kind == GV_PAIR) {
        gv *entry = p->u.pair.car;
        if (entry->kind == GV_OPAQUE)
            return opaque_call(E, call, name, a, n, entry->u.op->cause);
        if (entry->kind != GV_PAIR) {
            geval_error(E, LOC, "%s needs a list of pairs; this entry is %s", name,
                        gv_show(E, entry));
            return NULL;
        }
        if (entry->u.pair.car->kind == GV_OPAQUE)
            return opaque_call(E, call, name, a, n, entry->u.pair.car->u.op->cause);
        if (gv_equal(entry->u.pair.car, key))
            return ref ? entry->u.pair.cdr : entry;
        p = p->u.pair.cdr;
    }
    if (p->kind == GV_OPAQUE)
        return opaque_call(E, call, name, a, n, p->u.op->cause);
    return gv_bool(E, false, LOC);
}

static gv *p_assoc(ARGS) { return assoc_lookup(E, call, a, n, "assoc", false); }
static gv *p_assq(ARGS) { return assoc_lookup(E, call, a, n, "assq", false); }
static gv *p_assoc_ref(ARGS) { return assoc_lookup(E, call, a, n, "assoc-ref", true); }

static gv *p_apply(ARGS)
{
    gv *last = a[n - 1];
    LIST_OR_TERM(items, len, last, "apply")
    size_t total = n - 2 + len;
    gv **args = sp_arena_calloc(&E->ctx->arena, total + 1, sizeof *args);
    if (!args) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    for (size_t i = 1; i + 1 < n; i++)
        args[i - 1] = a[i];
    for (size_t i = 0; i < len; i++)
        args[n - 2 + i] = items[i];
    if (a[0]->kind == GV_OPAQUE)
        return opaque_call(E, call, "apply", a, n, a[0]->u.op->cause);
    return geval_apply(E, a[0], args, total, call);
}

static gv *p_identity(ARGS)
{
    (void)E;
    (void)call;
    (void)n;
    return a[0];
}

/* (getenv "NAME"): known only when guix deploy runs. */
static gv *p_getenv(ARGS)
{
    NEED_KNOWN("getenv");
    if (!need_string(E, call, "getenv", a[0]))
        return NULL;
    gv *v = gv_new(E, GV_OPAQUE, LOC);
    gopaque *o = sp_arena_alloc(&E->ctx->arena, sizeof *o);
    if (!o) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    o->kind = GOP_GETENV;
    o->name = sp_intern_n(&E->ctx->names, a[0]->u.str.s, a[0]->u.str.len);
    o->what = sp_arena_printf(&E->ctx->arena,
                              "(getenv \"%s\") is known only when guix deploy runs, in its "
                              "environment",
                              a[0]->u.str.s);
    o->cause = v;
    v->u.op = o;
    return v;
}

static const gprim PRIMS[] = {
    {"list", p_list, 0, -1},
    {"cons", p_cons, 2, 2},
    {"cons*", p_cons_star, 1, -1},
    {"append", p_append, 0, -1},
    {"car", p_car, 1, 1},
    {"cdr", p_cdr, 1, 1},
    {"cadr", p_cadr, 1, 1},
    {"cddr", p_cddr, 1, 1},
    {"caar", p_caar, 1, 1},
    {"caddr", p_caddr, 1, 1},
    {"first", p_first, 1, 1},
    {"second", p_second, 1, 1},
    {"third", p_third, 1, 1},
    {"last", p_last, 1, 1},
    {"length", p_length, 1, 1},
    {"reverse", p_reverse, 1, 1},
    {"list-ref", p_list_ref, 2, 2},
    {"null?", p_null, 1, 1},
    {"pair?", p_pair, 1, 1},
    {"list?", p_listp, 1, 1},
    {"not", p_not, 1, 1},
    {"eq?", p_eq, 2, 2},
    {"eqv?", p_eq, 2, 2},
    {"equal?", p_equal, 2, -1},
    {"string?", p_stringp, 1, 1},
    {"number?", p_numberp, 1, 1},
    {"symbol?", p_symbolp, 1, 1},
    {"boolean?", p_booleanp, 1, 1},
    {"procedure?", p_procedurep, 1, 1},
    {"string-append", p_string_append, 0, -1},
    {"string-join", p_string_join, 1, 3},
    {"string=?", p_string_eq, 1, -1},
    {"symbol->string", p_symbol_to_string, 1, 1},
    {"string->symbol", p_string_to_symbol, 1, 1},
    {"number->string", p_number_to_string, 1, 2},
    {"string->number", p_string_to_number, 1, 2},
    {"format", p_format, 2, -1},
    {"+", p_add, 0, -1},
    {"-", p_sub, 1, -1},
    {"*", p_mul, 0, -1},
    {"=", p_num_eq, 1, -1},
    {"<", p_lt, 1, -1},
    {">", p_gt, 1, -1},
    {"<=", p_le, 1, -1},
    {">=", p_ge, 1, -1},
    {"zero?", p_zero, 1, 1},
    {"iota", p_iota, 1, 3},
    {"map", p_map, 2, -1},
    {"for-each", p_for_each, 2, -1},
    {"filter", p_filter, 2, 2},
    {"remove", p_remove, 2, 2},
    {"delete", p_delete, 2, 2},
    {"member", p_member, 2, 2},
    {"assoc", p_assoc, 2, 2},
    {"assq", p_assq, 2, 2},
    {"assv", p_assq, 2, 2},
    {"assoc-ref", p_assoc_ref, 2, 2},
    {"apply", p_apply, 2, -1},
    {"identity", p_identity, 1, 1},
    {"getenv", p_getenv, 1, 1},
};

const gprim *gprim_find(const char *name)
{
    for (size_t i = 0; i < sizeof PRIMS / sizeof *PRIMS; i++)
        if (!strcmp(PRIMS[i].name, name))
            return &PRIMS[i];
    return NULL;
}

/* ---- known variables ---- */

/* Guix's default nftables ruleset (%default-nftables-ruleset in
 * gnu/services/networking.scm), rule for rule: on input, drop invalid
 * packets, accept established and related ones, accept loopback, drop
 * loopback addresses arriving elsewhere, accept ICMP and ICMPv6 and SSH,
 * reject the rest; drop everything forwarded; accept all output. */
static const char DEFAULT_NFTABLES[] =
    "# %default-nftables-ruleset of Guix (gnu/services/networking.scm)\n"
    "table inet filter {\n"
    "  chain input {\n"
    "    type filter hook input priority 0; policy drop;\n"
    "    ct state invalid drop\n"
    "    ct state { established, related } accept\n"
    "    iif lo accept\n"
    "    iif != lo ip daddr 127.0.0.1/8 drop\n"
    "    iif != lo ip6 daddr ::1/128 drop\n"
    "    ip protocol icmp accept\n"
    "    ip6 nexthdr icmpv6 accept\n"
    "    tcp dport ssh accept\n"
    "    reject with icmpx type port-unreachable\n"
    "  }\n"
    "  chain forward {\n"
    "    type filter hook forward priority 0; policy drop;\n"
    "  }\n"
    "  chain output {\n"
    "    type filter hook output priority 0; policy accept;\n"
    "  }\n"
    "}\n";

/* %iptables-accept-all-rules (gnu/services/networking.scm): the default
 * of iptables-configuration's ipv4-rules and ipv6-rules, and what
 * stopping the service restores. */
static const char ACCEPT_ALL_IPTABLES[] = "*filter\n"
                                          ":INPUT ACCEPT\n"
                                          ":FORWARD ACCEPT\n"
                                          ":OUTPUT ACCEPT\n"
                                          "COMMIT\n";

static gv *bundle(geval *E, gbundle_kind kind, sp_loc loc)
{
    gv *b = gv_new(E, GV_BUNDLE, loc);
    gbundle *x = sp_arena_alloc(&E->ctx->arena, sizeof *x);
    if (!x) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    x->kind = kind;
    b->u.bundle = x;
    return gv_cons(E, b, gv_null(E, loc), loc);
}

static gv *plain_file(geval *E, const char *name, const char *text, sp_loc loc)
{
    gv *f = gv_new(E, GV_FILE, loc);
    gfile *x = sp_arena_alloc(&E->ctx->arena, sizeof *x);
    if (!x) {
        sp_oom(E->ctx);
        E->failed = true;
        return NULL;
    }
    x->name = gv_str(E, name, strlen(name), loc);
    x->text = gv_str(E, text, strlen(text), loc);
    f->u.file = x;
    return f;
}

gv *gknown_variable(geval *E, const char *name, sp_loc loc)
{
    if (!strcmp(name, "%base-services"))
        return bundle(E, GB_BASE, loc);
    if (!strcmp(name, "%desktop-services"))
        return bundle(E, GB_DESKTOP, loc);
    if (!strcmp(name, "%default-nftables-ruleset"))
        return plain_file(E, "nftables.conf", DEFAULT_NFTABLES, loc);
    if (!strcmp(name, "%iptables-accept-all-rules"))
        return plain_file(E, "iptables-accept-all.rules", ACCEPT_ALL_IPTABLES, loc);
    return NULL;
}
