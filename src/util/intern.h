/* String interning: principals, credentials, actions and claimable names are
 * compared by number everywhere after the front-ends. Id 0 is never issued. */
#ifndef SP_INTERN_H
#define SP_INTERN_H

#include "arena.h"

#include <stddef.h>
#include <stdint.h>

typedef uint32_t sp_name;

typedef struct sp_name_table {
    sp_arena *arena;
    const char **strings; /* by id; strings[0] unused */
    uint32_t *lens;       /* by id: strlen of strings[id] */
    uint32_t *table;      /* open addressing, ids; 0 = empty */
    size_t count, table_cap, strings_cap;
} sp_name_table;

void sp_intern_init(sp_name_table *t, sp_arena *a);
/* 0 when out of memory. */
sp_name sp_intern_n(sp_name_table *t, const char *s, size_t n);
sp_name sp_intern(sp_name_table *t, const char *s);
/* 0 when the string was never interned. */
sp_name sp_intern_find(const sp_name_table *t, const char *s, size_t n);
const char *sp_intern_str(const sp_name_table *t, sp_name id);

#endif
