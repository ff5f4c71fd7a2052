// A register-only FMA loop in C, the reference bench's own peak probe is checked against
// (scripts/perf-peak): 12 independent vector FMA chains per thread, one pthread per thread,
// GCC vector extensions of VBYTES bytes (16: SSE2/NEON, 32: AVX2, 64: AVX-512).
//   gcc -O3 -funroll-all-loops -mavx2 -mfma -DVBYTES=32 fma_peak.c -o fma_peak -lpthread
//   ./fma_peak fp32|fp64 THREADS SECONDS    → prints GFLOP/s
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef VBYTES
#define VBYTES 32
#endif

typedef float vf __attribute__((vector_size(VBYTES)));
typedef double vd __attribute__((vector_size(VBYTES)));

static long iterations;
static pthread_barrier_t barrier;

#define CHAINS(T, S)                                                                                   \
    static void *run_##T(void *arg) {                                                                  \
        T x, y;                                                                                        \
        for (int i = 0; i < (int)(VBYTES / sizeof(S)); i++) { x[i] = (S)0.999999; y[i] = (S)(1e-3 * (1 + (long)arg)); } \
        T c0 = y, c1 = y + y, c2 = y * 3, c3 = y * 4, c4 = y * 5, c5 = y * 6;                          \
        T c6 = y * 7, c7 = y * 8, c8 = y * 9, c9 = y * 10, c10 = y * 11, c11 = y * 12;                 \
        pthread_barrier_wait(&barrier);                                                                \
        for (long i = 0; i < iterations; i++) {                                                        \
            c0 = y * c0 + x; c1 = y * c1 + x; c2 = y * c2 + x; c3 = y * c3 + x;                        \
            c4 = y * c4 + x; c5 = y * c5 + x; c6 = y * c6 + x; c7 = y * c7 + x;                        \
            c8 = y * c8 + x; c9 = y * c9 + x; c10 = y * c10 + x; c11 = y * c11 + x;                    \
        }                                                                                              \
        T s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;                             \
        static volatile S sink;                                                                        \
        sink = s[0];                                                                                   \
        return NULL;                                                                                   \
    }
CHAINS(vf, float)
CHAINS(vd, double)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double measure(int fp64, int threads) {
    pthread_t tid[256];
    pthread_barrier_init(&barrier, NULL, threads + 1);
    for (long t = 0; t < threads; t++) pthread_create(&tid[t], NULL, fp64 ? run_vd : run_vf, (void *)t);
    pthread_barrier_wait(&barrier);
    double start = now();
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    double elapsed = now() - start;
    pthread_barrier_destroy(&barrier);
    double lanes = VBYTES / (fp64 ? 8.0 : 4.0);
    return (double)iterations * 12 * lanes * 2 * threads / elapsed;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: fma_peak fp32|fp64 THREADS SECONDS\n");
        return 2;
    }
    int fp64 = strcmp(argv[1], "fp64") == 0;
    int threads = atoi(argv[2]);
    double seconds = atof(argv[3]);
    if (threads < 1 || threads > 256 || !(seconds > 0)) return 2;
    iterations = 1 << 14;
    double rate = 0;
    for (;;) {  // calibrate like bench's probe, then best of 3 runs
        double t0 = now();
        rate = measure(fp64, threads);
        if (now() - t0 >= seconds / 3 || iterations > (1L << 40)) break;
        iterations *= 2;
    }
    for (int r = 0; r < 2; r++) {
        double x = measure(fp64, threads);
        if (x > rate) rate = x;
    }
    printf("%.1f\n", rate / 1e9);
    return 0;
}
