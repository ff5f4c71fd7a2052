#include "CBenchSupport.h"

#include "valgrind/callgrind.h"

// Client requests are a few no-op instructions when the process does not run under valgrind.

unsigned bench_valgrind_depth(void) { return (unsigned)RUNNING_ON_VALGRIND; }

void bench_callgrind_start_instrumentation(void) { CALLGRIND_START_INSTRUMENTATION; }

void bench_callgrind_stop_instrumentation(void) { CALLGRIND_STOP_INSTRUMENTATION; }

void bench_callgrind_zero_stats(void) { CALLGRIND_ZERO_STATS; }

void bench_callgrind_toggle_collect(void) { CALLGRIND_TOGGLE_COLLECT; }

void bench_callgrind_dump_stats_at(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }

#include <sys/personality.h>

int bench_disable_aslr(void) {
    int current = personality(0xffffffff);
    if (current == -1) return -1;
    return personality((unsigned long)current | ADDR_NO_RANDOMIZE) == -1 ? -1 : 0;
}
