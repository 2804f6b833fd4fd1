/* Differential test of the JSON reader against jansson: thousands of
 * generated and mutated inputs (seeded, so every run is the same), a list
 * of hand-picked edge cases, and every .json file of ../shared/corpus when
 * it is present.  Both must accept exactly the same inputs and read the
 * same values; the intended differences are listed in test_json_oracle.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json_oracle.h"

#include <dirent.h>
#include <sys/stat.h>

/* ---- a reproducible generator ----------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * UINT64_C(2685821657736338717);
}

static unsigned below(rng *r, unsigned n)
{
    return (unsigned)(next(r) % n);
}

static bool chance(rng *r, unsigned percent)
{
    return below(r, 100) < percent;
}

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Mostly legal whitespace; now and then something JSON does not allow. */
static void whitespace(rng *r, buf *b)
{
    static const char *legal[] = {"", "", "", " ", "\n", "\t", "\r\n", "  "};
    static const char *illegal[] = {"\f", "\v", "\xc2\xa0", "/* c */", "# c\n", "\x00"};
    if (chance(r, 2)) {
        const char *w = illegal[below(r, 6)];
        put(b, w, w[0] ? strlen(w) : 1);
        return;
    }
    puts_(b, legal[below(r, 8)]);
}

static void gen_string(rng *r, buf *b)
{
    puts_(b, "\"");
    unsigned n = below(r, 8);
    for (unsigned i = 0; i < n; i++) {
        char tmp[32];
        switch (below(r, 14)) {
        case 0:
            puts_(b, "\\n");
            break;
        case 1: {
            static const char *esc[] = {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t"};
            puts_(b, esc[below(r, 7)]);
            break;
        }
        case 2: /* any BMP escape, surrogates included */
            snprintf(tmp, sizeof tmp, "\\u%04X", below(r, 0x10000));
            puts_(b, tmp);
            break;
        case 3: /* a valid pair */
            snprintf(tmp, sizeof tmp, "\\u%04x\\u%04x", 0xD800 + below(r, 0x400),
                     0xDC00 + below(r, 0x400));
            puts_(b, tmp);
            break;
        case 4: /* raw UTF-8 */ {
            static const char *u[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbf"};
            puts_(b, u[below(r, 4)]);
            break;
        }
        case 5: /* an occasional bad byte or escape */
            if (chance(r, 30)) {
                static const char *bad[] = {"\xff", "\xc3", "\xed\xa0\x80", "\\x", "\\u12",
                                            "\x01", "\t", "\\", "\\u0000", "\xc0\x80"};
                puts_(b, bad[below(r, 10)]);
            }
            break;
        default:
            tmp[0] = (char)(' ' + 1 + below(r, 94));
            if (tmp[0] == '"' || tmp[0] == '\\')
                tmp[0] = 'a';
            put(b, tmp, 1);
        }
    }
    puts_(b, "\"");
}

static void gen_number(rng *r, buf *b)
{
    static const char *odd[] = {"-",    "01",   "1.",   ".5",   "+1",    "1e",   "1e+",  "-0",
                                "0e0",  "1E-0", "1e400", "-1e400", "1e-400", "00", "0.0e+00",
                                "123456789012345678901234567890", "1.5e308", "2e-324", "-",
                                "0x1"};
    if (chance(r, 15)) {
        puts_(b, odd[below(r, sizeof odd / sizeof *odd)]);
        return;
    }
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%s%u", chance(r, 30) ? "-" : "", below(r, 100000));
    if (chance(r, 30))
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".%u", below(r, 1000));
    if (chance(r, 20))
        snprintf(tmp + n, sizeof tmp - (size_t)n, "%s%s%u", chance(r, 50) ? "e" : "E",
                 chance(r, 50) ? (chance(r, 50) ? "+" : "-") : "", below(r, 30));
    puts_(b, tmp);
}

static void gen_value(rng *r, buf *b, int depth);

static void gen_object(rng *r, buf *b, int depth)
{
    puts_(b, "{");
    unsigned n = below(r, 5);
    char key[8];
    for (unsigned i = 0; i < n; i++) {
        whitespace(r, b);
        /* Small key space, so duplicates happen now and then. */
        snprintf(key, sizeof key, "\"k%u\"", below(r, 12));
        puts_(b, key);
        whitespace(r, b);
        puts_(b, ":");
        whitespace(r, b);
        gen_value(r, b, depth + 1);
        whitespace(r, b);
        if (i + 1 < n || chance(r, 2))
            puts_(b, ",");
    }
    whitespace(r, b);
    puts_(b, "}");
}

static void gen_array(rng *r, buf *b, int depth)
{
    puts_(b, "[");
    unsigned n = below(r, 5);
    for (unsigned i = 0; i < n; i++) {
        whitespace(r, b);
        gen_value(r, b, depth + 1);
        whitespace(r, b);
        if (i + 1 < n || chance(r, 2))
            puts_(b, ",");
    }
    whitespace(r, b);
    puts_(b, "]");
}

static void gen_value(rng *r, buf *b, int depth)
{
    unsigned pick = below(r, depth > 5 ? 6 : 9);
    switch (pick) {
    case 0:
        gen_string(r, b);
        break;
    case 1:
        gen_number(r, b);
        break;
    case 2: {
        static const char *lit[] = {"true", "false", "null", "True", "nul", "NaN", "tru"};
        puts_(b, lit[chance(r, 95) ? below(r, 3) : below(r, 7)]);
        break;
    }
    case 3:
    case 4:
    case 5:
        gen_string(r, b);
        break;
    case 6:
    case 7:
        gen_object(r, b, depth);
        break;
    default:
        gen_array(r, b, depth);
    }
}

static void mutate(rng *r, buf *b)
{
    static const char interesting[] = "{}[]:,\"\\ -+.0123456789eEtfnu\x80\xff\n\t";
    unsigned edits = 1 + below(r, 3);
    for (unsigned e = 0; e < edits && b->len; e++) {
        size_t at = below(r, (unsigned)b->len);
        switch (below(r, 4)) {
        case 0:
            b->p[at] = interesting[below(r, sizeof interesting - 1)];
            break;
        case 1:
            memmove(b->p + at, b->p + at + 1, b->len - at);
            b->len--;
            break;
        case 2: {
            char c = interesting[below(r, sizeof interesting - 1)];
            put(b, " ", 1);
            memmove(b->p + at + 1, b->p + at, b->len - at - 1);
            b->p[at] = c;
            break;
        }
        default:
            b->len = at;
            b->p[at] = 0;
        }
    }
}

/* ---- the tests --------------------------------------------------------- */

typedef struct tally {
    unsigned agree_accept, agree_reject, exempt, disagree;
} tally;

static void compare_one(const char *text, size_t len, tally *t)
{
    char why[512];
    oracle_verdict v = oracle_compare(text, len, why, sizeof why);
    if (v == ORACLE_DISAGREE) {
        t->disagree++;
        if (t->disagree <= 10)
            print_message("disagreement on %.*s\n  %s\n", len > 300 ? 300 : (int)len, text, why);
        return;
    }
    if (v == ORACLE_EXEMPT) {
        t->exempt++;
        return;
    }
    /* Agreement: find out which way, for the counts. */
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    uint32_t src = sp_source_add(&ctx, "x.json", text, len);
    if (sp_read_json(&ctx, src))
        t->agree_accept++;
    else
        t->agree_reject++;
    sp_ctx_release(&ctx);
}

static void test_generated_inputs(void **state)
{
    (void)state;
    enum { CASES = 20000 };
    rng r = {UINT64_C(0x5eed5eed5eed5eed)};
    tally t = {0};
    buf b = {0};
    for (int i = 0; i < CASES; i++) {
        b.len = 0;
        whitespace(&r, &b);
        gen_value(&r, &b, 0);
        whitespace(&r, &b);
        if (chance(&r, 40))
            mutate(&r, &b);
        compare_one(b.p ? b.p : "", b.len, &t);
    }
    free(b.p);
    print_message("generated: %u accepted by both, %u rejected by both, %u exempt, %u "
                  "disagreements\n",
                  t.agree_accept, t.agree_reject, t.exempt, t.disagree);
    assert_int_equal(t.disagree, 0);
    /* The generator must exercise both verdicts substantially. */
    assert_true(t.agree_accept > CASES / 5);
    assert_true(t.agree_reject > CASES / 5);
}

static void test_edge_cases(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "0", "-0", "1", "-1", "1.0", "1e5", "1E+5", "1e-5", "0.1e1", "[]", "{}", "\"\"",
        "\"\\u0041\"", "\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\"", "\"\\udbff\\udfff\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\ud800\"", "\"\\ud800x\"", "\"\\u0000\"",
        "\"\\uFFFF\"", "\"\\uFEFF\"", "\"\xef\xbf\xbf\"", "\"\xf4\x8f\xbf\xbf\"",
        "\"\xf4\x90\x80\x80\"", "\"\xed\x9f\xbf\"", "\"\xed\xa0\x80\"", "\"\xe0\x9f\xbf\"",
        "\"\xc1\xbf\"", "\"\x7f\"", "\"\x1f\"", "01", "1.", ".1", "+1", "-", "--1", "1e",
        "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "[1,]", "[,1]",
        "{,}", "{\"a\":1,}", "{\"a\"}", "{\"a\":}", "{1:1}", "{\"a\":1 \"b\":2}", "[1 2]",
        "true false", "nul", "truex", "[true,false,null]", "[\"a\",\"a\"]",
        "{\"a\":1,\"a\":1}", "{\"a\":{\"a\":{\"a\":1}}}", " [ 1 , 2 ] ", "\t\n\r[]",
        "[]\n\n", "[] x", "\xef\xbb\xbf[]", "\xef\xbb\xbf", "[\"\\/\"]", "[\"\\'\"]",
        "['a']", "[\"a\x00b\"]", "[1]\x00", "{\"\\u0000\":1}", "{\"a\\u0000\":1}",
        "[1e1000000000000000000]", "[0.0000000000000000000000000000001]", "[\"\\u00e9\"]",
        "[\"\xc3\xa9\"]", "[\f]", "[\v]", "[\xc2\xa0]", "/*x*/[]", "[]//x",
    };
    tally t = {0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        compare_one(cases[i], strlen(cases[i]), &t);
    }
    /* Inputs with NUL bytes, with their full length. */
    compare_one("[\"a\0b\"]", 7, &t);
    compare_one("[1]\0", 4, &t);
    compare_one("[1,\0 2]", 7, &t);
    assert_int_equal(t.disagree, 0);
}

static char *corpus_dir(void)
{
    const char *file = __FILE__;
    const char *end = strstr(file, "tests/unit/test_json_jansson.c");
    if (!end)
        return NULL;
    size_t n = (size_t)(end - file);
    const char *rel = "../shared/corpus";
    char *path = malloc(n + strlen(rel) + 1);
    memcpy(path, file, n);
    strcpy(path + n, rel);
    return path;
}

static void walk(const char *dir, tally *t, unsigned *files)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(n);
        snprintf(path, n, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            walk(path, t, files);
        } else {
            const char *ext = strrchr(e->d_name, '.');
            FILE *f = ext && strcmp(ext, ".json") == 0 ? fopen(path, "rb") : NULL;
            if (f) {
                char *text = malloc((size_t)sb.st_size + 1);
                size_t len = fread(text, 1, (size_t)sb.st_size, f);
                fclose(f);
                (*files)++;
                unsigned before = t->disagree;
                compare_one(text, len, t);
                if (t->disagree != before)
                    print_message("  in %s\n", path);
                free(text);
            }
        }
        free(path);
    }
    closedir(d);
}

static void test_shared_corpus_json(void **state)
{
    (void)state;
    char *dir = corpus_dir();
    struct stat sb;
    if (!dir || stat(dir, &sb) != 0) {
        print_message("skipped: ../shared/corpus is absent\n");
        free(dir);
        skip();
    }
    tally t = {0};
    unsigned files = 0;
    walk(dir, &t, &files);
    print_message("corpus: %u JSON files, %u accepted by both, %u rejected by both\n", files,
                  t.agree_accept, t.agree_reject);
    assert_true(files > 0);
    assert_int_equal(t.disagree, 0);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_generated_inputs),
        cmocka_unit_test(test_shared_corpus_json),
    };
    return cmocka_run_group_tests_name("json_jansson", tests, NULL, NULL);
}
