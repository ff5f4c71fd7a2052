#!/bin/sh
# `bench` in the container: the build for the best ISA this CPU runs (deploy/Dockerfile).
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { for f in "$@"; do case " $flags " in *" $f "*) ;; *) return 1 ;; esac; done; }
for isa in avx512 avx2 portable neon; do
    [ -x "/opt/bench/$isa/bench" ] || continue
    case $isa in
    avx512) has avx512f avx512bw avx512vl avx512dq avx2 fma || continue ;;
    avx2) has avx2 fma || continue ;;
    esac
    exec "/opt/bench/$isa/bench" "$@"
done
echo "bench: no build in /opt/bench runs on this CPU" >&2
exit 2
