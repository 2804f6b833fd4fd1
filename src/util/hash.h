/* Hashing of integer keys for the open-addressing tables. */
#ifndef SP_HASH_H
#define SP_HASH_H

#include <stdint.h>

/* splitmix64's finaliser: every bit of the key reaches the low bits, so
 * keys that differ only in their high half do not collide. */
static inline uint64_t sp_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

#endif
