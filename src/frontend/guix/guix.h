/* The guix deploy front-end's own pieces (not part of any interface):
 * values, the evaluator, records and services, and the firewall subset
 * parsers.  docs/GUIX.md says what is supported and why.
 *
 *   value.c     values, equality, printing, lists
 *   eval.c      the evaluator: special forms, closures, budget
 *   builtins.c  the primitive procedures
 *   records.c   record constructors, inherit, accessors, services,
 *               modify-services, plain-file and local-file
 *   services.c  what a machine's services listen on, its firewalls, notes
 *   nft.c       the nftables subset; iptables.c the iptables-restore subset
 *   firewall.c  rulesets to the guards on a host's edges
 *   guix.c      the front-end: deploy files + topology -> fleets -> model */
#ifndef SP_GUIX_INTERNAL_H
#define SP_GUIX_INTERNAL_H

#include "../topology/fleet.h"
#include "../topology/topology.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- values ---- */

typedef enum gv_kind {
    GV_NULL,     /* '() */
    GV_UNSPEC,   /* what define, for-each … return */
    GV_BOOL,
    GV_NUM,
    GV_STR,
    GV_SYM,
    GV_KEYWORD,
    GV_CHAR,
    GV_PAIR,
    GV_VECTOR,
    GV_CLOSURE,
    GV_PRIM,
    GV_RECORD,   /* machine, operating-system, service, openssh-configuration … */
    GV_FILE,     /* plain-file, local-file */
    GV_SVCTYPE,  /* a service type: openssh-service-type */
    GV_BUNDLE,   /* %base-services, %desktop-services: one element of a list */
    GV_OPAQUE,   /* what the evaluator cannot know: a term */
    GV_MACRO,    /* a name bound by define-syntax */
} gv_kind;

typedef struct gv gv;
typedef struct genv genv;
typedef struct geval geval;

/* A piece of a string that comes from a literal (for positions inside
 * strings built with string-append). */
typedef struct gstr_seg {
    size_t start, len;   /* in the string's text */
    const sp_doc *lit;   /* the literal */
    size_t lit_off;      /* offset of the piece in the literal's text */
} gstr_seg;

typedef struct gclosure {
    const char *name;      /* for messages; "lambda" when anonymous */
    sp_name *req;          /* required parameters */
    size_t nreq;
    sp_name *opt;          /* #:optional */
    const sp_doc **opt_default;
    size_t nopt;
    sp_name *key;          /* #:key */
    const sp_doc **key_default;
    size_t nkey;
    sp_name rest;          /* 0: none */
    bool allow_other_keys;
    const sp_doc *const *body;
    size_t nbody;
    const sp_doc *form;    /* the lambda or define form */
    genv *env;
} gclosure;

typedef gv *(*gprim_fn)(geval *E, const sp_doc *call, gv **args, size_t n);

typedef struct gprim {
    const char *name;
    gprim_fn fn;
    int min, max;          /* arguments; max -1: any */
} gprim;

typedef struct gfield {
    sp_name name;
    gv *value;
    sp_loc loc;            /* the field's clause */
} gfield;

struct grtype;

typedef struct grecord {
    const struct grtype *type;
    gfield *fields;        /* given or inherited; the others take their defaults */
    size_t n;
    gv *inherit_opaque;    /* (inherit X) of something opaque: the fields not given */
    const sp_loc *sites;   /* the calls that made it, outermost first */
    size_t nsites;
} grecord;

typedef struct gfile {
    bool local;            /* local-file (read relative to its deploy file) */
    gv *name;              /* plain-file: its name; local-file: the file name given */
    gv *text;              /* plain-file: its contents */
    const char *path;      /* local-file: the resolved path */
} gfile;

typedef enum gbundle_kind { GB_BASE, GB_DESKTOP } gbundle_kind;

/* A change modify-services made to a bundle. */
typedef struct gbundle_change {
    const char *type;      /* service type name */
    bool deleted;
    gv *value;             /* the new configuration (when not deleted) */
    sp_loc loc;
} gbundle_change;

typedef struct gbundle {
    gbundle_kind kind;
    gbundle_change *changes;
    size_t n;
} gbundle;

typedef enum gop_kind {
    GOP_VARIABLE,   /* an unknown variable: grub-bootloader */
    GOP_FORM,       /* a form with an unknown head, an undecidable test … */
    GOP_GETENV,     /* (getenv "X") */
    GOP_CALL,       /* a known procedure applied to opaque arguments */
} gop_kind;

typedef struct gopaque {
    gop_kind kind;
    const char *what;       /* "unknown procedure 'uuid'", … for messages */
    sp_name name;           /* variable, head, procedure or environment variable */
    const sp_doc *form;     /* GOP_FORM: the form, compared structurally */
    gv **args;              /* GOP_CALL: the arguments; GOP_FORM: the values of the
                             * variables the form uses */
    sp_name *arg_names;     /* GOP_FORM: those variables */
    size_t nargs;
    const gv *cause;        /* the opaque value at the root (itself if none) */
} gopaque;

struct gv {
    uint8_t kind;
    sp_loc loc;             /* where it was made (the literal or the call) */
    union {
        bool b;
        struct {
            const char *text;
            int64_t i;
            bool is_int;
        } num;
        struct {
            const char *s;
            size_t len;
            const gstr_seg *segs;
            size_t nsegs;
        } str;
        sp_name sym;        /* GV_SYM, GV_KEYWORD, GV_SVCTYPE, GV_MACRO */
        const char *chr;    /* GV_CHAR: its UTF-8 */
        struct {
            gv *car, *cdr;
        } pair;
        struct {
            gv **items;
            size_t n;
        } vec;
        gclosure *clo;
        const gprim *prim;
        grecord *rec;
        gfile *file;
        gbundle *bundle;
        gopaque *op;
    } u;
};

/* ---- record types ---- */

typedef enum gfield_default {
    GD_NONE,      /* no default: required when used */
    GD_NUM,       /* a number */
    GD_BOOL,
    GD_STR,
    GD_NIL,       /* '() */
    GD_LIST_STR,  /* a list of strings, separated by '|' */
    GD_SYM,
    GD_OTHER,     /* something snipeproof does not need (a package …) */
    GD_VAR,       /* the value of a known variable (%base-services …) */
} gfield_default;

typedef struct grfield {
    const char *name;
    gfield_default dflt;
    const char *value;   /* its text */
} grfield;

typedef struct grtype {
    const char *name;            /* "openssh-configuration" */
    const grfield *fields;       /* NULL-terminated by name */
    bool open;                   /* fields beyond the list are accepted */
    const char *source;          /* where the defaults come from */
} grtype;

/* ---- environments and the evaluator ---- */

typedef struct gbinding {
    sp_name name;
    gv *value;          /* NULL: not defined yet (letrec, forward reference) */
    sp_loc loc;
} gbinding;

struct genv {
    gbinding *vars;
    size_t n;
    genv *parent;
};

/* Bounds (docs/GUIX.md). */
enum {
    GUIX_MAX_STEPS = 1000000,     /* evaluation steps per deploy file */
    GUIX_MAX_DEPTH = 1000,        /* nested evaluations (non-tail calls) */
    GUIX_MAX_STRING = 4 << 20,    /* bytes of one string */
    GUIX_MAX_LIST = 1000000,      /* elements a primitive may build */
    GUIX_MAX_FILE = 1 << 20,      /* bytes of a local-file ruleset */
    GUIX_MAX_SITES = 8,           /* call sites kept per record */
};

struct geval {
    sp_ctx *ctx;
    uint32_t src;             /* the deploy file */
    const char *dir;          /* its folder, for local-file */
    genv *global;             /* the file's definitions */
    unsigned long steps;
    unsigned depth;
    bool failed;              /* an error was reported: stop */
    /* Calls being evaluated (closure applications), for record sites and
     * for the notes that say where an error was called from. */
    sp_loc *calls;
    size_t ncalls, calls_cap;
    /* Interned names used everywhere. */
    struct {
        sp_name quote, quasiquote, unquote, unquote_splicing, define, define_star,
            define_public, lambda, lambda_star, let, let_star, letrec, letrec_star, if_, cond,
            case_, when, unless, and_, or_, begin, else_, arrow, inherit, optional, key, rest,
            allow_other_keys, delete_, set_bang, define_syntax, define_syntax_rule,
            define_record_type, use_modules, modify_services, service, gexp, ungexp,
            ungexp_splicing, let_syntax, syntax_rules, match, define_module;
    } n;
};

/* value.c */
gv *gv_new(geval *E, gv_kind kind, sp_loc loc);
gv *gv_null(geval *E, sp_loc loc);
gv *gv_bool(geval *E, bool b, sp_loc loc);
gv *gv_int(geval *E, int64_t i, sp_loc loc);
gv *gv_str(geval *E, const char *s, size_t len, sp_loc loc);
gv *gv_sym(geval *E, sp_name name, sp_loc loc);
gv *gv_cons(geval *E, gv *car, gv *cdr, sp_loc loc);
gv *gv_unspec(geval *E, sp_loc loc);
const char *gv_name(const geval *E, sp_name n);
bool gv_is_list(const gv *v);          /* a proper list */
size_t gv_list_length(const gv *v);    /* of a proper list */
/* The elements of a proper list, in the arena; NULL on out of memory. */
gv **gv_list_items(geval *E, const gv *list, size_t *n);
gv *gv_list_from(geval *E, gv **items, size_t n, gv *tail, sp_loc loc);
bool gv_truthy(const gv *v);           /* everything but #f */
/* Structural equality, positions aside (closures by their source text). */
bool gv_equal(const gv *a, const gv *b);
/* A short rendering for messages: "\"web\"", "(service openssh-service-type …)". */
const char *gv_show(geval *E, const gv *v);
/* "a string", "a list" … */
const char *gv_kind_name(const gv *v);
/* The opaque value at the root of v's opacity, or NULL when v is known
 * all the way down (for lists: every element and the tail). */
const gv *gv_find_opaque(const gv *v);
/* What an opaque value stands for, for messages. */
const char *gv_opaque_reason(geval *E, const gv *op);
/* The source position of byte `off` of a string value. */
sp_loc gv_str_loc(const geval *E, const gv *str, size_t off, size_t len);

/* eval.c */
void geval_init(geval *E, sp_ctx *ctx, uint32_t src, const char *dir);
/* Evaluates the forms of a deploy file; returns the last form's value, or
 * NULL after an error (reported). */
gv *geval_file(geval *E, const sp_doc *forms);
gv *geval_expr(geval *E, const sp_doc *expr, genv *env);
/* Applies a procedure value to arguments (map, apply, modify-services). */
gv *geval_apply(geval *E, gv *proc, gv **args, size_t n, const sp_doc *call);
bool geval_step(geval *E, sp_loc at, unsigned long cost);
/* Reports an error at loc, with notes for the calls under way. */
void geval_error(geval *E, sp_loc loc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* An opaque term for a form that cannot be evaluated (its head is
 * unknown, its test undecidable …): the form and the values of the
 * variables it uses, which make two such terms equal or not. */
gv *geval_form_term(geval *E, const sp_doc *form, genv *env, const char *what,
                    const gv *cause);
genv *genv_new(geval *E, genv *parent, size_t n);
gbinding *genv_lookup(genv *env, sp_name name);

/* builtins.c */
const gprim *gprim_find(const char *name);
/* Known global variables (%base-services, %default-nftables-ruleset …);
 * NULL when the name is not one. */
gv *gknown_variable(geval *E, const char *name, sp_loc loc);

/* records.c */
const grtype *grtype_find(const char *name);
/* The special forms of Guix's records and services: returns NULL and sets
 * *handled false when `head` is not one of them. */
gv *grecord_form(geval *E, const sp_doc *form, const char *head, genv *env, bool *handled);
/* An accessor (operating-system-host-name …) applied to args; *handled
 * false when `name` is not one. */
gv *grecord_accessor(geval *E, const char *name, const sp_doc *call, gv **args, size_t n,
                     bool *handled);
/* A field of a record: given, inherited, or its default (from the type's
 * table); *given tells whether the record says it.  NULL when the field
 * has no default and is absent, or comes from an opaque (inherit X): then
 * *opaque is set. */
gv *grecord_field(geval *E, const gv *rec, const char *field, bool *given, const gv **opaque);
bool grecord_is(const gv *v, const char *type);
/* The default configuration of a service type, or NULL when unknown. */
gv *grecord_default_config(geval *E, const char *svctype, sp_loc loc);
/* The contents of a file-like value (reads a local-file, bounded):
 * *src_out is the source id the text is positioned in (the local file),
 * or SP_NO_SOURCE when it comes from a string value (then *text_value is
 * that string).  NULL after an error (reported) or when opaque
 * (*opaque). */
const char *gfile_contents(geval *E, const gv *file, size_t *len, uint32_t *src_out,
                           const gv **text_value, const gv **opaque);

/* ---- services (services.c) ---- */

typedef enum grs_kind { GRS_NFT, GRS_IPT4, GRS_IPT6 } grs_kind;

/* A firewall ruleset as the machine's service gives it. */
typedef struct gruleset {
    grs_kind kind;
    const char *text;
    size_t len;
    uint32_t src;         /* the local file it was read from, or SP_NO_SOURCE */
    const gv *strval;     /* otherwise the string value (positions via gv_str_loc) */
    sp_loc service;       /* the service that loads it */
    const char *service_name; /* "nftables", "iptables" */
} gruleset;

/* A recognised service of a machine, for the notes about restarts. */
typedef struct gsvc_info {
    const char *type;     /* service type name */
    const char *shepherd; /* the shepherd service it runs: "ssh-daemon" */
    gv *config;           /* its configuration (given or default) */
    sp_loc loc;
    bool firewall;
} gsvc_info;

typedef struct gservices {
    bool unknown_listener;            /* some service listens on ports snipeproof does not know */
    SP_VEC(sp_fleet_service) listen;  /* what the machine listens on otherwise */
    SP_VEC(gruleset) rulesets;
    SP_VEC(gsvc_info) known;
} gservices;

/* What the services of operating system `os` (of host `host`) listen on
 * and which rulesets they load.  False after an error (reported). */
bool gservices_analyse(geval *E, const gv *os, const char *host, gservices *out);

/* The position of bytes [off, off+len) of a ruleset's text. */
sp_loc gruleset_loc(const geval *E, const gruleset *rs, size_t off, size_t len);

/* ---- firewalls (nft.c, iptables.c, firewall.c) ---- */

typedef enum fw_verdict {
    FW_NONE,     /* no verdict: the rule changes nothing */
    FW_ACCEPT,
    FW_DROP,     /* drop and reject */
    FW_JUMP,
    FW_GOTO,
    FW_RETURN,
} fw_verdict;

typedef enum fw_hook {
    FW_HOOK_NONE,
    FW_HOOK_PREROUTING,
    FW_HOOK_INPUT,
    FW_HOOK_FORWARD,
    FW_HOOK_OUTPUT,
    FW_HOOK_POSTROUTING,
    FW_HOOK_INGRESS,
} fw_hook;

typedef enum fw_family { FW_INET, FW_IP, FW_IP6, FW_OTHER } fw_family;

/* A match on interface names (iifname, -i): names may end in '*'. */
typedef struct fw_ifmatch {
    const char **names;
    size_t n;
    bool negated;
    bool used;
    sp_loc loc;
} fw_ifmatch;

typedef struct fw_rule {
    /* Each dimension: used, the allowed intervals (after negation). */
    bool has_src, has_dst, has_proto, has_port;
    sp_ival_vec src, dst, proto, port;
    int family;          /* 0 either, 4 IPv4 only, 6 IPv6 only */
    fw_ifmatch iif, oif;
    bool never;          /* matches no new connection (ct state established …) */
    fw_verdict verdict;
    const char *target;  /* jump / goto */
    sp_loc loc;
    const char *text;    /* the rule as written, for messages */
} fw_rule;

typedef struct fw_chain {
    const char *table;
    const char *name;
    fw_family family;
    bool base;           /* attached to a hook */
    bool nat;            /* type nat */
    fw_hook hook;
    uint8_t policy;      /* sp_action, for base chains */
    sp_loc loc;
    SP_VEC(fw_rule) rules;
} fw_chain;

typedef struct fw_ruleset {
    const gruleset *source;
    SP_VEC(fw_chain) chains;
} fw_ruleset;

/* Helpers the parsers share (firewall.c). */
void fw_rule_init(fw_rule *r);
/* Narrows dimension d of r to iv[0..n) (its complement within the
 * dimension's domain when `negate`); an empty result makes the rule match
 * nothing (r->never). */
bool fw_constrain(geval *E, fw_rule *r, sp_dim d, const sp_ival *iv, size_t n, bool negate);
/* Restricts r to one address family (4 or 6); another family already
 * required makes it match nothing. */
void fw_set_family(fw_rule *r, int family);
/* Well-known service names of /etc/services that rulesets use ("ssh"),
 * and protocol names; -1 when unknown. */
int fw_port_by_name(const char *name);
int fw_proto_by_name(const char *name);

/* Parse the subsets docs/GUIX.md lists; false after errors (reported). */
bool gnft_parse(geval *E, const gruleset *rs, fw_ruleset *out);
bool gipt_parse(geval *E, const gruleset *rs, fw_ruleset *out);

/* The guards the rulesets put on host h's edges (fleet f): entry guards
 * for what reaches h, forward guards for what h forwards.  False after
 * errors (a rule names an interface the topology does not give h …). */
bool gfw_guards(geval *E, const fw_ruleset *sets, size_t n, const sp_fleet *f,
                sp_fleet_host *h);

#endif
