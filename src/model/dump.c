/* STUB — replaced by the CloudFormation front-end work (model dump). */
#include "model.h"
void sp_model_dump(const sp_model *m, const sp_update *u, FILE *out) { (void)u; fprintf(out, "components %zu\n", m->components.len); }
