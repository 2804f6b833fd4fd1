/* Unit tests of what makes `check` fast (issue 7), each against the plain
 * way it replaces: arena chunks reused after a reset, sources read in one
 * piece with line starts found on first use, request-set builders that keep
 * small sets inline and intern equal sets, and the built-in catalogue read
 * entry by entry (every entry equal to the one the whole read gives, at the
 * same position), and the action vocabulary indexed by first letter.
 * test_speed_facts.c: the replacement facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frontend/cfn/roles.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- arena ---- */

static void arena_reuses_chunks(void **state)
{
    (void)state;
    sp_arena a;
    sp_arena_init(&a, 0);
    void *keep = sp_arena_alloc(&a, 100);
    assert_non_null(keep);
    memset(keep, 7, 100);
    sp_arena_mark m = sp_arena_get_mark(&a);
    /* Far more than one chunk: the reset keeps the chunks as spares. */
    for (int i = 0; i < 64; i++)
        assert_non_null(sp_arena_alloc_raw(&a, 60000));
    size_t total = a.total;
    sp_arena_reset(&a, m);
    assert_non_null(a.spare);
    assert_true(a.total < total);
    for (int i = 0; i < 64; i++) {
        unsigned char *p = sp_arena_alloc(&a, 60000);
        assert_non_null(p);
        assert_int_equal(p[0], 0); /* zeroed, though reused */
        assert_int_equal(p[59999], 0);
        memset(p, 0xAB, 60000);
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(((unsigned char *)keep)[i], 7);
    sp_arena_release(&a);
    assert_null(a.head);
    assert_null(a.spare);
}

/* ---- sources ---- */

static void sources_read_whole_and_lines_late(void **state)
{
    (void)state;
    char path[] = "/tmp/sp-test-speed-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "a: 1\nbb: 2\n\nccc: \xc3\xa9t\xc3\xa9\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    uint32_t src;
    assert_true(sp_source_read(&ctx, path, &src));
    const sp_source *s = sp_source_get(&ctx, src);
    assert_int_equal(s->len, strlen(text));
    assert_string_equal(s->text, text);
    assert_null(s->line_starts); /* nothing shown yet */
    unsigned line, col;
    sp_loc at = {src, (uint32_t)(strstr(text, "t\xc3\xa9\n") - text), 1};
    sp_loc_line_col(&ctx, at, &line, &col);
    assert_int_equal(line, 4);
    assert_int_equal(col, 7); /* code points, not bytes */
    assert_int_equal(sp_source_get(&ctx, src)->nlines, 5);
    sp_loc first = {src, 0, 1};
    sp_loc_line_col(&ctx, first, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
    /* a diagnostic quotes its line */
    sp_loc bb = {src, 5, 2};
    sp_error(&ctx, bb, "here");
    assert_string_equal(ctx.diags.items[0].source_line, "bb: 2");
    assert_int_equal(ctx.diags.items[0].line, 2);
    /* data compiled in is kept as it is */
    static const char builtin[] = "x: 1\ny: 2\n";
    uint32_t b = sp_source_add_static(&ctx, "<built-in>", builtin, sizeof builtin - 1);
    assert_ptr_equal(sp_source_get(&ctx, b)->text, builtin);
    sp_ctx_release(&ctx);
    unlink(path);
}

/* ---- request sets ---- */

static const sp_reqset *tcp_port_set(sp_ctx *ctx, unsigned port, const char *cidr)
{
    sp_set_builder s;
    sp_box_builder b;
    sp_set_begin(&s, ctx);
    sp_box_begin(&b, ctx);
    sp_ival iv;
    assert_true(sp_parse_cidr(cidr, &iv));
    sp_box_allow(&b, SP_DIM_SRC, iv.lo, iv.hi);
    sp_box_allow(&b, SP_DIM_PROTO, sp_key_num(6), sp_key_num(6));
    sp_box_allow(&b, SP_DIM_PORT, sp_key_num(port), sp_key_num(port));
    assert_true(sp_set_add_box(&s, &b));
    return sp_set_finish(&s);
}

static bool contains(const sp_reqset *r, const char *src, unsigned proto, unsigned port)
{
    sp_ival iv;
    assert_true(sp_parse_cidr(src, &iv));
    sp_key pt[SP_NDIMS] = {iv.lo, sp_key_num(0), sp_key_num(0), sp_key_num(proto),
                           sp_key_num(port)};
    return sp_reqset_contains(r, pt);
}

static void reqsets_inline_and_spilled(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    /* Many ports in one dimension and many boxes: past the inline room. */
    sp_set_builder s;
    sp_set_begin(&s, &ctx);
    for (unsigned k = 0; k < 3 * SP_SET_INLINE_BOXES; k++) {
        sp_box_builder b;
        sp_box_begin(&b, &ctx);
        sp_ival iv;
        char cidr[32];
        snprintf(cidr, sizeof cidr, "10.%u.0.0/16", k);
        assert_true(sp_parse_cidr(cidr, &iv));
        sp_box_allow(&b, SP_DIM_SRC, iv.lo, iv.hi);
        for (unsigned p = 0; p < 3 * SP_BOX_INLINE; p++) /* out of order, some touching */
            sp_box_allow(&b, SP_DIM_PORT, sp_key_num(1000 - 2 * p), sp_key_num(1000 - 2 * p));
        sp_box_allow(&b, SP_DIM_PORT, sp_key_num(2000), sp_key_num(2001));
        sp_box_allow(&b, SP_DIM_PORT, sp_key_num(2002), sp_key_num(2002));
        assert_true(sp_set_add_box(&s, &b));
    }
    const sp_reqset *r = sp_set_finish(&s);
    assert_non_null(r);
    assert_int_equal(r->nboxes, 3 * SP_SET_INLINE_BOXES);
    assert_int_equal(r->boxes[0].n[SP_DIM_PORT], 3 * SP_BOX_INLINE + 1); /* 2000-2002 merged */
    assert_true(contains(r, "10.5.1.1", 6, 1000 - 2 * 7));
    assert_false(contains(r, "10.5.1.1", 6, 1000 - 2 * 7 + 1));
    assert_true(contains(r, "10.11.0.0", 17, 2002));
    assert_false(contains(r, "10.12.0.0", 17, 2002));
    /* An empty dimension empties the box; an unconstrained one stays open. */
    sp_set_begin(&s, &ctx);
    sp_box_builder e;
    sp_box_begin(&e, &ctx);
    sp_box_restrict(&e, SP_DIM_CRED);
    assert_true(sp_set_add_box(&s, &e));
    assert_int_equal(sp_set_finish(&s)->nboxes, 0);
    const sp_reqset *all = sp_reqset_all(&ctx);
    assert_int_equal(all->nboxes, 1);
    for (int d = 0; d < SP_NDIMS; d++)
        assert_int_equal(all->boxes[0].n[d], 0);
    /* Adding another set copies its boxes. */
    sp_set_begin(&s, &ctx);
    assert_true(sp_set_add_set(&s, r));
    assert_true(sp_set_add_set(&s, tcp_port_set(&ctx, 22, "0.0.0.0/0")));
    const sp_reqset *u = sp_set_finish(&s);
    assert_int_equal(u->nboxes, r->nboxes + 1);
    assert_true(contains(u, "192.0.2.1", 6, 22));
    assert_true(contains(u, "10.0.0.1", 6, 1000));
    sp_ctx_release(&ctx);
}

static void reqsets_interned_while_pool_open(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const sp_reqset *a = tcp_port_set(&ctx, 443, "0.0.0.0/0");
    const sp_reqset *b = tcp_port_set(&ctx, 443, "0.0.0.0/0");
    assert_ptr_not_equal(a, b); /* no pool: every set is its own */
    assert_true(sp_reqset_pool_open(&ctx));
    assert_true(sp_reqset_pool_open(&ctx)); /* nested */
    const sp_reqset *c = tcp_port_set(&ctx, 443, "0.0.0.0/0");
    const sp_reqset *d = tcp_port_set(&ctx, 443, "0.0.0.0/0");
    const sp_reqset *e = tcp_port_set(&ctx, 444, "0.0.0.0/0");
    const sp_reqset *g = tcp_port_set(&ctx, 443, "0.0.0.0/1");
    assert_ptr_equal(c, d);
    assert_ptr_not_equal(c, e);
    assert_ptr_not_equal(c, g);
    assert_ptr_equal(sp_reqset_all(&ctx), sp_reqset_all(&ctx));
    assert_ptr_equal(sp_reqset_none(&ctx), sp_reqset_none(&ctx));
    assert_ptr_not_equal(sp_reqset_all(&ctx), sp_reqset_none(&ctx));
    /* Many distinct sets: the table grows and keeps finding them. */
    const sp_reqset *first[3000];
    for (unsigned p = 0; p < 3000; p++)
        first[p] = tcp_port_set(&ctx, 10000 + p, "198.51.100.0/24");
    for (unsigned p = 0; p < 3000; p++)
        assert_ptr_equal(first[p], tcp_port_set(&ctx, 10000 + p, "198.51.100.0/24"));
    sp_reqset_pool_close(&ctx);
    assert_non_null(ctx.reqsets);
    sp_reqset_pool_close(&ctx);
    assert_null(ctx.reqsets);
    assert_ptr_not_equal(tcp_port_set(&ctx, 443, "0.0.0.0/0"), c);
    assert_true(contains(c, "203.0.113.9", 6, 443)); /* the sets stay */
    sp_ctx_release(&ctx);
}

/* ---- the catalogue, read entry by entry ---- */

static void catalogue_lazy_equals_whole(void **state)
{
    (void)state;
    sp_ctx whole_ctx, lazy_ctx;
    sp_ctx_init(&whole_ctx);
    sp_ctx_init(&lazy_ctx);
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    cfn_catalogue *whole = cfn_catalogue_load(&whole_ctx, &opt);
    cfn_catalogue *lazy = cfn_catalogue_open(&lazy_ctx, &opt);
    assert_non_null(whole);
    assert_non_null(lazy);
    assert_int_equal(lazy->entries.len, 0); /* nothing read yet */
    assert_int_equal(lazy->nlazy, whole->entries.len);
    /* Namespaces and actions are read when first asked for, alike. */
    assert_int_equal(lazy->names.len, 0);
    size_t nn, na;
    const cfn_namespace *names = cfn_catalogue_names(lazy, &nn);
    const char *const *actions = cfn_catalogue_actions(lazy, &na);
    assert_int_equal(nn, whole->names.len);
    assert_int_equal(na, whole->actions.len);
    for (size_t i = 0; i < nn; i++) {
        assert_string_equal(names[i].name, whole->names.items[i].name);
        assert_int_equal(names[i].endpoints.len, whole->names.items[i].endpoints.len);
    }
    for (size_t i = 0; i < na; i++)
        assert_string_equal(actions[i], whole->actions.items[i]);
    assert_int_equal(lazy->files.len, 1);
    size_t sources = lazy_ctx.sources.len;
    for (size_t i = 0; i < whole->entries.len; i++) {
        const struct cfn_type_entry *w = &whole->entries.items[i];
        const struct cfn_type_entry *l = cfn_catalogue_find(lazy, w->type);
        if (!l)
            fail_msg("%s is not found lazily", w->type);
        assert_string_equal(l->type, w->type);
        assert_ptr_equal(l->role, w->role);
        assert_string_equal(l->description, w->description);
        assert_int_equal(l->transit, w->transit);
        assert_int_equal(l->prefix, w->prefix);
        assert_true((l->claims_ns == NULL) == (w->claims_ns == NULL));
        if (w->claims_ns) {
            assert_string_equal(l->claims_ns, w->claims_ns);
            assert_string_equal(l->claims_prop, w->claims_prop);
        }
        assert_string_equal(l->file, w->file);
        assert_true(sp_doc_equal(l->node, w->node));
        unsigned wl, wc, ll, lc;
        sp_loc_line_col(&whole_ctx, w->loc, &wl, &wc);
        sp_loc_line_col(&lazy_ctx, l->loc, &ll, &lc);
        if (wl != ll || wc != lc)
            fail_msg("%s at %u:%u read lazily at %u:%u", w->type, wl, wc, ll, lc);
        assert_string_equal(sp_loc_file(&lazy_ctx, l->loc), "<built-in>/aws.types.yaml");
        assert_ptr_equal(l, cfn_catalogue_find(lazy, w->type)); /* read once */
    }
    assert_int_equal(lazy_ctx.sources.len, sources + whole->entries.len);
    assert_null(cfn_catalogue_find(lazy, "AWS::Nope::Nothing"));
    assert_false(cfn_catalogue_failed(lazy));
    assert_int_equal(lazy_ctx.errors, 0);
    sp_ctx_release(&whole_ctx);
    sp_ctx_release(&lazy_ctx);
}

static void catalogue_lazy_overrides(void **state)
{
    (void)state;
    char path[] = "/tmp/sp-test-speed-types-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "snipeproof: types/1\n"
                       "types:\n"
                       "  AWS::S3::Bucket:\n"
                       "    role: inert\n"
                       "    description: Buckets are ignored here.\n"
                       "  AWS::EC2::*:\n"
                       "    role: inert\n"
                       "    description: Every other EC2 type is ignored here.\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    const char *files[] = {path};
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    opt.types_files = files;
    opt.ntypes_files = 1;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    cfn_catalogue *c = cfn_catalogue_open(&ctx, &opt);
    assert_non_null(c);
    assert_int_equal(c->files.len, 2);
    assert_true(c->names.len > 0); /* with a --types file, read at once */
    const struct cfn_type_entry *b = cfn_catalogue_find(c, "AWS::S3::Bucket");
    assert_non_null(b);
    assert_string_equal(b->role->name, "inert");
    assert_string_equal(b->file, path);
    /* an exact built-in entry wins over a prefix entry of a later file */
    const struct cfn_type_entry *i = cfn_catalogue_find(c, "AWS::EC2::Instance");
    assert_string_equal(i->role->name, "network-node");
    const struct cfn_type_entry *x = cfn_catalogue_find(c, "AWS::EC2::NoSuchThing");
    assert_non_null(x);
    assert_string_equal(x->role->name, "inert");
    assert_null(cfn_catalogue_find(c, "AWS::S3::NoSuchThing"));
    sp_ctx_release(&ctx);
    unlink(path);
}

/* The actions indexed by first letter are exactly those a scan of the
 * whole vocabulary finds, in vocabulary order. */
static void catalogue_actions_by_letter(void **state)
{
    (void)state;
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    cfn_catalogue *c = cfn_catalogue_open(&ctx, &opt);
    assert_non_null(c);
    size_t n, total = 0;
    const char *const *actions = cfn_catalogue_actions(c, &n);
    assert_true(n > 0);
    for (unsigned l = 0; l < 256; l++) {
        size_t nl;
        const uint32_t *from = cfn_catalogue_actions_from(c, (unsigned char)l, &nl);
        assert_non_null(from);
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if ((unsigned)tolower((unsigned char)actions[j][0]) == l) {
                assert_true(k < nl);
                assert_int_equal(from[k++], j);
            }
        assert_int_equal(k, nl);
        total += nl;
    }
    assert_int_equal(total, n);
    sp_ctx_release(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_reuses_chunks),
        cmocka_unit_test(sources_read_whole_and_lines_late),
        cmocka_unit_test(reqsets_inline_and_spilled),
        cmocka_unit_test(reqsets_interned_while_pool_open),
        cmocka_unit_test(catalogue_lazy_equals_whole),
        cmocka_unit_test(catalogue_lazy_overrides),
        cmocka_unit_test(catalogue_actions_by_letter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
