/* Unit tests of the readers (src/reader): the document tree, YAML with
 * CloudFormation's short tags, strict JSON, and every error class with its
 * message and position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader/doc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef sp_doc *(*reader_fn)(sp_ctx *, uint32_t);

static sp_doc *read_text(sp_ctx *ctx, reader_fn reader, const char *path, const char *text,
                         size_t len)
{
    uint32_t src = sp_source_add(ctx, path, text, len);
    assert_int_not_equal(src, SP_NO_SOURCE);
    return reader(ctx, src);
}

static sp_doc *yaml(sp_ctx *ctx, const char *text)
{
    return read_text(ctx, sp_read_yaml, "t.yaml", text, strlen(text));
}

static sp_doc *json(sp_ctx *ctx, const char *text)
{
    return read_text(ctx, sp_read_json, "t.json", text, strlen(text));
}

/* ---- expected errors -------------------------------------------------- */

typedef struct error_case {
    reader_fn reader;
    const char *input;
    size_t len; /* 0: strlen(input) */
    unsigned line, column;
    const char *message;
} error_case;

#define YAML_ERR(in, l, c, msg) {sp_read_yaml, in, 0, l, c, msg}
#define JSON_ERR(in, l, c, msg) {sp_read_json, in, 0, l, c, msg}

static void run_error_cases(const error_case *cases, size_t n)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        const error_case *ec = &cases[i];
        sp_ctx ctx;
        sp_ctx_init(&ctx);
        const char *path = ec->reader == sp_read_yaml ? "in.yaml" : "in.json";
        size_t len = ec->len ? ec->len : strlen(ec->input);
        sp_doc *d = read_text(&ctx, ec->reader, path, ec->input, len);
        const sp_diag *g = ctx.diags.len ? &ctx.diags.items[0] : NULL;
        bool ok = d == NULL && g && ctx.errors == 1 && g->file && strcmp(g->file, path) == 0 &&
                  g->line == ec->line && g->column == ec->column &&
                  strcmp(g->message, ec->message) == 0;
        if (!ok) {
            failures++;
            print_message("case %zu (%s): expected %u:%u: %s\n", i, path, ec->line, ec->column,
                          ec->message);
            if (g)
                print_message("          got %u:%u: %s (%u errors, doc %s)\n", g->line,
                              g->column, g->message, ctx.errors, d ? "returned" : "NULL");
            else
                print_message("          got no diagnostic (doc %s)\n", d ? "returned" : "NULL");
        }
        sp_ctx_release(&ctx);
    }
    assert_int_equal(failures, 0);
}

/* ---- expected trees ----------------------------------------------------- */

/* The YAML text reads to the same tree as the JSON text. */
static void check_same(const char *yaml_text, const char *json_text)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *y = yaml(&ctx, yaml_text);
    sp_doc *j = json(&ctx, json_text);
    if (!y || !j || !sp_doc_equal(y, j) || sp_doc_hash(y) != sp_doc_hash(j)) {
        print_message("YAML: %s\nJSON: %s\n", yaml_text, json_text);
        for (size_t i = 0; i < ctx.diags.len; i++)
            print_message("  %u:%u: %s\n", ctx.diags.items[i].line, ctx.diags.items[i].column,
                          ctx.diags.items[i].message);
        fail_msg("trees differ");
    }
    sp_ctx_release(&ctx);
}

static void line_col(sp_ctx *ctx, const sp_doc *d, unsigned *line, unsigned *col)
{
    sp_loc_line_col(ctx, sp_doc_loc(d), line, col);
}

static void assert_at(sp_ctx *ctx, const sp_doc *d, unsigned line, unsigned col)
{
    assert_non_null(d);
    unsigned l, c;
    line_col(ctx, d, &l, &c);
    if (l != line || c != col)
        fail_msg("node at %u:%u, expected %u:%u", l, c, line, col);
}

/* ---- short tags ----------------------------------------------------------- */

static void test_short_tags_scalar_forms(void **state)
{
    (void)state;
    check_same("v: !Ref Bucket", "{\"v\": {\"Ref\": \"Bucket\"}}");
    check_same("v: !Condition IsProd", "{\"v\": {\"Condition\": \"IsProd\"}}");
    check_same("v: !GetAtt Role.Arn", "{\"v\": {\"Fn::GetAtt\": [\"Role\", \"Arn\"]}}");
    check_same("v: !GetAtt Db.Endpoint.Address",
               "{\"v\": {\"Fn::GetAtt\": [\"Db\", \"Endpoint.Address\"]}}");
    check_same("v: !GetAtt 'Db.Endpoint.Port'",
               "{\"v\": {\"Fn::GetAtt\": [\"Db\", \"Endpoint.Port\"]}}");
    check_same("v: !Sub 'arn:${AWS::Partition}:s3:::${B}'",
               "{\"v\": {\"Fn::Sub\": \"arn:${AWS::Partition}:s3:::${B}\"}}");
    check_same("v: !Sub |\n  line ${A}\n  two\n", "{\"v\": {\"Fn::Sub\": \"line ${A}\\ntwo\\n\"}}");
    check_same("v: !ImportValue Shared-Vpc", "{\"v\": {\"Fn::ImportValue\": \"Shared-Vpc\"}}");
    check_same("v: !GetAZs ''", "{\"v\": {\"Fn::GetAZs\": \"\"}}");
    check_same("v: !GetAZs", "{\"v\": {\"Fn::GetAZs\": null}}");
    check_same("v: [!GetAZs , x]", "{\"v\": [{\"Fn::GetAZs\": null}, \"x\"]}");
    check_same("v: !Base64 hello", "{\"v\": {\"Fn::Base64\": \"hello\"}}");
    check_same("v: !ValueOf [P, Attr]", "{\"v\": {\"Fn::ValueOf\": [\"P\", \"Attr\"]}}");
    check_same("v: !RefAll AWS::EC2::VPC::Id", "{\"v\": {\"Fn::RefAll\": \"AWS::EC2::VPC::Id\"}}");
    /* A tagged scalar is a string whatever it looks like. */
    check_same("v: !Ref 22", "{\"v\": {\"Ref\": \"22\"}}");
    /* Without a dot the GetAtt operand stays as it is. */
    check_same("v: !GetAtt Nodot", "{\"v\": {\"Fn::GetAtt\": \"Nodot\"}}");
}

static void test_short_tags_collection_forms(void **state)
{
    (void)state;
    check_same("v: !GetAtt [Role, Arn]", "{\"v\": {\"Fn::GetAtt\": [\"Role\", \"Arn\"]}}");
    check_same("v: !GetAtt\n  - Role\n  - Arn\n", "{\"v\": {\"Fn::GetAtt\": [\"Role\", \"Arn\"]}}");
    check_same("v: !Sub\n  - '${A}-x'\n  - A: !Ref B\n",
               "{\"v\": {\"Fn::Sub\": [\"${A}-x\", {\"A\": {\"Ref\": \"B\"}}]}}");
    check_same("v: !If [IsProd, !Ref A, !Ref AWS::NoValue]",
               "{\"v\": {\"Fn::If\": [\"IsProd\", {\"Ref\": \"A\"}, {\"Ref\": \"AWS::NoValue\"}]}}");
    check_same("v: !Join ['', [a, !Ref B]]", "{\"v\": {\"Fn::Join\": [\"\", [\"a\", {\"Ref\": \"B\"}]]}}");
    check_same("v: !Select [0, !GetAZs '']",
               "{\"v\": {\"Fn::Select\": [0, {\"Fn::GetAZs\": \"\"}]}}");
    check_same("v: !Split [',', !ImportValue L]",
               "{\"v\": {\"Fn::Split\": [\",\", {\"Fn::ImportValue\": \"L\"}]}}");
    check_same("v: !FindInMap [RegionMap, !Ref 'AWS::Region', Ami]",
               "{\"v\": {\"Fn::FindInMap\": [\"RegionMap\", {\"Ref\": \"AWS::Region\"}, \"Ami\"]}}");
    check_same("v: !Cidr [!GetAtt Vpc.CidrBlock, 6, 5]",
               "{\"v\": {\"Fn::Cidr\": [{\"Fn::GetAtt\": [\"Vpc\", \"CidrBlock\"]}, 6, 5]}}");
    check_same("v: !Equals [!Ref Env, prod]", "{\"v\": {\"Fn::Equals\": [{\"Ref\": \"Env\"}, \"prod\"]}}");
    check_same("v: !And [!Condition A, !Not [!Condition B]]",
               "{\"v\": {\"Fn::And\": [{\"Condition\": \"A\"}, {\"Fn::Not\": [{\"Condition\": \"B\"}]}]}}");
    check_same("v: !Or [!Equals [a, b], !Condition C]",
               "{\"v\": {\"Fn::Or\": [{\"Fn::Equals\": [\"a\", \"b\"]}, {\"Condition\": \"C\"}]}}");
    check_same("v: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}",
               "{\"v\": {\"Fn::Transform\": {\"Name\": \"AWS::Include\", \"Parameters\": "
               "{\"Location\": \"s3://b/k\"}}}}");
    check_same("v: !Length [1, 2, 3]", "{\"v\": {\"Fn::Length\": [1, 2, 3]}}");
    check_same("v: !ToJsonString\n  a: !Ref B\n",
               "{\"v\": {\"Fn::ToJsonString\": {\"a\": {\"Ref\": \"B\"}}}}");
    check_same("v: !Contains [[a, b], !Ref P]",
               "{\"v\": {\"Fn::Contains\": [[\"a\", \"b\"], {\"Ref\": \"P\"}]}}");
    check_same("v: !EachMemberEquals [!RefAll T, x]",
               "{\"v\": {\"Fn::EachMemberEquals\": [{\"Fn::RefAll\": \"T\"}, \"x\"]}}");
    check_same("v: !EachMemberIn [!ValueOfAll [T, A], [x]]",
               "{\"v\": {\"Fn::EachMemberIn\": [{\"Fn::ValueOfAll\": [\"T\", \"A\"]}, [\"x\"]]}}");
    /* Standard tags are accepted. */
    check_same("a: !!str 22\nb: !!int 7\nc: !!float 1.5\nd: !!bool true\ne: !!null ''\n"
               "f: !!map {x: 1}\ng: !!seq [1]\nh: !<tag:yaml.org,2002:str> s\n",
               "{\"a\": \"22\", \"b\": 7, \"c\": 1.5, \"d\": true, \"e\": null, \"f\": {\"x\": 1}, "
               "\"g\": [1], \"h\": \"s\"}");
    /* An anchor is harmless and ignored. */
    check_same("v: &a !Ref X", "{\"v\": {\"Ref\": \"X\"}}");
}

static void test_short_tag_positions_and_flags(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *d = yaml(&ctx, "Outputs:\n  Arn:\n    Value: !GetAtt Role.Arn\n    Id: !Ref  Role\n");
    assert_non_null(d);
    sp_doc *out = sp_doc_get(sp_doc_get(d, "Outputs"), "Arn");
    sp_doc *v = sp_doc_get(out, "Value");
    assert_int_equal(v->kind, SP_DOC_MAP);
    assert_true(v->flags & SP_DOC_FROM_SHORT_TAG);
    assert_at(&ctx, v, 3, 12);
    const sp_doc_pair *p = sp_doc_get_pair(v, "Fn::GetAtt");
    assert_non_null(p);
    assert_true(p->key->flags & SP_DOC_FROM_SHORT_TAG);
    assert_at(&ctx, p->key, 3, 12);
    assert_int_equal(p->key->end - p->key->off, strlen("!GetAtt"));
    assert_int_equal(p->value->kind, SP_DOC_SEQ);
    assert_at(&ctx, p->value->u.seq.items[0], 3, 20);
    assert_at(&ctx, p->value->u.seq.items[1], 3, 25);
    assert_true(sp_doc_text_eq(p->value->u.seq.items[0], "Role"));
    assert_true(sp_doc_text_eq(p->value->u.seq.items[1], "Arn"));
    assert_int_equal(p->value->u.seq.items[1]->end - p->value->u.seq.items[1]->off, 3);
    sp_doc *id = sp_doc_get(out, "Id");
    assert_at(&ctx, id, 4, 9);
    assert_at(&ctx, sp_doc_get(id, "Ref"), 4, 15);
    /* The long form written out is not flagged. */
    sp_doc *l = yaml(&ctx, "v:\n  Ref: X\n");
    assert_false(sp_doc_get(l, "v")->flags & SP_DOC_FROM_SHORT_TAG);
    sp_ctx_release(&ctx);
}

/* ---- the same template in both syntaxes ---------------------------------- */

static const char TEMPLATE_YAML[] =
    "AWSTemplateFormatVersion: '2010-09-09'\n"
    "Description: >-\n"
    "  Web server\n"
    "  behind a router\n"
    "Parameters:\n"
    "  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}\n"
    "Conditions:\n"
    "  IsProd: !Equals [!Ref Env, prod]\n"
    "Resources:\n"
    "  # the web server's security group\n"
    "  WebSg:\n"
    "    Type: AWS::EC2::SecurityGroup\n"
    "    Properties:\n"
    "      GroupDescription: !Sub '${AWS::StackName} web'\n"
    "      VpcId: !ImportValue shared-vpc\n"
    "      SecurityGroupIngress:\n"
    "        - IpProtocol: tcp\n"
    "          FromPort: 22\n"
    "          ToPort: 22\n"
    "          CidrIp: 0.0.0.0/0\n"
    "  Web:\n"
    "    Type: AWS::EC2::Instance\n"
    "    Condition: IsProd\n"
    "    DependsOn: [WebSg]\n"
    "    Properties:\n"
    "      Monitoring: yes\n"
    "      EbsOptimized: false\n"
    "      SecurityGroupIds: [!GetAtt WebSg.GroupId]\n"
    "      UserData: !Base64\n"
    "        Fn::Join:\n"
    "          - ''\n"
    "          - - \"#!/bin/sh\\n\"\n"
    "            - !Ref Env\n"
    "      Tags: ~\n"
    "Outputs:\n"
    "  Ip: {Value: !GetAtt Web.PublicIp}\n";

static const char TEMPLATE_JSON[] =
    "{\n"
    "  \"Outputs\": {\"Ip\": {\"Value\": {\"Fn::GetAtt\": [\"Web\", \"PublicIp\"]}}},\n"
    "  \"Resources\": {\n"
    "    \"Web\": {\n"
    "      \"Properties\": {\n"
    "        \"Tags\": null,\n"
    "        \"UserData\": {\"Fn::Base64\": {\"Fn::Join\": [\"\", [\"#!/bin/sh\\n\", {\"Ref\": \"Env\"}]]}},\n"
    "        \"SecurityGroupIds\": [{\"Fn::GetAtt\": [\"WebSg\", \"GroupId\"]}],\n"
    "        \"EbsOptimized\": \"false\",\n"
    "        \"Monitoring\": true\n"
    "      },\n"
    "      \"DependsOn\": [\"WebSg\"],\n"
    "      \"Condition\": \"IsProd\",\n"
    "      \"Type\": \"AWS::EC2::Instance\"\n"
    "    },\n"
    "    \"WebSg\": {\n"
    "      \"Type\": \"AWS::EC2::SecurityGroup\",\n"
    "      \"Properties\": {\n"
    "        \"GroupDescription\": {\"Fn::Sub\": \"${AWS::StackName} web\"},\n"
    "        \"VpcId\": {\"Fn::ImportValue\": \"shared-vpc\"},\n"
    "        \"SecurityGroupIngress\": [{\"IpProtocol\": \"tcp\", \"FromPort\": \"22\",\n"
    "                                  \"ToPort\": 22, \"CidrIp\": \"0.0.0.0/0\"}]\n"
    "      }\n"
    "    }\n"
    "  },\n"
    "  \"Conditions\": {\"IsProd\": {\"Fn::Equals\": [{\"Ref\": \"Env\"}, \"prod\"]}},\n"
    "  \"Parameters\": {\"Env\": {\"Type\": \"String\", \"AllowedValues\": [\"prod\", \"dev\"],\n"
    "                         \"Default\": \"prod\"}},\n"
    "  \"Description\": \"Web server behind a router\",\n"
    "  \"AWSTemplateFormatVersion\": \"2010-09-09\"\n"
    "}\n";

static void test_same_template_json_and_yaml(void **state)
{
    (void)state;
    check_same(TEMPLATE_YAML, TEMPLATE_JSON);
    /* One changed value makes them differ, in equality and (here) hash. */
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *y = yaml(&ctx, TEMPLATE_YAML);
    char *changed = strdup(TEMPLATE_JSON);
    char *port = strstr(changed, "\"ToPort\": 22");
    port[strlen("\"ToPort\": 2")] = '3';
    sp_doc *j = json(&ctx, changed);
    assert_non_null(y);
    assert_non_null(j);
    assert_false(sp_doc_equal(y, j));
    assert_true(sp_doc_hash(y) != sp_doc_hash(j));
    free(changed);
    /* sp_read_document recognises each syntax. */
    uint32_t sy = sp_source_add(&ctx, "a", TEMPLATE_YAML, strlen(TEMPLATE_YAML));
    uint32_t sj = sp_source_add(&ctx, "b", TEMPLATE_JSON, strlen(TEMPLATE_JSON));
    assert_true(sp_doc_equal(sp_read_document(&ctx, sy), sp_read_document(&ctx, sj)));
    sp_ctx_release(&ctx);
}

/* ---- scalars -------------------------------------------------------------- */

static void check_kind(const char *yaml_value, sp_doc_kind kind, unsigned flags)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    char buf[256];
    snprintf(buf, sizeof buf, "v: %s\n", yaml_value);
    sp_doc *d = yaml(&ctx, buf);
    sp_doc *v = sp_doc_get(d, "v");
    if (!v || v->kind != kind || (v->flags & SP_DOC_QUOTED) != flags)
        fail_msg("'%s' read as kind %d flags %d, expected kind %d flags %u", yaml_value,
                 v ? v->kind : -1, v ? v->flags : -1, kind, flags);
    sp_ctx_release(&ctx);
}

static void test_yaml_scalar_kinds(void **state)
{
    (void)state;
    const char *nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        check_kind(nulls[i], SP_DOC_NULL, 0);
    const char *bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
                           "YES",  "no",   "No",   "NO",   "on",    "On",    "ON",  "off",
                           "Off",  "OFF"};
    for (size_t i = 0; i < sizeof bools / sizeof *bools; i++)
        check_kind(bools[i], SP_DOC_BOOL, 0);
    const char *numbers[] = {"0",    "22",     "-7",   "+3",    "1_000", "1__", "0x1F",  "0b101",
                             "017",  "1.5",    "-0.5", ".5",    "1.",    "1e3",   "1.5e-3",
                             "6.8523015e+5", ".inf", "-.Inf", ".NaN"};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        check_kind(numbers[i], SP_DOC_NUMBER, 0);
    const char *strings[] = {"hello", "y",    "n",     "TRue", "nULL", "09",   "0x",  "1e",
                             "12:30", "1.2.3", "0.0.0.0/0", "-x", ".", "_1", "1:2:x", "Yes please",
                             "0o17"};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        check_kind(strings[i], SP_DOC_STRING, 0);
    check_kind("'yes'", SP_DOC_STRING, SP_DOC_QUOTED);
    check_kind("\"22\"", SP_DOC_STRING, SP_DOC_QUOTED);
    check_kind("''", SP_DOC_STRING, SP_DOC_QUOTED);
    check_kind("|\n  block\n", SP_DOC_STRING, 0);

    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *d = yaml(&ctx, "lit: |\n  a\n   b\n\n  c\nfold: >\n  a\n  b\n\n  c\n"
                           "dq: \"x\\ty\\u00e9\\U0001F600\"\nsq: 'it''s'\nml: a\n  b\n");
    assert_non_null(d);
    assert_string_equal(sp_doc_text(sp_doc_get(d, "lit")), "a\n b\n\nc\n");
    assert_string_equal(sp_doc_text(sp_doc_get(d, "fold")), "a b\nc\n");
    assert_string_equal(sp_doc_text(sp_doc_get(d, "dq")), "x\ty\xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(sp_doc_text(sp_doc_get(d, "sq")), "it's");
    assert_string_equal(sp_doc_text(sp_doc_get(d, "ml")), "a b");
    bool b;
    assert_true(sp_doc_bool_value(yaml(&ctx, "On"), &b) && b);
    assert_true(sp_doc_bool_value(yaml(&ctx, "NO"), &b) && !b);
    assert_true(sp_doc_bool_value(yaml(&ctx, "off"), &b) && !b);
    assert_false(sp_doc_bool_value(yaml(&ctx, "'on'"), &b));
    /* The text is kept as written. */
    assert_string_equal(sp_doc_text(yaml(&ctx, "YES")), "YES");
    assert_string_equal(sp_doc_text(yaml(&ctx, "0x1F")), "0x1F");
    sp_ctx_release(&ctx);
}

static void test_equality_rules(void **state)
{
    (void)state;
    /* Scalars compare as CloudFormation sees them: as strings. */
    check_same("22", "22");
    check_same("'22'", "22");
    check_same("22", "\"22\"");
    check_same("yes", "true");
    check_same("Yes", "\"true\"");
    check_same("OFF", "false");
    check_same("~", "null");
    check_same("", "null");
    check_same("1.50", "1.50");
    check_same("{b: 1, a: [x, y]}", "{\"a\": [\"x\", \"y\"], \"b\": 1}");
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    /* Not equal: quoted 'yes' is the string yes, not true; order of a
     * sequence matters; 1.5 is not 1.50; null is not "null". */
    assert_false(sp_doc_equal(yaml(&ctx, "'yes'"), json(&ctx, "true")));
    assert_false(sp_doc_equal(yaml(&ctx, "[a, b]"), json(&ctx, "[\"b\", \"a\"]")));
    assert_false(sp_doc_equal(yaml(&ctx, "1.5"), json(&ctx, "1.50")));
    assert_false(sp_doc_equal(yaml(&ctx, "~"), json(&ctx, "\"null\"")));
    assert_false(sp_doc_equal(yaml(&ctx, "{a: 1}"), json(&ctx, "{\"a\": 1, \"b\": 2}")));
    assert_false(sp_doc_equal(yaml(&ctx, "{a: 1}"), json(&ctx, "{\"b\": 1}")));
    assert_false(sp_doc_equal(yaml(&ctx, "[]"), json(&ctx, "{}")));
    assert_false(sp_doc_equal(yaml(&ctx, "[]"), json(&ctx, "\"\"")));
    assert_true(sp_doc_equal(NULL, NULL));
    assert_false(sp_doc_equal(NULL, json(&ctx, "1")));
    sp_ctx_release(&ctx);
}

/* Big maps: equality and hashing stay linear and ignore order. */
static void test_big_maps(void **state)
{
    (void)state;
    enum { N = 100000 };
    size_t cap = (size_t)N * 48 + 16;
    char *a = malloc(cap), *b = malloc(cap);
    size_t la = 0, lb = 0;
    la += (size_t)sprintf(a + la, "{");
    lb += (size_t)sprintf(b + lb, "{");
    for (int i = 0; i < N; i++) {
        int j = (int)(((long long)i * 7919) % N); /* a permutation: 7919 is prime */
        la += (size_t)sprintf(a + la, "%s\"R%d\": {\"T\": %d}", i ? "," : "", i, i);
        lb += (size_t)sprintf(b + lb, "%s\"R%d\": {\"T\": %d}", i ? "," : "", j, j);
    }
    la += (size_t)sprintf(a + la, "}");
    lb += (size_t)sprintf(b + lb, "}");
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *da = read_text(&ctx, sp_read_json, "a.json", a, la);
    sp_doc *db = read_text(&ctx, sp_read_json, "b.json", b, lb);
    assert_non_null(da);
    assert_non_null(db);
    assert_int_equal(da->u.map.len, N);
    assert_true(sp_doc_equal(da, db));
    assert_true(sp_doc_hash(da) == sp_doc_hash(db));
    /* Change one value deep in b. */
    sp_doc *t = sp_doc_get(sp_doc_get(db, "R4242"), "T");
    t->u.scalar.text = "x";
    t->u.scalar.len = 1;
    assert_false(sp_doc_equal(da, db));
    assert_true(sp_doc_hash(da) != sp_doc_hash(db));
    /* A duplicate among many keys is found, at its second occurrence. */
    memcpy(b + lb - 1, ",\"R77\": 1}", 11);
    sp_ctx_release(&ctx);
    sp_ctx_init(&ctx);
    assert_null(read_text(&ctx, sp_read_json, "b.json", b, lb + 9));
    assert_string_equal(ctx.diags.items[0].message, "duplicate key 'R77' (first defined on line 1)");
    sp_ctx_release(&ctx);
    free(a);
    free(b);
}

/* ---- positions ------------------------------------------------------------- */

static void test_positions(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *d = yaml(&ctx, "Resources:\n  Web:\n    Type: AWS::EC2::Instance\n"
                           "    Properties:\n      Tags:\n        - {Key: Name, Value: web}\n");
    assert_non_null(d);
    sp_doc *web = sp_doc_get(sp_doc_get(d, "Resources"), "Web");
    assert_at(&ctx, sp_doc_get_pair(sp_doc_get(d, "Resources"), "Web")->key, 2, 3);
    assert_at(&ctx, web, 3, 5);
    assert_at(&ctx, sp_doc_get_pair(web, "Properties")->key, 4, 5);
    sp_doc *tags = sp_doc_get(sp_doc_get(web, "Properties"), "Tags");
    assert_at(&ctx, tags, 6, 9);
    assert_at(&ctx, tags->u.seq.items[0], 6, 11);
    assert_true(tags->u.seq.items[0]->flags & SP_DOC_FLOW);
    assert_at(&ctx, sp_doc_get(tags->u.seq.items[0], "Value"), 6, 30);
    /* The flow mapping ends just after its brace. */
    assert_int_equal(ctx.sources.items[0].text[tags->u.seq.items[0]->end - 1], '}');

    /* Multi-byte characters before a node: offsets in bytes, columns in
     * code points. */
    d = yaml(&ctx, "a: \"\xc3\xa9\xc3\xa9\"\nb: [\xe2\x82\xac, x]\n");
    assert_non_null(d);
    sp_doc *x = sp_doc_get(d, "b")->u.seq.items[1];
    assert_at(&ctx, x, 2, 8);
    assert_true(sp_doc_text_eq(x, "x"));
    assert_int_equal(x->off, strlen("a: \"\xc3\xa9\xc3\xa9\"\nb: [\xe2\x82\xac, "));

    /* CRLF line ends. */
    d = yaml(&ctx, "a: 1\r\nb:\r\n  c: 2\r\n");
    assert_at(&ctx, sp_doc_get(sp_doc_get(d, "b"), "c"), 3, 6);

    /* Tag and anchor in either order; a node starts at its content. */
    d = yaml(&ctx, "a: &x !Ref  X\nb: !Ref &y Y\nc: &z\n  - 1\n");
    assert_at(&ctx, sp_doc_get(d, "a"), 1, 7);
    assert_at(&ctx, sp_doc_get(sp_doc_get(d, "a"), "Ref"), 1, 13);
    assert_at(&ctx, sp_doc_get(sp_doc_get(d, "b"), "Ref"), 2, 12);
    assert_at(&ctx, sp_doc_get(d, "c"), 4, 3);
    /* Found by fuzzing: properties split by a bare CR, and an anchor name
     * followed by ':' (a plain scalar may start with ':'). */
    const char odd[] = "!\r&i:# !&i: !";
    d = read_text(&ctx, sp_read_yaml, "odd.yaml", odd, sizeof odd - 1);
    assert_non_null(d);
    assert_int_equal(d->off, 2);
    assert_true(d->end <= sizeof odd - 1);
    assert_int_equal(d->u.map.pairs[0].key->off, 4);
    assert_string_equal(sp_doc_text(d->u.map.pairs[0].key), ":# !&i");

    /* JSON. */
    d = json(&ctx, "{\n  \"Resources\": {\n    \"Web\": {\"Type\": \"T\", \"P\": [1, \"\xc3\xa9\", 2]}\n  }\n}");
    assert_non_null(d);
    web = sp_doc_get(sp_doc_get(d, "Resources"), "Web");
    assert_at(&ctx, sp_doc_get_pair(sp_doc_get(d, "Resources"), "Web")->key, 3, 5);
    assert_at(&ctx, web, 3, 12);
    assert_at(&ctx, sp_doc_get(web, "Type"), 3, 21);
    sp_doc *arr = sp_doc_get(web, "P");
    assert_at(&ctx, arr->u.seq.items[2], 3, 40);
    assert_int_equal(arr->end - arr->off, strlen("[1, \"\xc3\xa9\", 2]"));
    assert_true(arr->flags & SP_DOC_FLOW);
    sp_ctx_release(&ctx);
}

/* Many multi-byte characters: the character-to-byte conversion of libyaml's
 * marks must hold across its checkpoints, in both directions. */
static void test_positions_non_ascii(void **state)
{
    (void)state;
    enum { LINES = 300 };
    char *text = malloc(LINES * 64 + 64), *p = text;
    for (int i = 0; i < LINES; i++)
        p += sprintf(p, "k%d: [\xc3\xa9%.*s, v%d]\n", i, 3 * (i % 7), /* 0-6 euro signs */
                     "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
                     i);
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *d = yaml(&ctx, text);
    assert_non_null(d);
    assert_int_equal(d->u.map.len, LINES);
    for (int i = 0; i < LINES; i++) {
        char want[32];
        snprintf(want, sizeof want, "v%d]", i);
        sp_doc *v = d->u.map.pairs[i].value->u.seq.items[1];
        const char *at = strstr(text + d->u.map.pairs[i].key->off, want);
        assert_non_null(at);
        assert_int_equal(v->off, (uint32_t)(at - text));
        assert_int_equal(v->end, (uint32_t)(at - text) + strlen(want) - 1);
    }
    sp_ctx_release(&ctx);
    /* An error near the end, after thousands of multi-byte characters. */
    strcpy(p, "last: [\xc3\xa9, !Nope x]\n");
    sp_ctx_init(&ctx);
    assert_null(yaml(&ctx, text));
    assert_int_equal(ctx.diags.items[0].line, LINES + 1);
    assert_int_equal(ctx.diags.items[0].column, 11);
    assert_string_equal(ctx.diags.items[0].message, "unknown tag !Nope");
    sp_ctx_release(&ctx);
    free(text);
}

/* ---- JSON specifics ---------------------------------------------------------- */

static void test_json_values(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *d = json(&ctx, "[\"\\ud83d\\ude00\", \"\\u00e9\\n\\t\\\"\\\\\\/\\b\\f\\r\", -0, 1.5e+10, "
                           "0.25E-3, true, false, null, {}, [], \"\", 123456789012345678901234567890]");
    assert_non_null(d);
    sp_doc **it = d->u.seq.items;
    assert_int_equal(d->u.seq.len, 12);
    assert_string_equal(sp_doc_text(it[0]), "\xf0\x9f\x98\x80");
    assert_true(it[0]->flags & SP_DOC_QUOTED);
    assert_string_equal(sp_doc_text(it[1]), "\xc3\xa9\n\t\"\\/\b\f\r");
    assert_int_equal(it[2]->kind, SP_DOC_NUMBER);
    assert_string_equal(sp_doc_text(it[2]), "-0");
    assert_string_equal(sp_doc_text(it[3]), "1.5e+10");
    assert_string_equal(sp_doc_text(it[4]), "0.25E-3");
    assert_int_equal(it[5]->kind, SP_DOC_BOOL);
    assert_int_equal(it[7]->kind, SP_DOC_NULL);
    assert_int_equal(it[8]->kind, SP_DOC_MAP);
    assert_int_equal(it[9]->kind, SP_DOC_SEQ);
    assert_string_equal(sp_doc_text(it[11]), "123456789012345678901234567890");
    /* Escapes after a long run of plain bytes, and strings of every length
     * around the scanners' word size. */
    d = json(&ctx, "[\"a string longer than a word\\u00e9 then an escape\", \"0123456789abcdef\\/\"]");
    assert_non_null(d);
    assert_string_equal(sp_doc_text(d->u.seq.items[0]), "a string longer than a word\xc3\xa9 then an escape");
    assert_string_equal(sp_doc_text(d->u.seq.items[1]), "0123456789abcdef/");
    /* Keys alike in length and first byte are still different keys. */
    d = json(&ctx, "{\"ab\": 1, \"ac\": 2, \"\": 3, \"ad\": {\"\": 4}}");
    assert_non_null(d);
    assert_int_equal(d->u.map.len, 4);
    for (size_t n = 0; n <= 40; n++) {
        char text[64] = "[\"";
        memset(text + 2, 'x', n);
        memcpy(text + 2 + n, "\"]", 3);
        d = json(&ctx, text);
        assert_non_null(d);
        assert_int_equal(d->u.seq.items[0]->u.scalar.len, n);
        assert_int_equal(d->u.seq.items[0]->end, n + 3);
        assert_int_equal(strspn(sp_doc_text(d->u.seq.items[0]), "x"), n);
    }
    /* A byte-order mark is skipped; whitespace alone is an empty document. */
    d = json(&ctx, "\xEF\xBB\xBF {\"a\": 1}");
    assert_non_null(d);
    assert_int_equal(d->kind, SP_DOC_MAP);
    d = json(&ctx, " \n\t\r ");
    assert_non_null(d);
    assert_int_equal(d->kind, SP_DOC_NULL);
    d = json(&ctx, "");
    assert_int_equal(d->kind, SP_DOC_NULL);
    /* Exactly SP_MAX_DEPTH levels are fine. */
    char deep[2 * SP_MAX_DEPTH + 1];
    memset(deep, '[', SP_MAX_DEPTH);
    memset(deep + SP_MAX_DEPTH, ']', SP_MAX_DEPTH);
    deep[2 * SP_MAX_DEPTH] = 0;
    assert_non_null(json(&ctx, deep));
    assert_int_equal(ctx.errors, 0);
    sp_ctx_release(&ctx);
}

static void test_yaml_documents(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *d = yaml(&ctx, "");
    assert_non_null(d);
    assert_int_equal(d->kind, SP_DOC_NULL);
    d = yaml(&ctx, "# only a comment\n");
    assert_int_equal(d->kind, SP_DOC_NULL);
    d = yaml(&ctx, "---\n");
    assert_int_equal(d->kind, SP_DOC_NULL);
    d = yaml(&ctx, "%YAML 1.1\n---\na: 1\n...\n");
    assert_true(sp_doc_text_eq(sp_doc_get(d, "a"), "1"));
    d = yaml(&ctx, "\xEF\xBB\xBF" "a: 1\n");
    assert_true(sp_doc_text_eq(sp_doc_get(d, "a"), "1"));
    /* Nesting of exactly SP_MAX_DEPTH levels is fine. */
    char deep[2 * SP_MAX_DEPTH + 1];
    memset(deep, '[', SP_MAX_DEPTH);
    memset(deep + SP_MAX_DEPTH, ']', SP_MAX_DEPTH);
    deep[2 * SP_MAX_DEPTH] = 0;
    assert_non_null(yaml(&ctx, deep));
    /* A merge key is an ordinary key (there are no aliases to merge). */
    d = yaml(&ctx, "<<: {a: 1}\n");
    assert_non_null(sp_doc_get(d, "<<"));
    assert_int_equal(ctx.errors, 0);
    sp_ctx_release(&ctx);
}

/* ---- errors ------------------------------------------------------------------- */

static void test_yaml_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        YAML_ERR("a: 1\nb: [1, 2\nc: 3\n", 3, 2,
                 "did not find expected ',' or ']' (while parsing a flow sequence on line 2)"),
        YAML_ERR("a:\n  b: 1\n c: 2\n", 3, 2,
                 "did not find expected key (while parsing a block mapping on line 1)"),
        YAML_ERR("a: b: c\n", 1, 5, "mapping values are not allowed in this context"),
        YAML_ERR("a: 'open\n", 2, 1,
                 "found unexpected end of stream (while scanning a quoted scalar on line 1)"),
        YAML_ERR("a:\n\tb: 1\n", 2, 1,
                 "found character that cannot start any token (while scanning for the next "
                 "token on line 2); YAML does not allow tabs for indentation"),
        YAML_ERR("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a' (first defined on line 1)"),
        YAML_ERR("R:\n  X: {P: 1, Q: 2, 'P': 3}\n", 2, 19,
                 "duplicate key 'P' (first defined on line 2)"),
        YAML_ERR("? [a, b]\n: c\n", 1, 3, "a mapping key must be a scalar, not a sequence"),
        YAML_ERR("{a: 1}: x\n", 1, 1, "a mapping key must be a scalar, not a mapping"),
        YAML_ERR("!Ref a: b\n", 1, 1,
                 "a mapping key must be a scalar, not a mapping built from a tag"),
        YAML_ERR("a: 1\n---\nb: 2\n", 2, 1,
                 "a second YAML document starts here; a template is one document"),
        YAML_ERR("a: 1\n--- \n", 2, 1,
                 "a second YAML document starts here; a template is one document"),
        YAML_ERR("a: !Foo x\n", 1, 4, "unknown tag !Foo"),
        YAML_ERR("a:\n  - !Rain::Embed file.txt\n", 2, 5, "unknown tag !Rain::Embed"),
        YAML_ERR("a: !ref X\n", 1, 4, "unknown tag !ref (did you mean !Ref?)"),
        YAML_ERR("a: !GETATT [X, Y]\n", 1, 4, "unknown tag !GETATT (did you mean !GetAtt?)"),
        YAML_ERR("a: !Custom {x: 1}\n", 1, 4, "unknown tag !Custom"),
        YAML_ERR("a: !!binary aGk=\n", 1, 4,
                 "unsupported tag !!binary (CloudFormation accepts !!str, !!int, !!float, "
                 "!!bool, !!null, !!map and !!seq)"),
        YAML_ERR("a: !<tag:example.com,2000:x> 1\n", 1, 4, "unknown tag !<tag:example.com,2000:x>"),
        YAML_ERR("a: !!int abc\n", 1, 10, "!!int wants an integer, not 'abc'"),
        YAML_ERR("a: !!map [1]\n", 1, 4, "tag !!map cannot stand on a sequence"),
        YAML_ERR("a: !!bool maybe\n", 1, 11, "!!bool wants a boolean, not 'maybe'"),
        YAML_ERR("a: !!null x\n", 1, 11, "!!null wants null (~ or empty), not 'x'"),
        YAML_ERR("a: !!seq x\n", 1, 4, "tag !!seq cannot stand on a scalar"),
        YAML_ERR("a: &x 1\nb: *x\n", 2, 4,
                 "YAML aliases (*x) are not allowed: CloudFormation rejects them"),
        YAML_ERR("a: \"x\\0y\"\n", 1, 4, "a NUL character (\\0) is not allowed in a scalar"),
        YAML_ERR("a: \x01\n", 1, 4, "control characters are not allowed (U+0001)"),
        {sp_read_yaml, "a: 1\nb: x\0y\n", 12, 2, 5, "control characters are not allowed (U+0000)"},
        YAML_ERR("a: \xc3\xa9\nb: \xff\n", 2, 4,
                 "invalid UTF-8: byte 0xFF does not start a valid character"),
        YAML_ERR("a: \xc3(\n", 1, 4, "invalid UTF-8: byte 0xC3 does not start a valid character"),
        YAML_ERR("a: \xed\xa0\x80\n", 1, 4,
                 "invalid UTF-8: byte 0xED does not start a valid character"),
        YAML_ERR("a: \xc0\xaf\n", 1, 4, "invalid UTF-8: byte 0xC0 does not start a valid character"),
        YAML_ERR("a: \xf4\x90\x80\x80\n", 1, 4,
                 "invalid UTF-8: byte 0xF4 does not start a valid character"),
        {sp_read_yaml, "\xff\xfe" "a\0:\0", 6, 1, 1,
         "the file is UTF-16 (it starts with a UTF-16 byte-order mark); convert it to UTF-8"},
        /* Errors after multi-byte characters are placed by code point. */
        YAML_ERR("\xc3\xa9\xc3\xa9: [\xe2\x82\xac\n", 2, 1,
                 "did not find expected ',' or ']' (while parsing a flow sequence on line 1)"),
        YAML_ERR("x: \xe2\x82\xac\xe2\x82\xac\ny: !Nope 1\n", 2, 4, "unknown tag !Nope"),
    };
    run_error_cases(cases, sizeof cases / sizeof *cases);
}

static char *nested(const char *open, const char *close, int n)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = malloc((size_t)n * (lo + lc) + 1), *p = s;
    for (int i = 0; i < n; i++, p += lo)
        memcpy(p, open, lo);
    for (int i = 0; i < n; i++, p += lc)
        memcpy(p, close, lc);
    *p = 0;
    return s;
}

static void test_depth_errors(void **state)
{
    (void)state;
    char *flow = nested("[", "]", SP_MAX_DEPTH + 1);
    char *jobj = nested("{\"a\":", "}", SP_MAX_DEPTH + 1);
    /* Block nesting: "a:\n  a:\n    a: ..." */
    size_t cap = (size_t)(SP_MAX_DEPTH + 2) * (2 * SP_MAX_DEPTH + 8);
    char *block = malloc(cap), *p = block;
    for (int i = 0; i <= SP_MAX_DEPTH; i++)
        p += sprintf(p, "%*sa:\n", 2 * i, "");
    char msg[64];
    snprintf(msg, sizeof msg, "nesting deeper than %d levels", (int)SP_MAX_DEPTH);
    error_case cases[] = {
        {sp_read_yaml, flow, 0, 1, SP_MAX_DEPTH + 1, msg},
        {sp_read_json, flow, 0, 1, SP_MAX_DEPTH + 1, msg},
        {sp_read_json, jobj, 0, 1, 5 * SP_MAX_DEPTH + 1, msg},
        {sp_read_yaml, block, 0, SP_MAX_DEPTH + 1, 2 * SP_MAX_DEPTH + 1, msg},
    };
    run_error_cases(cases, sizeof cases / sizeof *cases);
    free(flow);
    free(jobj);
    free(block);
    /* Far deeper input fails the same way, without running away. */
    char *huge = nested("[", "]", 1000000);
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    assert_null(read_text(&ctx, sp_read_yaml, "h.yaml", huge, strlen(huge)));
    assert_null(read_text(&ctx, sp_read_json, "h.json", huge, strlen(huge)));
    assert_int_equal(ctx.errors, 2);
    sp_ctx_release(&ctx);
    free(huge);
}

static void test_json_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        JSON_ERR("{\"a\": 1,}", 1, 9,
                 "expected a string key after ',' (JSON allows no trailing comma), found '}'"),
        JSON_ERR("[1, 2,]", 1, 7,
                 "expected a value after ',' (JSON allows no trailing comma), found ']'"),
        JSON_ERR("{\"a\": 1 \"b\": 2}", 1, 9,
                 "expected ',' or '}' after an object member, found '\"'"),
        JSON_ERR("[1 2]", 1, 4, "expected ',' or ']' after an array element, found '2'"),
        JSON_ERR("{\"a\" 1}", 1, 6, "expected ':' after an object key, found '1'"),
        JSON_ERR("{a: 1}", 1, 2, "expected a string key or '}', found 'a'"),
        JSON_ERR("{'a': 1}", 1, 2,
                 "expected a string key or '}', found ''' (JSON strings use double quotes)"),
        JSON_ERR("{\"a\": [1,\n  2\n", 3, 1, "expected ',' or ']' after an array element, found end of input"),
        JSON_ERR("{\"a\": \"b", 1, 7, "unterminated string: no closing '\"' before the end of input"),
        JSON_ERR("[\"a\\qb\"]", 1, 4,
                 "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u after the "
                 "backslash, found 'q'"),
        JSON_ERR("[\"\\u12g4\"]", 1, 7, "expected four hexadecimal digits after \\u, found 'g'"),
        JSON_ERR("[\"\\ud83d\"]", 1, 3,
                 "lone high surrogate \\uD83D: it must be followed by a \\uDC00-\\uDFFF escape"),
        JSON_ERR("[\"\\ud83d\\u0041\"]", 1, 3,
                 "lone high surrogate \\uD83D: it must be followed by a \\uDC00-\\uDFFF escape, "
                 "not \\u0041"),
        JSON_ERR("[\"x\\ude00\"]", 1, 4,
                 "lone low surrogate \\uDE00: it must follow a \\uD800-\\uDBFF escape"),
        JSON_ERR("[\"a\\u0000b\"]", 1, 4, "\\u0000 (NUL) is not allowed in strings"),
        JSON_ERR("[\"a\tb\"]", 1, 4,
                 "control character U+0009 is not allowed in a string; write it as an escape "
                 "such as \\u0009"),
        JSON_ERR("[\"a\nb\"]", 1, 4,
                 "control character U+000A is not allowed in a string; write it as an escape "
                 "such as \\u000A"),
        JSON_ERR("[01]", 1, 2, "numbers cannot have leading zeros"),
        JSON_ERR("[-01]", 1, 2, "numbers cannot have leading zeros"),
        JSON_ERR("[+1]", 1, 2, "expected a JSON value, found '+' (JSON numbers have no '+' sign)"),
        JSON_ERR("[.5]", 1, 2, "expected a JSON value, found '.' (JSON numbers start with a digit)"),
        JSON_ERR("[1.]", 1, 4, "expected a digit after the decimal point, found ']'"),
        JSON_ERR("[1e]", 1, 4, "expected a digit in the exponent, found ']'"),
        JSON_ERR("[1e+]", 1, 5, "expected a digit in the exponent, found ']'"),
        JSON_ERR("[-]", 1, 3, "expected a digit after '-', found ']'"),
        JSON_ERR("[-a]", 1, 3, "expected a digit after '-', found 'a'"),
        JSON_ERR("[0x10]", 1, 3, "expected ',' or ']' after an array element, found 'x'"),
        JSON_ERR("[NaN]", 1, 2, "expected a JSON value, found 'NaN'"),
        JSON_ERR("[True]", 1, 2, "expected a JSON value, found 'True'"),
        JSON_ERR("[tru]", 1, 2, "expected a JSON value, found 'tru'"),
        JSON_ERR("[nul", 1, 2, "expected a JSON value, found 'nul'"),
        JSON_ERR("{\"a\": 1} // note", 1, 10,
                 "expected the end of input after the top-level value, found '/' (JSON has no "
                 "comments)"),
        JSON_ERR("// note\n{}", 1, 1, "expected a JSON value, found '/' (JSON has no comments)"),
        JSON_ERR("{} {}", 1, 4, "expected the end of input after the top-level value, found '{'"),
        JSON_ERR("[1] x", 1, 5, "expected the end of input after the top-level value, found 'x'"),
        JSON_ERR("[1,\f2]", 1, 4, "expected a JSON value, found control character U+000C"),
        JSON_ERR("[1,\xc2\xa0" "2]", 1, 4, "expected a JSON value, found '\xc2\xa0' (U+00A0)"),
        JSON_ERR("{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", 3, 2,
                 "duplicate key 'a' (first defined on line 1)"),
        JSON_ERR("{\"k\": {\"x\": 1, \"\\u0078\": 2}}", 1, 16,
                 "duplicate key 'x' (first defined on line 1)"),
        JSON_ERR("{\"a\": \"\xc3\xa9\xff\"}", 1, 9,
                 "invalid UTF-8: byte 0xFF does not start a valid character"),
        JSON_ERR("[1, \xe9]", 1, 5, "invalid UTF-8: byte 0xE9 does not start a valid character"),
        JSON_ERR("[\"\xed\xb0\x80\"]", 1, 3,
                 "invalid UTF-8: byte 0xED does not start a valid character"),
        {sp_read_json, "[1,\0 2]", 7, 1, 4, "expected a JSON value, found control character U+0000"},
        /* Past the readers' word-at-a-time fast paths (UTF-8 in blocks of
         * 32 bytes, strings, indentation), errors keep their positions. */
        JSON_ERR("[\"0123456789012345678901234567890123456789\", \"abc\xff\"]", 1, 50,
                 "invalid UTF-8: byte 0xFF does not start a valid character"),
        JSON_ERR("{\"long key, longer than thirty-two bytes\": \"\xc3\xa9\xe2\x82\xac and then "
                 "\xe0\x80\x80\"}",
                 1, 57, "invalid UTF-8: byte 0xE0 does not start a valid character"),
        JSON_ERR("[\"a string longer than a word\tthen a tab\"]", 1, 30,
                 "control character U+0009 is not allowed in a string; write it as an escape "
                 "such as \\u0009"),
        JSON_ERR("{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,"
                 "\"k8\":8,\n\"k5\":9}",
                 2, 1, "duplicate key 'k5' (first defined on line 1)"),
        JSON_ERR("{\"\": 1, \"a\": 2, \"\": 3}", 1, 17, "duplicate key '' (first defined on line 1)"),
        JSON_ERR("{\"ab\": 1, \"ac\": 2, \"b\": {\"x\": [1, {\"ab\": 1, \"ab\": 2}]}}", 1, 45,
                 "duplicate key 'ab' (first defined on line 1)"),
        JSON_ERR("{\n        \"a\": 1,\n        \"b\": [\n                1\n                2]}", 5, 17,
                 "expected ',' or ']' after an array element, found '2'"),
    };
    run_error_cases(cases, sizeof cases / sizeof *cases);
}

/* ---- detection and dispatch -------------------------------------------------------- */

static void test_detect_syntax(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        sp_syntax syntax;
    } cases[] = {
        {"{}", SP_SYNTAX_JSON},
        {"  \n\t[1]", SP_SYNTAX_JSON},
        {"\xEF\xBB\xBF{\"a\":1}", SP_SYNTAX_JSON},
        {"\xEF\xBB\xBF \r\n [", SP_SYNTAX_JSON},
        {"(define x 1)", SP_SYNTAX_SEXP},
        {"; comment\n(x)", SP_SYNTAX_SEXP},
        {"#| block |#\n(x)", SP_SYNTAX_SEXP},
        {"# yaml comment\na: 1", SP_SYNTAX_YAML},
        {"a: {b: 1}", SP_SYNTAX_YAML},
        {"", SP_SYNTAX_YAML},
        {"   ", SP_SYNTAX_YAML},
        {"\xEF\xBB\xBF", SP_SYNTAX_YAML},
        {"- [1]", SP_SYNTAX_YAML},
        {"#", SP_SYNTAX_YAML},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (sp_detect_syntax(cases[i].text, strlen(cases[i].text)) != cases[i].syntax)
            fail_msg("case %zu: '%s'", i, cases[i].text);

    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const char *sexp = "\n  (define machines '())\n";
    uint32_t s = sp_source_add(&ctx, "deploy.scm", sexp, strlen(sexp));
    /* S-expressions go to their reader (tested in test_sexp.c). */
    const sp_doc *forms = sp_read_document(&ctx, s);
    assert_non_null(forms);
    assert_int_equal(forms->kind, SP_DOC_SEQ);
    assert_int_equal(forms->off, 3);
    /* JSON errors come from the JSON reader even through dispatch. */
    s = sp_source_add(&ctx, "x.json", "{\"a\": 1,}", 9);
    assert_null(sp_read_document(&ctx, s));
    assert_string_equal(ctx.diags.items[0].message,
                        "expected a string key after ',' (JSON allows no trailing comma), found '}'");
    sp_ctx_release(&ctx);
}

static void test_doc_api(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_doc *s = sp_doc_new_scalar(&ctx, SP_DOC_STRING, "abc", 2);
    assert_non_null(s);
    assert_string_equal(sp_doc_text(s), "ab");
    assert_true(sp_doc_text_eq(s, "ab"));
    assert_false(sp_doc_text_eq(s, "abc"));
    assert_int_equal(s->src, SP_NO_SOURCE);
    sp_doc *m = sp_doc_new(&ctx, SP_DOC_MAP);
    assert_int_equal(m->kind, SP_DOC_MAP);
    assert_int_equal(m->u.map.len, 0);
    assert_null(sp_doc_get(m, "x"));
    assert_null(sp_doc_text(m));
    sp_doc *n = sp_doc_new(&ctx, SP_DOC_NULL);
    assert_string_equal(sp_doc_text(n), "");
    assert_true(sp_doc_equal(n, json(&ctx, "null")));
    assert_null(sp_doc_get(NULL, "x"));
    assert_null(sp_doc_get(s, "x"));
    assert_false(sp_doc_text_eq(NULL, "x"));
    /* A key with an embedded NUL never matches a C-string lookup. */
    sp_doc *d = yaml(&ctx, "a: 1\nab: 2\n");
    assert_true(sp_doc_text_eq(sp_doc_get(d, "ab"), "2"));
    assert_null(sp_doc_get(d, "b"));
    sp_ctx_release(&ctx);
}

/* ---- the shared corpus (skipped when ../shared is absent) ------------------------- */

static char *repo_relative(const char *rel)
{
    /* This file is tests/unit/test_reader.c in the repository. */
    const char *file = __FILE__;
    const char *end = strstr(file, "tests/unit/test_reader.c");
    if (!end)
        return NULL;
    size_t n = (size_t)(end - file);
    char *path = malloc(n + strlen(rel) + 1);
    memcpy(path, file, n);
    strcpy(path + n, rel);
    return path;
}

typedef struct corpus_stats {
    unsigned files, failed, expected_failures;
} corpus_stats;

/* Failures real templates are known to have: duplicate keys (DESIGN §4
 * makes them errors), the rain pre-processor's tags, the !ref typo and
 * JSON-looking files with trailing commas. */
static bool expected_failure(const char *message)
{
    return strncmp(message, "duplicate key", 13) == 0 ||
           strcmp(message, "unknown tag !Rain::Embed") == 0 ||
           strcmp(message, "unknown tag !Rain::Module") == 0 ||
           strcmp(message, "unknown tag !ref (did you mean !Ref?)") == 0 ||
           strstr(message, "(JSON allows no trailing comma)") != NULL;
}

static void walk_corpus(const char *dir, corpus_stats *st)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(n);
        snprintf(path, n, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            walk_corpus(path, st);
        } else {
            const char *ext = strrchr(e->d_name, '.');
            if (ext && (!strcmp(ext, ".json") || !strcmp(ext, ".yaml") || !strcmp(ext, ".yml"))) {
                sp_ctx ctx;
                sp_ctx_init(&ctx);
                uint32_t src;
                assert_true(sp_source_read(&ctx, path, &src));
                st->files++;
                if (!sp_read_document(&ctx, src)) {
                    st->failed++;
                    const sp_diag *g = &ctx.diags.items[0];
                    if (expected_failure(g->message) && g->line > 0)
                        st->expected_failures++;
                    else
                        print_message("%s:%u:%u: %s\n", path, g->line, g->column, g->message);
                }
                sp_ctx_release(&ctx);
            }
        }
        free(path);
    }
    closedir(d);
}

/* The corpus holds some templates in both syntaxes at the same commit
 * (X.json__H and X.yaml__H): where both read, they are conversions of
 * each other, which exercises the short tags on real templates. */
static void compare_twins(const char *pairs_dir, unsigned *readable, unsigned *equal)
{
    DIR *d = opendir(pairs_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *j = strstr(e->d_name, ".json__");
        if (!j)
            continue;
        char json_path[1024], yaml_path[1024];
        snprintf(json_path, sizeof json_path, "%s/%s/after.json", pairs_dir, e->d_name);
        snprintf(yaml_path, sizeof yaml_path, "%s/%.*s.yaml__%s/after.yaml", pairs_dir,
                 (int)(j - e->d_name), e->d_name, j + strlen(".json__"));
        sp_ctx ctx;
        sp_ctx_init(&ctx);
        uint32_t a, b;
        struct stat sb;
        if (stat(yaml_path, &sb) == 0 && sp_source_read(&ctx, json_path, &a) &&
            sp_source_read(&ctx, yaml_path, &b)) {
            sp_doc *x = sp_read_document(&ctx, a), *y = sp_read_document(&ctx, b);
            if (x && y) {
                (*readable)++;
                if (sp_doc_equal(x, y) && sp_doc_hash(x) == sp_doc_hash(y))
                    (*equal)++;
                else
                    print_message("twins differ: %s\n", e->d_name);
            }
        }
        sp_ctx_release(&ctx);
    }
    closedir(d);
}

static void test_shared_corpus(void **state)
{
    (void)state;
    char *corpus = repo_relative("../shared/corpus");
    struct stat sb;
    if (!corpus || stat(corpus, &sb) != 0) {
        print_message("skipped: ../shared/corpus is absent\n");
        free(corpus);
        skip();
    }
    corpus_stats st = {0};
    walk_corpus(corpus, &st);
    print_message("corpus: %u templates read, %u rejected for known reasons\n", st.files,
                  st.expected_failures);
    assert_true(st.files > 0);
    assert_int_equal(st.failed, st.expected_failures);
    char *pairs = repo_relative("../shared/corpus/cfn-pairs");
    unsigned readable = 0, equal = 0;
    compare_twins(pairs, &readable, &equal);
    print_message("corpus: %u of %u JSON/YAML twin templates read to equal trees\n", equal,
                  readable);
    assert_true(readable == 0 || equal > 0);
    free(pairs);
    free(corpus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_tags_scalar_forms),
        cmocka_unit_test(test_short_tags_collection_forms),
        cmocka_unit_test(test_short_tag_positions_and_flags),
        cmocka_unit_test(test_same_template_json_and_yaml),
        cmocka_unit_test(test_yaml_scalar_kinds),
        cmocka_unit_test(test_equality_rules),
        cmocka_unit_test(test_big_maps),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_positions_non_ascii),
        cmocka_unit_test(test_json_values),
        cmocka_unit_test(test_yaml_documents),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_depth_errors),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_detect_syntax),
        cmocka_unit_test(test_doc_api),
        cmocka_unit_test(test_shared_corpus),
    };
    return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
