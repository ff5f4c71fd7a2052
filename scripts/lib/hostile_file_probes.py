"""The probes of scripts/hostile-probe that hand bench hostile file contents: tampered and
damaged result files, YAML documents for every YAML reader, and regex patterns.
"""
import csv
import io
import json
import os
import random

from hostile_probes import FIXTURES, Probe


HOSTILE_YAML = {
    "flow 5000 deep": "[" * 5000 + "]" * 5000,
    "block list 5000 deep": "- " * 5000 + "x\n",
    "block map 5000 deep": "".join(" " * i + "a:\n" for i in range(5000)),
    "? keys 5000 deep": "? " * 5000 + "x\n",
    "billion laughs": "l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
        f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10)),
    "aliases in a list field": "a: &a [1,2,3]\npoints: [*a, *a, *a]\nschema_version: 1\n",
    "empty": "",
    "null": "null\n",
    "a 20 MB scalar": "x: " + "a" * (20 << 20) + "\n",
    "not UTF-8": "a: \xff\xfe\n",
    "tags": "!!binary aGVsbG8=\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "an undefined alias": "a: *nowhere\n",
    "a recursive merge": "a: &a {<<: *a}\n",
}


def sidecar_edit(edit, csv_edit=None, name="a"):
    def f(d):
        p = os.path.join(d, f"{name}.json")
        with open(p) as fh:
            doc = json.load(fh)
        edit(doc)
        with open(p, "w") as fh:
            json.dump(doc, fh)
        if csv_edit:
            c = os.path.join(d, f"{name}.csv")
            with open(c) as fh:
                text = fh.read()
            with open(c, "w") as fh:
                fh.write(csv_edit(text))
    return f


def csv_column_edit(column, value, row=0):
    def edit(text):
        rows = list(csv.reader(io.StringIO(text)))
        i = rows[0].index(column)
        rows[1 + row][i] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()
    return edit


def result_file_probes():
    def set_path(path, value):
        def edit(doc):
            node = doc
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = value
        return edit

    edits = [
        ("sidecar schema_version 99", sidecar_edit(set_path(["schema_version"], 99)), "refuse"),
        ("fleet.shard_count 2^62", sidecar_edit(set_path(["fleet"], {"run_id": "f", "shard_index": 0,
                                                                      "shard_count": 2 ** 62})), "refuse"),
        ("a sidecar integer 2^64", sidecar_edit(set_path(["schema_version"], 2 ** 64)), "refuse"),
        ("status error with a speed", sidecar_edit(lambda d: None, csv_column_edit("status", "error")), "refuse"),
        ("an unknown throughput_unit", sidecar_edit(lambda d: None, csv_column_edit("throughput_unit", "bogons/s")),
         "refuse"),
        ("a kernel that is not its case id's", sidecar_edit(lambda d: None, csv_column_edit("kernel", "softmax")),
         "refuse"),
        ("a formula in notes", sidecar_edit(lambda d: None, csv_column_edit("notes", "=cmd|'/c calc'!A1")), "any"),
        ("a time that is no time", sidecar_edit(lambda d: None, csv_column_edit("timestamp", "zzzz-not-a-time")),
         "refuse"),
        ("2026-13-45T99:99:99Z", sidecar_edit(lambda d: None, csv_column_edit("timestamp", "2026-13-45T99:99:99Z")),
         "refuse"),
        ("a denormal tflops", sidecar_edit(lambda d: None, csv_column_edit("tflops", "5e-324")), "any"),
        ("a measured row relabelled modeled", sidecar_edit(lambda d: None, csv_column_edit("status", "modeled"),
                                                          name="m"), "refuse"),
    ]
    out = []
    for label, setup, expect in edits:
        for name, argv in [("compare", ["compare", "@/a.csv", "@/b.csv"]), ("merge", ["merge", "@/a.csv", "@/b.csv",
                           "--prefer", "latest", "--out", "@/o.csv"]), ("report", ["report", "@/a.csv", "--out",
                           "@/r.html"]), ("summarize", ["summarize", "@/a.csv"])]:
            if "measured" in label:
                argv = [w.replace("a.csv", "m.csv") for w in argv]
            out.append(Probe("result files", f"{name}: {label}", argv, expect=expect, setup=setup,
                             stdout_is_output=True))
    return out


def yaml_probes():
    readers = [
        ("run --catalog", ["run", "--quick", "--backend", "h100", "--out", "@/o.csv", "--catalog", "@/y.yaml"]),
        ("report --catalog", ["report", "@/a.csv", "--out", "@/r.html", "--catalog", "@/y.yaml"]),
        ("catalog --catalog", ["catalog", "--catalog", "@/y.yaml"]),
        ("validate-model --points", ["validate-model", "--points", "@/y.yaml", "--no-cross-validation"]),
        ("compare --thresholds", ["compare", "@/baseline.csv", "@/regressed.csv", "--thresholds", "@/y.yaml"]),
        ("project --model-config", ["project", "--model-config", "@/y.yaml", "--instances", "p5.48xlarge"]),
        ("run --with-model", ["run", "--quick", "--backend", "h100", "--out", "@/o.csv", "--with-model", "@/y.yaml"]),
    ]
    out = []
    for rname, argv in readers:
        for dname, text in HOSTILE_YAML.items():
            data = text.encode("latin-1") if dname == "not UTF-8" else text.encode()

            def setup(d, data=data):
                with open(os.path.join(d, "y.yaml"), "wb") as f:
                    f.write(data)
            out.append(Probe("YAML files", f"{rname}: {dname}", argv, expect="refuse", setup=setup))
    return out


def regex_probes():
    out = []
    for pattern in ["((((.*)*)*)*)*Z", "^(.+)+X$", "(a|aa)+$", "(", "[z-a]", "x" * 100000, "\\"]:
        out.append(Probe("patterns", f"run --case {pattern[:30]!r}",
                         ["run", "--quick", "--backend", "h100", "--out", "@/o.csv", "--case", pattern], timeout=30))

        def setup(d, pattern=pattern):
            with open(os.path.join(d, "t.yaml"), "w") as f:
                json.dump([{"case": pattern, "threshold": 0.05}], f)
        out.append(Probe("patterns", f"thresholds case {pattern[:30]!r}",
                         ["compare", "@/baseline.csv", "@/regressed.csv", "--thresholds", "@/t.yaml"], setup=setup,
                         timeout=30))
    return out


def mutated_probes(count=30):
    """Byte damage to a result CSV or its sidecar (fixed seeds), through four readers."""

    def damage(seed):
        def f(d):
            rng = random.Random(seed)
            name = rng.choice(["a.csv", "a.json"])
            p = os.path.join(d, name)
            with open(p, "rb") as fh:
                data = bytearray(fh.read())
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(data))
                kind = rng.randrange(5)
                if kind == 0:
                    data[i] ^= rng.randrange(1, 256)
                elif kind == 1:
                    data[i:i] = rng.choice([b",", b'"', b"\n", b"\r", b"\x00", b"\xff", b"{", b"]", b"1e999"])
                elif kind == 2:
                    del data[i:i + rng.randrange(1, 64)]
                elif kind == 3:
                    data = data[:i]
                else:
                    data[i:i] = data[rng.randrange(len(data)):][:rng.randrange(1, 200)]
            with open(p, "wb") as fh:
                fh.write(bytes(data))
        return f

    out = []
    for seed in range(count):
        for name, argv in [("compare", ["compare", "@/c.csv", "@/a.csv"]),
                           ("merge", ["merge", "@/a.csv", "@/c.csv", "--out", "@/o.csv"]),
                           ("report", ["report", "@/a.csv", "--out", "@/r.html"]), ("summarize", ["summarize", "@/a.csv"])]:
            out.append(Probe("damaged result files", f"{name}, damage {seed}", argv, setup=damage(seed),
                             stdout_is_output=True))
    return out
