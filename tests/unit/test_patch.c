/* Unit tests of the patched configurations `fix` writes (src/output/patch*.c,
 * src/output/phases.c) and of sp_run_fix (src/api/fix.c): the DependsOn
 * merge in every shape, YAML and JSON, byte for byte; phase files (a mix
 * of OLD's and NEW's definitions, their sections); and the writing rules
 * (atomic, never OLD, NEW only in place, permissions kept, nothing left
 * behind on errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frontend/frontend.h"
#include "output/patch.h"
#include "snipeproof.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the DependsOn merge --------------------------------------------- */

/* `text` with `then` depending on each of `firsts` (NULL-terminated);
 * checks the result reads back as exactly that, and returns it. */
static char *deps_of(sp_ctx *ctx, const char *text, const char *then, const char *const *firsts)
{
    sp_ptext *pt = sp_ptext_from(ctx, "t", text, strlen(text));
    if (!pt)
        fail_msg("does not read: %s", ctx->diags.items[ctx->diags.len - 1].message);
    size_t n = 0;
    while (firsts[n])
        n++;
    sp_dep_add add = {then, (const char **)firsts, n};
    size_t len;
    char *out = sp_patch_deps(pt, &sp_profile_cfn, &add, 1, &len);
    if (!out)
        fail_msg("not patched: %s", ctx->diags.items[ctx->diags.len - 1].message);
    assert_int_equal(strlen(out), len);
    sp_ptext *back = sp_ptext_from(ctx, "out", out, len);
    if (!back)
        fail_msg("does not read back: %s\n%s", ctx->diags.items[ctx->diags.len - 1].message, out);
    if (!sp_patch_deps_verify(ctx, pt->root, back->root, &sp_profile_cfn, &add, 1))
        fail_msg("not NEW plus the entry: %s\n%s", ctx->diags.items[ctx->diags.len - 1].message,
                 out);
    return out;
}

static void expect_deps(const char *text, const char *then, const char *const *firsts,
                        const char *want)
{
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    char *out = deps_of(&ctx, text, then, firsts);
    if (strcmp(out, want) != 0)
        fail_msg("got:\n%s\nwanted:\n%s", out, want);
    sp_ctx_release(&ctx);
}

static const char *const ONE_A[] = {"A", NULL};
static const char *const A_AND_B[] = {"A", "B", NULL};

static void yaml_absent_goes_after_type(void **state)
{
    (void)state;
    expect_deps("Resources:\n"
                "  A:\n"
                "    Type: X   # the type\n"
                "  Web:\n"
                "    # the web server\n"
                "    Type: AWS::EC2::Instance\n"
                "    Properties:\n"
                "      ImageId: ami-1   # keep me\n",
                "Web", ONE_A,
                "Resources:\n"
                "  A:\n"
                "    Type: X   # the type\n"
                "  Web:\n"
                "    # the web server\n"
                "    Type: AWS::EC2::Instance\n"
                "    DependsOn: A\n"
                "    Properties:\n"
                "      ImageId: ami-1   # keep me\n");
}

static void yaml_absent_several(void **state)
{
    (void)state;
    expect_deps("Resources:\n"
                "    A: {Type: X}\n"
                "    B: {Type: X}\n"
                "    Web:\n"
                "        Properties: {}\n"
                "        Type: Y\n",
                "Web", A_AND_B,
                "Resources:\n"
                "    A: {Type: X}\n"
                "    B: {Type: X}\n"
                "    Web:\n"
                "        Properties: {}\n"
                "        Type: Y\n"
                "        DependsOn: [A, B]\n");
}

static void yaml_scalar_becomes_list(void **state)
{
    (void)state;
    expect_deps("Resources:\n"
                "  A: {Type: X}\n"
                "  B: {Type: X}\n"
                "  Web:\n"
                "    Type: Y\n"
                "    DependsOn: 'B'  # why\n",
                "Web", ONE_A,
                "Resources:\n"
                "  A: {Type: X}\n"
                "  B: {Type: X}\n"
                "  Web:\n"
                "    Type: Y\n"
                "    DependsOn: ['B', A]  # why\n");
}

static void yaml_block_list_appended(void **state)
{
    (void)state;
    expect_deps("Resources:\n"
                "  A: {Type: X}\n"
                "  B: {Type: X}\n"
                "  Web:\n"
                "    Type: Y\n"
                "    DependsOn:\n"
                "    - B\n"
                "    Properties:\n"
                "      Code: |\n"
                "        run\n",
                "Web", ONE_A,
                "Resources:\n"
                "  A: {Type: X}\n"
                "  B: {Type: X}\n"
                "  Web:\n"
                "    Type: Y\n"
                "    DependsOn:\n"
                "    - B\n"
                "    - A\n"
                "    Properties:\n"
                "      Code: |\n"
                "        run\n");
}

static void yaml_flow_lists(void **state)
{
    (void)state;
    expect_deps("Resources:\n  A: {Type: X}\n  B: {Type: X}\n"
                "  Web: {Type: Y, DependsOn: [B]}\n",
                "Web", ONE_A,
                "Resources:\n  A: {Type: X}\n  B: {Type: X}\n"
                "  Web: {Type: Y, DependsOn: [B, A]}\n");
    expect_deps("Resources:\n  A: {Type: X}\n  Web:\n    Type: Y\n    DependsOn: []\n",
                "Web", ONE_A,
                "Resources:\n  A: {Type: X}\n  Web:\n    Type: Y\n    DependsOn: [A]\n");
    expect_deps("Resources:\n  A: {Type: X}\n  B: {Type: X}\n  Web:\n    Type: Y\n"
                "    DependsOn: [\n      B\n    ]\n",
                "Web", ONE_A,
                "Resources:\n  A: {Type: X}\n  B: {Type: X}\n  Web:\n    Type: Y\n"
                "    DependsOn: [\n      B,\n      A\n    ]\n");
}

static void yaml_flow_resource(void **state)
{
    (void)state;
    expect_deps("Resources:\n  A: {Type: X}\n  Web: {Type: Y, Properties: {P: 1}}\n", "Web",
                ONE_A,
                "Resources:\n  A: {Type: X}\n  Web: {Type: Y, DependsOn: A, Properties: {P: 1}}\n");
    expect_deps("Resources:\n  A: {Type: X}\n  Web: {Properties: {P: 1}, Type: Y}\n", "Web",
                ONE_A,
                "Resources:\n  A: {Type: X}\n  Web: {Properties: {P: 1}, Type: Y, DependsOn: A}\n");
}

static void yaml_declared_already(void **state)
{
    (void)state;
    const char *t = "Resources:\n  A: {Type: X}\n  Web:\n    Type: Y\n    DependsOn: [A]\n";
    expect_deps(t, "Web", ONE_A, t);
}

static void yaml_crlf_and_no_final_break(void **state)
{
    (void)state;
    expect_deps("Resources:\r\n  A:\r\n    Type: X\r\n  Web:\r\n    Type: Y\r\n", "Web", ONE_A,
                "Resources:\r\n  A:\r\n    Type: X\r\n  Web:\r\n    Type: Y\r\n"
                "    DependsOn: A\r\n");
    expect_deps("Resources:\n  A:\n    Type: X\n  Web:\n    Type: Y", "Web", ONE_A,
                "Resources:\n  A:\n    Type: X\n  Web:\n    Type: Y\n    DependsOn: A");
}

static void yaml_names_that_need_quotes(void **state)
{
    (void)state;
    static const char *const yes[] = {"Yes", "N", "1abc", NULL};
    expect_deps("Resources:\n  \"Yes\": {Type: X}\n  \"N\": {Type: X}\n  1abc: {Type: X}\n"
                "  Web:\n    Type: Y\n",
                "Web", yes,
                "Resources:\n  \"Yes\": {Type: X}\n  \"N\": {Type: X}\n  1abc: {Type: X}\n"
                "  Web:\n    Type: Y\n    DependsOn: [\"Yes\", \"N\", \"1abc\"]\n");
}

static void yaml_byte_order_mark(void **state)
{
    (void)state;
    expect_deps("\xEF\xBB\xBFResources:\n  A: {Type: X}\n  Web: {Type: Y}\n", "Web", ONE_A,
                "\xEF\xBB\xBFResources:\n  A: {Type: X}\n  Web: {Type: Y, DependsOn: A}\n");
}

static void json_pretty(void **state)
{
    (void)state;
    expect_deps("{\n"
                "    \"Resources\": {\n"
                "        \"A\": {\"Type\": \"X\"},\n"
                "        \"Web\": {\n"
                "            \"Type\": \"Y\",\n"
                "            \"Properties\": {}\n"
                "        }\n"
                "    }\n"
                "}\n",
                "Web", ONE_A,
                "{\n"
                "    \"Resources\": {\n"
                "        \"A\": {\"Type\": \"X\"},\n"
                "        \"Web\": {\n"
                "            \"Type\": \"Y\",\n"
                "            \"DependsOn\": \"A\",\n"
                "            \"Properties\": {}\n"
                "        }\n"
                "    }\n"
                "}\n");
    /* Type last: a comma after it, the pair on a line of its own. */
    expect_deps("{\n\t\"Resources\": {\n\t\t\"A\": {\"Type\": \"X\"},\n\t\t\"Web\": {\n"
                "\t\t\t\"Type\": \"Y\"\n\t\t}\n\t}\n}",
                "Web", ONE_A,
                "{\n\t\"Resources\": {\n\t\t\"A\": {\"Type\": \"X\"},\n\t\t\"Web\": {\n"
                "\t\t\t\"Type\": \"Y\",\n\t\t\t\"DependsOn\": \"A\"\n\t\t}\n\t}\n}");
}

static void json_one_line_and_lists(void **state)
{
    (void)state;
    expect_deps("{\"Resources\":{\"A\":{\"Type\":\"X\"},\"Web\":{\"Type\":\"Y\"}}}", "Web", ONE_A,
                "{\"Resources\":{\"A\":{\"Type\":\"X\"},\"Web\":{\"Type\":\"Y\",\"DependsOn\":\"A\"}}}");
    expect_deps("{\"Resources\": {\"A\": {\"Type\": \"X\"}, \"B\": {\"Type\": \"X\"},\n"
                " \"Web\": {\"Type\": \"Y\", \"DependsOn\": \"B\"}}}",
                "Web", ONE_A,
                "{\"Resources\": {\"A\": {\"Type\": \"X\"}, \"B\": {\"Type\": \"X\"},\n"
                " \"Web\": {\"Type\": \"Y\", \"DependsOn\": [\"B\", \"A\"]}}}");
    expect_deps("{\"Resources\": {\"A\": {\"Type\": \"X\"}, \"B\": {\"Type\": \"X\"},\n"
                " \"Web\": {\"Type\": \"Y\", \"DependsOn\": [\n   \"B\"\n ]}}}",
                "Web", ONE_A,
                "{\"Resources\": {\"A\": {\"Type\": \"X\"}, \"B\": {\"Type\": \"X\"},\n"
                " \"Web\": {\"Type\": \"Y\", \"DependsOn\": [\n   \"B\",\n   \"A\"\n ]}}}");
}

static void topology_after(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    const char *t = "snipeproof: topology/1\nhosts:\n  router: {}\n  web:\n    network: lan\n";
    sp_ptext *pt = sp_ptext_from(&ctx, "t", t, strlen(t));
    assert_non_null(pt);
    const char *firsts[] = {"router"};
    sp_dep_add add = {"web", firsts, 1};
    size_t len;
    char *out = sp_patch_deps(pt, &sp_profile_topology, &add, 1, &len);
    assert_non_null(out);
    assert_string_equal(out, "snipeproof: topology/1\nhosts:\n  router: {}\n  web:\n"
                             "    network: lan\n    after: [router]\n");
    sp_ctx_release(&ctx);
}

/* ---- phase files -------------------------------------------------------- */

typedef struct mixed {
    sp_ctx ctx;
    sp_model m;
    char *text;
    sp_phase_info info;
    const char *error;
} mixed;

/* The phase of OLD -> NEW with the components named in `old_ones` at
 * their OLD version and the others at their NEW one. */
static void mix(mixed *x, const char *old, const char *new_, const char *const *old_ones)
{
    sp_ctx_init(&x->ctx);
    x->error = NULL;
    sp_ptext *ot = sp_ptext_from(&x->ctx, "old", old, strlen(old));
    sp_ptext *nt = sp_ptext_from(&x->ctx, "new", new_, strlen(new_));
    assert_non_null(ot);
    assert_non_null(nt);
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    if (!sp_cfn_load(&x->ctx, &opt, ot->root, nt->root, &x->m))
        fail_msg("does not load: %s", x->ctx.diags.items[x->ctx.diags.len - 1].message);
    unsigned char *to = calloc(x->m.components.len + 1, 1);
    for (size_t k = 0; k < x->m.components.len; k++) {
        to[k] = 1;
        for (size_t i = 0; old_ones[i]; i++)
            if (!strcmp(old_ones[i], x->m.components.items[k].key))
                to[k] = 0;
    }
    size_t len;
    sp_doc *expect = NULL;
    x->text = sp_phase_compose(&x->ctx, &x->m, to, ot, nt, &sp_profile_cfn, &len, &x->info,
                               &expect);
    free(to);
    if (!x->text) {
        x->error = x->ctx.diags.items[x->ctx.diags.len - 1].message;
        return;
    }
    sp_ptext *back = sp_ptext_from(&x->ctx, "mix", x->text, len);
    if (!back)
        fail_msg("the mix does not read back:\n%s", x->text);
    if (!sp_doc_equal(expect, back->root))
        fail_msg("the mix is not the intended template:\n%s", x->text);
    sp_model m2;
    if (!sp_cfn_load(&x->ctx, &opt, ot->root, back->root, &m2))
        fail_msg("the mix does not load: %s\n%s",
                 x->ctx.diags.items[x->ctx.diags.len - 1].message, x->text);
}

static void expect_mix(const char *old, const char *new_, const char *const *old_ones,
                       const char *want)
{
    mixed x;
    mix(&x, old, new_, old_ones);
    if (x.error)
        fail_msg("not written: %s", x.error);
    if (strcmp(x.text, want) != 0)
        fail_msg("got:\n%s\nwanted:\n%s", x.text, want);
    sp_ctx_release(&x.ctx);
}

static const char *const NONE[] = {NULL};

static void phase_yaml_mix(void **state)
{
    (void)state;
    static const char *const old_ones[] = {"Fn", "Gone", "Added", NULL};
    expect_mix(
        /* OLD: four spaces; Fn's old code; Gone exists only here. */
        "Resources:\n"
        "    Fn:\n"
        "        Type: AWS::Lambda::Function\n"
        "        Properties:\n"
        "            Code:\n"
        "                ZipFile: |\n"
        "                    def handler(e, c):\n"
        "\n"
        "                        return 'old'\n"
        "    Gone:\n"
        "        Type: AWS::SNS::Topic\n"
        "    Kept:\n"
        "        Type: AWS::SNS::Topic\n",
        /* NEW: two spaces, comments, Added is new.  OLD's lines move with
         * their key (from column 4 to 2), keeping their own indentation
         * below it; Added goes with the comment above it. */
        "# the new template\n"
        "Resources:\n"
        "  Kept:\n"
        "    Type: AWS::SNS::Topic\n"
        "\n"
        "  # about Added\n"
        "  Added:\n"
        "    Type: AWS::SNS::Topic\n"
        "\n"
        "  Fn:   # the function\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Code:\n"
        "        ZipFile: |\n"
        "          def handler(e, c):\n"
        "              return 'new'\n"
        "Outputs:\n"
        "  Topic: {Value: !Ref Added}\n"
        "  Kept: {Value: !Ref Kept}\n",
        old_ones,
        "# the new template\n"
        "Resources:\n"
        "  Kept:\n"
        "    Type: AWS::SNS::Topic\n"
        "\n"
        "  Fn:\n"
        "      Type: AWS::Lambda::Function\n"
        "      Properties:\n"
        "          Code:\n"
        "              ZipFile: |\n"
        "                  def handler(e, c):\n"
        "\n"
        "                      return 'old'\n"
        "  Gone:\n"
        "      Type: AWS::SNS::Topic\n"
        "Outputs:\n"
        "  Kept: {Value: !Ref Kept}\n");
}

static void phase_all_new_is_new(void **state)
{
    (void)state;
    const char *n = "Parameters:\n  P: {Type: String}\nResources:\n  A:\n    Type: AWS::SNS::Topic\n"
                    "    Properties: {TopicName: !Ref P}\n";
    expect_mix("Resources:\n  A: {Type: AWS::SNS::Topic}\n", n, NONE, n);
}

static void phase_sections_from_old(void **state)
{
    (void)state;
    static const char *const old_ones[] = {"A", NULL};
    /* A at its old version needs OLD's parameter P (absent in NEW), OLD's
     * mapping M (changed) and OLD's condition C; NEW has no Parameters. */
    expect_mix("Parameters:\n"
               "  P:\n"
               "    Type: String\n"
               "    Default: x\n"
               "Mappings:\n"
               "  M: {K: {V: old}}\n"
               "Conditions:\n"
               "  C: !Equals [!Ref P, x]\n"
               "Resources:\n"
               "  A:\n"
               "    Type: AWS::SNS::Topic\n"
               "    Condition: C\n"
               "    Properties: {TopicName: !FindInMap [M, K, V]}\n",
               "Mappings:\n"
               "  M: {K: {V: new}}\n"
               "Resources:\n"
               "  A:\n"
               "    Type: AWS::SNS::Topic\n"
               "    Properties: {TopicName: !FindInMap [M, K, V]}\n",
               old_ones,
               "Mappings:\n"
               "  M: {K: {V: old}}\n"
               "Resources:\n"
               "  A:\n"
               "    Type: AWS::SNS::Topic\n"
               "    Condition: C\n"
               "    Properties: {TopicName: !FindInMap [M, K, V]}\n"
               "Parameters:\n"
               "  P:\n"
               "    Type: String\n"
               "    Default: x\n"
               "Conditions:\n"
               "  C: !Equals [!Ref P, x]\n");
}

static void phase_two_versions_of_a_mapping(void **state)
{
    (void)state;
    static const char *const old_ones[] = {"A", NULL};
    /* A (old) and B (new) need both versions of M: OLD's is renamed, in
     * its key and every mention. */
    expect_mix("Mappings:\n  M: {K: {V: old}}\nConditions:\n  C: !Equals [a, a]\nResources:\n"
               "  A: {Type: AWS::SNS::Topic, Condition: C, Properties: {TopicName: !FindInMap "
               "[M, K, V]}}\n"
               "  B: {Type: AWS::SNS::Topic, Properties: {TopicName: b}}\n",
               "Mappings:\n  M: {K: {V: new}}\nConditions:\n  C: !Equals [a, b]\nResources:\n"
               "  A: {Type: AWS::SNS::Topic, Condition: C, Properties: {TopicName: !FindInMap "
               "[M, K, V]}}\n"
               "  B:\n    Type: AWS::SNS::Topic\n    Condition: C\n"
               "    Properties: {TopicName: !FindInMap [M, K, V]}\n",
               old_ones,
               "Mappings:\n  M: {K: {V: new}}\n  MOld: {K: {V: old}}\n"
               "Conditions:\n  C: !Equals [a, b]\n  COld: !Equals [a, a]\nResources:\n"
               "  A: {Type: AWS::SNS::Topic, Condition: COld, Properties: {TopicName: !FindInMap "
               "[MOld, K, V]}}\n"
               "  B:\n    Type: AWS::SNS::Topic\n    Condition: C\n"
               "    Properties: {TopicName: !FindInMap [M, K, V]}\n");
}

static void phase_two_versions_of_a_parameter(void **state)
{
    (void)state;
    static const char *const old_ones[] = {"A", NULL};
    mixed x;
    mix(&x,
        "Parameters:\n  P: {Type: String, Default: old}\nResources:\n"
        "  A: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref P}}\n"
        "  B: {Type: AWS::SNS::Topic, Properties: {TopicName: b}}\n",
        "Parameters:\n  P: {Type: String, Default: new}\nResources:\n"
        "  A: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref P}}\n"
        "  B: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub '${P}-b'}}\n",
        old_ones);
    assert_non_null(x.error);
    assert_non_null(strstr(x.error, "the parameter 'P' has another Type or Default"));
    sp_ctx_release(&x.ctx);
}

/* SAM: an API's routes are written in its functions' Events. */
#define SAM_OLD                                                                                   \
    "Transform: AWS::Serverless-2016-10-31\n"                                                    \
    "Resources:\n"                                                                               \
    "  F:\n"                                                                                     \
    "    Type: AWS::Serverless::Function\n"                                                      \
    "    Properties:\n"                                                                          \
    "      InlineCode: old\n"                                                                    \
    "      Events:\n"                                                                            \
    "        Get: {Type: Api, Properties: {Path: /, Method: get}}\n"
#define SAM_ROUTE_NEW "        Get: {Type: Api, Properties: {Path: /, Method: get, Auth: {Authorizer: AWS_IAM}}}\n"

static void phase_sam_routes(void **state)
{
    (void)state;
    static const char *const api_old[] = {"ServerlessRestApi", NULL};
    static const char *const fn_old[] = {"F", NULL};
    const char *code_and_route =
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      InlineCode: new\n      Events:\n" SAM_ROUTE_NEW;
    /* Function and route both change: with the API at its new version and
     * the function at its old one, the step is the old function with the
     * new route; and the other way round. */
    const char *old_code_new_route =
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      InlineCode: old\n      Events:\n" SAM_ROUTE_NEW;
    expect_mix(SAM_OLD, code_and_route, fn_old, old_code_new_route);
    const char *new_code_old_route =
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      InlineCode: new\n      Events:\n"
        "        Get: {Type: Api, Properties: {Path: /, Method: get}}\n";
    expect_mix(SAM_OLD, code_and_route, api_old, new_code_old_route);
    expect_mix(SAM_OLD, code_and_route, NONE, code_and_route);
    /* Only the route changes: F is unchanged and written at the API's
     * version. */
    const char *route_only =
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      InlineCode: old\n      Events:\n" SAM_ROUTE_NEW;
    expect_mix(SAM_OLD, route_only, NONE, route_only);
    expect_mix(SAM_OLD, route_only, api_old, SAM_OLD);
}

/* SAM's Globals are part of the definitions that inherit them. */
static void phase_sam_globals(void **state)
{
    (void)state;
    static const char *const both_old[] = {"F", "G", NULL};
    const char *old_t = "Transform: AWS::Serverless-2016-10-31\n"
                        "Globals:\n  Function:\n    Timeout: 3\n"
                        "Resources:\n"
                        "  F: {Type: AWS::Serverless::Function, Properties: {InlineCode: old}}\n"
                        "  G: {Type: AWS::Serverless::Function, Properties: {InlineCode: old}}\n";
    const char *new_t = "Transform: AWS::Serverless-2016-10-31\n"
                        "Globals:\n  Function:\n    Timeout: 9\n"
                        "Resources:\n"
                        "  F: {Type: AWS::Serverless::Function, Properties: {InlineCode: new}}\n"
                        "  G: {Type: AWS::Serverless::Function, Properties: {InlineCode: old}}\n";
    /* Both functions at their old version take OLD's Globals. */
    expect_mix(old_t, new_t, both_old, old_t);
    /* Two functions at different versions cannot share Globals (G
     * changes through them too). */
    static const char *const g_old[] = {"G", NULL};
    mixed x;
    mix(&x, old_t, new_t, g_old);
    assert_non_null(x.error);
    assert_non_null(strstr(x.error, "but both take part of their definitions from here; "
                                    "snipeproof cannot write it"));
    sp_ctx_release(&x.ctx);
}

static void deps_on_a_generated_component(void **state)
{
    (void)state;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_ptext *t = sp_ptext_from(&ctx, "t", SAM_OLD, strlen(SAM_OLD));
    assert_non_null(t);
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    sp_model m;
    assert_true(sp_cfn_load(&ctx, &opt, NULL, t->root, &m));
    uint32_t api = sp_model_find(&m, "ServerlessRestApi"), fn = sp_model_find(&m, "F");
    assert_true(api != SP_NONE && fn != SP_NONE);
    assert_true(m.components.items[api].generated);
    sp_edge_hint e = {api, fn}, back = {fn, api};
    sp_dep_add *adds;
    size_t n;
    assert_true(sp_dep_adds_from_edges(&ctx, &m, &e, 1, &adds, &n));
    assert_int_equal(n, 1);
    assert_string_equal(adds[0].then, "F");
    assert_false(sp_dep_adds_from_edges(&ctx, &m, &back, 1, &adds, &n));
    assert_non_null(strstr(ctx.diags.items[ctx.diags.len - 1].message,
                           "'ServerlessRestApi' has no text of its own"));
    sp_ctx_release(&ctx);
}

static void phase_json_from_yaml(void **state)
{
    (void)state;
    static const char *const old_ones[] = {"A", NULL};
    expect_mix("Resources:\n"
               "  A:\n"
               "    Type: AWS::SNS::Topic\n"
               "    Properties:\n"
               "      TopicName: old\n"
               "      Tags: [{Key: k, Value: v}]\n",
               "{\n"
               "  \"Resources\": {\n"
               "    \"A\": {\n"
               "      \"Type\": \"AWS::SNS::Topic\",\n"
               "      \"Properties\": {\"TopicName\": \"new\"}\n"
               "    }\n"
               "  }\n"
               "}\n",
               old_ones,
               "{\n"
               "  \"Resources\": {\n"
               "    \"A\": {\n"
               "      \"Type\": \"AWS::SNS::Topic\",\n"
               "      \"Properties\": {\n"
               "        \"TopicName\": \"old\",\n"
               "        \"Tags\": [\n"
               "          {\n"
               "            \"Key\": \"k\",\n"
               "            \"Value\": \"v\"\n"
               "          }\n"
               "        ]\n"
               "      }\n"
               "    }\n"
               "  }\n"
               "}\n");
}

static void phase_json_delete_and_append(void **state)
{
    (void)state;
    static const char *const old_ones[] = {"Added", "Gone", NULL};
    expect_mix("{\"Resources\": {\n"
               "        \"Gone\": {\n"
               "            \"Type\": \"AWS::SNS::Topic\"\n"
               "        },\n"
               "        \"Kept\": {\"Type\": \"AWS::SNS::Topic\"}}}",
               "{\n"
               "  \"Resources\": {\n"
               "    \"Kept\": {\"Type\": \"AWS::SNS::Topic\"},\n"
               "    \"Added\": {\"Type\": \"AWS::SNS::Topic\"}\n"
               "  }\n"
               "}\n",
               old_ones,
               "{\n"
               "  \"Resources\": {\n"
               "    \"Kept\": {\"Type\": \"AWS::SNS::Topic\"},\n"
               "    \"Gone\": {\n"
               "        \"Type\": \"AWS::SNS::Topic\"\n"
               "    }\n"
               "  }\n"
               "}\n");
}

static void phase_topology_hosts(void **state)
{
    (void)state;
    const char *old = "snipeproof: topology/1\n"
                      "networks: {lan: 192.168.1.0/24}\n"
                      "hosts:\n"
                      "  router:\n"
                      "    forwards: [{from: internet, to: lan}]\n"
                      "    firewall: {default: accept, rules: []}\n"
                      "  web:\n"
                      "    network: lan\n"
                      "    services: [{name: http, protocol: tcp, port: 80}]\n"
                      "  old-db:\n"
                      "    network: lan\n";
    const char *new_ = "snipeproof: topology/1\n"
                       "networks: {lan: 192.168.1.0/24}\n"
                       "hosts:\n"
                       "  router:\n"
                       "    forwards: [{from: internet, to: lan}]\n"
                       "    firewall:\n"
                       "      default: accept\n"
                       "      rules: [{action: drop, protocol: tcp, port: 22, from: internet, to: lan}]\n"
                       "  web:\n"
                       "    network: lan\n"
                       "    services:\n"
                       "      - {name: ssh, protocol: tcp, port: 22, auth: none}\n"
                       "      - {name: http, protocol: tcp, port: 80}\n";
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_ptext *ot = sp_ptext_from(&ctx, "old", old, strlen(old));
    sp_ptext *nt = sp_ptext_from(&ctx, "new", new_, strlen(new_));
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    sp_model m;
    if (!sp_topology_load(&ctx, &opt, ot->root, nt->root, &m))
        fail_msg("does not load: %s", ctx.diags.items[ctx.diags.len - 1].message);
    /* The router switched, the web server and old-db not yet. */
    unsigned char to[8] = {0};
    to[sp_model_find(&m, "router")] = 1;
    sp_phase_info info;
    sp_doc *expect;
    size_t len;
    char *text = sp_phase_compose(&ctx, &m, to, ot, nt, &sp_profile_topology, &len, &info, &expect);
    assert_non_null(text);
    assert_string_equal(text, "snipeproof: topology/1\n"
                              "networks: {lan: 192.168.1.0/24}\n"
                              "hosts:\n"
                              "  router:\n"
                              "    forwards: [{from: internet, to: lan}]\n"
                              "    firewall:\n"
                              "      default: accept\n"
                              "      rules: [{action: drop, protocol: tcp, port: 22, from: internet, "
                              "to: lan}]\n"
                              "  web:\n"
                              "    network: lan\n"
                              "    services: [{name: http, protocol: tcp, port: 80}]\n"
                              "  old-db:\n"
                              "    network: lan\n");
    assert_int_equal(info.nkept_old, 2);
    sp_ptext *back = sp_ptext_from(&ctx, "mix", text, len);
    assert_non_null(back);
    assert_true(sp_doc_equal(expect, back->root));
    sp_model m2;
    assert_true(sp_topology_load(&ctx, &opt, ot->root, back->root, &m2));
    sp_ctx_release(&ctx);
}

/* ---- sp_run_fix: writing ------------------------------------------------- */

static char dir[256];

static void put_file(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *get_file(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

static const char *path_of(const char *name)
{
    static char p[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

/* The files in the folder, as "a b c" (temporary files would show). */
static char *listing(void)
{
    static char buf[2048];
    buf[0] = '\0';
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
            strcat(buf, buf[0] ? " " : "");
            strcat(buf, ents[i]->d_name);
        }
        free(ents[i]);
    }
    free(ents);
    return buf;
}

static int setup_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/snipeproof-fix-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, ".."))
            unlink(path_of(ents[i]->d_name));
        free(ents[i]);
    }
    free(ents);
    rmdir(dir);
    return 0;
}

/* The security-group shape: NEW opens SSH on the server and blocks it at
 * the ACL; the ACL entry must go first. */
#define SG_COMMON                                                                          \
    "Resources:\n"                                                                         \
    "  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}\n"                 \
    "  Gateway: {Type: AWS::EC2::InternetGateway}\n"                                       \
    "  Attach: {Type: AWS::EC2::VPCGatewayAttachment, Properties: {VpcId: !Ref Vpc, "      \
    "InternetGatewayId: !Ref Gateway}}\n"                                                  \
    "  Subnet: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: "         \
    "10.0.1.0/24, MapPublicIpOnLaunch: true}}\n"                                           \
    "  Acl: {Type: AWS::EC2::NetworkAcl, Properties: {VpcId: !Ref Vpc}}\n"                 \
    "  Assoc: {Type: AWS::EC2::SubnetNetworkAclAssociation, Properties: {SubnetId: !Ref "  \
    "Subnet, NetworkAclId: !Ref Acl}}\n"                                                   \
    "  AllowAll: {Type: AWS::EC2::NetworkAclEntry, Properties: {NetworkAclId: !Ref Acl, "  \
    "RuleNumber: 100, Protocol: -1, RuleAction: allow, Egress: false, CidrBlock: "         \
    "0.0.0.0/0}}\n"                                                                        \
    "  Group:\n"                                                                           \
    "    Type: AWS::EC2::SecurityGroup\n"                                                  \
    "    Properties:\n"                                                                    \
    "      GroupDescription: web\n"                                                        \
    "      VpcId: !Ref Vpc\n"                                                              \
    "      SecurityGroupIngress:\n"                                                        \
    "        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}\n"           \
    "  Web:\n"                                                                             \
    "    Type: AWS::EC2::Instance\n"                                                       \
    "    Properties: {ImageId: ami-1, SubnetId: !Ref Subnet, SecurityGroupIds: [!Ref "     \
    "Group], "

static const char *const SG_OLD = SG_COMMON "UserData: nginx}\n";
static const char *const SG_NEW =
    SG_COMMON "UserData: nginx sshd}\n"
              "  NoSsh: {Type: AWS::EC2::NetworkAclEntry, Properties: {NetworkAclId: !Ref Acl, "
              "RuleNumber: 90, Protocol: 6, PortRange: {From: 22, To: 22}, RuleAction: deny, "
              "Egress: false, CidrBlock: 0.0.0.0/0}}\n";

static sp_status run_fix(const char *old, const char *new_, const char *out, bool in_place,
                         sp_fix_report *rep, sp_run **keep)
{
    sp_run *r = sp_run_new();
    sp_status st = sp_run_load(r, path_of(old), path_of(new_), SP_UPDATE);
    if (st == SP_OK)
        st = sp_run_fix(r, out ? path_of(out) : NULL, in_place, rep);
    if (keep)
        *keep = r;
    else
        sp_run_free(r);
    return st;
}

static void fix_writes_ordered(void **state)
{
    (void)state;
    put_file("old.yaml", SG_OLD);
    put_file("new.yaml", SG_NEW);
    chmod(path_of("new.yaml"), 0640);
    sp_fix_report rep;
    sp_run *r;
    assert_int_equal(run_fix("old.yaml", "new.yaml", "out.yaml", false, &rep, &r), SP_OK);
    assert_string_equal(rep.verdict, "ordered");
    assert_int_equal(rep.nfiles, 1);
    assert_int_equal(rep.files[0].ndeps, 1);
    assert_string_equal(rep.files[0].deps[0].then, "Web");
    assert_string_equal(rep.files[0].deps[0].first, "NoSsh");
    sp_run_free(r);
    char *out = get_file("out.yaml");
    assert_non_null(strstr(out, "  Web:\n    Type: AWS::EC2::Instance\n    DependsOn: NoSsh\n"));
    free(out);
    /* Inputs untouched, nothing else left in the folder. */
    char *n = get_file("new.yaml");
    assert_string_equal(n, SG_NEW);
    free(n);
    assert_string_equal(listing(), "new.yaml old.yaml out.yaml");
    /* Again into an existing OUT: its permissions stay. */
    chmod(path_of("out.yaml"), 0600);
    assert_int_equal(run_fix("old.yaml", "new.yaml", "out.yaml", false, &rep, NULL), SP_OK);
    struct stat st;
    assert_int_equal(stat(path_of("out.yaml"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    unlink(path_of("out.yaml"));
}

static void fix_in_place_and_its_limits(void **state)
{
    (void)state;
    put_file("old.yaml", SG_OLD);
    put_file("new.yaml", SG_NEW);
    sp_fix_report rep;
    /* Never OLD; NEW only in place. */
    assert_int_equal(run_fix("old.yaml", "new.yaml", "old.yaml", false, &rep, NULL),
                     SP_INPUT_ERROR);
    assert_int_equal(run_fix("old.yaml", "new.yaml", "new.yaml", false, &rep, NULL),
                     SP_INPUT_ERROR);
    char *n = get_file("new.yaml");
    assert_string_equal(n, SG_NEW);
    free(n);
    /* In place: NEW rewritten; a second time the update is safe and NEW
     * is left as it is. */
    assert_int_equal(run_fix("old.yaml", "new.yaml", NULL, true, &rep, NULL), SP_OK);
    n = get_file("new.yaml");
    assert_non_null(strstr(n, "DependsOn: NoSsh"));
    assert_int_equal(run_fix("old.yaml", "new.yaml", NULL, true, &rep, NULL), SP_OK);
    assert_string_equal(rep.verdict, "safe");
    assert_int_equal(rep.nfiles, 0);
    char *n2 = get_file("new.yaml");
    assert_string_equal(n, n2);
    free(n);
    free(n2);
    assert_string_equal(listing(), "new.yaml old.yaml");
}

static void fix_safe_copies_and_errors_leave_nothing(void **state)
{
    (void)state;
    put_file("old.yaml", SG_OLD);
    put_file("same.yaml", SG_OLD);
    sp_fix_report rep;
    assert_int_equal(run_fix("old.yaml", "same.yaml", "out.yaml", false, &rep, NULL), SP_OK);
    assert_string_equal(rep.verdict, "safe");
    char *o = get_file("out.yaml");
    assert_string_equal(o, SG_OLD);
    free(o);
    unlink(path_of("out.yaml"));
    /* A folder that does not exist: an input error, nothing written. */
    put_file("new.yaml", SG_NEW);
    assert_int_equal(run_fix("old.yaml", "new.yaml", "nowhere/out.yaml", false, &rep, NULL),
                     SP_INPUT_ERROR);
    /* A symbolic link as OUT: the file it points to is replaced. */
    put_file("target.yaml", "old content\n");
    assert_int_equal(symlink("target.yaml", path_of("link.yaml")), 0);
    assert_int_equal(run_fix("old.yaml", "new.yaml", "link.yaml", false, &rep, NULL), SP_OK);
    struct stat st;
    assert_int_equal(lstat(path_of("link.yaml"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    o = get_file("target.yaml");
    assert_non_null(strstr(o, "DependsOn: NoSsh"));
    free(o);
    assert_string_equal(listing(), "link.yaml new.yaml old.yaml same.yaml target.yaml");
    unlink(path_of("link.yaml"));
    unlink(path_of("target.yaml"));
    unlink(path_of("same.yaml"));
}

/* The API-behind-an-authorizer shape: phased, two files. */
static const char *const API_OLD =
    "Resources:\n"
    "  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: orders}}\n"
    "  Res: {Type: AWS::ApiGateway::Resource, Properties: {RestApiId: !Ref Api, ParentId: "
    "!GetAtt Api.RootResourceId, PathPart: orders}}\n"
    "  Get:\n"
    "    Type: AWS::ApiGateway::Method\n"
    "    Properties:\n"
    "      RestApiId: !Ref Api\n"
    "      ResourceId: !Ref Res\n"
    "      HttpMethod: GET\n"
    "      AuthorizationType: NONE\n"
    "      Integration: {Type: AWS_PROXY, IntegrationHttpMethod: POST, Uri: !Sub "
    "'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/"
    "invocations'}\n"
    "  Fn:\n"
    "    Type: AWS::Lambda::Function\n"
    "    Properties: {Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::1:role/r, "
    "Code: {ZipFile: public}}\n"
    "  Perm: {Type: AWS::Lambda::Permission, Properties: {FunctionName: !Ref Fn, Action: "
    "lambda:InvokeFunction, Principal: apigateway.amazonaws.com}}\n";

static const char *const API_NEW =
    "Resources:\n"
    "  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: orders}}\n"
    "  Res: {Type: AWS::ApiGateway::Resource, Properties: {RestApiId: !Ref Api, ParentId: "
    "!GetAtt Api.RootResourceId, PathPart: orders}}\n"
    "  Get:\n"
    "    Type: AWS::ApiGateway::Method\n"
    "    Properties:\n"
    "      RestApiId: !Ref Api\n"
    "      ResourceId: !Ref Res\n"
    "      HttpMethod: GET\n"
    "      AuthorizationType: CUSTOM\n"
    "      AuthorizerId: !Ref Auth\n"
    "      Integration: {Type: AWS_PROXY, IntegrationHttpMethod: POST, Uri: !Sub "
    "'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/"
    "invocations'}\n"
    "  Auth: {Type: AWS::ApiGateway::Authorizer, Properties: {Name: token, RestApiId: !Ref Api, "
    "Type: TOKEN, IdentitySource: method.request.header.Authorization, AuthorizerUri: "
    "'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:"
    "function:auth/invocations'}}\n"
    "  Fn:\n"
    "    Type: AWS::Lambda::Function\n"
    "    Properties: {Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::1:role/r, "
    "Code: {ZipFile: orders}}\n"
    "  Perm: {Type: AWS::Lambda::Permission, Properties: {FunctionName: !Ref Fn, Action: "
    "lambda:InvokeFunction, Principal: apigateway.amazonaws.com}}\n";

static void fix_writes_phases(void **state)
{
    (void)state;
    put_file("old.yaml", API_OLD);
    put_file("new.yaml", API_NEW);
    sp_fix_report rep;
    sp_run *r;
    sp_status st = run_fix("old.yaml", "new.yaml", "out.yml", false, &rep, &r);
    if (st != SP_WINDOWS || strcmp(rep.verdict ? rep.verdict : "", "phased") != 0) {
        for (size_t i = 0; i < sp_run_diag_count(r); i++)
            sp_diag_print(sp_run_diag(r, i), stderr, 0);
        fail_msg("status %d, verdict %s", st, rep.verdict ? rep.verdict : "none");
    }
    assert_int_equal(rep.nfiles, 2);
    /* OUT.phaseI.EXT: OUT's stem, NEW's extension. */
    assert_string_equal(rep.files[0].path, path_of("out.phase1.yaml"));
    assert_string_equal(rep.files[1].path, path_of("out.yml"));
    assert_int_equal(rep.files[0].nkept_old, 1);
    assert_string_equal(rep.files[0].kept_old[0], "Fn");
    sp_run_free(r);
    char *p1 = get_file("out.phase1.yaml"), *out = get_file("out.yml");
    assert_non_null(strstr(p1, "Code: {ZipFile: public}"));
    assert_non_null(strstr(p1, "AuthorizationType: CUSTOM"));
    assert_string_equal(out, API_NEW);
    free(p1);
    free(out);
    assert_string_equal(listing(), "new.yaml old.yaml out.phase1.yaml out.yml");
    unlink(path_of("out.phase1.yaml"));
    unlink(path_of("out.yml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phase_sam_routes),
        cmocka_unit_test(deps_on_a_generated_component),
        cmocka_unit_test(phase_sam_globals),
        cmocka_unit_test(yaml_absent_goes_after_type),
        cmocka_unit_test(yaml_absent_several),
        cmocka_unit_test(yaml_scalar_becomes_list),
        cmocka_unit_test(yaml_block_list_appended),
        cmocka_unit_test(yaml_flow_lists),
        cmocka_unit_test(yaml_flow_resource),
        cmocka_unit_test(yaml_declared_already),
        cmocka_unit_test(yaml_crlf_and_no_final_break),
        cmocka_unit_test(yaml_names_that_need_quotes),
        cmocka_unit_test(yaml_byte_order_mark),
        cmocka_unit_test(json_pretty),
        cmocka_unit_test(json_one_line_and_lists),
        cmocka_unit_test(topology_after),
        cmocka_unit_test(phase_yaml_mix),
        cmocka_unit_test(phase_all_new_is_new),
        cmocka_unit_test(phase_sections_from_old),
        cmocka_unit_test(phase_two_versions_of_a_mapping),
        cmocka_unit_test(phase_two_versions_of_a_parameter),
        cmocka_unit_test(phase_json_from_yaml),
        cmocka_unit_test(phase_json_delete_and_append),
        cmocka_unit_test(phase_topology_hosts),
        cmocka_unit_test(fix_writes_ordered),
        cmocka_unit_test(fix_in_place_and_its_limits),
        cmocka_unit_test(fix_safe_copies_and_errors_leave_nothing),
        cmocka_unit_test(fix_writes_phases),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
