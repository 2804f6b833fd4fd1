/* `snipeproof graph` output (src/output/dot.c) on hand-built models: what
 * the nodes and edges say, escaping, unmodelled types, the update picture
 * (clusters, edge colours, events and order), and determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/graph.h"
#include "output/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A set: tcp on the given ports (0 = every port) from 0.0.0.0/0. */
static const sp_reqset *tcp_from_anywhere(sp_ctx *ctx, const unsigned *ports, size_t n)
{
    sp_set_builder s;
    sp_set_begin(&s, ctx);
    for (size_t i = 0; i < (n ? n : 1); i++) {
        sp_box_builder b;
        sp_box_begin(&b, ctx);
        sp_ival any4;
        assert_true(sp_parse_cidr("0.0.0.0/0", &any4));
        sp_box_allow(&b, SP_DIM_SRC, any4.lo, any4.hi);
        sp_box_allow(&b, SP_DIM_PROTO, sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP));
        if (n)
            sp_box_allow(&b, SP_DIM_PORT, sp_key_num(ports[i]), sp_key_num(ports[i]));
        assert_true(sp_set_add_box(&s, &b));
    }
    const sp_reqset *set = sp_set_finish(&s);
    assert_non_null(set);
    return set;
}

/* Group (unchanged) hosts guard "in": allow tcp 22 and 80.  Web (a key
 * with a quote and a backslash, modified in place) is reached from the
 * internet through its slot "sg", where Group.in is attached: its old
 * version on tcp 80 only, its new one on anything.  Legacy (added, of an
 * unknown type) is a dependency of the new Web. */
typedef struct model_fx {
    sp_ctx ctx;
    sp_model m;
    sp_update u;
    uint32_t group, web, legacy;
} model_fx;

static void add_web(model_fx *x, sp_version v, sp_label l, const sp_reqset *edge_set)
{
    sp_model *m = &x->m;
    sp_name sg = sp_intern(&x->ctx.names, "sg"), in = sp_intern(&x->ctx.names, "in");
    assert_int_not_equal(sp_model_add_instance(m, x->web, v, l, SP_NO_LOC), SP_NONE);
    if (v == SP_VER_NEW)
        assert_true(sp_model_add_dep(m, x->legacy, SP_NO_LOC, true));
    sp_fact *slot = sp_model_add_fact(m, SP_FACT_SLOT, SP_NO_LOC);
    slot->a = (sp_ref){x->web, sg};
    sp_fact *att = sp_model_add_fact(m, SP_FACT_ATTACH, SP_NO_LOC);
    att->a = (sp_ref){x->web, sg};
    att->b = (sp_ref){x->group, in};
    sp_fact *e = sp_model_add_fact(m, SP_FACT_EDGE, SP_NO_LOC);
    e->a = (sp_ref){SP_INTERNET, 0};
    e->b = (sp_ref){x->web, 0};
    e->set = edge_set;
    e->why = "public \"address\"";
    assert_true(sp_model_edge_slot(m, e, (sp_ref){x->web, sg}));
}

static void build(model_fx *x)
{
    memset(x, 0, sizeof *x);
    sp_ctx_init(&x->ctx);
    sp_model *m = &x->m;
    sp_model_init(m, &x->ctx, SP_ENGINE_STACK);
    x->group = sp_model_add_component(m, "Group", "AWS::EC2::SecurityGroup");
    x->web = sp_model_add_component(m, "Web\"1\\x", "AWS::EC2::Instance");
    x->legacy = sp_model_add_component(m, "Legacy", "AWS::Example::Thing");
    m->components.items[x->group].change = SP_CHANGE_UNCHANGED;
    m->components.items[x->web].change = SP_CHANGE_MODIFIED;
    m->components.items[x->legacy].change = SP_CHANGE_ADDED;
    m->components.items[x->legacy].modeled = false;
    sp_model_note_unmodeled(m, "AWS::Example::Thing");

    static const unsigned ports[] = {22, 80};
    sp_name in = sp_intern(&x->ctx.names, "in");
    sp_model_add_instance(m, x->group, SP_VER_BOTH, SP_LABEL_UNCHANGED, SP_NO_LOC);
    sp_fact *g = sp_model_add_fact(m, SP_FACT_GUARD, SP_NO_LOC);
    g->a = (sp_ref){x->group, in};
    g->action = SP_DENY;
    sp_fact *r = sp_model_add_fact(m, SP_FACT_RULE, SP_NO_LOC);
    r->a = (sp_ref){x->group, in};
    r->action = SP_ALLOW;
    r->set = tcp_from_anywhere(&x->ctx, ports, 2);

    add_web(x, SP_VER_OLD, SP_LABEL_OLD, tcp_from_anywhere(&x->ctx, &ports[1], 1));
    add_web(x, SP_VER_NEW, SP_LABEL_NEW, sp_reqset_all(&x->ctx));
    sp_model_add_instance(m, x->legacy, SP_VER_NEW, SP_LABEL_NEW, SP_NO_LOC);
    m->old_path = "old.yaml";
    m->new_path = "new.yaml";
    assert_true(sp_update_build(&x->u, m, false));
}

static char *render(model_fx *x, bool update)
{
    sp_state_graph go, gn;
    unsigned char *all = malloc(x->u.events.len + 1);
    assert_non_null(all);
    memset(all, 1, x->u.events.len + 1);
    assert_true(sp_state_graph_build(&x->u, all, &gn));
    if (update)
        assert_true(sp_state_graph_build(&x->u, NULL, &go));
    free(all);
    sp_dot_graph g = {&x->u, update ? &go : NULL, &gn};
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    assert_true(sp_render_graph_dot(&g, out));
    fclose(out);
    return buf;
}

static void one_configuration(void **state)
{
    (void)state;
    model_fx x;
    build(&x);
    char *s = render(&x, false);
    assert_true(!strncmp(s, "digraph snipeproof {\n", 21));
    assert_non_null(strstr(s, "label=\"new.yaml\""));
    assert_non_null(strstr(s, "\"(internet)\" [label=\"internet\""));
    /* Keys are escaped; one configuration has no versions in names. */
    assert_non_null(strstr(s, "\"Web\\\"1\\\\x\" [label=\"Web\\\"1\\\\x\\nAWS::EC2::Instance\"]"));
    assert_null(strstr(s, "@new"));
    assert_null(strstr(s, "cluster"));
    /* The guard's host, and the unmodelled type, are marked. */
    assert_non_null(strstr(s, "\"Group\" [label=\"Group\\nAWS::EC2::SecurityGroup\", "
                              "shape=octagon"));
    assert_non_null(strstr(s, "\"Legacy\" [label=\"Legacy\\nAWS::Example::Thing\\n(not "
                              "modelled)\", style=\"rounded,dashed\""));
    /* The edge: what gets through the guard, and the guard's name. */
    assert_non_null(strstr(s, "\"(internet)\" -> \"Web\\\"1\\\\x\" [label=\"tcp 22, 80 from "
                              "0.0.0.0/0\\nguards: Group\", tooltip=\"public \\\"address\\\"\"];"));
    assert_true(strlen(s) > 2 && !strcmp(s + strlen(s) - 2, "}\n"));
    char *again = render(&x, false);
    assert_string_equal(s, again);
    free(again);
    free(s);
    sp_ctx_release(&x.ctx);
}

static void update_picture(void **state)
{
    (void)state;
    model_fx x;
    build(&x);
    char *s = render(&x, true);
    assert_non_null(strstr(s, "update old.yaml -> new.yaml"));
    /* The old Web in OLD's cluster, the new one and Legacy in NEW's, the
     * unchanged Group once, outside. */
    char *old_c = strstr(s, "subgraph cluster_old {"), *new_c = strstr(s, "subgraph cluster_new {");
    assert_non_null(old_c);
    assert_non_null(new_c);
    char *web_old = strstr(s, "\"Web\\\"1\\\\x@old\" [label=\"Web\\\"1\\\\x (old)");
    char *web_new = strstr(s, "\"Web\\\"1\\\\x@new\" [label=\"Web\\\"1\\\\x (new)");
    char *legacy = strstr(s, "\"Legacy@new\" [label=\"Legacy (new)\\nAWS::Example::Thing\\n(not "
                             "modelled)\\ncreated\"");
    assert_true(web_old && web_old > old_c && web_old < new_c);
    assert_true(web_new && web_new > new_c);
    assert_true(legacy && legacy > new_c);
    assert_non_null(strstr(s, "\n  \"Group\" [label="));
    assert_null(strstr(s, "Group@"));
    /* Edges by configuration: OLD's in red, NEW's in blue. */
    assert_non_null(strstr(s, "\"(internet)\" -> \"Web\\\"1\\\\x@old\" [label=\"tcp 80 from "
                              "0.0.0.0/0\\nguards: Group\", tooltip=\"public \\\"address\\\"\", "
                              "color=\"#b2182b\""));
    assert_non_null(strstr(s, "\"(internet)\" -> \"Web\\\"1\\\\x@new\" [label=\"tcp 22, 80 from "
                              "0.0.0.0/0\\nguards: Group\", tooltip=\"public \\\"address\\\"\", "
                              "color=\"#2166ac\""));
    /* The update of Web, and the order: create Legacy, then update Web. */
    assert_non_null(strstr(s, "\"Web\\\"1\\\\x@old\" -> \"Web\\\"1\\\\x@new\" [label=\"update\", "
                              "style=dashed"));
    assert_non_null(strstr(s, "\"Legacy@new\" -> \"Web\\\"1\\\\x@new\" [label=\"then update\", "
                              "style=dashed"));
    char *again = render(&x, true);
    assert_string_equal(s, again);
    free(again);
    free(s);
    sp_ctx_release(&x.ctx);
}

/* An edge whose slot has no guard says what the empty slot does. */
static void empty_slots_are_named(void **state)
{
    (void)state;
    model_fx x;
    build(&x);
    /* Detach Group from the new Web, whose slot then allows everything. */
    sp_name other = sp_intern(&x.ctx.names, "other");
    for (size_t i = 0; i < x.m.facts.len; i++) {
        sp_fact *f = &x.m.facts.items[i];
        if (x.m.instances.items[f->owner].version != SP_VER_NEW)
            continue;
        if (f->kind == SP_FACT_ATTACH)
            f->a.name = other;
        if (f->kind == SP_FACT_SLOT)
            f->flags |= SP_FACT_EMPTY_ALLOWS;
    }
    char *s = render(&x, false);
    assert_non_null(strstr(s, "[label=\"all traffic\\nWeb\\\"1\\\\x.sg: none (allows all)\""));
    free(s);
    sp_ctx_release(&x.ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_configuration),
        cmocka_unit_test(update_picture),
        cmocka_unit_test(empty_slots_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
