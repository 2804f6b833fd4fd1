/* The guix deploy front-end (docs/GUIX.md): two deploy files and the
 * topology file of the network between their machines -> the model.
 *
 * Each file is evaluated (eval.c) to its list of machines.  A machine is
 * the topology host whose name is its operating system's host-name, or
 * else its machine-ssh-configuration's host-name.  Its services
 * (services.c) give what it listens on and its firewall rulesets, which
 * become guards on its edges (firewall.c); the topology gives its network,
 * forwards, interfaces and after:.  The resulting fleets are built into
 * the model by the code topology files use (fleet.c), so the same network
 * written either way gives the same model.  A machine is unchanged when its
 * operating system evaluates to the same value in both files.
 *
 * Within one machine the switch is not atomic: guix deploy does not restart
 * services that are already running, and stopping nftables flushes its
 * ruleset.  Where that applies (a recognised service that changes or goes
 * away) a note says so at the service. */
#include "deploy.h"
#include "guix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct machine {
    gv *value;          /* the machine record */
    gv *os;
    const char *host_name;     /* the operating system's, when known */
    const char *ssh_host_name; /* the machine-ssh-configuration's, when known */
    int host;           /* topology host index */
    bool by_ssh;        /* matched by the ssh host-name */
    sp_loc loc;         /* the component's location */
    gservices svc;
} machine;

typedef struct side {
    geval E;
    const sp_doc *doc;
    const char *path, *abs_path;
    SP_VEC(machine) machines;
    sp_fleet fleet;
} side;

typedef struct loader {
    sp_ctx *ctx;
    sp_fleet net;       /* the topology */
    side s[2];          /* 0 OLD, 1 NEW */
    bool failed;
} loader;

static const char *source_path(sp_ctx *ctx, const sp_doc *doc)
{
    const sp_source *s = doc ? sp_source_get(ctx, doc->src) : NULL;
    return s && s->path ? s->path : "";
}

/* An absolute form of path (for the generated deploy files' load). */
static const char *absolute(sp_ctx *ctx, const char *path)
{
    if (path[0] == '/')
        return path;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return path;
    const char *p = path;
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    const char *abs = sp_arena_printf(&ctx->arena, "%s/%s", cwd, p);
    return abs ? abs : path;
}

static const char *dir_of(sp_ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return sp_arena_strndup(&ctx->arena, path, (size_t)(slash - path));
}

static const char *host_list(loader *L)
{
    char buf[256];
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < L->net.hosts.len && len < sizeof buf - 8; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "",
                                L->net.hosts.items[i].name);
    return len ? sp_arena_strdup(&L->ctx->arena, buf) : "none";
}

/* The string a field holds, or NULL (with *opaque when it is opaque). */
static const char *string_field(geval *E, const gv *rec, const char *name, const gv **opaque)
{
    bool given;
    const gv *op;
    gv *v = grecord_field(E, rec, name, &given, &op);
    *opaque = op;
    if (v && v->kind == GV_OPAQUE)
        *opaque = gv_find_opaque(v);
    return v && v->kind == GV_STR ? v->u.str.s : NULL;
}

/* ---- evaluating a file to its machines ---- */

static bool read_machines(loader *L, side *S)
{
    geval *E = &S->E;
    gv *list = geval_file(E, S->doc);
    if (!list)
        return false;
    const gv *p = list;
    for (; p->kind == GV_PAIR; p = p->u.pair.cdr) {
        gv *m = p->u.pair.car;
        if (m->kind == GV_OPAQUE) {
            const gv *c = gv_find_opaque(m);
            geval_error(E, c->loc, "a machine of the deploy file cannot be evaluated: %s",
                        gv_opaque_reason(E, c));
            return false;
        }
        if (!grecord_is(m, "machine")) {
            geval_error(E, m->loc, "the deploy file must evaluate to a list of machines; this "
                                   "element is %s (%s)",
                        gv_kind_name(m), gv_show(E, m));
            return false;
        }
        machine x;
        memset(&x, 0, sizeof x);
        x.value = m;
        x.host = -1;
        bool given;
        const gv *op;
        gv *os = grecord_field(E, m, "operating-system", &given, &op);
        if (!os && op) {
            geval_error(E, op->loc, "the operating system of this machine cannot be evaluated: %s",
                        gv_opaque_reason(E, op));
            return false;
        }
        if (!os) {
            geval_error(E, m->loc, "this machine has no operating-system");
            return false;
        }
        if (os->kind == GV_OPAQUE) {
            const gv *c = gv_find_opaque(os);
            geval_error(E, c->loc, "the operating system of this machine cannot be evaluated: %s",
                        gv_opaque_reason(E, c));
            return false;
        }
        if (!grecord_is(os, "operating-system")) {
            geval_error(E, os->loc, "a machine's operating-system must be an operating-system, "
                                    "not %s (%s)",
                        gv_kind_name(os), gv_show(E, os));
            return false;
        }
        x.os = os;
        const gv *hop = NULL, *sop = NULL;
        x.host_name = string_field(E, os, "host-name", &hop);
        gv *conf = grecord_field(E, m, "configuration", &given, &op);
        if (conf && grecord_is(conf, "machine-ssh-configuration"))
            x.ssh_host_name = string_field(E, conf, "host-name", &sop);
        /* Which topology host it is. */
        for (int pass = 0; pass < 2 && x.host < 0; pass++) {
            const char *name = pass ? x.ssh_host_name : x.host_name;
            if (name)
                x.host = sp_fleet_find_host(&L->net, name);
            x.by_ssh = pass == 1;
        }
        if (x.host < 0) {
            if (!x.host_name && !x.ssh_host_name && (hop || sop)) {
                const gv *c = hop ? hop : sop;
                geval_error(E, c->loc,
                            "snipeproof cannot tell which host of the topology this machine is: "
                            "its host-name cannot be evaluated (%s)",
                            gv_opaque_reason(E, c));
            } else if (!x.host_name && !x.ssh_host_name) {
                geval_error(E, os->loc, "this machine's operating system has no host-name, so "
                                        "snipeproof cannot tell which host of the topology it is");
            } else {
                geval_error(E, m->loc,
                            "the machine %s%s%s%s%s is not a host of the topology (its hosts: %s); "
                            "add it there with its network",
                            x.host_name ? "with host-name '" : "",
                            x.host_name ? x.host_name : "", x.host_name ? "'" : "",
                            x.ssh_host_name ? (x.host_name ? " (ssh host-name '" : "with ssh host-name '") : "",
                            x.ssh_host_name
                                ? sp_arena_printf(&E->ctx->arena, "%s'%s", x.ssh_host_name,
                                                  x.host_name ? ")" : "")
                                : "",
                            host_list(L));
            }
            return false;
        }
        for (size_t k = 0; k < S->machines.len; k++)
            if (S->machines.items[k].host == x.host) {
                unsigned line, col;
                sp_loc_line_col(E->ctx, S->machines.items[k].value->loc, &line, &col);
                geval_error(E, m->loc, "two machines of this file are the host '%s' (the other is "
                                       "on line %u)",
                            L->net.hosts.items[x.host].name, line);
                return false;
            }
        if (!sp_vec_push(&E->ctx->arena, &S->machines, x)) {
            sp_oom(E->ctx);
            return false;
        }
    }
    if (p->kind == GV_OPAQUE) {
        const gv *c = gv_find_opaque(p);
        geval_error(E, c->loc, "the list of machines cannot be evaluated: %s",
                    gv_opaque_reason(E, c));
        return false;
    }
    if (p->kind != GV_NULL) {
        geval_error(E, list->loc, "the deploy file must evaluate to a list of machines, not %s (%s)",
                    gv_kind_name(list), gv_show(E, list));
        return false;
    }
    return true;
}

/* The location of each machine's component: the outermost call that made
 * it and no other machine of the file (a helper procedure's body is shared
 * by every machine it makes), else the machine form. */
static void place_machines(side *S)
{
    for (size_t i = 0; i < S->machines.len; i++) {
        machine *x = &S->machines.items[i];
        const grecord *r = x->value->u.rec;
        x->loc = x->value->loc;
        bool placed = false;
        for (size_t k = 0; k < r->nsites && !placed; k++) {
            sp_loc c = r->sites[k];
            bool shared = false;
            for (size_t j = 0; j < S->machines.len && !shared; j++) {
                if (j == i)
                    continue;
                const grecord *o = S->machines.items[j].value->u.rec;
                for (size_t q = 0; q < o->nsites && !shared; q++)
                    shared = o->sites[q].src == c.src && o->sites[q].off == c.off;
            }
            if (!shared) {
                x->loc = c;
                placed = true;
            }
        }
        if (placed)
            continue;
        /* The machine form itself, or its host-name's value. */
        bool shared = false;
        for (size_t j = 0; j < S->machines.len && !shared; j++)
            shared = j != i && S->machines.items[j].value->loc.off == x->value->loc.off &&
                     S->machines.items[j].value->loc.src == x->value->loc.src;
        if (shared) {
            bool given;
            const gv *op;
            gv *hn = grecord_field(&S->E, x->os, "host-name", &given, &op);
            if (hn && given)
                x->loc = hn->loc;
        }
    }
}

/* ---- the host definition stored in the model (for apply) ---- */

static sp_doc *scalar(sp_ctx *ctx, const char *text)
{
    sp_doc *d = sp_doc_new_scalar(ctx, SP_DOC_STRING, text, strlen(text));
    return d;
}

static const sp_doc *machine_def(loader *L, const side *S, const machine *x)
{
    sp_ctx *ctx = L->ctx;
    const char *base = strrchr(S->path, '/');
    base = base ? base + 1 : S->path;
    const char *host = L->net.hosts.items[x->host].name;
    const char *keys[] = {"guix-deploy-file", "select", "name", "generated"};
    const char *vals[] = {S->abs_path, x->by_ssh ? "ssh-host-name" : "host-name",
                          x->by_ssh ? x->ssh_host_name : x->host_name,
                          sp_arena_printf(&ctx->arena, "%s.deploy/%s.scm", base, host)};
    sp_doc *map = sp_doc_new(ctx, SP_DOC_MAP);
    sp_doc_pair *pairs = sp_arena_calloc(&ctx->arena, 4, sizeof *pairs);
    if (!map || !pairs || !vals[3]) {
        sp_oom(ctx);
        return NULL;
    }
    for (size_t i = 0; i < 4; i++) {
        pairs[i].key = scalar(ctx, keys[i]);
        pairs[i].value = scalar(ctx, vals[i]);
        if (!pairs[i].key || !pairs[i].value) {
            sp_oom(ctx);
            return NULL;
        }
    }
    map->u.map.pairs = pairs;
    map->u.map.len = 4;
    return map;
}

bool sp_guix_is_machine(const sp_doc *def)
{
    return def && def->kind == SP_DOC_MAP && sp_doc_get(def, "guix-deploy-file");
}

/* A Scheme string literal. */
static char *scheme_string(sp_ctx *ctx, const char *s)
{
    size_t n = strlen(s);
    char *out = sp_arena_alloc_raw(&ctx->arena, 2 * n + 3);
    if (!out)
        return NULL;
    size_t k = 0;
    out[k++] = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            out[k++] = '\\';
        out[k++] = *s;
    }
    out[k++] = '"';
    out[k] = 0;
    return out;
}

const char **sp_guix_deploy(sp_ctx *ctx, const sp_doc *def, const char **file, const char **text,
                            size_t *argc)
{
    *argc = 0;
    if (!sp_guix_is_machine(def))
        return NULL;
    const char *deploy = sp_doc_text(sp_doc_get(def, "guix-deploy-file"));
    const char *select = sp_doc_text(sp_doc_get(def, "select"));
    const char *name = sp_doc_text(sp_doc_get(def, "name"));
    const char *gen = sp_doc_text(sp_doc_get(def, "generated"));
    const char *match =
        !strcmp(select, "ssh-host-name")
            ? "(let ((c (machine-configuration m)))\n"
              "                     (and (machine-ssh-configuration? c)\n"
              "                          (machine-ssh-configuration-host-name c)))"
            : "(operating-system-host-name (machine-operating-system m))";
    char *qdeploy = scheme_string(ctx, deploy), *qname = scheme_string(ctx, name);
    const char *body = qdeploy && qname
                           ? sp_arena_printf(
                                 &ctx->arena,
                                 ";; Generated by snipeproof apply: the machine whose %s is %s\n"
                                 ";; of %s, alone, so that guix deploy updates it and no other\n"
                                 ";; machine (docs/GUIX.md).  Rewritten at every rollout.\n"
                                 "(use-modules (gnu machine) (gnu machine ssh) (gnu system)\n"
                                 "             (srfi srfi-1))\n"
                                 "\n"
                                 "(let* ((machines (load %s))\n"
                                 "       (selected (filter (lambda (m)\n"
                                 "                           (equal? %s\n"
                                 "                                   %s))\n"
                                 "                         machines)))\n"
                                 "  (unless (= (length selected) 1)\n"
                                 "    (error \"snipeproof: expected exactly one machine named\" "
                                 "%s))\n"
                                 "  selected)\n",
                                 select, name, deploy, qdeploy, match, qname, qname)
                           : NULL;
    const char **argv = sp_arena_calloc(&ctx->arena, 4, sizeof *argv);
    if (!body || !argv) {
        sp_oom(ctx);
        return NULL;
    }
    argv[0] = "guix";
    argv[1] = "deploy";
    argv[2] = gen;
    *file = gen;
    *text = body;
    *argc = 3;
    return argv;
}

/* ---- fleets ---- */

/* The fleet of one side: the topology's hosts that are machines there, in
 * the topology's order, with their services and firewalls. */
static bool build_fleet(loader *L, side *S)
{
    sp_ctx *ctx = L->ctx;
    sp_fleet *f = &S->fleet;
    f->nets = L->net.nets;
    for (int fam = 0; fam < SP_NFAMS; fam++)
        f->inet[fam] = L->net.inet[fam];
    int *index = calloc(L->net.hosts.len + 1, sizeof *index);
    if (!index) {
        sp_oom(ctx);
        return false;
    }
    bool ok = true;
    for (size_t t = 0; t < L->net.hosts.len; t++) {
        index[t] = -1;
        for (size_t k = 0; k < S->machines.len; k++)
            if (S->machines.items[k].host == (int)t) {
                const sp_fleet_host *th = &L->net.hosts.items[t];
                sp_fleet_host h;
                memset(&h, 0, sizeof h);
                h.name = th->name;
                h.loc = S->machines.items[k].loc;
                h.network = th->network;
                h.network_node = th->network_node;
                h.ifaces = th->ifaces;
                for (size_t w = 0; w < th->fwds.len; w++) {
                    sp_fleet_forward fw = th->fwds.items[w];
                    memset(&fw.guards, 0, sizeof fw.guards);
                    if (!sp_vec_push(&ctx->arena, &h.fwds, fw))
                        ok = false;
                }
                h.data = &S->machines.items[k];
                h.def = machine_def(L, S, &S->machines.items[k]);
                h.comp = SP_NONE;
                index[t] = (int)f->hosts.len;
                if (!h.def || !sp_vec_push(&ctx->arena, &f->hosts, h))
                    ok = false;
            }
    }
    /* after: between hosts that are machines here. */
    for (size_t t = 0; ok && t < L->net.hosts.len; t++) {
        if (index[t] < 0)
            continue;
        const sp_fleet_host *th = &L->net.hosts.items[t];
        sp_fleet_host *h = &f->hosts.items[index[t]];
        for (size_t a = 0; a < th->after.len; a++) {
            int target = index[th->after.items[a].host];
            if (target < 0)
                continue;
            sp_fleet_after x = {th->after.items[a].loc, target};
            if (!sp_vec_push(&ctx->arena, &h->after, x))
                ok = false;
        }
    }
    free(index);
    if (!ok) {
        sp_oom(ctx);
        return false;
    }
    /* Services and firewalls. */
    for (size_t i = 0; i < f->hosts.len; i++) {
        sp_fleet_host *h = &f->hosts.items[i];
        machine *x = h->data;
        geval *E = &S->E;
        if (!gservices_analyse(E, x->os, h->name, &x->svc))
            return false;
        h->has_services = !x->svc.unknown_listener;
        h->svcs.items = x->svc.listen.items;
        h->svcs.len = x->svc.listen.len;
        h->svcs.cap = x->svc.listen.cap;
        bool given;
        const gv *op;
        gv *services = grecord_field(E, x->os, "services", &given, &op);
        h->services_loc = services && given ? services->loc : x->os->loc;
        size_t n = x->svc.rulesets.len;
        fw_ruleset *sets = n ? sp_arena_calloc(&ctx->arena, n, sizeof *sets) : NULL;
        if (n && !sets) {
            sp_oom(ctx);
            return false;
        }
        for (size_t k = 0; k < n; k++) {
            const gruleset *rs = &x->svc.rulesets.items[k];
            bool parsed = rs->kind == GRS_NFT ? gnft_parse(E, rs, &sets[k])
                                              : gipt_parse(E, rs, &sets[k]);
            if (!parsed)
                return false;
        }
        if (n && !gfw_guards(E, sets, n, f, h))
            return false;
    }
    return !ctx->out_of_memory;
}

static bool machine_equal(const sp_fleet_host *a, const sp_fleet_host *b, void *arg)
{
    (void)arg;
    const machine *x = a->data, *y = b->data;
    return gv_equal(x->os, y->os);
}

/* ---- notes: what guix deploy does within one machine ---- */

static const char *service_label(const char *type)
{
    if (!strcmp(type, "openssh-service-type"))
        return "sshd";
    if (!strcmp(type, "nginx-service-type"))
        return "nginx";
    if (!strcmp(type, "nftables-service-type"))
        return "nftables";
    return "iptables";
}

static void restart_notes(loader *L, const machine *o, const machine *n, const char *host)
{
    sp_ctx *ctx = L->ctx;
    for (size_t i = 0; i < n->svc.known.len; i++) {
        const gsvc_info *s = &n->svc.known.items[i];
        const gsvc_info *was = NULL;
        for (size_t k = 0; k < o->svc.known.len && !was; k++)
            if (!strcmp(o->svc.known.items[k].type, s->type))
                was = &o->svc.known.items[k];
        if (!was || gv_equal(was->config, s->config))
            continue;
        const char *label = service_label(s->type);
        if (!strcmp(s->type, "nftables-service-type"))
            sp_note(ctx, s->loc,
                    "guix deploy does not restart services that are already running: %s keeps "
                    "its old nftables ruleset until nftables is restarted (herd restart "
                    "nftables) or %s reboots, and a restart passes through an open firewall, "
                    "since stopping nftables flushes the ruleset (nft flush ruleset); snipeproof "
                    "assumes %s switches at once, so load the new ruleset in one transaction "
                    "instead (nft -f FILE, FILE starting with flush ruleset)",
                    host, host, host);
        else if (!strcmp(s->type, "iptables-service-type"))
            sp_note(ctx, s->loc,
                    "guix deploy does not restart services that are already running: %s keeps "
                    "its old iptables rules until iptables is restarted (herd restart iptables) "
                    "or %s reboots, and a restart passes through an open firewall, since "
                    "stopping iptables loads rules that accept everything; snipeproof assumes %s "
                    "switches at once, so load the new rules with iptables-restore instead",
                    host, host, host);
        else
            sp_note(ctx, s->loc,
                    "guix deploy does not restart services that are already running: %s keeps "
                    "the old configuration of %s until it is restarted (herd restart %s) or %s "
                    "reboots; snipeproof assumes %s switches at once",
                    host, label, s->shepherd, host, host);
    }
    for (size_t k = 0; k < o->svc.known.len; k++) {
        const gsvc_info *s = &o->svc.known.items[k];
        bool kept = false;
        for (size_t i = 0; i < n->svc.known.len && !kept; i++)
            kept = !strcmp(n->svc.known.items[i].type, s->type);
        if (kept)
            continue;
        if (s->firewall)
            sp_note(ctx, s->loc,
                    "guix deploy does not stop services that are running: the %s rules of %s "
                    "stay in force after the update until %s is stopped (herd stop %s) or %s "
                    "reboots; snipeproof assumes %s switches at once",
                    service_label(s->type), host, s->shepherd, s->shepherd, host, host);
        else
            sp_note(ctx, s->loc,
                    "guix deploy does not stop services that are running: %s keeps running on "
                    "%s after the update until it is stopped (herd stop %s) or %s reboots; "
                    "snipeproof assumes %s switches at once",
                    service_label(s->type), host, s->shepherd, host, host);
    }
}

static void notes(loader *L)
{
    sp_fleet *fo = &L->s[0].fleet, *fn = &L->s[1].fleet;
    for (size_t i = 0; i < fn->hosts.len; i++) {
        int j = sp_fleet_find_host(fo, fn->hosts.items[i].name);
        if (j < 0 || machine_equal(&fo->hosts.items[j], &fn->hosts.items[i], NULL))
            continue;
        restart_notes(L, fo->hosts.items[j].data, fn->hosts.items[i].data,
                      fn->hosts.items[i].name);
    }
}

bool sp_guix_load(sp_ctx *ctx, const sp_frontend_options *opt, const sp_doc *topology,
                  const sp_doc *old_doc, const sp_doc *new_doc, sp_model *m)
{
    (void)opt;
    sp_model_init(m, ctx, SP_ENGINE_FLEET);
    loader *L = calloc(1, sizeof *L);
    if (!L) {
        sp_oom(ctx);
        return false;
    }
    L->ctx = ctx;
    bool ok = sp_topology_read_network(ctx, topology, &L->net);
    const sp_doc *docs[2] = {old_doc, new_doc};
    for (int k = 0; ok && k < 2; k++) {
        side *S = &L->s[k];
        S->doc = docs[k];
        if (!S->doc)
            continue;
        S->path = source_path(ctx, S->doc);
        S->abs_path = absolute(ctx, S->path);
        geval_init(&S->E, ctx, S->doc->src, dir_of(ctx, S->path));
        ok = !S->E.failed && read_machines(L, S);
        if (ok)
            place_machines(S);
    }
    for (int k = 0; ok && k < 2; k++) {
        side *S = &L->s[k];
        if (!S->doc) {
            S->fleet.nets = L->net.nets;
            for (int fam = 0; fam < SP_NFAMS; fam++)
                S->fleet.inet[fam] = L->net.inet[fam];
            continue;
        }
        ok = build_fleet(L, S);
    }
    if (ok) {
        /* A host of the topology that is a machine in neither file. */
        for (size_t t = 0; t < L->net.hosts.len; t++)
            if (sp_fleet_find_host(&L->s[0].fleet, L->net.hosts.items[t].name) < 0 &&
                sp_fleet_find_host(&L->s[1].fleet, L->net.hosts.items[t].name) < 0)
                sp_warn(ctx, sp_doc_loc(L->net.hosts.items[t].key),
                        "the host '%s' is a machine of neither deploy file; it is left out",
                        L->net.hosts.items[t].name);
        notes(L);
        ok = sp_fleet_build(ctx, m, &L->s[0].fleet, &L->s[1].fleet, SP_GUIX_MACHINE,
                            machine_equal, NULL);
    }
    ok = ok && !ctx->out_of_memory && !ctx->errors;
    free(L);
    return ok;
}
