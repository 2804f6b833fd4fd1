/* STUB — replaced by the CloudFormation front-end work. */
#include "../frontend.h"

sp_input_kind sp_detect_input(const sp_doc *doc) { (void)doc; return SP_INPUT_CLOUDFORMATION; }
bool sp_cfn_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *o, const sp_doc *n, sp_model *m)
{ (void)opt; (void)o; (void)n; (void)m; sp_error(ctx, SP_NO_LOC, "cloudformation front-end missing"); return false; }
