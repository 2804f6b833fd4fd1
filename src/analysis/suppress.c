/* Suppressions: windows a configuration's author accepts.  Front-ends read
 * them into the model (sp_model.suppressions); here they are matched with
 * findings.  This sits after the search and before the planner and the
 * outputs: the exit status, the planner's notion of "no window" and every
 * output see the same marks, and nothing downstream re-matches. */
#include "analysis.h"

bool sp_suppression_covers(const sp_model *m, const sp_suppression *s, const sp_finding *f)
{
    if (f->instance >= m->instances.len)
        return false;
    const sp_instance *in = &m->instances.items[f->instance];
    unsigned kind = f->kind == SP_FINDING_DANGLING ? SP_SUPPRESS_DANGLING : SP_SUPPRESS_EXPOSURE;
    if (in->component != s->component || !(s->kinds & kind))
        return false;
    switch (in->label) {
    case SP_LABEL_OLD:
        return s->version == SP_VER_OLD;
    case SP_LABEL_NEW:
        return s->version == SP_VER_NEW;
    case SP_LABEL_UNCHANGED:
        return true;
    }
    return false;
}

void sp_apply_suppressions(const sp_model *m, sp_report *r)
{
    for (size_t i = 0; i < r->findings.len; i++) {
        sp_finding *f = &r->findings.items[i];
        const sp_suppression *by = NULL;
        /* For an unchanged instance both texts may carry one: NEW's (the
         * text being reviewed) gives the reason. */
        for (size_t k = 0; k < m->suppressions.len; k++) {
            const sp_suppression *s = &m->suppressions.items[k];
            if (sp_suppression_covers(m, s, f) &&
                (!by || (by->version == SP_VER_OLD && s->version == SP_VER_NEW)))
                by = s;
        }
        if (by) {
            f->suppressed = true;
            f->suppress_reason = by->reason;
        }
    }
}
