"""Reads `bench compare --format json` output for the benchmark scripts (never the table).
  compare_json.py verdicts FILE...   one verdict per row, every file in order
  compare_json.py flagged FILE       the regressed rows, `case backend +change` joined by ';'
  compare_json.py rows FILE          one `case backend verdict` line per row"""
import json
import sys

what, files = sys.argv[1], sys.argv[2:]
rows = [r for f in files for r in json.load(open(f))["rows"]]
if what == "verdicts":
    for r in rows:
        print(r["verdict"])
elif what == "flagged":
    print(";".join(f"{r['case_id']} {r['backend']} {r['relative_change']:+.1%}" for r in rows if r["verdict"] == "regressed"))
elif what == "rows":
    for r in rows:
        print(r["case_id"], r["backend"], r["verdict"])
else:
    sys.exit(f"compare_json.py: unknown command {what!r}")
