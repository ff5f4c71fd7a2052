// Packing for the bf16 GEMM: operands stored as bf16 bit patterns are copied in pairs; fp32
// operands (a training step's matmuls) are rounded to bf16 here, so rounding costs no pass of its
// own. Layouts are the micro-kernels' (internal.h).
#include "internal.h"

#include <string.h>

static inline uint32_t pair(uint16_t lo, uint16_t hi) { return (uint32_t)lo | ((uint32_t)hi << 16); }

/// fp32 to bf16, rounded to nearest even; a NaN stays a (quiet) NaN. GEMMCheck.roundedToBF16
/// rounds the same way.
static inline uint16_t bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

/// op(X)[r][c] as bf16 bits.
static inline uint16_t at(const bench_bf16_operand *x, int64_t r, int64_t c) {
    int64_t i = r * x->rs + c * x->cs;
    return x->f32 ? bf16(x->alpha * ((const float *)x->p)[i]) : ((const uint16_t *)x->p)[i];
}

/// The pair (op(X)[r][c], op(X)[r][c + 1]) of a row, zero past `cols` (the block's width).
static inline uint32_t row_pair(const bench_bf16_operand *x, int64_t r, int64_t c, int64_t c_end) {
    return pair(at(x, r, c), c + 1 < c_end ? at(x, r, c + 1) : 0);
}

/// fp32 A stored transposed (op(A)[r][c] at `p[r + c·cs]`, a weight gradient's Xᵀ): a whole
/// sliver of `mr` rows reads `mr` consecutive values per column, so the loop over the rows runs
/// in vectors. Only full slivers and whole pairs; `bench_bf16_pack_a_avx512` does the rest.
static void pack_a_transposed_f32(const bench_bf16_operand *a, int64_t row, int64_t col, int64_t full,
                                  int64_t mr, uint32_t *dst) {
    const float *x = (const float *)a->p;
    for (int64_t p = 0; p < full; ++p) {
        const float *lo = x + row + (col + 2 * p) * a->cs, *hi = lo + a->cs;
        uint32_t *d = dst + p * mr;
        for (int64_t i = 0; i < mr; ++i) d[i] = pair(bf16(a->alpha * lo[i]), bf16(a->alpha * hi[i]));
    }
}

void bench_bf16_pack_a_avx512(bench_bf16_operand a, int64_t row, int64_t rows, int64_t col, int64_t cols,
                              int64_t pairs, int64_t mr, uint32_t *out) {
    const int plain = !a.f32 && a.cs == 1;
    // Measured on the bf16 mlp_step (Zen 5): the generic element path took 27% of the step.
    const int f32_rows = a.f32 && a.cs == 1, f32_columns = a.f32 && a.rs == 1 && a.cs != 1;
    for (int64_t s = 0; s * mr < rows; ++s) {
        uint32_t *dst = out + s * mr * pairs;
        if (f32_columns && (s + 1) * mr <= rows) {
            int64_t full = cols / 2;
            pack_a_transposed_f32(&a, row + s * mr, col, full, mr, dst);
            for (int64_t p = full; p < pairs; ++p) {
                for (int64_t i = 0; i < mr; ++i) {
                    dst[p * mr + i] = 2 * p < cols ? row_pair(&a, row + s * mr + i, col + 2 * p, col + cols) : 0;
                }
            }
            continue;
        }
        for (int64_t i = 0; i < mr; ++i) {
            int64_t r = s * mr + i;
            if (r >= rows) {
                for (int64_t p = 0; p < pairs; ++p) dst[p * mr + i] = 0;
                continue;
            }
            int64_t full = cols / 2, p = 0;
            if (plain) {
                const uint16_t *src = (const uint16_t *)a.p + (row + r) * a.rs + col;
                for (; p < full; ++p) dst[p * mr + i] = pair(src[2 * p], src[2 * p + 1]);
            } else if (f32_rows) {
                const float *src = (const float *)a.p + (row + r) * a.rs + col;
                for (; p < full; ++p) dst[p * mr + i] = pair(bf16(a.alpha * src[2 * p]), bf16(a.alpha * src[2 * p + 1]));
            } else {
                for (; p < full; ++p) dst[p * mr + i] = row_pair(&a, row + r, col + 2 * p, col + cols);
            }
            for (; p < pairs; ++p) dst[p * mr + i] = 2 * p < cols ? row_pair(&a, row + r, col + 2 * p, col + cols) : 0;
        }
    }
}

void bench_bf16_pack_a_amx(bench_bf16_operand a, int64_t row, int64_t rows, int64_t col, int64_t cols,
                           int64_t pairs, int64_t mr, uint32_t *out) {
    int64_t padded = (rows + mr - 1) / mr * mr;
    for (int64_t r = 0; r < padded; ++r) {
        uint32_t *dst = out + r * pairs;
        if (r >= rows) {
            memset(dst, 0, (size_t)pairs * 4);
            continue;
        }
        if (!a.f32 && a.cs == 1) {
            memcpy(dst, (const uint16_t *)a.p + (row + r) * a.rs + col, (size_t)cols * 2);
        } else {
            uint16_t *d = (uint16_t *)dst;
            for (int64_t c = 0; c < cols; ++c) d[c] = at(&a, row + r, col + c);
        }
        // The odd last value's partner, then the padding pairs, are zeros.
        memset((uint16_t *)dst + cols, 0, (size_t)(pairs * 2 - cols) * 2);
    }
}

void bench_bf16_pack_b(bench_bf16_operand b, int64_t row, int64_t rows, int64_t col, int64_t cols, int64_t pairs,
                       uint32_t *out) {
    for (int64_t s = 0; s * BENCH_BF16_NR < cols; ++s) {
        uint32_t *dst = out + s * pairs * BENCH_BF16_NR;
        int64_t c0 = col + s * BENCH_BF16_NR, w = cols - s * BENCH_BF16_NR;
        if (w > BENCH_BF16_NR) w = BENCH_BF16_NR;
        int64_t first = 0;
        if (b.f32 && b.rs == 1 && w == BENCH_BF16_NR) {
            // B stored transposed (dY·Wᵀ): a column of op(B) is contiguous in memory. Read each
            // of the sliver's 32 columns along K, which the prefetcher follows, and write its
            // pairs 32 words apart; gathering 32 columns per pair stalled on every load (75% of
            // this function at a Llama-3-8B layer's 4096 × 14336 weights).
            int64_t full = rows / 2 < pairs ? rows / 2 : pairs;
            for (int64_t j = 0; j < BENCH_BF16_NR; ++j) {
                const float *q = (const float *)b.p + (c0 + j) * b.cs + row;
                uint32_t *d = dst + j;
                for (int64_t p = 0; p < full; ++p) {
                    d[p * BENCH_BF16_NR] = pair(bf16(b.alpha * q[2 * p]), bf16(b.alpha * q[2 * p + 1]));
                }
            }
            first = full;
        }
        for (int64_t p = first; p < pairs; ++p) {
            uint32_t *d = dst + p * BENCH_BF16_NR;
            int64_t r0 = row + 2 * p, r1 = r0 + 1;
            int lo = 2 * p < rows, hi = 2 * p + 1 < rows;
            if (lo && hi && w == BENCH_BF16_NR && !b.f32 && b.cs == 1) {
                const uint16_t *l = (const uint16_t *)b.p + r0 * b.rs + c0, *h = l + b.rs;
                for (int j = 0; j < BENCH_BF16_NR; ++j) d[j] = pair(l[j], h[j]);
            } else if (lo && hi && w == BENCH_BF16_NR && b.f32 && b.cs == 1) {
                const float *l = (const float *)b.p + r0 * b.rs + c0, *h = l + b.rs;
                for (int j = 0; j < BENCH_BF16_NR; ++j) d[j] = pair(bf16(b.alpha * l[j]), bf16(b.alpha * h[j]));
            } else if (lo && hi && w == BENCH_BF16_NR && b.f32 && b.rs == 1) {
                // B stored transposed (dY·Wᵀ): a pair's two rows are adjacent values.
                const float *q = (const float *)b.p + c0 * b.cs + r0;
                for (int j = 0; j < BENCH_BF16_NR; ++j) {
                    d[j] = pair(bf16(b.alpha * q[j * b.cs]), bf16(b.alpha * q[j * b.cs + 1]));
                }
            } else {
                for (int64_t j = 0; j < BENCH_BF16_NR; ++j) {
                    uint16_t l = lo && j < w ? at(&b, r0, c0 + j) : 0, h = hi && j < w ? at(&b, r1, c0 + j) : 0;
                    d[j] = pair(l, h);
                }
            }
        }
    }
}
