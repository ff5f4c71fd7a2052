# Sourced by scripts/build and scripts/test: detects the host's vector ISA and
# sets BENCH_ISA and the SwiftPM flag array BENCH_FLAGS (compiler flags reach
# every module, Swift and C alike, so Package.swift stays free of unsafe flags).
# Override with BENCH_ISA=avx512|avx2|portable in the environment.

bench_detect_isa() {
    local flags arch
    arch=$(uname -m)
    flags=$(grep -m1 -E '^(flags|Features)[[:space:]]*:' /proc/cpuinfo 2>/dev/null || true)
    if [ "$arch" = "x86_64" ]; then
        if grep -qw avx512f <<<"$flags" && grep -qw avx512bw <<<"$flags" && grep -qw avx512vl <<<"$flags"; then
            echo avx512
        elif grep -qw avx2 <<<"$flags" && grep -qw fma <<<"$flags"; then
            echo avx2
        else
            echo portable
        fi
    elif [ "$arch" = "aarch64" ]; then
        echo neon
    else
        echo portable
    fi
}

# Sets BENCH_FLAGS for the ISA named in $1.
bench_flags_for() {
    case "$1" in
        avx512) BENCH_FLAGS=(-Xswiftc -target-cpu -Xswiftc skylake-avx512 -Xcc -march=skylake-avx512 -Xswiftc -DBENCH_FMA) ;;
        avx2) BENCH_FLAGS=(-Xswiftc -target-cpu -Xswiftc haswell -Xcc -march=haswell -Xswiftc -DBENCH_FMA) ;;
        # FMA is part of the AArch64 base ISA.
        neon) BENCH_FLAGS=(-Xswiftc -DBENCH_FMA) ;;
        portable) BENCH_FLAGS=() ;;
        *) echo "scripts: unknown BENCH_ISA '$1' (avx512, avx2, neon, portable)" >&2; exit 2 ;;
    esac
}

# The variants this CPU can run, widest first (what scripts/test checks besides the native one).
bench_runnable_isas() {
    case "$(bench_detect_isa)" in
        avx512) echo "avx512 avx2 portable" ;;
        avx2) echo "avx2 portable" ;;
        neon) echo "neon portable" ;;
        *) echo "portable" ;;
    esac
}

BENCH_ISA=${BENCH_ISA:-$(bench_detect_isa)}
bench_flags_for "$BENCH_ISA"

# Installs the system packages the build needs when they are missing.
bench_install_deps() {
    local missing=()
    [ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/aarch64-linux-gnu/cblas.h ] \
        || [ -f /usr/include/cblas.h ] || missing+=(libopenblas-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "scripts: installing ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
    fi
}
