/* The JSON output of `check` (DESIGN §5), on hand-built reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "output_fixture.h"

/* The whole document for the reference finding: names, nesting and key
 * order are the contract scripts rely on. */
static const char reference_json[] = "{\n"
                                     "  \"version\": 1,\n"
                                     "  \"direction\": \"update\",\n"
                                     "  \"summary\": {\n"
                                     "    \"components\": 4,\n"
                                     "    \"modeled\": 3,\n"
                                     "    \"unmodeled_types\": [\n"
                                     "      \"AWS::Foo::Bar\"\n"
                                     "    ],\n"
                                     "    \"events\": 4,\n"
                                     "    \"windows\": 1,\n"
                                     "    \"complete\": true\n"
                                     "  },\n"
                                     "  \"findings\": [\n"
                                     "    {\n"
                                     "      \"kind\": \"exposure-window\",\n"
                                     "      \"component\": \"WebServer\",\n"
                                     "      \"instance\": \"new\",\n"
                                     "      \"location\": {\n"
                                     "        \"file\": \"new.yaml\",\n"
                                     "        \"line\": 6,\n"
                                     "        \"column\": 3\n"
                                     "      },\n"
                                     "      \"excess\": [\n"
                                     "        {\n"
                                     "          \"protocol\": \"tcp\",\n"
                                     "          \"ports\": \"22\",\n"
                                     "          \"sources\": \"0.0.0.0/0\",\n"
                                     "          \"credentials\": \"none\"\n"
                                     "        }\n"
                                     "      ],\n"
                                     "      \"path\": [\n"
                                     "        \"internet\",\n"
                                     "        \"Router\",\n"
                                     "        \"WebServer\"\n"
                                     "      ],\n"
                                     "      \"witness\": {\n"
                                     "        \"done\": [\n"
                                     "          \"update WebServer\"\n"
                                     "        ],\n"
                                     "        \"pending\": [\n"
                                     "          \"update Router\"\n"
                                     "        ]\n"
                                     "      },\n"
                                     "      \"fix\": [\n"
                                     "        {\n"
                                     "          \"first\": \"Router\",\n"
                                     "          \"then\": \"WebServer\"\n"
                                     "        }\n"
                                     "      ]\n"
                                     "    }\n"
                                     "  ]\n"
                                     "}\n";

static json_t *parse(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    if (!j)
        fail_msg("not JSON: %s at %d:%d", err.text, err.line, err.column);
    return j;
}

static json_t *render(const fixture *f)
{
    char *s = fixture_render_one(f, FX_JSON, false, false);
    assert_non_null(s);
    json_t *j = parse(s);
    free(s);
    return j;
}

static void reference_document(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, true);
    char *s = fixture_render_one(&f, FX_JSON, false, false);
    assert_string_equal(s, reference_json);
    free(s);
    fixture_release(&f);
}

static void colour_and_quiet_do_not_matter(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, true);
    char *s = fixture_render_one(&f, FX_JSON, true, true);
    assert_string_equal(s, reference_json);
    free(s);
    fixture_release(&f);
}

static void empty_report(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    json_t *j = render(&f);
    assert_int_equal(json_array_size(json_object_get(j, "findings")), 0);
    json_t *sum = json_object_get(j, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "windows")), 0);
    assert_true(json_is_true(json_object_get(sum, "complete")));
    assert_null(json_object_get(sum, "incomplete_reason"));
    json_decref(j);
    fixture_release(&f);
}

static void rollback_makes_an_array(void **state)
{
    (void)state;
    fixture up, back;
    fixture_init(&up, SP_ENGINE_STACK);
    fixture_init(&back, SP_ENGINE_STACK);
    fixture_add_web_finding(&back, true);
    sp_check_result res[2] = {{&up.report, SP_UPDATE, true}, {&back.report, SP_ROLLBACK, true}};
    char *s = fixture_render(res, 2, FX_JSON, false, false);
    json_t *j = parse(s);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "direction")),
                        "update");
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "direction")),
                        "rollback");
    assert_int_equal(json_array_size(json_object_get(json_array_get(j, 0), "findings")), 0);
    assert_int_equal(json_array_size(json_object_get(json_array_get(j, 1), "findings")), 1);
    json_decref(j);
    free(s);
    fixture_release(&up);
    fixture_release(&back);
}

static void suppressed_only_when_true(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, true);
    sp_finding *x = fixture_add_web_finding(&f, true);
    x->suppressed = true;
    x->suppress_reason = "key-only SSH";
    json_t *j = render(&f);
    json_t *findings = json_object_get(j, "findings");
    assert_int_equal(json_array_size(findings), 2);
    assert_null(json_object_get(json_array_get(findings, 0), "suppressed"));
    assert_null(json_object_get(json_array_get(findings, 0), "suppression_reason"));
    assert_true(json_is_true(json_object_get(json_array_get(findings, 1), "suppressed")));
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(findings, 1), "suppression_reason")),
        "key-only SSH");
    json_t *sum = json_object_get(j, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "windows")), 1);
    json_decref(j);
    fixture_release(&f);
}

static void incomplete_has_a_reason(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    f.report.complete = false;
    f.report.incomplete_reason = "more than 10 states";
    json_t *j = render(&f);
    json_t *sum = json_object_get(j, "summary");
    assert_true(json_is_false(json_object_get(sum, "complete")));
    assert_string_equal(json_string_value(json_object_get(sum, "incomplete_reason")),
                        "more than 10 states");
    json_decref(j);
    fixture_release(&f);
}

static void dangling_has_a_name(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_dangling_finding(&f);
    fixture_add_web_finding(&f, false);
    json_t *j = render(&f);
    json_t *d = json_array_get(json_object_get(j, "findings"), 0);
    json_t *e = json_array_get(json_object_get(j, "findings"), 1);
    assert_string_equal(json_string_value(json_object_get(d, "kind")),
                        "dangling-reference-window");
    assert_string_equal(json_string_value(json_object_get(d, "instance")), "unchanged");
    assert_string_equal(json_string_value(json_object_get(d, "name")), "logs-archive-bucket");
    json_t *w = json_object_get(d, "witness");
    assert_string_equal(json_string_value(json_array_get(json_object_get(w, "done"), 0)),
                        "delete Bucket");
    assert_string_equal(json_string_value(json_array_get(json_object_get(w, "pending"), 0)),
                        "create Bucket");
    assert_null(json_object_get(e, "name"));
    assert_int_equal(json_array_size(json_object_get(e, "fix")), 0);
    json_decref(j);
    fixture_release(&f);
}

static void old_instance_located_in_old_file(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, false)->instance = f.web_old;
    json_t *j = render(&f);
    json_t *x = json_array_get(json_object_get(j, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(x, "instance")), "old");
    json_t *loc = json_object_get(x, "location");
    assert_string_equal(json_string_value(json_object_get(loc, "file")), "old.yaml");
    assert_int_equal(json_integer_value(json_object_get(loc, "line")), 4);
    assert_int_equal(json_integer_value(json_object_get(loc, "column")), 3);
    json_decref(j);
    fixture_release(&f);
}

static void no_position_gives_null_location(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    f.model.instances.items[x->instance].loc = SP_NO_LOC;
    f.model.components.items[f.web].loc_new = SP_NO_LOC;
    f.model.components.items[f.web].loc_old = SP_NO_LOC;
    json_t *j = render(&f);
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "findings"), 0),
                                             "location")));
    json_decref(j);
    fixture_release(&f);
}

static void invalid_utf8_stays_valid_json(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    /* A file name is whatever bytes the user gave. */
    uint32_t src = sp_source_add(&f.ctx, "bad\xff\xfe.yaml", fixture_new_text,
                                 strlen(fixture_new_text));
    sp_finding *x = fixture_add_web_finding(&f, true);
    f.model.instances.items[x->instance].loc.src = src;
    json_t *j = render(&f);
    json_t *loc = json_object_get(json_array_get(json_object_get(j, "findings"), 0), "location");
    assert_string_equal(json_string_value(json_object_get(loc, "file")),
                        "bad\xef\xbf\xbd\xef\xbf\xbd.yaml");
    json_decref(j);
    fixture_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_document),
        cmocka_unit_test(colour_and_quiet_do_not_matter),
        cmocka_unit_test(empty_report),
        cmocka_unit_test(rollback_makes_an_array),
        cmocka_unit_test(suppressed_only_when_true),
        cmocka_unit_test(incomplete_has_a_reason),
        cmocka_unit_test(dangling_has_a_name),
        cmocka_unit_test(old_instance_located_in_old_file),
        cmocka_unit_test(no_position_gives_null_location),
        cmocka_unit_test(invalid_utf8_stays_valid_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
