/* confirm.c - multi-date confirmation of change, pixel by pixel (kernels.h). */
#include "kernels.h"

void mw_confirm(const uint8_t *const *looks, int nlooks, size_t n, int confirm,
                uint8_t *cls, uint8_t *first, uint8_t *last, uint8_t *count)
{
    for (size_t i = 0; i < n; i++) {
        /* the last clear look, then the run of change looks that ends there */
        int k = nlooks - 1;
        while (k >= 0 && looks[k][i] == MW_CLASS_MASKED)
            k--;
        uint8_t out = MW_CLASS_MASKED, f = 0, l = 0, c = 0;
        if (k >= 0) {
            const uint8_t now = looks[k][i];
            out = MW_CLASS_NONE;
            l = (uint8_t)k;
            int j = k, f0 = k, seen = 0;
            for (; j >= 0; j--) {
                uint8_t v = looks[j][i];
                if (v == MW_CLASS_MASKED)
                    continue; /* a cloud between two looks neither breaks nor counts */
                if (v == MW_CLASS_NONE)
                    break;
                seen++;
                f0 = j;
            }
            if (now != MW_CLASS_NONE && seen >= confirm) {
                out = now;
                f = (uint8_t)f0;
                c = (uint8_t)(seen < 255 ? seen : 255);
            }
        }
        cls[i] = out;
        first[i] = f;
        last[i] = l;
        count[i] = c;
    }
}
