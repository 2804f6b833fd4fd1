/* Unit tests of the CloudFormation front-end core (src/frontend/cfn:
 * template, conditions, values, diff, cfn): parameters and
 * pseudo-parameters, three-valued conditions, static evaluation of every
 * intrinsic function, references in every form, list items, properties
 * through Fn::If, the replacement facts, every change kind (with
 * normalisation, neutral properties, nested and wildcard createOnly paths,
 * ripple and cascade), dependencies and the engine's order, JSON/YAML twins,
 * and input detection.  Templates are written inline as YAML (or JSON). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frontend/cfn/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

typedef struct fixture {
    sp_ctx ctx;
    sp_frontend_options opt;
    sp_param params[8];
} fixture;

static fixture *fx_new(void)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    sp_ctx_init(&f->ctx);
    f->opt.params = f->params;
    return f;
}

static void fx_free(fixture *f)
{
    sp_ctx_release(&f->ctx);
    free(f);
}

static void fx_param(fixture *f, const char *name, const char *value)
{
    f->params[f->opt.nparams].name = name;
    f->params[f->opt.nparams].value = value;
    f->opt.nparams++;
}

static const sp_doc *read_doc(fixture *f, const char *path, const char *text)
{
    uint32_t src = sp_source_add(&f->ctx, path, text, strlen(text));
    assert_int_not_equal(src, SP_NO_SOURCE);
    const sp_doc *d = sp_read_document(&f->ctx, src);
    if (!d)
        fail_msg("%s does not read: %s", path,
                 f->ctx.diags.len ? f->ctx.diags.items[0].message : "?");
    return d;
}

static void print_diags(const fixture *f)
{
    for (size_t i = 0; i < f->ctx.diags.len; i++)
        fprintf(stderr, "  diag: %s:%u:%u: %s\n",
                f->ctx.diags.items[i].file ? f->ctx.diags.items[i].file : "-",
                f->ctx.diags.items[i].line, f->ctx.diags.items[i].column,
                f->ctx.diags.items[i].message);
}

static cfn_template *tmpl(fixture *f, const char *text)
{
    cfn_template *t = cfn_template_load(&f->ctx, &f->opt, read_doc(f, "t.yaml", text));
    assert_non_null(t);
    if (t->failed)
        print_diags(f);
    assert_false(t->failed);
    return t;
}

/* The expression at Resources.R.Properties.P. */
static const sp_doc *prop(const cfn_template *t, const char *res, const char *p)
{
    const cfn_resource *r = cfn_find_resource(t, res);
    assert_non_null(r);
    const sp_doc *d = sp_doc_get(r->props, p);
    assert_non_null(d);
    return d;
}

static void assert_string(const cfn_template *t, const sp_doc *e, const char *want)
{
    cfn_value v = cfn_eval(t, e);
    if (v.kind != CFN_VAL_STRING)
        fail_msg("expected the string \"%s\", got value kind %d", want, (int)v.kind);
    assert_string_equal(v.text, want);
}

static void assert_kind(const cfn_template *t, const sp_doc *e, cfn_value_kind kind)
{
    cfn_value v = cfn_eval(t, e);
    if (v.kind != kind)
        fail_msg("expected value kind %d, got %d", (int)kind, (int)v.kind);
}

/* ---- parameters and pseudo-parameters ---- */

static const char *params_yaml =
    "Parameters:\n"
    "  Env: {Type: String, Default: prod}\n"
    "  Port: {Type: Number, Default: 22}\n"
    "  KeyName: {Type: 'AWS::EC2::KeyPair::KeyName'}\n"
    "  Cidrs: {Type: CommaDelimitedList, Default: '10.0.0.0/8, 192.168.0.0/16'}\n"
    "  Ami: {Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: /aws/ami}\n"
    "Resources:\n"
    "  R:\n"
    "    Type: AWS::SNS::Topic\n"
    "    Properties:\n"
    "      A: !Ref Env\n"
    "      B: !Ref Port\n"
    "      C: !Ref KeyName\n"
    "      D: !Ref Cidrs\n"
    "      E: !Ref Ami\n"
    "      F: !Ref AWS::Partition\n"
    "      G: !Ref AWS::URLSuffix\n"
    "      H: !Ref AWS::Region\n"
    "      I: !Ref AWS::NoValue\n"
    "      J: !Ref AWS::AccountId\n"
    "      K: !Ref AWS::StackName\n"
    "      L: !Ref AWS::NotificationARNs\n"
    "      M: !Ref S\n"
    "  S:\n"
    "    Type: AWS::SNS::Topic\n";

static void test_parameters(void **state)
{
    (void)state;
    fixture *f = fx_new();
    cfn_template *t = tmpl(f, params_yaml);
    assert_string(t, prop(t, "R", "A"), "prod");
    assert_string(t, prop(t, "R", "B"), "22");
    assert_kind(t, prop(t, "R", "C"), CFN_VAL_UNKNOWN); /* no default */
    cfn_value d = cfn_eval(t, prop(t, "R", "D"));
    assert_int_equal(d.kind, CFN_VAL_LIST);
    assert_int_equal(d.node->u.seq.len, 2);
    assert_string_equal(sp_doc_text(d.node->u.seq.items[1]), "192.168.0.0/16"); /* trimmed */
    assert_kind(t, prop(t, "R", "E"), CFN_VAL_UNKNOWN); /* an SSM name, not a value */
    assert_string(t, prop(t, "R", "F"), "aws");
    assert_string(t, prop(t, "R", "G"), "amazonaws.com");
    assert_kind(t, prop(t, "R", "H"), CFN_VAL_UNKNOWN);
    assert_kind(t, prop(t, "R", "I"), CFN_VAL_NONE);
    assert_kind(t, prop(t, "R", "J"), CFN_VAL_UNKNOWN);
    assert_kind(t, prop(t, "R", "K"), CFN_VAL_UNKNOWN);
    assert_kind(t, prop(t, "R", "L"), CFN_VAL_UNKNOWN);
    cfn_value m = cfn_eval(t, prop(t, "R", "M"));
    assert_int_equal(m.kind, CFN_VAL_RESOURCE);
    assert_string_equal(m.resource->id, "S");
    assert_null(m.attr);
    fx_free(f);
}

static void test_param_option(void **state)
{
    (void)state;
    fixture *f = fx_new();
    fx_param(f, "Env", "dev");
    fx_param(f, "KeyName", "mine");
    fx_param(f, "Ami", "ami-123");
    fx_param(f, "AWS::Region", "eu-west-1");
    fx_param(f, "AWS::Partition", "aws-cn");
    fx_param(f, "Cidrs", "1.2.3.4/32");
    cfn_template *t = tmpl(f, params_yaml);
    assert_string(t, prop(t, "R", "A"), "dev");
    assert_string(t, prop(t, "R", "C"), "mine");
    assert_string(t, prop(t, "R", "E"), "ami-123");
    assert_string(t, prop(t, "R", "H"), "eu-west-1");
    assert_string(t, prop(t, "R", "F"), "aws-cn");
    cfn_value d = cfn_eval(t, prop(t, "R", "D"));
    assert_int_equal(d.kind, CFN_VAL_LIST);
    assert_int_equal(d.node->u.seq.len, 1);
    fx_free(f);
}

/* ---- conditions ---- */

static const char *conditions_yaml =
    "Parameters:\n"
    "  Env: {Type: String, Default: prod}\n"
    "  Free: {Type: String}\n"
    "Mappings:\n"
    "  M: {prod: {size: large}, dev: {size: small}}\n"
    "Conditions:\n"
    "  IsProd: !Equals [!Ref Env, prod]\n"
    "  IsDev: !Not [!Condition IsProd]\n"
    "  Unknown: !Equals [!Ref Free, x]\n"
    "  AndFalse: !And [!Condition IsDev, !Condition Unknown]\n"
    "  AndUnknown: !And [!Condition IsProd, !Condition Unknown]\n"
    "  OrTrue: !Or [!Condition Unknown, !Condition IsProd]\n"
    "  OrUnknown: !Or [!Condition Unknown, !Condition IsDev]\n"
    "  NotUnknown: !Not [!Condition Unknown]\n"
    "  Large: !Equals [!FindInMap [M, !Ref Env, size], large]\n"
    "  Region: !Equals [!Ref 'AWS::Region', us-east-1]\n"
    "Resources:\n"
    "  A: {Type: AWS::SNS::Topic, Condition: IsProd}\n"
    "  B: {Type: AWS::SNS::Topic, Condition: IsDev}\n"
    "  C: {Type: AWS::SNS::Topic, Condition: Unknown}\n";

static void test_conditions(void **state)
{
    (void)state;
    fixture *f = fx_new();
    cfn_template *t = tmpl(f, conditions_yaml);
    assert_int_equal(cfn_condition_value(t, "IsProd"), CFN_TRUE);
    assert_int_equal(cfn_condition_value(t, "IsDev"), CFN_FALSE);
    assert_int_equal(cfn_condition_value(t, "Unknown"), CFN_UNDECIDED);
    assert_int_equal(cfn_condition_value(t, "AndFalse"), CFN_FALSE);
    assert_int_equal(cfn_condition_value(t, "AndUnknown"), CFN_UNDECIDED);
    assert_int_equal(cfn_condition_value(t, "OrTrue"), CFN_TRUE);
    assert_int_equal(cfn_condition_value(t, "OrUnknown"), CFN_UNDECIDED);
    assert_int_equal(cfn_condition_value(t, "NotUnknown"), CFN_UNDECIDED);
    assert_int_equal(cfn_condition_value(t, "Large"), CFN_TRUE);
    assert_int_equal(cfn_condition_value(t, "Region"), CFN_UNDECIDED);
    assert_int_equal(cfn_find_resource(t, "A")->presence, CFN_PRESENT);
    assert_int_equal(cfn_find_resource(t, "B")->presence, CFN_ABSENT);
    assert_int_equal(cfn_find_resource(t, "C")->presence, CFN_MAYBE);
    assert_int_equal(t->undecided, 1);
    fx_free(f);

    /* --param decides what was undecidable. */
    f = fx_new();
    fx_param(f, "Free", "x");
    fx_param(f, "Env", "dev");
    t = tmpl(f, conditions_yaml);
    assert_int_equal(cfn_condition_value(t, "Unknown"), CFN_TRUE);
    assert_int_equal(cfn_condition_value(t, "IsProd"), CFN_FALSE);
    assert_int_equal(cfn_condition_value(t, "OrUnknown"), CFN_TRUE);
    assert_int_equal(cfn_condition_value(t, "Large"), CFN_FALSE);
    assert_int_equal(cfn_find_resource(t, "A")->presence, CFN_ABSENT);
    assert_int_equal(cfn_find_resource(t, "C")->presence, CFN_PRESENT);
    fx_free(f);
}

/* ---- intrinsic functions ---- */

static const char *functions_yaml =
    "Parameters:\n"
    "  Env: {Type: String, Default: prod}\n"
    "  Free: {Type: String}\n"
    "  Zones: {Type: CommaDelimitedList, Default: 'a,b,c'}\n"
    "Mappings:\n"
    "  Sizes: {prod: {n: '3', list: [x, y]}}\n"
    "Conditions:\n"
    "  IsProd: !Equals [!Ref Env, prod]\n"
    "  Maybe: !Equals [!Ref Free, x]\n"
    "Resources:\n"
    "  Bucket:\n"
    "    Type: AWS::S3::Bucket\n"
    "  R:\n"
    "    Type: AWS::SNS::Topic\n"
    "    Properties:\n"
    "      Sub1: !Sub '${Env}-${AWS::Partition}-${!Literal}'\n"
    "      Sub2: !Sub ['${A}/${Env}', {A: !Join ['-', [x, !Ref Env]]}]\n"
    "      Sub3: !Sub 'arn:${Bucket}'\n"
    "      Sub4: !Sub '${Bucket}'\n"
    "      Sub5: !Sub '${Bucket.Arn}'\n"
    "      Sub6: !Sub '${AWS::Region}'\n"
    "      Join1: !Join [',', [a, !Ref Env, !If [IsProd, !Ref 'AWS::NoValue', z]]]\n"
    "      Join2: !Join ['', [a, !Ref Free]]\n"
    "      Sel1: !Select [1, !Ref Zones]\n"
    "      Sel2: !Select ['2', !Split [':', 'p:q:r']]\n"
    "      Sel3: !Select [0, !GetAZs '']\n"
    "      Sel4: !Select [1, !FindInMap [Sizes, !Ref Env, list]]\n"
    "      If1: !If [IsProd, yes, no]\n"
    "      If2: !If [Maybe, same, same]\n"
    "      If3: !If [Maybe, one, two]\n"
    "      If4: !If [IsProd, !Ref 'AWS::NoValue', x]\n"
    "      Map1: !FindInMap [Sizes, !Ref Env, n]\n"
    "      Map2: !FindInMap [Sizes, !Ref Free, n]\n"
    "      B64: !Base64 'hi!'\n"
    "      Imp: !ImportValue other-stack-export\n"
    "      Cidr: !Select [2, !Cidr ['10.0.0.0/16', 4, 8]]\n"
    "      Att1: !GetAtt Bucket.Arn\n"
    "      Att2: !GetAtt [Bucket, DomainName]\n"
    "      Len: !Length [a, b, c]\n";

static void test_functions(void **state)
{
    (void)state;
    fixture *f = fx_new();
    cfn_template *t = tmpl(f, functions_yaml);
    assert_string(t, prop(t, "R", "Sub1"), "prod-aws-${Literal}");
    assert_string(t, prop(t, "R", "Sub2"), "x-prod/prod");
    assert_kind(t, prop(t, "R", "Sub3"), CFN_VAL_UNKNOWN);
    cfn_value v = cfn_eval(t, prop(t, "R", "Sub4"));
    assert_int_equal(v.kind, CFN_VAL_RESOURCE);
    assert_null(v.attr);
    v = cfn_eval(t, prop(t, "R", "Sub5"));
    assert_int_equal(v.kind, CFN_VAL_RESOURCE);
    assert_string_equal(v.attr, "Arn");
    assert_kind(t, prop(t, "R", "Sub6"), CFN_VAL_UNKNOWN);
    assert_string(t, prop(t, "R", "Join1"), "a,prod");
    assert_kind(t, prop(t, "R", "Join2"), CFN_VAL_UNKNOWN);
    assert_string(t, prop(t, "R", "Sel1"), "b");
    assert_string(t, prop(t, "R", "Sel2"), "r");
    assert_kind(t, prop(t, "R", "Sel3"), CFN_VAL_UNKNOWN);
    assert_string(t, prop(t, "R", "Sel4"), "y");
    assert_string(t, prop(t, "R", "If1"), "yes");
    assert_string(t, prop(t, "R", "If2"), "same");
    assert_kind(t, prop(t, "R", "If3"), CFN_VAL_UNKNOWN);
    assert_kind(t, prop(t, "R", "If4"), CFN_VAL_NONE);
    assert_string(t, prop(t, "R", "Map1"), "3");
    assert_kind(t, prop(t, "R", "Map2"), CFN_VAL_UNKNOWN);
    assert_string(t, prop(t, "R", "B64"), "aGkh");
    assert_kind(t, prop(t, "R", "Imp"), CFN_VAL_UNKNOWN);
    assert_string(t, prop(t, "R", "Cidr"), "10.0.2.0/24");
    v = cfn_eval(t, prop(t, "R", "Att1"));
    assert_int_equal(v.kind, CFN_VAL_RESOURCE);
    assert_string_equal(v.resource->id, "Bucket");
    assert_string_equal(v.attr, "Arn");
    v = cfn_eval(t, prop(t, "R", "Att2"));
    assert_string_equal(v.attr, "DomainName");
    assert_string(t, prop(t, "R", "Len"), "3");
    /* cfn_prop goes through decided Fn::If and drops AWS::NoValue. */
    const cfn_resource *r = cfn_find_resource(t, "R");
    assert_null(cfn_prop(r, "If4"));
    assert_null(cfn_prop(r, "Nothing"));
    assert_string_equal(sp_doc_text(cfn_prop(r, "If1")), "yes");
    fx_free(f);
}

/* ---- references ---- */

typedef struct refs {
    char text[1024];
} refs;

static void add_ref(const cfn_template *t, const cfn_resource *r, const sp_doc *at, void *arg)
{
    (void)t;
    (void)at;
    refs *x = arg;
    size_t n = strlen(x->text);
    snprintf(x->text + n, sizeof x->text - n, "%s%s", n ? " " : "", r->id);
}

static const char *references_yaml =
    "Parameters:\n"
    "  P: {Type: String, Default: v}\n"
    "Conditions:\n"
    "  Yes: !Equals [a, a]\n"
    "Resources:\n"
    "  A: {Type: AWS::SNS::Topic}\n"
    "  B: {Type: AWS::SNS::Topic}\n"
    "  C: {Type: AWS::SNS::Topic}\n"
    "  D: {Type: AWS::SNS::Topic}\n"
    "  E: {Type: AWS::SNS::Topic}\n"
    "  F: {Type: AWS::SNS::Topic}\n"
    "  G: {Type: AWS::SNS::Topic}\n"
    "  H: {Type: AWS::SNS::Topic}\n"
    "  X:\n"
    "    Type: AWS::SNS::Topic\n"
    "    DependsOn: [H]\n"
    "    Properties:\n"
    "      R1: !Ref A\n"
    "      R2: {'Fn::GetAtt': [B, Arn]}\n"
    "      R3: !GetAtt C.Arn\n"
    "      R4: !Sub '${D} ${E.Arn} ${P} ${AWS::Region} ${!H}'\n"
    "      R5: !Sub ['${V} ${F}', {V: !Ref A, F: lit}]\n"
    "      R6: [{Deep: {Deeper: !If [Yes, !Ref F, !Ref G]}}]\n";

static void test_references(void **state)
{
    (void)state;
    fixture *f = fx_new();
    cfn_template *t = tmpl(f, references_yaml);
    const cfn_resource *x = cfn_find_resource(t, "X");
    refs got = {{0}};
    cfn_each_reference(t, x->props, add_ref, &got);
    /* ${F} in R5 is a variable; both branches of Fn::If count; ${!H} is
     * literal text. */
    assert_string_equal(got.text, "A B C D E A F G");
    /* The template's edges: references, then DependsOn (declared), with
     * liveness. */
    const cfn_res *xr = cfn_res_of(x);
    assert_int_equal(xr->nedges, 9);
    assert_true(xr->edges[8].declared);
    assert_string_equal(t->res[xr->edges[8].target].pub.id, "H");
    assert_true(xr->edges[6].live);  /* F: the true branch */
    assert_false(xr->edges[7].live); /* G: the false branch */
    fx_free(f);
}

static void add_item(const cfn_template *t, const sp_doc *item, void *arg)
{
    refs *x = arg;
    cfn_value v = cfn_eval(t, item);
    size_t n = strlen(x->text);
    snprintf(x->text + n, sizeof x->text - n, "%s%s", n ? " " : "",
             v.kind == CFN_VAL_STRING ? v.text : "?");
}

static void test_items(void **state)
{
    (void)state;
    fixture *f = fx_new();
    cfn_template *t = tmpl(f, "Parameters:\n"
                              "  L: {Type: CommaDelimitedList, Default: 'p,q'}\n"
                              "  U: {Type: CommaDelimitedList}\n"
                              "  Free: {Type: String}\n"
                              "Conditions:\n"
                              "  No: !Equals [a, b]\n"
                              "  Maybe: !Equals [!Ref Free, x]\n"
                              "Resources:\n"
                              "  R:\n"
                              "    Type: AWS::SNS::Topic\n"
                              "    Properties:\n"
                              "      A: [a, !If [No, b, !Ref 'AWS::NoValue'], !If [Maybe, c, d]]\n"
                              "      B: !Ref L\n"
                              "      C: !If [Maybe, [x], !Ref L]\n"
                              "      D: !Ref U\n");
    const char *want[] = {"a c d", "p q", "x p q", "?"};
    const char *names[] = {"A", "B", "C", "D"};
    for (int i = 0; i < 4; i++) {
        refs got = {{0}};
        cfn_each_item(t, prop(t, "R", names[i]), add_item, &got);
        assert_string_equal(got.text, want[i]);
    }
    fx_free(f);
}

/* ---- the facts table ---- */

static void test_facts(void **state)
{
    (void)state;
    extern const unsigned char sp_builtin_cfn_facts[];
    extern const size_t sp_builtin_cfn_facts_len;
    fixture *f = fx_new();
    cfn_facts *facts = cfn_facts_load(&f->ctx, (const char *)sp_builtin_cfn_facts,
                                      sp_builtin_cfn_facts_len);
    assert_non_null(facts);
    const cfn_type_facts *b = cfn_facts_find(facts, "AWS::S3::Bucket");
    assert_non_null(b);
    bool found = false;
    for (size_t i = 0; i < b->ncreate_only; i++)
        found |= !strcmp(b->create_only[i], "BucketName");
    assert_true(found);
    assert_int_equal(b->nnames, 1);
    assert_string_equal(b->names[0], "BucketName");
    const cfn_type_facts *h = cfn_facts_find(facts, "AWS::Route53::HealthCheck");
    assert_non_null(h);
    found = false;
    for (size_t i = 0; i < h->ncreate_only; i++)
        found |= !strcmp(h->create_only[i], "HealthCheckConfig/Type");
    assert_true(found);
    assert_null(cfn_facts_find(facts, "AWS::No::Such"));
    assert_null(cfn_facts_find(facts, "Custom::Thing"));
    fx_free(f);
}

/* ---- the model ---- */

typedef struct loaded {
    fixture *f;
    sp_model m;
    sp_update u;
    bool ok;
} loaded;

static loaded *load(const char *old_text, const char *new_text, const char *ext)
{
    loaded *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->f = fx_new();
    char po[32], pn[32];
    snprintf(po, sizeof po, "old.%s", ext);
    snprintf(pn, sizeof pn, "new.%s", ext);
    const sp_doc *o = old_text ? read_doc(l->f, po, old_text) : NULL;
    const sp_doc *n = new_text ? read_doc(l->f, pn, new_text) : NULL;
    l->ok = sp_cfn_load(&l->f->ctx, &l->f->opt, o, n, &l->m) &&
            sp_update_build(&l->u, &l->m, false);
    return l;
}

static loaded *load_ok(const char *old_text, const char *new_text)
{
    loaded *l = load(old_text, new_text, "yaml");
    if (!l->ok)
        print_diags(l->f);
    assert_true(l->ok);
    return l;
}

static void unload(loaded *l)
{
    fx_free(l->f);
    free(l);
}

static sp_change change_of(const loaded *l, const char *key)
{
    uint32_t c = sp_model_find(&l->m, key);
    if (c == SP_NONE)
        fail_msg("no component %s", key);
    return l->m.components.items[c].change;
}

#define assert_change(l, key, want)                                                         \
    do {                                                                                     \
        sp_change got_ = change_of((l), (key));                                             \
        if (got_ != (want))                                                                  \
            fail_msg("%s: %s, expected %s", (key), sp_change_name(got_), sp_change_name(want)); \
    } while (0)

static char *dump(const loaded *l)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    sp_model_dump(&l->m, &l->u, out);
    fclose(out);
    return buf;
}

static const char *base_yaml =
    "Parameters:\n"
    "  Size: {Type: String, Default: small}\n"
    "Resources:\n"
    "  Same:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties: {DelaySeconds: 5, VisibilityTimeout: 30}\n"
    "  Order:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties: {DelaySeconds: 5, VisibilityTimeout: 30}\n"
    "  Neutral:\n"
    "    Type: AWS::SQS::Queue\n"
    "    DeletionPolicy: Delete\n"
    "    Properties: {DelaySeconds: 5, Tags: [{Key: a, Value: b}]}\n"
    "  Tags:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties: {DelaySeconds: !Ref Size}\n"
    "  Modified:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties: {DelaySeconds: 5}\n"
    "  Replaced:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties: {QueueName: one}\n"
    "  Check:\n"
    "    Type: AWS::Route53::HealthCheck\n"
    "    Properties: {HealthCheckConfig: {Type: HTTP, Port: 80, RequestInterval: 30}}\n"
    "  Check2:\n"
    "    Type: AWS::Route53::HealthCheck\n"
    "    Properties: {HealthCheckConfig: {Type: HTTP, Port: 80, RequestInterval: 30}}\n"
    "  Env:\n"
    "    Type: AWS::Batch::ComputeEnvironment\n"
    "    Properties: {Type: MANAGED, Tags: {a: b}}\n"
    "  Quick:\n"
    "    Type: AWS::SSMQuickSetup::ConfigurationManager\n"
    "    Properties: {ConfigurationDefinitions: [{Type: A, Parameters: {x: '1'}}]}\n"
    "  Quick2:\n"
    "    Type: AWS::SSMQuickSetup::ConfigurationManager\n"
    "    Properties: {ConfigurationDefinitions: [{Type: A, Parameters: {x: '1'}}]}\n"
    "  Removed:\n"
    "    Type: AWS::SQS::Queue\n";

static const char *changed_yaml =
    "Parameters:\n"
    "  Size: {Type: String, Default: small, Description: changed}\n"
    "Resources:\n"
    "  Same:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties: {DelaySeconds: 5, VisibilityTimeout: 30}\n"
    "  Order:\n"
    "    Properties: {VisibilityTimeout: '30', DelaySeconds: 5}\n"
    "    Type: AWS::SQS::Queue\n"
    "  Neutral:\n"
    "    Type: AWS::SQS::Queue\n"
    "    DeletionPolicy: Retain\n"
    "    UpdateReplacePolicy: Retain\n"
    "    Metadata: {note: x}\n"
    "    Properties: {DelaySeconds: 5, Description: new, Tags: [{Key: a, Value: c}]}\n"
    "  Tags:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties:\n"
    "      DelaySeconds: {Ref: Size}\n"
    "  Modified:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties: {DelaySeconds: 6}\n"
    "  Replaced:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties: {QueueName: two}\n"
    "  Check:\n"
    "    Type: AWS::Route53::HealthCheck\n"
    "    Properties: {HealthCheckConfig: {Type: HTTP, Port: 8080, RequestInterval: 30}}\n"
    "  Check2:\n"
    "    Type: AWS::Route53::HealthCheck\n"
    "    Properties: {HealthCheckConfig: {Type: HTTP, Port: 80, RequestInterval: 10}}\n"
    "  Env:\n"
    "    Type: AWS::Batch::ComputeEnvironment\n"
    "    Properties: {Type: MANAGED, Tags: {a: c}}\n"
    "  Quick:\n"
    "    Type: AWS::SSMQuickSetup::ConfigurationManager\n"
    "    Properties: {ConfigurationDefinitions: [{Type: A, Parameters: {x: '2'}}]}\n"
    "  Quick2:\n"
    "    Type: AWS::SSMQuickSetup::ConfigurationManager\n"
    "    Properties: {ConfigurationDefinitions: [{Type: B, Parameters: {x: '1'}}]}\n"
    "  Added:\n"
    "    Type: AWS::SQS::Queue\n";

static void test_changes(void **state)
{
    (void)state;
    loaded *l = load_ok(base_yaml, changed_yaml);
    assert_change(l, "Same", SP_CHANGE_UNCHANGED);
    assert_change(l, "Order", SP_CHANGE_UNCHANGED);     /* key order, '30' vs 30 */
    assert_change(l, "Neutral", SP_CHANGE_UNCHANGED);   /* Tags, Description, policies */
    assert_change(l, "Tags", SP_CHANGE_UNCHANGED);      /* !Ref X vs {Ref: X} */
    assert_change(l, "Modified", SP_CHANGE_MODIFIED);
    assert_change(l, "Replaced", SP_CHANGE_REPLACED);   /* QueueName */
    assert_change(l, "Check", SP_CHANGE_MODIFIED);      /* Port: not createOnly */
    assert_change(l, "Check2", SP_CHANGE_REPLACED);     /* HealthCheckConfig/RequestInterval */
    assert_change(l, "Env", SP_CHANGE_REPLACED);        /* Tags: neutral but createOnly */
    assert_change(l, "Quick", SP_CHANGE_MODIFIED);      /* beside ConfigurationDefinitions/ * /Type */
    assert_change(l, "Quick2", SP_CHANGE_REPLACED);     /* at ConfigurationDefinitions/ * /Type */
    assert_change(l, "Added", SP_CHANGE_ADDED);
    assert_change(l, "Removed", SP_CHANGE_REMOVED);
    /* Instances: one for unchanged, two for the others. */
    const sp_component *same = &l->m.components.items[sp_model_find(&l->m, "Same")];
    assert_int_equal(same->inst_old, same->inst_new);
    assert_int_equal(l->m.instances.items[same->inst_old].version, SP_VER_BOTH);
    assert_int_equal(l->m.instances.items[same->inst_old].label, SP_LABEL_UNCHANGED);
    const sp_component *mod = &l->m.components.items[sp_model_find(&l->m, "Modified")];
    assert_int_not_equal(mod->inst_old, mod->inst_new);
    assert_int_equal(l->m.instances.items[mod->inst_old].label, SP_LABEL_OLD);
    assert_int_equal(l->m.instances.items[mod->inst_new].label, SP_LABEL_NEW);
    /* Component order: NEW's logical IDs, then those only in OLD. */
    assert_string_equal(l->m.components.items[l->m.components.len - 1].key, "Removed");
    unload(l);
}

static void test_parameter_changes(void **state)
{
    (void)state;
    /* A changed default changes what the resource gets; so does a changed
     * mapping and a flipped condition. */
    const char *o = "Parameters:\n"
                    "  Delay: {Type: String, Default: '5'}\n"
                    "  Free: {Type: String}\n"
                    "Mappings:\n"
                    "  M: {k: {v: '1'}}\n"
                    "Conditions:\n"
                    "  C: !Equals [!Ref Delay, '5']\n"
                    "  U: !Equals [!Ref Free, x]\n"
                    "Resources:\n"
                    "  ByParam: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !Ref Delay}}\n"
                    "  ByMap: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !FindInMap [M, k, v]}}\n"
                    "  ByCond: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !If [C, 1, 2]}}\n"
                    "  Undecided: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !If [U, 1, 2]}}\n"
                    "  Unknown: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !Ref Free}}\n";
    const char *n = "Parameters:\n"
                    "  Delay: {Type: String, Default: '6'}\n"
                    "  Free: {Type: String}\n"
                    "Mappings:\n"
                    "  M: {k: {v: '2'}}\n"
                    "Conditions:\n"
                    "  C: !Equals [!Ref Delay, '5']\n"
                    "  U: !Equals [!Ref Free, x]\n"
                    "Resources:\n"
                    "  ByParam: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !Ref Delay}}\n"
                    "  ByMap: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !FindInMap [M, k, v]}}\n"
                    "  ByCond: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !If [C, 1, 2]}}\n"
                    "  Undecided: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !If [U, 1, 2]}}\n"
                    "  Unknown: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !Ref Free}}\n";
    loaded *l = load_ok(o, n);
    assert_change(l, "ByParam", SP_CHANGE_MODIFIED);
    assert_change(l, "ByMap", SP_CHANGE_MODIFIED);
    assert_change(l, "ByCond", SP_CHANGE_MODIFIED);
    assert_change(l, "Undecided", SP_CHANGE_UNCHANGED); /* same unknown on both sides */
    assert_change(l, "Unknown", SP_CHANGE_UNCHANGED);
    unload(l);
}

static const char *ripple_old =
    "Resources:\n"
    "  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: one}}\n"
    "  Sub: {Type: AWS::SNS::Subscription, Properties: {TopicArn: !Ref Topic, Protocol: sqs,"
    " Endpoint: x}}\n"
    "  SubSub: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: !Ref Sub}}\n"
    "  Param: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: !Sub '${Topic}'}}\n"
    "  Alarm: {Type: AWS::CloudWatch::Alarm, Properties: {AlarmActions: [!Ref Topic],"
    " Threshold: 1}}\n"
    "  Ordered: {Type: AWS::SSM::Parameter, DependsOn: Topic, Properties: {Type: String,"
    " Value: x}}\n"
    "  Other: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: !Ref Param}}\n";

static void test_ripple(void **state)
{
    (void)state;
    char *n = strdup(ripple_old);
    char *p = strstr(n, "TopicName: one");
    memcpy(p, "TopicName: two", 14);
    p = strstr(n, "Threshold: 1");
    memcpy(p, "Threshold: 2", 12);
    loaded *l = load_ok(ripple_old, n);
    assert_change(l, "Topic", SP_CHANGE_REPLACED);
    assert_change(l, "Sub", SP_CHANGE_REPLACED);     /* TopicArn is createOnly: cascade */
    assert_change(l, "SubSub", SP_CHANGE_RIPPLE);    /* refers to the replaced Sub */
    assert_change(l, "Param", SP_CHANGE_RIPPLE);     /* ${Topic} in Fn::Sub */
    assert_change(l, "Alarm", SP_CHANGE_MODIFIED);   /* changed anyway */
    assert_change(l, "Ordered", SP_CHANGE_UNCHANGED); /* DependsOn is no value */
    assert_change(l, "Other", SP_CHANGE_UNCHANGED);  /* Param is only re-pointed */
    const sp_component *c = &l->m.components.items[sp_model_find(&l->m, "Param")];
    const sp_instance *io = &l->m.instances.items[c->inst_old];
    const sp_instance *in = &l->m.instances.items[c->inst_new];
    assert_int_not_equal(c->inst_old, c->inst_new);
    assert_int_equal(io->version, SP_VER_OLD);
    assert_int_equal(in->version, SP_VER_NEW);
    assert_int_equal(io->label, SP_LABEL_UNCHANGED);
    assert_int_equal(in->label, SP_LABEL_UNCHANGED);
    /* Re-pointing follows the creation of the new topic. */
    uint32_t topic = sp_model_find(&l->m, "Topic");
    uint32_t param = sp_model_find(&l->m, "Param");
    bool ordered = false;
    for (size_t i = 0; i < l->u.order.len; i++)
        ordered |= l->u.order.items[i].before == l->u.main_event[topic] &&
                   l->u.order.items[i].after == l->u.main_event[param];
    assert_true(ordered);
    free(n);
    unload(l);
}

/* The deps of a component's instance of `version`, as "Key Key* ..." (*:
 * declared). */
static void deps_text(const loaded *l, const char *key, sp_version v, char *buf, size_t cap)
{
    const sp_component *c = &l->m.components.items[sp_model_find(&l->m, key)];
    const sp_instance *in = &l->m.instances.items[v == SP_VER_OLD ? c->inst_old : c->inst_new];
    buf[0] = 0;
    for (uint32_t i = 0; i < in->deps_count; i++) {
        const sp_dep *d = &l->m.deps.items[in->deps_first + i];
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%s%s", n ? " " : "", l->m.components.items[d->component].key,
                 d->declared ? "*" : "");
    }
}

static void test_dependencies(void **state)
{
    (void)state;
    const char *o = "Resources:\n"
                    "  A: {Type: AWS::SNS::Topic}\n"
                    "  B: {Type: AWS::SNS::Topic}\n"
                    "  X: {Type: AWS::SQS::Queue, DependsOn: A, Properties: {QueueName: !Ref B}}\n";
    const char *n = "Parameters:\n"
                    "  Free: {Type: String}\n"
                    "Conditions:\n"
                    "  Maybe: !Equals [!Ref Free, x]\n"
                    "  Never: !Equals [a, b]\n"
                    "Resources:\n"
                    "  A: {Type: AWS::SNS::Topic}\n"
                    "  B: {Type: AWS::SNS::Topic}\n"
                    "  C: {Type: AWS::SNS::Topic}\n"
                    "  D: {Type: AWS::SNS::Topic}\n"
                    "  E: {Type: AWS::SNS::Topic}\n"
                    "  F: {Type: AWS::SNS::Topic}\n"
                    "  G: {Type: AWS::SNS::Topic, Condition: Never}\n"
                    "  H: {Type: AWS::SNS::Topic, Condition: Maybe}\n"
                    "  X:\n"
                    "    Type: AWS::SQS::Queue\n"
                    "    DependsOn: [C, D]\n"
                    "    Properties:\n"
                    "      QueueName: !GetAtt [B, TopicName]\n"
                    "      Tags:\n"
                    "        - {Key: k, Value: !Sub '${C}-${D.TopicName}'}\n"
                    "        - {Key: l, Value: !If [Maybe, !Ref E, !Ref F]}\n"
                    "        - {Key: m, Value: !If [Never, !Ref G, !Ref H]}\n"
                    "        - {Key: n, Value: !Sub ['${E}${V}', {V: !Ref A}]}\n";
    loaded *l = load_ok(o, n);
    char buf[256];
    deps_text(l, "X", SP_VER_NEW, buf, sizeof buf);
    /* G's condition is false: it does not exist, so no dependency. */
    assert_string_equal(buf, "B C D E F H A C* D*");
    deps_text(l, "X", SP_VER_OLD, buf, sizeof buf);
    assert_string_equal(buf, "B A*");
    assert_int_equal(sp_model_find(&l->m, "G"), SP_NONE);
    /* H is possibly present: treated as present. */
    assert_change(l, "H", SP_CHANGE_ADDED);
    unload(l);
}

static void test_cleanup_order(void **state)
{
    (void)state;
    /* Removed resources go dependents first (OLD's dependencies reversed). */
    const char *o = "Resources:\n"
                    "  Base: {Type: AWS::SNS::Topic}\n"
                    "  Mid: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: !Ref Base}}\n"
                    "  Top: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: !Ref Mid}}\n"
                    "  Keep: {Type: AWS::SNS::Topic}\n";
    const char *n = "Resources:\n"
                    "  Keep: {Type: AWS::SNS::Topic}\n";
    loaded *l = load_ok(o, n);
    uint32_t base = sp_model_find(&l->m, "Base"), mid = sp_model_find(&l->m, "Mid"),
             top = sp_model_find(&l->m, "Top");
    int found = 0;
    for (size_t i = 0; i < l->u.order.len; i++) {
        const sp_order *e = &l->u.order.items[i];
        if (e->reason != SP_ORDER_CLEANUP)
            continue;
        if (e->before == l->u.cleanup_event[top] && e->after == l->u.cleanup_event[mid])
            found |= 1;
        if (e->before == l->u.cleanup_event[mid] && e->after == l->u.cleanup_event[base])
            found |= 2;
    }
    assert_int_equal(found, 3);
    assert_change(l, "Keep", SP_CHANGE_UNCHANGED);
    unload(l);
}

static void test_type_change(void **state)
{
    (void)state;
    loaded *l = load_ok("Resources:\n  A: {Type: AWS::SNS::Topic}\n",
                        "Resources:\n  A: {Type: AWS::SQS::Queue}\n");
    assert_change(l, "A", SP_CHANGE_REPLACED);
    bool warned = false;
    for (size_t i = 0; i < l->f->ctx.diags.len; i++)
        warned |= strstr(l->f->ctx.diags.items[i].message, "changes from AWS::SNS::Topic") != NULL;
    assert_true(warned);
    unload(l);
}

static void test_empty_sides(void **state)
{
    (void)state;
    loaded *l = load_ok(NULL, "Resources:\n  A: {Type: AWS::SNS::Topic}\n");
    assert_change(l, "A", SP_CHANGE_ADDED);
    unload(l);
    l = load_ok("Resources:\n  A: {Type: AWS::SNS::Topic}\n", "Resources: {}\n");
    assert_change(l, "A", SP_CHANGE_REMOVED);
    unload(l);
}

/* The same templates in JSON and YAML (short tags, other key order) give
 * the same dump. */
static void test_twins(void **state)
{
    (void)state;
    const char *oy = "Resources:\n"
                     "  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub '${AWS::StackName}-t'}}\n"
                     "  Q: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: 1}}\n"
                     "  P: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: !GetAtt Topic.TopicName}}\n";
    const char *ny = "Resources:\n"
                     "  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub '${AWS::StackName}-u'}}\n"
                     "  Q: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: 2}}\n"
                     "  P: {Type: AWS::SSM::Parameter, DependsOn: [Q], Properties: {Type: String, Value: !GetAtt Topic.TopicName}}\n";
    const char *oj = "{\"Resources\": {\n"
                     " \"Topic\": {\"Properties\": {\"TopicName\": {\"Fn::Sub\": \"${AWS::StackName}-t\"}}, \"Type\": \"AWS::SNS::Topic\"},\n"
                     " \"Q\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"DelaySeconds\": 1}},\n"
                     " \"P\": {\"Type\": \"AWS::SSM::Parameter\", \"Properties\": {\"Value\": {\"Fn::GetAtt\": [\"Topic\", \"TopicName\"]}, \"Type\": \"String\"}}}}\n";
    const char *nj = "{\"Resources\": {\n"
                     " \"Topic\": {\"Type\": \"AWS::SNS::Topic\", \"Properties\": {\"TopicName\": {\"Fn::Sub\": \"${AWS::StackName}-u\"}}},\n"
                     " \"Q\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"DelaySeconds\": 2}},\n"
                     " \"P\": {\"DependsOn\": \"Q\", \"Type\": \"AWS::SSM::Parameter\", \"Properties\": {\"Type\": \"String\", \"Value\": {\"Fn::GetAtt\": \"Topic.TopicName\"}}}}}\n";
    loaded *y = load(oy, ny, "yaml");
    loaded *j = load(oj, nj, "json");
    assert_true(y->ok);
    assert_true(j->ok);
    char *dy = dump(y), *dj = dump(j);
    assert_string_equal(dy, dj);
    assert_non_null(strstr(dy, "component Topic AWS::SNS::Topic replaced"));
    assert_non_null(strstr(dy, "component P AWS::SSM::Parameter re-pointed"));
    free(dy);
    free(dj);
    unload(y);
    unload(j);
}

/* ---- errors (the case tests show the messages in full) ---- */

static void expect_error(const char *text, const char *message, unsigned line, unsigned col)
{
    fixture *f = fx_new();
    cfn_template *t = cfn_template_load(&f->ctx, &f->opt, read_doc(f, "t.yaml", text));
    assert_non_null(t);
    if (!t->failed || !f->ctx.diags.len)
        fail_msg("expected an error '%s'", message);
    const sp_diag *d = NULL;
    for (size_t i = 0; i < f->ctx.diags.len && !d; i++)
        if (f->ctx.diags.items[i].severity == SP_SEV_ERROR)
            d = &f->ctx.diags.items[i];
    assert_non_null(d);
    if (!strstr(d->message, message) || d->line != line || d->column != col)
        fail_msg("got %u:%u: %s; expected %u:%u: ...%s...", d->line, d->column, d->message, line,
                 col, message);
    fx_free(f);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("Resources:\n  A: {Type: X::Y, Properties: {P: !Ref B}}\n",
                 "Ref to 'B', which this template does not define", 2, 40);
    expect_error("Resources:\n  A: {Type: X::Y, Properties: {P: !GetAtt B.Arn}}\n",
                 "Fn::GetAtt of 'B'", 2, 43);
    expect_error("Resources:\n  A: {Type: X::Y, Properties: {P: !Sub 'x${B}'}}\n",
                 "Fn::Sub refers to 'B'", 2, 42);
    expect_error("Resources:\n  A: {Type: X::Y, DependsOn: [B]}\n", "DependsOn names 'B'", 2,
                 31);
    expect_error("Resources:\n  A: {Type: X::Y, Properties: {P: !Ref B}}\n"
                 "  B: {Type: X::Y, Properties: {P: !GetAtt A.Arn}}\n",
                 "dependency cycle: A -> B -> A", 3, 43);
    expect_error("Resources:\n  A: {Properties: {}}\n", "resource 'A' has no Type", 2, 3);
    expect_error("Resources:\n  A: {Type: [x]}\n", "the Type of resource 'A' must be a string",
                 2, 13);
    expect_error("Resources: [a]\n", "Resources must be a map", 1, 12);
    expect_error("AWSTemplateFormatVersion: '2010-09-09'\n", "no Resources section", 1, 1);
    expect_error("Resources:\n  A: {Type: X::Y, Condition: Nope}\n", "unknown condition 'Nope'",
                 2, 30);
    expect_error("Resources:\n  A: {Type: X::Y, Properties: {P: !If [Nope, a, b]}}\n",
                 "unknown condition 'Nope'", 2, 40);
    expect_error("Resources:\n  A: {Type: X::Y, Properties: {P: !Join [a, b, c]}}\n",
                 "malformed Fn::Join", 2, 41);
    expect_error("Resources:\n  A: {Type: X::Y, Properties: {P: {'Fn::If': [a, b]}}}\n",
                 "malformed Fn::If", 2, 46);
    expect_error("Parameters:\n  P: {Type: String}\n"
                 "Resources:\n  A: {Type: X::Y, Properties: {P: !GetAtt P.Arn}}\n",
                 "Fn::GetAtt of 'P', which is a parameter", 4, 43);
    expect_error("Conditions:\n  C: !Equals [!Ref A, x]\nResources:\n  A: {Type: X::Y}\n",
                 "condition 'C' refers to resource 'A'", 2, 20);
    expect_error("Conditions:\n  C: !Condition D\n  D: !Condition C\nResources: {}\n",
                 "refer to each other in a cycle", 3, 17);
    expect_error("Resources:\n  A: {Type: X::Y, Properties: {P: {'Fn::Nope': x}}}\n",
                 "unknown intrinsic function 'Fn::Nope'", 2, 36);
    expect_error("Resources:\n  A-b: {Type: X::Y}\n", "must be alphanumeric", 2, 3);
    expect_error("Parameters:\n  A: {Type: String}\nResources:\n  A: {Type: X::Y}\n",
                 "'A' is both a parameter and a resource", 4, 3);
}

/* Shape checks and references are found in one walk, but a section's
 * shape errors still come first, each kind in document order; mentions
 * inside a malformed function count. */
static void test_error_order(void **state)
{
    (void)state;
    fixture *f = fx_new();
    const char *text = "Resources:\n"
                       "  A:\n"
                       "    Type: X::Y\n"
                       "    Properties:\n"
                       "      P: !Ref B\n"
                       "      Q: !Join [!Ref D]\n"
                       "      R: {'Fn::Sub': [x]}\n"
                       "      S: !GetAtt C.Arn\n"
                       "      T: {'Fn::If': [!Ref E]}\n";
    cfn_template *t = cfn_template_load(&f->ctx, &f->opt, read_doc(f, "t.yaml", text));
    assert_non_null(t);
    assert_true(t->failed);
    static const char *const want[] = {
        "malformed Fn::Join", "malformed Fn::Sub", "malformed Fn::If",
        "Ref to 'B'",         "Ref to 'D'",        "Fn::GetAtt of 'C'",
        "Ref to 'E'",
    };
    size_t n = sizeof want / sizeof *want;
    if (f->ctx.diags.len != n)
        print_diags(f);
    assert_int_equal(f->ctx.diags.len, n);
    for (size_t i = 0; i < n; i++)
        if (!strstr(f->ctx.diags.items[i].message, want[i]))
            fail_msg("diagnostic %zu: '%s', want '%s'", i, f->ctx.diags.items[i].message,
                     want[i]);
    fx_free(f);
}

static void test_transform_leniency(void **state)
{
    (void)state;
    /* SAM may define what the template refers to, and resolves cycles its
     * resources seem to have: warnings, not errors. */
    loaded *l = load_ok("Transform: AWS::Serverless-2016-10-31\nResources: {}\n",
                        "Transform: AWS::Serverless-2016-10-31\n"
                        "Resources:\n"
                        "  Fn: {Type: AWS::Serverless::Function, Properties: {Role: !GetAtt FnRole.Arn,"
                        " Environment: {Variables: {API: !Ref Api}}}}\n"
                        "  Api: {Type: AWS::Serverless::Api, Properties: {DefinitionBody: {x: !Sub '${Fn.Arn}'}}}\n");
    assert_change(l, "Fn", SP_CHANGE_ADDED);
    unsigned warnings = 0;
    for (size_t i = 0; i < l->f->ctx.diags.len; i++)
        warnings += l->f->ctx.diags.items[i].severity == SP_SEV_WARNING &&
                    (strstr(l->f->ctx.diags.items[i].message, "FnRole") ||
                     strstr(l->f->ctx.diags.items[i].message, "dependency cycle"));
    assert_int_equal(warnings, 2);
    unload(l);
}

/* ---- comparing normal forms without building them ---- */

static const char *same_old =
    "Parameters:\n"
    "  P: {Type: String, Default: a}\n"
    "  Q: {Type: String}\n"
    "Conditions:\n"
    "  On: !Equals [!Ref P, a]\n"
    "  Maybe: !Equals [!Ref Q, x]\n"
    "Resources:\n"
    "  X: {Type: AWS::SNS::Topic}\n"
    "  Y: {Type: AWS::SNS::Topic}\n"
    "  R1: {Type: T::T, Properties: {A: 1, B: [x, !Ref X], C: {D: yes}}}\n"
    "  R2: {Type: T::T, Properties: {L: [!Ref AWS::NoValue, a]}}\n"
    "  R3: {Type: T::T, Properties: {L: [a, !If [On, !Ref AWS::NoValue, b]]}}\n"
    "  R4: {Type: T::T, Properties: {A: !Ref P, B: !GetAtt [X, Arn]}}\n"
    "  R5: {Type: T::T, Properties: {A: !Base64 'yes', B: !Base64 abc}}\n"
    "  R6: {Type: T::T, Properties: {A: !Ref X, B: !GetAtt X.Arn, C: !Ref Q}}\n"
    "  R7: {Type: T::T, Properties: {A: !If [Maybe, 1, 2], M: {K: !Ref AWS::NoValue}}}\n"
    "  R8: {Type: T::T, Properties: {A: '22', B: true, C: ~}}\n"
    "  R9: {Type: T::T, Properties: {A: !Ref X, B: !GetAtt [X, Arn]}}\n"
    "  R10: {Type: T::T, Properties: {L: [a, b]}}\n";

static const char *same_new =
    "Parameters:\n"
    "  P: {Type: String, Default: b}\n"
    "  Q: {Type: String}\n"
    "Conditions:\n"
    "  On: !Equals [!Ref P, b]\n"
    "  Maybe: !Equals [!Ref Q, x]\n"
    "Resources:\n"
    "  X: {Type: AWS::SNS::Topic}\n"
    "  Y: {Type: AWS::SNS::Topic}\n"
    "  R1: {Type: T::T, Properties: {C: {D: yes}, B: [x, !Ref X], A: 1}}\n"
    "  R2: {Type: T::T, Properties: {L: [a, !Ref AWS::NoValue]}}\n"
    "  R3: {Type: T::T, Properties: {L: [a, !If [On, !Ref AWS::NoValue, b]]}}\n"
    "  R4: {Type: T::T, Properties: {A: a, B: !GetAtt [X, Arn]}}\n"
    "  R5: {Type: T::T, Properties: {A: !Base64 'true', B: !Base64 abc}}\n"
    "  R6: {Type: T::T, Properties: {A: {Ref: X}, B: !GetAtt [X, Arn], C: !Ref Q}}\n"
    "  R7: {Type: T::T, Properties: {A: !If [Maybe, 1, 2], M: {}}}\n"
    "  R8: {Type: T::T, Properties: {A: 22, B: 'true', C: ~}}\n"
    "  R9: {Type: T::T, Properties: {A: !Ref Y, B: !GetAtt [Y, Arn]}}\n"
    "  R10: {Type: T::T, Properties: {L: [!If [On, !Ref AWS::NoValue, b], a]}}\n";

static void test_same_normal_form(void **state)
{
    (void)state;
    fixture *f = fx_new();
    cfn_template *a = tmpl(f, same_old), *b = tmpl(f, same_new);
    static const char *const ids[] = {"R1", "R2", "R3", "R4", "R5",
                                      "R6", "R7", "R8", "R9", "R10"};
    /* R5 differs (base64 of different bytes), R9 (other resources), R10
     * (an item left out); the rest are equal once normalised. */
    static const bool want[] = {true, true, true, true, false, true, true, true, false, false};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        const sp_doc *pa = cfn_find_resource(a, ids[i])->props;
        const sp_doc *pb = cfn_find_resource(b, ids[i])->props;
        const sp_doc *na = cfn_normalize(a, pa), *nb = cfn_normalize(b, pb);
        bool slow = (!na && !nb) || (na && nb && sp_doc_equal(na, nb));
        if (slow != cfn_same_normal_form(a, pa, b, pb) || slow != want[i])
            fail_msg("%s: normalised and compared %d, compared in place %d, expected %d", ids[i],
                     slow, cfn_same_normal_form(a, pa, b, pb), want[i]);
        /* and each side with itself */
        assert_true(cfn_same_normal_form(a, pa, a, pa));
    }
    fx_free(f);
}

/* ---- input detection ---- */

static void test_detect(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(sp_detect_input(read_doc(f, "a.yaml", "Resources: {}\n")),
                     SP_INPUT_CLOUDFORMATION);
    assert_int_equal(sp_detect_input(read_doc(f, "b.yaml", "AWSTemplateFormatVersion: x\n")),
                     SP_INPUT_CLOUDFORMATION);
    assert_int_equal(sp_detect_input(read_doc(f, "c.yaml", "snipeproof: topology/1\nhosts: {}\n")),
                     SP_INPUT_TOPOLOGY);
    assert_int_equal(sp_detect_input(read_doc(f, "d.json", "{\"a\": 1}")), SP_INPUT_UNKNOWN);
    assert_int_equal(sp_detect_input(read_doc(f, "e.json", "[[\"a\"]]")), SP_INPUT_UNKNOWN);
    assert_int_equal(sp_detect_input(NULL), SP_INPUT_UNKNOWN);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_param_option),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_facts),
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_parameter_changes),
        cmocka_unit_test(test_ripple),
        cmocka_unit_test(test_dependencies),
        cmocka_unit_test(test_error_order),
        cmocka_unit_test(test_cleanup_order),
        cmocka_unit_test(test_type_change),
        cmocka_unit_test(test_empty_sides),
        cmocka_unit_test(test_twins),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_transform_leniency),
        cmocka_unit_test(test_same_normal_form),
        cmocka_unit_test(test_detect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
