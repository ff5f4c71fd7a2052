// The peer for "cpu-blas adds no overhead": a plain C loop over cblas_sgemm.
// Usage: sgemm_loop N THREADS SECONDS -> prints the median GFLOP/s of ≥ 10 timed calls.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: sgemm_loop N THREADS SECONDS\n"); return 2; }
    int n = atoi(argv[1]), threads = atoi(argv[2]);
    double seconds = atof(argv[3]);
    openblas_set_num_threads(threads);
    float *a = aligned_alloc(64, sizeof(float) * n * n), *b = aligned_alloc(64, sizeof(float) * n * n),
          *c = aligned_alloc(64, sizeof(float) * n * n);
    for (long i = 0; i < (long)n * n; i++) { a[i] = (float)(i % 97) / 97 - 0.5f; b[i] = (float)(i % 89) / 89 - 0.5f; }
    for (int w = 0; w < 3; w++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    double times[100000];
    int count = 0;
    double start = now();
    while ((count < 10 || now() - start < seconds) && count < 100000) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        times[count++] = now() - t0;
    }
    qsort(times, count, sizeof(double), cmp);
    double median = count % 2 ? times[count / 2] : (times[count / 2 - 1] + times[count / 2]) / 2;
    printf("%.3f\n", 2.0 * n * n * n / median / 1e9);
    return 0;
}
