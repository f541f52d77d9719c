/* simd.c - the SIMD variant from the environment (simd.h). */
#include "simd.h"

#include <stdlib.h>
#include <string.h>

#include "kernels.h"

const char *mw_simd_choose(void)
{
    const char *env = getenv("MW_SIMD");
    return mw_simd_select(!(env && !strcmp(env, "scalar")));
}
