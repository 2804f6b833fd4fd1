/* Flow style: JSON texts, and YAML flow collections ({Type: X, …}, [A, B]).
 *
 * A flow mapping is rewritten between its first key and the end of its
 * last value: pairs that stay are copied byte for byte, and between two
 * pairs goes the separator that followed, in the original, the last
 * original pair before the second one (",\n    " in pretty JSON, ", " on
 * one line).  New pairs therefore take the layout of their neighbours;
 * nothing outside the edited pairs moves.  New values are written as the
 * text around them is: JSON copied from a JSON source (re-indented to the
 * new place), otherwise serialised — one pair per line when the mapping
 * has one pair per line, on one line otherwise. */
#include "patch.h"

#include <string.h>

/* The whitespace before `off` on its line (a byte-order mark at the very
 * start of the text is not part of it). */
static void line_indent(const sp_ptext *pt, size_t off, const char **s, size_t *n)
{
    size_t ls = sp_pt_line_start(pt, off);
    if (ls == 0 && pt->len >= 3 && memcmp(pt->text, "\xEF\xBB\xBF", 3) == 0)
        ls = 3;
    size_t e = ls;
    while (e < pt->len && (pt->text[e] == ' ' || pt->text[e] == '\t'))
        e++;
    *s = pt->text + ls;
    *n = e - ls;
}

static char *indent_of(const sp_ptext *pt, size_t off)
{
    const char *s;
    size_t n;
    line_indent(pt, off, &s, &n);
    return sp_arena_strndup(&pt->ctx->arena, s, n);
}

/* A JSON value copied from JSON text, its continuation lines moved from
 * the source's indentation `from_ind` to `to_ind`. */
static void copy_reindented(sp_str *b, const sp_ptext *from, const sp_doc *v, const char *from_ind,
                            const char *to_ind, const char *nl)
{
    const char *p = from->text + v->off, *end = from->text + v->end;
    size_t fl = strlen(from_ind);
    bool first = true;
    while (p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        const char *le = lf ? lf : end;
        const char *ce = le;
        if (lf && ce > p && ce[-1] == '\r')
            ce--;
        if (!first) {
            if ((size_t)(ce - p) >= fl && memcmp(p, from_ind, fl) == 0) {
                sp_str_add(b, to_ind);
                p += fl;
            }
        }
        sp_str_addn(b, p, (size_t)(ce - p));
        if (!lf)
            break;
        sp_str_add(b, nl);
        p = lf + 1;
        first = false;
    }
}

static void flow_key(sp_str *b, const sp_ptext *pt, const char *key)
{
    if (pt->yaml)
        sp_yaml_name(b, key);
    else
        sp_json_string(b, key, strlen(key));
}

/* An item's value.  `indent`: the indentation of the line the item's key
 * starts (NULL when the mapping is on one line). */
static void flow_value(sp_str *b, const sp_ptext *pt, const sp_item *it, const char *indent,
                       const char *kvsep)
{
    if (it->children) {
        sp_str_addc(b, '{');
        char *inner = NULL;
        if (indent) {
            sp_str tmp;
            sp_str_init(&tmp, &pt->ctx->arena);
            sp_str_add(&tmp, indent);
            sp_str_add(&tmp, pt->unit);
            inner = tmp.s;
        }
        for (size_t i = 0; i < it->nchildren; i++) {
            if (i)
                sp_str_addc(b, ',');
            if (inner) {
                sp_str_add(b, pt->nl);
                sp_str_add(b, inner);
            } else if (i) {
                sp_str_addc(b, ' ');
            }
            sp_flow_item(b, pt, &it->children[i], inner, kvsep);
        }
        if (indent && it->nchildren) {
            sp_str_add(b, pt->nl);
            sp_str_add(b, indent);
        }
        sp_str_addc(b, '}');
    } else if (it->pair) {
        const sp_ptext *from = it->from;
        const sp_doc *v = it->pair->value;
        if (!pt->yaml && !from->yaml && indent && sp_pt_starts_line(from, it->pair->key->off)) {
            const char *fi = indent_of(from, it->pair->key->off);
            copy_reindented(b, from, v, fi ? fi : "", indent, pt->nl);
        } else {
            sp_json_value(b, v, pt->yaml ? NULL : indent, pt->unit, pt->nl);
        }
    } else {
        sp_flow_names(b, pt, it->names, it->nnames, it->as_list);
    }
}

void sp_flow_item(sp_str *b, const sp_ptext *pt, const sp_item *it, const char *indent,
                  const char *kvsep)
{
    flow_key(b, pt, it->key);
    sp_str_add(b, kvsep);
    flow_value(b, pt, it, indent, kvsep);
}

/* The text between a pair's key and its value when it is a plain ": "
 * (spaces around one colon), else the default. */
static const char *kv_separator(const sp_ptext *pt, const sp_doc *map)
{
    if (!map->u.map.len)
        return ": ";
    const sp_doc_pair *p = &map->u.map.pairs[0];
    if (p->value->off <= p->key->end || p->value->off - p->key->end > 16)
        return ": ";
    const char *s = pt->text + p->key->end;
    size_t n = p->value->off - p->key->end, colons = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ':')
            colons++;
        else if (s[i] != ' ')
            return ": ";
    }
    if (colons != 1 || (pt->yaml && s[n - 1] != ' '))
        return ": ";
    return sp_arena_strndup(&pt->ctx->arena, s, n);
}

static bool add_text(sp_edits *e, size_t off, size_t end, sp_str *b)
{
    if (b->oom) {
        sp_oom(e->pt->ctx);
        return false;
    }
    return sp_edits_add(e, (uint32_t)off, (uint32_t)end, b->s ? b->s : "", b->len);
}

bool sp_flow_map(sp_edits *e, const sp_map_edit *me)
{
    const sp_ptext *pt = e->pt;
    sp_ctx *ctx = pt->ctx;
    const sp_doc *m = me->map;
    size_t n = m->u.map.len;
    const sp_doc_pair *pairs = m->u.map.pairs;
    bool changed = me->ninsert > 0;
    for (size_t j = 0; me->action && j < n; j++)
        changed |= me->action[j] != SP_PAIR_KEEP;
    if (!changed)
        return true;
#define ACT(j) (me->action ? me->action[j] : SP_PAIR_KEEP)

    /* Layout: one pair per line (with their indentation) or one line. */
    const char *indent = NULL;
    if (n) {
        if (sp_pt_starts_line(pt, pairs[0].key->off))
            indent = indent_of(pt, pairs[0].key->off);
    } else if (!pt->yaml && pt->pretty) {
        sp_str tmp;
        sp_str_init(&tmp, &ctx->arena);
        const char *s;
        size_t sn;
        line_indent(pt, m->off, &s, &sn);
        sp_str_addn(&tmp, s, sn);
        sp_str_add(&tmp, pt->unit);
        indent = tmp.s;
    }
    const char *kvsep = kv_separator(pt, m);
    /* The separator for pairs added after the last one: the one before the
     * last pair, or one made like the layout. */
    sp_str def;
    sp_str_init(&def, &ctx->arena);
    if (n >= 2) {
        sp_str_addn(&def, pt->text + pairs[n - 2].value->end,
                    pairs[n - 1].key->off - pairs[n - 2].value->end);
    } else if (indent) {
        sp_str_addc(&def, ',');
        sp_str_add(&def, pt->nl);
        sp_str_add(&def, indent);
    } else {
        /* On one line: minified text (no space after the colon) gets no
         * space after the comma either. */
        sp_str_add(&def, strchr(kvsep, ' ') ? ", " : ",");
    }
    if (def.oom) {
        sp_oom(ctx);
        return false;
    }

    if (!n) {
        /* An empty mapping gets its first pairs between its brackets. */
        sp_str w;
        sp_str_init(&w, &ctx->arena);
        for (size_t i = 0; i < me->ninsert; i++) {
            if (i)
                sp_str_addn(&w, def.s, def.len);
            else if (indent) {
                sp_str_add(&w, pt->nl);
                sp_str_add(&w, indent);
            }
            sp_flow_item(&w, pt, &me->insert[i], indent, kvsep);
        }
        if (indent) {
            const char *s;
            size_t sn;
            line_indent(pt, m->off, &s, &sn);
            sp_str_add(&w, pt->nl);
            sp_str_addn(&w, s, sn);
        }
        return add_text(e, m->off + 1, m->end - 1, &w);
    }

    /* Edits stay local: a replaced pair's value, a run of deleted pairs
     * with one separator, each new pair with the separator that follows
     * the pair it comes after. */
    bool all_deleted = true;
    for (size_t j = 0; j < n; j++)
        all_deleted &= ACT(j) == SP_PAIR_DELETE;
    if (all_deleted) {
        sp_str w;
        sp_str_init(&w, &ctx->arena);
        for (size_t i = 0; i < me->ninsert; i++) {
            if (i)
                sp_str_addn(&w, def.s, def.len);
            sp_flow_item(&w, pt, &me->insert[i], indent, kvsep);
        }
        if (!me->ninsert)
            return sp_edits_add(e, m->off + 1, m->end - 1, "", 0);
        return add_text(e, pairs[0].key->off, pairs[n - 1].value->end, &w);
    }
    for (size_t j = 0; j < n; j++) {
        if (ACT(j) == SP_PAIR_REPLACE) {
            sp_str w;
            sp_str_init(&w, &ctx->arena);
            flow_value(&w, pt, &me->replace[j], indent, kvsep);
            if (!add_text(e, pairs[j].value->off, pairs[j].value->end, &w))
                return false;
        } else if (ACT(j) == SP_PAIR_DELETE && (j == 0 || ACT(j - 1) != SP_PAIR_DELETE)) {
            size_t b = j;
            while (b + 1 < n && ACT(b + 1) == SP_PAIR_DELETE)
                b++;
            bool ok = b + 1 < n ? sp_edits_add(e, pairs[j].key->off, pairs[b + 1].key->off, "", 0)
                                : sp_edits_add(e, pairs[j - 1].value->end, pairs[b].value->end,
                                               "", 0);
            if (!ok)
                return false;
        }
    }
    for (size_t i = 0; i < me->ninsert; i++) {
        size_t j = me->after[i] < n ? me->after[i] : n - 1;
        sp_str w;
        sp_str_init(&w, &ctx->arena);
        if (ACT(j) == SP_PAIR_DELETE && j + 1 < n) {
            /* After a deleted pair that others follow: before the next
             * pair that stays, with the separator that preceded it. */
            size_t b = j;
            while (b + 1 < n && ACT(b + 1) == SP_PAIR_DELETE)
                b++;
            if (b + 1 < n) {
                sp_flow_item(&w, pt, &me->insert[i], indent, kvsep);
                sp_str_addn(&w, pt->text + pairs[b].value->end,
                            pairs[b + 1].key->off - pairs[b].value->end);
                if (!add_text(e, pairs[b + 1].key->off, pairs[b + 1].key->off, &w))
                    return false;
                continue;
            }
        }
        if (j + 1 < n)
            sp_str_addn(&w, pt->text + pairs[j].value->end, pairs[j + 1].key->off - pairs[j].value->end);
        else
            sp_str_addn(&w, def.s, def.len);
        sp_flow_item(&w, pt, &me->insert[i], indent, kvsep);
        if (!add_text(e, pairs[j].value->end, pairs[j].value->end, &w))
            return false;
    }
    return true;
#undef ACT
}

bool sp_flow_seq_append(sp_edits *e, const sp_doc *seq, const char *const *names, size_t n)
{
    const sp_ptext *pt = e->pt;
    sp_ctx *ctx = pt->ctx;
    size_t len = seq->u.seq.len;
    sp_str b;
    sp_str_init(&b, &ctx->arena);
    if (!len) {
        for (size_t i = 0; i < n; i++) {
            if (i)
                sp_str_add(&b, ", ");
            flow_key(&b, pt, names[i]);
        }
        if (b.oom) {
            sp_oom(ctx);
            return false;
        }
        return sp_edits_add(e, seq->off + 1, seq->end - 1, b.s, b.len);
    }
    const sp_doc *const *items = (const sp_doc *const *)seq->u.seq.items;
    sp_str sep;
    sp_str_init(&sep, &ctx->arena);
    if (len >= 2) {
        sp_str_addn(&sep, pt->text + items[len - 2]->end, items[len - 1]->off - items[len - 2]->end);
    } else if (sp_pt_starts_line(pt, items[0]->off)) {
        const char *s;
        size_t sn;
        line_indent(pt, items[0]->off, &s, &sn);
        sp_str_addc(&sep, ',');
        sp_str_add(&sep, pt->nl);
        sp_str_addn(&sep, s, sn);
    } else {
        sp_str_add(&sep, ", ");
    }
    for (size_t i = 0; i < n; i++) {
        sp_str_addn(&b, sep.s, sep.len);
        flow_key(&b, pt, names[i]);
    }
    if (b.oom || sep.oom) {
        sp_oom(ctx);
        return false;
    }
    return sp_edits_add(e, items[len - 1]->end, items[len - 1]->end, b.s, b.len);
}
