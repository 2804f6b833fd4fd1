/* STUB — replaced by the outputs work. */
#include "output.h"
void sp_render_check_text(const sp_report *r, const sp_output_options *o, FILE *out) { (void)o; fprintf(out, "%zu findings\n", r->findings.len); }
void sp_render_check_json(const sp_report *const *r, size_t n, FILE *out) { (void)r; (void)n; (void)out; }
void sp_render_check_sarif(const sp_report *const *r, size_t n, FILE *out) { (void)r; (void)n; (void)out; }
