/* The text output of `check`, on hand-built reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "output_fixture.h"

static const char web_block[] =
    "new.yaml:6:3: exposure window: WebServer (new)\n"
    "  WebServer (new) can be reached in a way that its new configuration does not allow.\n"
    "  excess:   tcp port 22 from 0.0.0.0/0, credentials: none\n"
    "  path:     internet -> Router -> WebServer\n"
    "  when:     if WebServer is updated while Router is not yet updated\n"
    "  example:  tcp port 22 from 203.0.113.5, credential: none\n"
    "  avoid:    update Router before WebServer (add Router to the DependsOn of WebServer)\n";

static const char summary_one[] =
    "1 sniping window. 4 components (3 modelled; type not modelled: AWS::Foo::Bar), 4 events; "
    "every reachable state was checked.\n";

static void one_window_with_fix(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, true);
    char *s = fixture_render_one(&f, FX_TEXT, false, false);
    char want[2048];
    snprintf(want, sizeof want, "%s\n%s", web_block, summary_one);
    assert_string_equal(s, want);
    free(s);
    fixture_release(&f);
}

static void no_window(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    char *s = fixture_render_one(&f, FX_TEXT, false, false);
    assert_string_equal(s, "No sniping window. 4 components (3 modelled; type not modelled: "
                           "AWS::Foo::Bar), 4 events; every reachable state was checked.\n");
    free(s);
    fixture_release(&f);
}

static void quiet_prints_findings_only(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_string_equal(s, "");
    free(s);
    fixture_add_web_finding(&f, true);
    s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_string_equal(s, web_block);
    free(s);
    fixture_release(&f);
}

static void no_fix_gives_a_hint(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, false);
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_non_null(strstr(s, "  hint:     no extra DependsOn avoids this window; 'snipeproof "
                              "plan' looks for a phased update"));
    assert_null(strstr(s, "avoid:"));
    free(s);
    fixture_release(&f);
}

static void fleet_words(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_FLEET);
    fixture_add_web_finding(&f, true);
    fixture_add_web_finding(&f, false);
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_non_null(strstr(s, "avoid:    update Router before WebServer (add Router to the "
                              "after: list of WebServer)\n"));
    assert_non_null(strstr(s, "hint:     no extra order between hosts avoids this window"));
    assert_null(strstr(s, "DependsOn"));
    free(s);
    fixture_release(&f);
}

static void dangling_and_replacement_words(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_dangling_finding(&f);
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_string_equal(
        s, "new.yaml:4:3: dangling-reference window: Logs\n"
           "  Logs refers to the name 'logs-archive-bucket' while no component owns it, so "
           "anyone could claim it.\n"
           "  when:     if the old Bucket is deleted while the replacement of Bucket is not yet "
           "created\n"
           "  hint:     no extra DependsOn avoids this window; 'snipeproof plan' looks for a "
           "phased update (several deploys, each of them safe)\n");
    free(s);
    fixture_release(&f);
}

static void witness_shapes(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    uint32_t two[] = {fixture_event(&f, f.web, SP_EV_UPDATE),
                      fixture_event(&f, f.bucket, SP_EV_CREATE)};
    x->done = two;
    x->ndone = 2;
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_non_null(strstr(s, "when:     if WebServer is updated and the replacement of "
                              "Bucket is created while Router is not yet updated\n"));
    free(s);
    x->npending = 0;
    s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_non_null(strstr(s, "when:     once WebServer is updated and the replacement of "
                              "Bucket is created\n"));
    free(s);
    x->ndone = 0;
    x->npending = 1;
    s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_non_null(strstr(s, "when:     as long as Router is not yet updated\n"));
    free(s);
    fixture_release(&f);
}

static void several_excess_rows_align(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    sp_excess_row rows[] = {{"tcp", "22", "0.0.0.0/0", "none"},
                            {"udp", "53", "10.0.0.0/8", "Authorizer"}};
    x->excess = rows;
    x->nexcess = 2;
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_non_null(strstr(s, "  excess:   tcp port 22 from 0.0.0.0/0, credentials: none\n"
                              "             udp port 53 from 10.0.0.0/8, credentials: Authorizer\n"));
    free(s);
    fixture_release(&f);
}

static void several_fixes_are_alternatives(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    sp_edge_hint two[] = {{f.router, f.web}, {f.bucket, f.web}};
    x->fix = two;
    x->nfix = 2;
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_non_null(strstr(s, "  avoid:    update Router before WebServer (add Router to the "
                              "DependsOn of WebServer); or create Bucket before WebServer (add "
                              "Bucket to the DependsOn of WebServer)\n"));
    free(s);
    fixture_release(&f);
}

static void excess_words(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    sp_excess_row rows[] = {{"any", "any", "any", "none"},
                            {"tcp", "22, 8000-8080", "10.0.0.0/8", "any credential"},
                            {"api", "lambda:InvokeFunction", "any", "none"},
                            {"api", "any", "AWS::ApiGateway", "none, Authorizer"}};
    x->excess = rows;
    x->nexcess = 4;
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_non_null(
        strstr(s, "  excess:   any protocol any port from any source, credentials: none\n"
                  "             tcp ports 22, 8000-8080 from 10.0.0.0/8, credentials: any "
                  "credential\n"
                  "             api action lambda:InvokeFunction from any source, credentials: "
                  "none\n"
                  "             api any action from AWS::ApiGateway, credentials: none, "
                  "Authorizer\n"));
    free(s);
    fixture_release(&f);
}

/* Without a planner the fix lists are not computed: nothing is said about
 * how to avoid the window, rather than that nothing can. */
static void unknown_fixes_are_not_claimed(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, false);
    sp_check_result r = {&f.report, SP_UPDATE, false};
    char *s = fixture_render(&r, 1, FX_TEXT, false, true);
    assert_null(strstr(s, "hint:"));
    assert_null(strstr(s, "avoid:"));
    assert_null(strstr(s, "DependsOn"));
    assert_non_null(strstr(s, "  example:  tcp port 22 from 203.0.113.5, credential: none\n"));
    free(s);
    /* A fix that is there is shown all the same. */
    fixture_add_web_finding(&f, true);
    s = fixture_render(&r, 1, FX_TEXT, false, true);
    assert_non_null(strstr(s, "avoid:    update Router before WebServer"));
    assert_null(strstr(s, "hint:"));
    free(s);
    fixture_release(&f);
}

static void incomplete_says_so(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    f.report.complete = false;
    f.report.incomplete_reason = "more than 1000 states";
    char *s = fixture_render_one(&f, FX_TEXT, false, false);
    assert_string_equal(s, "Incomplete: 0 sniping windows found before the search stopped "
                           "(more than 1000 states); more may exist. 4 components (3 modelled; "
                           "type not modelled: AWS::Foo::Bar), 4 events.\n");
    free(s);
    fixture_release(&f);
}

/* A suppressed window is listed, marked, with its reason, after the
 * windows, and not counted; -q leaves it out. */
static void suppressed_are_marked_not_counted(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    x->suppressed = true;
    x->suppress_reason = "key-only SSH";
    char *s = fixture_render_one(&f, FX_TEXT, false, false);
    assert_string_equal(s, "new.yaml:6:3: exposure window (suppressed): WebServer (new)\n"
                           "  reason:   key-only SSH\n"
                           "  excess:   tcp port 22 from 0.0.0.0/0, credentials: none\n"
                           "  when:     if WebServer is updated while Router is not yet "
                           "updated\n"
                           "\n"
                           "No sniping window. 1 suppressed. 4 components (3 modelled; "
                           "type not modelled: AWS::Foo::Bar), 4 events; every reachable state was "
                           "checked.\n");
    free(s);
    s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_string_equal(s, "");
    free(s);
    fixture_release(&f);
}

static void colour_only_when_asked(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    fixture_add_web_finding(&f, true);
    char *plain = fixture_render_one(&f, FX_TEXT, false, false);
    char *color = fixture_render_one(&f, FX_TEXT, true, false);
    assert_null(strchr(plain, '\033'));
    assert_non_null(strstr(color, "\033[1;31mexposure window\033[0m"));
    /* Without the escapes, the coloured text is the plain text. */
    char *w = color;
    for (const char *r = color; *r;) {
        if (*r == '\033') {
            r = strchr(r, 'm') + 1;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    assert_string_equal(color, plain);
    free(plain);
    free(color);
    fixture_release(&f);
}

static void rollback_is_a_separate_section(void **state)
{
    (void)state;
    fixture up, back;
    fixture_init(&up, SP_ENGINE_STACK);
    fixture_init(&back, SP_ENGINE_STACK);
    back.model.old_path = "new.yaml";
    back.model.new_path = "old.yaml";
    fixture_add_web_finding(&back, true);
    sp_check_result res[2] = {{&up.report, SP_UPDATE, true}, {&back.report, SP_ROLLBACK, true}};
    char *s = fixture_render(res, 2, FX_TEXT, false, false);
    char want[4096];
    snprintf(want, sizeof want,
             "Update old.yaml -> new.yaml\n"
             "No sniping window. 4 components (3 modelled; type not modelled: AWS::Foo::Bar), "
             "4 events; every reachable state was checked.\n"
             "\n"
             "Roll-back new.yaml -> old.yaml\n"
             "%s\n%s",
             web_block, summary_one);
    assert_string_equal(s, want);
    free(s);
    /* Quiet: only the direction that has windows, with its heading. */
    s = fixture_render(res, 2, FX_TEXT, false, true);
    snprintf(want, sizeof want, "Roll-back new.yaml -> old.yaml\n%s", web_block);
    assert_string_equal(s, want);
    free(s);
    fixture_release(&up);
    fixture_release(&back);
}

static void missing_location_is_left_out(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, SP_ENGINE_STACK);
    sp_finding *x = fixture_add_web_finding(&f, true);
    f.model.instances.items[x->instance].loc = SP_NO_LOC;
    f.model.components.items[f.web].loc_new = SP_NO_LOC;
    f.model.components.items[f.web].loc_old = SP_NO_LOC;
    char *s = fixture_render_one(&f, FX_TEXT, false, true);
    assert_true(!strncmp(s, "exposure window: WebServer (new)\n", 33));
    free(s);
    fixture_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_window_with_fix),
        cmocka_unit_test(no_window),
        cmocka_unit_test(quiet_prints_findings_only),
        cmocka_unit_test(no_fix_gives_a_hint),
        cmocka_unit_test(fleet_words),
        cmocka_unit_test(dangling_and_replacement_words),
        cmocka_unit_test(witness_shapes),
        cmocka_unit_test(several_excess_rows_align),
        cmocka_unit_test(several_fixes_are_alternatives),
        cmocka_unit_test(excess_words),
        cmocka_unit_test(unknown_fixes_are_not_claimed),
        cmocka_unit_test(incomplete_says_so),
        cmocka_unit_test(suppressed_are_marked_not_counted),
        cmocka_unit_test(colour_only_when_asked),
        cmocka_unit_test(rollback_is_a_separate_section),
        cmocka_unit_test(missing_location_is_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
