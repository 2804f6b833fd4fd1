/* YAML block style: whole lines in, whole lines out.
 *
 * A pair of a block mapping owns the lines from its key's line to the last
 * line with content of its value (a block scalar's trailing blank lines are
 * left where they are).  Adding a pair inserts lines after a pair's last
 * line, at the indentation of the mapping's keys; deleting one removes its
 * lines and the comment lines just above it at its indentation; replacing
 * one replaces its lines.  Nothing else in the text changes, so comments,
 * blank lines, quoting and key order stay as they were.
 *
 * A pair copied from another YAML text in block style keeps its lines:
 * each is moved from the source key's indentation to the target's (block
 * scalars and multi-line flow values keep their relative indentation, so
 * they read back the same).  From JSON or a flow collection it is written
 * in block style, scalars quoted as JSON strings where plain would not read
 * back the same. */
#include "patch.h"

#include <string.h>

/* Column (in bytes, after a byte-order mark) of `off` on its line. */
static size_t column(const sp_ptext *pt, size_t off)
{
    size_t ls = sp_pt_line_start(pt, off);
    if (ls == 0 && pt->len >= 3 && memcmp(pt->text, "\xEF\xBB\xBF", 3) == 0)
        ls = off >= 3 ? 3 : 0;
    return off - ls;
}

static void add_line_break(sp_str *b, const sp_ptext *pt)
{
    sp_str_add(b, pt->nl);
}

/* A scalar in block context: plain when it reads back as the same string
 * of the same kind, else a JSON string (valid YAML). */
static void block_scalar(sp_str *b, const sp_doc *d)
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
        /* A number keeps its text; quoting it would not change what
         * CloudFormation reads, but keeping it plain keeps it a number. */
        sp_str_addn(b, d->u.scalar.text, d->u.scalar.len);
        return;
    default:
        sp_yaml_name(b, d->u.scalar.text);
        return;
    }
}

/* `d` in block style as the value of a key (the text after "key:"), the
 * nested lines indented by `ind` plus one unit per level. */
static void block_value(sp_str *b, const sp_ptext *pt, const sp_doc *d, const char *ind,
                        unsigned level)
{
    bool map = d->kind == SP_DOC_MAP;
    size_t n = map ? d->u.map.len : d->kind == SP_DOC_SEQ ? d->u.seq.len : 0;
    if (sp_doc_is_scalar(d)) {
        sp_str_addc(b, ' ');
        block_scalar(b, d);
        return;
    }
    if (!n) {
        sp_str_add(b, map ? " {}" : " []");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        add_line_break(b, pt);
        sp_str_add(b, ind);
        for (unsigned l = 0; l < level + 1; l++)
            sp_str_add(b, pt->unit);
        if (map) {
            sp_yaml_name(b, d->u.map.pairs[i].key->u.scalar.text);
            sp_str_addc(b, ':');
            block_value(b, pt, d->u.map.pairs[i].value, ind, level + 1);
        } else {
            /* A collection as an item goes on the following lines, deeper
             * than its dash. */
            sp_str_addc(b, '-');
            block_value(b, pt, d->u.seq.items[i], ind, level + 1);
        }
    }
}

/* Copies the lines of pair `p` of text `from` (block style there), moved
 * from its key's column to `ind`. */
static void copy_lines(sp_str *b, const sp_ptext *pt, const sp_ptext *from, const sp_doc_pair *p,
                       const char *ind)
{
    size_t col = column(from, p->key->off);
    const char *s = from->text + p->key->off - col;
    const char *end = from->text + sp_pt_cut(from, p->value);
    while (s < end) {
        const char *lf = memchr(s, '\n', (size_t)(end - s));
        const char *le = lf ? lf : end;
        const char *ce = le > s && le[-1] == '\r' ? le - 1 : le;
        size_t sp = 0;
        while (s + sp < ce && s[sp] == ' ')
            sp++;
        if (s + sp == ce && sp < col) {
            /* A blank line: only its break. */
        } else if (sp >= col) {
            /* (Spaces beyond a block scalar's indentation are content, on
             * blank lines too: they move with the rest.) */
            sp_str_add(b, ind);
            sp_str_addn(b, s + col, (size_t)(ce - s - col));
        } else {
            sp_str_addn(b, s, (size_t)(ce - s));
        }
        add_line_break(b, pt);
        s = lf ? lf + 1 : end;
    }
}

/* Whether pair `p` has lines of its own in `from`: its key starts a line
 * and nothing but a comment follows its value on the value's last line
 * (in a flow mapping a comma or a bracket would). */
static bool own_lines(const sp_ptext *from, const sp_doc_pair *p)
{
    if (!sp_pt_starts_line(from, p->key->off))
        return false;
    size_t cut = sp_pt_cut(from, p->value);
    size_t i = p->value->end;
    while (i < cut && (from->text[i] == ' ' || from->text[i] == '\t'))
        i++;
    return i >= cut || from->text[i] == '#' || from->text[i] == '\r' || from->text[i] == '\n';
}

/* The lines of an item written at indentation `ind`. */
static void block_item(sp_str *b, const sp_ptext *pt, const sp_item *it, const char *ind)
{
    /* Lines copied as they are, unless the source pair ends the text
     * without a final line break: a block scalar there would gain one. */
    if (it->pair && it->from->yaml && own_lines(it->from, it->pair) &&
        (sp_pt_cut(it->from, it->pair->value) < it->from->len ||
         (it->from->len && it->from->text[it->from->len - 1] == '\n'))) {
        copy_lines(b, pt, it->from, it->pair, ind);
        return;
    }
    sp_str_add(b, ind);
    sp_yaml_name(b, it->key);
    sp_str_addc(b, ':');
    if (it->pair) {
        block_value(b, pt, it->pair->value, ind, 0);
    } else if (it->children) {
        sp_str tmp;
        sp_str_init(&tmp, &pt->ctx->arena);
        sp_str_add(&tmp, ind);
        sp_str_add(&tmp, pt->unit);
        for (size_t i = 0; i < it->nchildren; i++) {
            add_line_break(b, pt);
            sp_str tmp2;
            sp_str_init(&tmp2, &pt->ctx->arena);
            block_item(&tmp2, pt, &it->children[i], tmp.s);
            /* block_item ends with a line break; the loop adds one before. */
            if (tmp2.len >= strlen(pt->nl))
                tmp2.len -= strlen(pt->nl);
            sp_str_addn(b, tmp2.s, tmp2.len);
        }
    } else {
        sp_str_addc(b, ' ');
        sp_flow_names(b, pt, it->names, it->nnames, it->as_list);
    }
    add_line_break(b, pt);
}

/* Lines inserted at `at`: when `at` is the end of a text whose last line
 * has no break, they start on a line of their own. */
static bool insert_lines(sp_edits *e, size_t at, sp_str *lines)
{
    const sp_ptext *pt = e->pt;
    if (lines->oom) {
        sp_oom(pt->ctx);
        return false;
    }
    if (at == pt->len && pt->len && pt->text[pt->len - 1] != '\n') {
        sp_str w;
        sp_str_init(&w, &pt->ctx->arena);
        sp_str_add(&w, pt->nl);
        sp_str_addn(&w, lines->s, lines->len);
        /* The text had no final break; neither does the result. */
        if (w.len >= strlen(pt->nl))
            w.len -= strlen(pt->nl);
        if (w.oom) {
            sp_oom(pt->ctx);
            return false;
        }
        return sp_edits_add(e, (uint32_t)at, (uint32_t)at, w.s, w.len);
    }
    return sp_edits_add(e, (uint32_t)at, (uint32_t)at, lines->s, lines->len);
}

/* A replacement of lines [off, cut): when `cut` is the end of a text
 * without a final break, the replacement has none either. */
static bool replace_lines(sp_edits *e, size_t off, size_t cut, sp_str *lines)
{
    const sp_ptext *pt = e->pt;
    if (lines->oom) {
        sp_oom(pt->ctx);
        return false;
    }
    size_t n = lines->len;
    if (cut == pt->len && pt->len && pt->text[pt->len - 1] != '\n' && n >= strlen(pt->nl))
        n -= strlen(pt->nl);
    return sp_edits_add(e, (uint32_t)off, (uint32_t)cut, lines->s ? lines->s : "", n);
}

/* Where a pair's lines start when it is deleted: its key's line, or the
 * first of the comment lines right above it at the same column. */
static size_t delete_start(const sp_ptext *pt, size_t key_off, size_t col)
{
    size_t start = sp_pt_line_start(pt, key_off);
    while (start > 0) {
        size_t prev = sp_pt_line_start(pt, start - 1);
        size_t i = prev;
        while (i < start && pt->text[i] == ' ')
            i++;
        if (i - prev != col || i >= start || pt->text[i] != '#')
            break;
        start = prev;
    }
    return start;
}

static bool blank(const char *s, const char *e)
{
    for (; s < e; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

/* Whether the line before the one starting at `start` is blank. */
static bool blank_line_before(const sp_ptext *pt, size_t start)
{
    size_t prev = sp_pt_line_start(pt, start - 1);
    return blank(pt->text + prev, pt->text + start);
}

/* Past the blank lines from `at` (a line start), not beyond `limit`. */
static size_t after_blank_lines(const sp_ptext *pt, size_t at, size_t limit)
{
    while (at < limit) {
        const char *lf = memchr(pt->text + at, '\n', pt->len - at);
        size_t next = lf ? (size_t)(lf - pt->text) + 1 : pt->len;
        if (next > limit || !blank(pt->text + at, pt->text + next))
            break;
        at = next;
    }
    return at;
}

bool sp_yaml_block_map(sp_edits *e, const sp_map_edit *me)
{
    const sp_ptext *pt = e->pt;
    sp_ctx *ctx = pt->ctx;
    const sp_doc *m = me->map;
    size_t n = m->u.map.len;
    const sp_doc_pair *pairs = m->u.map.pairs;
    size_t col = column(pt, pairs[0].key->off);
    char *ind = sp_arena_alloc(&ctx->arena, col + 1);
    if (!ind) {
        sp_oom(ctx);
        return false;
    }
    memset(ind, ' ', col);
    ind[col] = '\0';
    bool all_deleted = me->ninsert == 0 && me->action;
    for (size_t j = 0; all_deleted && j < n; j++)
        all_deleted = me->action[j] == SP_PAIR_DELETE;
    if (all_deleted) {
        /* Nothing left: an empty flow mapping on the first pair's line. */
        sp_str b;
        sp_str_init(&b, &ctx->arena);
        sp_str_add(&b, ind);
        sp_str_add(&b, "{}");
        add_line_break(&b, pt);
        return replace_lines(e, sp_pt_line_start(pt, pairs[0].key->off),
                             sp_pt_cut(pt, pairs[n - 1].value), &b);
    }
    for (size_t j = 0; j < n; j++) {
        unsigned char act = me->action ? me->action[j] : SP_PAIR_KEEP;
        if (act == SP_PAIR_KEEP)
            continue;
        if (!sp_pt_starts_line(pt, pairs[j].key->off)) {
            sp_error(ctx, sp_doc_loc(pairs[j].key),
                     "snipeproof cannot rewrite this key: it does not start its line");
            return false;
        }
        size_t cut = sp_pt_cut(pt, pairs[j].value);
        if (act == SP_PAIR_DELETE) {
            size_t start = delete_start(pt, pairs[j].key->off, col);
            /* A pair set off by blank lines takes the blank lines after it
             * along (not after the last pair: lines may be added there). */
            if (j + 1 < n && (start == 0 || blank_line_before(pt, start)))
                cut = after_blank_lines(pt, cut, pairs[j + 1].key->off);
            if (!sp_edits_add(e, (uint32_t)start, (uint32_t)cut, "", 0))
                return false;
        } else {
            sp_str b;
            sp_str_init(&b, &ctx->arena);
            block_item(&b, pt, &me->replace[j], ind);
            if (!replace_lines(e, sp_pt_line_start(pt, pairs[j].key->off), cut, &b))
                return false;
        }
    }
    for (size_t i = 0; i < me->ninsert; i++) {
        size_t j = me->after[i] < n ? me->after[i] : n - 1;
        sp_str b;
        sp_str_init(&b, &ctx->arena);
        block_item(&b, pt, &me->insert[i], ind);
        if (!insert_lines(e, sp_pt_cut(pt, pairs[j].value), &b))
            return false;
    }
    return true;
}

bool sp_yaml_block_seq_append(sp_edits *e, const sp_doc *seq, const char *const *names, size_t n)
{
    const sp_ptext *pt = e->pt;
    sp_ctx *ctx = pt->ctx;
    const sp_doc *last = seq->u.seq.items[seq->u.seq.len - 1];
    /* The last item's "    - " (its dash found back from the item). */
    size_t ls = sp_pt_line_start(pt, last->off);
    size_t d = last->off;
    while (d > ls && pt->text[d - 1] == ' ')
        d--;
    if (d == ls || pt->text[d - 1] != '-' || !sp_pt_starts_line(pt, d - 1)) {
        sp_error(ctx, sp_doc_loc(last), "snipeproof cannot add to this list: its last item "
                                        "does not start a line with '- '");
        return false;
    }
    sp_str b;
    sp_str_init(&b, &ctx->arena);
    for (size_t i = 0; i < n; i++) {
        sp_str_addn(&b, pt->text + ls, last->off - ls);
        sp_yaml_name(&b, names[i]);
        add_line_break(&b, pt);
    }
    return insert_lines(e, sp_pt_cut(pt, last), &b);
}
