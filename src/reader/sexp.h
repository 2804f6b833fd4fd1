/* What the S-expression reader offers beyond sp_read_sexp (doc.h): the
 * mapping from a string literal's decoded text back to the source, so that
 * a front-end that parses a string's contents (an nftables ruleset written
 * inline in a deploy file) can position its errors inside the literal. */
#ifndef SP_SEXP_H
#define SP_SEXP_H

#include "doc.h"

#include <stddef.h>

/* The source offset of the byte at `decoded_off` of the text of `str`, a
 * string literal node that sp_read_sexp produced (escapes and line
 * continuations accounted for).  An offset at or past the end of the text
 * maps to the closing quote; a node that is not such a literal maps to its
 * own start. */
size_t sp_sexp_string_source_offset(const sp_ctx *ctx, const sp_doc *str, size_t decoded_off);

#endif
