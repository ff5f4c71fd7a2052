# Sourced by scripts/build and scripts/test: detects the host's vector ISA and
# sets BENCH_ISA and the SwiftPM flag array BENCH_FLAGS (compiler flags reach
# every module, Swift and C alike, so Package.swift stays free of unsafe flags).
# Override with BENCH_ISA=avx512|avx2|portable|neon in the environment. The variants and the
# CPU flags each needs come from the ISA ladder, Sources/CBenchSupport/include/bench_isa_ladder.def.

bench_ladder=$(dirname "${BASH_SOURCE[0]}")/../../Sources/CBenchSupport/include/bench_isa_ladder.def

# The rungs of the ISA ladder (the one definition, shared with the binary's HostProbe) as
# lines "NAME ARCH FLAGS...", widest first.
bench_ladder_rungs() {
    sed -n 's/^BENCH_ISA(\([a-z0-9_]*\), *\([a-z0-9_]*\), *"\(.*\)")$/\1 \2 \3/p' "$bench_ladder"
}

# The cpuinfo flags of this machine (BENCH_CPU_FLAGS overrides, as for the binary).
bench_cpu_flags() {
    if [ -n "${BENCH_CPU_FLAGS:-}" ]; then echo " $BENCH_CPU_FLAGS "; return; fi
    echo " $(grep -m1 -E '^(flags|Features)[[:space:]]*:' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
}

# The variants this CPU can run, widest first (what scripts/test checks besides the native one).
bench_runnable_isas() {
    local arch flags out=() name rarch required ok f
    arch=$(uname -m)
    flags=$(bench_cpu_flags)
    while read -r name rarch required; do
        [ "$rarch" = "$arch" ] || continue
        ok=1
        for f in $required; do [[ "$flags" == *" $f "* ]] || { ok=0; break; }; done
        [ "$ok" = 1 ] && out+=("$name")
    done < <(bench_ladder_rungs)
    [ ${#out[@]} -gt 0 ] || out=(portable)
    echo "${out[*]}"
}

# The widest variant this CPU can run.
bench_detect_isa() {
    local all
    all=$(bench_runnable_isas)
    echo "${all%% *}"
}

# Whether $1 names a rung of the ladder.
bench_known_isa() {
    bench_ladder_rungs | awk '{print $1}' | grep -qx "$1"
}

# Whether this CPU can run variant $1.
bench_can_run_isa() {
    [[ " $(bench_runnable_isas) " == *" $1 "* ]]
}

# Sets BENCH_FLAGS for the ISA named in $1.
bench_flags_for() {
    case "$1" in
        # skylake-avx512 prefers 256-bit vectors, and LLVM then may split Swift's SIMD16<Float>
        # arithmetic (VectorMath.exp, tanh) into 128-bit pieces; asking for 512-bit vectors keeps
        # them whole (measured on a Zen 5, same run: attention +6%, RMSNorm +6%, LayerNorm +2%,
        # the training steps unchanged; docs/performance.md).
        avx512) BENCH_FLAGS=(-Xswiftc -target-cpu -Xswiftc skylake-avx512 -Xcc -march=skylake-avx512
            -Xcc -mprefer-vector-width=512 -Xswiftc -Xcc -Xswiftc -mprefer-vector-width=512
            -Xswiftc -DBENCH_FMA -Xswiftc -DBENCH_AVX512) ;;
        avx2) BENCH_FLAGS=(-Xswiftc -target-cpu -Xswiftc haswell -Xcc -march=haswell -Xswiftc -DBENCH_FMA -Xswiftc -DBENCH_AVX2) ;;
        # FMA is part of the AArch64 base ISA. Neoverse V1 (Graviton3) and V2 (Graviton4) get
        # their own tuning when /proc/cpuinfo names them (CPU part 0xd40 / 0xd4f).
        neon)
            BENCH_FLAGS=(-Xswiftc -DBENCH_FMA)
            case "$(grep -m1 'CPU part' /proc/cpuinfo 2>/dev/null | awk '{print $NF}')" in
                0xd40) BENCH_FLAGS+=(-Xswiftc -target-cpu -Xswiftc neoverse-v1 -Xcc -mcpu=neoverse-v1) ;;
                0xd4f) BENCH_FLAGS+=(-Xswiftc -target-cpu -Xswiftc neoverse-v2 -Xcc -mcpu=neoverse-v2) ;;
            esac
            ;;
        portable) BENCH_FLAGS=() ;;
        *) echo "scripts: unknown BENCH_ISA '$1' (avx512, avx2, neon, portable)" >&2; exit 2 ;;
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
    command -v patchelf >/dev/null 2>&1 || missing+=(patchelf)  # scripts/device-bundle
    if [ ${#missing[@]} -gt 0 ]; then
        echo "scripts: installing ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
    fi
    # oneDNN for the cpu-onednn backend: optional (bench builds without it, and its rows then
    # say how to install it), so a failed install only warns.
    if [ ! -f /usr/include/oneapi/dnnl/dnnl.h ]; then
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        echo "scripts: installing libdnnl-dev (oneDNN, for cpu-onednn)" >&2
        { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libdnnl-dev; } >&2 \
            || echo "scripts: warning: could not install libdnnl-dev; cpu-onednn rows will be unsupported" >&2
    fi
}
