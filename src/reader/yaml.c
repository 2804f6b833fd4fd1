/* The YAML reader: libyaml's event parser, turned into a positioned
 * document tree for CloudFormation's YAML 1.1 subset.
 *
 * What it does beyond plain YAML (src/reader/README.md has the reasons):
 *   - every CloudFormation short-form tag becomes its long form, so
 *     `!Ref X` reads exactly as {"Ref": "X"} and `!GetAtt A.B.C` as
 *     {"Fn::GetAtt": ["A", "B.C"]}; the built map and its key are flagged
 *     SP_DOC_FROM_SHORT_TAG and sit at the tag;
 *   - any other tag is an error, except the standard scalar and collection
 *     tags (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq);
 *   - aliases are rejected (CloudFormation rejects them too), so no input
 *     can expand; anchors alone are harmless and ignored;
 *   - plain scalars get a kind following YAML 1.1 as CloudFormation reads
 *     it: yes/no/on/off are booleans; the text is always kept as written;
 *   - one document per file, keys are scalars and unique, nesting is
 *     bounded by SP_MAX_DEPTH, the input must be valid UTF-8, and scalars
 *     may not contain NUL.
 *
 * Positions: libyaml marks count characters, not bytes; they are turned
 * into byte offsets with a table of checkpoints built once per file. */
#include "reader_internal.h"

#include <yaml.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- CloudFormation short-form tags --------------------------------- */

typedef struct short_tag {
    const char *tag;  /* as libyaml resolves it: "!Ref" */
    const char *name; /* the long form's key: "Ref" */
} short_tag;

/* Intrinsic functions, condition functions and the rule functions of a
 * template's Rules section. */
static const short_tag SHORT_TAGS[] = {
    {"!Ref", "Ref"},
    {"!Condition", "Condition"},
    {"!GetAtt", "Fn::GetAtt"},
    {"!Sub", "Fn::Sub"},
    {"!If", "Fn::If"},
    {"!Join", "Fn::Join"},
    {"!Select", "Fn::Select"},
    {"!Split", "Fn::Split"},
    {"!FindInMap", "Fn::FindInMap"},
    {"!ImportValue", "Fn::ImportValue"},
    {"!GetAZs", "Fn::GetAZs"},
    {"!Base64", "Fn::Base64"},
    {"!Cidr", "Fn::Cidr"},
    {"!Equals", "Fn::Equals"},
    {"!And", "Fn::And"},
    {"!Or", "Fn::Or"},
    {"!Not", "Fn::Not"},
    {"!Transform", "Fn::Transform"},
    {"!Length", "Fn::Length"},
    {"!ToJsonString", "Fn::ToJsonString"},
    {"!Contains", "Fn::Contains"},
    {"!EachMemberEquals", "Fn::EachMemberEquals"},
    {"!EachMemberIn", "Fn::EachMemberIn"},
    {"!RefAll", "Fn::RefAll"},
    {"!ValueOf", "Fn::ValueOf"},
    {"!ValueOfAll", "Fn::ValueOfAll"},
};

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

typedef enum tag_class {
    TAG_NONE,     /* no tag, or the non-specific "!" */
    TAG_SHORT,    /* a CloudFormation short form */
    TAG_STR,
    TAG_INT,
    TAG_FLOAT,
    TAG_BOOL,
    TAG_NULL,
    TAG_MAP,
    TAG_SEQ,
    TAG_UNKNOWN,
} tag_class;

static tag_class classify_tag(const char *tag, const short_tag **short_out)
{
    *short_out = NULL;
    if (!tag || strcmp(tag, "!") == 0)
        return TAG_NONE;
    for (size_t i = 0; i < sizeof SHORT_TAGS / sizeof *SHORT_TAGS; i++)
        if (strcmp(tag, SHORT_TAGS[i].tag) == 0) {
            *short_out = &SHORT_TAGS[i];
            return TAG_SHORT;
        }
    static const struct {
        const char *name;
        tag_class cls;
    } standard[] = {{"str", TAG_STR},     {"int", TAG_INT}, {"float", TAG_FLOAT},
                    {"bool", TAG_BOOL},   {"null", TAG_NULL}, {"map", TAG_MAP},
                    {"seq", TAG_SEQ}};
    size_t plen = strlen(YAML_TAG_PREFIX);
    if (strncmp(tag, YAML_TAG_PREFIX, plen) == 0)
        for (size_t i = 0; i < sizeof standard / sizeof *standard; i++)
            if (strcmp(tag + plen, standard[i].name) == 0)
                return standard[i].cls;
    return TAG_UNKNOWN;
}

/* ---- plain scalar resolution (YAML 1.1) ------------------------------ */

static bool matches_any(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(s, *words, n) == 0)
            return true;
    return false;
}

/* The word lists are short words: longer scalars (most of a template)
 * skip them at once. */
static bool is_null_text(const char *s, size_t n)
{
    static const char *const words[] = {"~", "null", "Null", "NULL", NULL};
    return n == 0 || (n <= 4 && matches_any(s, n, words));
}

/* YAML 1.1's booleans as SnakeYAML and PyYAML read them (CloudFormation
 * turns an unquoted yes into "true"); the single letters y/n of the 1.1
 * type repository are left strings, as those parsers do. */
static bool is_bool_text(const char *s, size_t n)
{
    static const char *const words[] = {"true", "True", "TRUE", "false", "False", "FALSE",
                                        "yes",  "Yes",  "YES",  "no",    "No",    "NO",
                                        "on",   "On",   "ON",   "off",   "Off",   "OFF",
                                        NULL};
    return n >= 2 && n <= 5 && matches_any(s, n, words);
}

static bool in_set(char c, const char *set)
{
    return c && strchr(set, c) != NULL;
}

/* Digits from `set` and '_' separators, at least one digit. */
static size_t digits(const char *s, size_t n, size_t i, const char *set, bool *any)
{
    *any = false;
    while (i < n && (in_set(s[i], set) || s[i] == '_')) {
        if (s[i] != '_')
            *any = true;
        i++;
    }
    return i;
}

/* Numbers of YAML 1.1: decimal, 0x hex, 0b binary, 0-prefixed octal, '_'
 * separators, floats with or without exponent, .inf and .nan.
 * Sexagesimal forms (1:30) stay strings: they read as times and MAC-like
 * values far more often than as numbers. */
static bool is_number_text(const char *s, size_t n)
{
    static const char *const special[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                          "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
                                          NULL};
    if ((n == 4 || n == 5) && matches_any(s, n, special))
        return true;
    size_t i = 0;
    bool any;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i == n || s[i] == '_')
        return false;
    if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'b')) {
        const char *set = s[i + 1] == 'x' ? "0123456789abcdefABCDEF" : "01";
        size_t j = digits(s, n, i + 2, set, &any);
        return any && j == n;
    }
    const char *dec = "0123456789";
    bool int_digits;
    size_t j = digits(s, n, i, dec, &int_digits);
    bool frac_digits = false;
    bool is_float = false;
    if (j < n && s[j] == '.') {
        is_float = true;
        j = digits(s, n, j + 1, dec, &frac_digits);
    }
    if (!int_digits && !frac_digits)
        return false;
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        is_float = true;
        j++;
        if (j < n && (s[j] == '-' || s[j] == '+'))
            j++;
        bool exp_digits;
        size_t k = j;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        exp_digits = k > j;
        if (!exp_digits)
            return false;
        j = k;
    }
    if (j != n)
        return false;
    if (!is_float && s[i] == '0' && n - i > 1) {
        /* A leading zero makes an octal number; 8 and 9 make a string. */
        for (size_t k = i; k < n; k++)
            if (s[k] == '8' || s[k] == '9')
                return false;
    }
    return true;
}

static sp_doc_kind resolve_plain(const char *s, size_t n)
{
    if (is_null_text(s, n))
        return SP_DOC_NULL;
    if (is_bool_text(s, n))
        return SP_DOC_BOOL;
    if (is_number_text(s, n))
        return SP_DOC_NUMBER;
    return SP_DOC_STRING;
}

/* ---- positions ------------------------------------------------------ */

enum { CHECKPOINT_EVERY = 64 };

typedef struct yaml_reader {
    sp_ctx *ctx;
    uint32_t src;
    const char *text;
    size_t len;
    bool ascii;                /* char index == byte offset */
    uint32_t *checkpoints;     /* byte offset of every CHECKPOINT_EVERY-th char */
    size_t ncheckpoints;
    size_t cursor_index, cursor_off; /* the last mark converted */

    sp_node_stack stack;
    struct frame {
        sp_doc *node;          /* the collection being read */
        size_t base;           /* its children start here on the stack */
        const short_tag *wrap; /* a short tag to apply when it closes */
        uint32_t tag_off, tag_end;
    } *frames;
    size_t depth;
    sp_doc *root;
    bool seen_document;
} yaml_reader;

static bool build_checkpoints(yaml_reader *r)
{
    size_t chars = 0;
    for (size_t i = 0; i < r->len; i++)
        chars += ((unsigned char)r->text[i] & 0xC0) != 0x80;
    r->ncheckpoints = chars / CHECKPOINT_EVERY + 1;
    r->checkpoints = malloc(r->ncheckpoints * sizeof *r->checkpoints);
    if (!r->checkpoints) {
        sp_oom(r->ctx);
        return false;
    }
    size_t c = 0;
    for (size_t i = 0; i < r->len; i++) {
        if (((unsigned char)r->text[i] & 0xC0) == 0x80)
            continue;
        if (c % CHECKPOINT_EVERY == 0)
            r->checkpoints[c / CHECKPOINT_EVERY] = (uint32_t)i;
        c++;
    }
    if (c % CHECKPOINT_EVERY == 0)
        r->checkpoints[c / CHECKPOINT_EVERY] = (uint32_t)r->len;
    return true;
}

/* Byte offset of libyaml's character index.  Marks mostly move forward,
 * so the walk starts from the previous mark when that is closer than the
 * checkpoint. */
static size_t byte_offset(yaml_reader *r, size_t index)
{
    if (r->ascii)
        return index < r->len ? index : r->len;
    size_t k = index / CHECKPOINT_EVERY;
    if (k >= r->ncheckpoints)
        return r->len;
    size_t from = k * CHECKPOINT_EVERY, off = r->checkpoints[k];
    if (r->cursor_index <= index && r->cursor_index > from) {
        from = r->cursor_index;
        off = r->cursor_off;
    }
    for (size_t left = index - from; left && off < r->len; left--) {
        off++;
        while (off < r->len && ((unsigned char)r->text[off] & 0xC0) == 0x80)
            off++;
    }
    r->cursor_index = index;
    r->cursor_off = off;
    return off;
}

static size_t mark_offset(yaml_reader *r, yaml_mark_t m)
{
    return byte_offset(r, m.index);
}

/* Where a node's properties (anchor, tag) and its content begin.  libyaml
 * marks a node from its first property; the tag's own extent and the
 * content's start are found in the text. */
typedef struct node_span {
    size_t tag_off, tag_end; /* equal when there is no tag */
    size_t content;
} node_span;

static bool is_blank_or_break(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A tag ends at a blank or a flow indicator. */
static bool ends_tag(char c)
{
    return is_blank_or_break(c) || c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

/* libyaml's anchor names: letters, digits, '_' and '-'. */
static bool is_anchor_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_' || c == '-';
}

/* Skips blanks, line breaks and comments. */
static size_t skip_separation(const yaml_reader *r, size_t i)
{
    while (i < r->len) {
        char c = r->text[i];
        if (is_blank_or_break(c))
            i++;
        else if (c == '#' && (i == 0 || is_blank_or_break(r->text[i - 1])))
            while (i < r->len && r->text[i] != '\n')
                i++;
        else
            break;
    }
    return i;
}

/* The node's properties start at `off`: exactly as many as the event has
 * (a tag, an anchor, or both, in either order). */
static node_span scan_properties(const yaml_reader *r, size_t off, bool has_tag, bool has_anchor)
{
    node_span sp = {off, off, off};
    size_t i = off;
    int left = has_tag + has_anchor;
    bool found_tag = false;
    while (left > 0 && i < r->len) {
        size_t start = i;
        if (r->text[i] == '!') {
            if (i + 1 < r->len && r->text[i + 1] == '<') {
                while (i < r->len && r->text[i] != '>' && !is_blank_or_break(r->text[i]))
                    i++;
                if (i < r->len && r->text[i] == '>')
                    i++;
            } else {
                while (i < r->len && !ends_tag(r->text[i]))
                    i++;
            }
            sp.tag_off = start;
            sp.tag_end = i;
            found_tag = true;
        } else if (r->text[i] == '&') {
            i++;
            while (i < r->len && is_anchor_char(r->text[i]))
                i++;
        } else {
            break; /* not where a property should be: leave the rest alone */
        }
        if (--left > 0)
            i = skip_separation(r, i);
    }
    sp.content = left == 0 ? skip_separation(r, i) : i;
    if (sp.content > r->len)
        sp.content = r->len;
    if (!found_tag)
        sp.tag_off = sp.tag_end = sp.content;
    return sp;
}

/* How a tag is shown in messages: "!!binary" rather than the full URI. */
static void describe_tag(const char *tag, char *out, size_t cap)
{
    size_t plen = strlen(YAML_TAG_PREFIX);
    if (strncmp(tag, YAML_TAG_PREFIX, plen) == 0)
        snprintf(out, cap, "!!%s", tag + plen);
    else if (tag[0] == '!')
        snprintf(out, cap, "%s", tag);
    else
        snprintf(out, cap, "!<%s>", tag);
}

static void report_unknown_tag(yaml_reader *r, const char *tag, node_span sp)
{
    char shown[128];
    describe_tag(tag, shown, sizeof shown);
    sp_loc loc = sp_reader_loc(r->src, sp.tag_off, sp.tag_end - sp.tag_off);
    for (size_t i = 0; i < sizeof SHORT_TAGS / sizeof *SHORT_TAGS; i++) {
        /* A wrong case (!ref, !getatt) is the usual slip. */
        const char *a = tag, *b = SHORT_TAGS[i].tag;
        while (*a && *b && (*a | 0x20) == (*b | 0x20))
            a++, b++;
        if (!*a && !*b) {
            sp_error(r->ctx, loc, "unknown tag %s (did you mean %s?)", shown, SHORT_TAGS[i].tag);
            return;
        }
    }
    if (strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) == 0)
        sp_error(r->ctx, loc,
                 "unsupported tag %s (CloudFormation accepts !!str, !!int, !!float, !!bool, "
                 "!!null, !!map and !!seq)",
                 shown);
    else
        sp_error(r->ctx, loc, "unknown tag %s", shown);
}

/* ---- building ------------------------------------------------------- */

/* {name: value}, positioned at the tag and flagged as built from it. */
static sp_doc *wrap_short_tag(yaml_reader *r, const short_tag *t, size_t tag_off,
                              size_t tag_end, sp_doc *value)
{
    sp_doc *key = sp_reader_scalar(r->ctx, SP_DOC_STRING, r->src, tag_off, tag_end, t->name,
                                   strlen(t->name));
    sp_doc *map = sp_reader_node(r->ctx, SP_DOC_MAP, r->src, tag_off, value->end);
    sp_doc_pair *pair = sp_arena_alloc(&r->ctx->arena, sizeof *pair);
    if (!key || !map || !pair) {
        sp_oom(r->ctx);
        return NULL;
    }
    key->flags |= SP_DOC_FROM_SHORT_TAG;
    map->flags |= SP_DOC_FROM_SHORT_TAG;
    pair->key = key;
    pair->value = value;
    map->u.map.pairs = pair;
    map->u.map.len = 1;
    return map;
}

/* `!GetAtt A.B.C` names attribute "B.C" of resource "A": split at the
 * first dot, as CloudFormation does.  Without a dot the scalar stays as it
 * is (the front-end reports the malformed reference). */
static sp_doc *split_getatt(yaml_reader *r, sp_doc *scalar, bool plain)
{
    const char *dot = memchr(scalar->u.scalar.text, '.', scalar->u.scalar.len);
    if (!dot)
        return scalar;
    size_t head = (size_t)(dot - scalar->u.scalar.text);
    size_t tail = scalar->u.scalar.len - head - 1;
    /* A plain scalar on one line maps text to source one to one; for other
     * styles both parts point at the whole scalar. */
    bool exact = plain && scalar->end - scalar->off == scalar->u.scalar.len;
    size_t a_off = scalar->off, a_end = exact ? scalar->off + head : scalar->end;
    size_t b_off = exact ? scalar->off + head + 1 : scalar->off, b_end = scalar->end;
    sp_doc *seq = sp_reader_node(r->ctx, SP_DOC_SEQ, r->src, scalar->off, scalar->end);
    sp_doc *a = sp_reader_scalar(r->ctx, SP_DOC_STRING, r->src, a_off, a_end,
                                 scalar->u.scalar.text, head);
    sp_doc *b = sp_reader_scalar(r->ctx, SP_DOC_STRING, r->src, b_off, b_end, dot + 1, tail);
    sp_doc **items = sp_arena_calloc(&r->ctx->arena, 2, sizeof *items);
    if (!seq || !a || !b || !items) {
        sp_oom(r->ctx);
        return NULL;
    }
    a->flags = b->flags = scalar->flags & SP_DOC_QUOTED;
    seq->flags |= SP_DOC_FROM_SHORT_TAG;
    items[0] = a;
    items[1] = b;
    seq->u.seq.items = items;
    seq->u.seq.len = 2;
    return seq;
}

static const char *kind_name(const sp_doc *d)
{
    switch (d->kind) {
    case SP_DOC_SEQ:
        return "sequence";
    case SP_DOC_MAP:
        return "mapping";
    default:
        return "scalar";
    }
}

/* Hands a finished node to its parent (or makes it the root). */
static bool add_node(yaml_reader *r, sp_doc *node)
{
    if (r->depth == 0) {
        r->root = node;
        return true;
    }
    struct frame *f = &r->frames[r->depth - 1];
    if (f->node->kind == SP_DOC_MAP && (r->stack.len - f->base) % 2 == 0 &&
        !sp_doc_is_scalar(node)) {
        sp_error(r->ctx, sp_doc_loc(node),
                 "a mapping key must be a scalar, not a %s%s", kind_name(node),
                 node->flags & SP_DOC_FROM_SHORT_TAG ? " built from a tag" : "");
        return false;
    }
    return sp_node_stack_push(r->ctx, &r->stack, node);
}

static bool on_scalar(yaml_reader *r, const yaml_event_t *ev)
{
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    yaml_scalar_style_t style = ev->data.scalar.style;
    size_t start = mark_offset(r, ev->start_mark), end = mark_offset(r, ev->end_mark);
    node_span sp = {start, start, start};
    if (tag || ev->data.scalar.anchor)
        sp = scan_properties(r, start, tag != NULL, ev->data.scalar.anchor != NULL);
    if (sp.content > end)
        sp.content = end;
    if (memchr(value, '\0', len)) {
        sp_error(r->ctx, sp_reader_loc(r->src, sp.content, end - sp.content),
                 "a NUL character (\\0) is not allowed in a scalar");
        return false;
    }
    bool plain = style == YAML_PLAIN_SCALAR_STYLE;
    bool quoted = style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                  style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    const short_tag *st;
    tag_class cls = classify_tag(tag, &st);
    sp_doc_kind kind;
    switch (cls) {
    case TAG_NONE:
        kind = plain && !(tag && strcmp(tag, "!") == 0) ? resolve_plain(value, len)
                                                       : SP_DOC_STRING;
        break;
    case TAG_SHORT:
        /* `!GetAZs` with nothing after it: an empty plain scalar is null in
         * YAML, and converters write {"Fn::GetAZs": null} for it. */
        kind = plain && len == 0 ? SP_DOC_NULL : SP_DOC_STRING;
        break;
    case TAG_STR:
        kind = SP_DOC_STRING;
        break;
    case TAG_INT:
    case TAG_FLOAT:
    case TAG_BOOL:
    case TAG_NULL: {
        static const char *const names[] = {"",          "",         "",          "an integer",
                                            "a number", "a boolean", "null (~ or empty)"};
        bool fits = cls == TAG_BOOL   ? is_bool_text(value, len)
                    : cls == TAG_NULL ? is_null_text(value, len)
                                      : is_number_text(value, len);
        if (!fits) {
            char shown[64];
            describe_tag(tag, shown, sizeof shown);
            sp_error(r->ctx, sp_reader_loc(r->src, sp.content, end - sp.content),
                     "%s wants %s, not '%.*s'", shown, names[cls], len > 40 ? 40 : (int)len,
                     value);
            return false;
        }
        kind = cls == TAG_BOOL ? SP_DOC_BOOL : cls == TAG_NULL ? SP_DOC_NULL : SP_DOC_NUMBER;
        break;
    }
    case TAG_MAP:
    case TAG_SEQ: {
        char shown[64];
        describe_tag(tag, shown, sizeof shown);
        sp_error(r->ctx, sp_reader_loc(r->src, sp.tag_off, sp.tag_end - sp.tag_off),
                 "tag %s cannot stand on a scalar", shown);
        return false;
    }
    default:
        report_unknown_tag(r, tag, sp);
        return false;
    }
    sp_doc *node = sp_reader_scalar(r->ctx, kind, r->src, sp.content, end, value, len);
    if (!node)
        return false;
    if (quoted)
        node->flags |= SP_DOC_QUOTED;
    if (cls == TAG_SHORT) {
        if (strcmp(st->name, "Fn::GetAtt") == 0 && !(node = split_getatt(r, node, plain)))
            return false;
        if (!(node = wrap_short_tag(r, st, sp.tag_off, sp.tag_end, node)))
            return false;
    }
    return add_node(r, node);
}

static bool on_collection_start(yaml_reader *r, const yaml_event_t *ev, sp_doc_kind kind)
{
    bool is_map = kind == SP_DOC_MAP;
    const char *tag = (const char *)(is_map ? ev->data.mapping_start.tag
                                            : ev->data.sequence_start.tag);
    const void *anchor = is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    bool flow = is_map ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                       : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    size_t start = mark_offset(r, ev->start_mark);
    node_span sp = {start, start, start};
    if (tag || anchor)
        sp = scan_properties(r, start, tag != NULL, anchor != NULL);
    if (r->depth >= SP_MAX_DEPTH) {
        sp_error(r->ctx, sp_reader_loc(r->src, sp.content, 1), "nesting deeper than %d levels",
                 (int)SP_MAX_DEPTH);
        return false;
    }
    const short_tag *st;
    tag_class cls = classify_tag(tag, &st);
    if (cls == TAG_UNKNOWN) {
        report_unknown_tag(r, tag, sp);
        return false;
    }
    if (cls != TAG_NONE && cls != TAG_SHORT && cls != (is_map ? TAG_MAP : TAG_SEQ)) {
        char shown[64];
        describe_tag(tag, shown, sizeof shown);
        sp_error(r->ctx, sp_reader_loc(r->src, sp.tag_off, sp.tag_end - sp.tag_off),
                 "tag %s cannot stand on a %s", shown, is_map ? "mapping" : "sequence");
        return false;
    }
    sp_doc *node = sp_reader_node(r->ctx, kind, r->src, sp.content, sp.content + 1);
    if (!node)
        return false;
    if (flow)
        node->flags |= SP_DOC_FLOW;
    struct frame *f = &r->frames[r->depth++];
    f->node = node;
    f->base = r->stack.len;
    f->wrap = st;
    f->tag_off = (uint32_t)sp.tag_off;
    f->tag_end = (uint32_t)sp.tag_end;
    return true;
}

static bool on_collection_end(yaml_reader *r, const yaml_event_t *ev)
{
    struct frame *f = &r->frames[--r->depth];
    sp_doc *node = f->node;
    /* A flow collection ends at its bracket; a block one where its last
     * child ends (libyaml marks a block's end at the next token, which
     * may be many comment lines further). */
    if (node->flags & SP_DOC_FLOW)
        node->end = (uint32_t)mark_offset(r, ev->end_mark);
    else if (r->stack.len > f->base)
        node->end = r->stack.items[r->stack.len - 1]->end;
    /* Whatever the text scan made of odd property syntax, a collection
     * starts no later than its first child and stays inside the source. */
    if (r->stack.len > f->base && r->stack.items[f->base]->off < node->off)
        node->off = r->stack.items[f->base]->off;
    if (node->end > r->len)
        node->end = (uint32_t)r->len;
    if (node->end <= node->off)
        node->end = node->off < r->len ? node->off + 1 : node->off;
    if (!sp_reader_finish_collection(r->ctx, &r->stack, f->base, node))
        return false;
    if (node->kind == SP_DOC_MAP && !sp_reader_check_duplicates(r->ctx, node))
        return false;
    if (f->wrap && !(node = wrap_short_tag(r, f->wrap, f->tag_off, f->tag_end, node)))
        return false;
    return add_node(r, node);
}

/* libyaml's own errors, positioned and worded in the reader's style. */
static void report_parser_error(yaml_reader *r, const yaml_parser_t *parser)
{
    if (parser->error == YAML_MEMORY_ERROR) {
        sp_oom(r->ctx);
        return;
    }
    const char *problem = parser->problem ? parser->problem : "invalid YAML";
    if (parser->error == YAML_READER_ERROR) {
        /* With the encoding fixed to UTF-8 (validated before), what is left
         * are characters YAML does not allow; the offset counts bytes. */
        size_t off = parser->problem_offset < r->len ? parser->problem_offset : r->len;
        if (parser->problem_value != -1)
            sp_error(r->ctx, sp_reader_loc(r->src, off, 1), "%s (U+%04X)", problem,
                     (unsigned)parser->problem_value);
        else
            sp_error(r->ctx, sp_reader_loc(r->src, off, 1), "%s", problem);
        return;
    }
    size_t off = mark_offset(r, parser->problem_mark);
    const char *hint = "";
    if (off < r->len && r->text[off] == '\t')
        hint = "; YAML does not allow tabs for indentation";
    if (parser->context) {
        unsigned line, col;
        sp_loc ctx_loc = sp_reader_loc(r->src, mark_offset(r, parser->context_mark), 1);
        sp_loc_line_col(r->ctx, ctx_loc, &line, &col);
        sp_error(r->ctx, sp_reader_loc(r->src, off, 1), "%s (%s on line %u)%s", problem,
                 parser->context, line, hint);
    } else {
        sp_error(r->ctx, sp_reader_loc(r->src, off, 1), "%s%s", problem, hint);
    }
}

sp_doc *sp_read_yaml(sp_ctx *ctx, uint32_t src)
{
    yaml_reader r = {0};
    const sp_source *s = sp_reader_source(ctx, src, &r.ascii);
    if (!s)
        return NULL;
    r.ctx = ctx;
    r.src = src;
    r.text = s->text;
    r.len = s->len;
    if (!r.ascii && !build_checkpoints(&r))
        return NULL;
    r.frames = malloc((SP_MAX_DEPTH + 1) * sizeof *r.frames);
    yaml_parser_t parser;
    if (!r.frames || !yaml_parser_initialize(&parser)) {
        free(r.frames);
        free(r.checkpoints);
        sp_oom(ctx);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)s->text, s->len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

    bool ok = true, done = false;
    while (ok && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            report_parser_error(&r, &parser);
            ok = false;
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (r.seen_document) {
                sp_error(ctx, sp_reader_loc(src, mark_offset(&r, ev.start_mark), 3),
                         "a second YAML document starts here; a template is one document");
                ok = false;
            }
            r.seen_document = true;
            break;
        case YAML_ALIAS_EVENT: {
            size_t off = mark_offset(&r, ev.start_mark);
            size_t end = mark_offset(&r, ev.end_mark);
            sp_error(ctx, sp_reader_loc(src, off, end - off),
                     "YAML aliases (*%s) are not allowed: CloudFormation rejects them",
                     (const char *)ev.data.alias.anchor);
            ok = false;
            break;
        }
        case YAML_SCALAR_EVENT:
            ok = on_scalar(&r, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            ok = on_collection_start(&r, &ev, SP_DOC_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            ok = on_collection_start(&r, &ev, SP_DOC_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            ok = on_collection_end(&r, &ev);
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    sp_node_stack_free(&r.stack);
    free(r.frames);
    free(r.checkpoints);
    if (!ok)
        return NULL;
    if (!r.root) {
        /* No document at all (empty file, only comments). */
        r.root = sp_reader_scalar(ctx, SP_DOC_NULL, src, 0, 0, "", 0);
    }
    return r.root;
}
