"""A copy of a result (CSV and sidecar) whose measured rows are FACTOR times slower, for
scripts/perf-compare's simulated slowdown: raw samples, time and cost columns x FACTOR, speed
columns / FACTOR; modeled rows are left alone. Usage: slow_copy.py SRC.csv DST.csv FACTOR"""
import csv
import json
import sys

src, dst, factor = sys.argv[1], sys.argv[2], float(sys.argv[3])
scale = {c: factor for c in ("median_s", "p10_s", "p90_s", "ci_low_s", "ci_high_s", "usd_per_pflop",
                             "usd_per_million_units")} | {c: 1 / factor for c in ("tflops", "throughput", "mfu", "perf_per_dollar")}
with open(src, newline="") as f:
    reader = csv.DictReader(f)
    rows = [r for r in reader]
measured = {(r["case_id"], r["backend"], r["threads"]) for r in rows if r["backend_kind"] == "measured"}
for r in rows:
    if r["backend_kind"] == "measured":
        r.update({c: repr(float(r[c]) * k) for c, k in scale.items() if r.get(c)})
with open(dst, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=reader.fieldnames, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
with open(src[:-4] + ".json") as f:
    side = json.load(f)
side["csv_file"] = dst.rsplit("/", 1)[-1]
for r in side["rows"]:
    if (r["case_id"], r["backend"], str(r["threads"])) in measured:
        r["samples_s"] = [x * factor for x in r["samples_s"]]
with open(dst[:-4] + ".json", "w") as f:
    json.dump(side, f)
