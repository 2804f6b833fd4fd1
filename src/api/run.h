/* The object behind the public sp_run handle. */
#ifndef SP_RUN_H
#define SP_RUN_H

#include "snipeproof.h"
#include "../analysis/analysis.h"
#include "../analysis/graph.h"
#include "../frontend/frontend.h"
#include "../planner/planner.h"

/* An input given as text rather than as a file (sp_run_add_input). */
typedef struct sp_run_input {
    const char *name, *text;
    size_t len;
} sp_run_input;

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
    /* sp_run_add_input: inputs given as text (e.g. read from git). */
    SP_VEC(sp_run_input) inputs;
    bool single;     /* loaded one configuration (old_path NULL) */
    sp_state_graph graph_old, graph_new; /* sp_run_graph */
    bool graphed;
    const char *topology; /* sp_run_set_topology: OLD and NEW are guix deploy files */
};

#endif
