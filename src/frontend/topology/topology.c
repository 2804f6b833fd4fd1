/* STUB — replaced by the topology front-end work. */
#include "../frontend.h"

bool sp_topology_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *o, const sp_doc *n, sp_model *m)
{ (void)opt; (void)o; (void)n; (void)m; sp_error(ctx, SP_NO_LOC, "topology files are not supported yet"); return false; }
