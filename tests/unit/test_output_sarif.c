/* The SARIF 2.1.0 output of `check`, on hand-built reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "output_fixture.h"

static json_t *render(const sp_check_result *res, size_t n)
{
    char *s = fixture_render(res, n, FX_SARIF, false, false);
    assert_non_null(s);
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    free(s);
    if (!j)
        fail_msg("not JSON: %s", err.text);
    return j;
}

static json_t *run0(json_t *log)
{
    return json_array_get(json_object_get(log, "runs"), 0);
}

static const char *str_at(json_t *j, const char *path)
{
    /* "a.b.0.c": objects by key, arrays by index. */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && j; tok = strtok(NULL, "."))
        j = json_is_array(j) ? json_array_get(j, (size_t)atoi(tok)) : json_object_get(j, tok);
    return json_string_value(j);
}

static void log_shape(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, true);
    fixture_add_dangling_finding(&f);
    fixture_add_web_finding(&f, true)->suppressed = true;
    sp_check_result res = {&f.report, SP_UPDATE, true};
    json_t *log = render(&res, 1);
    assert_string_equal(str_at(log, "version"), "2.1.0");
    assert_non_null(strstr(str_at(log, "$schema"), "sarif-2.1.0"));
    assert_int_equal(json_array_size(json_object_get(log, "runs")), 1);
    json_t *run = run0(log);
    assert_string_equal(str_at(run, "tool.driver.name"), "snipeproof");
    assert_string_equal(str_at(run, "tool.driver.version"), SP_VERSION_STRING);
    assert_string_equal(str_at(run, "tool.driver.rules.0.id"), "exposure-window");
    assert_string_equal(str_at(run, "tool.driver.rules.1.id"), "dangling-reference-window");
    assert_string_equal(str_at(run, "columnKind"), "unicodeCodePoints");
    json_t *results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), 3); /* the suppressed one too, marked */
    json_t *r0 = json_array_get(results, 0), *r1 = json_array_get(results, 1);
    assert_string_equal(str_at(r0, "ruleId"), "exposure-window");
    assert_int_equal(json_integer_value(json_object_get(r0, "ruleIndex")), 0);
    assert_string_equal(str_at(r1, "ruleId"), "dangling-reference-window");
    assert_int_equal(json_integer_value(json_object_get(r1, "ruleIndex")), 1);
    assert_string_equal(str_at(r0, "level"), "error");
    assert_string_equal(str_at(r0, "locations.0.physicalLocation.artifactLocation.uri"),
                        "new.yaml");
    json_t *region = json_object_get(
        json_object_get(json_object_get(json_array_get(json_object_get(r0, "locations"), 0),
                                        "physicalLocation"),
                        "region"),
        "startLine");
    assert_int_equal(json_integer_value(region), 6);
    assert_non_null(strstr(str_at(r0, "message.text"),
                           "To avoid it: update Router before WebServer"));
    assert_non_null(strstr(str_at(r1, "message.text"), "Hint: no extra DependsOn"));
    assert_string_equal(str_at(r0, "properties.direction"), "update");
    assert_string_equal(str_at(r0, "properties.path.2"), "WebServer");
    assert_null(json_object_get(r0, "suppressions"));
    json_t *r2 = json_array_get(results, 2);
    assert_string_equal(str_at(r2, "suppressions.0.kind"), "inSource");
    assert_string_equal(str_at(r2, "suppressions.0.status"), "accepted");
    json_decref(log);
    fixture_release(&f);
}

static void suppressed_results_carry_the_reason(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    x->suppressed = true;
    x->suppress_reason = "key-only SSH; accepted for one deploy";
    sp_check_result res = {&f.report, SP_UPDATE, true};
    json_t *log = render(&res, 1);
    assert_string_equal(str_at(run0(log), "results.0.suppressions.0.justification"),
                        "key-only SSH; accepted for one deploy");
    json_decref(log);
    fixture_release(&f);
}

/* The fingerprint names the window, not its line: the same finding gives
 * the same one, other findings (another kind, another direction) others. */
static void fingerprints_are_stable_and_distinct(void **state)
{
    (void)state;
    fixture a, b;
    fixture_init(&a, SP_ENGINE_STACK);
    fixture_init(&b, SP_ENGINE_STACK);
    fixture_add_web_finding(&a, true);
    fixture_add_dangling_finding(&a);
    sp_finding *moved = fixture_add_web_finding(&b, false);
    b.model.instances.items[moved->instance].loc.off += 5; /* another line */
    sp_check_result ra = {&a.report, SP_UPDATE, true};
    sp_check_result rb[2] = {{&b.report, SP_UPDATE, true}, {&b.report, SP_ROLLBACK, true}};
    json_t *la = render(&ra, 1), *lb = render(rb, 2);
    const char *key = "results.0.partialFingerprints.snipeproofWindow/v1";
    const char *fa0 = str_at(run0(la), key);
    const char *fa1 = str_at(run0(la), "results.1.partialFingerprints.snipeproofWindow/v1");
    const char *fb0 = str_at(run0(lb), key);
    const char *fb1 = str_at(run0(lb), "results.1.partialFingerprints.snipeproofWindow/v1");
    assert_non_null(fa0);
    assert_int_equal(strlen(fa0), 16);
    assert_string_equal(fa0, fb0);
    assert_string_not_equal(fa0, fa1);
    assert_string_not_equal(fb0, fb1);
    json_decref(la);
    json_decref(lb);
    fixture_release(&a);
    fixture_release(&b);
}

/* Each edge of the fix list is a fix: the DependsOn edit of NEW. */
static void fixes_edit_new(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, true);
    sp_check_result res = {&f.report, SP_UPDATE, true};
    json_t *log = render(&res, 1);
    json_t *r0 = json_array_get(json_object_get(run0(log), "results"), 0);
    assert_int_equal(json_array_size(json_object_get(r0, "fixes")), 1);
    assert_non_null(strstr(str_at(r0, "fixes.0.description.text"),
                           "add Router to the DependsOn of WebServer"));
    assert_string_equal(str_at(r0, "fixes.0.artifactChanges.0.artifactLocation.uri"),
                        "new.yaml");
    const char *ins =
        str_at(r0, "fixes.0.artifactChanges.0.replacements.0.insertedContent.text");
    assert_non_null(ins);
    assert_non_null(strstr(ins, "DependsOn: Router"));
    json_t *region = json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(r0, "fixes"), 0), "artifactChanges"),
            0),
        "replacements");
    region = json_object_get(json_array_get(region, 0), "deletedRegion");
    /* WebServer is defined on lines 6-7 of NEW: the edit is there. */
    json_int_t line = json_integer_value(json_object_get(region, "startLine"));
    assert_true(line >= 6 && line <= 8);
    json_decref(log);
    fixture_release(&f);
}

/* OLD read from git (--base) is no file of the checkout: a result on an
 * old instance points at the component's definition in NEW instead. */
static void text_inputs_are_not_pointed_into(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, false);
    x->instance = f.web_old;
    f.model.text_input = "old.yaml";
    sp_check_result res = {&f.report, SP_UPDATE, true};
    json_t *log = render(&res, 1);
    json_t *r0 = json_array_get(json_object_get(run0(log), "results"), 0);
    assert_string_equal(str_at(r0, "locations.0.physicalLocation.artifactLocation.uri"),
                        "new.yaml");
    assert_string_equal(str_at(r0, "properties.instance"), "old");
    json_decref(log);
    fixture_release(&f);
}

static void rollback_results_share_the_run(void **state)
{
    (void)state;
    fixture up, back;
    fixture_init(&up, SP_ENGINE_STACK);
    fixture_init(&back, SP_ENGINE_STACK);
    fixture_add_web_finding(&up, true);
    fixture_add_web_finding(&back, true);
    sp_check_result res[2] = {{&up.report, SP_UPDATE, true}, {&back.report, SP_ROLLBACK, true}};
    json_t *log = render(res, 2);
    json_t *results = json_object_get(run0(log), "results");
    assert_int_equal(json_array_size(results), 2);
    assert_string_equal(str_at(results, "1.properties.direction"), "rollback");
    assert_true(!strncmp(str_at(results, "1.message.text"), "During the roll-back: ", 22));
    json_decref(log);
    fixture_release(&up);
    fixture_release(&back);
}

static void unknown_fixes_are_not_claimed(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, false);
    sp_check_result res = {&f.report, SP_UPDATE, false};
    json_t *log = render(&res, 1);
    const char *text = str_at(run0(log), "results.0.message.text");
    assert_string_equal(text, "WebServer (new) can be reached in a way that its new "
                              "configuration does not allow. Excess: tcp port 22 from "
                              "0.0.0.0/0, credentials: none. Path: internet -> Router -> "
                              "WebServer. It happens if WebServer is updated while Router is "
                              "not yet updated.");
    json_decref(log);
    fixture_release(&f);
}

static void absolute_paths_become_file_uris(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    uint32_t src = sp_source_add(&f.ctx, "/tmp/my dir/new%.yaml", fixture_new_text,
                                 strlen(fixture_new_text));
    sp_finding *x = fixture_add_web_finding(&f, true);
    f.model.instances.items[x->instance].loc.src = src;
    sp_check_result res = {&f.report, SP_UPDATE, true};
    json_t *log = render(&res, 1);
    assert_string_equal(
        str_at(run0(log), "results.0.locations.0.physicalLocation.artifactLocation.uri"),
        "file:///tmp/my%20dir/new%25.yaml");
    json_decref(log);
    fixture_release(&f);
}

static void every_result_has_a_location(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    f.model.instances.items[x->instance].loc = SP_NO_LOC;
    f.model.components.items[f.web].loc_new = SP_NO_LOC;
    f.model.components.items[f.web].loc_old = SP_NO_LOC;
    sp_check_result res = {&f.report, SP_UPDATE, true};
    json_t *log = render(&res, 1);
    json_t *r0 = json_array_get(json_object_get(run0(log), "results"), 0);
    assert_string_equal(str_at(r0, "locations.0.physicalLocation.artifactLocation.uri"),
                        "new.yaml");
    json_decref(log);
    fixture_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(log_shape),
        cmocka_unit_test(suppressed_results_carry_the_reason),
        cmocka_unit_test(fingerprints_are_stable_and_distinct),
        cmocka_unit_test(fixes_edit_new),
        cmocka_unit_test(text_inputs_are_not_pointed_into),
        cmocka_unit_test(rollback_results_share_the_run),
        cmocka_unit_test(unknown_fixes_are_not_claimed),
        cmocka_unit_test(absolute_paths_become_file_uris),
        cmocka_unit_test(every_result_has_a_location),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
