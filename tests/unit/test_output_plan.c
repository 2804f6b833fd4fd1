/* The outputs of `plan` (text, and the JSON of DESIGN §5), on hand-built
 * plans over the output fixture's update. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "output_fixture.h"

typedef struct plan_fixture {
    fixture f;
    sp_plan plan;
    sp_step steps[2];
    sp_wave waves[2][3];
    uint32_t wave_events[2][3][2];
    sp_edge_hint edges[1];
    uint32_t changes[2][3];
    uint32_t conflicts[2];
} plan_fixture;

/* Router before WebServer: one extra edge, three waves (the Bucket's
 * replacement runs with the Router, its old copy is deleted last). */
static void ordered(plan_fixture *p)
{
    memset(p, 0, sizeof *p);
    fixture *f = &p->f;
    fixture_init(f, SP_ENGINE_STACK);
    p->edges[0] = (sp_edge_hint){f->router, f->web};
    uint32_t w0[] = {fixture_event(f, f->router, SP_EV_UPDATE),
                     fixture_event(f, f->bucket, SP_EV_CREATE)};
    memcpy(p->wave_events[0][0], w0, sizeof w0);
    p->wave_events[0][1][0] = fixture_event(f, f->web, SP_EV_UPDATE);
    p->wave_events[0][2][0] = fixture_event(f, f->bucket, SP_EV_DELETE);
    p->waves[0][0] = (sp_wave){p->wave_events[0][0], 2};
    p->waves[0][1] = (sp_wave){p->wave_events[0][1], 1};
    p->waves[0][2] = (sp_wave){p->wave_events[0][2], 1};
    p->changes[0][0] = f->router;
    p->changes[0][1] = f->web;
    p->changes[0][2] = f->bucket;
    p->steps[0] = (sp_step){&f->update, p->changes[0], 3, p->edges, 1, p->waves[0], 3, NULL};
    p->plan.verdict = SP_VERDICT_ORDERED;
    p->plan.complete = true;
    p->plan.steps = p->steps;
    p->plan.nsteps = 1;
}

/* Two steps: Router and Bucket first, then WebServer. */
static void phased(plan_fixture *p)
{
    ordered(p);
    fixture *f = &p->f;
    p->steps[0].edges = NULL;
    p->steps[0].nedges = 0;
    p->steps[0].nchanges = 2;
    p->changes[0][1] = f->bucket;
    p->waves[0][1] = p->waves[0][2];
    p->steps[0].nwaves = 2;
    p->changes[1][0] = f->web;
    p->wave_events[1][0][0] = fixture_event(f, f->web, SP_EV_UPDATE);
    p->waves[1][0] = (sp_wave){p->wave_events[1][0], 1};
    p->steps[1] = (sp_step){&f->update, p->changes[1], 1, NULL, 0, p->waves[1], 1, NULL};
    p->plan.verdict = SP_VERDICT_PHASED;
    p->plan.nsteps = 2;
}

static void impossible(plan_fixture *p)
{
    ordered(p);
    p->plan.verdict = SP_VERDICT_IMPOSSIBLE;
    p->plan.steps = NULL;
    p->plan.nsteps = 0;
    p->conflicts[0] = p->f.router;
    p->conflicts[1] = p->f.web;
    p->plan.conflicts = p->conflicts;
    p->plan.nconflicts = 2;
    p->plan.why = "Router and WebServer must each be updated before the other";
}

static char *render(const plan_fixture *p, bool json, bool quiet)
{
    sp_plan_result r = {&p->plan, &p->f.update, SP_UPDATE};
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    sp_output_options o = {false, quiet};
    if (json)
        assert_true(sp_render_plan_json(&r, 1, out));
    else
        sp_render_plan_text(&r, 1, &o, out);
    fclose(out);
    return buf;
}

static json_t *render_json(const plan_fixture *p)
{
    char *s = render(p, true, false);
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    free(s);
    if (!j)
        fail_msg("not JSON: %s", err.text);
    return j;
}

static void ordered_json_is_designs_shape(void **state)
{
    (void)state;
    plan_fixture p;
    ordered(&p);
    json_t *j = render_json(&p);
    char *compact = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(compact,
                        "{\"version\":1,\"direction\":\"update\",\"verdict\":\"ordered\","
                        "\"edges\":[{\"first\":\"Router\",\"then\":\"WebServer\"}],"
                        "\"waves\":[[\"Router\",\"Bucket\"],[\"WebServer\"],[\"Bucket\"]],"
                        "\"phases\":[],\"conflicts\":[]}");
    free(compact);
    json_decref(j);
    fixture_release(&p.f);
}

static void ordered_text(void **state)
{
    (void)state;
    plan_fixture p;
    ordered(&p);
    char *s = render(&p, false, false);
    assert_string_equal(
        s, "Ordered: with 1 extra ordering edge, the update has no window.\n"
           "  add:       update Router before WebServer (add Router to the DependsOn of "
           "WebServer)\n"
           "  wave 1:    update Router, create Bucket\n"
           "  wave 2:    update WebServer\n"
           "  wave 3:    delete Bucket\n");
    free(s);
    s = render(&p, false, true);
    assert_string_equal(
        s, "Ordered: with 1 extra ordering edge, the update has no window.\n"
           "  add:       update Router before WebServer (add Router to the DependsOn of "
           "WebServer)\n");
    free(s);
    fixture_release(&p.f);
}

static void safe_text_and_json(void **state)
{
    (void)state;
    plan_fixture p;
    ordered(&p);
    p.plan.verdict = SP_VERDICT_SAFE;
    p.steps[0].nedges = 0;
    char *s = render(&p, false, true);
    assert_string_equal(s, "Safe: the update has no window as it is.\n");
    free(s);
    json_t *j = render_json(&p);
    assert_string_equal(json_string_value(json_object_get(j, "verdict")), "safe");
    assert_int_equal(json_array_size(json_object_get(j, "edges")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "waves")), 3);
    json_decref(j);
    fixture_release(&p.f);
}

static void phased_lists_steps(void **state)
{
    (void)state;
    plan_fixture p;
    phased(&p);
    json_t *j = render_json(&p);
    char *compact = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(compact,
                        "{\"version\":1,\"direction\":\"update\",\"verdict\":\"phased\","
                        "\"edges\":[],\"waves\":[],"
                        "\"phases\":[{\"changes\":[\"Router\",\"Bucket\"],\"edges\":[],"
                        "\"waves\":[[\"Router\",\"Bucket\"],[\"Bucket\"]]},"
                        "{\"changes\":[\"WebServer\"],\"edges\":[],"
                        "\"waves\":[[\"WebServer\"]]}],"
                        "\"conflicts\":[]}");
    free(compact);
    json_decref(j);
    char *s = render(&p, false, false);
    assert_string_equal(s, "Phased: no order makes the update safe in one go; apply it in 2 "
                           "steps, each of them safe.\n"
                           "  step 1 of 2: Router, Bucket\n"
                           "    wave 1:    update Router, create Bucket\n"
                           "    wave 2:    delete Bucket\n"
                           "  step 2 of 2: WebServer\n"
                           "    wave 1:    update WebServer\n");
    free(s);
    fixture_release(&p.f);
}

static void impossible_names_conflicts(void **state)
{
    (void)state;
    plan_fixture p;
    impossible(&p);
    json_t *j = render_json(&p);
    assert_string_equal(json_string_value(json_object_get(j, "verdict")), "impossible");
    json_t *c = json_object_get(j, "conflicts");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_array_get(c, 0)), "Router");
    assert_string_equal(json_string_value(json_object_get(j, "why")),
                        "Router and WebServer must each be updated before the other");
    json_decref(j);
    char *s = render(&p, false, false);
    assert_string_equal(s, "Impossible: no safe way to apply the update, even in steps of "
                           "whole components: Router and WebServer must each be updated "
                           "before the other.\n"
                           "  conflicts: Router, WebServer\n");
    free(s);
    fixture_release(&p.f);
}

static void incomplete_has_no_verdict(void **state)
{
    (void)state;
    plan_fixture p;
    ordered(&p);
    p.plan.complete = false;
    p.plan.incomplete_reason = "the planner's bound on re-checks was reached";
    json_t *j = render_json(&p);
    assert_true(json_is_null(json_object_get(j, "verdict")));
    assert_true(json_is_false(json_object_get(j, "complete")));
    assert_string_equal(json_string_value(json_object_get(j, "incomplete_reason")),
                        "the planner's bound on re-checks was reached");
    assert_int_equal(json_array_size(json_object_get(j, "edges")), 0);
    json_decref(j);
    char *s = render(&p, false, false);
    assert_string_equal(s, "Incomplete: the planner stopped before it reached a verdict (the "
                           "planner's bound on re-checks was reached).\n");
    free(s);
    fixture_release(&p.f);
}

static void rollback_makes_an_array(void **state)
{
    (void)state;
    plan_fixture p;
    ordered(&p);
    sp_plan_result r[2] = {{&p.plan, &p.f.update, SP_UPDATE},
                           {&p.plan, &p.f.update, SP_ROLLBACK}};
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_true(sp_render_plan_json(r, 2, out));
    fclose(out);
    json_t *j = json_loads(buf, 0, NULL);
    assert_true(json_is_array(j));
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "direction")),
                        "rollback");
    json_decref(j);
    free(buf);
    fixture_release(&p.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ordered_json_is_designs_shape),
        cmocka_unit_test(ordered_text),
        cmocka_unit_test(safe_text_and_json),
        cmocka_unit_test(phased_lists_steps),
        cmocka_unit_test(impossible_names_conflicts),
        cmocka_unit_test(incomplete_has_no_verdict),
        cmocka_unit_test(rollback_makes_an_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
