/* The subset of the nftables language that snipeproof reads (docs/GUIX.md):
 *
 *   table [inet|ip|ip6] NAME { chain … set … }      (and add table / add chain /
 *   add rule / insert rule, flush ruleset, define NAME = VALUE and $NAME)
 *   chain NAME { type filter|nat hook HOOK priority P; policy accept|drop; rules }
 *   set NAME { type …; flags …; elements = { … } }   referenced as @NAME
 *   matches:  iifname/oifname/iif/oif (and meta …) NAME | { … }
 *             ip|ip6 saddr|daddr ADDRESS | CIDR | A-B | { … } | @set
 *             ip protocol, ip6 nexthdr, meta l4proto PROTOCOL | { … }
 *             meta nfproto ipv4|ipv6
 *             tcp|udp|th dport PORT | A-B | NAME | { … } | @set
 *             ct state STATE[,STATE] | { … }
 *             each with an optional == / != (eq / ne)
 *   statements: accept, drop, reject [with …], jump C, goto C, return,
 *             continue, counter, log …, comment "…"; masquerade and snat in
 *             nat chains (outbound: ignored)
 * Anything else — source ports, ICMP types, limits, maps, concatenations,
 * marks, dnat, redirect, include — is an error at its position, never
 * skipped: each could change what the ruleset admits. */
#include "guix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum tok_kind { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_END, T_COMMA, T_EQ,
                        T_OTHER } tok_kind;

typedef struct tok {
    tok_kind kind;
    const char *text; /* NUL-terminated */
    size_t off, len;  /* in the ruleset text */
} tok;

typedef struct nset {
    const char *table, *name;
    SP_VEC(tok) elems;
} nset;

typedef struct nparser {
    geval *E;
    const gruleset *rs;
    fw_ruleset *out;
    SP_VEC(tok) toks;
    size_t i;
    unsigned brace;     /* depth of { } inside a value, where line ends do not end statements */
    SP_VEC(nset) sets;
    bool failed;
} nparser;

enum { NFT_MAX_TOKENS = 1000000 };

static sp_loc tloc(nparser *P, const tok *t)
{
    return gruleset_loc(P->E, P->rs, t->off, t->len ? t->len : 1);
}

static bool fail(nparser *P, const tok *t, const char *fmt, const char *a, const char *b)
{
    if (!P->failed)
        sp_error(P->E->ctx, tloc(P, t), fmt, a, b);
    P->failed = true;
    P->E->failed = true;
    return false;
}

static bool oom(nparser *P)
{
    sp_oom(P->E->ctx);
    P->failed = P->E->failed = true;
    return false;
}

/* ---- tokens ---- */

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || c == '*' || c == '@' ||
           c == '$' || c == '[' || c == ']';
}

static bool push_tok(nparser *P, tok_kind k, size_t off, size_t len, const char *text,
                     size_t tlen)
{
    if (P->toks.len >= NFT_MAX_TOKENS) {
        tok t = {k, "", off, len};
        return fail(P, &t, "the ruleset has more than %s tokens%s", "1000000", "");
    }
    char *copy = sp_arena_strndup(&P->E->ctx->arena, text, tlen);
    tok t = {k, copy, off, len};
    if (!copy || !sp_vec_push(&P->E->ctx->arena, &P->toks, t))
        return oom(P);
    return true;
}

static bool tokenize(nparser *P)
{
    const char *s = P->rs->text;
    size_t n = P->rs->len, i = 0;
    while (i < n) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
        } else if (c == '\\' && i + 1 < n && s[i + 1] == '\n') {
            i += 2;
        } else if (c == '#') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (c == '\n' || c == ';') {
            if (!push_tok(P, T_END, i, 1, c == '\n' ? "\\n" : ";", c == '\n' ? 2 : 1))
                return false;
            i++;
        } else if (c == '{' || c == '}' || c == ',') {
            if (!push_tok(P, c == '{' ? T_LBRACE : c == '}' ? T_RBRACE : T_COMMA, i, 1, s + i, 1))
                return false;
            i++;
        } else if (c == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"' && s[j] != '\n')
                j++;
            if (j >= n || s[j] != '"') {
                tok t = {T_STRING, "", i, 1};
                return fail(P, &t, "unterminated string in the ruleset%s%s", "", "");
            }
            if (!push_tok(P, T_STRING, i, j + 1 - i, s + i + 1, j - i - 1))
                return false;
            i = j + 1;
        } else if (c == '!' && i + 1 < n && s[i + 1] == '=') {
            if (!push_tok(P, T_EQ, i, 2, "!=", 2))
                return false;
            i += 2;
        } else if (c == '=' && i + 1 < n && s[i + 1] == '=') {
            if (!push_tok(P, T_EQ, i, 2, "==", 2))
                return false;
            i += 2;
        } else if (c == '=') {
            if (!push_tok(P, T_EQ, i, 1, "=", 1))
                return false;
            i++;
        } else if (word_char(c)) {
            size_t j = i;
            while (j < n && word_char(s[j]))
                j++;
            if (!push_tok(P, T_WORD, i, j - i, s + i, j - i))
                return false;
            i = j;
        } else {
            size_t len = 1;
            uint32_t cp;
            if ((unsigned char)c >= 0x80)
                len = 1; /* reported below as it is */
            (void)cp;
            if (!push_tok(P, T_OTHER, i, len, s + i, len))
                return false;
            i += len;
        }
    }
    return push_tok(P, T_EOF, n, 0, "", 0);
}

/* define NAME = VALUE …; then $NAME stands for VALUE's tokens. */
typedef struct ndef {
    const char *name;
    tok *value;
    size_t count;
} ndef;

static const ndef *find_def(const ndef *defs, size_t n, const char *name)
{
    for (size_t k = n; k-- > 0;)
        if (!strcmp(defs[k].name, name))
            return &defs[k];
    return NULL;
}

static bool expand_defines(nparser *P)
{
    SP_VEC(ndef) defs = {0};
    SP_VEC(tok) out = {0};
    SP_VEC(tok) val = {0};
    sp_arena *A = &P->E->ctx->arena;
    bool line_start = true;
    for (size_t i = 0; i < P->toks.len;) {
        tok *t = &P->toks.items[i];
        bool is_define = line_start && t->kind == T_WORD && !strcmp(t->text, "define");
        if (t->kind == T_WORD && t->text[0] == '$') {
            const ndef *d = find_def(defs.items, defs.len, t->text + 1);
            if (!d)
                return fail(P, t, "'%s' is not defined (define %s = … first)", t->text,
                            t->text + 1);
            for (size_t m = 0; m < d->count; m++)
                if (!sp_vec_push(A, &out, d->value[m]))
                    return oom(P);
            if (out.len > NFT_MAX_TOKENS)
                return fail(P, t, "the ruleset expands to more than %s tokens%s", "1000000", "");
            i++;
            line_start = false;
            continue;
        }
        if (!is_define) {
            line_start = t->kind == T_END || t->kind == T_RBRACE || t->kind == T_LBRACE;
            if (!sp_vec_push(A, &out, *t))
                return oom(P);
            i++;
            continue;
        }
        tok *name = i + 1 < P->toks.len ? &P->toks.items[i + 1] : t;
        tok *eq = i + 2 < P->toks.len ? &P->toks.items[i + 2] : t;
        if (name->kind != T_WORD || eq->kind != T_EQ || strcmp(eq->text, "="))
            return fail(P, t, "define is written define NAME = VALUE%s%s", "", "");
        val.len = 0;
        size_t j = i + 3;
        unsigned depth = 0;
        for (; j < P->toks.len; j++) {
            tok *v = &P->toks.items[j];
            if (v->kind == T_EOF || (depth == 0 && v->kind == T_END))
                break;
            if (v->kind == T_LBRACE)
                depth++;
            else if (v->kind == T_RBRACE && depth)
                depth--;
            if (v->kind == T_END)
                continue;
            if (v->kind == T_WORD && v->text[0] == '$') {
                const ndef *d = find_def(defs.items, defs.len, v->text + 1);
                if (!d)
                    return fail(P, v, "'%s' is not defined (define %s = … first)", v->text,
                                v->text + 1);
                for (size_t m = 0; m < d->count; m++)
                    if (!sp_vec_push(A, &val, d->value[m]))
                        return oom(P);
                if (val.len > NFT_MAX_TOKENS)
                    return fail(P, v, "a definition expands to more than %s tokens%s",
                                "1000000", "");
                continue;
            }
            if (!sp_vec_push(A, &val, *v))
                return oom(P);
        }
        if (!val.len)
            return fail(P, t, "define %s = needs a value%s", name->text, "");
        ndef d = {name->text, sp_arena_alloc_raw(A, val.len * sizeof(tok)), val.len};
        if (!d.value)
            return oom(P);
        memcpy(d.value, val.items, val.len * sizeof(tok));
        if (!sp_vec_push(A, &defs, d))
            return oom(P);
        i = j;
        line_start = true;
    }
    P->toks.items = out.items;
    P->toks.len = out.len;
    P->toks.cap = out.cap;
    return true;
}

/* ---- the token stream ---- */

static tok *peek(nparser *P)
{
    return &P->toks.items[P->i < P->toks.len ? P->i : P->toks.len - 1];
}

static tok *next(nparser *P)
{
    tok *t = peek(P);
    if (P->i < P->toks.len - 1)
        P->i++;
    return t;
}

static bool is_word(const tok *t, const char *w)
{
    return t->kind == T_WORD && !strcmp(t->text, w);
}

static bool at_end(nparser *P)
{
    tok *t = peek(P);
    return t->kind == T_END || t->kind == T_EOF || t->kind == T_RBRACE;
}

static void skip_ends(nparser *P)
{
    while (peek(P)->kind == T_END)
        next(P);
}

static const char *describe(const tok *t)
{
    switch (t->kind) {
    case T_EOF: return "the end of the ruleset";
    case T_END: return t->text[0] == ';' ? "';'" : "the end of the line";
    default: return t->text;
    }
}

static bool expect_word(nparser *P, const char *what, tok **out)
{
    tok *t = next(P);
    if (t->kind != T_WORD && t->kind != T_STRING)
        return fail(P, t, "expected %s, found %s", what, describe(t));
    *out = t;
    return true;
}

/* ---- tables and chains ---- */

static fw_family family_of(const char *w, bool *known)
{
    *known = true;
    if (!strcmp(w, "inet"))
        return FW_INET;
    if (!strcmp(w, "ip"))
        return FW_IP;
    if (!strcmp(w, "ip6"))
        return FW_IP6;
    if (!strcmp(w, "arp") || !strcmp(w, "bridge") || !strcmp(w, "netdev"))
        return FW_OTHER;
    *known = false;
    return FW_IP;
}

/* [FAMILY] NAME */
static bool table_ref(nparser *P, fw_family *fam, const char **name, tok **at)
{
    tok *t;
    if (!expect_word(P, "a table family or name", &t))
        return false;
    bool known;
    fw_family f = family_of(t->text, &known);
    *at = t;
    if (known && (peek(P)->kind == T_WORD || peek(P)->kind == T_STRING)) {
        *fam = f;
        if (!expect_word(P, "a table name", &t))
            return false;
    } else {
        *fam = FW_IP; /* nft's default family */
    }
    if (f == FW_OTHER && known)
        return fail(P, *at, "the %s family is not supported (inet, ip and ip6 are)%s", (*at)->text,
                    "");
    *name = t->text;
    return true;
}

static fw_chain *find_chain(nparser *P, fw_family fam, const char *table, const char *name,
                            bool create, const tok *at)
{
    for (size_t i = 0; i < P->out->chains.len; i++) {
        fw_chain *c = &P->out->chains.items[i];
        if (c->family == fam && !strcmp(c->table, table) && !strcmp(c->name, name))
            return c;
    }
    if (!create)
        return NULL;
    fw_chain c;
    memset(&c, 0, sizeof c);
    c.table = table;
    c.name = name;
    c.family = fam;
    c.policy = SP_ALLOW;
    c.loc = tloc(P, at);
    if (!sp_vec_push(&P->E->ctx->arena, &P->out->chains, c)) {
        oom(P);
        return NULL;
    }
    return &P->out->chains.items[P->out->chains.len - 1];
}

static bool parse_rule(nparser *P, fw_chain *c, bool insert);

/* type filter hook input priority 0; policy drop; */
static bool chain_statement(nparser *P, fw_chain *c)
{
    tok *t = peek(P);
    if (is_word(t, "type")) {
        next(P);
        tok *type, *w;
        if (!expect_word(P, "a chain type (filter or nat)", &type))
            return false;
        if (strcmp(type->text, "filter") && strcmp(type->text, "nat") &&
            strcmp(type->text, "route"))
            return fail(P, type, "unknown chain type '%s'%s", type->text, "");
        c->nat = !strcmp(type->text, "nat");
        if (!expect_word(P, "hook", &w))
            return false;
        if (strcmp(w->text, "hook"))
            return fail(P, w, "expected hook after the chain type, found %s", describe(w), "");
        tok *h;
        if (!expect_word(P, "a hook", &h))
            return false;
        static const struct {
            const char *name;
            fw_hook hook;
        } HOOKS[] = {{"prerouting", FW_HOOK_PREROUTING}, {"input", FW_HOOK_INPUT},
                     {"forward", FW_HOOK_FORWARD},       {"output", FW_HOOK_OUTPUT},
                     {"postrouting", FW_HOOK_POSTROUTING}, {"ingress", FW_HOOK_INGRESS}};
        c->hook = FW_HOOK_NONE;
        for (size_t k = 0; k < sizeof HOOKS / sizeof *HOOKS; k++)
            if (!strcmp(h->text, HOOKS[k].name))
                c->hook = HOOKS[k].hook;
        if (c->hook == FW_HOOK_NONE)
            return fail(P, h, "unknown hook '%s'%s", h->text, "");
        if (c->hook == FW_HOOK_INGRESS)
            return fail(P, h, "ingress chains are not supported%s%s", "", "");
        c->base = true;
        c->loc = tloc(P, type);
        while (!at_end(P)) {
            tok *x = next(P);
            if (is_word(x, "device")) {
                next(P);
            } else if (is_word(x, "priority")) {
                tok *prio = next(P);
                if (prio->kind != T_WORD)
                    return fail(P, prio, "expected a priority, found %s", describe(prio), "");
            } else {
                return fail(P, x, "unexpected '%s' in a chain's type statement%s", x->text, "");
            }
        }
        return true;
    }
    if (is_word(t, "policy")) {
        next(P);
        tok *p;
        if (!expect_word(P, "accept or drop", &p))
            return false;
        if (!strcmp(p->text, "accept"))
            c->policy = SP_ALLOW;
        else if (!strcmp(p->text, "drop"))
            c->policy = SP_DENY;
        else
            return fail(P, p, "a chain's policy is accept or drop, not '%s'%s", p->text, "");
        return true;
    }
    if (is_word(t, "comment")) {
        next(P);
        next(P);
        return true;
    }
    return parse_rule(P, c, false);
}

static bool chain_body(nparser *P, fw_chain *c)
{
    tok *open = next(P);
    if (open->kind != T_LBRACE)
        return fail(P, open, "expected '{' after the chain's name, found %s", describe(open), "");
    for (;;) {
        skip_ends(P);
        tok *t = peek(P);
        if (t->kind == T_RBRACE) {
            next(P);
            return true;
        }
        if (t->kind == T_EOF)
            return fail(P, open, "no closing '}' for this chain%s%s", "", "");
        if (!chain_statement(P, c))
            return false;
        tok *e = peek(P);
        if (e->kind != T_END && e->kind != T_RBRACE && e->kind != T_EOF)
            return fail(P, e, "unexpected '%s' after a statement%s", e->text, "");
    }
}

static bool set_body(nparser *P, const char *table, const char *name)
{
    tok *open = next(P);
    if (open->kind != T_LBRACE)
        return fail(P, open, "expected '{' after the set's name, found %s", describe(open), "");
    nset s;
    memset(&s, 0, sizeof s);
    s.table = table;
    s.name = name;
    for (;;) {
        skip_ends(P);
        tok *t = next(P);
        if (t->kind == T_RBRACE)
            break;
        if (t->kind == T_EOF)
            return fail(P, open, "no closing '}' for this set%s%s", "", "");
        if (is_word(t, "type") || is_word(t, "flags") || is_word(t, "comment") ||
            is_word(t, "auto-merge") || is_word(t, "size") || is_word(t, "policy")) {
            while (!at_end(P))
                next(P);
            continue;
        }
        if (is_word(t, "elements")) {
            tok *eq = next(P);
            tok *lb = next(P);
            if (eq->kind != T_EQ || lb->kind != T_LBRACE)
                return fail(P, t, "elements is written elements = { … }%s%s", "", "");
            for (;;) {
                tok *e = next(P);
                if (e->kind == T_RBRACE)
                    break;
                if (e->kind == T_END || e->kind == T_COMMA)
                    continue;
                if (e->kind == T_EOF)
                    return fail(P, lb, "no closing '}' for these elements%s%s", "", "");
                if (!sp_vec_push(&P->E->ctx->arena, &s.elems, *e))
                    return oom(P);
            }
            continue;
        }
        if (is_word(t, "timeout") || is_word(t, "gc-interval"))
            return fail(P, t, "sets with %s are not supported%s", t->text, "");
        return fail(P, t, "unexpected '%s' in a set%s", t->text, "");
    }
    if (!sp_vec_push(&P->E->ctx->arena, &P->sets, s))
        return oom(P);
    return true;
}

static bool table_body(nparser *P, fw_family fam, const char *table)
{
    tok *open = next(P);
    if (open->kind != T_LBRACE)
        return fail(P, open, "expected '{' after the table's name, found %s", describe(open), "");
    for (;;) {
        skip_ends(P);
        tok *t = next(P);
        if (t->kind == T_RBRACE)
            return true;
        if (t->kind == T_EOF)
            return fail(P, open, "no closing '}' for this table%s%s", "", "");
        if (is_word(t, "chain")) {
            tok *name;
            if (!expect_word(P, "a chain name", &name))
                return false;
            fw_chain *c = find_chain(P, fam, table, name->text, true, name);
            if (!c || !chain_body(P, c))
                return false;
        } else if (is_word(t, "set")) {
            tok *name;
            if (!expect_word(P, "a set name", &name) || !set_body(P, table, name->text))
                return false;
        } else if (is_word(t, "flags") || is_word(t, "comment")) {
            while (!at_end(P))
                next(P);
        } else if (is_word(t, "map")) {
            return fail(P, t, "maps are not supported%s%s", "", "");
        } else {
            return fail(P, t, "unexpected '%s' in a table (expected chain or set)%s", t->text,
                        "");
        }
    }
}

/* ---- values ---- */

typedef enum vkind { V_ADDR4, V_ADDR6, V_PORT, V_PROTO, V_IFACE, V_STATE } vkind;

/* The elements of a value: a single token, a { … } set, or @set. */
static bool value_elems(nparser *P, const char *table, tok ***out, size_t *n, bool commas)
{
    SP_VEC(tok *) elems = {0};
    sp_arena *A = &P->E->ctx->arena;
    tok *t = next(P);
    if (t->kind == T_LBRACE) {
        for (;;) {
            tok *e = next(P);
            if (e->kind == T_RBRACE)
                break;
            if (e->kind == T_COMMA || e->kind == T_END)
                continue;
            if (e->kind == T_EOF)
                return fail(P, t, "no closing '}' for this set%s%s", "", "");
            if (e->kind == T_LBRACE)
                return fail(P, e, "nested sets are not supported%s%s", "", "");
            if (!sp_vec_push(A, &elems, e))
                return oom(P);
        }
        if (!elems.len)
            return fail(P, t, "an empty set%s%s", "", "");
    } else if (t->kind == T_WORD && t->text[0] == '@') {
        for (size_t i = 0; i < P->sets.len; i++)
            if (!strcmp(P->sets.items[i].name, t->text + 1) &&
                !strcmp(P->sets.items[i].table, table)) {
                nset *s = &P->sets.items[i];
                if (!s->elems.len)
                    return fail(P, t, "the set %s has no elements: snipeproof reads sets whose "
                                      "elements the ruleset gives%s",
                                t->text, "");
                for (size_t k = 0; k < s->elems.len; k++)
                    if (!sp_vec_push(A, &elems, &s->elems.items[k]))
                        return oom(P);
                *out = elems.items;
                *n = elems.len;
                return true;
            }
        return fail(P, t, "unknown set '%s' (declare it in the table before the rule)%s",
                    t->text, "");
    } else if (t->kind == T_WORD || t->kind == T_STRING) {
        if (!sp_vec_push(A, &elems, t))
            return oom(P);
        while (commas && peek(P)->kind == T_COMMA) {
            next(P);
            tok *e = next(P);
            if (e->kind != T_WORD)
                return fail(P, e, "expected a value after ',', found %s", describe(e), "");
            if (!sp_vec_push(A, &elems, e))
                return oom(P);
        }
    } else {
        return fail(P, t, "expected a value, found %s%s", describe(t), "");
    }
    *out = elems.items;
    *n = elems.len;
    return true;
}

static bool parse_num(const char *s, long max, long *v)
{
    char *end;
    if (!*s || !strchr("0123456789", s[0]))
        return false;
    long x = strtol(s, &end, 10);
    if (*end || x < 0 || x > max)
        return false;
    *v = x;
    return true;
}

/* One element as intervals of dimension d. */
static bool elem_ivals(nparser *P, const tok *e, vkind k, sp_ival *iv)
{
    const char *t = e->text;
    if (k == V_ADDR4 || k == V_ADDR6) {
        const char *dash = strchr(t, '-');
        sp_ival a, b;
        bool ok;
        if (dash && !strchr(t, '/')) {
            char lo[64];
            size_t n = (size_t)(dash - t);
            if (n >= sizeof lo)
                n = sizeof lo - 1;
            memcpy(lo, t, n);
            lo[n] = 0;
            ok = sp_parse_cidr(lo, &a) && sp_parse_cidr(dash + 1, &b);
            if (ok) {
                iv->lo = a.lo;
                iv->hi = b.hi;
                ok = a.lo.tag == b.lo.tag && sp_key_cmp(iv->lo, iv->hi) <= 0;
            }
        } else {
            ok = sp_parse_cidr(t, iv);
        }
        if (!ok)
            return fail(P, e, "'%s' is not an address, a CIDR block or a range A-B%s", t, "");
        if ((k == V_ADDR4) != (iv->lo.tag == SP_TAG_IPV4))
            return fail(P, e, "'%s' is not an %s address", t, k == V_ADDR4 ? "IPv4" : "IPv6");
        return true;
    }
    if (k == V_PORT) {
        long lo, hi;
        const char *dash = strchr(t, '-');
        if (dash && t[0] && strchr("0123456789", t[0])) {
            char a[16];
            size_t n = (size_t)(dash - t);
            if (n >= sizeof a)
                n = sizeof a - 1;
            memcpy(a, t, n);
            a[n] = 0;
            if (!parse_num(a, 65535, &lo) || !parse_num(dash + 1, 65535, &hi) || lo > hi)
                return fail(P, e, "'%s' is not a port range%s", t, "");
        } else if (parse_num(t, 65535, &lo)) {
            hi = lo;
        } else if ((lo = fw_port_by_name(t)) >= 0) {
            hi = lo;
        } else {
            return fail(P, e, "'%s' is not a port, a range or a service name snipeproof "
                              "knows%s",
                        t, "");
        }
        iv->lo = sp_key_num((uint64_t)lo);
        iv->hi = sp_key_num((uint64_t)hi);
        return true;
    }
    if (k == V_PROTO) {
        long p;
        if (!parse_num(t, 255, &p) && (p = fw_proto_by_name(t)) < 0)
            return fail(P, e, "'%s' is not a protocol snipeproof knows%s", t, "");
        iv->lo = iv->hi = sp_key_num((uint64_t)p);
        return true;
    }
    return false;
}

static bool rel_op(nparser *P, bool *negate)
{
    tok *t = peek(P);
    *negate = false;
    if (t->kind == T_EQ) {
        if (!strcmp(t->text, "="))
            return fail(P, t, "unexpected '='%s%s", "", "");
        *negate = !strcmp(t->text, "!=");
        next(P);
    } else if (is_word(t, "eq") || is_word(t, "ne")) {
        *negate = is_word(t, "ne");
        next(P);
    } else if (t->kind == T_OTHER && (t->text[0] == '<' || t->text[0] == '>' ||
                                      t->text[0] == '&' || t->text[0] == '|')) {
        return fail(P, t, "the operator '%s' is not supported (== and != are)%s", t->text, "");
    }
    return true;
}

/* A match of dimension d: [op] value. */
static bool dim_match(nparser *P, fw_rule *r, const char *table, sp_dim d, vkind k)
{
    bool negate;
    tok **elems;
    size_t n;
    if (!rel_op(P, &negate) || !value_elems(P, table, &elems, &n, false))
        return false;
    sp_ival *iv = sp_arena_calloc(&P->E->ctx->arena, n, sizeof *iv);
    if (!iv)
        return oom(P);
    for (size_t i = 0; i < n; i++)
        if (!elem_ivals(P, elems[i], k, &iv[i]))
            return false;
    return fw_constrain(P->E, r, d, iv, n, negate);
}

static bool if_match(nparser *P, fw_rule *r, const char *table, bool in, const tok *at)
{
    fw_ifmatch *m = in ? &r->iif : &r->oif;
    if (m->used)
        return fail(P, at, "two %s matches in one rule are not supported%s",
                    in ? "input-interface" : "output-interface", "");
    bool negate;
    tok **elems;
    size_t n;
    if (!rel_op(P, &negate) || !value_elems(P, table, &elems, &n, false))
        return false;
    m->names = sp_arena_calloc(&P->E->ctx->arena, n, sizeof *m->names);
    if (!m->names)
        return oom(P);
    for (size_t i = 0; i < n; i++)
        m->names[i] = elems[i]->text;
    m->n = n;
    m->negated = negate;
    m->used = true;
    /* From the keyword to its last value (a value from a define lies
     * elsewhere: then the keyword alone). */
    size_t end = elems[n - 1]->off + elems[n - 1]->len;
    m->loc = gruleset_loc(P->E, P->rs, at->off, end > at->off ? end - at->off : at->len);
    return true;
}

static bool ct_state(nparser *P, fw_rule *r, const char *table)
{
    bool negate;
    tok **elems;
    size_t n;
    if (!rel_op(P, &negate) || !value_elems(P, table, &elems, &n, true))
        return false;
    bool has_new = false;
    for (size_t i = 0; i < n; i++) {
        const char *s = elems[i]->text;
        if (!strcmp(s, "new"))
            has_new = true;
        else if (strcmp(s, "established") && strcmp(s, "related") && strcmp(s, "invalid") &&
                 strcmp(s, "untracked"))
            return fail(P, elems[i], "unknown connection state '%s'%s", s, "");
    }
    /* Requests are new connections: the rule matches them iff the states
     * it names include new (excluded, for !=). */
    if (has_new == negate)
        r->never = true;
    return true;
}

static bool proto_only(nparser *P, fw_rule *r, int proto)
{
    sp_ival iv = {sp_key_num((uint64_t)proto), sp_key_num((uint64_t)proto)};
    return fw_constrain(P->E, r, SP_DIM_PROTO, &iv, 1, false);
}

/* ---- rules ---- */

static bool parse_rule(nparser *P, fw_chain *c, bool insert)
{
    fw_rule r;
    fw_rule_init(&r);
    if (c->family == FW_IP)
        fw_set_family(&r, 4);
    else if (c->family == FW_IP6)
        fw_set_family(&r, 6);
    tok *first = peek(P);
    tok *last = first;
    const char *table = c->table;
    bool verdict_seen = false;
    while (!at_end(P)) {
        tok *t = next(P);
        if (t->kind != T_WORD)
            return fail(P, t, "unexpected '%s' in a rule%s", describe(t), "");
        const char *w = t->text;
        if (verdict_seen && strcmp(w, "comment"))
            return fail(P, t, "'%s' after the rule's verdict%s", w, "");
        if (!strcmp(w, "meta")) {
            tok *k;
            if (!expect_word(P, "a meta key", &k))
                return false;
            if (!strcmp(k->text, "iifname") || !strcmp(k->text, "iif")) {
                if (!if_match(P, &r, table, true, t))
                    return false;
            } else if (!strcmp(k->text, "oifname") || !strcmp(k->text, "oif")) {
                if (!if_match(P, &r, table, false, t))
                    return false;
            } else if (!strcmp(k->text, "l4proto") || !strcmp(k->text, "protocol")) {
                if (!dim_match(P, &r, table, SP_DIM_PROTO, V_PROTO))
                    return false;
            } else if (!strcmp(k->text, "nfproto")) {
                bool neg;
                tok *v;
                if (!rel_op(P, &neg) || !expect_word(P, "ipv4 or ipv6", &v))
                    return false;
                if (strcmp(v->text, "ipv4") && strcmp(v->text, "ipv6"))
                    return fail(P, v, "meta nfproto is ipv4 or ipv6, not '%s'%s", v->text, "");
                bool v4 = !strcmp(v->text, "ipv4") != neg;
                fw_set_family(&r, v4 ? 4 : 6);
            } else {
                return fail(P, k, "meta %s is not supported%s", k->text, "");
            }
        } else if (!strcmp(w, "iifname") || !strcmp(w, "iif")) {
            if (!if_match(P, &r, table, true, t))
                return false;
        } else if (!strcmp(w, "oifname") || !strcmp(w, "oif")) {
            if (!if_match(P, &r, table, false, t))
                return false;
        } else if (!strcmp(w, "ip") || !strcmp(w, "ip6")) {
            bool v6 = w[2] == '6';
            tok *k;
            if (!expect_word(P, v6 ? "saddr, daddr or nexthdr" : "saddr, daddr or protocol", &k))
                return false;
            fw_set_family(&r, v6 ? 6 : 4);
            if (!strcmp(k->text, "saddr") || !strcmp(k->text, "daddr")) {
                if (!dim_match(P, &r, table, k->text[0] == 's' ? SP_DIM_SRC : SP_DIM_DST,
                               v6 ? V_ADDR6 : V_ADDR4))
                    return false;
            } else if ((!v6 && !strcmp(k->text, "protocol")) ||
                       (v6 && !strcmp(k->text, "nexthdr"))) {
                if (!dim_match(P, &r, table, SP_DIM_PROTO, V_PROTO))
                    return false;
            } else {
                return fail(P, k, "%s %s is not supported", w, k->text);
            }
        } else if (!strcmp(w, "tcp") || !strcmp(w, "udp") || !strcmp(w, "th")) {
            tok *k;
            if (!expect_word(P, "dport", &k))
                return false;
            if (strcmp(k->text, "dport"))
                return fail(P, k, "%s %s is not supported (only destination ports are modelled)",
                            w, k->text);
            if (!strcmp(w, "th")) {
                sp_ival iv[2] = {{sp_key_num(SP_PROTO_TCP), sp_key_num(SP_PROTO_TCP)},
                                 {sp_key_num(SP_PROTO_UDP), sp_key_num(SP_PROTO_UDP)}};
                if (!fw_constrain(P->E, &r, SP_DIM_PROTO, iv, 2, false))
                    return false;
            } else if (!proto_only(P, &r, w[0] == 't' ? SP_PROTO_TCP : SP_PROTO_UDP)) {
                return false;
            }
            if (!dim_match(P, &r, table, SP_DIM_PORT, V_PORT))
                return false;
        } else if (!strcmp(w, "ct")) {
            tok *k;
            if (!expect_word(P, "state", &k))
                return false;
            if (strcmp(k->text, "state"))
                return fail(P, k, "ct %s is not supported (ct state is)%s", k->text, "");
            if (!ct_state(P, &r, table))
                return false;
        } else if (!strcmp(w, "counter")) {
            while (is_word(peek(P), "packets") || is_word(peek(P), "bytes")) {
                next(P);
                next(P);
            }
        } else if (!strcmp(w, "log")) {
            while (is_word(peek(P), "prefix") || is_word(peek(P), "level") ||
                   is_word(peek(P), "flags") || is_word(peek(P), "group") ||
                   is_word(peek(P), "snaplen") || is_word(peek(P), "queue-threshold")) {
                next(P);
                next(P);
            }
        } else if (!strcmp(w, "comment")) {
            tok *s = next(P);
            if (s->kind != T_STRING && s->kind != T_WORD)
                return fail(P, s, "expected the comment's text, found %s", describe(s), "");
        } else if (!strcmp(w, "accept") || !strcmp(w, "drop")) {
            r.verdict = w[0] == 'a' ? FW_ACCEPT : FW_DROP;
            verdict_seen = true;
        } else if (!strcmp(w, "reject")) {
            r.verdict = FW_DROP;
            verdict_seen = true;
            if (is_word(peek(P), "with"))
                while (!at_end(P) && !is_word(peek(P), "comment"))
                    next(P);
        } else if (!strcmp(w, "jump") || !strcmp(w, "goto")) {
            tok *target;
            if (!expect_word(P, "a chain name", &target))
                return false;
            r.verdict = w[0] == 'j' ? FW_JUMP : FW_GOTO;
            r.target = target->text;
            verdict_seen = true;
        } else if (!strcmp(w, "return")) {
            r.verdict = FW_RETURN;
            verdict_seen = true;
        } else if (!strcmp(w, "continue")) {
            verdict_seen = true;
        } else if ((!strcmp(w, "masquerade") || !strcmp(w, "snat")) && c->nat) {
            /* Outbound source rewriting: admits nothing inbound. */
            while (!at_end(P))
                next(P);
            verdict_seen = true;
        } else if (!strcmp(w, "dnat") || !strcmp(w, "redirect")) {
            return fail(P, t, "%s is not supported: it rewrites destinations, which snipeproof "
                              "does not model (forwarding comes from the topology)%s",
                        w, "");
        } else if (!strcmp(w, "icmp") || !strcmp(w, "icmpv6")) {
            return fail(P, t, "%s matches (ICMP types) are not supported%s", w, "");
        } else {
            return fail(P, t, "'%s' is not in the nftables subset snipeproof reads "
                              "(docs/GUIX.md)%s",
                        w, "");
        }
        last = &P->toks.items[P->i ? P->i - 1 : 0];
    }
    r.loc = tloc(P, first);
    size_t end = last->off + last->len;
    r.loc.len = (uint32_t)(end > first->off ? end - first->off : 1);
    if (P->rs->src == SP_NO_SOURCE)
        r.loc = gruleset_loc(P->E, P->rs, first->off, r.loc.len);
    size_t tl = end > first->off ? end - first->off : 0;
    if (tl > 80)
        tl = 80;
    r.text = sp_arena_strndup(&P->E->ctx->arena, P->rs->text + first->off, tl);
    sp_arena *A = &P->E->ctx->arena;
    if (!r.text)
        return oom(P);
    if (insert) {
        if (!sp_vec_push(A, &c->rules, r))
            return oom(P);
        memmove(c->rules.items + 1, c->rules.items, (c->rules.len - 1) * sizeof r);
        c->rules.items[0] = r;
        return true;
    }
    if (!sp_vec_push(A, &c->rules, r))
        return oom(P);
    return true;
}

/* add|insert|create table|chain|rule … */
static bool add_command(nparser *P, const tok *cmd)
{
    tok *what;
    if (!expect_word(P, "table, chain or rule", &what))
        return false;
    fw_family fam;
    const char *table;
    tok *at;
    if (!table_ref(P, &fam, &table, &at))
        return false;
    if (!strcmp(what->text, "table")) {
        if (peek(P)->kind == T_LBRACE)
            return table_body(P, fam, table);
        return true;
    }
    tok *chain;
    if (!expect_word(P, "a chain name", &chain))
        return false;
    if (!strcmp(what->text, "chain")) {
        fw_chain *c = find_chain(P, fam, table, chain->text, true, chain);
        if (!c)
            return false;
        if (peek(P)->kind == T_LBRACE)
            return chain_body(P, c);
        return true;
    }
    if (!strcmp(what->text, "rule")) {
        fw_chain *c = find_chain(P, fam, table, chain->text, false, chain);
        if (!c)
            return fail(P, chain, "no chain '%s' in table '%s' (add it first)", chain->text,
                        table);
        if (is_word(peek(P), "position") || is_word(peek(P), "handle") ||
            is_word(peek(P), "index"))
            return fail(P, peek(P), "rule positions are not supported%s%s", "", "");
        return parse_rule(P, c, !strcmp(cmd->text, "insert"));
    }
    return fail(P, what, "add %s is not supported (table, chain and rule are)%s", what->text, "");
}

bool gnft_parse(geval *E, const gruleset *rs, fw_ruleset *out)
{
    nparser P;
    memset(&P, 0, sizeof P);
    P.E = E;
    P.rs = rs;
    P.out = out;
    memset(out, 0, sizeof *out);
    out->source = rs;
    if (!tokenize(&P) || !expand_defines(&P))
        return false;
    for (;;) {
        skip_ends(&P);
        tok *t = next(&P);
        if (t->kind == T_EOF)
            break;
        if (is_word(t, "table")) {
            fw_family fam;
            const char *table;
            tok *at;
            if (!table_ref(&P, &fam, &table, &at) || !table_body(&P, fam, table))
                return false;
        } else if (is_word(t, "flush") || is_word(t, "delete") || is_word(t, "destroy")) {
            /* At the top of a loaded file these clear what was there. */
            while (!at_end(&P))
                next(&P);
        } else if (is_word(t, "add") || is_word(t, "create") || is_word(t, "insert")) {
            if (!add_command(&P, t))
                return false;
        } else if (is_word(t, "include")) {
            return fail(&P, t, "include is not supported: the ruleset must be one file%s%s", "",
                        "");
        } else {
            return fail(&P, t, "unexpected '%s' (expected table, add, flush or define)%s",
                        describe(t), "");
        }
        tok *e = peek(&P);
        if (e->kind != T_END && e->kind != T_EOF)
            return fail(&P, e, "unexpected '%s' after a command%s", describe(e), "");
    }
    return !P.failed;
}
