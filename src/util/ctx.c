#include "ctx.h"
#include "simd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { ARENA_LIMIT_BYTES = 0 };

void sp_ctx_init(sp_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    sp_arena_init(&ctx->arena, ARENA_LIMIT_BYTES);
    sp_intern_init(&ctx->names, &ctx->arena);
}

void sp_ctx_release(sp_ctx *ctx)
{
    for (size_t i = 0; i < ctx->sources.len; i++)
        free(ctx->sources.items[i].line_starts);
    sp_arena_release(&ctx->arena);
    memset(ctx, 0, sizeof *ctx);
}

void sp_oom(sp_ctx *ctx)
{
    if (ctx->out_of_memory)
        return;
    ctx->out_of_memory = true;
    sp_error(ctx, SP_NO_LOC, "out of memory");
}

/* Registers text the context may keep as it is (in its arena, or static). */
static uint32_t add_source(sp_ctx *ctx, const char *path, const char *text, size_t len)
{
    sp_source s = {0};
    s.path = sp_arena_strdup(&ctx->arena, path);
    s.text = text;
    s.len = len;
    if (!s.path || !s.text || !sp_vec_push(&ctx->arena, &ctx->sources, s)) {
        sp_oom(ctx);
        return SP_NO_SOURCE;
    }
    return (uint32_t)(ctx->sources.len - 1);
}

uint32_t sp_source_add(sp_ctx *ctx, const char *path, const char *text, size_t len)
{
    return add_source(ctx, path, sp_arena_strndup(&ctx->arena, text, len), len);
}

uint32_t sp_source_add_static(sp_ctx *ctx, const char *path, const char *text, size_t len)
{
    return add_source(ctx, path, text, len);
}

/* Reads a regular file straight into the arena: one copy, and no buffer
 * twice the file's size.  Returns false (nothing reported) when the file is
 * not regular or changes size while read; the caller then reads it in
 * pieces. */
static bool read_whole(sp_ctx *ctx, FILE *f, const char *path, char **text, size_t *len,
                       bool *failed)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    if (st.st_size > SP_MAX_INPUT_BYTES) {
        sp_error(ctx, SP_NO_LOC, "%s: file is larger than %d MiB", path,
                 SP_MAX_INPUT_BYTES / (1024 * 1024));
        *failed = true;
        return true;
    }
    size_t size = (size_t)st.st_size;
    char *buf = sp_arena_alloc_raw(&ctx->arena, size + 1);
    if (!buf) {
        sp_oom(ctx);
        *failed = true;
        return true;
    }
    size_t got = size ? fread(buf, 1, size, f) : 0;
    if (got != size || fgetc(f) != EOF) {
        if (ferror(f)) {
            sp_error(ctx, SP_NO_LOC, "%s: cannot read: %s", path, strerror(errno));
            *failed = true;
            return true;
        }
        rewind(f);
        return false; /* it changed under us: read it the slow way */
    }
    buf[size] = 0;
    *text = buf;
    *len = size;
    return true;
}

bool sp_source_read(sp_ctx *ctx, const char *path, uint32_t *src_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sp_error(ctx, SP_NO_LOC, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    char *text = NULL;
    size_t len = 0;
    bool failed = false;
    if (read_whole(ctx, f, path, &text, &len, &failed)) {
        fclose(f);
        if (failed)
            return false;
        uint32_t id = add_source(ctx, path, text, len);
        if (id == SP_NO_SOURCE)
            return false;
        *src_out = id;
        return true;
    }
    size_t cap = 64 * 1024;
    char *buf = NULL;
    bool ok = true;
    for (;;) {
        char *nb = realloc(buf, cap);
        if (!nb) {
            ok = false;
            sp_oom(ctx);
            break;
        }
        buf = nb;
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > SP_MAX_INPUT_BYTES) {
            ok = false;
            sp_error(ctx, SP_NO_LOC, "%s: file is larger than %d MiB", path,
                     SP_MAX_INPUT_BYTES / (1024 * 1024));
            break;
        }
        if (got == 0) {
            if (ferror(f)) {
                ok = false;
                sp_error(ctx, SP_NO_LOC, "%s: cannot read: %s", path, strerror(errno));
            }
            break;
        }
        if (len == cap)
            cap *= 2;
    }
    fclose(f);
    if (ok) {
        uint32_t id = sp_source_add(ctx, path, buf ? buf : "", len);
        ok = id != SP_NO_SOURCE;
        if (ok)
            *src_out = id;
    }
    free(buf);
    return ok;
}

const sp_source *sp_source_get(const sp_ctx *ctx, uint32_t src)
{
    return src < ctx->sources.len ? &ctx->sources.items[src] : NULL;
}

const char *sp_loc_file(const sp_ctx *ctx, sp_loc loc)
{
    const sp_source *s = sp_source_get(ctx, loc.src);
    return s ? s->path : NULL;
}

/* Where each line starts, computed the first time a position is shown:
 * most runs show few, and a large input has millions of lines.  Kept
 * outside the arena (freed by sp_ctx_release), so that resetting the arena
 * to a mark never takes it away. */
/* Doubles the line-start table (freeing it when that fails). */
static uint32_t *grow_starts(uint32_t *starts, size_t *cap)
{
    uint32_t *more = realloc(starts, *cap * 2 * sizeof *starts);
    if (!more) {
        free(starts);
        return NULL;
    }
    *cap *= 2;
    return more;
}

static const uint32_t *line_starts(const sp_ctx *ctx, const sp_source *cs)
{
    if (cs->line_starts)
        return cs->line_starts;
    sp_source *s = &((sp_ctx *)ctx)->sources.items[cs - ctx->sources.items];
    /* One pass, sixteen bytes at a time where SSE2 is there: templates are
     * mostly short lines, so a call per line would cost more than the scan. */
    size_t cap = 1024, n = 0;
    uint32_t *starts = malloc(cap * sizeof *starts);
    if (!starts)
        return NULL;
    starts[n++] = 0;
    const unsigned char *t = (const unsigned char *)s->text;
    size_t i = 0;
#ifdef SP_SSE2
    const __m128i nl = _mm_set1_epi8('\n');
    for (; i + 16 <= s->len; i += 16) {
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(t + i)), nl));
        for (; mask; mask &= mask - 1) {
            if (n == cap && !(starts = grow_starts(starts, &cap)))
                return NULL;
            starts[n++] = (uint32_t)(i + (size_t)__builtin_ctz(mask) + 1);
        }
    }
#endif
    for (; i < s->len; i++) {
        if (t[i] != '\n')
            continue;
        if (n == cap && !(starts = grow_starts(starts, &cap)))
            return NULL;
        starts[n++] = (uint32_t)(i + 1);
    }
    s->line_starts = starts;
    s->nlines = n;
    return starts;
}

static size_t line_index(const sp_source *s, const uint32_t *starts, uint32_t off)
{
    size_t lo = 0, hi = s->nlines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static unsigned code_points(const char *p, size_t n)
{
    unsigned c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

void sp_loc_line_col(const sp_ctx *ctx, sp_loc loc, unsigned *line, unsigned *col)
{
    const sp_source *s = sp_source_get(ctx, loc.src);
    if (!s) {
        *line = *col = 0;
        return;
    }
    const uint32_t *starts = line_starts(ctx, s);
    if (!starts) {
        *line = *col = 0;
        return;
    }
    uint32_t off = loc.off > s->len ? (uint32_t)s->len : loc.off;
    size_t li = line_index(s, starts, off);
    *line = (unsigned)li + 1;
    *col = code_points(s->text + starts[li], off - starts[li]) + 1;
}

sp_diag_mark sp_diag_get_mark(const sp_ctx *ctx)
{
    sp_diag_mark m = {ctx->diags.len, ctx->errors, ctx->warnings};
    return m;
}

void sp_diag_rewind(sp_ctx *ctx, sp_diag_mark mark)
{
    ctx->diags.len = mark.len;
    ctx->errors = mark.errors;
    ctx->warnings = mark.warnings;
}

void sp_diag_add(sp_ctx *ctx, sp_severity sev, sp_loc loc, const char *fmt, ...)
{
    sp_diag d = {0};
    d.severity = sev;
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    d.message = sp_arena_strdup(&ctx->arena, tmp);
    const sp_source *s = sp_source_get(ctx, loc.src);
    const uint32_t *starts = s ? line_starts(ctx, s) : NULL;
    if (s && !starts)
        ctx->out_of_memory = true;
    if (starts) {
        d.file = s->path;
        sp_loc_line_col(ctx, loc, &d.line, &d.column);
        uint32_t off = loc.off > s->len ? (uint32_t)s->len : loc.off;
        size_t li = line_index(s, starts, off);
        size_t start = starts[li], end = start;
        while (end < s->len && s->text[end] != '\n' && s->text[end] != '\r')
            end++;
        d.source_line = sp_arena_strndup(&ctx->arena, s->text + start, end - start);
        size_t span_end = (size_t)off + (loc.len ? loc.len : 1); /* no uint32 wrap */
        if (span_end > end)
            span_end = end > off ? end : off + 1;
        d.span = end > off ? code_points(s->text + off, span_end - off) : 1;
        if (d.span == 0)
            d.span = 1;
    }
    if (sev == SP_SEV_ERROR)
        ctx->errors++;
    else if (sev == SP_SEV_WARNING)
        ctx->warnings++;
    if (!d.message || !sp_vec_push(&ctx->arena, &ctx->diags, d))
        ctx->out_of_memory = true;
}
