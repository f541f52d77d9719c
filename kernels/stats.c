/* stats.c - confusion matrices, chi-square tails, histogram thresholds. */
#include "stats.h"

#include <math.h>

void mw_confusion_add(const uint8_t *restrict pred, const uint8_t *restrict ref,
                      size_t n, uint64_t cm[MW_NCM])
{
    uint64_t tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t r = ref[i];
        if (r > 1)
            continue;
        int changed = pred[i] != 0 && pred[i] != 255;
        tp += changed && r;
        fp += changed && !r;
        fn += !changed && r;
        tn += !changed && !r;
    }
    cm[MW_TP] += tp;
    cm[MW_FP] += fp;
    cm[MW_FN] += fn;
    cm[MW_TN] += tn;
}

void mw_scores_compute(const uint64_t cm[MW_NCM], mw_scores *s)
{
    double tp = (double)cm[MW_TP], fp = (double)cm[MW_FP];
    double fn = (double)cm[MW_FN], tn = (double)cm[MW_TN];
    double n = tp + fp + fn + tn;
    *s = (mw_scores){.n = cm[MW_TP] + cm[MW_FP] + cm[MW_FN] + cm[MW_TN]};
    if (s->n == 0)
        return;
    s->oa = (tp + tn) / n;
    /* expected agreement by chance from the marginals */
    double pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n);
    s->kappa = pe < 1 ? (s->oa - pe) / (1 - pe) : 0;
    s->precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    s->recall = tp + fn > 0 ? tp / (tp + fn) : 0;
    double pr = s->precision + s->recall;
    s->f1 = pr > 0 ? 2 * s->precision * s->recall / pr : 0;
}

/* Regularized lower incomplete gamma P(a, x) by its series (x < a + 1). */
static double gamma_p_series(double a, double x)
{
    double sum = 1.0 / a, term = sum;
    for (int n = 1; n < 1000; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabs(term) < fabs(sum) * 1e-15)
            break;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Regularized upper incomplete gamma Q(a, x) by Lentz's continued fraction
 * (x >= a + 1). */
static double gamma_q_cf(double a, double x)
{
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 1000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15)
            break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
}

double mw_chi2_sf(double x, int k)
{
    if (isnan(x))
        return NAN;
    if (x <= 0 || k <= 0)
        return 1.0;
    double a = 0.5 * k, h = 0.5 * x;
    return h < a + 1 ? 1.0 - gamma_p_series(a, h) : gamma_q_cf(a, h);
}

double mw_otsu(const uint64_t *hist, int nbins, double lo, double hi)
{
    double width = (hi - lo) / nbins, total = 0, sum = 0;
    for (int i = 0; i < nbins; i++) {
        total += (double)hist[i];
        sum += (double)hist[i] * (lo + (i + 0.5) * width);
    }
    double w0 = 0, s0 = 0, best = -1;
    int cut = 0;
    for (int i = 0; i < nbins - 1; i++) {
        w0 += (double)hist[i];
        s0 += (double)hist[i] * (lo + (i + 0.5) * width);
        double w1 = total - w0;
        if (w0 <= 0 || w1 <= 0)
            continue;
        double d = s0 / w0 - (sum - s0) / w1;
        double between = w0 * w1 * d * d;
        if (between > best) {
            best = between;
            cut = i + 1;
        }
    }
    return lo + cut * width;
}

double mw_kittler(const uint64_t *hist, int nbins, double lo, double hi)
{
    double width = (hi - lo) / nbins, total = 0;
    for (int i = 0; i < nbins; i++)
        total += (double)hist[i];
    if (total <= 0)
        return lo;
    double best = INFINITY;
    int cut = 0;
    /* prefix sums of count, value and value^2 of the lower class */
    double n0 = 0, s0 = 0, q0 = 0, n = 0, s = 0, q = 0;
    for (int i = 0; i < nbins; i++) {
        double c = lo + (i + 0.5) * width, h = (double)hist[i];
        n += h;
        s += h * c;
        q += h * c * c;
    }
    for (int i = 0; i < nbins - 1; i++) {
        double c = lo + (i + 0.5) * width, h = (double)hist[i];
        n0 += h;
        s0 += h * c;
        q0 += h * c * c;
        double n1 = n - n0;
        if (n0 <= 0 || n1 <= 0)
            continue;
        double p0 = n0 / total, p1 = n1 / total;
        double m0 = s0 / n0, m1 = (s - s0) / n1;
        double v0 = q0 / n0 - m0 * m0, v1 = (q - q0) / n1 - m1 * m1;
        if (v0 <= 1e-12 * width * width || v1 <= 1e-12 * width * width)
            continue;
        double j = 1 + p0 * log(v0) + p1 * log(v1) - 2 * (p0 * log(p0) + p1 * log(p1));
        if (j < best) {
            best = j;
            cut = i + 1;
        }
    }
    return lo + cut * width;
}

float mw_select(float *v, size_t n, size_t k)
{
    size_t l = 0, r = n - 1;
    while (l < r) {
        /* median of three as pivot: deterministic */
        size_t m = l + (r - l) / 2;
        float a = v[l], b = v[m], c = v[r];
        float pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = l, j = r;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                float t = v[i]; v[i] = v[j]; v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            r = j;
        else if (k >= i)
            l = i;
        else
            return v[k];
    }
    return v[k];
}
