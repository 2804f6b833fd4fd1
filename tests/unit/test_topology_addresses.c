/* How address sets read (sp_format_addresses, src/model/reqset.c): the
 * internet of a topology file is every address outside its networks, which
 * as a list of CIDR blocks is two dozen entries long; it reads
 * "0.0.0.0/0 except 192.168.1.0/24".  Every other shape must read as
 * before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model/reqset.h"

#include <string.h>

static sp_ival cidr(const char *text)
{
    sp_ival iv;
    assert_true(sp_parse_cidr(text, &iv));
    return iv;
}

/* The gaps of `blocks` (sorted, of one family) within that family. */
static size_t outside(const char *const *blocks, size_t n, int v6, sp_ival *out)
{
    sp_ival dom = v6 ? cidr("::/0") : cidr("0.0.0.0/0");
    sp_key cur = dom.lo;
    size_t k = 0;
    bool end = false;
    for (size_t i = 0; i < n && !end; i++) {
        sp_ival b = cidr(blocks[i]);
        if (sp_key_cmp(b.lo, cur) > 0) {
            out[k].lo = cur;
            out[k++].hi = sp_key_prev(b.lo);
        }
        if (!sp_key_cmp(b.hi, dom.hi))
            end = true;
        else
            cur = sp_key_next(b.hi);
    }
    if (!end) {
        out[k].lo = cur;
        out[k++].hi = dom.hi;
    }
    return k;
}

static void expect(const sp_ival *iv, size_t n, const char *want)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    char buf[1024];
    sp_format_addresses(&ctx.names, iv, n, buf, sizeof buf);
    assert_string_equal(buf, want);
    sp_ctx_release(&ctx);
}

static void test_ipv4_except_one(void **state)
{
    (void)state;
    static const char *const lan[] = {"192.168.1.0/24"};
    sp_ival iv[8];
    size_t n = outside(lan, 1, 0, iv);
    expect(iv, n, "0.0.0.0/0 except 192.168.1.0/24");
}

static void test_ipv4_except_several(void **state)
{
    (void)state;
    static const char *const nets[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.1.0/24"};
    sp_ival iv[8];
    size_t n = outside(nets, 3, 0, iv);
    expect(iv, n, "0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12 and 192.168.1.0/24");
    /* A block at either end of the space. */
    static const char *const ends[] = {"0.0.0.0/8", "255.255.255.0/24"};
    n = outside(ends, 2, 0, iv);
    expect(iv, n, "0.0.0.0/0 except 0.0.0.0/8 and 255.255.255.0/24");
}

static void test_both_families(void **state)
{
    (void)state;
    static const char *const lan[] = {"192.168.1.0/24"};
    sp_ival iv[8];
    size_t n = outside(lan, 1, 0, iv);
    iv[n++] = cidr("::/0");
    expect(iv, n, "any address except 192.168.1.0/24");
    static const char *const v6[] = {"fd00::/8"};
    n = outside(lan, 1, 0, iv);
    n += outside(v6, 1, 1, iv + n);
    expect(iv, n, "any address except 192.168.1.0/24 and fd00::/8");
    /* IPv6 alone. */
    n = outside(v6, 1, 1, iv);
    expect(iv, n, "::/0 except fd00::/8");
}

static void test_unchanged_shapes(void **state)
{
    (void)state;
    sp_ival iv[4];
    iv[0] = cidr("0.0.0.0/0");
    expect(iv, 1, "0.0.0.0/0");
    iv[1] = cidr("::/0");
    expect(iv, 2, "0.0.0.0/0, ::/0");
    iv[0] = cidr("10.0.0.0/8");
    expect(iv, 1, "10.0.0.0/8");
    iv[1] = cidr("192.168.0.0/16");
    expect(iv, 2, "10.0.0.0/8, 192.168.0.0/16");
    /* Half the space: listing is as short as excepting; listing wins. */
    iv[0] = cidr("0.0.0.0/1");
    expect(iv, 1, "0.0.0.0/1");
    /* Whole IPv4 with a hole, plus a few IPv6 blocks: not merged. */
    static const char *const lan[] = {"192.168.1.0/24"};
    size_t n = outside(lan, 1, 0, iv);
    iv[n++] = cidr("2001:db8::/32");
    expect(iv, n, "0.0.0.0/0 except 192.168.1.0/24, 2001:db8::/32");
    /* The whole domain. */
    sp_ival all = sp_dim_domain(SP_DIM_SRC);
    expect(&all, 1, "any");
}

static void test_principals_follow(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_name p = sp_intern(&ctx.names, "lambda.amazonaws.com");
    static const char *const lan[] = {"192.168.1.0/24"};
    sp_ival iv[8];
    size_t n = outside(lan, 1, 0, iv);
    iv[n].lo = sp_key_principal(p);
    iv[n++].hi = sp_key_principal(p);
    char buf[256];
    sp_format_addresses(&ctx.names, iv, n, buf, sizeof buf);
    assert_string_equal(buf, "0.0.0.0/0 except 192.168.1.0/24, lambda.amazonaws.com");
    sp_ctx_release(&ctx);
}

static void test_truncation(void **state)
{
    (void)state;
    static const char *const nets[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.1.0/24"};
    sp_ival iv[8];
    size_t n = outside(nets, 3, 0, iv);
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    char buf[24];
    sp_format_addresses(&ctx.names, iv, n, buf, sizeof buf);
    assert_true(strlen(buf) < sizeof buf);
    sp_ctx_release(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_except_one),   cmocka_unit_test(test_ipv4_except_several),
        cmocka_unit_test(test_both_families),     cmocka_unit_test(test_unchanged_shapes),
        cmocka_unit_test(test_principals_follow), cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
