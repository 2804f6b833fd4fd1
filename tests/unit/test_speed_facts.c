/* Unit tests of the replacement facts searched in their text (issue 7):
 * a type's line is found by binary search and split when first looked up,
 * and every built-in type is found (which also checks that the generated
 * table is sorted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frontend/cfn/template.h"

#include <string.h>

extern const unsigned char sp_builtin_cfn_facts[];
extern const size_t sp_builtin_cfn_facts_len;

static void facts_looked_up_in_text(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const char *text = "# comment\n"
                       "AWS::A::B\tX,Y/*/Z\tName\n"
                       "AWS::A::BC\t-\t-\n"
                       "AWS::Z::Z\tP\t-";
    cfn_facts *f = cfn_facts_load(&ctx, text, strlen(text));
    assert_non_null(f);
    const cfn_type_facts *ab = cfn_facts_find(f, "AWS::A::B");
    assert_non_null(ab);
    assert_ptr_equal(ab, cfn_facts_find(f, "AWS::A::B")); /* split once */
    assert_int_equal(ab->ncreate_only, 2);
    assert_string_equal(ab->create_only[1], "Y/*/Z");
    assert_int_equal(ab->nnames, 1);
    const cfn_type_facts *abc = cfn_facts_find(f, "AWS::A::BC");
    assert_non_null(abc);
    assert_int_equal(abc->ncreate_only, 0);
    assert_int_equal(abc->nnames, 0);
    assert_non_null(cfn_facts_find(f, "AWS::Z::Z")); /* last line, no newline */
    assert_null(cfn_facts_find(f, "AWS::A"));
    assert_null(cfn_facts_find(f, "AWS::A::BB"));
    assert_null(cfn_facts_find(f, "AWS::Zz"));
    /* Every built-in type is found, and only its own line. */
    cfn_facts *b = cfn_facts_load(&ctx, (const char *)sp_builtin_cfn_facts,
                                  sp_builtin_cfn_facts_len);
    assert_non_null(b);
    const char *p = (const char *)sp_builtin_cfn_facts;
    size_t n = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *tab = strchr(p, '\t');
        if (*p != '#' && tab && (!nl || tab < nl)) {
            char type[256];
            size_t len = (size_t)(tab - p);
            assert_true(len < sizeof type);
            memcpy(type, p, len);
            type[len] = 0;
            const cfn_type_facts *tf = cfn_facts_find(b, type);
            assert_non_null(tf);
            assert_string_equal(tf->type, type);
            n++;
        }
        p = nl ? nl + 1 : p + strlen(p);
    }
    assert_true(n > 1000);
    sp_ctx_release(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(facts_looked_up_in_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
