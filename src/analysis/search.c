/* STUB — being written. */
#include "analysis.h"
sp_requirements *sp_requirements_compute(const sp_update *u) { (void)u; return NULL; }
bool sp_search(const sp_update *u, const sp_requirements *req, const sp_limits *lim, sp_report *out) { (void)u; (void)req; (void)lim; (void)out; return false; }
bool sp_search_exhaustive(const sp_update *u, const sp_requirements *req, sp_report *out) { (void)u; (void)req; (void)out; return false; }
