/* The template side of the CloudFormation front-end (private to
 * template.c, conditions.c, values.c, diff.c and cfn.c).
 *
 * A cfn_template is one template after loading: its parameters with the
 * values known statically, its conditions (decided three-valued on demand),
 * its mappings and resources, and every resource's references.  Loading
 * checks everything CloudFormation itself would reject before deploying
 * (undefined names, malformed intrinsics, cycles) and records positioned
 * errors.  Evaluation (values.c) never reports: an expression that is not
 * statically known evaluates to CFN_VAL_UNKNOWN.
 *
 * Decisions (docs/cloudformation.md has the long form):
 *   - Pseudo-parameters: AWS::Partition is "aws", AWS::URLSuffix is
 *     "amazonaws.com", AWS::NoValue removes the property or list element
 *     that holds it; AWS::Region, AWS::AccountId, AWS::StackName,
 *     AWS::StackId and AWS::NotificationARNs are unknown.  `--param` may
 *     set any of them except AWS::NoValue.
 *   - A parameter's value is its --param value, else its Default, else
 *     unknown.  AWS::SSM::Parameter::Value<...> defaults name an SSM
 *     parameter, not a value: unknown unless given with --param.
 *   - A resource whose Condition is undecidable (CFN_MAYBE) is treated as
 *     present in its configuration.
 */
#ifndef SP_CFN_TEMPLATE_H
#define SP_CFN_TEMPLATE_H

#include "cfn_internal.h"

#include <stdint.h>

/* Three-valued truth of conditions. */
typedef enum cfn_truth { CFN_FALSE = 0, CFN_TRUE = 1, CFN_UNDECIDED = 2 } cfn_truth;

typedef struct cfn_param {
    const char *name;
    const char *type;        /* "String" when the template says nothing */
    const sp_doc *key;       /* the name in Parameters (SP_NO_LOC for pseudo) */
    bool pseudo;
    bool is_list;            /* CommaDelimitedList, List<...> */
    bool known;
    bool novalue;            /* AWS::NoValue */
    const char *value;       /* when known */
    const sp_doc *list;      /* when known and is_list: a sequence of strings */
} cfn_param;

typedef struct cfn_condition {
    const char *name;
    const sp_doc *key, *expr;
    uint8_t state;           /* 0 not evaluated, 1 being evaluated, 2 decided */
    cfn_truth value;
} cfn_condition;

/* One mention of a name in an expression. */
typedef enum cfn_mention_kind { CFN_M_REF, CFN_M_GETATT, CFN_M_SUB } cfn_mention_kind;

/* A reference of one resource to another (from its definition). */
typedef struct cfn_refedge {
    uint32_t target;         /* resource index in the same template */
    const sp_doc *at;        /* where (for positions) */
    bool declared;           /* DependsOn */
    bool live;               /* not inside a decided-false Fn::If branch */
    bool dropped;            /* closed a cycle in a template with a Transform */
} cfn_refedge;

enum cfn_ref_section { CFN_SEC_PROPERTIES, CFN_SEC_METADATA, CFN_SEC_UPDATE_POLICY,
                       CFN_SEC_CREATION_POLICY };

/* A resource with what the public cfn_resource does not show.  `pub` is
 * first so that a cfn_resource pointer converts back (cfn_prop needs the
 * template to decide Fn::If). */
typedef struct cfn_res {
    cfn_resource pub;
    const cfn_template *t;
    const sp_doc *key;       /* the logical ID */
    const sp_doc *type_node;
    const sp_doc *condition; /* the Condition value, or NULL */
    const sp_doc *depends_on;
    /* The attributes references may sit in, as written (NULL when
     * absent), indexed by cfn_ref_section. */
    const sp_doc *ref_sections[4];
    cfn_refedge *edges;      /* references and DependsOn, in document order */
    size_t nedges;
} cfn_res;

struct cfn_template {
    sp_ctx *ctx;
    const sp_frontend_options *opt;
    const sp_doc *root;      /* NULL for an empty template */
    cfn_param *params;       /* template parameters, then pseudo-parameters */
    size_t nparams;
    cfn_condition *conds;
    size_t nconds;
    cfn_res *res;
    size_t nres;
    cfn_index param_ix, cond_ix, res_ix;
    const sp_doc *mappings, *outputs;
    const sp_doc *transform; /* Transform, recorded (not expanded) */
    bool sam;                /* the Transform is (or lists) AWS::Serverless-2016-10-31 */
    /* The APIs SAM generates for Api and HttpApi events that name none
     * (ServerlessRestApi, ServerlessHttpApi), when some event needs one. */
    const cfn_resource *sam_implicit_api[2];
    unsigned undecided;      /* resources whose Condition is undecidable */
    bool failed;             /* an error was reported while loading */
};

/* ---- template.c ---- */

/* Loads and checks one template (`doc` NULL = empty).  Always returns a
 * template (NULL only when out of memory); t->failed says whether errors
 * were recorded. */
cfn_template *cfn_template_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *doc);
const cfn_param *cfn_find_param(const cfn_template *t, const char *name);
/* Both look-ups of a name at the cost of one hash: Ref and the mentions
 * of every expression ask for both, the parameter first. */
typedef struct cfn_named {
    const cfn_param *param;
    const cfn_resource *resource;
} cfn_named;
cfn_named cfn_find_name(const cfn_template *t, const char *name);
const cfn_condition *cfn_find_condition(const cfn_template *t, const char *name);
static inline const cfn_res *cfn_res_of(const cfn_resource *r)
{
    return (const cfn_res *)(const void *)r;
}
static inline uint32_t cfn_res_index(const cfn_template *t, const cfn_resource *r)
{
    return (uint32_t)(cfn_res_of(r) - t->res);
}

/* The key of SAM's Globals section that resources of `type` inherit
 * (Api, HttpApi, Function), or NULL. */
const char *cfn_sam_globals_key(const char *type);
/* ---- conditions.c ---- */

/* The value of a named condition (UNDECIDED for an unknown name). */
cfn_truth cfn_condition_value(const cfn_template *t, const char *name);
/* Evaluates a condition expression (Fn::Equals/And/Or/Not, Condition). */
cfn_truth cfn_eval_condition(const cfn_template *t, const sp_doc *expr);
/* Checks the Conditions section (shapes, names, cycles); reports errors. */
void cfn_check_conditions(cfn_template *t);

/* ---- values.c ---- */

/* Whether an expression is AWS::NoValue (maybe through Fn::If). */
bool cfn_is_novalue(const cfn_template *t, const sp_doc *expr);

/* If `node` is an intrinsic function call (a map with one key that names
 * one), returns the function's name and sets *arg. */
const char *cfn_intrinsic(const sp_doc *node, const sp_doc **arg);

/* Calls `fn` for every name `expr` mentions through Ref, Fn::GetAtt and
 * Fn::Sub (parameters, pseudo-parameters and resources alike; not Fn::Sub
 * variables), with whether the mention sits only in a decided-false branch
 * of Fn::If (`live` false).  `name` and `attr` are arena strings; `at` is
 * a node positioned at the mention. */
typedef void (*cfn_mention_fn)(const cfn_template *t, cfn_mention_kind kind, const char *name,
                               const char *attr, const sp_doc *at, bool live, void *arg);
void cfn_each_mention(const cfn_template *t, const sp_doc *expr, cfn_mention_fn fn, void *arg);

/* Checks the shapes of the intrinsic functions in `expr` (arity, argument
 * kinds) and that every Fn::If names a defined condition; reports errors.
 * `in_condition` allows Condition and the condition functions. */
void cfn_check_expr(cfn_template *t, const sp_doc *expr, bool in_condition);
/* Both of the above (not in a condition) in one walk: the same errors in
 * the same order, and the same calls of `fn` in the same order, but the two
 * interleaved; an `fn` that reports must hold its reports until this
 * returns to keep them after the shape errors, as the two walks had them. */
void cfn_check_and_mention(cfn_template *t, const sp_doc *expr, cfn_mention_fn fn, void *arg);

/* The normal form used to compare definitions: known parameters, mappings,
 * pseudo-parameters and decided conditions substituted, Fn::GetAtt and
 * Fn::Sub in one spelling, AWS::NoValue removed.  What stays unknown keeps
 * its function form (an undecided Fn::If carries its condition's normal
 * form instead of the name).  NULL stands for "absent" (AWS::NoValue). */
const sp_doc *cfn_normalize(const cfn_template *t, const sp_doc *expr);
/* Whether cfn_normalize(ta, a) and cfn_normalize(tb, b) are equal
 * (sp_doc_equal, or both absent), building as little of them as it can. */
bool cfn_same_normal_form(const cfn_template *ta, const sp_doc *a, const cfn_template *tb,
                          const sp_doc *b);

/* Synthesised document nodes, positioned like `at`. */
sp_doc *cfn_doc_string(sp_ctx *ctx, const sp_doc *at, const char *text);
sp_doc *cfn_doc_seq(sp_ctx *ctx, const sp_doc *at, sp_doc **items, size_t n);
sp_doc *cfn_doc_map1(sp_ctx *ctx, const sp_doc *at, const char *key, sp_doc *value);

/* ---- diff.c ---- */

/* The replacement facts (data/cfn-replacement.tsv). */
typedef struct cfn_facts cfn_facts;
typedef struct cfn_type_facts {
    const char *type;
    const char **create_only; /* paths, '/'-separated, '*' = any element */
    size_t ncreate_only;
    const char **names;       /* name properties */
    size_t nnames;
} cfn_type_facts;

/* The table in `text` (which must outlive the run, its lines sorted by
 * type); a type's line is found and split when it is first looked up. */
cfn_facts *cfn_facts_load(sp_ctx *ctx, const char *text, size_t len);
const cfn_type_facts *cfn_facts_find(cfn_facts *f, const char *type);

/* Compares one logical ID's OLD and NEW definitions (both present, same
 * type): false when equal after normalisation and with neutral properties
 * left out; else true, and *replace says whether a createOnly path
 * changed. */
bool cfn_diff_resource(const cfn_template *told, const cfn_resource *ro,
                       const cfn_template *tnew, const cfn_resource *rn,
                       const cfn_type_facts *facts, bool *replace);
/* Calls `changed` for each event of function `fn` that is a route of SAM
 * API `api` (cfn_sam_route_api) in either template and is not the same in
 * both: its name and where it is (NEW's key if NEW has it).  False when out
 * of memory. */
typedef void (*cfn_route_change_fn)(const char *event, const sp_doc *at, void *arg);
bool cfn_sam_route_changes(const cfn_template *told, const cfn_template *tnew, const char *api,
                           const char *fn, cfn_route_change_fn changed, void *arg);
/* Whether node `at` (inside rn's definition) lies under one of the
 * createOnly paths of rn's type. */
bool cfn_under_create_only(const cfn_resource *rn, const cfn_type_facts *facts,
                           const sp_doc *at);

#endif
