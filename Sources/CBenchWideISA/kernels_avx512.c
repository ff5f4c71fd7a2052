// The avx512_bf16 micro-kernel: a 12 × 32 fp32 tile of C in 24 zmm accumulators, fed by
// `vdpbf16ps`, which adds to each fp32 lane the two products of a pair of bf16 values.
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

// A packed: per K pair, 12 rows' (A[i][2p], A[i][2p+1]) as one 32-bit word each, broadcast to
// every lane. B packed: per K pair, 32 columns' (B[2p][j], B[2p+1][j]) words, two zmm loads.
// With 24 accumulators, 2 B vectors and a broadcast, 27 of the 32 zmm are in use: no spills.
T512 void bench_bf16_micro_avx512(int64_t pairs, const uint32_t *a, const uint32_t *b, float *c, int64_t ldc,
                                  int accumulate) {
#define DECL(i) __m512 c##i##l = _mm512_setzero_ps(), c##i##h = _mm512_setzero_ps();
    DECL(0) DECL(1) DECL(2) DECL(3) DECL(4) DECL(5) DECL(6) DECL(7) DECL(8) DECL(9) DECL(10) DECL(11)
#undef DECL
    for (int64_t p = 0; p < pairs; ++p) {
        __m512bh b0 = (__m512bh)_mm512_load_si512((const void *)b);
        __m512bh b1 = (__m512bh)_mm512_load_si512((const void *)(b + 16));
        _mm_prefetch((const char *)(b + 256), _MM_HINT_T0);
#define ROW(i)                                                                                                   \
    {                                                                                                            \
        __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i]);                                                    \
        c##i##l = _mm512_dpbf16_ps(c##i##l, ai, b0);                                                             \
        c##i##h = _mm512_dpbf16_ps(c##i##h, ai, b1);                                                             \
    }
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#undef ROW
        a += 12;
        b += BENCH_BF16_NR;
    }
#define STORE(i)                                                                                                 \
    {                                                                                                            \
        float *r = c + (i) * ldc;                                                                                \
        if (accumulate) {                                                                                        \
            c##i##l = _mm512_add_ps(c##i##l, _mm512_loadu_ps(r));                                                \
            c##i##h = _mm512_add_ps(c##i##h, _mm512_loadu_ps(r + 16));                                           \
        }                                                                                                        \
        _mm512_storeu_ps(r, c##i##l);                                                                            \
        _mm512_storeu_ps(r + 16, c##i##h);                                                                       \
    }
    STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7) STORE(8) STORE(9) STORE(10) STORE(11)
#undef STORE
}
#endif
