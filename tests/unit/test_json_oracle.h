/* jansson as an oracle for the JSON reader: both must accept the same
 * inputs and, when they do, read the same values.  Shared by the
 * differential unit test (test_json_jansson.c) and the JSON fuzz harness.
 *
 * jansson runs with JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
 * JSON_DECODE_INT_AS_REAL (big integers are read, as reals, instead of
 * rejected).  Intended differences, where the comparison is skipped:
 *   - input holding only whitespace: an empty document for us (doc.h),
 *     an error for jansson;
 *   - a leading UTF-8 byte-order mark: we skip it; jansson is handed the
 *     text after it;
 *   - nesting deeper than SP_MAX_DEPTH: we reject it, jansson allows 2048;
 *   - numbers beyond the range of a double: we keep the text, jansson
 *     reports "real number overflow";
 *   - a NUL byte after a complete value: jansson takes it for the end of
 *     input ("null\0" is accepted), we reject the NUL like any other
 *     stray character. */
#ifndef TEST_JSON_ORACLE_H
#define TEST_JSON_ORACLE_H

#include "reader/doc.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ORACLE_FLAGS = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL };

typedef enum oracle_verdict {
    ORACLE_AGREE,    /* same verdict, same tree */
    ORACLE_EXEMPT,   /* an intended difference (see above) */
    ORACLE_DISAGREE, /* a bug on one side; `why` says what */
} oracle_verdict;

static bool oracle_tree_equal(const sp_doc *d, const json_t *j, const char *text)
{
    switch (d->kind) {
    case SP_DOC_NULL:
        return json_is_null(j);
    case SP_DOC_BOOL:
        return (json_is_true(j) && sp_doc_text_eq(d, "true")) ||
               (json_is_false(j) && sp_doc_text_eq(d, "false"));
    case SP_DOC_NUMBER: {
        /* The text is exactly the source's, and reads as jansson's value. */
        if (d->end - d->off != d->u.scalar.len ||
            memcmp(text + d->off, d->u.scalar.text, d->u.scalar.len) != 0)
            return false;
        return json_is_real(j) && strtod(d->u.scalar.text, NULL) == json_real_value(j);
    }
    case SP_DOC_STRING:
        return json_is_string(j) && json_string_length(j) == d->u.scalar.len &&
               memcmp(json_string_value(j), d->u.scalar.text, d->u.scalar.len) == 0;
    case SP_DOC_SEQ:
        if (!json_is_array(j) || json_array_size(j) != d->u.seq.len)
            return false;
        for (size_t i = 0; i < d->u.seq.len; i++)
            if (!oracle_tree_equal(d->u.seq.items[i], json_array_get(j, i), text))
                return false;
        return true;
    case SP_DOC_MAP:
        if (!json_is_object(j) || json_object_size(j) != d->u.map.len)
            return false;
        for (size_t i = 0; i < d->u.map.len; i++) {
            const sp_doc_pair *p = &d->u.map.pairs[i];
            json_t *v = json_object_get(j, p->key->u.scalar.text);
            if (!v || !oracle_tree_equal(p->value, v, text))
                return false;
        }
        return true;
    default:
        return false;
    }
}

static bool oracle_only_whitespace(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            return false;
    return true;
}

/* Reads `text` with both parsers and compares. */
static oracle_verdict oracle_compare(const char *text, size_t len, char *why, size_t cap)
{
    why[0] = 0;
    size_t skip = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (oracle_only_whitespace(text + skip, len - skip))
        return ORACLE_EXEMPT;
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    oracle_verdict verdict = ORACLE_AGREE;
    uint32_t src = sp_source_add(&ctx, "oracle.json", text, len);
    sp_doc *ours = src == SP_NO_SOURCE ? NULL : sp_read_json(&ctx, src);
    const char *our_error = ctx.diags.len ? ctx.diags.items[0].message : "";
    json_error_t err;
    json_t *theirs = json_loadb(text + skip, len - skip, ORACLE_FLAGS, &err);
    if (!ours && strncmp(our_error, "nesting deeper than", 19) == 0) {
        verdict = ORACLE_EXEMPT;
    } else if (ours && !theirs && strstr(err.text, "overflow")) {
        verdict = ORACLE_EXEMPT;
    } else if (!ours && theirs && strstr(our_error, "found control character U+0000")) {
        verdict = ORACLE_EXEMPT;
    } else if (!ours != !theirs) {
        snprintf(why, cap, "we %s (%s), jansson %s (%s at %d:%d)", ours ? "accept" : "reject",
                 our_error, theirs ? "accepts" : "rejects", theirs ? "" : err.text, err.line,
                 err.column);
        verdict = ORACLE_DISAGREE;
    } else if (ours && !oracle_tree_equal(ours, theirs, text)) {
        snprintf(why, cap, "both accept, the values differ");
        verdict = ORACLE_DISAGREE;
    }
    json_decref(theirs);
    sp_ctx_release(&ctx);
    return verdict;
}

#endif
