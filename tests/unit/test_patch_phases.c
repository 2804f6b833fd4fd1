/* Phase files over the shared corpus: for every update pair of
 * ../shared/corpus/cfn-pairs, a few intermediate configurations (a per
 * component mix of before and after, closed so that every reference
 * resolves, as the planner's mixes are) are written with the code `fix`
 * uses, then checked:
 *   - the text reads back and is the intended template (sp_doc_equal with
 *     the mix composed as documents);
 *   - it loads, after `before`, as an update without error;
 *   - every component taken at its old version is unchanged from `before`
 *     (so the parameters, conditions and mappings it was given keep its
 *     meaning), and every one at its new version unchanged towards
 *     `after`;
 *   - the mix of all-new versions is `after` byte for byte.
 * Mixes that need OLD's and NEW's differing definitions of one parameter,
 * condition or mapping at once, or SAM resources that inherit changed
 * Globals at different versions, are refused by design; they are counted.
 * Prints the numbers; fails on any failure.  Skips when the corpus is
 * absent. */
#include "frontend/frontend.h"
#include "model/model.h"
#include "output/patch.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static unsigned pairs, skipped, mixes, refused, refused_sam, failures, from_old_sections, identity,
    renamed_mixes;

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

static bool load(sp_ctx *ctx, const sp_doc *a, const sp_doc *b, sp_model *m)
{
    sp_frontend_options opt;
    memset(&opt, 0, sizeof opt);
    return sp_cfn_load(ctx, &opt, a, b, m);
}

static sp_change change_of(const sp_model *m, const char *key)
{
    uint32_t k = sp_model_find(m, key);
    return k == SP_NONE ? (sp_change)-1 : m->components.items[k].change;
}

static bool exists_at(const sp_component *c, unsigned char v)
{
    return (v ? c->inst_new : c->inst_old) != SP_NONE;
}

/* Defers components until every reference of every present instance
 * resolves (the planner's rule: a reference to a replaced component needs
 * the same version). */
static void close_mix(const sp_model *m, unsigned char *to)
{
    size_t nc = m->components.len;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t k = 0; k < nc; k++) {
            const sp_component *c = &m->components.items[k];
            uint32_t inst = to[k] ? c->inst_new : c->inst_old;
            if (inst == SP_NONE)
                continue;
            const sp_instance *in = &m->instances.items[inst];
            for (uint32_t i = 0; i < in->deps_count; i++) {
                uint32_t j = m->deps.items[in->deps_first + i].component;
                const sp_component *d = &m->components.items[j];
                bool ok = exists_at(d, to[j]);
                if (ok && d->change == SP_CHANGE_REPLACED && in->version != SP_VER_BOTH)
                    ok = to[j] == (in->version == SP_VER_NEW);
                if (!ok) {
                    /* Towards all-old, which is well formed: k back when
                     * it is new, else the j it needs at its old version. */
                    if (to[k] && c->change != SP_CHANGE_UNCHANGED)
                        to[k] = 0;
                    else if (to[j])
                        to[j] = 0;
                    else
                        continue;
                    changed = true;
                    break;
                }
            }
        }
    }
}

static const char *dump_dir;
static const char *last_text;
static size_t last_len;

static void fail(const char *id, unsigned mix, const char *why, const char *detail)
{
    failures++;
    if (dump_dir && last_text) {
        char p[8192];
        snprintf(p, sizeof p, "%s/%s.mix%u", dump_dir, id, mix);
        FILE *f = fopen(p, "wb");
        if (f) {
            fwrite(last_text, 1, last_len, f);
            fclose(f);
        }
    }
    printf("FAIL %s mix %u: %s%s%s\n", id, mix, why, detail ? ": " : "", detail ? detail : "");
}

static void one_mix(const char *id, unsigned mixno, sp_ctx *ctx, const sp_model *m,
                    unsigned char *to, const sp_ptext *oldt, const sp_ptext *newt, bool all_new)
{
    mixes++;
    last_text = NULL;
    sp_phase_info info;
    sp_doc *expect = NULL;
    size_t len;
    size_t ndiag = ctx->diags.len;
    char *text = sp_phase_compose(ctx, m, to, oldt, newt, &sp_profile_cfn, &len, &info, &expect);
    if (!text) {
        const char *msg = ctx->diags.len > ndiag ? ctx->diags.items[ctx->diags.len - 1].message : "?";
        if (strstr(msg, "snipeproof cannot write it")) {
            refused++;
            refused_sam += strstr(msg, "take part of their definitions from here") ||
                           strstr(msg, "has nothing to hold them in");
            if (all_new || getenv("SP_VERBOSE"))
                printf("%s %s mix %u: %s\n", all_new ? "FAIL" : "refused", id, mixno, msg);
            failures += all_new;
            return;
        }
        fail(id, mixno, "not written", msg);
        return;
    }
    last_text = text;
    last_len = len;
    if (all_new) {
        if (len == newt->len && !memcmp(text, newt->text, len))
            identity++;
        else
            fail(id, mixno, "the all-new mix is not the new template byte for byte", NULL);
    }
    from_old_sections += info.nsections_old > 0;
    sp_ptext *back = sp_ptext_from(ctx, "mix", text, len);
    if (!back) {
        fail(id, mixno, "does not read back", ctx->diags.items[ctx->diags.len - 1].message);
        return;
    }
    if (!sp_doc_equal(expect, back->root)) {
        /* Name the first section and entry that differ. */
        char where[600] = "?";
        for (size_t i = 0; i < expect->u.map.len; i++) {
            const sp_doc *k = expect->u.map.pairs[i].key, *v = expect->u.map.pairs[i].value;
            const sp_doc *bv = sp_doc_get(back->root, k->u.scalar.text);
            if (bv && sp_doc_equal(v, bv))
                continue;
            snprintf(where, sizeof where, "%s", k->u.scalar.text);
            for (size_t j = 0; bv && v->kind == SP_DOC_MAP && j < v->u.map.len; j++) {
                const sp_doc_pair *p = &v->u.map.pairs[j];
                const sp_doc *b2 = sp_doc_get(bv, p->key->u.scalar.text);
                if (!b2 || !sp_doc_equal(p->value, b2)) {
                    snprintf(where, sizeof where, "%s %s%s", k->u.scalar.text,
                             p->key->u.scalar.text, b2 ? "" : " (missing)");
                    break;
                }
            }
            break;
        }
        fail(id, mixno, "not the intended template", where);
        return;
    }
    sp_model m1, m2;
    if (!load(ctx, oldt ? oldt->root : NULL, back->root, &m1)) {
        fail(id, mixno, "does not load after before", ctx->diags.items[ctx->diags.len - 1].message);
        return;
    }
    if (!load(ctx, back->root, newt->root, &m2)) {
        fail(id, mixno, "after does not load after it", ctx->diags.items[ctx->diags.len - 1].message);
        return;
    }
    /* OLD's conditions and mappings renamed: CloudFormation resolves them
     * before it compares, so nothing it deploys changes; snipeproof's
     * front-end reads undecided ones by name and may see a change (its
     * re-check in `fix` is then conservative).  Meanings are not compared. */
    if (info.nrenamed) {
        renamed_mixes++;
        return;
    }
    for (size_t k = 0; k < m->components.len; k++) {
        const sp_component *c = &m->components.items[k];
        bool newv = to[k] || c->change == SP_CHANGE_UNCHANGED;
        sp_change ch = newv ? change_of(&m2, c->key) : change_of(&m1, c->key);
        bool present = newv ? c->inst_new != SP_NONE : c->inst_old != SP_NONE;
        /* A definition that reads attributes of a component switched in
         * this mix may change through them (the front-end's cascade); only
         * the others must be unchanged. */
        bool cascade = false;
        uint32_t inst = newv ? c->inst_new : c->inst_old;
        for (uint32_t i = 0; present && i < m->instances.items[inst].deps_count; i++) {
            uint32_t j = m->deps.items[m->instances.items[inst].deps_first + i].component;
            bool jnew = to[j] || m->components.items[j].change == SP_CHANGE_UNCHANGED;
            cascade |= jnew != newv && m->components.items[j].change != SP_CHANGE_UNCHANGED;
        }
        if (present && !cascade && ch != SP_CHANGE_UNCHANGED && ch != SP_CHANGE_RIPPLE) {
            char buf[300];
            snprintf(buf, sizeof buf, "%s at its %s version is %s %s", c->key,
                     newv ? "new" : "old", sp_change_name(ch),
                     newv ? "towards after" : "from before");
            fail(id, mixno, "a definition changed meaning", buf);
            return;
        }
    }
}

static void one_pair(const char *dir, const char *id)
/* (dir is at most 4400 bytes long) */
{
    char bp[4608], ap[4608];
    const char *exts[] = {"yaml", "yml", "json"};
    size_t blen = 0, alen = 0;
    char *btext = NULL, *atext = NULL;
    for (size_t i = 0; i < 3 && !btext; i++) {
        snprintf(bp, sizeof bp, "%s/before.%s", dir, exts[i]);
        snprintf(ap, sizeof ap, "%s/after.%s", dir, exts[i]);
        btext = slurp(bp, &blen);
        if (btext)
            atext = slurp(ap, &alen);
    }
    if (!btext || !atext) {
        free(btext);
        return;
    }
    sp_ctx ctx;
    sp_ctx_init(&ctx);
    sp_ptext *oldt = sp_ptext_from(&ctx, bp, btext, blen);
    sp_ptext *newt = sp_ptext_from(&ctx, ap, atext, alen);
    sp_model m;
    if (!oldt || !newt || !load(&ctx, oldt->root, newt->root, &m)) {
        skipped++;
        goto out;
    }
    pairs++;
    size_t nc = m.components.len;
    unsigned char *to = calloc(nc + 1, 1);
    /* 1: all new (must give `after` itself); 2: every other changed
     * component new; 3: pseudo-random; 4: all old. */
    uint32_t seed = 2166136261u;
    for (const char *p = id; *p; p++)
        seed = (seed ^ (unsigned char)*p) * 16777619u;
    for (unsigned mix = 1; mix <= 4; mix++) {
        unsigned nth = 0;
        for (size_t k = 0; k < nc; k++) {
            bool changed = m.components.items[k].change != SP_CHANGE_UNCHANGED;
            seed = seed * 1103515245u + 12345u;
            to[k] = mix == 1 ? 1 : mix == 4 ? 0 : mix == 2 ? (changed && (nth++ & 1)) : (seed >> 16) & 1;
        }
        if (mix == 2 || mix == 3)
            close_mix(&m, to);
        one_mix(id, mix, &ctx, &m, to, oldt, newt, mix == 1);
    }
    free(to);
out:
    sp_ctx_release(&ctx);
    free(btext);
    free(atext);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    char corpus[4096];
    const char *env = getenv("SP_CORPUS");
    dump_dir = getenv("SP_DUMP_MIXES");
    if (argc > 1)
        snprintf(corpus, sizeof corpus, "%s", argv[1]);
    else if (env)
        snprintf(corpus, sizeof corpus, "%s", env);
    else {
        snprintf(corpus, sizeof corpus, "%s", __FILE__);
        char *cut = strstr(corpus, "/tests/unit/");
        if (!cut) {
            printf("test_patch_phases: skipped: cannot tell where the repository is\n");
            return 0;
        }
        snprintf(cut, sizeof corpus - (size_t)(cut - corpus), "/../shared/corpus/cfn-pairs");
    }
    struct dirent **ents;
    int n = scandir(corpus, &ents, NULL, by_name);
    if (n < 0) {
        printf("test_patch_phases: skipped: no corpus at %s\n", corpus);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            char dir[4400];
            snprintf(dir, sizeof dir, "%s/%s", corpus, ents[i]->d_name);
            struct stat st;
            if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
                one_pair(dir, ents[i]->d_name);
        }
        free(ents[i]);
    }
    free(ents);
    printf("phase files: %u pairs (%u skipped: they do not load), %u mixes written and checked "
           "(%u refused: %u a parameter with another Type or Default needed both ways, %u SAM "
           "resources that share changed Globals at different versions; %u took "
           "entries from before, %u renamed a condition or mapping of before; %u all-new mixes "
           "are the after file byte for byte), %u failures\n",
           pairs, skipped, mixes, refused, refused - refused_sam, refused_sam, from_old_sections,
           renamed_mixes, identity, failures);
    return failures ? 1 : 0;
}
