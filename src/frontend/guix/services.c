/* What a machine's services mean for reachability (docs/GUIX.md):
 *
 *   openssh-service-type    tcp port-number (22), plus the Port lines of
 *                           extra-content; its authentication settings
 *                           are reported, not used for reachability
 *   nginx-service-type      tcp ports of every server block's listen
 *                           (default "80" and "443 ssl"); a `file` of its
 *                           own or listen directives in extra-content
 *                           leave its ports unknown
 *   nftables-service-type   a ruleset (nft.c)
 *   iptables-service-type   two rulesets, IPv4 and IPv6 (iptables.c)
 *   guix-service-type       nothing, unless extra-options says --listen
 *   ntp-service-type        udp 123 (ntpd); avahi-service-type udp 5353
 *   services without a network listener (consoles, udev, D-Bus, clients,
 *   static networking …: the NONE table)
 *   %base-services          nothing; %desktop-services avahi and ntpd
 *
 * Any other service is reported (a warning at the service) and the
 * machine's ports become unknown: it is treated as accepting every
 * request its firewall lets through, as DESIGN §3.4 says of a component
 * whose listeners are unknown.  A value snipeproof cannot evaluate where
 * it decides a port or a ruleset is an error at that value. */
#include "guix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Services that listen on no network port, whatever their configuration:
 * local consoles and devices, D-Bus and Unix-socket daemons, clients, and
 * configuration-only services.  (gnu/services/base.scm, desktop.scm,
 * networking.scm.) */
static const char *const NONE[] = {
    "login-service-type",          "mingetty-service-type",      "agetty-service-type",
    "console-font-service-type",   "virtual-terminal-service-type",
    "kmscon-service-type",         "udev-service-type",          "urandom-seed-service-type",
    "nscd-service-type",           "sysctl-service-type",        "special-files-service-type",
    "log-rotation-service-type",   "rottlog-service-type",       "static-networking-service-type",
    "dhcp-client-service-type",    "dhcpcd-service-type",        "network-manager-service-type",
    "wpa-supplicant-service-type", "modem-manager-service-type", "usb-modeswitch-service-type",
    "elogind-service-type",        "dbus-root-service-type",     "polkit-service-type",
    "upower-service-type",         "udisks-service-type",        "accountsservice-service-type",
    "colord-service-type",         "geoclue-service-type",       "screen-locker-service-type",
    "x11-socket-directory-service-type", "pulseaudio-service-type", "alsa-service-type",
    "gdm-service-type",            "sddm-service-type",          "sane-service-type",
    "cups-pk-helper-service-type", "pam-limits-service-type",    "file-system-service-type",
    "swap-service-type",
    "nftables-service-type",       "iptables-service-type",      "etc-service-type",
    "profile-service-type",        "activation-service-type",    "mcron-service-type",
    "hosts-service-type",          "account-service-type",       "setuid-program-service-type",
    "pam-root-service-type",       "session-environment-service-type",
    "earlyoom-service-type",       "fstrim-service-type",        "unattended-upgrade-service-type",
    NULL,
};

static bool in_table(const char *const *t, const char *name)
{
    for (; *t; t++)
        if (!strcmp(*t, name))
            return true;
    return false;
}

typedef struct svc_ctx {
    geval *E;
    const char *host;
    gservices *out;
} svc_ctx;

static bool oom(svc_ctx *S)
{
    sp_oom(S->E->ctx);
    S->E->failed = true;
    return false;
}

static bool listen_port(svc_ctx *S, int proto, uint32_t lo, uint32_t hi, const char *why,
                        sp_loc loc)
{
    sp_ctx *ctx = S->E->ctx;
    sp_box_builder b;
    sp_box_begin(&b, ctx);
    sp_box_allow(&b, SP_DIM_PROTO, sp_key_num((uint64_t)proto), sp_key_num((uint64_t)proto));
    sp_box_allow(&b, SP_DIM_PORT, sp_key_num(lo), sp_key_num(hi));
    sp_set_builder s;
    sp_set_begin(&s, ctx);
    sp_set_add_box(&s, &b);
    sp_fleet_service v = {sp_set_finish(&s), why, loc};
    if (!v.set || !sp_vec_push(&ctx->arena, &S->out->listen, v))
        return oom(S);
    return true;
}

static void unknown_listener(svc_ctx *S, sp_loc loc, const char *why)
{
    S->out->unknown_listener = true;
    sp_warn(S->E->ctx, loc,
            "%s: snipeproof treats %s as listening on every port (it accepts whatever its "
            "firewall lets through)",
            why, S->host);
}

/* An error where a value snipeproof cannot evaluate decides something. */
static bool opaque_error(svc_ctx *S, const gv *op, const char *what)
{
    const gv *cause = gv_find_opaque(op) ? gv_find_opaque(op) : op;
    geval_error(S->E, cause->loc, "%s of %s cannot be evaluated: %s", what, S->host,
                gv_opaque_reason(S->E, cause));
    return false;
}

/* A field the handlers read: given, inherited or its default. */
static gv *field(svc_ctx *S, const gv *rec, const char *name, const char *what, bool *ok)
{
    bool given;
    const gv *op;
    gv *v = grecord_field(S->E, rec, name, &given, &op);
    if (!v && op) {
        *ok = opaque_error(S, op, what);
        return NULL;
    }
    if (v && v->kind == GV_OPAQUE) {
        *ok = opaque_error(S, v, what);
        return NULL;
    }
    *ok = v != NULL;
    if (!v)
        geval_error(S->E, rec->loc, "%s has no %s", rec->u.rec->type->name, name);
    return v;
}

static const char *yes_no(geval *E, const gv *v)
{
    if (!v || v->kind == GV_OPAQUE)
        return "unknown";
    if (v->kind == GV_BOOL)
        return v->u.b ? "yes" : "no";
    if (v->kind == GV_SYM)
        return gv_name(E, v->u.sym);
    return "unknown";
}

static bool add_known(svc_ctx *S, const char *type, const char *shepherd, gv *config,
                      sp_loc loc, bool firewall)
{
    gsvc_info k = {type, shepherd, config, loc, firewall};
    if (!sp_vec_push(&S->E->ctx->arena, &S->out->known, k))
        return oom(S);
    return true;
}

/* The configuration of a service record: its value, or its type's
 * default; a value of the wrong record type is an error. */
static gv *service_config(svc_ctx *S, const gv *svc, const char *type, const char *rtype)
{
    bool given;
    const gv *op;
    gv *v = grecord_field(S->E, svc, "value", &given, &op);
    if (!v)
        v = grecord_default_config(S->E, type, svc->loc);
    if (!v)
        return NULL;
    if (v->kind == GV_OPAQUE) {
        opaque_error(S, v, sp_arena_printf(&S->E->ctx->arena, "the %s configuration", type));
        return NULL;
    }
    if (!grecord_is(v, rtype)) {
        geval_error(S->E, v->loc, "%s takes %s %s, not %s (%s)", type,
                    strchr("aeiou", rtype[0]) ? "an" : "a", rtype, gv_kind_name(v),
                    gv_show(S->E, v));
        return NULL;
    }
    return v;
}

static bool port_value(svc_ctx *S, const gv *v, const char *what, uint32_t *port)
{
    if (v->kind != GV_NUM || !v->u.num.is_int || v->u.num.i < 1 || v->u.num.i > 65535) {
        geval_error(S->E, v->loc, "%s must be a port number from 1 to 65535, not %s", what,
                    gv_show(S->E, v));
        return false;
    }
    *port = (uint32_t)v->u.num.i;
    return true;
}

/* ---- openssh ---- */

static bool openssh(svc_ctx *S, const gv *svc)
{
    geval *E = S->E;
    gv *c = service_config(S, svc, "openssh-service-type", "openssh-configuration");
    if (!c)
        return false;
    bool ok;
    gv *port = field(S, c, "port-number", "the SSH port", &ok);
    uint32_t p;
    if (!ok || !port_value(S, port, "port-number", &p))
        return false;
    bool given;
    const gv *op;
    gv *root = grecord_field(E, c, "permit-root-login", &given, &op);
    gv *pw = grecord_field(E, c, "password-authentication?", &given, &op);
    gv *empty = grecord_field(E, c, "allow-empty-passwords?", &given, &op);
    const char *why = sp_arena_printf(
        &E->ctx->arena,
        "service ssh (openssh-service-type): tcp %u, auth: root login %s, password "
        "authentication %s, empty passwords %s",
        p, yes_no(E, root), yes_no(E, pw), yes_no(E, empty));
    if (!why || !listen_port(S, SP_PROTO_TCP, p, p, why, svc->loc))
        return false;
    /* extra-content is appended to sshd_config: a Port line adds a port. */
    gv *extra = grecord_field(E, c, "extra-content", &given, &op);
    if (extra && extra->kind == GV_OPAQUE) {
        unknown_listener(S, extra->loc,
                         "openssh's extra-content cannot be evaluated, and a Port line in it "
                         "would add a port");
    } else if (extra && extra->kind == GV_STR) {
        const char *t = extra->u.str.s;
        for (size_t i = 0; i < extra->u.str.len;) {
            size_t e = i;
            while (e < extra->u.str.len && t[e] != '\n')
                e++;
            size_t k = i;
            while (k < e && (t[k] == ' ' || t[k] == '\t'))
                k++;
            if (e - k > 5 && !strncasecmp(t + k, "port", 4) && (t[k + 4] == ' ' || t[k + 4] == '\t')) {
                char *end;
                long v = strtol(t + k + 5, &end, 10);
                sp_loc at = gv_str_loc(E, extra, k, e - k);
                if (v < 1 || v > 65535) {
                    geval_error(E, at, "a Port line of openssh's extra-content needs a port "
                                       "from 1 to 65535");
                    return false;
                }
                if (!listen_port(S, SP_PROTO_TCP, (uint32_t)v, (uint32_t)v,
                                 sp_arena_printf(&E->ctx->arena,
                                                 "service ssh (openssh-service-type, "
                                                 "extra-content): tcp %ld",
                                                 v),
                                 at))
                    return false;
            } else if (e - k > 13 && !strncasecmp(t + k, "listenaddress", 13)) {
                sp_warn(E->ctx, gv_str_loc(E, extra, k, e - k),
                        "ListenAddress is not modelled: sshd is treated as listening on every "
                        "address of %s",
                        S->host);
            }
            i = e + 1;
        }
    }
    return add_known(S, "openssh-service-type", "ssh-daemon", c, svc->loc, false);
}

/* ---- nginx ---- */

/* A listen directive's port: "80", "443 ssl", "[::]:8080", "1.2.3.4:80";
 * 0 when it listens on a Unix socket or loopback only. */
static bool listen_directive(svc_ctx *S, const gv *d, uint32_t *port)
{
    const char *t = d->u.str.s;
    size_t n = strcspn(t, " \t");
    char addr[128];
    if (n >= sizeof addr)
        n = sizeof addr - 1;
    memcpy(addr, t, n);
    addr[n] = 0;
    *port = 0;
    if (!strncmp(addr, "unix:", 5))
        return true;
    const char *portpart = addr;
    char host[128] = "";
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close) {
            geval_error(S->E, d->loc, "the listen directive '%s' has no closing ']'", t);
            return false;
        }
        memcpy(host, addr + 1, (size_t)(close - addr - 1));
        host[close - addr - 1] = 0;
        portpart = close[1] == ':' ? close + 2 : "";
    } else if (strchr(addr, ':')) {
        const char *colon = strrchr(addr, ':');
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = 0;
        portpart = colon + 1;
    } else if (strspn(addr, "0123456789") != strlen(addr)) {
        /* An address alone: port 80. */
        snprintf(host, sizeof host, "%s", addr);
        portpart = "";
    }
    if (!strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "::1"))
        return true; /* loopback only: not reachable from a network */
    long v = 80;
    if (*portpart) {
        char *end;
        v = strtol(portpart, &end, 10);
        if (*end || v < 1 || v > 65535) {
            geval_error(S->E, d->loc,
                        "cannot read a port in the listen directive '%s' (expected \"80\", "
                        "\"443 ssl\", \"[::]:8080\" or \"ADDRESS:PORT\")",
                        t);
            return false;
        }
    }
    *port = (uint32_t)v;
    return true;
}

static bool server_blocks(svc_ctx *S, const gv *blocks, sp_loc svc_loc, const char *label)
{
    geval *E = S->E;
    if (blocks->kind == GV_OPAQUE || gv_find_opaque(blocks))
        return opaque_error(S, blocks, "the nginx server blocks");
    if (!gv_is_list(blocks)) {
        geval_error(E, blocks->loc, "nginx's server-blocks must be a list, not %s",
                    gv_show(E, blocks));
        return false;
    }
    char ports[256] = "";
    size_t plen = 0;
    for (const gv *p = blocks; p->kind == GV_PAIR; p = p->u.pair.cdr) {
        const gv *b = p->u.pair.car;
        if (!grecord_is(b, "nginx-server-configuration")) {
            geval_error(E, b->loc, "a server block of nginx must be an "
                                   "nginx-server-configuration, not %s (%s)",
                        gv_kind_name(b), gv_show(E, b));
            return false;
        }
        bool ok;
        gv *listen = field(S, b, "listen", "the nginx listen directives", &ok);
        if (!ok)
            return false;
        if (gv_find_opaque(listen))
            return opaque_error(S, listen, "the nginx listen directives");
        if (!gv_is_list(listen)) {
            geval_error(E, listen->loc, "listen must be a list of strings, not %s",
                        gv_show(E, listen));
            return false;
        }
        for (const gv *q = listen; q->kind == GV_PAIR; q = q->u.pair.cdr) {
            const gv *d = q->u.pair.car;
            if (d->kind != GV_STR) {
                geval_error(E, d->loc, "a listen directive must be a string, not %s",
                            gv_show(E, d));
                return false;
            }
            uint32_t port;
            if (!listen_directive(S, d, &port))
                return false;
            if (!port)
                continue;
            if (!listen_port(S, SP_PROTO_TCP, port, port,
                             sp_arena_printf(&E->ctx->arena, "service nginx (%s): tcp %u",
                                             label, port),
                             d->loc))
                return false;
            if (plen < sizeof ports - 8)
                plen += (size_t)snprintf(ports + plen, sizeof ports - plen, "%s%u",
                                         plen ? ", " : "", port);
        }
    }
    (void)svc_loc;
    return true;
}

static bool nginx(svc_ctx *S, const gv *svc)
{
    geval *E = S->E;
    gv *c = service_config(S, svc, "nginx-service-type", "nginx-configuration");
    if (!c)
        return false;
    bool given, ok;
    const gv *op;
    gv *file = grecord_field(E, c, "file", &given, &op);
    if ((file && file->kind != GV_BOOL) || (file && file->kind == GV_BOOL && file->u.b) || op) {
        unknown_listener(S, file ? file->loc : svc->loc,
                         "nginx reads a configuration file of its own here, which snipeproof "
                         "does not parse");
        return add_known(S, "nginx-service-type", "nginx", c, svc->loc, false);
    }
    gv *blocks = field(S, c, "server-blocks", "the nginx server blocks", &ok);
    if (!ok || !server_blocks(S, blocks, svc->loc, "nginx-service-type"))
        return false;
    gv *extra = grecord_field(E, c, "extra-content", &given, &op);
    if (extra && extra->kind == GV_STR && strstr(extra->u.str.s, "listen"))
        unknown_listener(S, extra->loc,
                         "nginx's extra-content has listen directives, which snipeproof does "
                         "not parse");
    else if (extra && extra->kind == GV_OPAQUE)
        unknown_listener(S, extra->loc,
                         "nginx's extra-content cannot be evaluated, and could listen on ports");
    return add_known(S, "nginx-service-type", "nginx", c, svc->loc, false);
}

/* ---- firewalls ---- */

static bool ruleset(svc_ctx *S, const gv *file, grs_kind kind, const char *what, sp_loc svc_loc,
                    const char *service_name)
{
    geval *E = S->E;
    if (file->kind == GV_OPAQUE)
        return opaque_error(S, file, what);
    if (file->kind != GV_FILE) {
        geval_error(E, file->loc, "%s must be a file-like object (plain-file or local-file), "
                                  "not %s (%s)",
                    what, gv_kind_name(file), gv_show(E, file));
        return false;
    }
    size_t len = 0;
    uint32_t src;
    const gv *text, *op;
    const char *t = gfile_contents(E, file, &len, &src, &text, &op);
    if (!t) {
        if (op)
            return opaque_error(S, op, what);
        E->failed = true;
        return false;
    }
    gruleset rs = {kind, t, len, src, text, svc_loc, service_name};
    if (!sp_vec_push(&E->ctx->arena, &S->out->rulesets, rs))
        return oom(S);
    return true;
}

static bool nftables(svc_ctx *S, const gv *svc)
{
    gv *c = service_config(S, svc, "nftables-service-type", "nftables-configuration");
    bool ok;
    gv *rs = c ? field(S, c, "ruleset", "the nftables ruleset", &ok) : NULL;
    if (!rs || !ruleset(S, rs, GRS_NFT, "the nftables ruleset", svc->loc, "nftables"))
        return false;
    return add_known(S, "nftables-service-type", "nftables", c, svc->loc, true);
}

static bool iptables(svc_ctx *S, const gv *svc)
{
    gv *c = service_config(S, svc, "iptables-service-type", "iptables-configuration");
    if (!c)
        return false;
    bool ok;
    gv *v4 = field(S, c, "ipv4-rules", "the IPv4 iptables rules", &ok);
    if (!v4 || !ruleset(S, v4, GRS_IPT4, "the IPv4 iptables rules", svc->loc, "iptables"))
        return false;
    gv *v6 = field(S, c, "ipv6-rules", "the IPv6 iptables rules", &ok);
    if (!v6 || !ruleset(S, v6, GRS_IPT6, "the IPv6 iptables rules", svc->loc, "iptables"))
        return false;
    return add_known(S, "iptables-service-type", "iptables", c, svc->loc, true);
}

/* ---- guix-daemon ---- */

/* guix-daemon listens on a Unix socket, and on TCP only with --listen
 * (its default TCP port is 44146). */
static bool guix_options(svc_ctx *S, const gv *config, sp_loc loc)
{
    geval *E = S->E;
    if (!config)
        return true;
    if (config->kind == GV_OPAQUE)
        return opaque_error(S, config, "the guix-daemon configuration");
    if (!grecord_is(config, "guix-configuration")) {
        geval_error(E, config->loc, "guix-service-type takes a guix-configuration, not %s",
                    gv_show(E, config));
        return false;
    }
    bool ok;
    gv *opts = field(S, config, "extra-options", "guix-daemon's extra-options", &ok);
    if (!ok)
        return false;
    if (gv_find_opaque(opts))
        return opaque_error(S, opts, "guix-daemon's extra-options");
    for (const gv *p = opts; p->kind == GV_PAIR; p = p->u.pair.cdr) {
        const gv *o = p->u.pair.car;
        if (o->kind != GV_STR || strncmp(o->u.str.s, "--listen", 8))
            continue;
        const char *a = o->u.str.s + 8;
        if (*a == '=')
            a++;
        else if (*a) {
            continue;
        } else if (p->u.pair.cdr->kind == GV_PAIR && p->u.pair.cdr->u.pair.car->kind == GV_STR) {
            a = p->u.pair.cdr->u.pair.car->u.str.s;
        }
        if (a[0] == '/')
            continue; /* a Unix socket */
        const char *colon = strrchr(a, ':');
        long port = colon ? strtol(colon + 1, NULL, 10) : 44146;
        if (port < 1 || port > 65535) {
            geval_error(E, o->loc, "cannot read the port of guix-daemon's '%s'", o->u.str.s);
            return false;
        }
        if (!listen_port(S, SP_PROTO_TCP, (uint32_t)port, (uint32_t)port,
                         sp_arena_printf(&E->ctx->arena, "service guix-daemon: tcp %ld", port),
                         o->loc))
            return false;
    }
    (void)loc;
    return true;
}

/* ---- bundles ---- */

static bool bundle(svc_ctx *S, const gv *b)
{
    geval *E = S->E;
    const gbundle *x = b->u.bundle;
    const char *name = x->kind == GB_BASE ? "%base-services" : "%desktop-services";
    bool avahi = x->kind == GB_DESKTOP, ntp = x->kind == GB_DESKTOP;
    for (size_t i = 0; i < x->n; i++) {
        const gbundle_change *c = &x->changes[i];
        if (!strcmp(c->type, "avahi-service-type")) {
            avahi = avahi && !c->deleted;
        } else if (!strcmp(c->type, "ntp-service-type")) {
            ntp = ntp && !c->deleted;
        } else if (!strcmp(c->type, "guix-service-type")) {
            if (!c->deleted && !guix_options(S, c->value, c->loc))
                return false;
        } else if (!c->deleted && !in_table(NONE, c->type)) {
            unknown_listener(S, c->loc,
                             sp_arena_printf(&E->ctx->arena,
                                             "modify-services changes %s in %s, which snipeproof "
                                             "does not model",
                                             c->type, name));
        }
    }
    if (avahi && !listen_port(S, SP_PROTO_UDP, 5353, 5353,
                              "service avahi (in %desktop-services): udp 5353", b->loc))
        return false;
    if (ntp && !listen_port(S, SP_PROTO_UDP, 123, 123,
                            "service ntpd (in %desktop-services): udp 123", b->loc))
        return false;
    return true;
}

/* ---- the list ---- */

static bool simple_service(svc_ctx *S, const gv *svc)
{
    geval *E = S->E;
    bool given;
    const gv *op;
    gv *type = grecord_field(E, svc, "type", &given, &op);
    gv *value = grecord_field(E, svc, "value", &given, &op);
    if (type->kind == GV_OPAQUE)
        return opaque_error(S, type, "the service type a simple-service extends");
    const char *tn = gv_name(E, type->u.sym);
    if (!strcmp(tn, "nginx-service-type")) {
        /* Extending nginx adds server blocks. */
        return server_blocks(S, value, svc->loc, "simple-service");
    }
    if (!strcmp(tn, "guix-service-type") || !strcmp(tn, "openssh-service-type") ||
        in_table(NONE, tn))
        return true;
    unknown_listener(S, svc->loc,
                     sp_arena_printf(&E->ctx->arena,
                                     "this simple-service extends %s, which snipeproof does "
                                     "not model",
                                     tn));
    return true;
}

static bool one_service(svc_ctx *S, const gv *s)
{
    geval *E = S->E;
    if (s->kind == GV_OPAQUE)
        return opaque_error(S, s, "a service");
    if (s->kind == GV_BUNDLE)
        return bundle(S, s);
    if (grecord_is(s, "simple-service"))
        return simple_service(S, s);
    if (!grecord_is(s, "service")) {
        geval_error(E, s->loc, "a service of %s must be (service TYPE …), not %s (%s)", S->host,
                    gv_kind_name(s), gv_show(E, s));
        return false;
    }
    bool given;
    const gv *op;
    gv *type = grecord_field(E, s, "type", &given, &op);
    if (type->kind == GV_OPAQUE)
        return opaque_error(S, type, "the type of a service");
    const char *tn = gv_name(E, type->u.sym);
    if (!strcmp(tn, "openssh-service-type"))
        return openssh(S, s);
    if (!strcmp(tn, "nginx-service-type"))
        return nginx(S, s);
    if (!strcmp(tn, "nftables-service-type"))
        return nftables(S, s);
    if (!strcmp(tn, "iptables-service-type"))
        return iptables(S, s);
    if (!strcmp(tn, "guix-service-type")) {
        gv *v = grecord_field(E, s, "value", &given, &op);
        return guix_options(S, v ? v : grecord_default_config(E, tn, s->loc), s->loc);
    }
    if (!strcmp(tn, "ntp-service-type"))
        return listen_port(S, SP_PROTO_UDP, 123, 123, "service ntpd (ntp-service-type): udp 123",
                           s->loc);
    if (!strcmp(tn, "avahi-service-type"))
        return listen_port(S, SP_PROTO_UDP, 5353, 5353,
                           "service avahi (avahi-service-type): udp 5353", s->loc);
    if (in_table(NONE, tn))
        return true;
    unknown_listener(S, s->loc,
                     sp_arena_printf(&E->ctx->arena,
                                     "the service %s is not one snipeproof recognises "
                                     "(docs/GUIX.md lists them)",
                                     tn));
    return true;
}

bool gservices_analyse(geval *E, const gv *os, const char *host, gservices *out)
{
    svc_ctx S = {E, host, out};
    memset(out, 0, sizeof *out);
    bool given;
    const gv *op;
    gv *services = grecord_field(E, os, "services", &given, &op);
    if (!services && op)
        return opaque_error(&S, op, "the services");
    if (!services)
        return false;
    const gv *p = services;
    while (p->kind == GV_PAIR) {
        if (!one_service(&S, p->u.pair.car))
            return false;
        p = p->u.pair.cdr;
    }
    if (p->kind == GV_OPAQUE)
        return opaque_error(&S, p, "the services");
    if (p->kind != GV_NULL) {
        geval_error(E, services->loc, "the services of %s must be a list, not %s (%s)", host,
                    gv_kind_name(services), gv_show(E, services));
        return false;
    }
    return !E->failed;
}

sp_loc gruleset_loc(const geval *E, const gruleset *rs, size_t off, size_t len)
{
    if (rs->src != SP_NO_SOURCE) {
        sp_loc l = {rs->src, (uint32_t)off, (uint32_t)(len ? len : 1)};
        return l;
    }
    if (rs->strval)
        return gv_str_loc(E, rs->strval, off, len);
    return rs->service;
}
