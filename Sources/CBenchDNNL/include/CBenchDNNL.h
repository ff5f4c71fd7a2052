// oneDNN (Debian's libdnnl2) for the cpu-onednn backend, loaded at run time with dlopen, so that
// bench builds and runs where the library is missing (the backend then says how to install it).
#ifndef CBENCH_DNNL_H
#define CBENCH_DNNL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads libdnnl.so.2 and resolves every function bench uses. 0 when ready; otherwise writes the
/// reason (library or symbol missing, or bench built without oneDNN's headers) into `why`.
int bench_dnnl_load(char *why, size_t why_size);

/// The loaded library's version, e.g. "2.6.3"; empty before a successful load.
const char *bench_dnnl_version(void);

/// Sets the OpenMP thread count oneDNN runs with (its Debian build threads with OpenMP).
void bench_dnnl_set_threads(int threads);

/// dnnl_sgemm: row-major C = alpha·op(A)·op(B) + beta·C. 0 on success, else oneDNN's status.
int bench_dnnl_sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                     int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/// A matmul primitive C[M×N] (fp32) = A[M×K]·B[K×N], row-major, on buffers fixed at creation;
/// A and B are fp32 (`bf16 == 0`) or bf16 bit patterns (`bf16 != 0`, fp32 accumulation).
typedef struct bench_dnnl_matmul bench_dnnl_matmul;

/// Creates the primitive; NULL with the reason in `why` when oneDNN refuses.
bench_dnnl_matmul *bench_dnnl_matmul_create(int64_t m, int64_t n, int64_t k, int bf16, const void *a,
                                            const void *b, float *c, char *why, size_t why_size);
/// The implementation oneDNN chose, e.g. "brg:avx512_core_bf16".
const char *bench_dnnl_matmul_impl(const bench_dnnl_matmul *mm);
/// Runs it once and waits. 0 on success, else oneDNN's status.
int bench_dnnl_matmul_run(bench_dnnl_matmul *mm);
void bench_dnnl_matmul_destroy(bench_dnnl_matmul *mm);

/// A matmul primitive for one shape of a training step's matmuls, on buffers given at each run:
/// `C = alpha·op(A)·op(B) + beta·C` (C fp32, row stride `ldc`), A and B bf16 bit patterns
/// (`bf16 != 0`) or fp32, stored densely as given: A `m×k`, or `k×m` when `trans_a`; B `k×n`,
/// or `n×k` when `trans_b`. `beta` is a sum post-op (0: none). NULL with the reason in `why`.
bench_dnnl_matmul *bench_dnnl_matmul_strided_create(int64_t m, int64_t n, int64_t k, int trans_a, int trans_b,
                                                    int64_t ldc, int bf16, float alpha, float beta, char *why,
                                                    size_t why_size);
/// Runs a strided primitive on these buffers and waits. 0 on success, else oneDNN's status.
int bench_dnnl_matmul_run_on(bench_dnnl_matmul *mm, const void *a, const void *b, float *c);

/// `dst[r·cols + c] = bf16(src[r·ld + c])` for `r < rows`, `c < cols`: fp32 rounded to the nearest
/// bf16, ties to even (NaN stays a quiet NaN). Needs no oneDNN.
void bench_round_bf16(const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst);

#ifdef __cplusplus
}
#endif
#endif
