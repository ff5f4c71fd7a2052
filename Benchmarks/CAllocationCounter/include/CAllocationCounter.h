#ifndef CALLOCATIONCOUNTER_H
#define CALLOCATIONCOUNTER_H

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made
/// by any thread of this process while counting was enabled.
long bench_allocations(void);
/// Starts (1) or stops (0) counting; starting resets the count.
void bench_count_allocations(int enabled);

#endif
