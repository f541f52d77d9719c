/* fuzz_config.c - libFuzzer harness for the configuration reader.
 *
 * Any byte string is parsed as an INI file: the reader must accept it or
 * reject it with one recorded error, never crash, leak or read out of
 * bounds.  Both modes (scan, audit) are exercised.
 */
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "mw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mw_config cfg; /* large: keep it off the stack */
    for (int need_scene = 0; need_scene < 2; need_scene++) {
        FILE *f = fmemopen((void *)data, size ? size : 1, "r");
        if (!f)
            return 0;
        if (size == 0)
            fgetc(f); /* an empty stream */
        int rc = mw_config_parse(f, "/fuzz/config.ini", &cfg, need_scene);
        fclose(f);
        if (rc != 0 && mw_error_code() == MW_EXIT_INTERNAL)
            __builtin_trap(); /* a config problem must say so, not be internal */
        mw_error_clear();
    }
    return 0;
}
