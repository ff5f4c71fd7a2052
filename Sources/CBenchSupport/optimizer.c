// The AdamW update in vectors (see CBenchSupport.h). Contraction is off so that every value
// rounds as the Swift code that computed it before did, operation by operation.
#include "CBenchSupport.h"

#include <math.h>
#include <string.h>

#pragma clang fp contract(off)

typedef float bench_f32x16 __attribute__((ext_vector_type(16)));
typedef double bench_f64x8 __attribute__((ext_vector_type(8)));

#define BENCH_ADAMW(NAME, T, VT, LANES, SQRT)                                                                         \
    void NAME(T *w, const T *g, T *m, T *v, int64_t n, T b1, T b2, T one_minus_b1, T one_minus_b2, T step,           \
              T inv_c2, T eps, T decay) {                                                                             \
        int64_t i = 0;                                                                                                \
        for (; i + LANES <= n; i += LANES) {                                                                          \
            VT gi, mi, vi, wi;                                                                                        \
            memcpy(&gi, g + i, sizeof gi);                                                                            \
            memcpy(&mi, m + i, sizeof mi);                                                                            \
            memcpy(&vi, v + i, sizeof vi);                                                                            \
            memcpy(&wi, w + i, sizeof wi);                                                                            \
            mi = b1 * mi + one_minus_b1 * gi;                                                                         \
            vi = b2 * vi + one_minus_b2 * gi * gi;                                                                    \
            wi -= step * mi / (__builtin_elementwise_sqrt(vi * inv_c2) + eps) + decay * wi;                           \
            memcpy(m + i, &mi, sizeof mi);                                                                            \
            memcpy(v + i, &vi, sizeof vi);                                                                            \
            memcpy(w + i, &wi, sizeof wi);                                                                            \
        }                                                                                                             \
        for (; i < n; ++i) {                                                                                          \
            T mi = b1 * m[i] + one_minus_b1 * g[i];                                                                   \
            T vi = b2 * v[i] + one_minus_b2 * g[i] * g[i];                                                            \
            m[i] = mi;                                                                                                \
            v[i] = vi;                                                                                                \
            w[i] -= step * mi / (SQRT(vi * inv_c2) + eps) + decay * w[i];                                             \
        }                                                                                                             \
    }

BENCH_ADAMW(bench_adamw_f32, float, bench_f32x16, 16, sqrtf)
BENCH_ADAMW(bench_adamw_f64, double, bench_f64x8, 8, sqrt)
