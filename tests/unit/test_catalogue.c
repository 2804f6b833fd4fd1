/* Unit tests of the type catalogue (src/frontend/cfn/catalogue*.c): the
 * built-in catalogue, --types files that add and override entries, prefix
 * entries, every error of a catalogue file with its position, and the
 * rendering for `snipeproof types`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frontend/cfn/roles.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fixture {
    sp_ctx ctx;
    sp_frontend_options opt;
    const char *files[4];
    char paths[4][64];
    size_t nfiles;
} fixture;

static fixture *fx_new(void)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    sp_ctx_init(&f->ctx);
    f->opt.types_files = f->files;
    return f;
}

static void fx_free(fixture *f)
{
    for (size_t i = 0; i < f->nfiles; i++)
        unlink(f->paths[i]);
    sp_ctx_release(&f->ctx);
    free(f);
}

/* Adds a --types file with `text`. */
static void fx_types(fixture *f, const char *text)
{
    assert_true(f->nfiles < 4);
    char *p = f->paths[f->nfiles];
    snprintf(p, 64, "/tmp/sp-test-types-XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    f->files[f->nfiles++] = p;
    f->opt.ntypes_files = f->nfiles;
}

static const sp_diag *first_error(const fixture *f)
{
    for (size_t i = 0; i < f->ctx.diags.len; i++)
        if (f->ctx.diags.items[i].severity == SP_SEV_ERROR)
            return &f->ctx.diags.items[i];
    return NULL;
}

/* Loading fails with an error at LINE:COL whose message contains `what`. */
static void expect_error(const char *text, unsigned line, unsigned col, const char *what)
{
    fixture *f = fx_new();
    fx_types(f, text);
    cfn_catalogue *c = cfn_catalogue_load(&f->ctx, &f->opt);
    assert_null(c);
    const sp_diag *d = first_error(f);
    assert_non_null(d);
    if (!strstr(d->message, what) || d->line != line || d->column != col)
        fail_msg("expected %u:%u '%s', got %s:%u:%u: %s", line, col, what,
                 d->file ? d->file : "-", d->line, d->column, d->message);
    assert_string_equal(d->file, f->paths[0]);
    fx_free(f);
}

/* ---- the built-in catalogue ---- */

static void builtin_loads(void **state)
{
    (void)state;
    fixture *f = fx_new();
    cfn_catalogue *c = cfn_catalogue_load(&f->ctx, &f->opt);
    assert_non_null(c);
    assert_int_equal(f->ctx.errors, 0);
    assert_true(c->entries.len > 200);
    const struct cfn_type_entry *e = cfn_catalogue_find(c, "AWS::EC2::Instance");
    assert_non_null(e);
    assert_string_equal(e->role->name, "network-node");
    assert_string_equal(e->file, "<built-in>/aws.types.yaml");
    assert_null(cfn_catalogue_find(c, "AWS::Nope::Nothing"));
    assert_null(cfn_catalogue_find(c, "Custom::Anything"));
    /* every entry is sorted, unique and described */
    for (size_t i = 0; i < c->entries.len; i++) {
        assert_non_null(c->entries.items[i].description);
        assert_true(strlen(c->entries.items[i].description) > 10);
        if (i)
            assert_true(strcmp(c->entries.items[i - 1].type, c->entries.items[i].type) <= 0);
    }
    fx_free(f);
}

/* The types the project requires, each with the role it is modelled by. */
static void builtin_required_types(void **state)
{
    (void)state;
    static const char *const req[][2] = {
        {"AWS::EC2::VPC", "node"},
        {"AWS::EC2::Subnet", "subnet"},
        {"AWS::EC2::SecurityGroup", "guard-allowlist"},
        {"AWS::EC2::SecurityGroupIngress", "guard-rule"},
        {"AWS::EC2::SecurityGroupEgress", "guard-rule"},
        {"AWS::EC2::NetworkAcl", "first-match-guard"},
        {"AWS::EC2::NetworkAclEntry", "first-match-rule"},
        {"AWS::EC2::SubnetNetworkAclAssociation", "attach"},
        {"AWS::EC2::Instance", "network-node"},
        {"AWS::EC2::EIP", "public-address"},
        {"AWS::EC2::EIPAssociation", "public-address"},
        {"AWS::EC2::NetworkInterface", "network-node"},
        {"AWS::EC2::InternetGateway", "public-entry"},
        {"AWS::EC2::VPCGatewayAttachment", "link"},
        {"AWS::ElasticLoadBalancingV2::LoadBalancer", "network-node"},
        {"AWS::ElasticLoadBalancingV2::Listener", "lb-listener"},
        {"AWS::ElasticLoadBalancingV2::TargetGroup", "lb-target-group"},
        {"AWS::ApiGateway::RestApi", "public-entry"},
        {"AWS::ApiGateway::Resource", "node"},
        {"AWS::ApiGateway::Method", "api-method"},
        {"AWS::ApiGateway::Authorizer", "forwarder"},
        {"AWS::ApiGateway::Deployment", "inert"},
        {"AWS::ApiGateway::Stage", "inert"},
        {"AWS::ApiGatewayV2::Api", "public-entry"},
        {"AWS::ApiGatewayV2::Route", "api-method"},
        {"AWS::ApiGatewayV2::Integration", "forwarder"},
        {"AWS::ApiGatewayV2::Authorizer", "forwarder"},
        {"AWS::ApiGatewayV2::Stage", "inert"},
        {"AWS::Lambda::Function", "policy-guarded"},
        {"AWS::Lambda::Permission", "permission"},
        {"AWS::Lambda::Url", "function-url"},
        {"AWS::Lambda::Alias", "policy-guarded"},
        {"AWS::Lambda::Version", "policy-guarded"},
        {"AWS::S3::Bucket", "bucket"},
        {"AWS::S3::BucketPolicy", "resource-policy"},
        {"AWS::Route53::RecordSet", "dns-record"},
        {"AWS::Route53::RecordSetGroup", "dns-record"},
        {"AWS::CloudFront::Distribution", "distribution"},
        {"AWS::IAM::Role", "iam-role"},
        {"AWS::IAM::Policy", "identity-policy"},
        {"AWS::IAM::ManagedPolicy", "identity-policy"},
        {"AWS::IAM::InstanceProfile", "inert"},
        {"AWS::RDS::DBInstance", "network-node"},
        {"AWS::SQS::Queue", "policy-guarded"},
        {"AWS::SQS::QueuePolicy", "resource-policy"},
        {"AWS::SNS::Topic", "policy-guarded"},
        {"AWS::SNS::TopicPolicy", "resource-policy"},
    };
    fixture *f = fx_new();
    cfn_catalogue *c = cfn_catalogue_load(&f->ctx, &f->opt);
    assert_non_null(c);
    for (size_t i = 0; i < sizeof req / sizeof *req; i++) {
        const struct cfn_type_entry *e = cfn_catalogue_find(c, req[i][0]);
        if (!e)
            fail_msg("%s is not in the built-in catalogue", req[i][0]);
        if (strcmp(e->role->name, req[i][1]))
            fail_msg("%s: role %s, expected %s", req[i][0], e->role->name, req[i][1]);
    }
    /* the bucket claims its name */
    const struct cfn_type_entry *b = cfn_catalogue_find(c, "AWS::S3::Bucket");
    assert_string_equal(b->claims_ns, "s3-bucket");
    assert_string_equal(b->claims_prop, "BucketName");
    fx_free(f);
}

/* ---- --types files ---- */

static void override_and_add(void **state)
{
    (void)state;
    fixture *f = fx_new();
    fx_types(f, "snipeproof: types/1\n"
                "types:\n"
                "  AWS::S3::Bucket:\n"
                "    role: inert\n"
                "    description: Buckets are ignored here.\n"
                "  Acme::Net::Gateway:\n"
                "    role: public-entry\n"
                "    protocols: [tcp]\n"
                "    ports: [443, \"8000-8080\"]\n"
                "    description: Our own gateway.\n");
    fx_types(f, "snipeproof: types/1\n"
                "types:\n"
                "  Acme::Net::Gateway:\n"
                "    role: public-entry\n"
                "    protocols: [udp]\n"
                "    description: Overridden again by a later file.\n");
    cfn_catalogue *c = cfn_catalogue_load(&f->ctx, &f->opt);
    assert_non_null(c);
    const struct cfn_type_entry *b = cfn_catalogue_find(c, "AWS::S3::Bucket");
    assert_string_equal(b->role->name, "inert");
    assert_string_equal(b->file, f->paths[0]);
    const struct cfn_type_entry *g = cfn_catalogue_find(c, "Acme::Net::Gateway");
    assert_non_null(g);
    assert_string_equal(g->description, "Overridden again by a later file.");
    assert_string_equal(g->file, f->paths[1]);
    /* the built-in entries not overridden are still there */
    assert_string_equal(cfn_catalogue_find(c, "AWS::EC2::Subnet")->role->name, "subnet");
    assert_int_equal(c->files.len, 3);
    fx_free(f);
}

static void prefix_entries(void **state)
{
    (void)state;
    fixture *f = fx_new();
    fx_types(f, "snipeproof: types/1\n"
                "types:\n"
                "  Custom::*:\n"
                "    role: inert\n"
                "    description: Every custom resource.\n"
                "  Custom::Net*:\n"
                "    role: node\n"
                "    description: Network custom resources.\n"
                "  Custom::NetExact:\n"
                "    role: claims-name\n"
                "    description: One exact type.\n");
    cfn_catalogue *c = cfn_catalogue_load(&f->ctx, &f->opt);
    assert_non_null(c);
    assert_string_equal(cfn_catalogue_find(c, "Custom::Foo")->role->name, "inert");
    assert_string_equal(cfn_catalogue_find(c, "Custom::NetThing")->role->name, "node");
    assert_string_equal(cfn_catalogue_find(c, "Custom::NetExact")->role->name, "claims-name");
    assert_null(cfn_catalogue_find(c, "Customs::Foo"));
    fx_free(f);
}

static void names_and_actions_merge(void **state)
{
    (void)state;
    fixture *f = fx_new();
    fx_types(f, "snipeproof: types/1\n"
                "names:\n"
                "  acme-site:\n"
                "    description: Acme hosted sites.\n"
                "    endpoints: [\"{name}.sites.acme.example\"]\n"
                "actions:\n"
                "  acme: [Read, Write]\n"
                "  s3: [GetObject]\n");
    cfn_catalogue *c = cfn_catalogue_load(&f->ctx, &f->opt);
    assert_non_null(c);
    bool found = false;
    for (size_t i = 0; i < c->names.len; i++)
        found |= !strcmp(c->names.items[i].name, "acme-site");
    assert_true(found);
    size_t reads = 0, gets = 0;
    for (size_t i = 0; i < c->actions.len; i++) {
        reads += !strcmp(c->actions.items[i], "acme:Read");
        gets += !strcmp(c->actions.items[i], "s3:GetObject");
    }
    assert_int_equal(reads, 1);
    assert_int_equal(gets, 1); /* merged, not duplicated */
    fx_free(f);
}

/* ---- errors, positioned in the catalogue file ---- */

static void error_unknown_role(void **state)
{
    (void)state;
    expect_error("snipeproof: types/1\n"
                 "types:\n"
                 "  Acme::X:\n"
                 "    role: teleporter\n"
                 "    description: x\n",
                 4, 11, "unknown role 'teleporter'");
}

static void error_unknown_key(void **state)
{
    (void)state;
    expect_error("snipeproof: types/1\n"
                 "types:\n"
                 "  Acme::X:\n"
                 "    role: subnet\n"
                 "    network: VpcId\n"
                 "    netwrok: VpcId\n"
                 "    description: x\n",
                 6, 5, "unknown key 'netwrok' for role subnet");
    fixture *f = fx_new();
    fx_types(f, "snipeproof: types/1\ntypes:\n  Acme::X:\n    role: inert\n"
                "    description: x\n    extra: 1\n");
    assert_null(cfn_catalogue_load(&f->ctx, &f->opt));
    /* a note lists what the role accepts */
    bool note = false;
    for (size_t i = 0; i < f->ctx.diags.len; i++)
        note |= f->ctx.diags.items[i].severity == SP_SEV_NOTE &&
                strstr(f->ctx.diags.items[i].message, "role inert accepts: role, description");
    assert_true(note);
    fx_free(f);
}

static void error_top_level(void **state)
{
    (void)state;
    expect_error("snipeproof: types/1\ntype:\n  Acme::X: {role: inert, description: x}\n", 2, 1,
                 "unknown key 'type' in a type catalogue");
    expect_error("types:\n  Acme::X: {role: inert, description: x}\n", 1, 1,
                 "'snipeproof: types/1' is missing");
    expect_error("snipeproof: types/2\ntypes: {}\n", 1, 13,
                 "unsupported catalogue format 'types/2'");
    expect_error("- just\n- a list\n", 1, 1, "not a type catalogue");
}

static void error_bad_yaml(void **state)
{
    (void)state;
    /* the reader's own error, positioned in the catalogue file */
    fixture *f = fx_new();
    fx_types(f, "snipeproof: types/1\ntypes:\n  Acme::X: {role: inert\n");
    assert_null(cfn_catalogue_load(&f->ctx, &f->opt));
    const sp_diag *d = first_error(f);
    assert_non_null(d);
    assert_string_equal(d->file, f->paths[0]);
    assert_true(d->line >= 3);
    fx_free(f);
    /* duplicate keys are the reader's error too */
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X: {role: inert, description: x}\n"
                 "  Acme::X: {role: node, description: y}\n",
                 4, 3, "duplicate key 'Acme::X'");
}

static void error_entry_shapes(void **state)
{
    (void)state;
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    description: x\n", 3, 3,
                 "has no 'role'");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: inert\n", 3, 3,
                 "needs a one-line 'description'");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: subnet\n"
                 "    description: x\n",
                 3, 3, "needs parameter 'network'");
    expect_error("snipeproof: types/1\ntypes:\n  Not A Type:\n    role: inert\n"
                 "    description: x\n",
                 3, 3, "is not a resource type name");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X: inert\n", 3, 12,
                 "wants a map with 'role' and 'description'");
}

static void error_parameter_values(void **state)
{
    (void)state;
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: subnet\n"
                 "    network: Vpc..Id\n    description: x\n",
                 5, 14, "'Vpc..Id' is not a valid path");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: network-node\n"
                 "    public-default: maybe\n    description: x\n",
                 5, 21, "wants true or false");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: public-entry\n"
                 "    ports: [80, 70000]\n    description: x\n",
                 5, 17, "not a port or port range");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: public-entry\n"
                 "    sources: anything\n    description: x\n",
                 5, 14, "wants one of ip|any");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: network-node\n"
                 "    public: ['!A=b']\n    description: x\n",
                 5, 14, "is not a valid test");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: subnet\n"
                 "    network: [A, B]\n    description: x\n",
                 5, 14, "wants a string");
    expect_error("snipeproof: types/1\ntypes:\n  Acme::X:\n    role: claims-name\n"
                 "    claims: {namespace: nowhere, property: Name}\n    description: x\n",
                 5, 13, "claims namespace 'nowhere' of Acme::X is not declared");
}

static void error_names_actions(void **state)
{
    (void)state;
    expect_error("snipeproof: types/1\nnames:\n  site:\n    description: d\n"
                 "    endpoints: [\"{region}.example\"]\n",
                 3, 3, "needs {name}");
    expect_error("snipeproof: types/1\nnames:\n  site:\n    description: d\n    kind: x\n", 5,
                 5, "unknown key 'kind' in namespace site");
    expect_error("snipeproof: types/1\nactions:\n  s3: [\"Get*\"]\n", 3, 8,
                 "is not an action name");
}

static void error_missing_file(void **state)
{
    (void)state;
    fixture *f = fx_new();
    f->files[0] = "/nonexistent/dir/t.types.yaml";
    f->opt.ntypes_files = 1;
    assert_null(cfn_catalogue_load(&f->ctx, &f->opt));
    const sp_diag *d = first_error(f);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "cannot open"));
    fx_free(f);
}

/* Many errors in one file are all reported. */
static void errors_accumulate(void **state)
{
    (void)state;
    fixture *f = fx_new();
    fx_types(f, "snipeproof: types/1\ntypes:\n"
                "  Acme::A: {role: nope, description: x}\n"
                "  Acme::B: {role: inert}\n"
                "  Acme::C: {role: inert, description: x, what: 1}\n");
    assert_null(cfn_catalogue_load(&f->ctx, &f->opt));
    assert_int_equal(f->ctx.errors, 3);
    fx_free(f);
}

/* ---- rendering ---- */

static char *render(fixture *f, bool json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    assert_true(sp_cfn_render_types(&f->ctx, &f->opt, json, out));
    fclose(out);
    return buf;
}

static void render_text(void **state)
{
    (void)state;
    fixture *f = fx_new();
    char *text = render(f, false);
    assert_non_null(strstr(text, "Type catalogue (format types/1):"));
    assert_non_null(strstr(text, "\nAWS::EC2::Instance  [network-node]\n"));
    assert_non_null(strstr(text, "\nROLES\n"));
    assert_non_null(strstr(text, "\nCLAIMABLE NAMES\n"));
    assert_non_null(strstr(text, "    endpoint {name}.s3-website-{region}.amazonaws.com\n"));
    /* every role is documented */
    for (size_t i = 0; cfn_roles[i]; i++) {
        char line[128];
        snprintf(line, sizeof line, "\n%s\n", cfn_roles[i]->name);
        if (!strstr(text, line))
            fail_msg("role %s missing from `types`", cfn_roles[i]->name);
    }
    free(text);
    fx_free(f);
}

static void render_json(void **state)
{
    (void)state;
    fixture *f = fx_new();
    fx_types(f, "snipeproof: types/1\ntypes:\n  Acme::X:\n    role: link\n"
                "    from: A\n    to: self\n    description: Mine.\n");
    char *text = render(f, true);
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("types --format json is not JSON: %s", err.text);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    json_t *types = json_object_get(j, "types");
    json_t *sum = json_object_get(j, "summary");
    assert_int_equal((size_t)json_integer_value(json_object_get(sum, "types")),
                     json_array_size(types));
    bool mine = false;
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "type")), "Acme::X"))
            continue;
        mine = true;
        assert_string_equal(json_string_value(json_object_get(t, "role")), "link");
        assert_string_equal(json_string_value(json_object_get(t, "file")), f->paths[0]);
        json_t *params = json_object_get(t, "parameters");
        assert_string_equal(json_string_value(json_object_get(params, "to")), "self");
    }
    assert_true(mine);
    assert_true(json_array_size(json_object_get(j, "roles")) > 20);
    json_decref(j);
    free(text);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_loads),
        cmocka_unit_test(builtin_required_types),
        cmocka_unit_test(override_and_add),
        cmocka_unit_test(prefix_entries),
        cmocka_unit_test(names_and_actions_merge),
        cmocka_unit_test(error_unknown_role),
        cmocka_unit_test(error_unknown_key),
        cmocka_unit_test(error_top_level),
        cmocka_unit_test(error_bad_yaml),
        cmocka_unit_test(error_entry_shapes),
        cmocka_unit_test(error_parameter_values),
        cmocka_unit_test(error_names_actions),
        cmocka_unit_test(error_missing_file),
        cmocka_unit_test(errors_accumulate),
        cmocka_unit_test(render_text),
        cmocka_unit_test(render_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
