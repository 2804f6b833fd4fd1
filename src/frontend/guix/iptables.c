/* The subset of iptables-restore input that snipeproof reads (docs/GUIX.md),
 * the same as its nftables subset:
 *
 *   *filter  :INPUT|FORWARD|OUTPUT POLICY [n:n]  :CHAIN - [n:n]  COMMIT
 *   -A|-I CHAIN  [!] -p PROTO  [!] -s|-d ADDR[,ADDR…]  [!] -i|-o IFACE[+]
 *   [!] --dport PORT[:PORT]  -m multiport [!] --dports P,P:P
 *   -m state [!] --state S,S   -m conntrack [!] --ctstate S,S
 *   -m comment --comment TEXT   -m tcp / -m udp
 *   -j ACCEPT|DROP|REJECT [--reject-with …]|RETURN|LOG …|CHAIN   -g CHAIN
 *   *nat with MASQUERADE or SNAT (outbound: ignored)
 * ipv4-rules filter IPv4 only, ipv6-rules IPv6 only.  Anything else is an
 * error at its position. */
#include "guix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct iword {
    const char *text;
    size_t off, len;
} iword;

typedef struct iparser {
    geval *E;
    const gruleset *rs;
    fw_ruleset *out;
    bool failed;
} iparser;

static sp_loc wloc(iparser *P, size_t off, size_t len)
{
    return gruleset_loc(P->E, P->rs, off, len ? len : 1);
}

static bool fail_at(iparser *P, size_t off, size_t len, const char *fmt, const char *a)
{
    if (!P->failed)
        sp_error(P->E->ctx, wloc(P, off, len), fmt, a);
    P->failed = P->E->failed = true;
    return false;
}

static bool oom(iparser *P)
{
    sp_oom(P->E->ctx);
    P->failed = P->E->failed = true;
    return false;
}

/* The words of one line (quotes group, as the shell would). */
static bool split_line(iparser *P, size_t from, size_t to, iword **out, size_t *n)
{
    SP_VEC(iword) w = {0};
    const char *s = P->rs->text;
    size_t i = from;
    while (i < to) {
        while (i < to && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i >= to)
            break;
        size_t start = i;
        char buf[512];
        size_t len = 0;
        while (i < to && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            if (len >= sizeof buf - 1)
                return fail_at(P, start, i - start, "a word longer than %s bytes", "510");
            if (s[i] == '"' || s[i] == '\'') {
                char q = s[i++];
                while (i < to && s[i] != q) {
                    if (len >= sizeof buf - 1)
                        return fail_at(P, start, i - start, "a word longer than %s bytes",
                                       "510");
                    buf[len++] = s[i];
                    i++;
                }
                if (i >= to)
                    return fail_at(P, start, 1, "unterminated quote%s", "");
                i++;
                continue;
            }
            buf[len++] = s[i];
            i++;
        }
        buf[len] = 0;
        iword x = {sp_arena_strdup(&P->E->ctx->arena, buf), start, i - start};
        if (!x.text || !sp_vec_push(&P->E->ctx->arena, &w, x))
            return oom(P);
    }
    *out = w.items;
    *n = w.len;
    return true;
}

static fw_chain *chain_named(iparser *P, const char *table, const char *name)
{
    for (size_t i = 0; i < P->out->chains.len; i++) {
        fw_chain *c = &P->out->chains.items[i];
        if (!strcmp(c->table, table) && !strcmp(c->name, name))
            return c;
    }
    return NULL;
}

static bool add_chain(iparser *P, const char *table, const iword *name, const iword *policy,
                      fw_family fam)
{
    if (chain_named(P, table, name->text))
        return fail_at(P, name->off, name->len, "the chain %s is declared twice", name->text);
    fw_chain c;
    memset(&c, 0, sizeof c);
    c.table = table;
    c.name = name->text;
    c.family = fam;
    c.nat = !strcmp(table, "nat");
    c.loc = wloc(P, name->off - 1, name->len + 1);
    static const struct {
        const char *name;
        fw_hook hook;
    } BUILTIN[] = {{"INPUT", FW_HOOK_INPUT},
                   {"FORWARD", FW_HOOK_FORWARD},
                   {"OUTPUT", FW_HOOK_OUTPUT},
                   {"PREROUTING", FW_HOOK_PREROUTING},
                   {"POSTROUTING", FW_HOOK_POSTROUTING}};
    for (size_t i = 0; i < sizeof BUILTIN / sizeof *BUILTIN; i++)
        if (!strcmp(name->text, BUILTIN[i].name)) {
            c.base = true;
            c.hook = BUILTIN[i].hook;
        }
    if (c.base) {
        if (!strcmp(policy->text, "ACCEPT"))
            c.policy = SP_ALLOW;
        else if (!strcmp(policy->text, "DROP"))
            c.policy = SP_DENY;
        else
            return fail_at(P, policy->off, policy->len,
                           "a built-in chain's policy is ACCEPT or DROP, not '%s'",
                           policy->text);
    } else if (strcmp(policy->text, "-")) {
        return fail_at(P, policy->off, policy->len,
                       "a chain of your own has no policy ('-'), not '%s'", policy->text);
    }
    if (!sp_vec_push(&P->E->ctx->arena, &P->out->chains, c))
        return oom(P);
    return true;
}

static bool addresses(iparser *P, fw_rule *r, sp_dim d, const iword *w, bool negate, int fam)
{
    SP_VEC(sp_ival) ivs = {0};
    char *copy = sp_arena_strdup(&P->E->ctx->arena, w->text);
    if (!copy)
        return oom(P);
    for (char *tok = copy; tok && *tok;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = 0;
        sp_ival iv;
        if (!sp_parse_cidr(tok, &iv))
            return fail_at(P, w->off, w->len, "'%s' is not an address or a CIDR block", tok);
        if ((fam == 4) != (iv.lo.tag == SP_TAG_IPV4))
            return fail_at(P, w->off, w->len,
                           fam == 4 ? "'%s' is not an IPv4 address (these are ipv4-rules)"
                                    : "'%s' is not an IPv6 address (these are ipv6-rules)",
                           tok);
        if (!sp_vec_push(&P->E->ctx->arena, &ivs, iv))
            return oom(P);
        tok = comma ? comma + 1 : NULL;
    }
    return fw_constrain(P->E, r, d, ivs.items, ivs.len, negate);
}

static bool ports(iparser *P, fw_rule *r, const iword *w, bool negate, bool multi)
{
    SP_VEC(sp_ival) ivs = {0};
    char *copy = sp_arena_strdup(&P->E->ctx->arena, w->text);
    if (!copy)
        return oom(P);
    for (char *tok = copy; tok && *tok;) {
        char *comma = multi ? strchr(tok, ',') : NULL;
        if (comma)
            *comma = 0;
        char *colon = strchr(tok, ':');
        long lo, hi;
        char *end;
        if (colon) {
            *colon = 0;
            lo = *tok ? strtol(tok, &end, 10) : 0;
            hi = colon[1] ? strtol(colon + 1, &end, 10) : 65535;
        } else {
            lo = strtol(tok, &end, 10);
            if (*end || !*tok)
                lo = fw_port_by_name(tok);
            hi = lo;
        }
        if (lo < 0 || hi > 65535 || lo > hi)
            return fail_at(P, w->off, w->len, "'%s' is not a port or a range A:B", w->text);
        sp_ival iv = {sp_key_num((uint64_t)lo), sp_key_num((uint64_t)hi)};
        if (!sp_vec_push(&P->E->ctx->arena, &ivs, iv))
            return oom(P);
        tok = comma ? comma + 1 : NULL;
    }
    return fw_constrain(P->E, r, SP_DIM_PORT, ivs.items, ivs.len, negate);
}

static bool states(iparser *P, fw_rule *r, const iword *w, bool negate)
{
    bool has_new = false;
    char *copy = sp_arena_strdup(&P->E->ctx->arena, w->text);
    if (!copy)
        return oom(P);
    for (char *tok = copy; tok && *tok;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = 0;
        if (!strcmp(tok, "NEW"))
            has_new = true;
        else if (strcmp(tok, "ESTABLISHED") && strcmp(tok, "RELATED") &&
                 strcmp(tok, "INVALID") && strcmp(tok, "UNTRACKED") && strcmp(tok, "SNAT") &&
                 strcmp(tok, "DNAT"))
            return fail_at(P, w->off, w->len, "unknown connection state '%s'", tok);
        tok = comma ? comma + 1 : NULL;
    }
    if (has_new == negate)
        r->never = true;
    return true;
}

static bool interface(iparser *P, fw_rule *r, const iword *flag, const iword *w, bool in,
                      bool negate)
{
    fw_ifmatch *m = in ? &r->iif : &r->oif;
    char *name = sp_arena_strdup(&P->E->ctx->arena, w->text);
    const char **names = sp_arena_calloc(&P->E->ctx->arena, 1, sizeof *names);
    if (!name || !names)
        return oom(P);
    size_t n = strlen(name);
    if (n && name[n - 1] == '+')
        name[n - 1] = '*'; /* iptables' wildcard */
    names[0] = name;
    m->names = names;
    m->n = 1;
    m->negated = negate;
    m->used = true;
    m->loc = wloc(P, flag->off, w->off + w->len - flag->off);
    return true;
}

static bool rule_line(iparser *P, const char *table, iword *w, size_t n, fw_family fam)
{
    int family = fam == FW_IP6 ? 6 : 4;
    bool insert = !strcmp(w[0].text, "-I") || !strcmp(w[0].text, "--insert");
    if (n < 2)
        return fail_at(P, w[0].off, w[0].len, "%s needs a chain", w[0].text);
    fw_chain *c = chain_named(P, table, w[1].text);
    if (!c)
        return fail_at(P, w[1].off, w[1].len,
                       "no chain '%s' in this table (declare it with :NAME - [0:0])", w[1].text);
    size_t i = 2;
    size_t insert_at = 0;
    if (insert && i < n && strspn(w[i].text, "0123456789") == strlen(w[i].text)) {
        insert_at = (size_t)strtoul(w[i].text, NULL, 10);
        insert_at = insert_at ? insert_at - 1 : 0;
        i++;
    }
    fw_rule r;
    fw_rule_init(&r);
    fw_set_family(&r, family);
    bool negate = false;
    bool nat_ok = false;
    size_t first = w[0].off, last = w[n - 1].off + w[n - 1].len;
    for (; i < n; i++) {
        const iword *o = &w[i];
        const char *t = o->text;
        if (!strcmp(t, "!")) {
            negate = true;
            continue;
        }
        const iword *v = i + 1 < n ? &w[i + 1] : NULL;
        bool takes = true;
        if (!strcmp(t, "-p") || !strcmp(t, "--protocol")) {
            if (!v)
                break;
            if (strcmp(v->text, "all")) {
                long p;
                char *end;
                p = strtol(v->text, &end, 10);
                if (*end || !*v->text)
                    p = fw_proto_by_name(v->text);
                if (p < 0 || p > 255)
                    return fail_at(P, v->off, v->len, "'%s' is not a protocol snipeproof knows",
                                   v->text);
                sp_ival iv = {sp_key_num((uint64_t)p), sp_key_num((uint64_t)p)};
                if (!fw_constrain(P->E, &r, SP_DIM_PROTO, &iv, 1, negate))
                    return false;
            }
        } else if (!strcmp(t, "-s") || !strcmp(t, "--source") || !strcmp(t, "--src")) {
            if (!v || !addresses(P, &r, SP_DIM_SRC, v, negate, family))
                return v ? false : fail_at(P, o->off, o->len, "%s needs an address", t);
        } else if (!strcmp(t, "-d") || !strcmp(t, "--destination") || !strcmp(t, "--dst")) {
            if (!v || !addresses(P, &r, SP_DIM_DST, v, negate, family))
                return v ? false : fail_at(P, o->off, o->len, "%s needs an address", t);
        } else if (!strcmp(t, "-i") || !strcmp(t, "--in-interface")) {
            if (!v || !interface(P, &r, o, v, true, negate))
                return v ? false : fail_at(P, o->off, o->len, "%s needs an interface", t);
        } else if (!strcmp(t, "-o") || !strcmp(t, "--out-interface")) {
            if (!v || !interface(P, &r, o, v, false, negate))
                return v ? false : fail_at(P, o->off, o->len, "%s needs an interface", t);
        } else if (!strcmp(t, "--dport") || !strcmp(t, "--destination-port")) {
            if (!v || !ports(P, &r, v, negate, false))
                return v ? false : fail_at(P, o->off, o->len, "%s needs a port", t);
        } else if (!strcmp(t, "--dports") || !strcmp(t, "--destination-ports")) {
            if (!v || !ports(P, &r, v, negate, true))
                return v ? false : fail_at(P, o->off, o->len, "%s needs ports", t);
        } else if (!strcmp(t, "--state") || !strcmp(t, "--ctstate")) {
            if (!v || !states(P, &r, v, negate))
                return v ? false : fail_at(P, o->off, o->len, "%s needs states", t);
        } else if (!strcmp(t, "-m") || !strcmp(t, "--match")) {
            if (!v)
                break;
            static const char *const MODULES[] = {"tcp", "udp", "multiport", "state",
                                                  "conntrack", "comment", NULL};
            bool ok = false;
            for (const char *const *m = MODULES; *m; m++)
                ok = ok || !strcmp(*m, v->text);
            if (!ok)
                return fail_at(P, v->off, v->len,
                               "the match module '%s' is not supported (docs/GUIX.md)",
                               v->text);
        } else if (!strcmp(t, "--comment")) {
            if (!v)
                break;
        } else if (!strcmp(t, "-j") || !strcmp(t, "--jump") || !strcmp(t, "-g") ||
                   !strcmp(t, "--goto")) {
            if (!v)
                break;
            bool go = t[1] == 'g' || !strcmp(t, "--goto");
            const char *j = v->text;
            if (!strcmp(j, "ACCEPT")) {
                r.verdict = FW_ACCEPT;
            } else if (!strcmp(j, "DROP") || !strcmp(j, "REJECT")) {
                r.verdict = FW_DROP;
            } else if (!strcmp(j, "RETURN")) {
                r.verdict = FW_RETURN;
            } else if (!strcmp(j, "LOG")) {
                r.verdict = FW_NONE;
            } else if ((!strcmp(j, "MASQUERADE") || !strcmp(j, "SNAT")) && c->nat) {
                nat_ok = true;
            } else if (!strcmp(j, "DNAT") || !strcmp(j, "REDIRECT")) {
                return fail_at(P, v->off, v->len,
                               "%s is not supported: it rewrites destinations, which snipeproof "
                               "does not model (forwarding comes from the topology)",
                               j);
            } else if (chain_named(P, table, j)) {
                r.verdict = go ? FW_GOTO : FW_JUMP;
                r.target = j;
            } else {
                return fail_at(P, v->off, v->len,
                               "the target '%s' is not supported, nor a chain of this table", j);
            }
            /* Target options (--reject-with, --log-prefix, --to-source …). */
            while (i + 2 < n && !strncmp(w[i + 2].text, "--", 2) &&
                   strcmp(w[i + 2].text, "--comment")) {
                i += 2;
                if (i + 1 >= n || !strncmp(w[i + 1].text, "-", 1))
                    i--;
            }
        } else if (!strcmp(t, "--sport") || !strcmp(t, "--source-port") ||
                   !strcmp(t, "--sports") || !strcmp(t, "--source-ports") ||
                   !strcmp(t, "--ports")) {
            return fail_at(P, o->off, o->len,
                           "%s is not supported (only destination ports are modelled)", t);
        } else {
            takes = false;
            return fail_at(P, o->off, o->len,
                           "'%s' is not in the iptables subset snipeproof reads (docs/GUIX.md)",
                           t);
        }
        if (takes)
            i++;
        negate = false;
    }
    if (i < n)
        return fail_at(P, w[n - 1].off, w[n - 1].len, "'%s' needs a value", w[n - 1].text);
    if (strcmp(table, "filter") && !c->nat)
        return fail_at(P, first, last - first,
                       "rules of the %s table are not supported (filter, and nat with "
                       "MASQUERADE or SNAT, are)",
                       table);
    if (c->nat && !nat_ok && r.verdict != FW_ACCEPT && r.verdict != FW_NONE)
        return fail_at(P, first, last - first, "this nat rule is not supported (MASQUERADE and "
                                               "SNAT are)%s",
                       "");
    r.loc = wloc(P, first, last - first);
    size_t tl = last - first > 80 ? 80 : last - first;
    r.text = sp_arena_strndup(&P->E->ctx->arena, P->rs->text + first, tl);
    if (!r.text || !sp_vec_push(&P->E->ctx->arena, &c->rules, r))
        return oom(P);
    if (insert) {
        if (insert_at > c->rules.len - 1)
            insert_at = c->rules.len - 1;
        memmove(c->rules.items + insert_at + 1, c->rules.items + insert_at,
                (c->rules.len - 1 - insert_at) * sizeof r);
        c->rules.items[insert_at] = r;
    }
    return true;
}

bool gipt_parse(geval *E, const gruleset *rs, fw_ruleset *out)
{
    iparser P = {E, rs, out, false};
    memset(out, 0, sizeof *out);
    out->source = rs;
    fw_family fam = rs->kind == GRS_IPT6 ? FW_IP6 : FW_IP;
    const char *s = rs->text;
    const char *table = NULL;
    size_t table_off = 0;
    for (size_t i = 0; i < rs->len;) {
        size_t e = i;
        while (e < rs->len && s[e] != '\n')
            e++;
        iword *w = NULL;
        size_t n = 0;
        if (!split_line(&P, i, e, &w, &n))
            return false;
        size_t line = i;
        i = e + 1;
        if (!n || w[0].text[0] == '#')
            continue;
        const char *t = w[0].text;
        if (t[0] == '*') {
            if (table)
                return fail_at(&P, w[0].off, w[0].len,
                               "a new table starts before COMMIT ends the %s one", "previous");
            table = t + 1;
            table_off = line;
            if (!*table)
                return fail_at(&P, w[0].off, w[0].len, "'*' needs a table name%s", "");
            continue;
        }
        if (!table)
            return fail_at(&P, w[0].off, w[0].len,
                           "'%s' before any table (the rules start with *filter)", t);
        if (!strcmp(t, "COMMIT")) {
            table = NULL;
            continue;
        }
        if (t[0] == ':') {
            if (n < 2)
                return fail_at(&P, w[0].off, w[0].len, "a chain is declared :NAME POLICY%s", "");
            iword name = {t + 1, w[0].off + 1, w[0].len - 1};
            if (!*name.text || !add_chain(&P, table, &name, &w[1], fam))
                return name.text[0] ? false
                                    : fail_at(&P, w[0].off, w[0].len, "a chain needs a name%s", "");
            continue;
        }
        if (!strcmp(t, "-A") || !strcmp(t, "--append") || !strcmp(t, "-I") ||
            !strcmp(t, "--insert")) {
            if (!rule_line(&P, table, w, n, fam))
                return false;
            continue;
        }
        return fail_at(&P, w[0].off, w[0].len,
                       "'%s' is not supported in iptables-restore input here (-A, -I, :CHAIN, "
                       "COMMIT are)",
                       t);
    }
    if (table)
        return fail_at(&P, table_off, 1, "the table %s has no COMMIT", table);
    return !P.failed;
}
