"""The probes of scripts/hostile-probe: flag values, output and input paths, streams, signals and
plugins (the hostile file contents are in hostile_file_probes.py).

Each probe is a command line (`@` stands for the probe's own directory, which holds fresh copies
of a modeled run's a.csv, b.csv (training) and c.csv, a measured run's m.csv, each with its
sidecar, and the compare fixtures), what it expects, and what to set up or send.
"""
import os
import shutil
import signal

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests/BenchCLITests/Fixtures")


class Probe:
    def __init__(self, family, name, argv, expect="any", setup=None, stdout=None, stderr=None, sig=None,
                 stdout_is_output=False, timeout=60, replaceable=()):
        # expect: "refuse" (exit 2), "ok" (exit 0), "fail" (exit 0 or 1), "any" (0, 1 or 2),
        # "interrupt" (130 with the rows saved).
        self.family, self.name, self.argv, self.expect = family, name, argv, expect
        self.setup, self.stdout, self.stderr, self.sig = setup, stdout, stderr, sig
        self.stdout_is_output, self.timeout = stdout_is_output, timeout
        # Files the command does not read, which its --out may replace as asked.
        self.replaceable = set(replaceable)


HOSTILE_NUMBERS = ["", "-1", "0", "nan", "inf", "-inf", "1e308", "5e-324", "1e-320", "abc", "1e400",
                   "99999999999999999999999", "0x10", "1,5", "%", " 7"]

def numeric_probes():
    quick = ["run", "--quick", "--backend", "h100", "--out", "@/o.csv"]
    flags = [
        (quick, "--threads"), (quick, "--budget"), (quick, "--min-samples"), (quick, "--rounds"),
        (quick, "--case-timeout"), (quick, "--host-price"),
        (quick + ["--baseline", "@/a.csv"], "--threshold"),
        (["run", "--quick", "--backend", "h100", "--measure", "counts", "--out", "@/o.csv"], "--jobs"),
        (["compare", "@/baseline.csv", "@/regressed.csv"], "--threshold"),
        (["compare", "@/baseline.csv", "@/regressed.csv"], "--alpha"),
        (["project", "--model", "gpt2-124m", "--instances", "p5.48xlarge"], "--tokens"),
        (["project", "--model", "gpt2-124m", "--instances", "p5.48xlarge"], "--seq"),
        (["project", "--model", "gpt2-124m", "--instances", "p5.48xlarge"], "--global-batch"),
        (["project", "--model", "gpt2-124m", "--instances", "p5.48xlarge"], "--max-days"),
    ]
    out = []
    for base, flag in flags:
        for v in HOSTILE_NUMBERS:
            out.append(Probe("flags and values", f"{base[0]} {flag}={v!r}", base + [flag, v]))
    for v in HOSTILE_NUMBERS:
        out.append(Probe("flags and values", f"run --price p5.48xlarge={v!r}",
                         ["run", "--quick", "--backend", "h100", "--out", "@/o.csv", "--price", f"p5.48xlarge={v}"]))
        out.append(Probe("flags and values", f"run --assume memory_efficiency={v!r}",
                         ["run", "--quick", "--backend", "h100", "--out", "@/o.csv", "--assume",
                          f"memory_efficiency={v}"]))
        out.append(Probe("flags and values", f"run --shard {v!r}",
                         ["run", "--quick", "--backend", "h100", "--out", "@/o.csv", "--shard", v]))
    for words in [["--suite", "nosuch"], ["--backend", "nosuch"], ["--dtype", "fp128"], ["--preset", "x"],
                  ["--measure", "x"], ["--format", "x"], ["--pricing", "x"], ["--host-instance", "x"],
                  ["--add-case", "gemm/fp32/M=0,N=1,K=1"], ["--add-case", "gemm/fp32/M=99999999,N=9,K=9"],
                  ["--add-case", "llama_block_step/fp32/B=1,S=8,D=64,heads=3,kv_heads=1,ffn=64,opt=adamw"],
                  ["--add-case", "llama_block_step/fp32/B=1,S=8,D=64,heads=4,kv_heads=3,ffn=64,opt=adamw"],
                  ["--add-case", "x"], ["--blas-coretype", "nosuch"], ["--unknown-flag"]]:
        out.append(Probe("flags and values", "run " + " ".join(words),
                         ["run", "--quick", "--backend", "h100", "--out", "@/o.csv"] + words, expect="refuse"))
    return out


def path_probes():
    def fifo(d):
        os.mkfifo(os.path.join(d, "fifo"))

    def link(d):
        os.symlink(os.path.join(d, "a.csv"), os.path.join(d, "l.csv"))
        os.symlink(os.path.join(d, "a.json"), os.path.join(d, "l.json"))

    def hard(d):
        os.link(os.path.join(d, "a.json"), os.path.join(d, "h.json"))

    def lockplant(d):
        victim = os.path.join(d, "victim.txt")
        with open(victim, "w") as f:
            f.write("keep me\n")
        os.symlink(victim, os.path.join(d, ".o.csv.lock"))

    targets = [
        ("/dev/full", None, "refuse"), ("/dev/null", None, "refuse"), ("@", None, "refuse"),
        ("@/missing/dir/o.csv", None, "any"), ("@/a.csv", None, "refuse"), ("@/a.json", None, "refuse"),
        ("@/l.csv", link, "refuse"), ("@/l.json", link, "refuse"), ("@/h.json", hard, "refuse"),
        ("@/fifo", fifo, "refuse"), ("@/o\nx.csv", None, "any"), ("@/" + "x" * 300 + ".csv", None, "refuse"),
        ("@/o.csv", lockplant, "any"),
    ]
    commands = [
        ["run", "--quick", "--backend", "h100", "--out"],
        ["compare", "@/a.csv", "@/b.csv", "--format", "json", "--out"],
        ["merge", "@/a.csv", "@/b.csv", "--out"],
        ["report", "@/a.csv", "--out"],
        ["report", "@/a.csv", "--format", "markdown", "--out"],
        ["project", "--model", "gpt2-124m", "--instances", "p5.48xlarge", "--out"],
        ["run", "--quick", "--backend", "h100", "--baseline", "@/a.csv", "--out"],
    ]
    out = []
    for c in commands:
        for target, setup, expect in targets:
            replaceable = ()
            if c[0] in ("run", "project") and "--baseline" not in c and target.startswith(("@/a.", "@/h.", "@/l.")):
                # Nothing this command reads: --out may replace an earlier file, as asked.
                expect, replaceable = "any", ("a.csv", "a.json", "h.json")
            out.append(Probe("output paths", f"{' '.join(w for w in c if not w.startswith('@'))} {target!r}",
                             c + [target], expect=expect, setup=setup, replaceable=replaceable))
    out.append(Probe("output paths", "merge A --out A", ["merge", "@/a.csv", "--out", "@/a.csv"], expect="refuse"))
    out.append(Probe("output paths", "merge X X", ["merge", "@/a.csv", "@/a.csv", "--out", "@/o.csv"],
                     expect="refuse"))
    out.append(Probe("output paths", "merge X X --prefer rounds",
                     ["merge", "@/m.csv", "@/m.csv", "--prefer", "rounds", "--out", "@/o.csv"], expect="refuse"))
    return out


def input_probes():
    def write(name, data):
        def f(d):
            with open(os.path.join(d, name), "wb") as fh:
                fh.write(data)
        return f

    def special(name, kind):
        def f(d):
            p = os.path.join(d, name)
            if kind == "fifo":
                os.mkfifo(p)
            elif kind == "dir":
                os.mkdir(p)
            elif kind == "zero":
                os.symlink("/dev/zero", p)
            elif kind == "sidecar-zero":
                shutil.copy(os.path.join(d, "a.csv"), p)
                os.symlink("/dev/zero", p[:-4] + ".json")
            elif kind == "no-sidecar":
                shutil.copy(os.path.join(d, "a.csv"), p)
            elif kind == "bad-sidecar":
                shutil.copy(os.path.join(d, "a.csv"), p)
                with open(p[:-4] + ".json", "w") as fh:
                    fh.write("{not json")
        return f

    with open(os.path.join(FIXTURES, "compare/baseline.csv"), "rb") as f:
        header = f.read().split(b"\n")[0] + b"\n"
    inputs = [
        ("/dev/zero", None), ("@/fifo.csv", special("fifo.csv", "fifo")), ("@/dir.csv", special("dir.csv", "dir")),
        ("@/missing.csv", None), ("@/empty.csv", write("empty.csv", b"")), ("@/zero.csv", special("zero.csv", "zero")),
        ("@/s.csv", special("s.csv", "sidecar-zero")), ("@/n.csv", special("n.csv", "no-sidecar")),
        ("@/j.csv", special("j.csv", "bad-sidecar")), ("@/g.csv", write("g.csv", os.urandom(4096))),
        ("@/h.csv", write("h.csv", header)), ("@/u.csv", write("u.csv", b"\xff\xfe" + header)),
    ]
    commands = [
        lambda x: ["compare", "@/a.csv", x], lambda x: ["merge", "@/a.csv", x, "--out", "@/o.csv"],
        lambda x: ["report", x, "--out", "@/r.html"], lambda x: ["summarize", x],
        lambda x: ["run", "--quick", "--backend", "h100", "--baseline", x, "--out", "@/o.csv"],
        lambda x: ["project", "--model", "gpt2-124m", "--instances", "p5.48xlarge", "--from", x],
    ]
    out = []
    for c in commands:
        for x, setup in inputs:
            argv = c(x)
            # A CSV without its sidecar is read (compare says what that costs); a file with a
            # header and no rows adds nothing to a merge or a summary.
            expect = "any" if x == "@/n.csv" or (x == "@/h.csv" and argv[0] in ("merge", "summarize")) else "refuse"
            out.append(Probe("input files", f"{argv[0]} {x}", argv, expect=expect, setup=setup, timeout=30))
    return out


def stream_probes():
    out = []
    commands = [
        ("compare", ["compare", "@/baseline.csv", "@/regressed.csv"]),
        ("compare json", ["compare", "@/baseline.csv", "@/regressed.csv", "--format", "json"]),
        ("report markdown", ["report", "@/a.csv", "--format", "markdown"]),
        ("summarize", ["summarize", "@/a.csv"]),
        ("project", ["project", "--model", "gpt2-124m", "--instances", "p5.48xlarge"]),
        ("catalog", ["catalog"]),
        ("validate-model", ["validate-model", "--no-cross-validation"]),
    ]
    for name, argv in commands:
        out.append(Probe("streams", f"{name} > /dev/full", argv, stdout="unwritable"))
    errors = [
        ("run, a bad flag", ["run", "--threads", "-1"]),
        ("compare, a missing file", ["compare", "@/nosuch.csv", "@/a.csv"]),
        ("run, a good run", ["run", "--quick", "--backend", "h100", "--out", "@/o.csv"]),
        ("merge", ["merge", "@/a.csv", "@/b.csv", "--out", "@/o.csv"]),
    ]
    for name, argv in errors:
        out.append(Probe("streams", f"{name} 2> /dev/full", argv, stderr="unwritable"))
    return out


def signal_probes():
    out = []
    measured = ["run", "--quick", "--backend", "cpu-swift", "--threads", "1", "--out", "@/o.csv"]
    for sig in [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]:
        for delay in [0.3, 1.5]:
            out.append(Probe("signals", f"{sig.name} at {delay} s into a measured run", measured, expect="any",
                             sig=(sig, delay)))
    return out


def plugin_probes():
    def script(name, body):
        def f(d):
            p = os.path.join(d, name)
            with open(p, "w") as fh:
                fh.write("#!/bin/sh\n" + body + "\n")
            os.chmod(p, 0o755)
        return f

    cases = [
        ("a missing plugin", "@/nosuch", None),
        ("a directory", "@", None),
        ("/bin/false", "/bin/false", None),
        ("/bin/cat (echoes)", "/bin/cat", None),
        ("endless output", "@/yes.sh", script("yes.sh", "exec yes '{\"x\":1}'")),
        ("silent forever", "@/sleep.sh", script("sleep.sh", "exec sleep 600")),
        ("not executable", "@/a.csv", None),
        ("a 20 MB line", "@/big.sh", script("big.sh", "head -c 20000000 /dev/zero | tr '\\0' a; echo")),
    ]
    out = []
    for name, path, setup in cases:
        out.append(Probe("plugins", name, ["run", "--quick", "--backend", f"h100,plugin:{path}", "--case-timeout",
                                           "3", "--out", "@/o.csv"], setup=setup, timeout=90))
    return out
