#ifndef CBENCHSUPPORT_H
#define CBENCHSUPPORT_H

/// The widest vector instruction set the C compiler was told it may use for
/// this build ("avx512", "avx2", "avx", "sse2", "neon", "sve" or "generic").
///
/// scripts/build passes the same target-CPU flags to Swift and C, so this
/// names the ISA the Swift kernels were compiled for as well.
const char *bench_compiled_isa(void);

#endif
