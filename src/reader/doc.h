/* The document tree every reader produces and every front-end consumes.
 * YAML, JSON and S-expressions all end up here; each node keeps
 * where it came from.  Nodes live in the run's arena. */
#ifndef SP_DOC_H
#define SP_DOC_H

#include "../util/ctx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sp_doc_kind {
    SP_DOC_NULL,
    SP_DOC_BOOL,
    SP_DOC_NUMBER,
    SP_DOC_STRING,
    SP_DOC_SEQ,
    SP_DOC_MAP,
} sp_doc_kind;

enum sp_doc_flags {
    SP_DOC_QUOTED = 1,        /* scalar was quoted in the source */
    SP_DOC_FROM_SHORT_TAG = 2,/* map built from a YAML short tag (!Ref X); or an
                               * S-expression list built from a prefix ('x is
                               * (quote x), #~x is (gexp x), ...) */
    SP_DOC_FLOW = 4,          /* YAML flow collection or JSON */
    /* S-expressions (sexp.c): */
    SP_DOC_SYMBOL = 8,        /* a symbol (a SP_DOC_STRING, text as written) */
    SP_DOC_KEYWORD = 16,      /* a keyword #:foo (a SP_DOC_STRING, text "foo") */
    SP_DOC_CHAR = 32,         /* a character #\a (a SP_DOC_STRING, its UTF-8) */
    SP_DOC_VECTOR = 64,       /* a vector #( ... ) (a SP_DOC_SEQ) */
    SP_DOC_DOTTED = 128,      /* a list (a b . c) (a SP_DOC_SEQ; its last item is the tail) */
};

typedef struct sp_doc sp_doc;
typedef struct sp_doc_pair sp_doc_pair;

struct sp_doc {
    uint8_t kind;   /* sp_doc_kind */
    uint8_t flags;  /* sp_doc_flags */
    uint32_t src;   /* source id */
    uint32_t off;   /* byte offset of the node's first character */
    uint32_t end;   /* byte offset just past the node */
    union {
        struct { const char *text; size_t len; } scalar; /* NUL-terminated */
        struct { sp_doc **items; size_t len; } seq;
        struct { sp_doc_pair *pairs; size_t len; } map;
    } u;
};

/* Map keys are always scalars (DESIGN: duplicate keys are rejected by the
 * readers, so a key occurs at most once per map). */
struct sp_doc_pair {
    sp_doc *key;
    sp_doc *value;
};

static inline sp_loc sp_doc_loc(const sp_doc *d)
{
    sp_loc l = {d->src, d->off, d->end > d->off ? d->end - d->off : 1};
    return l;
}

static inline bool sp_doc_is_scalar(const sp_doc *d)
{
    return d && d->kind <= SP_DOC_STRING;
}

/* Scalar text; NULL for collections. */
const char *sp_doc_text(const sp_doc *d);
bool sp_doc_text_eq(const sp_doc *d, const char *s);
/* The value of a SP_DOC_BOOL node (its text may be any spelling YAML 1.1
 * allows: true/True/TRUE, yes, on … as CloudFormation reads them); false
 * when d is not a boolean. */
bool sp_doc_bool_value(const sp_doc *d, bool *value);
/* The value under `key` in a map, or NULL. */
sp_doc *sp_doc_get(const sp_doc *map, const char *key);
/* The pair whose key is `key`, or NULL. */
const sp_doc_pair *sp_doc_get_pair(const sp_doc *map, const char *key);
/* Structural equality: maps regardless of key order; scalars by text (a
 * JSON 22 equals a YAML "22", as CloudFormation treats them). */
bool sp_doc_equal(const sp_doc *a, const sp_doc *b);
/* A hash consistent with sp_doc_equal. */
uint64_t sp_doc_hash(const sp_doc *d);

/* Constructors used by readers and front-ends. */
sp_doc *sp_doc_new_scalar(sp_ctx *ctx, sp_doc_kind kind, const char *text, size_t len);
sp_doc *sp_doc_new(sp_ctx *ctx, sp_doc_kind kind);

/* Format detection by content (DESIGN §5: input kinds are recognised from
 * content, not by file name). */
typedef enum sp_syntax { SP_SYNTAX_JSON, SP_SYNTAX_YAML, SP_SYNTAX_SEXP } sp_syntax;
sp_syntax sp_detect_syntax(const char *text, size_t len);

/* Readers.  On failure they record a positioned error in ctx and return
 * NULL.  An empty document yields a SP_DOC_NULL node. */
sp_doc *sp_read_json(sp_ctx *ctx, uint32_t src);
sp_doc *sp_read_yaml(sp_ctx *ctx, uint32_t src);
/* S-expressions (Guile's syntax, for guix deploy files; sexp.c): the file
 * is a SP_DOC_SEQ of its top-level forms.  Mapping in src/reader/README.md. */
sp_doc *sp_read_sexp(sp_ctx *ctx, uint32_t src);
/* Detects the syntax and reads with the matching reader. */
sp_doc *sp_read_document(sp_ctx *ctx, uint32_t src);

#endif
