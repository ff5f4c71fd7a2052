"""A copy of a result (CSV and sidecar) with every measured time FACTOR times longer.

The one thing bench has no command for, used by scripts/perf-compare to simulate a slowdown:
the sidecar's raw samples and the CSV's time and cost columns are multiplied by FACTOR, the
speed columns divided by it. Modeled rows are left alone (a model does not slow down).
Usage: slow_copy.py SRC.csv DST.csv FACTOR
"""
import csv
import json
import sys

src, dst, factor = sys.argv[1], sys.argv[2], float(sys.argv[3])
times = ("median_s", "p10_s", "p90_s", "ci_low_s", "ci_high_s", "usd_per_pflop", "usd_per_million_units")
speeds = ("tflops", "throughput", "mfu", "perf_per_dollar")
with open(src, newline="") as f:
    reader = csv.DictReader(f)
    rows, fields = list(reader), reader.fieldnames
measured = set()
for r in rows:
    if r["backend_kind"] != "measured":
        continue
    measured.add((r["case_id"], r["backend"], r["threads"]))
    for c, scale in [(c, factor) for c in times] + [(c, 1 / factor) for c in speeds]:
        if r.get(c):
            r[c] = repr(float(r[c]) * scale)
with open(dst, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
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
