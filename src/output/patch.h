/* Patched configurations: the files `snipeproof fix` writes.
 *
 *   patch.c       — texts under edit, edits, the DependsOn / after: merge
 *   patch_yaml.c  — YAML block style: whole lines in, whole lines out
 *   patch_json.c  — flow style (JSON, and YAML flow collections): pairs and
 *                   items spliced between their neighbours' separators
 *   phases.c      — the configuration of one step of a phased plan: a per
 *                   component mix of OLD's and NEW's definitions
 *
 * Every output is NEW's text with edits spliced in at byte offsets taken
 * from the document tree, so everything not edited stays byte for byte as
 * it was (comments, layout, quoting, key order).  Each edit round is read
 * back with the project's own readers before the next one, and the caller
 * checks the result against what it meant to write before writing it. */
#ifndef SP_OUTPUT_PATCH_H
#define SP_OUTPUT_PATCH_H

#include "../analysis/analysis.h"
#include "../model/model.h"
#include "../reader/doc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A text being patched: one source of the run with its document tree. */
typedef struct sp_ptext {
    sp_ctx *ctx;
    uint32_t src;
    const char *text;
    size_t len;
    const sp_doc *root;
    bool yaml;          /* YAML (block style where it is); else JSON */
    const char *nl;     /* "\n", or "\r\n" when the text's first line ends so */
    const char *unit;   /* one level of indentation, as the text uses it */
    bool pretty;        /* JSON: one pair per line (else all on one line) */
} sp_ptext;

/* Reads source `src` as a text to patch; NULL with an error when it does
 * not read (or is not a mapping at the top). */
sp_ptext *sp_ptext_open(sp_ctx *ctx, uint32_t src);
/* Registers `text` as a new source called `name` and opens it. */
sp_ptext *sp_ptext_from(sp_ctx *ctx, const char *name, const char *text, size_t len);

/* One replacement of bytes [off, end) by `text`; an insertion when
 * off == end.  Edits of one round never overlap. */
typedef struct sp_edit {
    uint32_t off, end;
    const char *text;
    size_t len;
    size_t seq;         /* order among edits at the same offset */
} sp_edit;

typedef struct sp_edits {
    SP_VEC(sp_edit) v;
    const sp_ptext *pt;
} sp_edits;

bool sp_edits_add(sp_edits *e, uint32_t off, uint32_t end, const char *text, size_t len);
/* The patched text (in the arena, NUL-terminated); NULL when two edits
 * overlap (an internal error, recorded) or out of memory. */
char *sp_edits_apply(sp_edits *e, size_t *len_out);

/* A growable string in the run's arena. */
typedef struct sp_str {
    sp_arena *arena;
    char *s;
    size_t len, cap;
    bool oom;
} sp_str;

void sp_str_init(sp_str *b, sp_arena *a);
void sp_str_addn(sp_str *b, const char *s, size_t n);
void sp_str_add(sp_str *b, const char *s);
void sp_str_addc(sp_str *b, char c);
void sp_str_spaces(sp_str *b, size_t n);

/* ---- pairs to write ---- */

/* A pair to write into a mapping: its key and where its value comes from:
 * a pair of another (or the same) text, copied with its layout where the
 * syntaxes agree; a name or a list of names (DependsOn, after:); or a
 * mapping of further items (a section that the text does not have yet). */
typedef struct sp_item {
    const char *key;
    const sp_ptext *from;          /* foreign value: from->…pair */
    const sp_doc_pair *pair;
    const char *const *names;      /* names: one is written as a scalar */
    size_t nnames;
    bool as_list;                  /* names: a list even when there is one */
    const struct sp_item *children;/* a mapping of these */
    size_t nchildren;
} sp_item;

typedef enum sp_pair_action { SP_PAIR_KEEP, SP_PAIR_DELETE, SP_PAIR_REPLACE } sp_pair_action;

/* Edits of one mapping: an action per pair (KEEP when `action` is NULL),
 * the replacement of each REPLACE pair (its key is the pair's own), and
 * items to insert after a pair (`after` = index; SIZE_MAX = at the end). */
typedef struct sp_map_edit {
    const sp_doc *map;
    const unsigned char *action;
    const sp_item *replace;
    const sp_item *insert;
    const size_t *after;
    size_t ninsert;
} sp_map_edit;

/* Adds the edits that carry out `me` on its mapping (block or flow). */
bool sp_patch_map(sp_edits *e, const sp_map_edit *me);
/* Adds names at the end of a sequence (block or flow). */
bool sp_patch_seq_append(sp_edits *e, const sp_doc *seq, const char *const *names, size_t n);
/* Replaces a scalar by the list of it and `names`; a null by the list of
 * `names` alone. */
bool sp_patch_scalar_to_list(sp_edits *e, const sp_doc *scalar, const char *const *names,
                             size_t n);

/* ---- helpers the format files share (patch.c) ---- */

/* Start of the line holding offset `off`. */
size_t sp_pt_line_start(const sp_ptext *pt, size_t off);
/* Just past the line break of the last line with content of `node`
 * (trailing blank lines of a block scalar stay outside); the text's end
 * when that line has no break. */
size_t sp_pt_cut(const sp_ptext *pt, const sp_doc *node);
/* Whether only spaces precede `off` on its line. */
bool sp_pt_starts_line(const sp_ptext *pt, size_t off);
/* A name as a YAML scalar: plain when YAML reads it back as that string,
 * else double-quoted. */
void sp_yaml_name(sp_str *b, const char *name);
/* A JSON string literal. */
void sp_json_string(sp_str *b, const char *s, size_t n);
/* `doc` as JSON: on one line (`indent` NULL), or one pair or item per
 * line, nested lines starting with `indent` plus one `unit` per level. */
void sp_json_value(sp_str *b, const sp_doc *doc, const char *indent, const char *unit,
                   const char *nl);

/* patch_yaml.c / patch_json.c: the two styles behind sp_patch_map etc. */
bool sp_yaml_block_map(sp_edits *e, const sp_map_edit *me);
bool sp_yaml_block_seq_append(sp_edits *e, const sp_doc *seq, const char *const *names,
                              size_t n);
bool sp_flow_map(sp_edits *e, const sp_map_edit *me);
bool sp_flow_seq_append(sp_edits *e, const sp_doc *seq, const char *const *names, size_t n);
/* One item as it is written in a flow mapping whose pairs start lines
 * with `indent` (NULL: all on one line). */
void sp_flow_item(sp_str *b, const sp_ptext *pt, const sp_item *it, const char *indent,
                  const char *kvsep);
/* A list of names in flow style ("[A, B]", or one name alone). */
void sp_flow_names(sp_str *b, const sp_ptext *pt, const char *const *names, size_t n,
                   bool as_list);

/* ---- the merge of extra dependencies ---- */

/* What a configuration format calls its components and their declared
 * dependencies. */
typedef struct sp_patch_profile {
    const char *section;    /* "Resources", "hosts" */
    const char *dep_key;    /* "DependsOn", "after" */
    const char *after_key;  /* insert the dependency after this key (NULL: at the end) */
    bool scalar_ok;         /* a single dependency may be a scalar */
} sp_patch_profile;

extern const sp_patch_profile sp_profile_cfn, sp_profile_topology;

/* One component that gets extra dependencies. */
typedef struct sp_dep_add {
    const char *then;
    const char **firsts;
    size_t n;
} sp_dep_add;

/* Groups edges {first, then} (component indices of `m`) by `then`, in
 * the order of the edges, without duplicates. */
bool sp_dep_adds_from_edges(sp_ctx *ctx, const sp_model *m, const sp_edge_hint *edges,
                            size_t nedges, sp_dep_add **out, size_t *nout);

/* The text of `pt` with each dependency added (names already declared are
 * skipped).  NULL with a positioned error when a component is missing or
 * its declared dependencies have a shape that cannot take more. */
char *sp_patch_deps(const sp_ptext *pt, const sp_patch_profile *prof, const sp_dep_add *adds,
                    size_t nadds, size_t *len_out);

/* Checks that `out` is `base` plus exactly the dependencies `adds`:
 * same keys in the same order everywhere, equal values, and each patched
 * component's dependency list its old list followed by the added names.
 * False with an error naming the first difference. */
bool sp_patch_deps_verify(sp_ctx *ctx, const sp_doc *base, const sp_doc *out,
                          const sp_patch_profile *prof, const sp_dep_add *adds, size_t nadds);

/* ---- phases (phases.c) ---- */

/* What a phase file holds, for the caller to report. */
typedef struct sp_phase_info {
    const char **kept_old;  /* components at their OLD version (defined in OLD) */
    size_t nkept_old;
    const char **absent;    /* components left out: not yet added */
    size_t nabsent;
    const char **sections_old; /* "Parameters 'Env'", … taken from OLD */
    size_t nsections_old;
    size_t nrenamed;        /* OLD's conditions and mappings given names of their own */
} sp_phase_info;

/* The configuration after a step whose components are at the versions
 * `to_new` (1 = NEW), written from NEW's text `newt` (OLD's `oldt` may be
 * NULL: an empty configuration).  NULL with an error when it cannot be
 * written (e.g. OLD's and NEW's definitions of one parameter differ and
 * both versions are needed).  `expect` receives the template the text is
 * meant to be, as a document, for checking. */
char *sp_phase_compose(sp_ctx *ctx, const sp_model *m, const unsigned char *to_new,
                       const sp_ptext *oldt, const sp_ptext *newt,
                       const sp_patch_profile *prof, size_t *len_out, sp_phase_info *info,
                       sp_doc **expect);

#endif
