/* The model (DESIGN §3): two configurations of components, the instances
 * that exist during the update, the events that switch them, the engine's
 * order on those events, and the reachability facts each instance
 * contributes.  Nothing here knows a file format or a vendor: front-ends
 * translate CloudFormation, topology files or deploy files into this.
 *
 * Split in two parts:
 *   sp_model  — components, instances and their facts (what exists);
 *   sp_update — events, their order, and when each instance is present
 *               (how one configuration becomes another).
 * The planner derives further sp_updates (extra edges, phases) from the
 * same sp_model. */
#ifndef SP_MODEL_H
#define SP_MODEL_H

#include "../util/ctx.h"
#include "reqset.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SP_NONE UINT32_MAX
/* A reference to "the internet" instead of a component. */
#define SP_INTERNET (UINT32_MAX - 1)

typedef enum sp_change {
    SP_CHANGE_UNCHANGED,
    SP_CHANGE_MODIFIED, /* in place: k@old then k@new, never both */
    SP_CHANGE_REPLACED, /* k@new created, k@old deleted in cleanup */
    SP_CHANGE_ADDED,
    SP_CHANGE_REMOVED,
    SP_CHANGE_RIPPLE,   /* text unchanged; re-pointed at a replaced component */
} sp_change;

/* Which configuration an instance's definition comes from. */
typedef enum sp_version { SP_VER_OLD, SP_VER_NEW, SP_VER_BOTH } sp_version;

/* How an instance is named in findings (DESIGN §5 "instance"). */
typedef enum sp_label { SP_LABEL_OLD, SP_LABEL_NEW, SP_LABEL_UNCHANGED } sp_label;

typedef enum sp_engine {
    /* Stack engines (CloudFormation): main phase ordered by the target
     * configuration's dependencies, then a cleanup phase of deletes
     * ordered by the source configuration's dependencies reversed. */
    SP_ENGINE_STACK,
    /* Fleets (topology, guix deploy): one event per host, only declared
     * order, any interleaving. */
    SP_ENGINE_FLEET,
} sp_engine;

typedef struct sp_component {
    const char *key;        /* logical ID, host name, address */
    const char *type;       /* for display: "AWS::EC2::Instance", "host" */
    sp_change change;
    bool modeled;           /* the catalogue knows its type */
    uint32_t inst_old, inst_new; /* SP_NONE when absent; equal when unchanged */
    sp_loc loc_old, loc_new;     /* definitions (SP_NO_LOC when absent) */
    const struct sp_doc *def_old, *def_new; /* front-end documents, for outputs */
    /* No text of its own: the front-end derived it from other components'
     * text (the API SAM generates for functions' Api events).  Outputs
     * cannot add dependencies to it; def_old and def_new are NULL. */
    bool generated;
} sp_component;

/* A dependency of an instance's definition on another component: used to
 * order events and to check that intermediate configurations are well
 * formed. */
typedef struct sp_dep {
    uint32_t component;
    sp_loc loc;
    bool declared;          /* DependsOn / after: rather than a reference */
} sp_dep;

typedef struct sp_instance {
    uint32_t component;
    sp_version version;
    sp_label label;
    sp_loc loc;
    uint32_t deps_first, deps_count;   /* into sp_model.deps */
    uint32_t facts_first, facts_count; /* into sp_model.facts */
} sp_instance;

/* A reference from a fact to a component (or SP_INTERNET), and optionally
 * to a named guard or slot it hosts.  Which instance it means in a state is
 * decided by the analysis: the one instance of an unchanged component; the
 * present one of a component modified in place; for a replaced component,
 * the old instance from an old contributor and the new one from a new
 * contributor. */
typedef struct sp_ref {
    uint32_t component;
    sp_name name; /* guard or slot name; 0 when the node itself is meant */
} sp_ref;

typedef enum sp_fact_kind {
    /* a → b: requests can pass from node a to node b.  Admitted set =
     * `set` ∩ every slot in `slots`.  With SP_FACT_REISSUE the hop re-sends
     * the request under its own identity `set2`: the edge exists only when
     * `set2` meets every slot, and then admits `set`. */
    SP_FACT_EDGE,
    /* The contributor hosts a slot `a.name`: a union of attached guards,
     * which admits everything (SP_FACT_EMPTY_ALLOWS) or nothing when no
     * attached guard is present. */
    SP_FACT_SLOT,
    /* The contributor hosts a guard `a.name`: a first-match rule list whose
     * default is `action`. */
    SP_FACT_GUARD,
    /* A rule of guard `a`: first match by ascending `priority` (then by
     * fact order); matches `set`; `action` allow or deny. */
    SP_FACT_RULE,
    /* Guard `b` is attached to slot `a`. */
    SP_FACT_ATTACH,
    /* The contributor only accepts requests in `set` (its services).  No
     * ACCEPTS fact means it accepts everything. */
    SP_FACT_ACCEPTS,
    /* The contributor owns the globally claimable name `name`. */
    SP_FACT_CLAIM,
    /* The contributor refers to the globally claimable name `name`. */
    SP_FACT_REFER,
} sp_fact_kind;

enum sp_fact_flags {
    SP_FACT_REISSUE = 1,
    SP_FACT_EMPTY_ALLOWS = 2,
};

typedef enum sp_action { SP_DENY = 0, SP_ALLOW = 1 } sp_action;

typedef struct sp_fact {
    uint8_t kind;    /* sp_fact_kind */
    uint8_t flags;   /* sp_fact_flags */
    uint8_t action;  /* sp_action */
    uint32_t owner;  /* contributing instance */
    sp_ref a, b;
    const sp_reqset *set, *set2;
    uint32_t slots_first, slots_count; /* EDGE: into sp_model.slot_refs */
    int64_t priority;
    sp_name name;    /* CLAIM / REFER */
    sp_loc loc;      /* the source text that gave rise to it */
    const char *why; /* short human explanation, e.g. "public IP" */
} sp_fact;

/* Window kinds a suppression may name (bits). */
enum { SP_SUPPRESS_EXPOSURE = 1, SP_SUPPRESS_DANGLING = 2 };

/* A window the author of a configuration accepts (CloudFormation: a
 * resource's Metadata snipeproof.ignore).  It covers the findings of
 * `kinds` on the component's instances that `version`'s definition
 * describes: an old instance by an OLD suppression, a new one by a NEW
 * one, an instance labelled unchanged by either. */
typedef struct sp_suppression {
    uint32_t component;
    sp_version version;   /* SP_VER_OLD or SP_VER_NEW: whose text carries it */
    unsigned kinds;       /* SP_SUPPRESS_* */
    const char *reason;   /* required, never empty */
    sp_loc loc;           /* the entry in the configuration's text */
} sp_suppression;

/* Part of component `part`'s definition is written inside component
 * `host`'s text, at `path` (keys from the host's definition): SAM writes an
 * API's routes in its functions' Events.  Recorded only where that text
 * differs between OLD and NEW.  A configuration with `part` and `host` at
 * different versions is written with the subtree at `path` taken from
 * `part`'s version (src/output/phases.c). */
typedef struct sp_cowritten {
    uint32_t part;
    uint32_t host;        /* SP_NONE: the configuration's own sections (SAM's
                             Globals), written as NEW has them */
    const char *const *path;
    size_t npath;
    sp_loc loc;           /* the subtree, in NEW's text if NEW has it */
} sp_cowritten;

typedef struct sp_model {
    sp_ctx *ctx;
    sp_engine engine;
    const char *old_path, *new_path;
    /* An input that was given as text, not read from a file (OLD from git
     * for --base: "origin/main:template.yaml"), or NULL.  Outputs that link
     * to files (SARIF) must not point into it. */
    const char *text_input;
    SP_VEC(sp_component) components;
    SP_VEC(sp_instance) instances;
    SP_VEC(sp_dep) deps;
    SP_VEC(sp_fact) facts;
    SP_VEC(sp_ref) slot_refs;
    SP_VEC(uint32_t) by_name; /* interned key -> component, for sp_model_find */
    SP_VEC(sp_suppression) suppressions; /* in the order the front-end read them */
    SP_VEC(sp_cowritten) cowritten;
    /* Summary for reports. */
    SP_VEC(const char *) unmodeled_types; /* distinct, sorted */
    unsigned n_unmodeled;  /* components of unmodeled types */
} sp_model;

typedef enum sp_event_kind { SP_EV_UPDATE, SP_EV_CREATE, SP_EV_DELETE } sp_event_kind;
typedef enum sp_phase { SP_PHASE_MAIN, SP_PHASE_CLEANUP } sp_phase;

typedef struct sp_event {
    sp_event_kind kind;
    sp_phase phase;
    uint32_t component;
} sp_event;

typedef enum sp_order_reason {
    SP_ORDER_DEPENDENCY,   /* target configuration: `after` depends on `before` */
    SP_ORDER_CLEANUP,      /* source configuration reversed, among deletes */
    SP_ORDER_DECLARED,     /* after: lists in fleets */
    SP_ORDER_REPLACEMENT,  /* re-pointing follows create k@new */
    SP_ORDER_EXTRA,        /* added by the planner or the user */
} sp_order_reason;

typedef struct sp_order {
    uint32_t before, after; /* events */
    sp_order_reason reason;
    sp_loc loc;
} sp_order;

/* When an instance is present during an update: present in state S iff
 * (initially || birth ∈ S) && !(death ∈ S), with SP_NONE events never
 * happening. */
typedef struct sp_presence {
    bool initially;
    uint32_t birth, death;
} sp_presence;

typedef struct sp_update {
    const sp_model *model;
    /* From all of OLD to all of NEW (not a planner's intermediate step):
     * then an instance with nothing changing around it is in its own
     * configuration, which the search uses to skip it. */
    bool whole;
    SP_VEC(sp_event) events;
    SP_VEC(sp_order) order;      /* explicit edges; MAIN before CLEANUP is implicit */
    sp_presence *presence;       /* one per instance */
    uint32_t *main_event;        /* per component: its main-phase event or SP_NONE */
    uint32_t *cleanup_event;     /* per component: its delete or SP_NONE */
} sp_update;

/* ---- building a model (front-ends) ---- */

void sp_model_init(sp_model *m, sp_ctx *ctx, sp_engine engine);
/* Returns the component index; SP_NONE when out of memory. */
uint32_t sp_model_add_component(sp_model *m, const char *key, const char *type);
/* Adds an instance of `component`; its facts and deps are those added
 * until the next sp_model_add_instance. */
uint32_t sp_model_add_instance(sp_model *m, uint32_t component, sp_version v,
                               sp_label label, sp_loc loc);
bool sp_model_add_dep(sp_model *m, uint32_t component, sp_loc loc, bool declared);
/* Appends a fact owned by the current (last added) instance; returns it
 * so the caller can fill it, or NULL when out of memory. */
sp_fact *sp_model_add_fact(sp_model *m, sp_fact_kind kind, sp_loc loc);
bool sp_model_edge_slot(sp_model *m, sp_fact *edge, sp_ref slot);
/* Looks a component up by key; SP_NONE when unknown. */
uint32_t sp_model_find(const sp_model *m, const char *key);
/* Whether two cowritten parts name the same place of their host's text. */
bool sp_cowritten_same_place(const sp_cowritten *a, const sp_cowritten *b);
void sp_model_note_unmodeled(sp_model *m, const char *type);

/* ---- building the update ---- */

/* Derives events and instance presence from each component's change
 * (DESIGN §3.2), and the engine's order from the instances' deps:
 *   stack: main-phase events ordered by the NEW instances' deps (a chain
 *          through a component without a main event orders nothing unless
 *          `transitive`), re-pointing after `create k@new`, every delete
 *          after every main event, deletes by OLD deps reversed;
 *   fleet: one event per changed component, ordered by NEW deps marked
 *          declared.
 * Fails (with a positioned error) when the order has a cycle. */
bool sp_update_build(sp_update *u, const sp_model *m, bool transitive);
/* The same for an intermediate step: component k goes from its old
 * (from_new[k] == 0) or new (1) version to its old or new version; a
 * component whose two versions agree keeps that version's instance for the
 * whole step.  sp_update_build is the mix from all-old to all-new. */
bool sp_update_build_mix(sp_update *u, const sp_model *m, const unsigned char *from_new,
                         const unsigned char *to_new, bool transitive);
/* Adds an explicit edge between two events. */
bool sp_update_add_order(sp_update *u, uint32_t before, uint32_t after,
                         sp_order_reason reason, sp_loc loc);
/* A copy sharing nothing mutable with `from`. */
bool sp_update_copy(sp_update *to, const sp_update *from);

/* A deterministic, line-oriented dump of model and update (model/dump.c):
 * components with change, instances with deps and facts, events, order. */
void sp_model_dump(const sp_model *m, const sp_update *u, FILE *out);

/* "update WebServer", "create Bucket", "delete OldGroup". */
const char *sp_event_describe(const sp_update *u, uint32_t event);
const char *sp_change_name(sp_change c);
const char *sp_label_name(sp_label l);

#endif
