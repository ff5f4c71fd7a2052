#include "CBenchSupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Everything here must run on any CPU of the architecture, before any code compiled with the
// build's wide ISA flags: these functions are compiled for the baseline (x86-64: SSE2).
#if defined(__x86_64__)
#define BASELINE __attribute__((target("arch=x86-64"), noinline))
#else
#define BASELINE __attribute__((noinline))
#endif

typedef struct {
    const char *name, *arch, *flags;
} rung;

static const rung ladder[] = {
#define BENCH_ISA(name, arch, flags) {#name, #arch, flags},
#include "bench_isa_ladder.def"
#undef BENCH_ISA
};

static const int rungs = sizeof(ladder) / sizeof(ladder[0]);

#if defined(__x86_64__)
static const char *this_arch = "x86_64";
#elif defined(__aarch64__)
static const char *this_arch = "aarch64";
#else
static const char *this_arch = "other";
#endif

const char *bench_compiled_isa(void) {
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
    return "avx512";
#elif defined(__AVX2__) && defined(__FMA__)
    return "avx2";
#elif defined(__x86_64__)
    return "portable";
#elif defined(__aarch64__)
    return "neon";
#else
    return "portable";
#endif
}

int bench_isa_count(void) { return rungs; }
const char *bench_isa_name(int i) { return i >= 0 && i < rungs ? ladder[i].name : NULL; }
const char *bench_isa_arch(int i) { return i >= 0 && i < rungs ? ladder[i].arch : NULL; }
const char *bench_isa_flags(int i) { return i >= 0 && i < rungs ? ladder[i].flags : NULL; }

/// Whether the space-separated word list `list` contains `word` (a whole word).
BASELINE static int has_word(const char *list, const char *word, size_t len) {
    const char *p = list;
    while ((p = strstr(p, word)) != NULL) {
        int starts = p == list || p[-1] == ' ' || p[-1] == '\t';
        int ends = p[len] == '\0' || p[len] == ' ' || p[len] == '\t' || p[len] == '\n';
        if (starts && ends) return 1;
        p += len;
    }
    return 0;
}

BASELINE static int has_all(const char *cpu_flags, const char *required) {
    const char *p = required;
    while (*p) {
        while (*p == ' ') p++;
        const char *end = p;
        while (*end && *end != ' ') end++;
        if (end > p) {
            char word[64];
            size_t len = (size_t)(end - p);
            if (len >= sizeof(word)) return 0;
            memcpy(word, p, len);
            word[len] = '\0';
            if (!has_word(cpu_flags, word, len)) return 0;
        }
        p = end;
    }
    return 1;
}

BASELINE const char *bench_cpu_isa(const char *cpu_flags) {
    for (int i = 0; i < rungs; i++) {
        if (strcmp(ladder[i].arch, this_arch) == 0 && has_all(cpu_flags, ladder[i].flags)) return ladder[i].name;
    }
    return "portable";
}

BASELINE int bench_can_run_build(const char *cpu_flags) {
    const char *compiled = bench_compiled_isa();
    const char *cpu = bench_cpu_isa(cpu_flags);
    int ci = -1, hi = -1;
    for (int i = 0; i < rungs; i++) {
        if (strcmp(ladder[i].name, compiled) == 0) ci = i;
        if (strcmp(ladder[i].name, cpu) == 0) hi = i;
    }
    // Widest first: the CPU's rung must be at or above the build's.
    return ci >= 0 && hi >= 0 && hi <= ci;
}

/// The cpuinfo flags line of the first CPU (or BENCH_CPU_FLAGS, a test hook), into `buf`.
BASELINE static void read_cpu_flags(char *buf, size_t size) {
    buf[0] = '\0';
    const char *fake = getenv("BENCH_CPU_FLAGS");
    if (fake) {
        strncpy(buf, fake, size - 1);
        buf[size - 1] = '\0';
        return;
    }
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[8192];
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5) == 0 || strncmp(line, "Features", 8) == 0) {
            const char *colon = strchr(line, ':');
            if (colon) {
                strncpy(buf, colon + 1, size - 1);
                buf[size - 1] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

/// Runs before main (and before any Swift code, which is compiled with the wide flags): a
/// binary built for a wider ISA than this CPU has stops here with one line and exit status 2,
/// instead of dying of an illegal instruction. Skipped when /proc/cpuinfo has no flags line.
BASELINE __attribute__((constructor)) static void bench_check_isa_at_start(void) {
    static char flags[8192];
    read_cpu_flags(flags, sizeof(flags));
    if (flags[0] == '\0' || bench_can_run_build(flags)) return;
    char message[256];
    int n = snprintf(message, sizeof(message),
                     "bench: error: this binary was built for %s but this CPU only has %s; rebuild it here with scripts/build\n",
                     bench_compiled_isa(), bench_cpu_isa(flags));
    if (n > 0) write(2, message, (size_t)n < sizeof(message) ? (size_t)n : sizeof(message) - 1);
    _exit(2);
}
