/* Request sets in words, for findings and graphs. */
#include "reqset.h"

#include <stdio.h>
#include <string.h>

static void put(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > cap) {
        if (*len + 4 <= cap) {
            memcpy(buf + *len, "...", 4);
            *len = cap;
        }
        return;
    }
    memcpy(buf + *len, s, n + 1);
    *len += n;
}

static void sep(char *buf, size_t cap, size_t *len)
{
    if (*len)
        put(buf, cap, len, ", ");
}

static const char *protocol_name(uint64_t p)
{
    switch (p) {
    case SP_PROTO_ICMP: return "icmp";
    case SP_PROTO_TCP: return "tcp";
    case SP_PROTO_UDP: return "udp";
    case SP_PROTO_ICMPV6: return "icmpv6";
    case SP_PROTO_API: return "api";
    default: return NULL;
    }
}

/* A named value (interned id) when the interval holds exactly one, else a
 * run of values no set names one by one. */
static void named(const sp_name_table *names, uint64_t lo, uint64_t hi, uint64_t base,
                  const char *other, char *buf, size_t cap, size_t *len)
{
    if (lo == hi && lo - base >= 1 && lo - base <= names->count) {
        sep(buf, cap, len);
        put(buf, cap, len, sp_intern_str(names, (sp_name)(lo - base)));
        return;
    }
    /* Runs of unnamed values all read the same: say it once. */
    if (strstr(buf, other))
        return;
    sep(buf, cap, len);
    put(buf, cap, len, other);
}

void sp_format_dim(const sp_name_table *names, sp_dim d, const sp_ival *iv, size_t n, char *buf,
                   size_t cap)
{
    size_t len = 0;
    char tmp[64];
    buf[0] = 0;
    sp_ival dom = sp_dim_domain(d);
    if (n == 0 || (n == 1 && !sp_key_cmp(iv[0].lo, dom.lo) && !sp_key_cmp(iv[0].hi, dom.hi))) {
        put(buf, cap, &len, "any");
        return;
    }
    if (d == SP_DIM_SRC || d == SP_DIM_DST) {
        sp_format_addresses(names, iv, n, buf, cap);
        return;
    }
    for (size_t i = 0; i < n && len < cap; i++) {
        uint64_t lo = iv[i].lo.lo, hi = iv[i].hi.lo;
        switch (d) {
        case SP_DIM_PROTO:
            if (lo == 0 && hi >= 255) {
                sep(buf, cap, &len);
                put(buf, cap, &len, "any IP protocol");
                lo = 256;
            }
            for (uint64_t p = lo; p <= hi; p++) {
                const char *name = protocol_name(p);
                uint64_t q = p;
                if (!name)
                    while (q < hi && !protocol_name(q + 1))
                        q++;
                sep(buf, cap, &len);
                if (name)
                    put(buf, cap, &len, name);
                else {
                    if (q > p)
                        snprintf(tmp, sizeof tmp, "protocols %llu-%llu", (unsigned long long)p,
                                 (unsigned long long)q);
                    else
                        snprintf(tmp, sizeof tmp, "protocol %llu", (unsigned long long)p);
                    put(buf, cap, &len, tmp);
                }
                p = q;
            }
            break;
        case SP_DIM_PORT:
            if (lo < SP_ACTION_BASE) {
                uint64_t top = hi < SP_ACTION_BASE ? hi : SP_ACTION_BASE - 1;
                sep(buf, cap, &len);
                if (top > lo)
                    snprintf(tmp, sizeof tmp, "%llu-%llu", (unsigned long long)lo,
                             (unsigned long long)top);
                else
                    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)lo);
                put(buf, cap, &len, tmp);
            }
            if (hi >= SP_ACTION_BASE) {
                uint64_t from = lo > SP_ACTION_BASE ? lo : SP_ACTION_BASE;
                if (from == SP_ACTION_BASE && hi == dom.hi.lo) {
                    sep(buf, cap, &len);
                    put(buf, cap, &len, "every action");
                } else {
                    named(names, from, hi, SP_ACTION_BASE, "other actions", buf, cap, &len);
                }
            }
            break;
        case SP_DIM_CRED:
            if (lo == 0) {
                sep(buf, cap, &len);
                put(buf, cap, &len, "none");
                lo = 1;
            }
            if (lo <= hi) {
                if (hi == dom.hi.lo && lo == 1) {
                    sep(buf, cap, &len);
                    put(buf, cap, &len, "any credential");
                } else {
                    named(names, lo, hi, 0, "other credentials", buf, cap, &len);
                }
            }
            break;
        default:
            break;
        }
    }
}
