/* The object behind the public sp_run handle. */
#ifndef SP_RUN_H
#define SP_RUN_H

#include "snipeproof.h"
#include "../analysis/analysis.h"
#include "../frontend/frontend.h"
#include "../planner/planner.h"

struct sp_run {
    sp_ctx ctx;
    bool flags[4];
    SP_VEC(sp_param) params;
    SP_VEC(const char *) types_files;
    sp_limits limits;
    sp_direction direction;
    sp_input_kind kind;
    sp_model model;
    sp_update update;
    bool loaded;
    sp_requirements *requirements;
    sp_report report;
    bool checked;
    sp_plan plan;    /* sp_run_plan */
    bool planned;
};

#endif
