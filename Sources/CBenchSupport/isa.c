#include "CBenchSupport.h"

const char *bench_compiled_isa(void) {
#if defined(__AVX512F__)
    return "avx512";
#elif defined(__AVX2__) && defined(__FMA__)
    return "avx2";
#elif defined(__AVX__)
    return "avx";
#elif defined(__ARM_FEATURE_SVE)
    return "sve";
#elif defined(__ARM_NEON)
    return "neon";
#elif defined(__SSE2__)
    return "sse2";
#else
    return "generic";
#endif
}
