/* Pieces shared by the JSON and SARIF renderers (both built with jansson,
 * never by concatenating text). */
#ifndef SP_OUTPUT_JSON_BUILD_H
#define SP_OUTPUT_JSON_BUILD_H

#include "../analysis/analysis.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* A JSON string for `s` (null for NULL).  Bytes that are not valid UTF-8
 * (a file name, say) become U+FFFD rather than failing the document. */
json_t *sp_json_text(const char *s);

/* Sets obj[key] = value, taking the reference; clears *ok when value is
 * NULL (out of memory) or the set fails. */
void sp_json_put(json_t *obj, const char *key, json_t *value, bool *ok);
void sp_json_push(json_t *array, json_t *value, bool *ok);

/* The DESIGN §5 pieces of one finding. */
json_t *sp_json_path(const sp_model *m, const sp_finding *f);
json_t *sp_json_witness(const sp_update *u, const sp_finding *f);
json_t *sp_json_fix(const sp_model *m, const sp_finding *f);
/* [{"first": A, "then": B}, ...] */
json_t *sp_json_edges(const sp_model *m, const sp_edge_hint *edges, size_t n);

/* Writes `doc` indented by two spaces, with a final newline, and releases
 * it.  False when doc is NULL or the write failed. */
bool sp_json_write(json_t *doc, FILE *out);

#endif
