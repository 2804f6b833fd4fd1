/* Unit tests of the S-expression reader (src/reader/sexp.c): the mapping
 * onto the document tree, positions, every error class with its message
 * and position, and the string-offset mapping front-ends use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader/doc.h"
#include "reader/sexp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sp_doc *sexp(sp_ctx *ctx, const char *text)
{
    uint32_t src = sp_source_add(ctx, "t.scm", text, strlen(text));
    assert_int_not_equal(src, SP_NO_SOURCE);
    return sp_read_sexp(ctx, src);
}

/* A compact rendering of a tree: (a "s" 1 #t #:k #\c . tail) #(v) 'x as
 * (quote x), so tests can compare shapes as strings. */
static void render(const sp_doc *d, char *out, size_t cap, size_t *len)
{
#define PUT(...) (*len += (size_t)snprintf(out + *len, *len < cap ? cap - *len : 0, __VA_ARGS__))
    switch (d->kind) {
    case SP_DOC_NULL:
        PUT("<null>");
        break;
    case SP_DOC_BOOL:
        PUT("#%s", d->u.scalar.text);
        break;
    case SP_DOC_NUMBER:
        PUT("%s", d->u.scalar.text);
        break;
    case SP_DOC_STRING:
        if (d->flags & SP_DOC_SYMBOL)
            PUT("%s", d->u.scalar.text);
        else if (d->flags & SP_DOC_KEYWORD)
            PUT("#:%s", d->u.scalar.text);
        else if (d->flags & SP_DOC_CHAR)
            PUT("#\\<%s>", d->u.scalar.text);
        else
            PUT("\"%s\"", d->u.scalar.text);
        break;
    case SP_DOC_SEQ:
        PUT("%s", d->flags & SP_DOC_VECTOR ? "#(" : "(");
        for (size_t i = 0; i < d->u.seq.len; i++) {
            if (i)
                PUT(" ");
            if ((d->flags & SP_DOC_DOTTED) && i + 1 == d->u.seq.len)
                PUT(". ");
            render(d->u.seq.items[i], out, cap, len);
        }
        PUT(")");
        break;
    default:
        PUT("<map>");
    }
#undef PUT
}

static void assert_reads(const char *text, const char *expected)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *d = sexp(&ctx, text);
    if (!d)
        fail_msg("'%s' did not read: %s", text, ctx.diags.len ? ctx.diags.items[0].message : "?");
    char buf[2048];
    size_t len = 0;
    render(d, buf, sizeof buf, &len);
    if (strcmp(buf, expected))
        fail_msg("'%s'\n  read as %s\n  expected %s", text, buf, expected);
    sp_ctx_release(&ctx);
}

static void test_shapes(void **state)
{
    (void)state;
    assert_reads("(a b c)", "((a b c))");
    assert_reads("[a (b)] ()", "((a (b)) ())");
    assert_reads("(a . b) (a b . (c))", "((a . b) (a b . (c)))");
    assert_reads("#(1 2 (3))", "(#(1 2 (3)))");
    assert_reads("'x `(a ,b ,@c)",
                 "((quote x) (quasiquote (a (unquote b) (unquote-splicing c))))");
    assert_reads("#'x #`y #,z #,@w", "((syntax x) (quasisyntax y) (unsyntax z) "
                                     "(unsyntax-splicing w))");
    assert_reads("#~(a #$b #$@c #+d #+@e)",
                 "((gexp (a (ungexp b) (ungexp-splicing c) (ungexp-native d) "
                 "(ungexp-native-splicing e))))");
    assert_reads("#t #f #true #false", "(#t #f #true #false)");
    assert_reads("#:port #:x-y?", "(#:port #:x-y?)");
    assert_reads("42 -7 +3 1.5 .5 1. 6e3 -1.5E-2 1/2 #xff #b101 #o17 #e1.5 #x#e10 +inf.0 -nan.0",
                 "(42 -7 +3 1.5 .5 1. 6e3 -1.5E-2 1/2 #xff #b101 #o17 #e1.5 #x#e10 +inf.0 "
                 "-nan.0)");
    /* Not numbers: symbols, as Guile reads them. */
    assert_reads("+ - ... 1+ -> a.b x1 %base-services <record> a#b",
                 "(+ - ... 1+ -> a.b x1 %base-services <record> a#b)");
    assert_reads("|a b| #{c d}# |x\\|y|", "(a b c d x|y)");
    assert_reads("#\\a #\\space #\\newline #\\( #\\x41 #\\101 #\\\xc3\xa9",
                 "(#\\<a> #\\< > #\\<\n> #\\<(> #\\<A> #\\<A> #\\<\xc3\xa9>)");
    assert_reads("a'b", "(a'b)");
}

static void test_strings(void **state)
{
    (void)state;
    assert_reads("\"a\\tb\\n\\\\\\\"\"", "(\"a\tb\n\\\"\")");
    assert_reads("\"\\x41\\u00e9\\U01F600\"", "(\"A\xc3\xa9\xf0\x9f\x98\x80\")");
    /* Line continuation: the line break and the next line's blanks go. */
    assert_reads("\"one \\\n      two\"", "(\"one two\")");
    assert_reads("\"one \\  \r\n\ttwo\"", "(\"one two\")");
    /* Raw line breaks stay (nftables rulesets are written so). */
    assert_reads("\"table inet filter {\n  chain input {}\n}\n\"",
                 "(\"table inet filter {\n  chain input {}\n}\n\")");
    assert_reads("\"\"", "(\"\")");
}

static void test_comments(void **state)
{
    (void)state;
    assert_reads("; a comment\n(a) ; another\n(b)", "((a) (b))");
    assert_reads("#| block #| nested |# still |# (a)", "((a))");
    assert_reads("(a #;(b c) d #; e)", "((a d))");
    assert_reads("#;#;a b c", "(c)");
    assert_reads("#!/usr/bin/env guile\n!#\n(a)", "((a))");
    assert_reads("\xEF\xBB\xBF(a)", "((a))");
    assert_reads("", "<null>");
    assert_reads("  ; only a comment\n #| and a block |#\n", "<null>");
}

static void test_positions(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const char *text = "; c\n(define x\n  '(1 . \"two\"))\n#:k";
    sp_doc *root = sexp(&ctx, text);
    assert_non_null(root);
    assert_int_equal(root->kind, SP_DOC_SEQ);
    assert_int_equal(root->u.seq.len, 2);
    /* The file spans its first form to the end of its last. */
    assert_int_equal(root->off, 4);
    assert_int_equal(root->end, strlen(text));
    sp_doc *def = root->u.seq.items[0];
    assert_int_equal(def->off, 4);
    assert_int_equal(def->end, 29);
    sp_doc *q = def->u.seq.items[2];
    assert_true(q->flags & SP_DOC_FROM_SHORT_TAG);
    assert_int_equal(q->off, 16);
    assert_int_equal(q->end, 28);
    /* The quote symbol spans the prefix. */
    assert_int_equal(q->u.seq.items[0]->off, 16);
    assert_int_equal(q->u.seq.items[0]->end, 17);
    sp_doc *pair = q->u.seq.items[1];
    assert_true(pair->flags & SP_DOC_DOTTED);
    assert_int_equal(pair->off, 17);
    assert_int_equal(pair->end, 28);
    sp_doc *two = pair->u.seq.items[1];
    assert_true(two->flags & SP_DOC_QUOTED);
    assert_int_equal(two->off, 22);
    assert_int_equal(two->end, 27);
    unsigned line, col;
    sp_loc_line_col(&ctx, sp_doc_loc(two), &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 9);
    sp_doc *k = root->u.seq.items[1];
    assert_true(k->flags & SP_DOC_KEYWORD);
    assert_int_equal(k->off, 30);
    assert_int_equal(k->end, 33);
    /* Booleans read back through the shared API. */
    bool b = false;
    sp_doc *t = sexp(&ctx, "#true #f");
    assert_true(sp_doc_bool_value(t->u.seq.items[0], &b) && b);
    assert_true(sp_doc_bool_value(t->u.seq.items[1], &b) && !b);
    sp_ctx_release(&ctx);
}

static void test_string_offsets(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const char *text = "(x \"ab\\tc\\\n   de\\x41f\")";
    sp_doc *root = sexp(&ctx, text);
    assert_non_null(root);
    sp_doc *s = root->u.seq.items[0]->u.seq.items[1];
    assert_string_equal(s->u.scalar.text, "ab\tcdeAf");
    /* a b \t c d e A f */
    size_t want[] = {4, 5, 6, 8, 14, 15, 16, 20, 21};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (sp_sexp_string_source_offset(&ctx, s, i) != want[i])
            fail_msg("decoded %zu: source %zu, expected %zu", i,
                     sp_sexp_string_source_offset(&ctx, s, i), want[i]);
    /* Not a literal: its own start. */
    assert_int_equal(sp_sexp_string_source_offset(&ctx, root->u.seq.items[0], 3), 0);
    sp_ctx_release(&ctx);
}

typedef struct error_case {
    const char *input;
    unsigned line, column;
    const char *message;
} error_case;

static void test_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"(a b", 1, 1, "no closing ')' for this '(' before the end of input"},
        {"\n  [a (b)", 2, 3, "no closing ']' for this '[' before the end of input"},
        {"(a ]", 1, 4, "']' does not close the '(' of line 1, column 1 (expected ')')"},
        {"(a))", 1, 4, "unexpected ')': there is no open list to close"},
        {"\"abc", 1, 1, "unterminated string: no closing '\"' before the end of input"},
        {"\"a\\qb\"", 1, 3,
         "unknown escape in a string (Guile knows \\\\ \\\" \\a \\b \\f \\n \\r \\t \\v \\xHH "
         "\\uHHHH \\UHHHHHH and a backslash at the end of a line)"},
        {"\"a\\x4\"", 1, 3, "'\\x' must be followed by two hexadecimal digits"},
        {"\"\\0\"", 1, 2, "'\\0' (NUL) is not allowed in strings"},
        {"\"\\x00\"", 1, 2, "a NUL character is not allowed in strings"},
        {"\"\\uD800\"", 1, 2,
         "the escape does not name a Unicode character (a surrogate, or above U+10FFFF)"},
        {"\"a\\ b\"", 1, 3, "a backslash followed by blanks must end the line (a line "
                            "continuation)"},
        {"#| open", 1, 1, "unterminated block comment: no closing '|#' for this '#|'"},
        {"(a #;)", 1, 4, "'#;' must be followed by the datum it comments out"},
        {"#!/bin/guile\n(a)", 1, 1,
         "unterminated '#!' comment: no closing '!#' (a script header needs one)"},
        {"(lambda* (a #!optional b) a)", 1, 13,
         "'#!optional' is not supported (lambda* takes #:optional, #:key and #:rest)"},
        {"#\\nosuch", 1, 1, "unknown character name '#\\nosuch'"},
        {"#\\nul", 1, 1, "the NUL character is not supported"},
        {"#\\", 1, 1, "'#\\' must be followed by a character"},
        {"#:", 1, 1, "'#:' must be followed by the keyword's name"},
        {"#u8(1 2)", 1, 1, "bytevectors ('#u8') are not supported"},
        {"#*101", 1, 1, "bit vectors ('#*101') are not supported"},
        {"#nil", 1, 1, "'#nil' (Emacs Lisp's nil) is not supported"},
        {"#<procedure>", 1, 1,
         "'#<procedure>' is the printed form of an object that cannot be read back"},
        {"#xzz", 1, 1, "'#xzz' is not a number in the radix its prefix names"},
        {"#q", 1, 1, "unknown '#' syntax '#q'"},
        {"#", 1, 1, "a lone '#' (expected #t, #f, #:keyword, #\\char, #( …)"},
        {"( . a)", 1, 3, "a dotted list needs an item before the '.'"},
        {"(a . )", 1, 4, "a dotted list needs one item after the '.'"},
        {"(a . b c)", 1, 8,
         "expected ')' after the item that follows the '.' of a dotted list, found 'c'"},
        {". a", 1, 1, "unexpected '.': a dot only goes before the last item of a list, as in "
                      "(a . b)"},
        {"(a ')", 1, 4, "''' must be followed by a datum (it stands for (quote …))"},
        {",@", 1, 1, "',@' must be followed by a datum (it stands for (unquote-splicing …))"},
        {"|ab", 1, 1, "unterminated symbol: no closing '|' for this '|'"},
        {"#{ab", 1, 1, "unterminated symbol: no closing '}#' for this '#{'"},
        {"(a \xff)", 1, 4, "invalid UTF-8: byte 0xFF does not start a valid character"},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const error_case *ec = &cases[i];
        sp_ctx ctx;
        sp_ctx_init(&ctx);
        sp_doc *d = sexp(&ctx, ec->input);
        const sp_diag *g = ctx.diags.len ? &ctx.diags.items[0] : NULL;
        bool ok = d == NULL && g && ctx.errors == 1 && g->line == ec->line &&
                  g->column == ec->column && strcmp(g->message, ec->message) == 0;
        if (!ok) {
            failures++;
            print_message("case %zu: expected %u:%u: %s\n", i, ec->line, ec->column,
                          ec->message);
            if (g)
                print_message("      got %u:%u: %s (%u errors)\n", g->line, g->column,
                              g->message, ctx.errors);
            else
                print_message("      got no diagnostic\n");
        }
        sp_ctx_release(&ctx);
    }
    assert_int_equal(failures, 0);
}

/* Nesting is bounded: lists, prefixes and datum comments all count. */
static void test_depth(void **state)
{
    (void)state;
    const char *openers[] = {"(", "'", "#;", "#("};
    for (size_t k = 0; k < sizeof openers / sizeof *openers; k++) {
        size_t n = 100000, ol = strlen(openers[k]);
        char *text = malloc(n * ol + 8);
        assert_non_null(text);
        for (size_t i = 0; i < n; i++)
            memcpy(text + i * ol, openers[k], ol);
        strcpy(text + n * ol, "x");
        sp_ctx ctx;
        sp_ctx_init(&ctx);
        assert_null(sexp(&ctx, text));
        assert_int_equal(ctx.errors, 1);
        assert_string_equal(ctx.diags.items[0].message, "nesting deeper than 200 levels");
        assert_int_equal(ctx.diags.items[0].column, 200 * ol + 1);
        sp_ctx_release(&ctx);
        free(text);
    }
    /* 200 levels are fine. */
    char text[512];
    memset(text, '(', 200);
    memset(text + 200, ')', 200);
    text[400] = 0;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    assert_non_null(sexp(&ctx, text));
    sp_ctx_release(&ctx);
}

/* Dispatch: S-expression files read through sp_read_document. */
static void test_dispatch(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const char *text = ";; deploy.scm\n(list (machine))\n";
    uint32_t src = sp_source_add(&ctx, "deploy.scm", text, strlen(text));
    sp_doc *d = sp_read_document(&ctx, src);
    assert_non_null(d);
    assert_int_equal(d->kind, SP_DOC_SEQ);
    assert_true(d->u.seq.items[0]->u.seq.items[0]->flags & SP_DOC_SYMBOL);
    /* Equality and hashing handle every node the reader makes. */
    sp_doc *e = sexp(&ctx, "(a #(1 #\\x) (b . c) #:k \"s\" #t 'q)");
    assert_true(sp_doc_equal(e, e));
    assert_int_equal(sp_doc_hash(e), sp_doc_hash(e));
    sp_ctx_release(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),      cmocka_unit_test(test_strings),
        cmocka_unit_test(test_comments),    cmocka_unit_test(test_positions),
        cmocka_unit_test(test_string_offsets), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),       cmocka_unit_test(test_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
