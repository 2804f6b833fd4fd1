/* Front-ends: from document trees to the model.  Each front-end knows one
 * family of formats (and its vendor's semantics); the stages after it never
 * do. */
#ifndef SP_FRONTEND_H
#define SP_FRONTEND_H

#include "../model/model.h"
#include "../reader/doc.h"

#include <stdbool.h>

typedef struct sp_param {
    const char *name, *value;
} sp_param;

typedef struct sp_frontend_options {
    const sp_param *params; /* --param K=V, in command-line order */
    size_t nparams;
    const char *const *types_files; /* --types FILE, in order */
    size_t ntypes_files;
    bool strict;            /* unknown types are errors */
} sp_frontend_options;

typedef enum sp_input_kind {
    SP_INPUT_UNKNOWN,
    SP_INPUT_CLOUDFORMATION,
    SP_INPUT_TOPOLOGY,
    SP_INPUT_GUIX,
} sp_input_kind;

/* Recognises what a document is from its content. */
sp_input_kind sp_detect_input(const sp_doc *doc);

/* CloudFormation (frontend/cfn).  `old_doc` is the template before the
 * update, `new_doc` after; either may be an empty template.  Fills `m`
 * (engine SP_ENGINE_STACK) with components, their change, instances,
 * deps and facts.  False with a positioned error in ctx on bad input. */
bool sp_cfn_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *old_doc,
                 const sp_doc *new_doc, sp_model *m);

/* Topology files, DESIGN §6 (frontend/topology), engine SP_ENGINE_FLEET. */
bool sp_topology_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *old_doc,
                      const sp_doc *new_doc, sp_model *m);

/* guix deploy files (frontend/guix, docs/GUIX.md): OLD and NEW evaluated
 * (either may be NULL, an empty configuration), with `topology`, the
 * topology file of the network between the machines.  Engine
 * SP_ENGINE_FLEET; the same model as a topology file for the same
 * network. */
bool sp_guix_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *topology,
                  const sp_doc *old_doc, const sp_doc *new_doc, sp_model *m);

/* The CloudFormation type catalogue in use (built-in, then opt->types_files)
 * as documentation for `snipeproof types`: text, or JSON when `json`
 * (frontend/cfn/catalogue_doc.c).  False with a positioned error when a
 * catalogue file is bad. */
bool sp_cfn_render_types(sp_ctx *ctx, const sp_frontend_options *opt, bool json, FILE *out);

#endif
