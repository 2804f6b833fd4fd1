/* What the guix deploy front-end offers `snipeproof apply`: the
 * `guix deploy` invocation that updates one machine (docs/GUIX.md,
 * "apply").  guix deploy deploys every machine its file evaluates to, so
 * each machine gets a generated one-machine deploy file that loads the
 * user's file and keeps the machine whose host name matches. */
#ifndef SP_GUIX_DEPLOY_H
#define SP_GUIX_DEPLOY_H

#include "../../reader/doc.h"

#include <stddef.h>

/* The component type of machines (the same as topology hosts, so that
 * apply treats both alike). */
#define SP_GUIX_MACHINE "host"

/* For the host definition the front-end stored in the model (a machine's
 * sp_component.def_old / def_new): argv {"guix", "deploy", FILE, NULL},
 * where FILE is the generated deploy file's path relative to the folder
 * of the deploy file (where apply runs the command), and that file's
 * path (the same, to be written relative to that folder) and text.  NULL
 * (*argc 0) when `host_def` is not a machine's, or out of memory. */
const char **sp_guix_deploy(sp_ctx *ctx, const sp_doc *host_def, const char **file,
                            const char **text, size_t *argc);

/* Whether a host definition is a machine of a deploy file. */
bool sp_guix_is_machine(const sp_doc *host_def);

#endif
