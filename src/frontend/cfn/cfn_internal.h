/* Internal interface of the CloudFormation front-end.
 *
 *   template.c / conditions.c / values.c — one template: parameters,
 *       conditions, resources, dependencies, value evaluation
 *   diff.c      — OLD vs NEW per logical ID: normalisation, neutral
 *                 properties, replacement (createOnly facts), ripple
 *   cfn.c       — sp_cfn_load: builds the model from both templates
 *   catalogue.c — the type catalogue (built-in data + --types files)
 *   roles*.c    — how each catalogue role turns one resource into facts
 */
#ifndef SP_CFN_INTERNAL_H
#define SP_CFN_INTERNAL_H

#include "../frontend.h"

#include <stdbool.h>
#include <stdint.h>

/* A name table: string -> index, open addressing, in the arena
 * (template.c).  Keys are not copied. */
typedef struct cfn_index {
    const char **keys;
    uint32_t *vals;
    uint32_t *hashes; /* of keys, to compare strings only when they match */
    size_t cap, len;
} cfn_index;

bool cfn_index_put(sp_arena *a, cfn_index *ix, const char *key, uint32_t val);
/* Room for `n` keys in all, so that putting them never rehashes. */
bool cfn_index_reserve(sp_arena *a, cfn_index *ix, size_t n);
/* UINT32_MAX when absent. */
uint32_t cfn_index_get(const cfn_index *ix, const char *key);
/* The same with the key's hash given: a name looked up in several tables
 * (a Ref: parameters, then resources) is hashed once. */
uint32_t cfn_index_hash(const char *key);
uint32_t cfn_index_get_hashed(const cfn_index *ix, const char *key, uint32_t hash);

/* Whether a resource exists, after evaluating its Condition. */
typedef enum cfn_presence { CFN_PRESENT, CFN_ABSENT, CFN_MAYBE } cfn_presence;

typedef struct cfn_resource {
    const char *id;         /* logical ID */
    const char *type;       /* "AWS::EC2::Instance" */
    const sp_doc *def;      /* the whole resource map */
    const sp_doc *props;    /* Properties, or NULL */
    sp_loc loc;             /* the logical ID's key in the template */
    cfn_presence presence;
    bool generated;         /* not in the text: what SAM generates (cfn_sam_route_api) */
} cfn_resource;

typedef struct cfn_template cfn_template;

/* The value of a template expression as far as it can be known statically. */
typedef enum cfn_value_kind {
    CFN_VAL_UNKNOWN,   /* depends on something not known (a parameter without value, an import) */
    CFN_VAL_STRING,    /* a literal, after Ref to known parameters, Fn::Sub, Fn::Join, Fn::If … */
    CFN_VAL_RESOURCE,  /* Ref R or Fn::GetAtt R.Attr (attr NULL for Ref) */
    CFN_VAL_LIST,      /* a list (items evaluated on demand) */
    CFN_VAL_MAP,
    CFN_VAL_NONE,      /* AWS::NoValue (maybe via Fn::If): the property or element is absent */
} cfn_value_kind;

typedef struct cfn_value {
    cfn_value_kind kind;
    const char *text;        /* CFN_VAL_STRING */
    const cfn_resource *resource; /* CFN_VAL_RESOURCE */
    const char *attr;        /* CFN_VAL_RESOURCE: GetAtt attribute, NULL for Ref */
    const sp_doc *node;      /* the expression, for positions and lists/maps */
} cfn_value;

/* Evaluates an expression of template `t` (conditions decided where they
 * can be; an undecidable Fn::If yields UNKNOWN unless both branches agree). */
cfn_value cfn_eval(const cfn_template *t, const sp_doc *expr);
/* For lists that may hide behind Fn::If / Fn::Split / Ref to a
 * CommaDelimitedList parameter: calls `fn` for every possible element
 * (both branches of an undecidable Fn::If). */
void cfn_each_item(const cfn_template *t, const sp_doc *expr,
                   void (*fn)(const cfn_template *t, const sp_doc *item, void *arg), void *arg);
/* Every resource an expression mentions (Ref, GetAtt, ${X} in Fn::Sub), in
 * both branches of Fn::If: the references that order events. */
void cfn_each_reference(const cfn_template *t, const sp_doc *expr,
                        void (*fn)(const cfn_template *t, const cfn_resource *r,
                                   const sp_doc *at, void *arg),
                        void *arg);

const cfn_resource *cfn_find_resource(const cfn_template *t, const char *id);
/* The index of resource `r` in template `t` (document order), or
 * UINT32_MAX when `r` is a resource of another template. */
uint32_t cfn_resource_index(const cfn_template *t, const cfn_resource *r);


/* SAM (Transform AWS::Serverless-2016-10-31) is read without expanding it,
 * except for what decides when a route switches.  SAM turns an Api or
 * HttpApi event of a function into a route in the definition of an API:
 * the one the event names (RestApiId, ApiId), else the API SAM generates
 * (ServerlessRestApi, ServerlessHttpApi; the template loader adds it as a
 * `generated` resource, positioned at the first event that needs it).  The
 * API's definition refers to the function, so CloudFormation updates the
 * function first and the route after it: a route is part of its API
 * (template.c reverses the reference, the API's role emits the route, the
 * function's comparison leaves the event out and the API's includes it).
 * Returns the API an event is a route of, or NULL (another kind of event,
 * or an API from outside the template).  `event` is one value of a
 * function's Events. */
const cfn_resource *cfn_sam_route_api(const cfn_template *t, const sp_doc *event);
/* Calls `fn` for every resource of the template, in document order (the
 * catalogue's roles use it for reverse look-ups, e.g. which listeners
 * forward to a target group). */
void cfn_each_resource(const cfn_template *t,
                       void (*fn)(const cfn_template *t, const cfn_resource *r, void *arg),
                       void *arg);
/* The property at a path below Properties ("NetworkInterfaces"), or NULL. */
const sp_doc *cfn_prop(const cfn_resource *r, const char *name);

/* ---- the catalogue ---- */

typedef struct cfn_catalogue cfn_catalogue;

/* Loads the built-in catalogue, then every --types file (later entries
 * override earlier ones).  Errors are positioned in the catalogue file. */
cfn_catalogue *cfn_catalogue_load(sp_ctx *ctx, const sp_frontend_options *opt);
/* The same, except that each built-in entry is read (and checked) when a
 * look-up first needs it; `snipeproof types` and the tests read it whole.
 * A built-in entry with errors is reported when looked up, and makes
 * cfn_catalogue_failed true. */
cfn_catalogue *cfn_catalogue_open(sp_ctx *ctx, const sp_frontend_options *opt);
bool cfn_catalogue_failed(const cfn_catalogue *c);
/* NULL when the type is unknown. */
const struct cfn_type_entry *cfn_catalogue_find(const cfn_catalogue *c, const char *type);
/* For an entry of role `separate` (a stack of its own: nested stack, stack
 * set, SAM application), the property that says where its template is ("" when
 * the entry does not say); NULL for every other entry. */
const char *cfn_entry_separate(const struct cfn_type_entry *te);

/* Emits the reachability facts of resource `r` of template `t` into the
 * model's current (just added) instance.  References to other resources are
 * emitted as sp_ref to the component with that logical ID (components exist
 * for every logical ID of both templates before any facts are emitted);
 * `comp_of` gives it for each resource of `t` by index (SP_NONE: no
 * component has its logical ID). */
bool cfn_emit_facts(sp_ctx *ctx, const cfn_catalogue *c, const struct cfn_type_entry *type,
                    const cfn_template *t, const cfn_resource *r, const uint32_t *comp_of,
                    sp_model *m);

/* ---- suppressions (suppressions.c) ---- */

/* Records the suppressions in the Metadata of resource `r` (component
 * `comp`, in the configuration `v` is: SP_VER_OLD or SP_VER_NEW) in the
 * model; false with a positioned error when one is malformed. */
bool cfn_read_suppressions(sp_ctx *ctx, const cfn_resource *r, uint32_t comp, sp_version v,
                           sp_model *m);

#endif
