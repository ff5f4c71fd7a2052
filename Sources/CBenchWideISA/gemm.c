// The bf16 GEMM driver (Goto-style blocking, as the fp32 GEMM in BenchSwiftKernels): per column
// block of `nc`, per K block of `kc`, pack the B panel as bf16 pairs; per row block of `mc`, pack
// A the way the path's micro-kernel reads it; then the micro-kernel over 32-column slivers. One
// call serves one thread's columns, with its own workspace.
#include "CBenchWideISA.h"
#include "internal.h"

#include <string.h>

#if defined(__x86_64__)

static inline uint32_t pair(uint16_t lo, uint16_t hi) { return (uint32_t)lo | ((uint32_t)hi << 16); }

/// AVX-512 layout: per `mr`-row sliver, per pair, `mr` words (one broadcast each).
static void pack_a_avx512(const uint16_t *a, int64_t lda, int64_t row, int64_t rows, int64_t col, int64_t cols,
                          int64_t pairs, int64_t mr, uint32_t *out) {
    for (int64_t s = 0; s * mr < rows; ++s) {
        uint32_t *dst = out + s * mr * pairs;
        for (int64_t i = 0; i < mr; ++i) {
            int64_t r = s * mr + i;
            if (r >= rows) {
                for (int64_t p = 0; p < pairs; ++p) dst[p * mr + i] = 0;
                continue;
            }
            const uint16_t *src = a + (row + r) * lda + col;
            int64_t full = cols / 2;
            for (int64_t p = 0; p < full; ++p) dst[p * mr + i] = pair(src[2 * p], src[2 * p + 1]);
            for (int64_t p = full; p < pairs; ++p) dst[p * mr + i] = 2 * p < cols ? pair(src[2 * p], 0) : 0;
        }
    }
}

/// AMX layout: rows of `pairs` words, padded to a multiple of `mr` rows with zeros.
static void pack_a_amx(const uint16_t *a, int64_t lda, int64_t row, int64_t rows, int64_t col, int64_t cols,
                       int64_t pairs, int64_t mr, uint32_t *out) {
    int64_t padded = (rows + mr - 1) / mr * mr;
    for (int64_t r = 0; r < padded; ++r) {
        uint32_t *dst = out + r * pairs;
        if (r >= rows) {
            memset(dst, 0, (size_t)pairs * 4);
            continue;
        }
        memcpy(dst, a + (row + r) * lda + col, (size_t)cols * 2);
        // The odd last value's partner, then the padding pairs, are zeros.
        memset((uint16_t *)dst + cols, 0, (size_t)(pairs * 2 - cols) * 2);
    }
}

/// B panel: per 32-column sliver, per pair of K rows, 32 words (B[2p][j], B[2p+1][j]); columns
/// past `cols` and pairs past the block are zeros.
static void pack_b(const uint16_t *b, int64_t ldb, int64_t row, int64_t rows, int64_t col, int64_t cols,
                   int64_t pairs, uint32_t *out) {
    for (int64_t s = 0; s * BENCH_BF16_NR < cols; ++s) {
        uint32_t *dst = out + s * pairs * BENCH_BF16_NR;
        int64_t c0 = col + s * BENCH_BF16_NR, w = cols - s * BENCH_BF16_NR;
        if (w > BENCH_BF16_NR) w = BENCH_BF16_NR;
        for (int64_t p = 0; p < pairs; ++p) {
            uint32_t *d = dst + p * BENCH_BF16_NR;
            const uint16_t *lo = 2 * p < rows ? b + (row + 2 * p) * ldb + c0 : 0;
            const uint16_t *hi = 2 * p + 1 < rows ? b + (row + 2 * p + 1) * ldb + c0 : 0;
            if (lo && hi && w == BENCH_BF16_NR) {
                for (int j = 0; j < BENCH_BF16_NR; ++j) d[j] = pair(lo[j], hi[j]);
                continue;
            }
            for (int64_t j = 0; j < BENCH_BF16_NR; ++j) {
                uint16_t l = lo && j < w ? lo[j] : 0, h = hi && j < w ? hi[j] : 0;
                d[j] = pair(l, h);
            }
        }
    }
}

static const bench_bf16_path paths[2] = {
    {.mr = 12, .kc = 256, .mc = 144, .nc = 512, .pair_granule = 1, .micro = bench_bf16_micro_avx512,
     .pack_a = pack_a_avx512},
    {.mr = 32, .kc = 512, .mc = 128, .nc = 512, .pair_granule = 16, .micro = bench_bf16_micro_amx,
     .pack_a = pack_a_amx},
};

static int64_t max_pairs(const bench_bf16_path *p) { return p->kc / 2; }

size_t bench_bf16_workspace_bytes(int path) {
    const bench_bf16_path *p = &paths[path == BENCH_BF16_AMX];
    size_t words = (size_t)(max_pairs(p) * p->nc + (p->mc + p->mr) * max_pairs(p));
    return words * 4 + BENCH_BF16_NR * BENCH_BF16_NR * 4 + 64;
}

int bench_bf16_columns_per_sliver(int path) {
    (void)path;
    return BENCH_BF16_NR;
}

void bench_bf16_gemm_part(int path, int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t lda,
                          const uint16_t *b, int64_t ldb, float *c, int64_t ldc, int64_t col_begin,
                          int64_t col_end, void *workspace) {
    (void)n;
    if (m <= 0 || col_begin >= col_end) return;
    if (k <= 0) {
        for (int64_t i = 0; i < m; ++i) memset(c + i * ldc + col_begin, 0, (size_t)(col_end - col_begin) * 4);
        return;
    }
    const bench_bf16_path *P = &paths[path == BENCH_BF16_AMX];
    uint32_t *packed_b = (uint32_t *)workspace;
    uint32_t *packed_a = packed_b + max_pairs(P) * P->nc;
    float *edge = (float *)(packed_a + (P->mc + P->mr) * max_pairs(P));
    if (path == BENCH_BF16_AMX) bench_bf16_amx_configure();
    for (int64_t jc = col_begin; jc < col_end; jc += P->nc) {
        int64_t nc = col_end - jc < P->nc ? col_end - jc : P->nc;
        for (int64_t pc = 0; pc < k; pc += P->kc) {
            int64_t kc = k - pc < P->kc ? k - pc : P->kc;
            int64_t pairs = ((kc + 1) / 2 + P->pair_granule - 1) / P->pair_granule * P->pair_granule;
            pack_b(b, ldb, pc, kc, jc, nc, pairs, packed_b);
            int accumulate = pc > 0;
            for (int64_t ic = 0; ic < m; ic += P->mc) {
                int64_t mc = m - ic < P->mc ? m - ic : P->mc;
                P->pack_a(a, lda, ic, mc, pc, kc, pairs, P->mr, packed_a);
                for (int64_t s = 0; s * BENCH_BF16_NR < nc; ++s) {
                    int64_t cols = nc - s * BENCH_BF16_NR < BENCH_BF16_NR ? nc - s * BENCH_BF16_NR : BENCH_BF16_NR;
                    const uint32_t *bs = packed_b + s * pairs * BENCH_BF16_NR;
                    for (int64_t i = 0; i < mc; i += P->mr) {
                        int64_t rows = mc - i < P->mr ? mc - i : P->mr;
                        float *dst = c + (ic + i) * ldc + jc + s * BENCH_BF16_NR;
                        const uint32_t *as = packed_a + i * pairs;
                        if (rows == P->mr && cols == BENCH_BF16_NR) {
                            P->micro(pairs, as, bs, dst, ldc, accumulate);
                            continue;
                        }
                        P->micro(pairs, as, bs, edge, BENCH_BF16_NR, 0);
                        for (int64_t r = 0; r < rows; ++r) {
                            float *d = dst + r * ldc;
                            const float *e = edge + r * BENCH_BF16_NR;
                            for (int64_t j = 0; j < cols; ++j) d[j] = accumulate ? d[j] + e[j] : e[j];
                        }
                    }
                }
            }
        }
    }
    if (path == BENCH_BF16_AMX) bench_bf16_amx_release();
}

#else

size_t bench_bf16_workspace_bytes(int path) {
    (void)path;
    return 64;
}
int bench_bf16_columns_per_sliver(int path) {
    (void)path;
    return 32;
}
void bench_bf16_gemm_part(int path, int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t lda,
                          const uint16_t *b, int64_t ldb, float *c, int64_t ldc, int64_t col_begin,
                          int64_t col_end, void *workspace) {
    (void)path, (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b, (void)ldb, (void)c, (void)ldc;
    (void)col_begin, (void)col_end, (void)workspace;
}

#endif
