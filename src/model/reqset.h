/* Request sets (DESIGN §3.4): a request is a point in five dimensions —
 * source, destination, credentials, protocol, port-or-action — and a set of
 * requests is a union of boxes, each box a product of interval lists.
 * Front-ends build sets from rules; the analysis turns the boxes that matter
 * for one question into elementary cells and works on bitsets. */
#ifndef SP_REQSET_H
#define SP_REQSET_H

#include "../util/ctx.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum sp_dim {
    SP_DIM_SRC,   /* who sends: IPv4, IPv6 or a named principal */
    SP_DIM_DST,   /* address the request is sent to */
    SP_DIM_CRED,  /* the credential it carries; 0 = none */
    SP_DIM_PROTO, /* IP protocol number, or SP_PROTO_API for API calls */
    SP_DIM_PORT,  /* port 0..65535, or a named action */
    SP_NDIMS
} sp_dim;

/* Keys are ordered lexicographically by (tag, hi, lo). */
typedef struct sp_key {
    uint32_t tag;
    uint64_t hi, lo;
} sp_key;

/* Tags of the address dimensions (SRC, DST). */
enum { SP_TAG_IPV4 = 0, SP_TAG_IPV6 = 1, SP_TAG_PRINCIPAL = 2 };
/* The port dimension holds ports 0..65535 and, above them, named actions
 * ("s3:GetObject") at SP_ACTION_BASE + name id. */
#define SP_ACTION_BASE 65536u

enum { SP_PROTO_ICMP = 1, SP_PROTO_TCP = 6, SP_PROTO_UDP = 17,
       SP_PROTO_ICMPV6 = 58, SP_PROTO_API = 256 };

/* An interval of keys, both ends included. */
typedef struct sp_ival {
    sp_key lo, hi;
} sp_ival;

/* A box: for each dimension a sorted list of disjoint intervals; a
 * dimension with n == 0 is unconstrained (its whole domain). */
typedef struct sp_box {
    const sp_ival *iv[SP_NDIMS];
    uint32_t n[SP_NDIMS];
} sp_box;

typedef struct sp_reqset {
    const sp_box *boxes;
    uint32_t nboxes; /* 0 = the empty set */
} sp_reqset;

int sp_key_cmp(sp_key a, sp_key b);
/* Whether a key of dimension d stands for a name (credential, principal,
 * action).  Intervals of names are never merged with their neighbours, so
 * each named value keeps its own cell and can be shown by name. */
bool sp_key_is_name(sp_dim d, sp_key k);
/* The whole domain of a dimension. */
sp_ival sp_dim_domain(sp_dim d);
/* The key just after / before k inside the dimension's domain (saturating). */
sp_key sp_key_next(sp_key k);
sp_key sp_key_prev(sp_key k);

sp_key sp_key_num(uint64_t v);
sp_key sp_key_ipv4(uint32_t addr);
sp_key sp_key_ipv6(uint64_t hi, uint64_t lo);
sp_key sp_key_principal(sp_name principal);
sp_key sp_key_action(sp_name action);

/* Parses "a.b.c.d/n", "a.b.c.d", IPv6 "x::y/n" or "x::y" into an interval
 * of the address dimensions.  False when malformed. */
bool sp_parse_cidr(const char *text, sp_ival *out);
/* Formats an address interval as a comma-separated minimal list of CIDRs
 * ("0.0.0.0/0"), or principal names; writes at most `cap` bytes. */
void sp_format_addresses(const sp_name_table *names, const sp_ival *iv, size_t n,
                         char *buf, size_t cap);

/* Builders keep a few intervals and boxes inline and spill into the arena
 * only beyond them, so building a set leaves nothing behind but the set. */
enum { SP_BOX_INLINE = 4, SP_SET_INLINE_BOXES = 4, SP_SET_INLINE_IVALS = 16 };

/* Growable storage of intervals: `inl` until it overflows, then `more`
 * (in the arena).  No pointer into `inl` is kept, so a builder may be
 * copied. */
typedef struct sp_ival_buf {
    sp_ival *more;
    uint32_t len, cap;
    sp_ival inl[SP_BOX_INLINE];
} sp_ival_buf;

/* Box builder: start from everything, then constrain dimensions. */
typedef struct sp_box_builder {
    sp_ctx *ctx;
    sp_ival_buf dims[SP_NDIMS];
    bool constrained[SP_NDIMS];
} sp_box_builder;

void sp_box_begin(sp_box_builder *b, sp_ctx *ctx);
/* Adds [lo,hi] to the allowed values of dimension d (repeated calls unite;
 * the first call replaces "everything"). */
bool sp_box_allow(sp_box_builder *b, sp_dim d, sp_key lo, sp_key hi);
/* Marks dimension d as constrained even if nothing was allowed (empty). */
void sp_box_restrict(sp_box_builder *b, sp_dim d);

/* A box being collected: its intervals as positions in the builder's
 * interval list (which may move while it grows). */
typedef struct sp_box_draft {
    uint32_t first[SP_NDIMS], n[SP_NDIMS];
} sp_box_draft;

/* Set builder: a union of boxes. */
typedef struct sp_set_builder {
    sp_ctx *ctx;
    sp_box_draft *boxes_more;
    uint32_t nboxes, boxes_cap;
    sp_ival *ivals_more;
    uint32_t nivals, ivals_cap;
    bool failed;
    sp_box_draft boxes_inl[SP_SET_INLINE_BOXES];
    sp_ival ivals_inl[SP_SET_INLINE_IVALS];
} sp_set_builder;

void sp_set_begin(sp_set_builder *s, sp_ctx *ctx);
/* Adds the box being built (normalises its intervals). */
bool sp_set_add_box(sp_set_builder *s, sp_box_builder *b);
bool sp_set_add_set(sp_set_builder *s, const sp_reqset *other);
/* The set, laid out in one block; NULL when out of memory.  While a pool
 * is open (sp_reqset_pool_open), a set equal to one built before is that
 * one: request sets are immutable, and a model repeats the same few sets
 * (every "tcp 443 from anywhere") many times. */
const sp_reqset *sp_set_finish(sp_set_builder *s);

/* Interning of the sets built in a context, from open to close (a
 * front-end building a model).  The table lives outside the arena; close
 * frees it (the sets stay).  Nested opens are counted. */
bool sp_reqset_pool_open(sp_ctx *ctx);
void sp_reqset_pool_close(sp_ctx *ctx);

const sp_reqset *sp_reqset_all(sp_ctx *ctx);
const sp_reqset *sp_reqset_none(sp_ctx *ctx);

/* Whether a point (one key per dimension) lies in the set. */
bool sp_reqset_contains(const sp_reqset *s, const sp_key point[SP_NDIMS]);

/* Renders the values of one dimension for people: protocols by name
 * ("tcp"), ports and ranges ("22", "8000-8080"), actions by name,
 * credentials ("none", names), addresses as CIDRs or principals; the whole
 * domain is "any".  Writes at most cap bytes. */
void sp_format_dim(const sp_name_table *names, sp_dim d, const sp_ival *iv, size_t n, char *buf,
                   size_t cap);

#endif
