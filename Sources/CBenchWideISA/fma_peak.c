// FMA peak loops for the CPU's widest vector ISA, whatever the build's: a portable or AVX2 build
// on an AVX-512 CPU still runs libraries (OpenBLAS, oneDNN) that use the widest ISA, so their
// rows must be held to that ISA's peak, not the build's. The same loop as HostPeak's Swift one:
// independent FMA chains in registers, no memory traffic.
#include "CBenchWideISA.h"

#if defined(__x86_64__)
#include <immintrin.h>

static volatile double sink;

#define T512 __attribute__((target("avx512f")))
#define T256 __attribute__((target("avx2,fma")))

// 12 chains (8 cover 4 cycles × 2 pipes); with the two operands, 14 registers: no spills on
// AVX2's 16.
#define CHAINS(type, set1, fma, add, reduce, lanes)                                                            \
    type x = set1(0.999999), y = set1(1e-3);                                                                   \
    type c0 = y, c1 = add(y, y), c2 = add(c1, y), c3 = add(c2, y), c4 = add(c3, y), c5 = add(c4, y);        \
    type c6 = add(c5, y), c7 = add(c6, y), c8 = add(c7, y), c9 = add(c8, y), c10 = add(c9, y);              \
    type c11 = add(c10, y);                                                                                    \
    for (int64_t i = 0; i < iterations; ++i) {                                                                 \
        c0 = fma(y, c0, x), c1 = fma(y, c1, x), c2 = fma(y, c2, x), c3 = fma(y, c3, x);                       \
        c4 = fma(y, c4, x), c5 = fma(y, c5, x), c6 = fma(y, c6, x), c7 = fma(y, c7, x);                       \
        c8 = fma(y, c8, x), c9 = fma(y, c9, x), c10 = fma(y, c10, x), c11 = fma(y, c11, x);                   \
    }                                                                                                          \
    type s = add(add(add(c0, c1), add(c2, c3)), add(add(c4, c5), add(c6, c7)));                                \
    s = add(s, add(add(c8, c9), add(c10, c11)));                                                               \
    sink = reduce(s);                                                                                          \
    return (double)iterations * 12 * (lanes) * 2;

T256 static inline double sum256(__m256 v) {
    float f[8];
    _mm256_storeu_ps(f, v);
    return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
T256 static inline double sum256d(__m256d v) {
    double d[4];
    _mm256_storeu_pd(d, v);
    return d[0] + d[1] + d[2] + d[3];
}

T512 static double avx512_fp32(int64_t iterations) {
    CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_reduce_add_ps, 16)
}
T512 static double avx512_fp64(int64_t iterations) {
    CHAINS(__m512d, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd, _mm512_reduce_add_pd, 8)
}
T256 static double avx2_fp32(int64_t iterations) {
    CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, sum256, 8)
}
T256 static double avx2_fp64(int64_t iterations) {
    CHAINS(__m256d, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd, sum256d, 4)
}

double bench_fma_peak_run(int isa, int fp64, int64_t iterations) {
    switch (isa) {
    case BENCH_WIDE_AVX512: return fp64 ? avx512_fp64(iterations) : avx512_fp32(iterations);
    case BENCH_WIDE_AVX2: return fp64 ? avx2_fp64(iterations) : avx2_fp32(iterations);
    default: return 0;
    }
}

#else

double bench_fma_peak_run(int isa, int fp64, int64_t iterations) {
    (void)isa, (void)fp64, (void)iterations;
    return 0;
}

#endif
