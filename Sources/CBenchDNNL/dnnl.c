#include "CBenchDNNL.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#define BENCH_HAVE_DNNL_HEADERS 1
#else
#define BENCH_HAVE_DNNL_HEADERS 0
#endif

static char version_text[32];

#if BENCH_HAVE_DNNL_HEADERS

// Every oneDNN function bench calls, resolved from the library at load time.
#define BENCH_DNNL_FUNCTIONS(X)                                                                                       \
    X(dnnl_version) X(dnnl_sgemm) X(dnnl_engine_create) X(dnnl_engine_destroy) X(dnnl_stream_create)              \
    X(dnnl_stream_destroy) X(dnnl_stream_wait) X(dnnl_matmul_desc_init)                                      \
    X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_query) X(dnnl_primitive_desc_destroy)                      \
    X(dnnl_primitive_create) X(dnnl_primitive_destroy) X(dnnl_primitive_execute) X(dnnl_memory_create)            \
    X(dnnl_memory_destroy) X(dnnl_memory_desc_init_by_strides) X(dnnl_memory_set_data_handle)                      \
    X(dnnl_primitive_attr_create) X(dnnl_primitive_attr_destroy) X(dnnl_primitive_attr_set_output_scales)         \
    X(dnnl_primitive_attr_set_post_ops) X(dnnl_post_ops_create) X(dnnl_post_ops_destroy) X(dnnl_post_ops_append_sum)

#define BENCH_DECLARE(name) static __typeof__(name) *p_##name;
BENCH_DNNL_FUNCTIONS(BENCH_DECLARE)
static void (*p_omp_set_num_threads)(int);
static int loaded;

int bench_dnnl_load(char *why, size_t why_size) {
    if (loaded) return 0;
    // BENCH_DNNL_LIBRARY names another file (tests: a missing one).
    const char *name = getenv("BENCH_DNNL_LIBRARY");
    if (!name || !*name) name = "libdnnl.so.2";
    void *lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        snprintf(why, why_size, "oneDNN is not installed (%s); apt-get install libdnnl2", dlerror());
        return 1;
    }
#define BENCH_RESOLVE(name)                                                                                           \
    p_##name = (__typeof__(name) *)dlsym(lib, #name);                                                                 \
    if (!p_##name) {                                                                                                  \
        snprintf(why, why_size, "libdnnl.so.2 lacks %s; bench needs oneDNN 2.x (Debian 12's libdnnl2)", #name);      \
        return 1;                                                                                                     \
    }
    BENCH_DNNL_FUNCTIONS(BENCH_RESOLVE)
    p_omp_set_num_threads = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    const dnnl_version_t *v = p_dnnl_version();
    snprintf(version_text, sizeof version_text, "%d.%d.%d", v->major, v->minor, v->patch);
    loaded = 1;
    return 0;
}

void bench_dnnl_set_threads(int threads) {
    if (p_omp_set_num_threads) p_omp_set_num_threads(threads);
}

int bench_dnnl_sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                     int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    if (!loaded) return -1;
    return (int)p_dnnl_sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

struct bench_dnnl_matmul {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_t primitive;
    dnnl_memory_t a, b, c;
    char impl[128];
};

void bench_dnnl_matmul_destroy(bench_dnnl_matmul *mm) {
    if (!mm) return;
    if (mm->a) p_dnnl_memory_destroy(mm->a);
    if (mm->b) p_dnnl_memory_destroy(mm->b);
    if (mm->c) p_dnnl_memory_destroy(mm->c);
    if (mm->primitive) p_dnnl_primitive_destroy(mm->primitive);
    if (mm->stream) p_dnnl_stream_destroy(mm->stream);
    if (mm->engine) p_dnnl_engine_destroy(mm->engine);
    free(mm);
}

const char *bench_dnnl_matmul_impl(const bench_dnnl_matmul *mm) { return mm->impl; }

bench_dnnl_matmul *bench_dnnl_matmul_strided_create(int64_t m, int64_t n, int64_t k, int trans_a, int trans_b,
                                                    int64_t ldc, int bf16, float alpha, float beta, char *why,
                                                    size_t why_size) {
    if (!loaded) {
        snprintf(why, why_size, "oneDNN is not loaded");
        return NULL;
    }
    bench_dnnl_matmul *mm = calloc(1, sizeof *mm);
    if (!mm) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    dnnl_data_type_t input = bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_dims_t a_dims = {m, k}, b_dims = {k, n}, c_dims = {m, n};
    dnnl_dims_t a_strides = {trans_a ? 1 : k, trans_a ? m : 1};
    dnnl_dims_t b_strides = {trans_b ? 1 : n, trans_b ? k : 1};
    dnnl_dims_t c_strides = {ldc, 1};
    dnnl_memory_desc_t a_md, b_md, c_md;
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    dnnl_status_t s;
#define BENCH_CHECK(call, what)                                                                               \
    if ((s = (call)) != dnnl_success) {                                                                               \
        snprintf(why, why_size, "oneDNN %s failed (status %d)", what, (int)s);                                       \
        if (pd) p_dnnl_primitive_desc_destroy(pd);                                                                    \
        if (attr) p_dnnl_primitive_attr_destroy(attr);                                                                \
        if (ops) p_dnnl_post_ops_destroy(ops);                                                                        \
        bench_dnnl_matmul_destroy(mm);                                                                                \
        return NULL;                                                                                                  \
    }
    BENCH_CHECK(p_dnnl_engine_create(&mm->engine, dnnl_cpu, 0), "engine_create")
    BENCH_CHECK(p_dnnl_stream_create(&mm->stream, mm->engine, dnnl_stream_default_flags), "stream_create")
    BENCH_CHECK(p_dnnl_memory_desc_init_by_strides(&a_md, 2, a_dims, input, a_strides), "memory_desc (A)")
    BENCH_CHECK(p_dnnl_memory_desc_init_by_strides(&b_md, 2, b_dims, input, b_strides), "memory_desc (B)")
    BENCH_CHECK(p_dnnl_memory_desc_init_by_strides(&c_md, 2, c_dims, dnnl_f32, c_strides), "memory_desc (C)")
    BENCH_CHECK(p_dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md), "matmul_desc_init")
    BENCH_CHECK(p_dnnl_primitive_attr_create(&attr), "primitive_attr_create")
    if (alpha != 1.0f) BENCH_CHECK(p_dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha), "output scales")
    if (beta != 0.0f) {
        BENCH_CHECK(p_dnnl_post_ops_create(&ops), "post_ops_create")
        BENCH_CHECK(p_dnnl_post_ops_append_sum(ops, beta), "post_ops_append_sum")
        BENCH_CHECK(p_dnnl_primitive_attr_set_post_ops(attr, ops), "set_post_ops")
    }
    BENCH_CHECK(p_dnnl_primitive_desc_create(&pd, &desc, attr, mm->engine, NULL), "primitive_desc_create")
    const char *impl = NULL;
    if (p_dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
        snprintf(mm->impl, sizeof mm->impl, "%s", impl);
    BENCH_CHECK(p_dnnl_primitive_create(&mm->primitive, pd), "primitive_create")
    p_dnnl_primitive_desc_destroy(pd);
    pd = NULL;
    p_dnnl_primitive_attr_destroy(attr);
    attr = NULL;
    if (ops) p_dnnl_post_ops_destroy(ops);
    ops = NULL;
    BENCH_CHECK(p_dnnl_memory_create(&mm->a, &a_md, mm->engine, DNNL_MEMORY_NONE), "memory_create (A)")
    BENCH_CHECK(p_dnnl_memory_create(&mm->b, &b_md, mm->engine, DNNL_MEMORY_NONE), "memory_create (B)")
    BENCH_CHECK(p_dnnl_memory_create(&mm->c, &c_md, mm->engine, DNNL_MEMORY_NONE), "memory_create (C)")
    return mm;
}

int bench_dnnl_matmul_run_on(bench_dnnl_matmul *mm, const void *a, const void *b, float *c) {
    dnnl_status_t s;
    if ((s = p_dnnl_memory_set_data_handle(mm->a, (void *)a)) != dnnl_success) return (int)s;
    if ((s = p_dnnl_memory_set_data_handle(mm->b, (void *)b)) != dnnl_success) return (int)s;
    if ((s = p_dnnl_memory_set_data_handle(mm->c, c)) != dnnl_success) return (int)s;
    return bench_dnnl_matmul_run(mm);
}

bench_dnnl_matmul *bench_dnnl_matmul_create(int64_t m, int64_t n, int64_t k, int bf16, const void *a,
                                            const void *b, float *c, char *why, size_t why_size) {
    bench_dnnl_matmul *mm = bench_dnnl_matmul_strided_create(m, n, k, 0, 0, n, bf16, 1.0f, 0.0f, why, why_size);
    if (!mm) return NULL;
    dnnl_status_t s;
    if ((s = p_dnnl_memory_set_data_handle(mm->a, (void *)a)) != dnnl_success ||
        (s = p_dnnl_memory_set_data_handle(mm->b, (void *)b)) != dnnl_success ||
        (s = p_dnnl_memory_set_data_handle(mm->c, c)) != dnnl_success) {
        snprintf(why, why_size, "oneDNN memory_set_data_handle failed (status %d)", (int)s);
        bench_dnnl_matmul_destroy(mm);
        return NULL;
    }
    return mm;
}

int bench_dnnl_matmul_run(bench_dnnl_matmul *mm) {
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, mm->a}, {DNNL_ARG_WEIGHTS, mm->b}, {DNNL_ARG_DST, mm->c}};
    dnnl_status_t s = p_dnnl_primitive_execute(mm->primitive, mm->stream, 3, args);
    if (s != dnnl_success) return (int)s;
    return (int)p_dnnl_stream_wait(mm->stream);
}

#else  // built without oneDNN's headers (libdnnl-dev): the backend explains, nothing else.

int bench_dnnl_load(char *why, size_t why_size) {
    snprintf(why, why_size, "this bench was built without oneDNN's headers; apt-get install libdnnl-dev and rebuild");
    return 1;
}
void bench_dnnl_set_threads(int threads) { (void)threads; }
int bench_dnnl_sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                     int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    (void)transa, (void)transb, (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)lda, (void)b, (void)ldb;
    (void)beta, (void)c, (void)ldc;
    return -1;
}
bench_dnnl_matmul *bench_dnnl_matmul_create(int64_t m, int64_t n, int64_t k, int bf16, const void *a,
                                            const void *b, float *c, char *why, size_t why_size) {
    (void)m, (void)n, (void)k, (void)bf16, (void)a, (void)b, (void)c;
    snprintf(why, why_size, "built without oneDNN");
    return NULL;
}
const char *bench_dnnl_matmul_impl(const bench_dnnl_matmul *mm) { (void)mm; return ""; }
int bench_dnnl_matmul_run(bench_dnnl_matmul *mm) { (void)mm; return -1; }
void bench_dnnl_matmul_destroy(bench_dnnl_matmul *mm) { (void)mm; }
bench_dnnl_matmul *bench_dnnl_matmul_strided_create(int64_t m, int64_t n, int64_t k, int trans_a, int trans_b,
                                                    int64_t ldc, int bf16, float alpha, float beta, char *why,
                                                    size_t why_size) {
    (void)m, (void)n, (void)k, (void)trans_a, (void)trans_b, (void)ldc, (void)bf16, (void)alpha, (void)beta;
    snprintf(why, why_size, "built without oneDNN");
    return NULL;
}
int bench_dnnl_matmul_run_on(bench_dnnl_matmul *mm, const void *a, const void *b, float *c) {
    (void)mm, (void)a, (void)b, (void)c;
    return -1;
}

#endif

const char *bench_dnnl_version(void) { return version_text; }

void bench_round_bf16(const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst) {
    for (int64_t r = 0; r < rows; r++) {
        const float *in = src + r * ld;
        uint16_t *out = dst + r * cols;
        for (int64_t c = 0; c < cols; c++) {
            uint32_t u;
            memcpy(&u, in + c, 4);
            uint32_t nan = (u & 0x7fffffffu) > 0x7f800000u;
            uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
            out[c] = (uint16_t)(nan ? ((u >> 16) | 0x40u) : rounded);
        }
    }
}
