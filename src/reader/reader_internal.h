/* What the readers share and nobody else needs: UTF-8 validation, the
 * scratch stack collections are built on, node construction with
 * positions, and the duplicate-key check.  Not part of the reader's
 * interface (that is doc.h). */
#ifndef SP_READER_INTERNAL_H
#define SP_READER_INTERNAL_H

#include "doc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../util/simd.h"

/* ---- UTF-8 ---------------------------------------------------------- */

/* Checks that text[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence).  Returns true
 * when it is; otherwise false with the offset of the first byte that
 * cannot be part of a valid sequence.  `all_ascii` (may be NULL) tells
 * whether every byte is below 0x80, which lets callers skip work. */
bool sp_utf8_validate(const char *text, size_t len, size_t *bad_off, bool *all_ascii);

/* Records the error for invalid UTF-8 at `bad_off` (both readers word it
 * the same way; UTF-16 input gets a hint). */
void sp_utf8_report(sp_ctx *ctx, uint32_t src, const char *text, size_t len, size_t bad_off);

/* The source a reader is about to read, once it is known to be valid
 * UTF-8 (*all_ascii, when not NULL, tells whether every byte is below
 * 0x80); NULL after recording the error otherwise. */
const sp_source *sp_reader_source(sp_ctx *ctx, uint32_t src, bool *all_ascii);

/* Decodes the code point at text[0..len) (assumed valid UTF-8) and returns
 * its length in bytes. */
size_t sp_utf8_decode(const char *text, size_t len, uint32_t *cp);

/* Appends the UTF-8 encoding of `cp` to `out` (room for 4 bytes) and
 * returns the number of bytes written. */
size_t sp_utf8_encode(uint32_t cp, char *out);

/* The value of a hexadecimal digit, or -1. */
int sp_hex_digit(char c);

/* A growable malloc'd text buffer for decoding escapes (the caller frees
 * `text`). */
typedef struct sp_text_buf {
    char *text;
    size_t cap;
} sp_text_buf;

/* Room for `need` bytes; false (out of memory recorded) otherwise. */
bool sp_text_buf_reserve(sp_ctx *ctx, sp_text_buf *b, size_t need);

/* ---- building trees ------------------------------------------------- */

/* The children of every open collection live on one malloc'd stack while
 * the collection is read; closing it copies exactly its children into the
 * arena.  This keeps the arena free of half-grown arrays. */
typedef struct sp_node_stack {
    sp_doc **items;
    size_t len, cap;
} sp_node_stack;

/* Doubles the stack's room; false (out of memory recorded) otherwise. */
bool sp_node_stack_grow(sp_ctx *ctx, sp_node_stack *s);
void sp_node_stack_free(sp_node_stack *s);

/* Inline: every node of a document is pushed once. */
static inline bool sp_node_stack_push(sp_ctx *ctx, sp_node_stack *s, sp_doc *node)
{
    if (s->len == s->cap && !sp_node_stack_grow(ctx, s))
        return false;
    s->items[s->len++] = node;
    return true;
}

/* Nodes are filled field by field rather than zeroed by the arena: a large
 * document has millions of them, and every field is set here anyway.
 * Inline, with sp_reader_scalar, for the same reason. */
static inline void sp_reader_init_node(sp_doc *d, sp_doc_kind kind, uint32_t src, size_t off,
                                       size_t end)
{
    *d = (sp_doc){
        .kind = (uint8_t)kind,
        .src = src,
        .off = (uint32_t)off,
        .end = (uint32_t)(end > off ? end : off),
    };
}

/* A node positioned in `src` at [off, end). */
static inline sp_doc *sp_reader_node(sp_ctx *ctx, sp_doc_kind kind, uint32_t src, size_t off,
                                     size_t end)
{
    sp_doc *d = sp_arena_alloc_raw(&ctx->arena, sizeof *d);
    if (!d) {
        sp_oom(ctx);
        return NULL;
    }
    sp_reader_init_node(d, kind, src, off, end);
    return d;
}

/* A scalar node of `len` bytes of text whose block holds `room` (at least
 * len + 1) bytes after the node, at *text, for the caller to fill, NUL
 * included.  The text shares the node's arena block: half the
 * allocations, and the text sits next to the node that points to it.
 * sizeof(sp_doc) is a multiple of the arena's alignment, so the block is
 * as large as the two allocations it replaces. */
static inline sp_doc *sp_reader_scalar_room(sp_ctx *ctx, sp_doc_kind kind, uint32_t src,
                                            size_t off, size_t end, size_t len, size_t room,
                                            char **text)
{
    sp_doc *d = room < SIZE_MAX / 2 ? sp_arena_alloc_raw(&ctx->arena, sizeof *d + room) : NULL;
    if (!d) {
        sp_oom(ctx);
        return NULL;
    }
    sp_reader_init_node(d, kind, src, off, end);
    *text = (char *)(d + 1);
    d->u.scalar.text = *text;
    d->u.scalar.len = len;
    return d;
}

/* A scalar node with a NUL-terminated copy of text[0..len). */
static inline sp_doc *sp_reader_scalar(sp_ctx *ctx, sp_doc_kind kind, uint32_t src, size_t off,
                                       size_t end, const char *text, size_t len)
{
    char *copy;
    sp_doc *d = sp_reader_scalar_room(ctx, kind, src, off, end, len, len + 1, &copy);
    if (!d)
        return NULL;
    if (len)
        memcpy(copy, text, len);
    copy[len] = 0;
    return d;
}

/* Moves s->items[from..len) into `coll` (a SEQ, or a MAP whose children
 * alternate key, value) and pops them. */
bool sp_reader_finish_collection(sp_ctx *ctx, sp_node_stack *s, size_t from, sp_doc *coll);

/* Rejects a map whose keys repeat: the error sits at the second
 * occurrence and names the line of the first.  Linear in the number of
 * pairs (a hash table above a handful of keys). */
bool sp_reader_check_duplicates(sp_ctx *ctx, const sp_doc *map);

/* An sp_loc for [off, off+len) in src. */
static inline sp_loc sp_reader_loc(uint32_t src, size_t off, size_t len)
{
    sp_loc l = {src, (uint32_t)off, (uint32_t)(len ? len : 1)};
    return l;
}

/* 64-bit FNV-1a; shared by the duplicate check and sp_doc_hash. */
uint64_t sp_reader_hash_bytes(const char *p, size_t n, uint64_t seed);

#endif
