/* Texts under edit, edits spliced at byte offsets, and the merge of extra
 * dependencies (DependsOn, after:) into a configuration's text.  The two
 * styles of writing (YAML block, flow) are in patch_yaml.c and
 * patch_json.c; see patch.h. */
#include "patch.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const sp_patch_profile sp_profile_cfn = {"Resources", "DependsOn", "Type", true};
const sp_patch_profile sp_profile_topology = {"hosts", "after", NULL, false};

/* ---- strings ---------------------------------------------------------- */

void sp_str_init(sp_str *b, sp_arena *a)
{
    memset(b, 0, sizeof *b);
    b->arena = a;
}

void sp_str_addn(sp_str *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = sp_arena_alloc(b->arena, cap);
        if (!ns) {
            b->oom = true;
            return;
        }
        if (b->len)
            memcpy(ns, b->s, b->len);
        b->s = ns;
        b->cap = cap;
    }
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sp_str_add(sp_str *b, const char *s)
{
    sp_str_addn(b, s, strlen(s));
}

void sp_str_addc(sp_str *b, char c)
{
    sp_str_addn(b, &c, 1);
}

void sp_str_spaces(sp_str *b, size_t n)
{
    while (n--)
        sp_str_addc(b, ' ');
}

/* ---- texts -------------------------------------------------------------- */

/* The indentation one level adds: from the first mapping whose first key
 * starts a line below a key that starts a line. */
static const char *guess_unit(sp_ptext *pt)
{
    const sp_doc *root = pt->root;
    for (size_t i = 0; i < root->u.map.len; i++) {
        const sp_doc_pair *p = &root->u.map.pairs[i];
        const sp_doc *v = p->value;
        if (v->kind != SP_DOC_MAP || !v->u.map.len)
            continue;
        size_t ko = sp_pt_line_start(pt, p->key->off), vo = v->u.map.pairs[0].key->off;
        size_t vs = sp_pt_line_start(pt, vo);
        if (vs == ko || !sp_pt_starts_line(pt, vo) || !sp_pt_starts_line(pt, p->key->off))
            continue;
        size_t kin = p->key->off - ko, vin = vo - vs;
        if (pt->len >= 3 && ko == 0 && memcmp(pt->text, "\xEF\xBB\xBF", 3) == 0)
            kin -= 3;
        if (vin > kin)
            return sp_arena_strndup(&pt->ctx->arena, pt->text + vs + kin, vin - kin);
    }
    return pt->yaml ? "  " : "    ";
}

static sp_ptext *open_source(sp_ctx *ctx, uint32_t src)
{
    const sp_source *s = sp_source_get(ctx, src);
    sp_doc *root = sp_read_document(ctx, src);
    if (!root)
        return NULL;
    if (root->kind != SP_DOC_MAP) {
        sp_error(ctx, sp_doc_loc(root), "a configuration is a mapping at the top");
        return NULL;
    }
    sp_ptext *pt = sp_arena_calloc(&ctx->arena, 1, sizeof *pt);
    if (!pt) {
        sp_oom(ctx);
        return NULL;
    }
    pt->ctx = ctx;
    pt->src = src;
    pt->text = s->text;
    pt->len = s->len;
    pt->root = root;
    pt->yaml = sp_detect_syntax(s->text, s->len) == SP_SYNTAX_YAML;
    const char *lf = memchr(s->text, '\n', s->len);
    pt->nl = lf && lf > s->text && lf[-1] == '\r' ? "\r\n" : "\n";
    pt->pretty = root->u.map.len && sp_pt_starts_line(pt, root->u.map.pairs[0].key->off);
    pt->unit = guess_unit(pt);
    return pt;
}

sp_ptext *sp_ptext_open(sp_ctx *ctx, uint32_t src)
{
    return open_source(ctx, src);
}

sp_ptext *sp_ptext_from(sp_ctx *ctx, const char *name, const char *text, size_t len)
{
    uint32_t src = sp_source_add(ctx, name, text, len);
    return src == SP_NO_SOURCE ? NULL : open_source(ctx, src);
}

size_t sp_pt_line_start(const sp_ptext *pt, size_t off)
{
    while (off > 0 && pt->text[off - 1] != '\n')
        off--;
    return off;
}

bool sp_pt_starts_line(const sp_ptext *pt, size_t off)
{
    size_t ls = sp_pt_line_start(pt, off);
    if (ls == 0 && pt->len >= 3 && memcmp(pt->text, "\xEF\xBB\xBF", 3) == 0)
        ls = 3;
    for (size_t i = ls; i < off; i++)
        if (pt->text[i] != ' ' && pt->text[i] != '\t')
            return false;
    return true;
}

size_t sp_pt_cut(const sp_ptext *pt, const sp_doc *node)
{
    size_t e = node->end;
    while (e > node->off && (pt->text[e - 1] == ' ' || pt->text[e - 1] == '\t' ||
                             pt->text[e - 1] == '\r' || pt->text[e - 1] == '\n'))
        e--;
    const char *lf = e < pt->len ? memchr(pt->text + e, '\n', pt->len - e) : NULL;
    return lf ? (size_t)(lf - pt->text) + 1 : pt->len;
}

/* ---- edits -------------------------------------------------------------- */

bool sp_edits_add(sp_edits *e, uint32_t off, uint32_t end, const char *text, size_t len)
{
    sp_edit ed = {off, end, text, len, e->v.len};
    if (!sp_vec_push(&e->pt->ctx->arena, &e->v, ed)) {
        sp_oom(e->pt->ctx);
        return false;
    }
    return true;
}

static int edit_cmp(const void *a, const void *b)
{
    const sp_edit *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    /* At one offset: insertions first, in the order they were made. */
    bool xi = x->end == x->off, yi = y->end == y->off;
    if (xi != yi)
        return xi ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

char *sp_edits_apply(sp_edits *e, size_t *len_out)
{
    const sp_ptext *pt = e->pt;
    if (e->v.len > 1)
        qsort(e->v.items, e->v.len, sizeof *e->v.items, edit_cmp);
    sp_str b;
    sp_str_init(&b, &pt->ctx->arena);
    size_t at = 0;
    for (size_t i = 0; i < e->v.len; i++) {
        const sp_edit *ed = &e->v.items[i];
        if (ed->off < at || ed->end < ed->off || ed->end > pt->len) {
            sp_error(pt->ctx, SP_NO_LOC, "internal: overlapping edits of %s at byte %u",
                     sp_source_get(pt->ctx, pt->src)->path, (unsigned)ed->off);
            return NULL;
        }
        sp_str_addn(&b, pt->text + at, ed->off - at);
        sp_str_addn(&b, ed->text, ed->len);
        at = ed->end;
    }
    sp_str_addn(&b, pt->text + at, pt->len - at);
    sp_str_addn(&b, "", 0); /* a text even when empty */
    if (b.oom) {
        sp_oom(pt->ctx);
        return NULL;
    }
    *len_out = b.len;
    return b.s;
}

/* ---- scalars -------------------------------------------------------------- */

void sp_json_string(sp_str *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sp_str_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            sp_str_add(b, "\\\"");
            break;
        case '\\':
            sp_str_add(b, "\\\\");
            break;
        case '\n':
            sp_str_add(b, "\\n");
            break;
        case '\r':
            sp_str_add(b, "\\r");
            break;
        case '\t':
            sp_str_add(b, "\\t");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
                sp_str_add(b, u);
            } else {
                sp_str_addc(b, (char)c);
            }
        }
    }
    sp_str_addc(b, '"');
}

/* Whether YAML reads `s` back, plain, as this same string: no indicator
 * characters, nothing that looks like a number, boolean or null. */
static bool yaml_plain_ok(const char *s)
{
    static const char *const words[] = {"y", "n", "yes", "no", "on", "off", "true",
                                        "false", "null", "~", ""};
    size_t n = strlen(s);
    if (!n)
        return false;
    char low[8];
    if (n < sizeof low) {
        for (size_t i = 0; i <= n; i++)
            low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        for (size_t i = 0; i < sizeof words / sizeof *words; i++)
            if (!strcmp(low, words[i]))
                return false;
    }
    if ((s[0] >= '0' && s[0] <= '9') || s[0] == '.' || s[0] == '-' || s[0] == '+')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.' || c == '/' || c >= 0x80;
        if (!ok)
            return false;
    }
    return true;
}

void sp_yaml_name(sp_str *b, const char *name)
{
    if (yaml_plain_ok(name))
        sp_str_add(b, name);
    else
        sp_json_string(b, name, strlen(name));
}

/* JSON numbers: what RFC 8259 accepts; YAML numbers outside it (0x1F,
 * 1_000, .5, +1, .inf) are written as strings, which is how CloudFormation
 * reads every scalar anyway. */
static bool json_number_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

static void json_nl_indent(sp_str *b, const char *nl, const char *indent, const char *unit,
                           unsigned level)
{
    sp_str_add(b, nl);
    sp_str_add(b, indent);
    for (unsigned i = 0; i < level; i++)
        sp_str_add(b, unit);
}

static void json_value(sp_str *b, const sp_doc *d, const char *indent, const char *unit,
                       const char *nl, unsigned level)
{
    bool bv;
    switch (d->kind) {
    case SP_DOC_NULL:
        sp_str_add(b, "null");
        return;
    case SP_DOC_BOOL:
        sp_doc_bool_value(d, &bv);
        sp_str_add(b, bv ? "true" : "false");
        return;
    case SP_DOC_NUMBER:
        if (json_number_ok(d->u.scalar.text, d->u.scalar.len))
            sp_str_addn(b, d->u.scalar.text, d->u.scalar.len);
        else
            sp_json_string(b, d->u.scalar.text, d->u.scalar.len);
        return;
    case SP_DOC_STRING:
        sp_json_string(b, d->u.scalar.text, d->u.scalar.len);
        return;
    case SP_DOC_SEQ:
    case SP_DOC_MAP: {
        bool map = d->kind == SP_DOC_MAP;
        size_t n = map ? d->u.map.len : d->u.seq.len;
        sp_str_addc(b, map ? '{' : '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                sp_str_addc(b, ',');
            if (indent)
                json_nl_indent(b, nl, indent, unit, level + 1);
            else if (i)
                sp_str_addc(b, ' ');
            if (map) {
                const sp_doc *k = d->u.map.pairs[i].key;
                sp_json_string(b, k->u.scalar.text, k->u.scalar.len);
                sp_str_add(b, ": ");
                json_value(b, d->u.map.pairs[i].value, indent, unit, nl, level + 1);
            } else {
                json_value(b, d->u.seq.items[i], indent, unit, nl, level + 1);
            }
        }
        if (indent && n)
            json_nl_indent(b, nl, indent, unit, level);
        sp_str_addc(b, map ? '}' : ']');
        return;
    }
    }
}

void sp_json_value(sp_str *b, const sp_doc *doc, const char *indent, const char *unit,
                   const char *nl)
{
    json_value(b, doc, indent, unit, nl, 0);
}

/* ---- dispatch by style ---------------------------------------------------- */

static bool is_flow(const sp_ptext *pt, const sp_doc *d)
{
    return !pt->yaml || (d->flags & SP_DOC_FLOW);
}

bool sp_patch_map(sp_edits *e, const sp_map_edit *me)
{
    if (me->map->kind != SP_DOC_MAP) {
        sp_error(e->pt->ctx, sp_doc_loc(me->map), "internal: not a mapping");
        return false;
    }
    return is_flow(e->pt, me->map) || me->map->u.map.len == 0 ? sp_flow_map(e, me)
                                                              : sp_yaml_block_map(e, me);
}

bool sp_patch_seq_append(sp_edits *e, const sp_doc *seq, const char *const *names, size_t n)
{
    return is_flow(e->pt, seq) || seq->u.seq.len == 0
               ? sp_flow_seq_append(e, seq, names, n)
               : sp_yaml_block_seq_append(e, seq, names, n);
}

void sp_flow_names(sp_str *b, const sp_ptext *pt, const char *const *names, size_t n,
                   bool as_list)
{
    if (n != 1 || as_list)
        sp_str_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sp_str_add(b, ", ");
        if (pt->yaml)
            sp_yaml_name(b, names[i]);
        else
            sp_json_string(b, names[i], strlen(names[i]));
    }
    if (n != 1 || as_list)
        sp_str_addc(b, ']');
}

bool sp_patch_scalar_to_list(sp_edits *e, const sp_doc *scalar, const char *const *names,
                             size_t n)
{
    const sp_ptext *pt = e->pt;
    sp_str b;
    sp_str_init(&b, &pt->ctx->arena);
    uint32_t off = scalar->off, end = scalar->end;
    if (scalar->kind == SP_DOC_NULL) {
        if (off == end && pt->yaml)
            sp_str_addc(&b, ' '); /* `after:` with nothing after it */
        sp_flow_names(&b, pt, names, n, true);
    } else {
        sp_str_addc(&b, '[');
        const char *raw = pt->text + off;
        size_t rawlen = end - off;
        /* The name as it was written, unless it spans lines (a block
         * scalar): then as a name of its own. */
        if (memchr(raw, '\n', rawlen) || (scalar->flags & SP_DOC_FROM_SHORT_TAG)) {
            if (pt->yaml)
                sp_yaml_name(&b, scalar->u.scalar.text);
            else
                sp_json_string(&b, scalar->u.scalar.text, scalar->u.scalar.len);
        } else {
            sp_str_addn(&b, raw, rawlen);
        }
        for (size_t i = 0; i < n; i++) {
            sp_str_add(&b, ", ");
            if (pt->yaml)
                sp_yaml_name(&b, names[i]);
            else
                sp_json_string(&b, names[i], strlen(names[i]));
        }
        sp_str_addc(&b, ']');
    }
    if (b.oom) {
        sp_oom(pt->ctx);
        return false;
    }
    return sp_edits_add(e, off, end, b.s, b.len);
}

/* ---- extra dependencies ------------------------------------------------- */

bool sp_dep_adds_from_edges(sp_ctx *ctx, const sp_model *m, const sp_edge_hint *edges,
                            size_t nedges, sp_dep_add **out, size_t *nout)
{
    sp_dep_add *adds = sp_arena_calloc(&ctx->arena, nedges + 1, sizeof *adds);
    if (!adds) {
        sp_oom(ctx);
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < nedges; i++) {
        const sp_component *tc = &m->components.items[edges[i].then];
        if (tc->generated) {
            sp_error(ctx, tc->loc_new.src != SP_NO_SOURCE ? tc->loc_new : tc->loc_old,
                     "the order needs '%s' to wait for '%s', but '%s' has no text of its own "
                     "(the template's Transform generates it); snipeproof cannot add a "
                     "DependsOn to it",
                     tc->key, m->components.items[edges[i].first].key, tc->key);
            return false;
        }
        const char *then = tc->key;
        const char *first = m->components.items[edges[i].first].key;
        size_t j = 0;
        while (j < n && strcmp(adds[j].then, then) != 0)
            j++;
        if (j == n) {
            adds[n].then = then;
            adds[n].firsts = sp_arena_calloc(&ctx->arena, nedges + 1, sizeof *adds[n].firsts);
            if (!adds[n].firsts) {
                sp_oom(ctx);
                return false;
            }
            n++;
        }
        bool dup = false;
        for (size_t k = 0; k < adds[j].n; k++)
            dup |= !strcmp(adds[j].firsts[k], first);
        if (!dup)
            adds[j].firsts[adds[j].n++] = first;
    }
    *out = adds;
    *nout = n;
    return true;
}

/* The mapping that defines component `key`, or NULL with an error. */
static const sp_doc *component_map(const sp_ptext *pt, const sp_patch_profile *prof,
                                   const char *key)
{
    const sp_doc *sec = sp_doc_get(pt->root, prof->section);
    const sp_doc *def = sec ? sp_doc_get(sec, key) : NULL;
    if (!def || def->kind != SP_DOC_MAP) {
        sp_error(pt->ctx, sp_doc_loc(sec ? sec : pt->root),
                 "internal: '%s' has no definition in %s to add a %s to", key, prof->section,
                 prof->dep_key);
        return NULL;
    }
    return def;
}

/* Whether `name` is among the declared dependencies `dep` (a scalar or a
 * sequence of scalars). */
static bool declared(const sp_doc *dep, const char *name)
{
    if (!dep)
        return false;
    if (dep->kind == SP_DOC_SEQ) {
        for (size_t i = 0; i < dep->u.seq.len; i++)
            if (sp_doc_text_eq(dep->u.seq.items[i], name))
                return true;
        return false;
    }
    return dep->kind != SP_DOC_NULL && sp_doc_text_eq(dep, name);
}

char *sp_patch_deps(const sp_ptext *pt, const sp_patch_profile *prof, const sp_dep_add *adds,
                    size_t nadds, size_t *len_out)
{
    sp_ctx *ctx = pt->ctx;
    sp_edits e = {{0}, pt};
    for (size_t a = 0; a < nadds; a++) {
        const sp_doc *def = component_map(pt, prof, adds[a].then);
        if (!def)
            return NULL;
        const sp_doc *dep = sp_doc_get(def, prof->dep_key);
        const char **names = sp_arena_calloc(&ctx->arena, adds[a].n + 1, sizeof *names);
        if (!names) {
            sp_oom(ctx);
            return NULL;
        }
        size_t n = 0;
        for (size_t i = 0; i < adds[a].n; i++)
            if (!declared(dep, adds[a].firsts[i]))
                names[n++] = adds[a].firsts[i];
        if (!n)
            continue;
        bool ok;
        if (!dep) {
            size_t after = SIZE_MAX;
            for (size_t i = 0; prof->after_key && i < def->u.map.len; i++)
                if (sp_doc_text_eq(def->u.map.pairs[i].key, prof->after_key))
                    after = i;
            sp_item it = {0};
            it.key = prof->dep_key;
            it.names = names;
            it.nnames = n;
            it.as_list = !prof->scalar_ok;
            sp_map_edit me = {def, NULL, NULL, &it, &after, 1};
            ok = sp_patch_map(&e, &me);
        } else if (dep->kind == SP_DOC_SEQ) {
            ok = sp_patch_seq_append(&e, dep, names, n);
        } else if (sp_doc_is_scalar(dep)) {
            ok = sp_patch_scalar_to_list(&e, dep, names, n);
        } else {
            sp_error(ctx, sp_doc_loc(dep),
                     "%s of '%s' is neither a name nor a list of names; snipeproof cannot add "
                     "to it",
                     prof->dep_key, adds[a].then);
            return NULL;
        }
        if (!ok)
            return NULL;
    }
    return sp_edits_apply(&e, len_out);
}

/* ---- checking the result -------------------------------------------------- */

static sp_doc *shallow_map(sp_ctx *ctx, const sp_doc *map)
{
    sp_doc *d = sp_doc_new(ctx, SP_DOC_MAP);
    sp_doc_pair *pairs = sp_arena_calloc(&ctx->arena, map->u.map.len + 1, sizeof *pairs);
    if (!d || !pairs) {
        sp_oom(ctx);
        return NULL;
    }
    memcpy(pairs, map->u.map.pairs, map->u.map.len * sizeof *pairs);
    d->u.map.pairs = pairs;
    d->u.map.len = map->u.map.len;
    return d;
}

/* The expected dependency list: `dep` (NULL, a scalar or a sequence)
 * followed by `names` not in it yet. */
static sp_doc *expected_deps(sp_ctx *ctx, const sp_doc *dep, const sp_patch_profile *prof,
                             const sp_dep_add *add)
{
    size_t had = !dep ? 0 : dep->kind == SP_DOC_SEQ ? dep->u.seq.len : dep->kind != SP_DOC_NULL;
    sp_doc **items = sp_arena_calloc(&ctx->arena, had + add->n + 1, sizeof *items);
    if (!items)
        return NULL;
    size_t n = 0;
    if (dep && dep->kind == SP_DOC_SEQ)
        for (size_t i = 0; i < dep->u.seq.len; i++)
            items[n++] = dep->u.seq.items[i];
    else if (had)
        items[n++] = (sp_doc *)dep;
    size_t added = 0;
    for (size_t i = 0; i < add->n; i++)
        if (!declared(dep, add->firsts[i])) {
            items[n] = sp_doc_new_scalar(ctx, SP_DOC_STRING, add->firsts[i],
                                         strlen(add->firsts[i]));
            if (!items[n++])
                return NULL;
            added++;
        }
    if (!added)
        return (sp_doc *)dep;
    if (n == 1 && !dep && prof->scalar_ok)
        return items[0];
    sp_doc *seq = sp_doc_new(ctx, SP_DOC_SEQ);
    if (!seq)
        return NULL;
    seq->u.seq.items = items;
    seq->u.seq.len = n;
    return seq;
}

/* Same keys in the same order; values compared by `sp_doc_equal`. */
static const char *same_layout(const sp_doc *a, const sp_doc *b)
{
    if (a->kind != b->kind)
        return "a value changed kind";
    if (a->kind != SP_DOC_MAP)
        return sp_doc_equal(a, b) ? NULL : "a value differs";
    if (a->u.map.len != b->u.map.len)
        return "a mapping has another number of keys";
    for (size_t i = 0; i < a->u.map.len; i++)
        if (!sp_doc_equal(a->u.map.pairs[i].key, b->u.map.pairs[i].key))
            return "keys are in another order";
    return sp_doc_equal(a, b) ? NULL : "a value differs";
}

bool sp_patch_deps_verify(sp_ctx *ctx, const sp_doc *base, const sp_doc *out,
                          const sp_patch_profile *prof, const sp_dep_add *adds, size_t nadds)
{
    const char *why = NULL;
    const sp_doc *bsec = sp_doc_get(base, prof->section), *osec = sp_doc_get(out, prof->section);
    if (base->kind != SP_DOC_MAP || out->kind != SP_DOC_MAP || !bsec || !osec ||
        bsec->kind != SP_DOC_MAP || osec->kind != SP_DOC_MAP) {
        why = "its sections differ";
    } else {
        /* Everything but the section, then the section pair by pair. */
        sp_doc *b2 = shallow_map(ctx, base), *o2 = shallow_map(ctx, out);
        if (!b2 || !o2)
            return false;
        for (size_t i = 0; i < b2->u.map.len; i++)
            if (sp_doc_text_eq(b2->u.map.pairs[i].key, prof->section))
                b2->u.map.pairs[i].value = o2->u.map.pairs[i].value = (sp_doc *)osec;
        why = same_layout(b2, o2);
        if (!why && bsec->u.map.len != osec->u.map.len)
            why = "components were added or removed";
        for (size_t i = 0; !why && i < bsec->u.map.len; i++) {
            const sp_doc_pair *bp = &bsec->u.map.pairs[i], *op = &osec->u.map.pairs[i];
            if (!sp_doc_equal(bp->key, op->key)) {
                why = "components are in another order";
                break;
            }
            const sp_dep_add *add = NULL;
            for (size_t a = 0; a < nadds; a++)
                if (sp_doc_text_eq(bp->key, adds[a].then))
                    add = &adds[a];
            if (!add) {
                why = same_layout(bp->value, op->value);
                continue;
            }
            const sp_doc *def = bp->value, *odef = op->value;
            if (def->kind != SP_DOC_MAP || odef->kind != SP_DOC_MAP) {
                why = "a patched component is not a mapping";
                break;
            }
            /* The expected definition: the old one with the dependency list
             * replaced, or inserted after `after_key` (or at the end). */
            const sp_doc *dep = sp_doc_get(def, prof->dep_key);
            sp_doc *want = expected_deps(ctx, dep, prof, add);
            sp_doc *exp = sp_doc_new(ctx, SP_DOC_MAP);
            sp_doc_pair *pairs = sp_arena_calloc(&ctx->arena, def->u.map.len + 2, sizeof *pairs);
            sp_doc *key = sp_doc_new_scalar(ctx, SP_DOC_STRING, prof->dep_key,
                                            strlen(prof->dep_key));
            if (!want || !exp || !pairs || !key) {
                sp_oom(ctx);
                return false;
            }
            size_t n = 0;
            size_t after = def->u.map.len;
            for (size_t j = 0; prof->after_key && j < def->u.map.len; j++)
                if (sp_doc_text_eq(def->u.map.pairs[j].key, prof->after_key))
                    after = j + 1;
            for (size_t j = 0; j <= def->u.map.len; j++) {
                if (!dep && want && j == after)
                    pairs[n++] = (sp_doc_pair){key, want};
                if (j == def->u.map.len)
                    break;
                pairs[n] = def->u.map.pairs[j];
                if (dep && sp_doc_text_eq(pairs[n].key, prof->dep_key))
                    pairs[n].value = want;
                n++;
            }
            exp->u.map.pairs = pairs;
            exp->u.map.len = n;
            why = same_layout(exp, odef);
            if (why) {
                sp_error(ctx, sp_doc_loc(odef),
                         "internal: the patched definition of '%s' is not the intended one "
                         "(%s)",
                         add->then, why);
                return false;
            }
        }
    }
    if (why) {
        sp_error(ctx, sp_doc_loc(out), "internal: the patched text is not NEW plus the added "
                                       "dependencies (%s)",
                 why);
        return false;
    }
    return true;
}
