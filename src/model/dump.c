/* A deterministic, line-oriented text dump of a model and its update.
 *
 * Used by tests (the same template in JSON and YAML must dump the same;
 * case tests compare dumps) and for debugging (`snipeproof model`).  It
 * names things by component key, never by file position, so that twins in
 * different syntaxes compare equal.  Layout:
 *
 *   model stack: N components, M instances, E events
 *   component KEY TYPE CHANGE [unmodelled]
 *     instance #I VERSION label LABEL [initially] [born eB] [dies eD]
 *       dep KEY [declared]
 *       FACT ...   (edge, slot, guard, rule, attach, accepts, claim, refer)
 *   unmodelled N: TYPE, ...
 *   events
 *     eN VERB KEY (main|cleanup)
 *   order
 *     eA -> eB REASON
 */
#include "model.h"

#include <string.h>

static const char *ref_text(const sp_model *m, sp_ref r, char *buf, size_t cap)
{
    const char *base = r.component == SP_INTERNET ? "internet"
                       : r.component < m->components.len
                           ? m->components.items[r.component].key
                           : "?";
    if (r.name)
        snprintf(buf, cap, "%s.%s", base, sp_intern_str(&m->ctx->names, r.name));
    else
        snprintf(buf, cap, "%s", base);
    return buf;
}

static void dump_set(const sp_model *m, const sp_reqset *s, FILE *out)
{
    if (!s) {
        fputs("-", out);
        return;
    }
    if (!s->nboxes) {
        fputs("{}", out);
        return;
    }
    static const char *const dims[SP_NDIMS] = {"src", "dst", "cred", "proto", "port"};
    fputs("{", out);
    for (uint32_t b = 0; b < s->nboxes; b++) {
        const sp_box *box = &s->boxes[b];
        fputs(b ? " | " : "", out);
        bool any = false;
        for (int d = 0; d < SP_NDIMS; d++) {
            if (!box->n[d])
                continue; /* unconstrained */
            char buf[512];
            sp_format_dim(&m->ctx->names, (sp_dim)d, box->iv[d], box->n[d], buf, sizeof buf);
            fprintf(out, "%s%s=%s", any ? " " : "", dims[d], buf);
            any = true;
        }
        if (!any)
            fputs("all", out);
    }
    fputs("}", out);
}

static void dump_fact(const sp_model *m, const sp_fact *f, FILE *out)
{
    char a[256], b[256];
    fputs("    ", out);
    switch ((sp_fact_kind)f->kind) {
    case SP_FACT_EDGE:
        fprintf(out, "edge %s -> %s ", ref_text(m, f->a, a, sizeof a),
                ref_text(m, f->b, b, sizeof b));
        dump_set(m, f->set, out);
        if (f->flags & SP_FACT_REISSUE) {
            fputs(" reissue as ", out);
            dump_set(m, f->set2, out);
        }
        for (uint32_t i = 0; i < f->slots_count; i++) {
            const sp_ref *s = &m->slot_refs.items[f->slots_first + i];
            fprintf(out, "%s%s", i ? ", " : " through ", ref_text(m, *s, a, sizeof a));
        }
        break;
    case SP_FACT_SLOT:
        fprintf(out, "slot %s%s", ref_text(m, f->a, a, sizeof a),
                f->flags & SP_FACT_EMPTY_ALLOWS ? " (empty allows)" : " (empty denies)");
        break;
    case SP_FACT_GUARD:
        fprintf(out, "guard %s default %s", ref_text(m, f->a, a, sizeof a),
                f->action == SP_ALLOW ? "allow" : "deny");
        break;
    case SP_FACT_RULE:
        fprintf(out, "rule %s priority %lld %s ", ref_text(m, f->a, a, sizeof a),
                (long long)f->priority, f->action == SP_ALLOW ? "allow" : "deny");
        dump_set(m, f->set, out);
        break;
    case SP_FACT_ATTACH:
        fprintf(out, "attach %s <- %s", ref_text(m, f->a, a, sizeof a),
                ref_text(m, f->b, b, sizeof b));
        break;
    case SP_FACT_ACCEPTS:
        fputs("accepts ", out);
        dump_set(m, f->set, out);
        break;
    case SP_FACT_CLAIM:
    case SP_FACT_REFER:
        fprintf(out, "%s \"%s\"", f->kind == SP_FACT_CLAIM ? "claim" : "refer",
                f->name ? sp_intern_str(&m->ctx->names, f->name) : "");
        break;
    default:
        fprintf(out, "fact %u", (unsigned)f->kind);
        break;
    }
    if (f->why && *f->why)
        fprintf(out, " (%s)", f->why);
    fputc('\n', out);
}

void sp_model_dump(const sp_model *m, const sp_update *u, FILE *out)
{
    static const char *const versions[] = {"old", "new", "both"};
    static const char *const phases[] = {"main", "cleanup"};
    static const char *const reasons[] = {"dependency", "cleanup", "declared", "replacement",
                                          "extra"};
    fprintf(out, "model %s: %zu components, %zu instances, %zu events\n",
            m->engine == SP_ENGINE_FLEET ? "fleet" : "stack", m->components.len,
            m->instances.len, u ? u->events.len : (size_t)0);
    for (size_t k = 0; k < m->components.len; k++) {
        const sp_component *c = &m->components.items[k];
        fprintf(out, "component %s %s %s%s\n", c->key, c->type && *c->type ? c->type : "-",
                sp_change_name(c->change), c->modeled ? "" : " unmodelled");
        for (size_t i = 0; i < m->instances.len; i++) {
            const sp_instance *in = &m->instances.items[i];
            if (in->component != k)
                continue;
            fprintf(out, "  instance #%zu %s label %s", i,
                    (unsigned)in->version < 3 ? versions[in->version] : "?",
                    sp_label_name(in->label));
            if (u && u->presence) {
                const sp_presence *p = &u->presence[i];
                if (p->initially)
                    fputs(" initially", out);
                if (p->birth != SP_NONE)
                    fprintf(out, " born e%u", p->birth);
                if (p->death != SP_NONE)
                    fprintf(out, " dies e%u", p->death);
            }
            fputc('\n', out);
            for (uint32_t d = 0; d < in->deps_count; d++) {
                const sp_dep *dep = &m->deps.items[in->deps_first + d];
                fprintf(out, "    dep %s%s\n",
                        dep->component < m->components.len
                            ? m->components.items[dep->component].key
                            : "?",
                        dep->declared ? " declared" : "");
            }
            for (uint32_t f = 0; f < in->facts_count; f++)
                dump_fact(m, &m->facts.items[in->facts_first + f], out);
        }
    }
    if (m->unmodeled_types.len) {
        fprintf(out, "unmodelled %u:", m->n_unmodeled);
        for (size_t i = 0; i < m->unmodeled_types.len; i++)
            fprintf(out, "%s %s", i ? "," : "", m->unmodeled_types.items[i]);
        fputc('\n', out);
    }
    if (!u)
        return;
    fputs("events\n", out);
    for (size_t e = 0; e < u->events.len; e++)
        fprintf(out, "  e%zu %s (%s)\n", e, sp_event_describe(u, (uint32_t)e),
                (unsigned)u->events.items[e].phase < 2 ? phases[u->events.items[e].phase] : "?");
    fputs("order\n", out);
    for (size_t i = 0; i < u->order.len; i++) {
        const sp_order *o = &u->order.items[i];
        fprintf(out, "  e%u -> e%u %s\n", o->before, o->after,
                (unsigned)o->reason < 5 ? reasons[o->reason] : "?");
    }
}
