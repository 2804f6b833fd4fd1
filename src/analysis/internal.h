/* Pieces the analysis files share. */
#ifndef SP_ANALYSIS_INTERNAL_H
#define SP_ANALYSIS_INTERNAL_H

#include "analysis.h"
#include "exposure.h"
#include "subgraph.h"

/* Instances that share one requirement: a single instance, or both
 * instances of a component re-pointed by the ripple (label unchanged). */
typedef struct sp_target_group {
    uint32_t inst[2];
    int n;
} sp_target_group;

/* The groups of a component; returns how many (0..2). */
int sp_target_groups(const sp_model *m, uint32_t component, sp_target_group out[2]);

/* Exposure requirement of an instance (computed on first use from the
 * update the requirements were made for); NULL when out of memory. */
const sp_reqset *sp_requirement_exposure(const sp_requirements *req, uint32_t instance);
/* Whether target k of group g takes its requirement from its exposure in
 * OLD (state 0) or in NEW (state 1); an unchanged one from both. */
bool sp_requirement_wanted(const sp_model *m, const sp_target_group *g, int k, int state);
/* Whether a search of `u` may compute the requirement of the targets of
 * `sg` from its own first and last states (nothing done, everything done)
 * instead of asking for it: `u` is over the same model, and every instance
 * `sg` involves is present in those states exactly as in OLD and in NEW.
 * The subgraph and its universe depend on the model alone, so the sets are
 * the ones sp_requirement_exposure would compute; sharing the evaluation
 * saves building both and evaluating two states twice. */
bool sp_requirement_local(const sp_requirements *req, const sp_update *u, const sp_subgraph *sg);
/* Records the requirement of g's instances, computed by such a search,
 * where none is recorded yet. */
void sp_requirement_store(const sp_requirements *req, const sp_target_group *g,
                          const sp_reqset *set);
/* Whether the instance's own configuration(s) already leave `name`
 * without an owner (then a dangling reference to it is not a window).
 * `w`: a world over the requirements' model, for its claims, which depend
 * on the model alone. */
bool sp_requirement_dangling_allowed(const sp_requirements *req, const sp_world *w,
                                     uint32_t instance, sp_name name);

/* Does any present instance claim `name`?  `present` is per instance. */
bool sp_name_owned(const sp_world *w, sp_name name, const unsigned char *present);

/* Every set a subgraph consults, for building its universe. */
bool sp_universe_add_subgraph(sp_universe_builder *ub, const sp_world *w, const sp_subgraph *sg);

/* Excess summary rows and a one-line description of a request. */
bool sp_summarise_excess(sp_ctx *ctx, const sp_reqset *excess, sp_excess_row **rows, size_t *n);
const char *sp_describe_request(sp_ctx *ctx, const sp_key point[SP_NDIMS]);

#endif
