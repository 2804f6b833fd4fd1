/* A strict RFC 8259 JSON reader that keeps the position of every node.
 *
 * Hand-written because libyaml rejects valid JSON (surrogate-pair escapes)
 * and the JSON libraries at hand keep no positions.  Decisions beyond the
 * RFC (src/reader/README.md has the reasons):
 *   - a UTF-8 byte-order mark at the very start is skipped (RFC 8259 §8.1
 *     lets a parser ignore it); offsets still count its three bytes;
 *   - "\u0000" is rejected: scalars are NUL-terminated C strings downstream;
 *   - duplicate object keys are rejected, at the second occurrence;
 *   - nesting is bounded by SP_MAX_DEPTH;
 *   - input holding only whitespace is an empty document (SP_DOC_NULL), as
 *     doc.h promises for every reader;
 *   - numbers keep their text exactly as written; their magnitude is not
 *     limited (1e400 is read as the text "1e400"). */
#include "reader_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct json_parser {
    sp_ctx *ctx;
    uint32_t src;
    const char *text;
    size_t len, pos;
    unsigned depth;
    sp_node_stack stack;
    sp_text_buf buf; /* decoded string with escapes */
} json_parser;

/* The text is NUL-terminated (sp_source), and NUL is neither whitespace
 * nor allowed in a string: scanning loops stop at it without a bound
 * check, and the code after them tells the end of input from a NUL byte. */
static const unsigned char json_space[256] = {[' '] = 1, ['\n'] = 1, ['\r'] = 1, ['\t'] = 1};

static void skip_whitespace(json_parser *p)
{
    /* A local index: stores through p would make the compiler reload
     * p->text at every byte (char accesses may alias anything). */
    const unsigned char *t = (const unsigned char *)p->text;
    size_t pos = p->pos;
    while (json_space[t[pos]])
        pos++;
    p->pos = pos;
}

/* Bytes that end a run of ordinary string bytes: '"', '\\' and the
 * control characters (NUL among them). */
static const unsigned char string_stop[256] = {
    [0] = 1, [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1, [7] = 1,
    [8] = 1, [9] = 1, [10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1, [15] = 1,
    [16] = 1, [17] = 1, [18] = 1, [19] = 1, [20] = 1, [21] = 1, [22] = 1, [23] = 1,
    [24] = 1, [25] = 1, [26] = 1, [27] = 1, [28] = 1, [29] = 1, [30] = 1, [31] = 1,
    ['"'] = 1, ['\\'] = 1,
};

/* The offset of the first string stop at or after `pos`.  With SSE2
 * (every x86-64), sixteen bytes are tested at once while that many remain;
 * the rest, and other machines, take the byte table, unrolled because
 * template strings are short (ten bytes on average) and the loop's own
 * branch would cost as much as the test.  The table loop never reads past
 * the first stop, and the terminating NUL is one. */
static inline size_t string_run(const json_parser *p, size_t pos)
{
    const unsigned char *t = (const unsigned char *)p->text;
#ifdef SP_SSE2
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i control_max = _mm_set1_epi8(0x1F);
    while (p->len - pos >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + pos));
        /* min(v, 0x1F) == v exactly for the bytes 0x00-0x1F (unsigned). */
        __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, control_max), v);
        __m128i stops = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                     control);
        unsigned mask = (unsigned)_mm_movemask_epi8(stops);
        if (mask)
            return pos + (size_t)__builtin_ctz(mask);
        pos += 16;
    }
#endif
    for (;;) {
        if (string_stop[t[pos]])
            return pos;
        if (string_stop[t[pos + 1]])
            return pos + 1;
        if (string_stop[t[pos + 2]])
            return pos + 2;
        if (string_stop[t[pos + 3]])
            return pos + 3;
        pos += 4;
    }
}

/* Describes what stands at `off`, for "expected X, found Y" messages. */
static const char *describe(const json_parser *p, size_t off, bool word, char *out, size_t cap)
{
    if (off >= p->len)
        return "end of input";
    unsigned char c = (unsigned char)p->text[off];
    if (c >= 0x21 && c < 0x7F) {
        if (!word) {
            snprintf(out, cap, "'%c'", c);
            return out;
        }
        /* A word (True, NaN, undefined) reads better whole. */
        size_t n = 0;
        while (off + n < p->len && n < 20 &&
               ((p->text[off + n] >= 'a' && p->text[off + n] <= 'z') ||
                (p->text[off + n] >= 'A' && p->text[off + n] <= 'Z')))
            n++;
        if (n > 1)
            snprintf(out, cap, "'%.*s'", (int)n, p->text + off);
        else
            snprintf(out, cap, "'%c'", c);
        return out;
    }
    uint32_t cp;
    size_t n = sp_utf8_decode(p->text + off, p->len - off, &cp);
    if (cp == ' ')
        snprintf(out, cap, "a space");
    else if (cp < 0x20 || cp == 0x7F)
        snprintf(out, cap, "control character U+%04X", (unsigned)cp);
    else
        snprintf(out, cap, "'%.*s' (U+%04X)", (int)n, p->text + off, (unsigned)cp);
    return out;
}

static void error_at(json_parser *p, size_t off, const char *what)
{
    sp_error(p->ctx, sp_reader_loc(p->src, off, 1), "%s", what);
}

/* "expected WHAT, found X", with a hint for the usual non-JSON habits. */
static void expected(json_parser *p, const char *what)
{
    char buf[64];
    const char *found = describe(p, p->pos, true, buf, sizeof buf);
    const char *hint = "";
    if (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c == '/' || c == '#')
            hint = " (JSON has no comments)";
        else if (c == '\'')
            hint = " (JSON strings use double quotes)";
        else if (c == '+')
            hint = " (JSON numbers have no '+' sign)";
        else if (c == '.')
            hint = " (JSON numbers start with a digit)";
    }
    sp_error(p->ctx, sp_reader_loc(p->src, p->pos, 1), "expected %s, found %s%s", what, found,
             hint);
}

static sp_doc *parse_value(json_parser *p);

/* Reads the four hex digits after "\u" at p->pos; -1 on error (reported). */
static long read_hex4(json_parser *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = p->pos < p->len ? sp_hex_digit(p->text[p->pos]) : -1;
        if (h < 0) {
            expected(p, "four hexadecimal digits after \\u");
            return -1;
        }
        v = v * 16 + h;
        p->pos++;
    }
    return v;
}

/* Decodes one escape sequence; p->pos is just after the backslash.  The
 * bytes go to p->buf.text at *out. */
static bool decode_escape(json_parser *p, size_t backslash, size_t *out)
{
    if (p->pos >= p->len) {
        error_at(p, backslash, "unterminated escape sequence at end of input");
        return false;
    }
    char c = p->text[p->pos++];
    char simple = 0;
    switch (c) {
    case '"': simple = '"'; break;
    case '\\': simple = '\\'; break;
    case '/': simple = '/'; break;
    case 'b': simple = '\b'; break;
    case 'f': simple = '\f'; break;
    case 'n': simple = '\n'; break;
    case 'r': simple = '\r'; break;
    case 't': simple = '\t'; break;
    case 'u': break;
    default: {
        char buf[64];
        const char *found = describe(p, p->pos - 1, false, buf, sizeof buf);
        sp_error(p->ctx, sp_reader_loc(p->src, backslash, 2),
                 "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u "
                 "after the backslash, found %s",
                 found);
        return false;
    }
    }
    if (simple) {
        p->buf.text[(*out)++] = simple;
        return true;
    }
    long cp = read_hex4(p);
    if (cp < 0)
        return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        sp_error(p->ctx, sp_reader_loc(p->src, backslash, 6),
                 "lone low surrogate \\u%04lX: it must follow a \\uD800-\\uDBFF escape", cp);
        return false;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (p->pos + 1 >= p->len || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u') {
            sp_error(p->ctx, sp_reader_loc(p->src, backslash, 6),
                     "lone high surrogate \\u%04lX: it must be followed by a \\uDC00-\\uDFFF "
                     "escape",
                     cp);
            return false;
        }
        p->pos += 2;
        long low = read_hex4(p);
        if (low < 0)
            return false;
        if (low < 0xDC00 || low > 0xDFFF) {
            sp_error(p->ctx, sp_reader_loc(p->src, backslash, 12),
                     "lone high surrogate \\u%04lX: it must be followed by a \\uDC00-\\uDFFF "
                     "escape, not \\u%04lX",
                     cp, low);
            return false;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp == 0) {
        sp_error(p->ctx, sp_reader_loc(p->src, backslash, 6),
                 "\\u0000 (NUL) is not allowed in strings");
        return false;
    }
    *out += sp_utf8_encode((uint32_t)cp, p->buf.text + *out);
    return true;
}

/* The rest of a string that holds an escape or a control character, or
 * is unterminated; p->pos is at that byte and `run` where the text began. */
static sp_doc *parse_string_slow(json_parser *p, size_t start, size_t run)
{
    size_t out = 0;
    bool escaped = false;
    for (;;) {
        if (p->pos >= p->len) {
            sp_error(p->ctx, sp_reader_loc(p->src, start, 1),
                     "unterminated string: no closing '\"' before the end of input");
            return NULL;
        }
        unsigned char c = (unsigned char)p->text[p->pos];
        if (c == '"')
            break;
        if (c < 0x20) {
            sp_error(p->ctx, sp_reader_loc(p->src, p->pos, 1),
                     "control character U+%04X is not allowed in a string; write it as an "
                     "escape such as \\u%04X",
                     c, c);
            return NULL;
        }
        if (c == '\\') {
            if (!escaped) {
                /* Switch to decoding: copy what was read so far. */
                escaped = true;
                if (!sp_text_buf_reserve(p->ctx, &p->buf, p->pos - run + 16))
                    return NULL;
                memcpy(p->buf.text, p->text + run, p->pos - run);
                out = p->pos - run;
            }
            size_t backslash = p->pos++;
            if (!sp_text_buf_reserve(p->ctx, &p->buf, out + 4) || !decode_escape(p, backslash, &out))
                return NULL;
            continue;
        }
        /* A run of ordinary bytes. */
        size_t from = p->pos;
        p->pos = string_run(p, p->pos);
        if (escaped) {
            if (!sp_text_buf_reserve(p->ctx, &p->buf, out + (p->pos - from)))
                return NULL;
            memcpy(p->buf.text + out, p->text + from, p->pos - from);
            out += p->pos - from;
        }
    }
    p->pos++; /* the closing quote */
    sp_doc *d = escaped ? sp_reader_scalar(p->ctx, SP_DOC_STRING, p->src, start, p->pos, p->buf.text, out)
                        : sp_reader_scalar(p->ctx, SP_DOC_STRING, p->src, start, p->pos,
                                           p->text + run, p->pos - 1 - run);
    if (d)
        d->flags |= SP_DOC_QUOTED;
    return d;
}

/* A string; p->pos is at the opening quote.  The input is valid UTF-8
 * (checked up front), so bytes above 0x7F are copied as they are. */
static sp_doc *parse_string(json_parser *p)
{
    size_t start = p->pos;
    size_t end = string_run(p, start + 1);
    p->pos = end;
    if (p->text[end] != '"')
        return parse_string_slow(p, start, start + 1);
    /* Most strings: no escape, the text is a slice of the input. */
    p->pos = end + 1;
    size_t from = start + 1, len = end - from;
    sp_doc *d;
    if (len < 16 && p->len - from >= 16) {
        /* Most are shorter than 16 bytes: one fixed-size move, inline,
         * copies them whole where a libc call would cost more than the
         * copy.  The bytes after the text are in the input, and the arena
         * rounds blocks up to 16 bytes anyway. */
        char *text;
        d = sp_reader_scalar_room(p->ctx, SP_DOC_STRING, p->src, start, end + 1, len, 16, &text);
        if (!d)
            return NULL;
        memcpy(text, p->text + from, 16);
        text[len] = 0;
    } else {
        d = sp_reader_scalar(p->ctx, SP_DOC_STRING, p->src, start, end + 1, p->text + from, len);
        if (!d)
            return NULL;
    }
    d->flags |= SP_DOC_QUOTED;
    return d;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* number = [ minus ] int [ frac ] [ exp ]  (RFC 8259 §6) */
static sp_doc *parse_number(json_parser *p)
{
    size_t start = p->pos;
    if (p->text[p->pos] == '-')
        p->pos++;
    if (p->pos >= p->len || !is_digit(p->text[p->pos])) {
        expected(p, "a digit after '-'");
        return NULL;
    }
    if (p->text[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->len && is_digit(p->text[p->pos])) {
            error_at(p, start, "numbers cannot have leading zeros");
            return NULL;
        }
    } else {
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    }
    if (p->pos < p->len && p->text[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->text[p->pos])) {
            expected(p, "a digit after the decimal point");
            return NULL;
        }
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    }
    if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->len || !is_digit(p->text[p->pos])) {
            expected(p, "a digit in the exponent");
            return NULL;
        }
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    }
    return sp_reader_scalar(p->ctx, SP_DOC_NUMBER, p->src, start, p->pos, p->text + start,
                            p->pos - start);
}

static sp_doc *parse_literal(json_parser *p, const char *word, sp_doc_kind kind)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) {
        expected(p, "a JSON value");
        return NULL;
    }
    size_t start = p->pos;
    p->pos += n;
    return sp_reader_scalar(p->ctx, kind, p->src, start, p->pos, word, n);
}

static bool enter(json_parser *p)
{
    if (p->depth >= SP_MAX_DEPTH) {
        sp_error(p->ctx, sp_reader_loc(p->src, p->pos, 1),
                 "nesting deeper than %d levels", (int)SP_MAX_DEPTH);
        return false;
    }
    p->depth++;
    return true;
}

/* The byte at p->pos; NUL at the end of input, which no test below
 * accepts, so they need no bound check. */
static inline char peek(const json_parser *p)
{
    return p->text[p->pos];
}

/* A member value or array element: strings, the most common values, go
 * straight to parse_string without parse_value's larger frame. */
static inline sp_doc *parse_element(json_parser *p)
{
    return peek(p) == '"' ? parse_string(p) : parse_value(p);
}

static sp_doc *parse_array(json_parser *p)
{
    if (!enter(p))
        return NULL;
    sp_doc *arr = sp_reader_node(p->ctx, SP_DOC_SEQ, p->src, p->pos, p->pos + 1);
    if (!arr)
        return NULL;
    arr->flags |= SP_DOC_FLOW;
    size_t base = p->stack.len;
    p->pos++;
    skip_whitespace(p);
    if (peek(p) == ']') {
        p->pos++;
    } else {
        for (;;) {
            if (peek(p) == ']') {
                expected(p, "a value after ',' (JSON allows no trailing comma)");
                return NULL;
            }
            sp_doc *item = parse_element(p);
            if (!item || !sp_node_stack_push(p->ctx, &p->stack, item))
                return NULL;
            skip_whitespace(p);
            if (peek(p) == ',') {
                p->pos++;
                skip_whitespace(p);
                continue;
            }
            if (peek(p) == ']') {
                p->pos++;
                break;
            }
            expected(p, "',' or ']' after an array element");
            return NULL;
        }
    }
    arr->end = (uint32_t)p->pos;
    p->depth--;
    return sp_reader_finish_collection(p->ctx, &p->stack, base, arr) ? arr : NULL;
}

/* One bit of a 64-bit filter for a key, from its length and first byte
 * (the NUL when it is empty).  A repeated key always finds its bit already
 * set; most small maps have keys that never collide in the filter and skip
 * the full duplicate check, whose error (position and message) is
 * unchanged. */
static inline uint64_t key_filter_bit(const sp_doc *key)
{
    unsigned first = (unsigned char)key->u.scalar.text[0];
    return UINT64_C(1) << ((key->u.scalar.len + first * 8) & 63);
}

static sp_doc *parse_object(json_parser *p)
{
    if (!enter(p))
        return NULL;
    sp_doc *obj = sp_reader_node(p->ctx, SP_DOC_MAP, p->src, p->pos, p->pos + 1);
    if (!obj)
        return NULL;
    obj->flags |= SP_DOC_FLOW;
    size_t base = p->stack.len;
    uint64_t keys_seen = 0;
    bool may_repeat = false;
    p->pos++;
    skip_whitespace(p);
    if (peek(p) == '}') {
        p->pos++;
    } else {
        bool after_comma = false;
        for (;;) {
            if (peek(p) != '"') {
                if (after_comma && peek(p) == '}')
                    expected(p, "a string key after ',' (JSON allows no trailing comma)");
                else
                    expected(p, after_comma ? "a string key after ','"
                                            : "a string key or '}'");
                return NULL;
            }
            sp_doc *key = parse_string(p);
            if (!key || !sp_node_stack_push(p->ctx, &p->stack, key))
                return NULL;
            uint64_t bit = key_filter_bit(key);
            may_repeat |= (keys_seen & bit) != 0;
            keys_seen |= bit;
            skip_whitespace(p);
            if (peek(p) != ':') {
                expected(p, "':' after an object key");
                return NULL;
            }
            p->pos++;
            skip_whitespace(p);
            sp_doc *value = parse_element(p);
            if (!value || !sp_node_stack_push(p->ctx, &p->stack, value))
                return NULL;
            skip_whitespace(p);
            if (peek(p) == ',') {
                p->pos++;
                skip_whitespace(p);
                after_comma = true;
                continue;
            }
            if (peek(p) == '}') {
                p->pos++;
                break;
            }
            expected(p, "',' or '}' after an object member");
            return NULL;
        }
    }
    obj->end = (uint32_t)p->pos;
    p->depth--;
    if (!sp_reader_finish_collection(p->ctx, &p->stack, base, obj))
        return NULL;
    return !may_repeat || sp_reader_check_duplicates(p->ctx, obj) ? obj : NULL;
}

static sp_doc *parse_value(json_parser *p)
{
    /* At the end of input peek() is NUL, which falls to the default. */
    switch (peek(p)) {
    case '{':
        return parse_object(p);
    case '[':
        return parse_array(p);
    case '"':
        return parse_string(p);
    case 't':
        return parse_literal(p, "true", SP_DOC_BOOL);
    case 'f':
        return parse_literal(p, "false", SP_DOC_BOOL);
    case 'n':
        return parse_literal(p, "null", SP_DOC_NULL);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number(p);
    default:
        expected(p, "a JSON value");
        return NULL;
    }
}

sp_doc *sp_read_json(sp_ctx *ctx, uint32_t src)
{
    const sp_source *s = sp_reader_source(ctx, src, NULL);
    if (!s)
        return NULL;
    json_parser p = {0};
    p.ctx = ctx;
    p.src = src;
    p.text = s->text;
    p.len = s->len;
    if (p.len >= 3 && memcmp(p.text, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    skip_whitespace(&p);
    sp_doc *root;
    if (p.pos == p.len) {
        root = sp_reader_scalar(ctx, SP_DOC_NULL, src, p.pos, p.pos, "", 0);
    } else {
        root = parse_value(&p);
        if (root) {
            skip_whitespace(&p);
            if (p.pos < p.len) {
                expected(&p, "the end of input after the top-level value");
                root = NULL;
            }
        }
    }
    sp_node_stack_free(&p.stack);
    free(p.buf.text);
    return root;
}
