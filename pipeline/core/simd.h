/* simd.h - the SIMD variant of the kernels, chosen once at start-up.
 *
 * The kernels (kernels.h) stay pure: they offer mw_simd_select(avx2) and
 * read no environment.  The program decides here, once, before any thread
 * runs: AVX2 where the CPU has it, unless the environment sets
 * MW_SIMD=scalar (the scalar reference, for tests and comparisons).
 */
#ifndef MW_SIMD_H
#define MW_SIMD_H

/* Select the variant from MW_SIMD; returns "avx2" or "scalar". */
const char *mw_simd_choose(void);

#endif
