/* The one switch for SIMD code paths.  SSE2 is part of every x86-64; code
 * that uses it keeps a portable path for other machines and for the last
 * bytes of an input, and gives the same results either way. */
#ifndef SP_UTIL_SIMD_H
#define SP_UTIL_SIMD_H

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define SP_SSE2 1
#endif

#endif
