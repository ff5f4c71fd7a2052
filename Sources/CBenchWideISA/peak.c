// The bf16 peak probes (register-only loops, no memory traffic) and the AMX permission.
#include "CBenchWideISA.h"
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define TAMX __attribute__((target("amx-tile,amx-bf16")))

// Linux asks a process to request AMX's tile data state before its first tile instruction
// (arch/x86/include/uapi/asm/prctl.h); without it the instruction faults.
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static pthread_once_t amx_once = PTHREAD_ONCE_INIT;
static int amx_granted;

static void request_amx(void) { amx_granted = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0; }

int bench_bf16_path_available(int path) {
    if (path == BENCH_BF16_AVX512) return 1;
    if (path != BENCH_BF16_AMX) return 0;
    pthread_once(&amx_once, request_amx);
    return amx_granted;
}

static volatile float sink;

// 16 independent vdpbf16ps chains: enough for the instruction's latency × its pipes on current
// cores (5 cycles × 2). 64 FLOPs each (16 lanes × 2 products × 2).
T512 static double peak_avx512(int64_t iterations) {
    __m512bh x = (__m512bh)_mm512_set1_epi32(0x3c003c00), y = (__m512bh)_mm512_set1_epi32(0x3c003c00);
#define DECL(i) __m512 c##i = _mm512_set1_ps((float)(i));
    DECL(0) DECL(1) DECL(2) DECL(3) DECL(4) DECL(5) DECL(6) DECL(7)
    DECL(8) DECL(9) DECL(10) DECL(11) DECL(12) DECL(13) DECL(14) DECL(15)
#undef DECL
    for (int64_t i = 0; i < iterations; ++i) {
#define STEP(i) c##i = _mm512_dpbf16_ps(c##i, x, y);
        STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
        STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)
#undef STEP
        __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)),
                                       _mm512_add_ps(_mm512_add_ps(c12, c13), _mm512_add_ps(c14, c15))));
    sink = _mm512_reduce_add_ps(s);
    return (double)iterations * 16 * 64;
}

// Six independent accumulator tiles fed by two source tiles: 16 × 16 × 32 multiply-adds each.
TAMX static double peak_amx(int64_t iterations) {
    static const uint16_t ones[16 * 32] __attribute__((aligned(64))) = {0};
    float out[16 * 16] __attribute__((aligned(64)));
    bench_bf16_amx_configure();
    _tile_loadd(6, ones, 64);
    _tile_loadd(7, ones, 64);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    _tile_zero(4);
    _tile_zero(5);
    for (int64_t i = 0; i < iterations; ++i) {
        _tile_dpbf16ps(0, 6, 7);
        _tile_dpbf16ps(1, 7, 6);
        _tile_dpbf16ps(2, 6, 7);
        _tile_dpbf16ps(3, 7, 6);
        _tile_dpbf16ps(4, 6, 7);
        _tile_dpbf16ps(5, 7, 6);
    }
    _tile_stored(0, out, 64);
    bench_bf16_amx_release();
    sink = out[0];
    return (double)iterations * 6 * 16 * 16 * 32 * 2;
}

double bench_bf16_peak_run(int path, int64_t iterations) {
    if (path == BENCH_BF16_AMX) return bench_bf16_path_available(path) ? peak_amx(iterations) : 0;
    return peak_avx512(iterations);
}

#else

int bench_bf16_path_available(int path) {
    (void)path;
    return 0;
}
double bench_bf16_peak_run(int path, int64_t iterations) {
    (void)path, (void)iterations;
    return 0;
}

#endif
