// The bf16 GEMM driver (Goto-style blocking, as the fp32 GEMM in BenchSwiftKernels): per column
// block of `nc`, per K block of `kc`, pack the B panel as bf16 pairs; per row block of `mc`, pack
// A the way the path's micro-kernel reads it; then the micro-kernel over 32-column slivers. One
// call serves one thread's columns, with its own workspace.
#include "CBenchWideISA.h"
#include "internal.h"

#include <string.h>

#if defined(__x86_64__)

static const bench_bf16_path paths[2] = {
    // avx512_bf16: fp32 A (the steps) gets a 2048-column panel, measured on Zen 5: the bf16
    // mlp_step +7.8%, while bf16 A (the GEMM rows) keeps 512 (2048 cost gemm/bf16 N=2048 16%).
    {.mr = 12, .kc = 256, .mc = 144, .nc = 512, .nc_f32 = 2048, .pair_granule = 1, .micro = bench_bf16_micro_avx512,
     .pack_a = bench_bf16_pack_a_avx512},
    {.mr = 32, .kc = 512, .mc = 128, .nc = 512, .nc_f32 = 512, .pair_granule = 16, .micro = bench_bf16_micro_amx,
     .pack_a = bench_bf16_pack_a_amx},
};

static int64_t max_pairs(const bench_bf16_path *p) { return p->kc / 2; }
static int64_t widest_panel(const bench_bf16_path *p) { return p->nc > p->nc_f32 ? p->nc : p->nc_f32; }
/// Packed A starts this many words past the panel a call uses, not at a fixed offset: a 1 MiB
/// gap (the widest panel) put A and B in the same sets of Zen 5's 1 MiB L2 and cost gemm/bf16
/// N=2048 6% on two threads; 17 cache lines of skew keep them apart.
enum { A_SKEW_WORDS = 17 * 16 };

size_t bench_bf16_workspace_bytes(int path) {
    const bench_bf16_path *p = &paths[path == BENCH_BF16_AMX];
    size_t words = (size_t)(max_pairs(p) * widest_panel(p) + A_SKEW_WORDS + (p->mc + p->mr) * max_pairs(p));
    return words * 4 + BENCH_BF16_NR * BENCH_BF16_NR * 4 + 64;
}

int bench_bf16_columns_per_sliver(int path) {
    (void)path;
    return BENCH_BF16_NR;
}

/// C[:, col_begin:col_end] (+)= op(A)·op(B): the driver behind both entry points.
static void gemm_part(int path, int64_t m, int64_t k, bench_bf16_operand a, bench_bf16_operand b, int add_to_c,
                      float *c, int64_t ldc, int64_t col_begin, int64_t col_end, void *workspace) {
    if (m <= 0 || col_begin >= col_end) return;
    if (k <= 0) {
        if (!add_to_c)
            for (int64_t i = 0; i < m; ++i) memset(c + i * ldc + col_begin, 0, (size_t)(col_end - col_begin) * 4);
        return;
    }
    const bench_bf16_path *P = &paths[path == BENCH_BF16_AMX];
    uint32_t *packed_b = (uint32_t *)workspace;
    const int64_t panel = a.f32 ? P->nc_f32 : P->nc;
    uint32_t *packed_a = packed_b + max_pairs(P) * panel + A_SKEW_WORDS;
    float *edge = (float *)(packed_a + (P->mc + P->mr) * max_pairs(P));
    if (path == BENCH_BF16_AMX) bench_bf16_amx_configure();
    for (int64_t jc = col_begin; jc < col_end; jc += panel) {
        int64_t nc = col_end - jc < panel ? col_end - jc : panel;
        for (int64_t pc = 0; pc < k; pc += P->kc) {
            int64_t kc = k - pc < P->kc ? k - pc : P->kc;
            int64_t pairs = ((kc + 1) / 2 + P->pair_granule - 1) / P->pair_granule * P->pair_granule;
            bench_bf16_pack_b(b, pc, kc, jc, nc, pairs, packed_b);
            int accumulate = pc > 0 || add_to_c;
            for (int64_t ic = 0; ic < m; ic += P->mc) {
                int64_t mc = m - ic < P->mc ? m - ic : P->mc;
                P->pack_a(a, ic, mc, pc, kc, pairs, P->mr, packed_a);
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

void bench_bf16_gemm_part(int path, int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t lda,
                          const uint16_t *b, int64_t ldb, float *c, int64_t ldc, int64_t col_begin,
                          int64_t col_end, void *workspace) {
    (void)n;
    bench_bf16_operand oa = {a, lda, 1, 0, 1}, ob = {b, ldb, 1, 0, 1};
    gemm_part(path, m, k, oa, ob, 0, c, ldc, col_begin, col_end, workspace);
}

void bench_bf16_gemm_part_f32(int path, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                              const float *a, int64_t lda, const float *b, int64_t ldb, int add_to_c, float *c,
                              int64_t ldc, int64_t col_begin, int64_t col_end, void *workspace) {
    (void)n;
    bench_bf16_operand oa = {a, trans_a ? 1 : lda, trans_a ? lda : 1, 1, alpha};
    bench_bf16_operand ob = {b, trans_b ? 1 : ldb, trans_b ? ldb : 1, 1, 1};
    gemm_part(path, m, k, oa, ob, add_to_c, c, ldc, col_begin, col_end, workspace);
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
void bench_bf16_gemm_part_f32(int path, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                              const float *a, int64_t lda, const float *b, int64_t ldb, int add_to_c, float *c,
                              int64_t ldc, int64_t col_begin, int64_t col_end, void *workspace) {
    (void)path, (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)lda, (void)b;
    (void)ldb, (void)add_to_c, (void)c, (void)ldc, (void)col_begin, (void)col_end, (void)workspace;
}

#endif
