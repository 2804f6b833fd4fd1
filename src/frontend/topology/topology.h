/* What the topology front-end offers beyond sp_topology_load: the pieces
 * of a host's definition that `snipeproof apply` needs (its deploy
 * command), read from the definitions the front-end validated and stored
 * in the model (sp_component.def_old / def_new). */
#ifndef SP_TOPOLOGY_H
#define SP_TOPOLOGY_H

#include "../frontend.h"
#include "fleet.h"

#include <stddef.h>

/* The component type of hosts and of networks in a topology model. */
#define SP_TOPOLOGY_HOST "host"
#define SP_TOPOLOGY_NETWORK "network"

/* Reads the topology file that goes with guix deploy files (docs/GUIX.md):
 * networks, and hosts with `network`, `forwards`, `after` and
 * `interfaces` only (their services and firewalls come from the
 * machines).  Fills `out`: the networks, the internet, the hosts in file
 * order with their forwards, interfaces and resolved `after:`, no guards
 * and no services.  False with positioned errors (a key that belongs to
 * the machines, such as `firewall`, included). */
bool sp_topology_read_network(sp_ctx *ctx, const sp_doc *doc, sp_fleet *out);

/* The `deploy` argv of a host definition, NULL-terminated, in the run's
 * arena; NULL with *argc = 0 when the host has no deploy command (or on
 * out of memory, recorded in ctx).  `host_def` must be a definition the
 * front-end loaded (it was validated then). */
const char **sp_topology_deploy(sp_ctx *ctx, const sp_doc *host_def, size_t *argc);

/* The node of the host definition's `deploy` entry, for positions; NULL
 * when absent. */
const sp_doc *sp_topology_deploy_node(const sp_doc *host_def);

#endif
