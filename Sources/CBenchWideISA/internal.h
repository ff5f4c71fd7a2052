// Shared by the bf16 GEMM driver and its micro-kernels: the blocking of each path and the
// micro-kernels' signatures.
#ifndef CBENCH_BF16_INTERNAL_H
#define CBENCH_BF16_INTERNAL_H

#include <stdint.h>

/// An operand of the bf16 GEMM as stored: bf16 bit patterns, or fp32 values rounded to bf16
/// (nearest even, after scaling by `alpha`) while packing. `op(X)[r][c]` is `p[r·rs + c·cs]`
/// (`rs` = ld, `cs` = 1 as stored; swapped for a transposed operand).
typedef struct {
    const void *p;
    int64_t rs, cs;
    int f32;
    float alpha;
} bench_bf16_operand;

/// One path's blocking, in elements of the fp32 view (k counts bf16 values, so `kc` = 256 is 128
/// bf16 pairs). A micro-kernel computes an `mr` × 32 tile of C from packed pairs.
typedef struct {
    int64_t mr, kc, mc, nc;
    /// The column block when A is fp32 (a training step's matmuls): rounding while packing costs
    /// several times a copy, so a wider B panel packs A less often.
    int64_t nc_f32;
    /// K pairs are padded to a multiple of this (AMX reads 16 pairs per tile row).
    int64_t pair_granule;
    void (*micro)(int64_t pairs, const uint32_t *a, const uint32_t *b, float *c, int64_t ldc, int accumulate);
    /// Packs rows [row, row + rows) of A, K block [col, col + cols), padded to `mr` rows and to
    /// `pairs` pairs, in the layout `micro` reads.
    void (*pack_a)(bench_bf16_operand a, int64_t row, int64_t rows, int64_t col, int64_t cols, int64_t pairs,
                   int64_t mr, uint32_t *out);
} bench_bf16_path;

/// The widest tile both paths use: 32 columns, two zmm of fp32 or two AMX tiles of 16.
#define BENCH_BF16_NR 32

/// Packing (pack.c): A in the AVX-512 layout (per `mr`-row sliver, per pair, `mr` words) and
/// the AMX layout (rows of `pairs` words), and a B panel (per 32-column sliver, per pair, 32
/// words); rows, columns and pairs past the block are zeros.
void bench_bf16_pack_a_avx512(bench_bf16_operand a, int64_t row, int64_t rows, int64_t col, int64_t cols,
                              int64_t pairs, int64_t mr, uint32_t *out);
void bench_bf16_pack_a_amx(bench_bf16_operand a, int64_t row, int64_t rows, int64_t col, int64_t cols,
                           int64_t pairs, int64_t mr, uint32_t *out);
void bench_bf16_pack_b(bench_bf16_operand b, int64_t row, int64_t rows, int64_t col, int64_t cols, int64_t pairs,
                       uint32_t *out);

#if defined(__x86_64__)
void bench_bf16_micro_avx512(int64_t pairs, const uint32_t *a, const uint32_t *b, float *c, int64_t ldc,
                             int accumulate);
void bench_bf16_micro_amx(int64_t pairs, const uint32_t *a, const uint32_t *b, float *c, int64_t ldc,
                          int accumulate);
void bench_bf16_amx_configure(void);
void bench_bf16_amx_release(void);
#endif

#endif
