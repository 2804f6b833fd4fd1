/* The run context every stage receives: the run's arena, interned strings,
 * the source files read so far (for positions) and the diagnostics list.
 * A stage reports a problem with sp_error()/sp_warn() and returns failure;
 * it never prints. */
#ifndef SP_CTX_H
#define SP_CTX_H

#include "snipeproof.h"
#include "arena.h"
#include "intern.h"
#include "vec.h"

#include <stdbool.h>
#include <stdint.h>

/* Bounds that keep hostile input from running away (DESIGN §4). */
enum {
    SP_MAX_INPUT_BYTES = 256 * 1024 * 1024,
    SP_MAX_DEPTH = 200,
};

typedef struct sp_source {
    const char *path;
    const char *text;   /* NUL-terminated copy of the whole file */
    size_t len;
    uint32_t *line_starts; /* byte offset of each line: NULL until a position
                              is first shown (ctx.c computes it then) */
    size_t nlines;
} sp_source;

/* A position: a source and a byte offset into it; `len` bytes are
 * underlined.  src == SP_NO_SOURCE means "no position". */
typedef struct sp_loc {
    uint32_t src;
    uint32_t off;
    uint32_t len;
} sp_loc;

#define SP_NO_SOURCE UINT32_MAX
#define SP_NO_LOC ((sp_loc){SP_NO_SOURCE, 0, 0})

typedef struct sp_ctx {
    sp_arena arena;
    sp_name_table names;
    SP_VEC(sp_source) sources;
    SP_VEC(sp_diag) diags;
    unsigned errors, warnings;
    bool out_of_memory;
    /* The request sets interned while a front-end builds a model
     * (model/reqset.h); opaque here, NULL when no pool is open. */
    struct sp_reqset_pool *reqsets;
} sp_ctx;

void sp_ctx_init(sp_ctx *ctx);
void sp_ctx_release(sp_ctx *ctx);

/* Registers a file's bytes (copied) as a source; returns its id or
 * SP_NO_SOURCE when out of memory. */
uint32_t sp_source_add(sp_ctx *ctx, const char *path, const char *text, size_t len);
/* The same without a copy: `text` (NUL-terminated) must outlive the
 * context, e.g. data compiled into the program. */
uint32_t sp_source_add_static(sp_ctx *ctx, const char *path, const char *text, size_t len);
/* Reads a whole file into a new source; on failure records an error. */
bool sp_source_read(sp_ctx *ctx, const char *path, uint32_t *src_out);
const sp_source *sp_source_get(const sp_ctx *ctx, uint32_t src);

/* 1-based line and column (column counted in code points). */
void sp_loc_line_col(const sp_ctx *ctx, sp_loc loc, unsigned *line, unsigned *col);
const char *sp_loc_file(const sp_ctx *ctx, sp_loc loc);

void sp_diag_add(sp_ctx *ctx, sp_severity sev, sp_loc loc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define sp_error(ctx, loc, ...) sp_diag_add((ctx), SP_SEV_ERROR, (loc), __VA_ARGS__)
#define sp_warn(ctx, loc, ...) sp_diag_add((ctx), SP_SEV_WARNING, (loc), __VA_ARGS__)
#define sp_note(ctx, loc, ...) sp_diag_add((ctx), SP_SEV_NOTE, (loc), __VA_ARGS__)

/* The diagnostics recorded so far, to go back to: a stage that tries
 * something may drop what the try reported. */
typedef struct sp_diag_mark {
    size_t len;
    unsigned errors, warnings;
} sp_diag_mark;

sp_diag_mark sp_diag_get_mark(const sp_ctx *ctx);
void sp_diag_rewind(sp_ctx *ctx, sp_diag_mark mark);

/* Records that the arena ran dry; callers return failure afterwards. */
void sp_oom(sp_ctx *ctx);

#endif
