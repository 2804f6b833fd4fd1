/* Round trip of the DependsOn merge over the shared corpus (issue 4):
 * every template of ../shared/corpus (both files of every pair, and
 * cfn-large), YAML and JSON.  For a few (first, then) pairs of resources
 * per template — one `then` of each DependsOn shape the template has
 * (none, a name, a block list, a flow list, a flow resource) — it inserts
 * "then DependsOn first" with the code `fix` uses, then checks that
 *   - the text reads back and is the template plus exactly that entry
 *     (sp_patch_deps_verify: same keys in the same order, equal values);
 *   - the model (`snipeproof model '' T` as a dump) is the original one
 *     plus exactly "dep FIRST declared" under THEN and, at most, the order
 *     edge it implies;
 *   - the textual diff touches only inserted lines, or changes one line
 *     by insertions within it (a name added to a one-line list; in JSON a
 *     comma after the pair or item before the new one);
 *   - JSON stays JSON (jansson reads it too).
 * Templates that do not load (CloudFormation would reject them; see
 * tests/suites/corpus-load.expect) are counted and skipped.  Prints the
 * numbers; fails on any failure.  Skips, with a message, when the corpus
 * is absent (SP_CORPUS overrides where it is looked for). */
#include "frontend/frontend.h"
#include "model/model.h"
#include "output/patch.h"

#include <dirent.h>
#include <stdint.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct stats {
    unsigned templates, skipped, duplicates, insertions, failures;
    unsigned shapes[5];
    unsigned json_templates, json_insertions;
} stats;

static stats S;
static const char *const shape_names[] = {"no DependsOn", "DependsOn: name",
                                          "DependsOn block list", "DependsOn flow list",
                                          "YAML flow resource"};
/* Per template: up to this many resources without DependsOn, and one of
 * each other shape. */
enum { PLAIN_PER_TEMPLATE = 3 };

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (!got)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* The model of "" -> doc as a dump; NULL when it does not load. */
static char *model_dump(sp_ctx *ctx, const sp_doc *doc, sp_model *m)
{
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    if (!sp_cfn_load(ctx, &opt, NULL, doc, m))
        return NULL;
    sp_update u;
    memset(&u, 0, sizeof u);
    if (!sp_update_build(&u, m, false))
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sp_model_dump(m, &u, f);
    fclose(f);
    return buf;
}

/* Lines of a text (copies, NUL-terminated, without their breaks). */
typedef struct lines {
    char **l;
    size_t n;
} lines;

static lines split(const char *t, size_t len)
{
    lines L = {NULL, 0};
    size_t cap = 0;
    const char *p = t, *end = t + len;
    while (p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        const char *le = lf ? lf : end;
        if (L.n == cap)
            L.l = realloc(L.l, (cap = cap ? cap * 2 : 256) * sizeof *L.l);
        L.l[L.n++] = strndup(p, (size_t)(le - p));
        p = lf ? lf + 1 : end;
    }
    return L;
}

static void lines_free(lines *L)
{
    for (size_t i = 0; i < L->n; i++)
        free(L->l[i]);
    free(L->l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether `a` is `b` with characters inserted (a subsequence test). */
static bool only_insertions(const char *b, const char *a)
{
    while (*a && *b) {
        if (*a == *b)
            b++;
        a++;
    }
    return *b == '\0';
}

static bool mentions(const char *line, const char *first)
{
    return strstr(line, "DependsOn") || strstr(line, first);
}

/* The textual diff of one insertion: common first and last lines, then at
 * most one original line, changed by insertions only; every other new line
 * holds DependsOn or the inserted name. */
static const char *text_diff_ok(const char *orig, size_t olen, const char *out, size_t nlen,
                                const char *first)
{
    lines a = split(orig, olen), b = split(out, nlen);
    size_t p = 0;
    while (p < a.n && p < b.n && !strcmp(a.l[p], b.l[p]))
        p++;
    size_t s = 0;
    while (s < a.n - p && s < b.n - p && !strcmp(a.l[a.n - 1 - s], b.l[b.n - 1 - s]))
        s++;
    size_t na = a.n - p - s, nb = b.n - p - s;
    const char *why = NULL;
    if (na > 1)
        why = "more than one original line changed";
    else if (nb < na)
        why = "lines were removed";
    else {
        size_t k = 0;
        if (na == 1) {
            if (!only_insertions(a.l[p], b.l[p]))
                why = "a line changed other than by insertions";
            /* A line that only gained a comma (JSON) may precede the new
             * lines; any other changed line must mention DependsOn. */
            size_t la = strlen(a.l[p]), lb = strlen(b.l[p]);
            if (!why && !(lb == la + 1 && b.l[p][lb - 1] == ',') && !mentions(b.l[p], first))
                why = "a changed line is not the DependsOn one";
            k = 1;
        }
        for (; !why && k < nb; k++)
            if (!mentions(b.l[p + k], first))
                why = "an inserted line is not a DependsOn line";
    }
    lines_free(&a);
    lines_free(&b);
    return why;
}

/* The dump of the patched template is the original plus the dep line
 * under THEN and at most one order line. */
static const char *model_diff_ok(const char *d0, const char *d1, const char *then,
                                 const char *first)
{
    lines a = split(d0, strlen(d0)), b = split(d1, strlen(d1));
    const char *why = NULL;
    /* The dep line must sit in THEN's component block. */
    char want[512];
    snprintf(want, sizeof want, "    dep %s declared", first);
    char head[512];
    snprintf(head, sizeof head, "component %s ", then);
    bool in = false, found = false;
    for (size_t i = 0; i < b.n; i++) {
        if (!strncmp(b.l[i], "component ", 10))
            in = !strncmp(b.l[i], head, strlen(head));
        if (in && !strcmp(b.l[i], want))
            found = true;
    }
    if (!found)
        why = "no 'dep FIRST declared' under THEN";
    qsort(a.l, a.n, sizeof *a.l, cmp_str);
    qsort(b.l, b.n, sizeof *b.l, cmp_str);
    size_t i = 0, j = 0, added = 0, dep = 0, order = 0;
    while (!why && (i < a.n || j < b.n)) {
        int c = i < a.n && j < b.n ? strcmp(a.l[i], b.l[j]) : i < a.n ? -1 : 1;
        if (c == 0) {
            i++;
            j++;
        } else if (c < 0) {
            /* The header counts nothing that changes; any other line lost
             * is a difference. */
            why = "a line of the original model is gone";
        } else {
            added++;
            if (!strcmp(b.l[j], want))
                dep++;
            else if (strstr(b.l[j], " dependency") && !strncmp(b.l[j], "  e", 3))
                order++;
            else
                why = "the model gained something other than the dependency";
            j++;
        }
    }
    if (!why && (dep != 1 || order > 1))
        why = "the model did not gain exactly one dependency";
    lines_free(&a);
    lines_free(&b);
    return why;
}

/* The shape of a resource's DependsOn (index into shape_names): a YAML
 * resource in flow style counts as its own shape. */
static int shape_of(const sp_doc *def, bool json)
{
    if (!json && (def->flags & SP_DOC_FLOW))
        return 4;
    const sp_doc *d = sp_doc_get(def, "DependsOn");
    if (!d)
        return 0;
    if (d->kind != SP_DOC_SEQ)
        return 1;
    return (d->flags & SP_DOC_FLOW) && !json ? 3 : json ? 3 : 2;
}

/* Does component `from` depend, through the model's deps, on `to`? */
static bool reaches(const sp_model *m, uint32_t from, uint32_t to, unsigned char *seen)
{
    if (from == to)
        return true;
    if (seen[from])
        return false;
    seen[from] = 1;
    const sp_component *c = &m->components.items[from];
    if (c->inst_new == SP_NONE)
        return false;
    const sp_instance *in = &m->instances.items[c->inst_new];
    for (uint32_t i = 0; i < in->deps_count; i++)
        if (reaches(m, m->deps.items[in->deps_first + i].component, to, seen))
            return true;
    return false;
}

static void fail(const char *path, const char *then, const char *first, const char *why)
{
    S.failures++;
    printf("FAIL %s: %s DependsOn %s: %s\n", path, then, first, why);
}

/* FNV-1a hashes of the texts seen: identical files (a pair's "after" is
 * often the next pair's "before") are tried once. */
static uint64_t *seen_hashes;
static size_t nseen, capseen;

static bool seen_before(const char *t, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)t[i]) * 1099511628211ull;
    for (size_t i = 0; i < nseen; i++)
        if (seen_hashes[i] == h)
            return true;
    if (nseen == capseen)
        seen_hashes = realloc(seen_hashes, (capseen = capseen ? capseen * 2 : 1024) *
                                               sizeof *seen_hashes);
    seen_hashes[nseen++] = h;
    return false;
}

static bool verbose;

static void one_template(const char *path, bool json)
{
    size_t len;
    char *text = slurp(path, &len);
    if (!text)
        return;
    if (seen_before(text, len)) {
        S.duplicates++;
        free(text);
        return;
    }
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_ptext *pt = sp_ptext_from(&ctx, path, text, len);
    sp_model m;
    char *dump0 = pt ? model_dump(&ctx, pt->root, &m) : NULL;
    if (!dump0) {
        S.skipped++;
        if (verbose)
            printf("skipped %s: %s\n", path,
                   ctx.diags.len ? ctx.diags.items[ctx.diags.len - 1].message : "?");
        sp_ctx_release(&ctx);
        free(text);
        return;
    }
    S.templates++;
    S.json_templates += json;
    const sp_doc *res = sp_doc_get(pt->root, "Resources");
    size_t nc = m.components.len;
    unsigned shape_done[5] = {0};
    unsigned picked = 0;
    unsigned char *seen = calloc(nc + 1, 1);
    for (size_t t = 0; t < nc && picked < PLAIN_PER_TEMPLATE + 4; t++) {
        const sp_component *ct = &m.components.items[t];
        const sp_doc *def = sp_doc_get(res, ct->key);
        if (!def || def->kind != SP_DOC_MAP)
            continue;
        int shape = shape_of(def, json);
        if (shape_done[shape] >= (shape ? 1u : (unsigned)PLAIN_PER_TEMPLATE))
            continue;
        /* The first component that is not THEN, not declared already, and
         * that does not depend on THEN (that would make a cycle). */
        const char *first = NULL;
        for (size_t f = 0; f < nc && !first; f++) {
            if (f == t)
                continue;
            const sp_doc *dep = sp_doc_get(def, "DependsOn");
            bool declared = false;
            if (dep && dep->kind == SP_DOC_SEQ) {
                for (size_t i = 0; i < dep->u.seq.len; i++)
                    declared |= sp_doc_text_eq(dep->u.seq.items[i], m.components.items[f].key);
            } else if (dep) {
                declared = sp_doc_text_eq(dep, m.components.items[f].key);
            }
            memset(seen, 0, nc + 1);
            if (!declared && !reaches(&m, (uint32_t)f, (uint32_t)t, seen))
                first = m.components.items[f].key;
        }
        if (!first)
            continue;
        shape_done[shape]++;
        picked++;
        S.insertions++;
        S.json_insertions += json;
        S.shapes[shape]++;
        const char *firsts[1] = {first};
        sp_dep_add add = {ct->key, firsts, 1};
        size_t olen;
        char *out = sp_patch_deps(pt, &sp_profile_cfn, &add, 1, &olen);
        if (!out) {
            fail(path, ct->key, first, ctx.diags.len ? ctx.diags.items[ctx.diags.len - 1].message
                                                     : "no text");
            continue;
        }
        sp_ptext *back = sp_ptext_from(&ctx, "patched", out, olen);
        if (!back) {
            fail(path, ct->key, first, "does not read back");
            continue;
        }
        if (!sp_patch_deps_verify(&ctx, pt->root, back->root, &sp_profile_cfn, &add, 1)) {
            fail(path, ct->key, first, ctx.diags.items[ctx.diags.len - 1].message);
            continue;
        }
        if (json) {
            json_error_t err;
            json_t *j = json_loadb(out, olen, 0, &err);
            if (!j) {
                fail(path, ct->key, first, "jansson does not read the output");
                continue;
            }
            json_decref(j);
        }
        sp_model m2;
        char *dump1 = model_dump(&ctx, back->root, &m2);
        const char *why = !dump1 ? "the patched template does not load"
                                 : model_diff_ok(dump0, dump1, ct->key, first);
        if (!why)
            why = text_diff_ok(text, len, out, olen, first);
        if (why)
            fail(path, ct->key, first, why);
        free(dump1);
    }
    free(seen);
    free(dump0);
    sp_ctx_release(&ctx);
    free(text);
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static void maybe(const char *path)
{
    if (ends_with(path, ".yaml") || ends_with(path, ".yml"))
        one_template(path, false);
    else if (ends_with(path, ".json"))
        one_template(path, true);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void walk_dir(const char *dir, unsigned depth)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, by_name);
    if (n < 0)
        return;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (name[0] != '.') {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < 2)
                walk_dir(path, depth + 1);
            else if (S_ISREG(st.st_mode))
                maybe(path);
        }
        free(ents[i]);
    }
    free(ents);
}

int main(int argc, char **argv)
{
    char corpus[4096];
    const char *env = getenv("SP_CORPUS_ROOT");
    verbose = getenv("SP_VERBOSE") != NULL;
    if (argc > 1)
        snprintf(corpus, sizeof corpus, "%s", argv[1]);
    else if (env)
        snprintf(corpus, sizeof corpus, "%s", env);
    else {
        /* tests/unit/ → the repository → its sibling `shared`. */
        snprintf(corpus, sizeof corpus, "%s", __FILE__);
        char *cut = strstr(corpus, "/tests/unit/");
        if (!cut) {
            printf("test_patch_roundtrip: skipped: cannot tell where the repository is\n");
            return 0;
        }
        snprintf(cut, sizeof corpus - (size_t)(cut - corpus), "/../shared/corpus");
    }
    struct stat st;
    if (stat(corpus, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("test_patch_roundtrip: skipped: no corpus at %s\n", corpus);
        return 0;
    }
    walk_dir(corpus, 0);
    printf("round trip: %u distinct templates (%u JSON) loaded, %u skipped (they do not "
           "load), %u duplicate files; %u insertions (%u in JSON), %u failures\n",
           S.templates, S.json_templates, S.skipped, S.duplicates, S.insertions,
           S.json_insertions, S.failures);
    for (int i = 0; i < 5; i++)
        printf("  %-22s %u\n", shape_names[i], S.shapes[i]);
    return S.failures ? 1 : 0;
}
