// Code for ISA extensions beyond the build's, chosen at run time from the CPU's flags: the bf16
// GEMM of cpu-swift and the bf16 peak probes (C with intrinsics, because Swift cannot emit
// `vdpbf16ps` or AMX's tile instructions), and FMA peak probes for the CPU's widest ISA. Every
// function is compiled for its own target with `__attribute__((target))`, so any x86-64 build
// carries them; the caller checks the CPU's flags first. On other architectures they do nothing.
#ifndef CBENCH_WIDE_ISA_H
#define CBENCH_WIDE_ISA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The bf16 instruction paths: `vdpbf16ps` on zmm registers, and AMX's `tdpbf16ps` on tiles.
enum { BENCH_BF16_AVX512 = 0, BENCH_BF16_AMX = 1 };

/// Whether `path` can run in this process: compiled in, and for AMX, the kernel granted this
/// process the tile data state (arch_prctl ARCH_REQ_XCOMP_PERM, asked once). The CPU's flags
/// must be checked by the caller before: this does not read CPUID. 1 yes, 0 no.
int bench_bf16_path_available(int path);

/// Bytes of workspace one participant of bench_bf16_gemm_part needs (packed A block and B
/// panel, and an edge tile), for `path`. The workspace must be 64-byte aligned.
size_t bench_bf16_workspace_bytes(int path);

/// C[m×n] (fp32, row-major, stride ldc) = A[m×k]·B[k×n] over bf16 bit patterns (row-major,
/// strides lda and ldb), fp32 accumulation, for the columns [col_begin, col_end) of C only; the
/// caller splits the columns between threads. Packs with the caller's `workspace` and allocates
/// nothing. k == 0 writes zeros.
void bench_bf16_gemm_part(int path, int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t lda,
                          const uint16_t *b, int64_t ldb, float *c, int64_t ldc, int64_t col_begin,
                          int64_t col_end, void *workspace);

/// The same product over fp32 operands, each rounded to bf16 (nearest even) as it is packed:
/// C[m×n] (+)= op(α·A)·op(B) with fp32 accumulation, op(X) = Xᵀ when `trans_x` (X then stored
/// transposed, row-major, stride ldx). α scales A before rounding. `add_to_c` adds to C (β = 1)
/// instead of overwriting it (β = 0). The bf16 matmuls of a mixed-precision training step.
void bench_bf16_gemm_part_f32(int path, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                              const float *a, int64_t lda, const float *b, int64_t ldb, int add_to_c, float *c,
                              int64_t ldc, int64_t col_begin, int64_t col_end, void *workspace);

/// The column granule of `path`'s micro-kernel (32 on both): split columns in multiples of it.
int bench_bf16_columns_per_sliver(int path);

/// Runs `iterations` rounds of register-only bf16 dot products on `path` and returns the FLOPs
/// done (2 per multiply-add); nothing touches memory in the loop. Times it the caller.
double bench_bf16_peak_run(int path, int64_t iterations);

/// The FMA ISAs bench_fma_peak_run can run.
enum { BENCH_WIDE_AVX512 = 0, BENCH_WIDE_AVX2 = 1 };

/// Runs `iterations` rounds of 12 independent FMA chains on `isa`'s widest registers (fp64 when
/// `fp64` is nonzero, else fp32) and returns the FLOPs done; 0 for an ISA not compiled in.
double bench_fma_peak_run(int isa, int fp64, int64_t iterations);

#ifdef __cplusplus
}
#endif

#endif
