"""Tallies scripts/perf-compare's compare outputs: false positives, detection, noisy rows.

Reads WORK/same<i>-<suite>.txt (a pair's same-build compare) and WORK/slow<i>-<suite>.txt (the
same baseline against the pair's second run slowed by 10%) for i = 1..PAIRS.
Rows that are not_comparable (the CPU backends' unsupported bf16/fp8 rows) are not measured
rows and are left out of the row counts.
Usage: compare_tally.py WORK PAIRS SUITE...
"""
import sys

VERDICTS = {"regressed", "model_changed", "inconclusive", "noisy", "not_comparable", "missing", "new",
            "unchanged", "improved"}


def verdicts(path):
    with open(path) as f:
        return [w[0] for w in (line.split() for line in f) if w and w[0] in VERDICTS]


work, pairs, suites = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
flagged = detected = rows = noisy = slow_rows = slow_regressed = 0
for i in range(1, pairs + 1):
    same = [v for s in suites for v in verdicts(f"{work}/same{i}-{s}.txt") if v != "not_comparable"]
    slow = [v for s in suites for v in verdicts(f"{work}/slow{i}-{s}.txt") if v != "not_comparable"]
    flagged += "regressed" in same
    detected += "regressed" in slow
    rows += len(same)
    noisy += same.count("noisy")
    judged = [v for v in slow if v != "noisy"]
    slow_rows += len(judged)
    slow_regressed += judged.count("regressed")
pct = lambda a, b: f"{a / max(1, b) * 100:.1f}%"
print(f"false positives: {flagged} of {pairs} same-build pairs flagged (target: at most 1 in 20)")
print(f"detection: {detected} of {pairs} pairs with a 10% slowdown failed the gate (target: all); "
      f"{slow_regressed} of {slow_rows} rows that are not noisy marked regressed ({pct(slow_regressed, slow_rows)}, target >= 95%)")
print(f"noisy: {noisy} of {rows} same-build measured rows ({pct(noisy, rows)}, target <= 10%)")
