#include "CBenchSupport.h"

#include <stdio.h>

// Swift 6 cannot read the C global `stdout` outside an actor; this reads its error flag.
int bench_stdout_error(void) { return ferror(stdout); }
