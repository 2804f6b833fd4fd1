/* A fleet of hosts and the networks between them, as the front-ends that
 * describe fleets (topology files, guix deploy files) read it, and the one
 * place that turns two fleets (OLD and NEW) into the model.  Both
 * front-ends thus give the same model for the same network.
 *
 * The graph of one state (docs/ARCHITECTURE.md, "Topology files"):
 *   - each network N is a component and a node; requests that originate
 *     inside N enter it from the internet: EDGE internet -> N admitting
 *     src ∈ N.  Networks are always unchanged and accept nothing;
 *   - a host H with network N is reached from N: EDGE N -> H admitting
 *     dst ∈ N through the host's entry guards; with network internet (a
 *     public address) EDGE internet -> H admitting internet sources and
 *     destinations;
 *   - a forward {from: A, to: B} of host F: EDGE A -> B contributed by F
 *     through the forward's guards; from the internet the edge admits only
 *     sources outside every network (no spoofing); forwards *to* the
 *     internet are not followed;
 *   - each guard is a first-match rule list with a default (a GUARD and
 *     its RULEs) in a slot of its own (SLOT, ATTACH) that the edges using
 *     it list: an edge through several guards admits what all of them
 *     accept;
 *   - services are ACCEPTS facts; has_services false accepts everything;
 *   - the edges that leave the internet pair a source with a destination
 *     of its own address family.
 * `after` entries become declared deps, which order the fleet's events. */
#ifndef SP_FLEET_H
#define SP_FLEET_H

#include "../frontend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Segments: a network's index in sp_fleet.nets, or one of these. */
enum { SP_SEG_NONE = -1, SP_SEG_INTERNET = -2 };
enum { SP_FAM_V4, SP_FAM_V6, SP_NFAMS };

typedef SP_VEC(sp_ival) sp_ival_vec;

typedef struct sp_fleet_net {
    const char *name;
    const sp_doc *key, *value;
    sp_ival iv;
    bool bad;       /* its range is malformed (reported): known by name only */
    int family;     /* SP_FAM_* */
    uint32_t comp;  /* component, once built */
} sp_fleet_net;

typedef struct sp_fleet_rule {
    uint8_t action; /* sp_action */
    const sp_reqset *set;
    sp_loc loc;
    const char *why; /* "rule 1", "nftables: tcp dport 22 drop" */
} sp_fleet_rule;

/* A first-match rule list with a default action, in a slot of its own. */
typedef struct sp_fleet_guard {
    sp_name name;    /* of the slot and of the guard */
    uint8_t dflt;    /* sp_action */
    sp_loc loc;      /* of its SLOT, GUARD and ATTACH facts */
    const char *why; /* "firewall" */
    SP_VEC(sp_fleet_rule) rules;
} sp_fleet_guard;

typedef SP_VEC(uint32_t) sp_fleet_guard_list; /* indices into the host's guards */

typedef struct sp_fleet_forward {
    int from, to;               /* segments; `from` and `to` differ */
    const sp_doc *node;         /* the forward's definition */
    sp_fleet_guard_list guards; /* what the forwarded requests pass */
} sp_fleet_forward;

typedef struct sp_fleet_service {
    const sp_reqset *set;
    const char *why;
    sp_loc loc;
} sp_fleet_service;

typedef struct sp_fleet_after {
    sp_loc loc;
    int host; /* index in the fleet */
} sp_fleet_after;

/* An interface of a host and the segment it leads to (guix deploy: what
 * iifname and oifname rules name). */
typedef struct sp_fleet_iface {
    const char *name;
    int segment;
    const sp_doc *node;
} sp_fleet_iface;

typedef struct sp_fleet_host {
    const char *name;
    const sp_doc *key;  /* where the host is named (component location) */
    const sp_doc *def;  /* its definition, for outputs (sp_component.def_*) */
    sp_loc loc;         /* the component's location when key is NULL */
    int network;        /* a segment, or SP_SEG_NONE: nothing reaches the host */
    const sp_doc *network_node;
    SP_VEC(sp_fleet_forward) fwds;
    SP_VEC(sp_fleet_guard) guards;
    sp_fleet_guard_list entry_guards; /* on the edge that reaches the host */
    bool has_services;  /* false: it accepts everything */
    sp_loc services_loc;/* of the "no service" fact when svcs is empty */
    SP_VEC(sp_fleet_service) svcs;
    SP_VEC(sp_fleet_after) after;
    SP_VEC(sp_fleet_iface) ifaces;
    uint32_t comp;      /* component, once built */
    void *data;         /* the front-end's own */
} sp_fleet_host;

typedef struct sp_fleet {
    SP_VEC(sp_fleet_net) nets;
    SP_VEC(sp_fleet_host) hosts;
    sp_ival_vec inet[SP_NFAMS]; /* addresses outside every network, per family */
} sp_fleet;

/* The whole address range of a family. */
sp_ival sp_fleet_family_domain(int fam);
/* Fills f->inet from f->nets (networks marked bad are left out). */
void sp_fleet_compute_internet(sp_ctx *ctx, sp_fleet *f);
/* Requests from the internet: sources outside every network, each paired
 * with destinations of its own family (`dst_internet`: only destinations
 * outside every network too).  NULL when out of memory. */
const sp_reqset *sp_fleet_internet_set(sp_ctx *ctx, const sp_fleet *f, bool dst_internet);
/* Restricts dimension d of a box to the intervals iv[0..n). */
void sp_fleet_allow_ivals(sp_box_builder *b, sp_dim d, const sp_ival *iv, size_t n);

int sp_fleet_find_net(const sp_fleet *f, const char *name);
int sp_fleet_find_host(const sp_fleet *f, const char *name);

/* Whether a host is unchanged by the update (its two definitions agree). */
typedef bool (*sp_fleet_host_equal)(const sp_fleet_host *old_host, const sp_fleet_host *new_host,
                                    void *arg);

/* Builds the model of the update from `old_fleet` to `new_fleet` into `m`
 * (initialised by the caller, engine SP_ENGINE_FLEET): one component per
 * network (type SP_TOPOLOGY_NETWORK, merged by name), then one per host
 * (type `host_type`; NEW's in order, then those only in OLD), unchanged
 * when `equal` says so, else modified, added or removed.  Fills the comp
 * fields.  False when out of memory. */
bool sp_fleet_build(sp_ctx *ctx, sp_model *m, sp_fleet *old_fleet, sp_fleet *new_fleet,
                    const char *host_type, sp_fleet_host_equal equal, void *arg);

#endif
