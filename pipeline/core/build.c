/* build.c - the build id (mw.h), given by the Makefile; only this file is
 * compiled again when it changes. */
#include "mw.h"

#ifndef MW_BUILD_ID
#error "MW_BUILD_ID must be defined (the Makefile does)"
#endif

const char *mw_build_id(void)
{
    return MW_BUILD_ID;
}
