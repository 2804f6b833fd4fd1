/* Unit tests of the guix deploy front-end's evaluator (src/frontend/guix):
 * the Scheme it evaluates, opaque terms and their equality, positioned
 * errors and bounds, the nftables and iptables subsets, and the deploy
 * file apply generates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frontend/guix/deploy.h"
#include "frontend/guix/guix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Evaluates `text` as a deploy file and returns its last value. */
static gv *run(sp_ctx *ctx, geval *E, const char *text)
{
    uint32_t src = sp_source_add(ctx, "t.scm", text, strlen(text));
    assert_int_not_equal(src, SP_NO_SOURCE);
    sp_doc *doc = sp_read_sexp(ctx, src);
    if (!doc)
        fail_msg("'%s' did not read: %s", text, ctx->diags.items[0].message);
    geval_init(E, ctx, src, ".");
    return geval_file(E, doc);
}

static void assert_value(const char *text, const char *expected)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    geval E;
    gv *v = run(&ctx, &E, text);
    if (!v)
        fail_msg("'%s' failed: %s", text, ctx.diags.len ? ctx.diags.items[0].message : "?");
    const char *shown = gv_show(&E, v);
    if (strcmp(shown, expected))
        fail_msg("'%s'\n  gave %s\n  expected %s", text, shown, expected);
    sp_ctx_release(&ctx);
}

static void test_scheme(void **state)
{
    (void)state;
    assert_value("(define x 1) (list x 2 \"three\")", "(1 2 \"three\")");
    assert_value("(define (f a b) (+ a b)) (f 2 3)", "5");
    assert_value("(define* (f a #:key (port 22) (user \"root\")) (list a port user))"
                 "(f 'x #:user \"admin\")",
                 "(x 22 \"admin\")");
    assert_value("(define* (f a #:optional (b 7)) (list a b)) (list (f 1) (f 1 2))",
                 "((1 7) (1 2))");
    assert_value("(define (f . rest) rest) (f 1 2 3)", "(1 2 3)");
    assert_value("(let* ((a 1) (b (+ a 1))) (let loop ((i 0) (acc '())) "
                 "(if (= i b) acc (loop (+ i 1) (cons i acc)))))",
                 "(1 0)");
    assert_value("(letrec ((even? (lambda (n) (if (= n 0) #t (odd? (- n 1))))) "
                 "(odd? (lambda (n) (if (= n 0) #f (even? (- n 1)))))) (even? 100))",
                 "#t");
    assert_value("(define l '(1 2)) `(a ,@l (b . ,(length l)))", "(a 1 2 (b . 2))");
    assert_value("(define l '(1 2)) (equal? `(,(car l) `(x ,,(cadr l)))"
                 " '(1 (quasiquote (x (unquote 2)))))",
                 "#t");
    assert_value("(map (lambda (h) (string-append h \".example.org\")) '(\"a\" \"b\"))",
                 "(\"a.example.org\" \"b.example.org\")");
    assert_value("(cons* 1 2 '(3)) ", "(1 2 3)");
    assert_value("(append '(1) '() '(2 3) 4)", "(1 2 3 . 4)");
    assert_value("(case 'b ((a) 1) ((b c) 2) (else 3))", "2");
    assert_value("(cond ((assoc \"b\" '((\"a\" . 1) (\"b\" . 2))) => cdr) (else 0))", "2");
    assert_value("(define (g) (h)) (define (h) 'later) (g)", "later");
    assert_value("(format #f \"~a:~a\" \"web\" 22)", "\"web:22\"");
    assert_value("(filter (lambda (x) (> x 1)) (iota 4))", "(2 3)");
    assert_value("(define (f) (define a 1) (define b (+ a 1)) (* a b)) (f)", "2");
    assert_value("(use-modules (gnu)) (use-service-modules ssh) 'ok", "ok");
}

static void test_records(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    geval E;
    gv *v = run(&ctx, &E,
                "(define base (openssh-configuration (port-number 2222)))\n"
                "(define derived (openssh-configuration (inherit base) "
                "(permit-root-login #t)))\n"
                "(list (openssh-configuration-port-number derived)\n"
                "      (openssh-configuration-permit-root-login derived)\n"
                "      (openssh-configuration-password-authentication? derived)\n"
                "      (service-kind (service nginx-service-type))\n"
                "      (operating-system-host-name (operating-system (host-name \"web\"))))");
    assert_non_null(v);
    assert_string_equal(gv_show(&E, v), "(2222 #t #t nginx-service-type …)");
    size_t n;
    gv **items = gv_list_items(&E, v, &n);
    assert_int_equal(n, 5);
    assert_string_equal(gv_show(&E, items[4]), "\"web\"");
    /* modify-services on a list with %base-services. */
    v = run(&ctx, &E,
            "(modify-services (cons (service openssh-service-type) %base-services)\n"
            "  (openssh-service-type c => (openssh-configuration (inherit c) "
            "(port-number 2200)))\n"
            "  (delete nginx-service-type))");
    assert_non_null(v);
    items = gv_list_items(&E, v, &n);
    assert_int_equal(n, 2);
    bool given;
    const gv *op;
    gv *value = grecord_field(&E, items[0], "value", &given, &op);
    gv *port = grecord_field(&E, value, "port-number", &given, &op);
    assert_string_equal(gv_show(&E, port), "2200");
    assert_int_equal(items[1]->kind, GV_BUNDLE);
    sp_ctx_release(&ctx);
}

/* Opaque terms: kept, equal when written alike with the same values. */
static void test_opaque(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    geval E1, E2, E3;
    const char *a = "(define (disk n) (file-system (device (uuid n)) (type \"ext4\")))\n"
                    "(list (disk \"1234\") grub-bootloader (getenv \"HOME\"))";
    gv *x = run(&ctx, &E1, a);
    gv *y = run(&ctx, &E2, a);
    gv *z = run(&ctx, &E3,
                "(define (disk n) (file-system (device (uuid n)) (type \"ext4\")))\n"
                "(list (disk \"5678\") grub-bootloader (getenv \"HOME\"))");
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(z);
    assert_true(gv_equal(x, y));
    assert_false(gv_equal(x, z)); /* the variable n differs */
    size_t n;
    gv **items = gv_list_items(&E1, x, &n);
    assert_int_equal(items[0]->kind, GV_OPAQUE);
    assert_int_equal(items[2]->kind, GV_OPAQUE);
    assert_string_equal(gv_opaque_reason(&E1, items[2]),
                        "(getenv \"HOME\") is known only when guix deploy runs, in its "
                        "environment");
    assert_int_equal(ctx.errors, 0);
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
        {"(define (f a) a)\n(f)", 2, 1, "f wants 1 argument, but is given 0"},
        {"(define (f a) a)\n(f 1 2)", 2, 1, "f wants 1 argument, but is given 2"},
        {"(define* (f #:key a) a)\n(f #:b 1)", 2, 4, "f has no keyword argument #:b"},
        {"(car '())", 1, 1, "car needs a pair, not the empty list ('())"},
        {"(define x y)\n(define y 1)\nx", 1, 11, "'y' is used before it is defined (on line 2)"},
        {"(define x 1)\n(define x 2)\nx", 2, 9, "'x' is defined twice (first on line 1)"},
        {"(set! x 1)", 1, 1,
         "set! is not supported: snipeproof evaluates deploy files without mutation"},
        {"(load \"a.scm\")", 1, 1,
         "load is not supported: snipeproof evaluates one deploy file and reads no other (put "
         "the definitions in this file)"},
        {"(\"str\" 1)", 1, 1, "\"str\" is not a procedure, so it cannot be applied"},
        {"()", 1, 1, "() is not an expression (write '() for the empty list)"},
        {"(define x 1)", 1, 1,
         "the deploy file must end with an expression that evaluates to the list of machines, "
         "not a definition"},
        {"(openssh-configuration (port 22))", 1, 25,
         "openssh-configuration has no field 'port' (did you mean port-number?) (snipeproof "
         "knows the fields of openssh-configuration in Guix; see docs/GUIX.md)"},
        {"(openssh-configuration (port-number 1) (port-number 2))", 1, 41,
         "the field 'port-number' of openssh-configuration is given twice"},
        {"(define (f) (define-syntax-rule (m) 1) 1) (f)", 1, 13,
         "define-syntax-rule is allowed only at the top of the file"},
        {"(iota 10000000)", 1, 1, "iota: a count of 10000000 is out of range (0 to 1000000)"},
        {"(+ 1 1.5)", 1, 1, "+: snipeproof computes with integers only, not 1.5"},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const error_case *ec = &cases[i];
        sp_ctx ctx;
        sp_ctx_init(&ctx);
        geval E;
        gv *v = run(&ctx, &E, ec->input);
        const sp_diag *g = ctx.diags.len ? &ctx.diags.items[0] : NULL;
        bool ok = !v && g && g->severity == SP_SEV_ERROR && g->line == ec->line &&
                  g->column == ec->column && !strcmp(g->message, ec->message);
        if (!ok) {
            failures++;
            print_message("case %zu: expected %u:%u: %s\n", i, ec->line, ec->column, ec->message);
            if (g)
                print_message("      got %u:%u: %s\n", g->line, g->column, g->message);
            else
                print_message("      got no diagnostic (value %s)\n", v ? gv_show(&E, v) : "-");
        }
        sp_ctx_release(&ctx);
    }
    assert_int_equal(failures, 0);
}

static void test_bounds(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    geval E;
    /* A tail-recursive loop runs until the budget stops it. */
    assert_null(run(&ctx, &E, "(define (spin n) (spin (+ n 1))) (spin 0)"));
    assert_non_null(strstr(ctx.diags.items[0].message, "budget"));
    sp_ctx_release(&ctx);
    sp_ctx_init(&ctx);
    assert_null(run(&ctx, &E, "(define (deep n) (cons n (deep (+ n 1)))) (deep 0)"));
    assert_non_null(strstr(ctx.diags.items[0].message, "nested deeper than 1000"));
    sp_ctx_release(&ctx);
    /* Doubling a string is bounded. */
    sp_ctx_init(&ctx);
    assert_null(run(&ctx, &E,
                    "(define (grow s n) (if (= n 0) s (grow (string-append s s) (- n 1))))\n"
                    "(grow \"x\" 40)"));
    assert_non_null(strstr(ctx.diags.items[0].message, "longer than"));
    sp_ctx_release(&ctx);
}

/* The rulesets: chains, rules, and what ct state and negation become. */
static void test_rulesets(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    geval E;
    gv *text = run(&ctx, &E,
                   "\"define wan = \\\"eth0\\\"\n"
                   "table inet filter {\n"
                   "  chain forward {\n"
                   "    type filter hook forward priority 0; policy drop;\n"
                   "    ct state established,related accept\n"
                   "    iifname $wan ip saddr != 10.0.0.0/8 tcp dport { 22, 8000-8080 } drop\n"
                   "    ct state new accept\n"
                   "  }\n"
                   "}\n\"");
    assert_non_null(text);
    gruleset rs = {GRS_NFT, text->u.str.s, text->u.str.len, SP_NO_SOURCE, text, text->loc,
                   "nftables"};
    fw_ruleset set;
    assert_true(gnft_parse(&E, &rs, &set));
    assert_int_equal(set.chains.len, 1);
    const fw_chain *c = &set.chains.items[0];
    assert_true(c->base);
    assert_int_equal(c->hook, FW_HOOK_FORWARD);
    assert_int_equal(c->policy, SP_DENY);
    assert_int_equal(c->rules.len, 3);
    assert_true(c->rules.items[0].never); /* no new connection is established */
    const fw_rule *r = &c->rules.items[1];
    assert_false(r->never);
    assert_true(r->iif.used);
    assert_string_equal(r->iif.names[0], "eth0");
    assert_int_equal(r->family, 4);
    assert_int_equal(r->src.len, 2); /* the complement of 10.0.0.0/8 */
    assert_int_equal(r->port.len, 2);
    assert_int_equal(r->verdict, FW_DROP);
    assert_false(c->rules.items[2].never);

    gv *ipt = run(&ctx, &E,
                  "\"*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                  "-A INPUT -m conntrack --ctstate NEW -p udp ! --dport 53 -j ACCEPT\n"
                  "-I INPUT -i lo -j ACCEPT\nCOMMIT\n\"");
    assert_non_null(ipt);
    gruleset rs4 = {GRS_IPT4, ipt->u.str.s, ipt->u.str.len, SP_NO_SOURCE, ipt, ipt->loc,
                    "iptables"};
    assert_true(gipt_parse(&E, &rs4, &set));
    assert_int_equal(set.chains.len, 3);
    c = &set.chains.items[0];
    assert_string_equal(c->name, "INPUT");
    assert_int_equal(c->rules.len, 2);
    assert_true(c->rules.items[0].iif.used); /* -I put it first */
    assert_int_equal(c->rules.items[1].port.len, 2);
    assert_int_equal(ctx.errors, 0);
    sp_ctx_release(&ctx);
}

/* The one-machine deploy file apply writes. */
static void test_deploy_file(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const char *keys[] = {"guix-deploy-file", "select", "name", "generated"};
    const char *vals[] = {"/srv/fleet/new \"x\".scm", "ssh-host-name", "10.0.0.2",
                          "new.scm.deploy/web.scm"};
    sp_doc *map = sp_doc_new(&ctx, SP_DOC_MAP);
    sp_doc_pair *pairs = sp_arena_calloc(&ctx.arena, 4, sizeof *pairs);
    for (size_t i = 0; i < 4; i++) {
        pairs[i].key = sp_doc_new_scalar(&ctx, SP_DOC_STRING, keys[i], strlen(keys[i]));
        pairs[i].value = sp_doc_new_scalar(&ctx, SP_DOC_STRING, vals[i], strlen(vals[i]));
    }
    map->u.map.pairs = pairs;
    map->u.map.len = 4;
    assert_true(sp_guix_is_machine(map));
    const char *file, *text;
    size_t argc;
    const char **argv = sp_guix_deploy(&ctx, map, &file, &text, &argc);
    assert_non_null(argv);
    assert_int_equal(argc, 3);
    assert_string_equal(argv[0], "guix");
    assert_string_equal(argv[1], "deploy");
    assert_string_equal(argv[2], "new.scm.deploy/web.scm");
    assert_null(argv[3]);
    assert_string_equal(file, "new.scm.deploy/web.scm");
    assert_non_null(strstr(text, "(load \"/srv/fleet/new \\\"x\\\".scm\")"));
    assert_non_null(strstr(text, "machine-ssh-configuration-host-name"));
    assert_non_null(strstr(text, "\"10.0.0.2\""));
    assert_false(sp_guix_is_machine(NULL));
    sp_ctx_release(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheme),   cmocka_unit_test(test_records),
        cmocka_unit_test(test_opaque),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bounds),   cmocka_unit_test(test_rulesets),
        cmocka_unit_test(test_deploy_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
