/* The table of roles the catalogue can name (docs/TYPES.md documents each). */
#include "roles.h"

#include <string.h>

const cfn_role *const cfn_roles[] = {
    &cfn_role_inert,
    &cfn_role_separate,
    &cfn_role_node,
    &cfn_role_claims_name,
    &cfn_role_public_entry,
    &cfn_role_link,
    &cfn_role_subnet,
    &cfn_role_first_match_guard,
    &cfn_role_first_match_rule,
    &cfn_role_attach,
    &cfn_role_guard_allowlist,
    &cfn_role_guard_rule,
    &cfn_role_network_node,
    &cfn_role_public_address,
    &cfn_role_lb_listener,
    &cfn_role_lb_rule,
    &cfn_role_lb_target_group,
    &cfn_role_api_method,
    &cfn_role_forwarder,
    &cfn_role_permission,
    &cfn_role_resource_policy,
    &cfn_role_policy_guarded,
    &cfn_role_bucket,
    &cfn_role_function_url,
    &cfn_role_iam_role,
    &cfn_role_identity_policy,
    &cfn_role_dns_record,
    &cfn_role_distribution,
    &cfn_role_sam_function,
    NULL,
};

const cfn_role *cfn_role_find(const char *name)
{
    for (size_t i = 0; cfn_roles[i]; i++)
        if (!strcmp(cfn_roles[i]->name, name))
            return cfn_roles[i];
    return NULL;
}
