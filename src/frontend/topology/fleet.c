/* Two fleets to the model (see fleet.h for the graph). */
#include "fleet.h"
#include "topology.h"

#include <stdlib.h>
#include <string.h>

sp_ival sp_fleet_family_domain(int fam)
{
    sp_ival d;
    if (fam == SP_FAM_V4) {
        d.lo = sp_key_ipv4(0);
        d.hi = sp_key_ipv4(UINT32_MAX);
    } else {
        d.lo = sp_key_ipv6(0, 0);
        d.hi = sp_key_ipv6(UINT64_MAX, UINT64_MAX);
    }
    return d;
}

void sp_fleet_allow_ivals(sp_box_builder *b, sp_dim d, const sp_ival *iv, size_t n)
{
    sp_box_restrict(b, d);
    for (size_t i = 0; i < n; i++)
        sp_box_allow(b, d, iv[i].lo, iv[i].hi);
}

int sp_fleet_find_net(const sp_fleet *f, const char *name)
{
    for (size_t i = 0; i < f->nets.len; i++)
        if (!strcmp(f->nets.items[i].name, name))
            return (int)i;
    return SP_SEG_NONE;
}

int sp_fleet_find_host(const sp_fleet *f, const char *name)
{
    for (size_t i = 0; i < f->hosts.len; i++)
        if (!strcmp(f->hosts.items[i].name, name))
            return (int)i;
    return -1;
}

void sp_fleet_compute_internet(sp_ctx *ctx, sp_fleet *f)
{
    for (int fam = 0; fam < SP_NFAMS; fam++) {
        sp_ival dom = sp_fleet_family_domain(fam);
        size_t n = 0;
        sp_ival *sorted = calloc(f->nets.len + 1, sizeof *sorted);
        if (!sorted) {
            sp_oom(ctx);
            return;
        }
        for (size_t i = 0; i < f->nets.len; i++)
            if (f->nets.items[i].family == fam && !f->nets.items[i].bad) {
                size_t j = n++;
                while (j > 0 && sp_key_cmp(sorted[j - 1].lo, f->nets.items[i].iv.lo) > 0) {
                    sorted[j] = sorted[j - 1];
                    j--;
                }
                sorted[j] = f->nets.items[i].iv;
            }
        sp_key cur = dom.lo;
        bool end = false;
        for (size_t i = 0; i < n && !end; i++) {
            if (sp_key_cmp(sorted[i].lo, cur) > 0) {
                sp_ival gap = {cur, sp_key_prev(sorted[i].lo)};
                if (!sp_vec_push(&ctx->arena, &f->inet[fam], gap))
                    sp_oom(ctx);
            }
            if (!sp_key_cmp(sorted[i].hi, dom.hi))
                end = true;
            else
                cur = sp_key_next(sorted[i].hi);
        }
        if (!end) {
            sp_ival gap = {cur, dom.hi};
            if (!sp_vec_push(&ctx->arena, &f->inet[fam], gap))
                sp_oom(ctx);
        }
        free(sorted);
    }
}

const sp_reqset *sp_fleet_internet_set(sp_ctx *ctx, const sp_fleet *f, bool dst_internet)
{
    sp_set_builder s;
    sp_set_begin(&s, ctx);
    for (int fam = 0; fam < SP_NFAMS; fam++) {
        if (!f->inet[fam].len)
            continue;
        sp_box_builder b;
        sp_box_begin(&b, ctx);
        sp_fleet_allow_ivals(&b, SP_DIM_SRC, f->inet[fam].items, f->inet[fam].len);
        if (dst_internet) {
            sp_fleet_allow_ivals(&b, SP_DIM_DST, f->inet[fam].items, f->inet[fam].len);
        } else {
            sp_ival d = sp_fleet_family_domain(fam);
            sp_fleet_allow_ivals(&b, SP_DIM_DST, &d, 1);
        }
        sp_set_add_box(&s, &b);
    }
    return sp_set_finish(&s);
}

/* ---- the model ---- */

typedef struct builder {
    sp_ctx *ctx;
    sp_model *m;
    sp_fleet *f[2];
} builder;

static sp_fact *fact(builder *B, sp_fact_kind kind, sp_loc loc, const char *why)
{
    sp_fact *f = sp_model_add_fact(B->m, kind, loc);
    if (f)
        f->why = why;
    return f;
}

static sp_ref ref(uint32_t comp, sp_name name)
{
    sp_ref r = {comp, name};
    return r;
}

static bool edge_guards(builder *B, sp_fact *x, const sp_fleet_host *h,
                        const sp_fleet_guard_list *g)
{
    for (size_t i = 0; i < g->len; i++)
        if (!sp_model_edge_slot(B->m, x, ref(h->comp, h->guards.items[g->items[i]].name)))
            return false;
    return true;
}

/* The facts of host h (of fleet f) for its current instance. */
static bool host_facts(builder *B, const sp_fleet *f, const sp_fleet_host *h)
{
    sp_ctx *ctx = B->ctx;
    sp_arena *A = &ctx->arena;
    const uint32_t c = h->comp;
    sp_fact *x;
    for (size_t i = 0; i < h->after.len; i++) {
        const sp_fleet_host *t = &f->hosts.items[h->after.items[i].host];
        if (!sp_model_add_dep(B->m, t->comp, h->after.items[i].loc, true))
            return false;
    }
    for (size_t k = 0; k < h->guards.len; k++) {
        const sp_fleet_guard *g = &h->guards.items[k];
        if (!(x = fact(B, SP_FACT_SLOT, g->loc, g->why)))
            return false;
        x->a = ref(c, g->name);
        if (!(x = fact(B, SP_FACT_GUARD, g->loc, g->why)))
            return false;
        x->a = ref(c, g->name);
        x->action = g->dflt;
        if (!(x = fact(B, SP_FACT_ATTACH, g->loc, g->why)))
            return false;
        x->a = ref(c, g->name);
        x->b = ref(c, g->name);
        for (size_t i = 0; i < g->rules.len; i++) {
            const sp_fleet_rule *r = &g->rules.items[i];
            if (!(x = fact(B, SP_FACT_RULE, r->loc, r->why)))
                return false;
            x->a = ref(c, g->name);
            x->action = r->action;
            x->priority = (int64_t)i;
            x->set = r->set;
        }
    }
    if (h->network == SP_SEG_INTERNET) {
        if (!(x = fact(B, SP_FACT_EDGE, sp_doc_loc(h->network_node),
                       sp_arena_printf(A, "%s has a public address", h->name))))
            return false;
        x->a = ref(SP_INTERNET, 0);
        x->b = ref(c, 0);
        x->set = sp_fleet_internet_set(ctx, f, true);
        if (!x->set || !edge_guards(B, x, h, &h->entry_guards))
            return false;
    } else if (h->network >= 0) {
        const sp_fleet_net *n = &f->nets.items[h->network];
        if (!(x = fact(B, SP_FACT_EDGE, sp_doc_loc(h->network_node),
                       sp_arena_printf(A, "%s is in %s", h->name, n->name))))
            return false;
        x->a = ref(n->comp, 0);
        x->b = ref(c, 0);
        sp_set_builder s;
        sp_set_begin(&s, ctx);
        sp_box_builder b;
        sp_box_begin(&b, ctx);
        sp_fleet_allow_ivals(&b, SP_DIM_DST, &n->iv, 1);
        sp_set_add_box(&s, &b);
        x->set = sp_set_finish(&s);
        if (!x->set || !edge_guards(B, x, h, &h->entry_guards))
            return false;
    }
    for (size_t i = 0; i < h->fwds.len; i++) {
        const sp_fleet_forward *w = &h->fwds.items[i];
        if (w->to == SP_SEG_INTERNET)
            continue; /* not followed: see fleet.h */
        const char *from = w->from == SP_SEG_INTERNET ? "internet" : f->nets.items[w->from].name;
        const char *to = f->nets.items[w->to].name;
        if (!(x = fact(B, SP_FACT_EDGE, sp_doc_loc(w->node),
                       sp_arena_printf(A, "%s forwards %s to %s", h->name, from, to))))
            return false;
        x->a = ref(w->from == SP_SEG_INTERNET ? SP_INTERNET : f->nets.items[w->from].comp, 0);
        x->b = ref(f->nets.items[w->to].comp, 0);
        if (w->from == SP_SEG_INTERNET && !(x->set = sp_fleet_internet_set(ctx, f, false)))
            return false;
        if (!edge_guards(B, x, h, &w->guards))
            return false;
    }
    if (h->has_services) {
        if (!h->svcs.len) {
            if (!(x = fact(B, SP_FACT_ACCEPTS, h->services_loc, "no service")))
                return false;
            x->set = sp_reqset_none(ctx);
        }
        for (size_t i = 0; i < h->svcs.len; i++) {
            if (!(x = fact(B, SP_FACT_ACCEPTS, h->svcs.items[i].loc, h->svcs.items[i].why)))
                return false;
            x->set = h->svcs.items[i].set;
        }
    }
    return !ctx->out_of_memory;
}

/* The component of each network: one per name over both fleets. */
static bool add_networks(builder *B)
{
    for (int side = 1; side >= 0; side--) {
        sp_fleet *f = B->f[side];
        for (size_t i = 0; i < f->nets.len; i++) {
            sp_fleet_net *n = &f->nets.items[i];
            uint32_t c = sp_model_find(B->m, n->name);
            if (c == SP_NONE) {
                c = sp_model_add_component(B->m, n->name, SP_TOPOLOGY_NETWORK);
                if (c == SP_NONE)
                    return false;
            }
            n->comp = c;
            sp_component *comp = &B->m->components.items[c];
            if (side) {
                comp->loc_new = sp_doc_loc(n->key);
                comp->def_new = n->value;
            } else {
                comp->loc_old = sp_doc_loc(n->key);
                comp->def_old = n->value;
            }
        }
    }
    return true;
}

static bool network_facts(builder *B, uint32_t comp)
{
    /* From whichever fleet declares it (both agree). */
    const sp_fleet_net *n = NULL;
    for (int side = 1; side >= 0 && !n; side--)
        for (size_t i = 0; i < B->f[side]->nets.len && !n; i++)
            if (B->f[side]->nets.items[i].comp == comp)
                n = &B->f[side]->nets.items[i];
    const sp_component *c = &B->m->components.items[comp];
    if (sp_model_add_instance(B->m, comp, SP_VER_BOTH, SP_LABEL_UNCHANGED,
                              c->loc_new.src != SP_NO_SOURCE ? c->loc_new : c->loc_old) ==
        SP_NONE)
        return false;
    sp_fact *x = fact(B, SP_FACT_EDGE, sp_doc_loc(n->key),
                      sp_arena_printf(&B->ctx->arena, "requests from inside %s", n->name));
    if (!x)
        return false;
    x->a = ref(SP_INTERNET, 0);
    x->b = ref(comp, 0);
    sp_set_builder s;
    sp_set_begin(&s, B->ctx);
    sp_box_builder b;
    sp_box_begin(&b, B->ctx);
    sp_fleet_allow_ivals(&b, SP_DIM_SRC, &n->iv, 1);
    sp_ival dom = sp_fleet_family_domain(n->family);
    sp_fleet_allow_ivals(&b, SP_DIM_DST, &dom, 1);
    sp_set_add_box(&s, &b);
    x->set = sp_set_finish(&s);
    /* A network is transit, never the target of a finding. */
    sp_fact *acc = fact(B, SP_FACT_ACCEPTS, sp_doc_loc(n->key), "a network accepts nothing itself");
    if (!x->set || !acc)
        return false;
    acc->set = sp_reqset_none(B->ctx);
    return true;
}

bool sp_fleet_build(sp_ctx *ctx, sp_model *m, sp_fleet *old_fleet, sp_fleet *new_fleet,
                    const char *host_type, sp_fleet_host_equal equal, void *arg)
{
    builder B = {ctx, m, {old_fleet, new_fleet}};
    bool ok = add_networks(&B);
    /* Hosts: NEW's in order, then those only in OLD. */
    for (int side = 1; ok && side >= 0; side--) {
        sp_fleet *f = B.f[side];
        for (size_t i = 0; ok && i < f->hosts.len; i++) {
            sp_fleet_host *h = &f->hosts.items[i];
            uint32_t c = sp_model_find(m, h->name);
            if (c == SP_NONE && (c = sp_model_add_component(m, h->name, host_type)) == SP_NONE) {
                ok = false;
                break;
            }
            h->comp = c;
            sp_component *comp = &m->components.items[c];
            sp_loc at = h->key ? sp_doc_loc(h->key) : h->loc;
            if (side) {
                comp->loc_new = at;
                comp->def_new = h->def;
            } else {
                comp->loc_old = at;
                comp->def_old = h->def;
            }
        }
    }
    /* Networks first (their components come first), then hosts. */
    for (size_t k = 0; ok && k < m->components.len; k++) {
        sp_component *c = &m->components.items[k];
        if (!strcmp(c->type, SP_TOPOLOGY_NETWORK)) {
            c->change = SP_CHANGE_UNCHANGED;
            ok = network_facts(&B, (uint32_t)k);
            continue;
        }
        int io = sp_fleet_find_host(old_fleet, c->key);
        int in = sp_fleet_find_host(new_fleet, c->key);
        const sp_fleet_host *ho = io >= 0 ? &old_fleet->hosts.items[io] : NULL;
        const sp_fleet_host *hn = in >= 0 ? &new_fleet->hosts.items[in] : NULL;
        if (ho && hn && equal(ho, hn, arg)) {
            c->change = SP_CHANGE_UNCHANGED;
            ok = sp_model_add_instance(m, (uint32_t)k, SP_VER_BOTH, SP_LABEL_UNCHANGED,
                                       c->loc_new) != SP_NONE &&
                 host_facts(&B, new_fleet, hn);
            continue;
        }
        c->change = ho && hn ? SP_CHANGE_MODIFIED : hn ? SP_CHANGE_ADDED : SP_CHANGE_REMOVED;
        if (ho)
            ok = sp_model_add_instance(m, (uint32_t)k, SP_VER_OLD, SP_LABEL_OLD, c->loc_old) !=
                     SP_NONE &&
                 host_facts(&B, old_fleet, ho);
        if (ok && hn)
            ok = sp_model_add_instance(m, (uint32_t)k, SP_VER_NEW, SP_LABEL_NEW, c->loc_new) !=
                     SP_NONE &&
                 host_facts(&B, new_fleet, hn);
    }
    return ok && !ctx->out_of_memory;
}
