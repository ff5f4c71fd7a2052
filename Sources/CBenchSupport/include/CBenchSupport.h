#ifndef CBENCHSUPPORT_H
#define CBENCHSUPPORT_H

/// The kernel variant (a rung of the ISA ladder, `bench_isa_ladder.def`) this build was
/// compiled for: "avx512", "avx2", "portable" (x86-64 baseline) or "neon".
///
/// scripts/build passes the same target-CPU flags to Swift and C, so this names the ISA the
/// Swift kernels were compiled for as well.
const char *bench_compiled_isa(void);

/// The number of rungs of the ISA ladder, widest first.
int bench_isa_count(void);
/// Rung `i`'s name, architecture (`x86_64`, `aarch64`) and required cpuinfo flags
/// (space-separated); NULL past the end.
const char *bench_isa_name(int i);
const char *bench_isa_arch(int i);
const char *bench_isa_flags(int i);

/// The widest rung of this architecture whose flags all appear in `cpu_flags` (a
/// space-separated cpuinfo `flags` line). Compiled for the baseline ISA.
const char *bench_cpu_isa(const char *cpu_flags);

/// Whether a CPU with `cpu_flags` can run this build (compiled for the baseline ISA, so it is
/// safe to call on any CPU of the architecture).
int bench_can_run_build(const char *cpu_flags);

/// Asks the CPU to fetch the cache line holding `p` for writing (a hint: no fault, no effect
/// on results). The GEMM micro-kernel uses it on its C tile, whose rows lie a whole matrix row
/// apart, so the hardware prefetchers do not see them coming.
static inline void bench_prefetch_write(const void *p) { __builtin_prefetch(p, 1, 3); }

/// Asks the CPU to fetch the cache line holding `p` for reading into L1 (a hint).
static inline void bench_prefetch_read(const void *p) { __builtin_prefetch(p, 0, 3); }

/// A spin-wait hint to the CPU (x86 `pause`, ARM `yield`), for busy-waiting workers.
static inline void bench_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// How many valgrinds this process runs under (0: none). The rest are callgrind's client
/// requests (valgrind's callgrind.h), which bench run --measure counts uses to count only the
/// measured calls; each is a no-op outside valgrind.
unsigned bench_valgrind_depth(void);
/// Instruments from here on (the process starts uninstrumented: --instr-atstart=no); the
/// simulated caches start empty.
void bench_callgrind_start_instrumentation(void);
/// Stops instrumenting (what follows runs at valgrind's uninstrumented speed).
void bench_callgrind_stop_instrumentation(void);
/// Zeroes the counts collected so far.
void bench_callgrind_zero_stats(void);
/// Switches the collection of counts on or off (it starts off: --collect-atstart=no).
void bench_callgrind_toggle_collect(void);
/// Writes the counts collected so far to the next numbered dump file, with `label` in its
/// `desc: Trigger:` line, and zeroes them. The file is complete when this returns.
void bench_callgrind_dump_stats_at(const char *label);
/// Turns address-space randomisation off for the programs this process executes from now on
/// (personality ADDR_NO_RANDOMIZE, what `setarch -R` does), so counted runs place their
/// buffers alike and the simulated caches see the same addresses. 0 on success, -1 on failure.
int bench_disable_aslr(void);

#include <stdint.h>
#include <sys/types.h>

/// Starts a plugin: `path` with `argv` and `envp`, stdin from `in_fd`, stdout to `out_fd`,
/// stderr appended to `log_path` (opened without following a link), `close_fds` closed, in
/// its own process group, killed (SIGKILL) by the kernel when bench dies. Forked by one
/// long-lived thread, since the parent-death signal follows the forking thread. Returns the
/// pid, or -1 with `*error` set (an exec failure included).
pid_t bench_spawn_plugin(const char *path, char *const argv[], char *const envp[], int in_fd, int out_fd,
                         const char *log_path, const int *close_fds, int nclose, int *error);

/// Makes bench the reaper of its descendants' orphans (PR_SET_CHILD_SUBREAPER): a plugin's
/// child that detaches (setsid, double fork) stays bench's to kill. 0 on success, -1 on failure.
int bench_become_subreaper(void);

/// Whether standard output's stdio stream has its error flag set (a write to it failed).
int bench_stdout_error(void);

/// AdamW on `n` values of one tensor (`docs/training-kernels.md`): `m ← β₁m + (1−β₁)g`,
/// `v ← β₂v + (1−β₂)g²`, `w ← w − (step·m/(√(v·inv_c2) + ε) + decay·w)`, operation by operation
/// as the scalar Swift code did (no contraction into FMAs), 16 values at a time. In C because
/// Swift's vector `squareRoot()` is a `sqrtf` call per lane.
void bench_adamw_f32(float *w, const float *g, float *m, float *v, int64_t n, float b1, float b2, float one_minus_b1,
                     float one_minus_b2, float step, float inv_c2, float eps, float decay);
/// The same in fp64, 8 values at a time.
void bench_adamw_f64(double *w, const double *g, double *m, double *v, int64_t n, double b1, double b2,
                     double one_minus_b1, double one_minus_b2, double step, double inv_c2, double eps, double decay);

#endif
