/* Conditions, decided three-valued: true, false, or undecided when they
 * depend on a value that is not known statically (a parameter without a
 * default or --param, AWS::Region, an import ...). */
#include "template.h"

#include <string.h>

static cfn_truth not3(cfn_truth a)
{
    return a == CFN_UNDECIDED ? a : a == CFN_TRUE ? CFN_FALSE : CFN_TRUE;
}

/* Equality of two evaluated values: decided only when both are known. */
static cfn_truth equals3(const cfn_template *t, const sp_doc *x, const sp_doc *y)
{
    cfn_value a = cfn_eval(t, x), b = cfn_eval(t, y);
    if (a.kind == CFN_VAL_STRING && b.kind == CFN_VAL_STRING)
        return strcmp(a.text, b.text) == 0 ? CFN_TRUE : CFN_FALSE;
    if (a.kind == CFN_VAL_RESOURCE && b.kind == CFN_VAL_RESOURCE && a.resource == b.resource &&
        ((!a.attr && !b.attr) || (a.attr && b.attr && !strcmp(a.attr, b.attr))))
        return CFN_TRUE;
    if (a.kind == CFN_VAL_LIST && b.kind == CFN_VAL_LIST) {
        size_t n = a.node->u.seq.len;
        if (n != b.node->u.seq.len)
            return CFN_UNDECIDED; /* elements may hide behind Fn::If */
        cfn_truth all = CFN_TRUE;
        for (size_t i = 0; i < n && all != CFN_FALSE; i++) {
            cfn_truth e = equals3(t, a.node->u.seq.items[i], b.node->u.seq.items[i]);
            all = e == CFN_FALSE ? CFN_FALSE : e == CFN_UNDECIDED ? CFN_UNDECIDED : all;
        }
        return all;
    }
    return CFN_UNDECIDED;
}

static cfn_truth eval_cond(const cfn_template *t, const sp_doc *e, int depth)
{
    if (!e || e->kind != SP_DOC_MAP || e->u.map.len != 1 || depth > 4 * SP_MAX_DEPTH)
        return CFN_UNDECIDED;
    const char *f = sp_doc_text(e->u.map.pairs[0].key);
    const sp_doc *a = e->u.map.pairs[0].value;
    if (!f)
        return CFN_UNDECIDED;
    if (!strcmp(f, "Condition"))
        return cfn_condition_value(t, sp_doc_text(a));
    if (!a || a->kind != SP_DOC_SEQ)
        return CFN_UNDECIDED;
    size_t n = a->u.seq.len;
    if (!strcmp(f, "Fn::Equals"))
        return n == 2 ? equals3(t, a->u.seq.items[0], a->u.seq.items[1]) : CFN_UNDECIDED;
    if (!strcmp(f, "Fn::Not"))
        return n == 1 ? not3(eval_cond(t, a->u.seq.items[0], depth + 1)) : CFN_UNDECIDED;
    bool is_and = !strcmp(f, "Fn::And");
    if (!is_and && strcmp(f, "Fn::Or") != 0)
        return CFN_UNDECIDED;
    /* And: false wins; Or: true wins; otherwise undecided unless all agree. */
    cfn_truth absorbing = is_and ? CFN_FALSE : CFN_TRUE;
    cfn_truth result = not3(absorbing);
    for (size_t i = 0; i < n; i++) {
        cfn_truth v = eval_cond(t, a->u.seq.items[i], depth + 1);
        if (v == absorbing)
            return absorbing;
        if (v == CFN_UNDECIDED)
            result = CFN_UNDECIDED;
    }
    return result;
}

cfn_truth cfn_eval_condition(const cfn_template *t, const sp_doc *expr)
{
    return eval_cond(t, expr, 0);
}

cfn_truth cfn_condition_value(const cfn_template *t, const char *name)
{
    if (!name)
        return CFN_UNDECIDED;
    uint32_t i = cfn_index_get(&t->cond_ix, name);
    if (i == UINT32_MAX)
        return CFN_UNDECIDED;
    /* Conditions are memoised in the template (logically const: the value
     * of a condition never changes once the template is loaded). */
    cfn_condition *c = (cfn_condition *)&t->conds[i];
    if (c->state == 2)
        return c->value;
    if (c->state == 1)
        return CFN_UNDECIDED; /* a cycle; reported by cfn_check_conditions */
    c->state = 1;
    c->value = eval_cond(t, c->expr, 0);
    c->state = 2;
    return c->value;
}

/* ---- checks ---- */

typedef struct cond_walk {
    cfn_template *t;
    const cfn_condition *self;
} cond_walk;

static void cond_mention(const cfn_template *ct, cfn_mention_kind kind, const char *name,
                         const char *attr, const sp_doc *at, bool live, void *arg)
{
    (void)ct;
    (void)attr;
    (void)live;
    cond_walk *w = arg;
    cfn_template *t = w->t;
    if (cfn_find_param(t, name))
        return;
    if (cfn_find_resource(t, name))
        sp_error(t->ctx, sp_doc_loc(at),
                 "condition '%s' refers to resource '%s'; conditions may only use parameters "
                 "and mappings",
                 w->self->name, name);
    else if (t->transform)
        return; /* may come from the transform; warned about elsewhere */
    else
        sp_error(t->ctx, sp_doc_loc(at), "%s to '%s', which is not a parameter",
                 kind == CFN_M_REF ? "Ref" : kind == CFN_M_SUB ? "Fn::Sub refers" : "Fn::GetAtt",
                 name);
    t->failed = true;
}

/* Depth-first search for a cycle among Condition references. */
static bool cond_cycle(cfn_template *t, const sp_doc *e, uint8_t *color, uint32_t from, int depth)
{
    if (!e || depth > 4 * SP_MAX_DEPTH)
        return false;
    if (e->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < e->u.seq.len; i++)
            if (cond_cycle(t, e->u.seq.items[i], color, from, depth + 1))
                return true;
        return false;
    }
    if (e->kind != SP_DOC_MAP)
        return false;
    if (e->u.map.len == 1 && sp_doc_text_eq(e->u.map.pairs[0].key, "Condition")) {
        const sp_doc *name = e->u.map.pairs[0].value;
        uint32_t j = cfn_index_get(&t->cond_ix, sp_doc_text(name) ? sp_doc_text(name) : "");
        if (j == UINT32_MAX)
            return false;
        if (color[j] == 1) {
            sp_error(t->ctx, sp_doc_loc(name),
                     "conditions '%s' and '%s' refer to each other in a cycle",
                     t->conds[from].name, t->conds[j].name);
            t->failed = true;
            return true;
        }
        if (color[j] == 0) {
            color[j] = 1;
            bool cyc = cond_cycle(t, t->conds[j].expr, color, j, depth + 1);
            color[j] = 2;
            return cyc;
        }
        return false;
    }
    for (size_t i = 0; i < e->u.map.len; i++)
        if (cond_cycle(t, e->u.map.pairs[i].value, color, from, depth + 1))
            return true;
    return false;
}

void cfn_check_conditions(cfn_template *t)
{
    for (size_t i = 0; i < t->nconds; i++) {
        const cfn_condition *c = &t->conds[i];
        const sp_doc *a;
        const char *f = c->expr && c->expr->kind == SP_DOC_MAP && c->expr->u.map.len == 1
                            ? sp_doc_text(c->expr->u.map.pairs[0].key)
                            : NULL;
        (void)a;
        if (!f || (strcmp(f, "Fn::Equals") && strcmp(f, "Fn::And") && strcmp(f, "Fn::Or") &&
                   strcmp(f, "Fn::Not") && strcmp(f, "Condition"))) {
            sp_error(t->ctx, sp_doc_loc(c->expr ? c->expr : c->key),
                     "condition '%s' must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition",
                     c->name);
            t->failed = true;
            continue;
        }
        cfn_check_expr(t, c->expr, true);
        cond_walk w = {t, c};
        cfn_each_mention(t, c->expr, cond_mention, &w);
    }
    if (t->failed || !t->nconds)
        return;
    uint8_t *color = sp_arena_calloc(&t->ctx->arena, t->nconds, 1);
    if (!color) {
        sp_oom(t->ctx);
        t->failed = true;
        return;
    }
    for (size_t i = 0; i < t->nconds; i++) {
        if (color[i])
            continue;
        color[i] = 1;
        bool cyc = cond_cycle(t, t->conds[i].expr, color, (uint32_t)i, 0);
        color[i] = 2;
        if (cyc)
            return;
    }
}
