#ifndef CBENCHSUPPORT_H
#define CBENCHSUPPORT_H

/// The widest vector instruction set the C compiler was told it may use for
/// this build ("avx512", "avx2", "avx", "sse2", "neon", "sve" or "generic").
///
/// scripts/build passes the same target-CPU flags to Swift and C, so this
/// names the ISA the Swift kernels were compiled for as well.
const char *bench_compiled_isa(void);


/// A spin-wait hint to the CPU (x86 `pause`, ARM `yield`), for busy-waiting workers.
static inline void bench_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
