/* Pieces the planner files share. */
#ifndef SP_PLANNER_INTERNAL_H
#define SP_PLANNER_INTERNAL_H

#include "planner.h"

/* Finds extra edges for `u`: returns 1 with `fixed` = u plus a minimal set
 * of SP_ORDER_EXTRA edges leaving no window; 0 when none exists (the last
 * windows in *windows); 2 when a bound stopped it (*why); -1 on failure. */
int sp_order_fix(const sp_update *u, const sp_requirements *req, const sp_limits *lim,
                 sp_update *fixed, sp_report *windows, const char **why);

#endif
