/* An S-expression reader for guix deploy files: Guile's read syntax, as
 * much of it as such files use, into the positioned document tree.
 *
 * Mapping (src/reader/README.md has the reasons):
 *   file            SP_DOC_SEQ of the top-level forms (SP_DOC_NULL when there
 *                   is none); spans the first form to the end of the last
 *   (a b c) [a b]   SP_DOC_SEQ spanning its brackets
 *   (a b . c)       SP_DOC_SEQ flagged SP_DOC_DOTTED; its last item is c
 *   #(a b)          SP_DOC_SEQ flagged SP_DOC_VECTOR
 *   symbol          SP_DOC_STRING flagged SP_DOC_SYMBOL (|a b| and #{a b}#
 *                   too; the text without the bars)
 *   #:key           SP_DOC_STRING flagged SP_DOC_KEYWORD, text "key"
 *   "string"        SP_DOC_STRING flagged SP_DOC_QUOTED, escapes decoded
 *   #\a #\space     SP_DOC_STRING flagged SP_DOC_CHAR, text the character
 *   42 -1.5 #xff    SP_DOC_NUMBER, text as written
 *   #t #false       SP_DOC_BOOL, text without '#' ("t", "false"), so that
 *                   sp_doc_bool_value reads it
 *   'x `x ,x ,@x    (quote x) (quasiquote x) (unquote x) (unquote-splicing x):
 *                   a SP_DOC_SEQ flagged SP_DOC_FROM_SHORT_TAG whose first
 *                   item, the symbol, spans the prefix
 *   #'x #`x #,x #,@x  syntax, quasisyntax, unsyntax, unsyntax-splicing
 *   #~x #$x #$@x #+x #+@x  Guix's gexp, ungexp, ungexp-splicing,
 *                   ungexp-native, ungexp-native-splicing
 * Comments: `;` to the end of the line, `#| ... |#` (nested), `#;` before a
 * datum, and Guile's `#! ... !#` block.  Errors are positioned; nesting is
 * bounded by SP_MAX_DEPTH (a prefix counts as a level). */
#include "sexp.h"
#include "reader_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sexp_parser {
    sp_ctx *ctx;
    uint32_t src;
    const char *text;
    size_t len, pos;
    unsigned depth;
    sp_node_stack stack;
    sp_text_buf buf; /* decoded text with escapes */
} sexp_parser;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_delimiter(char c)
{
    return is_space(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"' || c == ';';
}

static bool at_delimiter(const sexp_parser *p, size_t off)
{
    return off >= p->len || is_delimiter(p->text[off]);
}

static void error_at(sexp_parser *p, size_t off, size_t len, const char *fmt, const char *arg)
{
    sp_error(p->ctx, sp_reader_loc(p->src, off, len), fmt, arg);
}

/* "'x'", "a space", "the end of input" … for messages. */
static const char *describe(const sexp_parser *p, size_t off, char *out, size_t cap)
{
    if (off >= p->len)
        return "the end of input";
    unsigned char c = (unsigned char)p->text[off];
    if (c > 0x20 && c < 0x7F) {
        snprintf(out, cap, "'%c'", c);
        return out;
    }
    uint32_t cp;
    size_t n = sp_utf8_decode(p->text + off, p->len - off, &cp);
    if (cp == ' ')
        snprintf(out, cap, "a space");
    else if (cp == '\n')
        snprintf(out, cap, "the end of the line");
    else if (cp < 0x20 || cp == 0x7F)
        snprintf(out, cap, "control character U+%04X", (unsigned)cp);
    else
        snprintf(out, cap, "'%.*s' (U+%04X)", (int)n, p->text + off, (unsigned)cp);
    return out;
}

/* ---- atmosphere: white space and comments ---------------------------- */

static sp_doc *parse_datum(sexp_parser *p);
static bool enter(sexp_parser *p, size_t at);

/* Skips `#| ... |#` (nested) starting at p->pos. */
static bool skip_block_comment(sexp_parser *p)
{
    size_t start = p->pos;
    unsigned nest = 0;
    while (p->pos + 1 < p->len) {
        if (p->text[p->pos] == '#' && p->text[p->pos + 1] == '|') {
            nest++;
            p->pos += 2;
        } else if (p->text[p->pos] == '|' && p->text[p->pos + 1] == '#') {
            p->pos += 2;
            if (--nest == 0)
                return true;
        } else {
            p->pos++;
        }
    }
    error_at(p, start, 2, "%s", "unterminated block comment: no closing '|#' for this '#|'");
    return false;
}

/* Guile's special `#!` objects; anything else after `#!` opens a block
 * comment that `!#` closes (a script header). */
static const char *const HASH_BANG_WORDS[] = {"optional", "key", "rest", "eof", "default",
                                             "unspecified", NULL};

static bool hash_bang_word(const sexp_parser *p, size_t off, size_t *n)
{
    for (const char *const *w = HASH_BANG_WORDS; *w; w++) {
        size_t k = strlen(*w);
        if (p->len - off >= k && memcmp(p->text + off, *w, k) == 0 && at_delimiter(p, off + k)) {
            *n = k;
            return true;
        }
    }
    return false;
}

static bool skip_atmosphere(sexp_parser *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (is_space(c)) {
            p->pos++;
        } else if (c == ';') {
            while (p->pos < p->len && p->text[p->pos] != '\n')
                p->pos++;
        } else if (c == '#' && p->pos + 1 < p->len && p->text[p->pos + 1] == '|') {
            if (!skip_block_comment(p))
                return false;
        } else if (c == '#' && p->pos + 1 < p->len && p->text[p->pos + 1] == ';') {
            /* A datum comment: the next datum is read and dropped. */
            size_t start = p->pos;
            /* `#; #; a b` nests: bounded like any other level. */
            if (!enter(p, start))
                return false;
            p->pos += 2;
            if (!skip_atmosphere(p))
                return false;
            if (p->pos >= p->len || p->text[p->pos] == ')' || p->text[p->pos] == ']') {
                error_at(p, start, 2, "%s", "'#;' must be followed by the datum it comments out");
                return false;
            }
            if (!parse_datum(p))
                return false;
            p->depth--;
        } else if (c == '#' && p->pos + 1 < p->len && p->text[p->pos + 1] == '!') {
            size_t n;
            if (hash_bang_word(p, p->pos + 2, &n))
                return true; /* a datum (rejected by parse_hash) */
            size_t start = p->pos;
            p->pos += 2;
            for (;;) {
                if (p->pos + 1 >= p->len) {
                    error_at(p, start, 2, "%s",
                             "unterminated '#!' comment: no closing '!#' (a script header "
                             "needs one)");
                    return false;
                }
                if (p->text[p->pos] == '!' && p->text[p->pos + 1] == '#') {
                    p->pos += 2;
                    break;
                }
                p->pos++;
            }
        } else {
            return true;
        }
    }
    return true;
}

/* ---- scalars --------------------------------------------------------- */

/* The end of the token that starts at `off`. */
static size_t token_end(const sexp_parser *p, size_t off)
{
    while (off < p->len && !is_delimiter(p->text[off]))
        off++;
    return off;
}

/* One escape of a string literal; `at` is the backslash.  Writes the
 * decoded bytes to out (room for 4) and returns how many (0 for a line
 * continuation); *next is where the literal continues.  On error returns
 * -1 with the message in *why and the span in *err_len (the error
 * starts at `at`). */
static int decode_string_escape(const char *text, size_t len, size_t at, char *out,
                                size_t *next, const char **why, size_t *err_len)
{
    size_t i = at + 1;
    *err_len = 2;
    if (i >= len) {
        *why = "unterminated string: a backslash at the end of input";
        *err_len = 1;
        return -1;
    }
    char c = text[i];
    char simple = 0;
    switch (c) {
    case '\\': simple = '\\'; break;
    case '"': simple = '"'; break;
    case 'a': simple = '\a'; break;
    case 'b': simple = '\b'; break;
    case 'f': simple = '\f'; break;
    case 'n': simple = '\n'; break;
    case 'r': simple = '\r'; break;
    case 't': simple = '\t'; break;
    case 'v': simple = '\v'; break;
    case '|': simple = '|'; break;
    case '0':
        *why = "'\\0' (NUL) is not allowed in strings";
        return -1;
    default:
        break;
    }
    if (simple) {
        out[0] = simple;
        *next = i + 1;
        return 1;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        /* Line continuation: blanks, one line break, the next line's
         * leading blanks. */
        size_t j = i;
        while (j < len && (text[j] == ' ' || text[j] == '\t'))
            j++;
        if (j < len && text[j] == '\r')
            j++;
        if (j >= len || text[j] != '\n') {
            *why = "a backslash followed by blanks must end the line (a line continuation)";
            return -1;
        }
        j++;
        while (j < len && (text[j] == ' ' || text[j] == '\t'))
            j++;
        *next = j;
        return 0;
    }
    int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 6 : 0;
    if (!digits) {
        *why = "unknown escape in a string (Guile knows \\\\ \\\" \\a \\b \\f \\n \\r \\t \\v "
               "\\xHH \\uHHHH \\UHHHHHH and a backslash at the end of a line)";
        return -1;
    }
    uint32_t cp = 0;
    for (int k = 0; k < digits; k++) {
        int h = i + 1 + (size_t)k < len ? sp_hex_digit(text[i + 1 + k]) : -1;
        if (h < 0) {
            *why = c == 'x'   ? "'\\x' must be followed by two hexadecimal digits"
                   : c == 'u' ? "'\\u' must be followed by four hexadecimal digits"
                              : "'\\U' must be followed by six hexadecimal digits";
            return -1;
        }
        cp = cp * 16 + (uint32_t)h;
    }
    *err_len = 2 + (size_t)digits;
    if (cp == 0) {
        *why = "a NUL character is not allowed in strings";
        return -1;
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        *why = "the escape does not name a Unicode character (a surrogate, or above U+10FFFF)";
        return -1;
    }
    *next = i + 1 + (size_t)digits;
    return (int)sp_utf8_encode(cp, out);
}

static sp_doc *parse_string(sexp_parser *p)
{
    size_t start = p->pos++;
    size_t out = 0;
    for (;;) {
        if (p->pos >= p->len) {
            error_at(p, start, 1, "%s",
                     "unterminated string: no closing '\"' before the end of input");
            return NULL;
        }
        char c = p->text[p->pos];
        if (c == '"')
            break;
        if (!sp_text_buf_reserve(p->ctx, &p->buf, out + 8))
            return NULL;
        if (c == '\\') {
            const char *why;
            size_t next, elen;
            int n = decode_string_escape(p->text, p->len, p->pos, p->buf.text + out, &next, &why,
                                         &elen);
            if (n < 0) {
                error_at(p, p->pos, elen, "%s", why);
                return NULL;
            }
            out += (size_t)n;
            p->pos = next;
            continue;
        }
        if (c == '\0') {
            error_at(p, p->pos, 1, "%s", "a NUL byte is not allowed in strings");
            return NULL;
        }
        p->buf.text[out++] = c;
        p->pos++;
    }
    p->pos++;
    sp_doc *d = sp_reader_scalar(p->ctx, SP_DOC_STRING, p->src, start, p->pos, out ? p->buf.text : "",
                                 out);
    if (d)
        d->flags |= SP_DOC_QUOTED;
    return d;
}

size_t sp_sexp_string_source_offset(const sp_ctx *ctx, const sp_doc *str, size_t decoded_off)
{
    const sp_source *s = sp_source_get(ctx, str->src);
    if (!s || str->kind != SP_DOC_STRING || !(str->flags & SP_DOC_QUOTED) ||
        str->off >= s->len || s->text[str->off] != '"')
        return str->off;
    size_t i = str->off + 1, k = 0;
    while (i < s->len && s->text[i] != '"') {
        if (s->text[i] == '\\') {
            char tmp[8];
            const char *why;
            size_t next, elen;
            int n = decode_string_escape(s->text, s->len, i, tmp, &next, &why, &elen);
            if (n < 0)
                return i;
            if (k + (size_t)n > decoded_off)
                return i;
            k += (size_t)n;
            i = next;
            continue;
        }
        if (k == decoded_off)
            return i;
        k++;
        i++;
    }
    return i < s->len ? i : (s->len ? s->len - 1 : 0);
}

/* Whether text[0..n) is a number in radix `radix` (after any prefix):
 * integers, rationals a/b, decimals with an exponent (radix 10), and
 * +inf.0 -inf.0 +nan.0 -nan.0.  Complex numbers are not recognised. */
static bool is_number(const char *t, size_t n, int radix)
{
    size_t i = 0;
    if (n == 0)
        return false;
    bool sign = t[0] == '+' || t[0] == '-';
    if (sign)
        i++;
    if (sign && (n - i == 5) &&
        (!memcmp(t + i, "inf.0", 5) || !memcmp(t + i, "nan.0", 5)))
        return true;
#define DIGIT(c)                                                                       \
    (radix == 16 ? sp_hex_digit(c) >= 0                                                   \
                 : (c) >= '0' && (c) < '0' + (radix < 10 ? radix : 10))
    size_t digits = 0;
    while (i < n && DIGIT(t[i])) {
        i++;
        digits++;
    }
    if (i < n && t[i] == '/') {
        if (!digits)
            return false;
        i++;
        size_t d2 = 0;
        while (i < n && DIGIT(t[i])) {
            i++;
            d2++;
        }
        return d2 && i == n;
    }
    if (radix == 10) {
        size_t frac = 0;
        if (i < n && t[i] == '.') {
            i++;
            while (i < n && t[i] >= '0' && t[i] <= '9') {
                i++;
                frac++;
            }
        }
        if (!digits && !frac)
            return false;
        if (i < n && (t[i] == 'e' || t[i] == 'E')) {
            i++;
            if (i < n && (t[i] == '+' || t[i] == '-'))
                i++;
            size_t e = 0;
            while (i < n && t[i] >= '0' && t[i] <= '9') {
                i++;
                e++;
            }
            if (!e)
                return false;
        }
        return i == n;
    }
#undef DIGIT
    return digits && i == n;
}

static sp_doc *symbol_node(sexp_parser *p, size_t off, size_t end, const char *text, size_t n)
{
    sp_doc *d = sp_reader_scalar(p->ctx, SP_DOC_STRING, p->src, off, end, text, n);
    if (d)
        d->flags |= SP_DOC_SYMBOL;
    return d;
}

/* A bare token: a number or a symbol. */
static sp_doc *parse_token(sexp_parser *p)
{
    size_t start = p->pos, end = token_end(p, p->pos);
    p->pos = end;
    const char *t = p->text + start;
    size_t n = end - start;
    if (is_number(t, n, 10))
        return sp_reader_scalar(p->ctx, SP_DOC_NUMBER, p->src, start, end, t, n);
    if (n == 1 && t[0] == '.') {
        error_at(p, start, 1, "%s", "unexpected '.': a dot only goes before the last item of a "
                                    "list, as in (a . b)");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (t[i] == '\0') {
            error_at(p, start + i, 1, "%s", "a NUL byte is not allowed in a symbol");
            return NULL;
        }
    return symbol_node(p, start, end, t, n);
}

/* |symbol with spaces| (R7RS): \| \\ and \xHH; inside. */
static sp_doc *parse_bar_symbol(sexp_parser *p)
{
    size_t start = p->pos++;
    size_t out = 0;
    for (;;) {
        if (p->pos >= p->len) {
            error_at(p, start, 1, "%s", "unterminated symbol: no closing '|' for this '|'");
            return NULL;
        }
        char c = p->text[p->pos];
        if (c == '|')
            break;
        if (!sp_text_buf_reserve(p->ctx, &p->buf, out + 8))
            return NULL;
        if (c == '\\' && p->pos + 1 < p->len) {
            char e = p->text[p->pos + 1];
            if (e == '|' || e == '\\') {
                p->buf.text[out++] = e;
                p->pos += 2;
                continue;
            }
            if (e == 'x') {
                size_t j = p->pos + 2;
                uint32_t cp = 0;
                int nd = 0;
                while (j < p->len && sp_hex_digit(p->text[j]) >= 0 && nd < 7) {
                    cp = cp * 16 + (uint32_t)sp_hex_digit(p->text[j++]);
                    nd++;
                }
                if (!nd || j >= p->len || p->text[j] != ';' || cp == 0 || cp > 0x10FFFF ||
                    (cp >= 0xD800 && cp <= 0xDFFF)) {
                    error_at(p, p->pos, 2, "%s",
                             "'\\x' in a |symbol| takes hexadecimal digits and a ';' naming a "
                             "character other than NUL");
                    return NULL;
                }
                out += sp_utf8_encode(cp, p->buf.text + out);
                p->pos = j + 1;
                continue;
            }
            error_at(p, p->pos, 2, "%s", "unknown escape in a |symbol| (\\| \\\\ \\xHH; only)");
            return NULL;
        }
        if (c == '\0') {
            error_at(p, p->pos, 1, "%s", "a NUL byte is not allowed in a symbol");
            return NULL;
        }
        p->buf.text[out++] = c;
        p->pos++;
    }
    p->pos++;
    return symbol_node(p, start, p->pos, out ? p->buf.text : "", out);
}

static const struct {
    const char *name;
    uint32_t cp;
} CHAR_NAMES[] = {
    {"space", ' '},     {"newline", '\n'},   {"tab", '\t'},       {"linefeed", '\n'},
    {"return", '\r'},   {"page", '\f'},      {"alarm", 7},        {"backspace", 8},
    {"delete", 0x7F},   {"escape", 0x1B},    {"esc", 0x1B},       {"del", 0x7F},
    {"vtab", '\v'},     {"bel", 7},          {"nl", '\n'},        {"sp", ' '},
    {"nul", 0},         {"null", 0},
};

/* #\a, #\space, #\x41, #\101 (octal) — p->pos at '#'. */
static sp_doc *parse_char(sexp_parser *p)
{
    size_t start = p->pos;
    size_t at = p->pos + 2;
    if (at >= p->len) {
        error_at(p, start, 2, "%s", "'#\\' must be followed by a character");
        return NULL;
    }
    uint32_t cp;
    size_t first = sp_utf8_decode(p->text + at, p->len - at, &cp);
    size_t end = at + first;
    if (!at_delimiter(p, end))
        end = token_end(p, end);
    size_t n = end - at;
    const char *t = p->text + at;
    if (n > first) {
        /* A name, a hexadecimal (x41) or an octal (101) code. */
        bool found = false;
        for (size_t i = 0; i < sizeof CHAR_NAMES / sizeof *CHAR_NAMES; i++)
            if (strlen(CHAR_NAMES[i].name) == n && !memcmp(CHAR_NAMES[i].name, t, n)) {
                cp = CHAR_NAMES[i].cp;
                found = true;
                break;
            }
        if (!found && (t[0] == 'x' || t[0] == 'U' || t[0] == 'u') && n > 1) {
            uint32_t v = 0;
            found = true;
            for (size_t i = 1; i < n && found; i++) {
                int h = sp_hex_digit(t[i]);
                if (h < 0 || v > 0x10FFFF)
                    found = false;
                else
                    v = v * 16 + (uint32_t)h;
            }
            cp = v;
        } else if (!found && t[0] >= '0' && t[0] <= '7') {
            uint32_t v = 0;
            found = true;
            for (size_t i = 0; i < n && found; i++) {
                if (t[i] < '0' || t[i] > '7' || v > 0x10FFFF)
                    found = false;
                else
                    v = v * 8 + (uint32_t)(t[i] - '0');
            }
            cp = v;
        }
        if (!found) {
            char name[48];
            snprintf(name, sizeof name, "%.*s", (int)(n < 40 ? n : 40), t);
            error_at(p, start, end - start, "unknown character name '#\\%s'", name);
            return NULL;
        }
    }
    if (cp == 0) {
        error_at(p, start, end - start, "%s", "the NUL character is not supported");
        return NULL;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        error_at(p, start, end - start, "%s", "not a Unicode character");
        return NULL;
    }
    char enc[4];
    size_t len = sp_utf8_encode(cp, enc);
    p->pos = end;
    sp_doc *d = sp_reader_scalar(p->ctx, SP_DOC_STRING, p->src, start, end, enc, len);
    if (d)
        d->flags |= SP_DOC_CHAR;
    return d;
}

/* ---- collections ------------------------------------------------------ */

static bool enter(sexp_parser *p, size_t at)
{
    if (p->depth >= SP_MAX_DEPTH) {
        sp_error(p->ctx, sp_reader_loc(p->src, at, 1), "nesting deeper than %d levels",
                 (int)SP_MAX_DEPTH);
        return false;
    }
    p->depth++;
    return true;
}

/* A list or vector; p->pos at its opening bracket (`prefix` bytes before
 * it belong to it: the '#' of a vector). */
static sp_doc *parse_list(sexp_parser *p, size_t prefix, bool vector)
{
    size_t start = p->pos - prefix;
    if (!enter(p, start))
        return NULL;
    char open = p->text[p->pos];
    char close = open == '[' ? ']' : ')';
    sp_doc *list = sp_reader_node(p->ctx, SP_DOC_SEQ, p->src, start, p->pos + 1);
    if (!list)
        return NULL;
    if (vector)
        list->flags |= SP_DOC_VECTOR;
    size_t base = p->stack.len;
    p->pos++;
    for (;;) {
        if (!skip_atmosphere(p))
            return NULL;
        if (p->pos >= p->len) {
            char what[96];
            snprintf(what, sizeof what, "no closing '%c' for this '%c' before the end of input",
                     close, open);
            error_at(p, start, prefix + 1, "%s", what);
            return NULL;
        }
        char c = p->text[p->pos];
        if (c == ')' || c == ']') {
            if (c != close) {
                unsigned line, col;
                sp_loc_line_col(p->ctx, sp_reader_loc(p->src, start, 1), &line, &col);
                sp_error(p->ctx, sp_reader_loc(p->src, p->pos, 1),
                         "'%c' does not close the '%c' of line %u, column %u (expected '%c')", c,
                         open, line, col, close);
                return NULL;
            }
            p->pos++;
            break;
        }
        if (c == '.' && at_delimiter(p, p->pos + 1) && !vector) {
            size_t dot = p->pos;
            if (p->stack.len == base) {
                error_at(p, dot, 1, "%s", "a dotted list needs an item before the '.'");
                return NULL;
            }
            p->pos++;
            if (!skip_atmosphere(p))
                return NULL;
            if (p->pos >= p->len || p->text[p->pos] == ')' || p->text[p->pos] == ']') {
                error_at(p, dot, 1, "%s", "a dotted list needs one item after the '.'");
                return NULL;
            }
            sp_doc *tail = parse_datum(p);
            if (!tail || !sp_node_stack_push(p->ctx, &p->stack, tail))
                return NULL;
            if (!skip_atmosphere(p))
                return NULL;
            if (p->pos >= p->len || p->text[p->pos] != close) {
                char buf[64];
                const char *found = describe(p, p->pos, buf, sizeof buf);
                sp_error(p->ctx, sp_reader_loc(p->src, p->pos, 1),
                         "expected '%c' after the item that follows the '.' of a dotted list, "
                         "found %s",
                         close, found);
                return NULL;
            }
            p->pos++;
            list->flags |= SP_DOC_DOTTED;
            break;
        }
        sp_doc *item = parse_datum(p);
        if (!item || !sp_node_stack_push(p->ctx, &p->stack, item))
            return NULL;
    }
    list->end = (uint32_t)p->pos;
    p->depth--;
    return sp_reader_finish_collection(p->ctx, &p->stack, base, list) ? list : NULL;
}

/* A prefix form: 'x -> (quote x); the prefix is `n` bytes at p->pos. */
static sp_doc *parse_prefixed(sexp_parser *p, size_t n, const char *name)
{
    size_t start = p->pos;
    if (!enter(p, start))
        return NULL;
    p->pos += n;
    if (!skip_atmosphere(p))
        return NULL;
    if (p->pos >= p->len || p->text[p->pos] == ')' || p->text[p->pos] == ']') {
        char what[96];
        snprintf(what, sizeof what, "'%.*s' must be followed by a datum (it stands for (%s …))",
                 (int)n, p->text + start, name);
        error_at(p, start, n, "%s", what);
        return NULL;
    }
    sp_doc *sym = symbol_node(p, start, start + n, name, strlen(name));
    sp_doc *datum = sym ? parse_datum(p) : NULL;
    if (!datum)
        return NULL;
    sp_doc *list = sp_reader_node(p->ctx, SP_DOC_SEQ, p->src, start, datum->end);
    sp_doc **items = sp_arena_calloc(&p->ctx->arena, 2, sizeof *items);
    if (!list || !items) {
        sp_oom(p->ctx);
        return NULL;
    }
    items[0] = sym;
    items[1] = datum;
    list->u.seq.items = items;
    list->u.seq.len = 2;
    list->flags |= SP_DOC_FROM_SHORT_TAG;
    p->depth--;
    return list;
}

/* Everything that starts with '#'. */
static sp_doc *parse_hash(sexp_parser *p)
{
    size_t start = p->pos;
    if (start + 1 >= p->len) {
        error_at(p, start, 1, "%s", "a lone '#' (expected #t, #f, #:keyword, #\\char, #( …)");
        return NULL;
    }
    char c = p->text[start + 1];
    switch (c) {
    case '(':
        p->pos++;
        return parse_list(p, 1, true);
    case '\\':
        return parse_char(p);
    case ':': {
        size_t end = token_end(p, start + 2);
        if (end == start + 2) {
            error_at(p, start, 2, "%s", "'#:' must be followed by the keyword's name");
            return NULL;
        }
        const char *nul = memchr(p->text + start, 0, end - start);
        if (nul) {
            error_at(p, (size_t)(nul - p->text), 1, "%s", "a NUL byte is not allowed in a keyword");
            return NULL;
        }
        p->pos = end;
        sp_doc *d = sp_reader_scalar(p->ctx, SP_DOC_STRING, p->src, start, end, p->text + start + 2,
                                     end - start - 2);
        if (d)
            d->flags |= SP_DOC_KEYWORD;
        return d;
    }
    case '\'':
        return parse_prefixed(p, 2, "syntax");
    case '`':
        return parse_prefixed(p, 2, "quasisyntax");
    case ',':
        if (start + 2 < p->len && p->text[start + 2] == '@')
            return parse_prefixed(p, 3, "unsyntax-splicing");
        return parse_prefixed(p, 2, "unsyntax");
    case '~':
        return parse_prefixed(p, 2, "gexp");
    case '$':
        if (start + 2 < p->len && p->text[start + 2] == '@')
            return parse_prefixed(p, 3, "ungexp-splicing");
        return parse_prefixed(p, 2, "ungexp");
    case '+':
        if (start + 2 < p->len && p->text[start + 2] == '@')
            return parse_prefixed(p, 3, "ungexp-native-splicing");
        return parse_prefixed(p, 2, "ungexp-native");
    case '{': {
        /* #{symbol with spaces}# */
        size_t i = start + 2;
        while (i + 1 < p->len && !(p->text[i] == '}' && p->text[i + 1] == '#')) {
            if (p->text[i] == '\0') {
                error_at(p, i, 1, "%s", "a NUL byte is not allowed in a symbol");
                return NULL;
            }
            i++;
        }
        if (i + 1 >= p->len) {
            error_at(p, start, 2, "%s", "unterminated symbol: no closing '}#' for this '#{'");
            return NULL;
        }
        p->pos = i + 2;
        return symbol_node(p, start, p->pos, p->text + start + 2, i - start - 2);
    }
    case '!': {
        size_t n = 0;
        hash_bang_word(p, start + 2, &n);
        char word[16];
        snprintf(word, sizeof word, "%.*s", (int)n, p->text + start + 2);
        error_at(p, start, n + 2,
                 "'#!%s' is not supported (lambda* takes #:optional, #:key and #:rest)", word);
        return NULL;
    }
    default:
        break;
    }
    size_t end = token_end(p, start);
    const char *nul = memchr(p->text + start, 0, end - start);
    if (nul) {
        error_at(p, (size_t)(nul - p->text), 1, "%s", "a NUL byte is not allowed here");
        return NULL;
    }
    const char *t = p->text + start + 1;
    size_t n = end - start - 1;
    if ((n == 1 && (t[0] == 't' || t[0] == 'f')) || (n == 4 && !memcmp(t, "true", 4)) ||
        (n == 5 && !memcmp(t, "false", 5))) {
        p->pos = end;
        return sp_reader_scalar(p->ctx, SP_DOC_BOOL, p->src, start, end, t, n);
    }
    /* Numbers with radix and exactness prefixes: #x1f #e1.5 #x#e10 … */
    int radix = 10, prefixes = 0;
    size_t i = start;
    bool radix_seen = false, exact_seen = false, bad = false;
    while (i + 1 < end && p->text[i] == '#' && prefixes < 2) {
        char r = p->text[i + 1];
        if (r && strchr("xXbBoOdD", r) && !radix_seen) {
            radix_seen = true;
            radix = (r == 'x' || r == 'X') ? 16 : (r == 'b' || r == 'B') ? 2
                                                : (r == 'o' || r == 'O') ? 8
                                                                         : 10;
        } else if (r && strchr("eEiI", r) && !exact_seen) {
            exact_seen = true;
        } else {
            bad = prefixes > 0;
            break;
        }
        prefixes++;
        i += 2;
    }
    if (prefixes && !bad) {
        p->pos = end;
        if (!is_number(p->text + i, end - i, radix)) {
            char tok[48];
            snprintf(tok, sizeof tok, "%.*s", (int)(end - start < 40 ? end - start : 40),
                     p->text + start);
            error_at(p, start, end - start, "'%s' is not a number in the radix its prefix names",
                     tok);
            return NULL;
        }
        return sp_reader_scalar(p->ctx, SP_DOC_NUMBER, p->src, start, end, p->text + start,
                                end - start);
    }
    char tok[48];
    snprintf(tok, sizeof tok, "%.*s", (int)(end - start < 40 ? end - start : 40),
             p->text + start);
    if ((n >= 2 && !memcmp(t, "u8", 2)) || (n >= 3 && !memcmp(t, "vu8", 3)))
        error_at(p, start, end - start, "bytevectors ('%s') are not supported", tok);
    else if (n >= 1 && t[0] == '*')
        error_at(p, start, end - start, "bit vectors ('%s') are not supported", tok);
    else if (n == 3 && !memcmp(t, "nil", 3))
        error_at(p, start, end - start, "'%s' (Emacs Lisp's nil) is not supported", tok);
    else if (n >= 1 && t[0] == '.')
        error_at(p, start, end - start, "'%s' (evaluation at read time) is not supported", tok);
    else if (n >= 1 && t[0] == '<')
        error_at(p, start, end - start, "'%s' is the printed form of an object that cannot be "
                                        "read back",
                 tok);
    else
        error_at(p, start, end - start ? end - start : 1, "unknown '#' syntax '%s'", tok);
    return NULL;
}

static sp_doc *parse_datum(sexp_parser *p)
{
    char buf[64];
    if (p->pos >= p->len) {
        sp_error(p->ctx, sp_reader_loc(p->src, p->pos, 1), "expected a datum, found %s",
                 describe(p, p->pos, buf, sizeof buf));
        return NULL;
    }
    switch (p->text[p->pos]) {
    case '(':
    case '[':
        return parse_list(p, 0, false);
    case ')':
    case ']':
        error_at(p, p->pos, 1, "unexpected '%s': there is no open list to close",
                 p->text[p->pos] == ')' ? ")" : "]");
        return NULL;
    case '"':
        return parse_string(p);
    case '\'':
        return parse_prefixed(p, 1, "quote");
    case '`':
        return parse_prefixed(p, 1, "quasiquote");
    case ',':
        if (p->pos + 1 < p->len && p->text[p->pos + 1] == '@')
            return parse_prefixed(p, 2, "unquote-splicing");
        return parse_prefixed(p, 1, "unquote");
    case '#':
        return parse_hash(p);
    case '|':
        return parse_bar_symbol(p);
    default:
        return parse_token(p);
    }
}

sp_doc *sp_read_sexp(sp_ctx *ctx, uint32_t src)
{
    const sp_source *s = sp_reader_source(ctx, src, NULL);
    if (!s)
        return NULL;
    sexp_parser p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.src = src;
    p.text = s->text;
    p.len = s->len;
    if (p.len >= 3 && memcmp(p.text, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    sp_doc *root = NULL;
    size_t first = 0, last = 0;
    bool ok = true;
    for (;;) {
        if (!skip_atmosphere(&p)) {
            ok = false;
            break;
        }
        if (p.pos >= p.len)
            break;
        size_t at = p.pos;
        sp_doc *form = parse_datum(&p);
        if (!form || !sp_node_stack_push(ctx, &p.stack, form)) {
            ok = false;
            break;
        }
        if (p.stack.len == 1)
            first = at;
        last = form->end;
    }
    if (ok) {
        if (!p.stack.len) {
            root = sp_reader_scalar(ctx, SP_DOC_NULL, src, p.pos, p.pos, "", 0);
        } else {
            root = sp_reader_node(ctx, SP_DOC_SEQ, src, first, last);
            if (root && !sp_reader_finish_collection(ctx, &p.stack, 0, root))
                root = NULL;
        }
    }
    sp_node_stack_free(&p.stack);
    free(p.buf.text);
    return root;
}
