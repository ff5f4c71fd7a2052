#!/usr/bin/env python3
"""Loads a bench report in a real headless browser (Debian's chromium-headless-shell, driven by
Playwright through executable_path) and checks it against the CSVs it was made from:

- no console errors, no page errors, and no script ran (a hostile string must not execute:
  the page has no script of its own, so window.__pwned must stay undefined);
- every price-performance chart has one point per priced ok row of its case and a frontier;
  every roofline chart exists; every chart's SVG parses as XML;
- the tables match the CSVs' numbers (each price row's data-value against the CSV row);
- a PNG screenshot of the page is written to --screenshot.

Usage: check_report.py REPORT.html CSV... [--screenshot PNG]; prints a summary, exit 0 or 1.
"""
import argparse
import csv
import os
import re
import sys
import xml.dom.minidom

from playwright.sync_api import sync_playwright

ap = argparse.ArgumentParser()
ap.add_argument("report")
ap.add_argument("csvs", nargs="+")
ap.add_argument("--screenshot")
args = ap.parse_args()
rows = [r for path in args.csvs for r in csv.DictReader(open(path, newline="", encoding="utf-8"))]
problems = []
priced = {}  # (case, backend, host) -> (throughput, cost)
for r in rows:
    if r["status"] == "ok" and r["throughput"] and r["usd_per_million_units"]:
        key = (r["case_id"].lstrip("'"), r["backend"], r.get("host", ""))
        priced[key] = (float(r["throughput"]), float(r["usd_per_million_units"]))

exe = next((p for p in ("/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell") if os.path.exists(p)), None)
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.goto("file://" + os.path.abspath(args.report))
    problems += errors
    if page.evaluate("typeof window.__pwned") != "undefined":
        problems.append("a script from the data ran (window.__pwned is set)")
    if page.evaluate("document.querySelectorAll('script').length") != 0:
        problems.append("the page has a <script> element")
    charts = page.evaluate("[...document.querySelectorAll('svg.chart')].map(s => [s.id, s.outerHTML])")
    for cid, markup in charts:
        try:
            xml.dom.minidom.parseString(markup)
        except Exception as e:
            problems.append(f"{cid}: the SVG is not XML ({e})")
    price = [c for c, _ in charts if c.startswith("chart-price-")]
    for cid in price:
        n = cid.rsplit("-", 1)[1]
        points = page.evaluate(f"document.querySelectorAll('#{cid} .point').length")
        table = page.evaluate(f"[...document.querySelectorAll('#table-price-{n} tr.price-row')].map(tr => [tr.dataset.case, tr.dataset.backend, tr.dataset.host, +tr.children[4].dataset.value, +tr.children[5].dataset.value])")
        if points != len(table):
            problems.append(f"{cid}: {points} points for {len(table)} table rows")
        if not page.evaluate(f"!!document.querySelector('#{cid} .frontier')"):
            problems.append(f"{cid}: no frontier")
        for case, backend, host, thr, cost in table:
            want = priced.get((case, backend, host))
            if want is None:
                problems.append(f"{cid}: table row {case} {backend} {host} is no priced ok row of the CSVs")
            elif abs(want[0] - thr) > 1e-9 * want[0] or abs(want[1] - cost) > 1e-9 * want[1]:
                problems.append(f"{cid}: {case} {backend}: table {thr}, {cost} vs CSV {want}")
    charted = sum(page.evaluate(f"document.querySelectorAll('#table-price-{c.rsplit('-', 1)[1]} tr.price-row').length") for c in price)
    # A big input's cases show part of their rows and say so: "40 of 26672 priced rows shown".
    notes = page.evaluate("[...document.querySelectorAll('section p.left-out')].map(p => p.textContent)")
    left = 0
    for text in notes:
        m = re.match(r"(\d+) of (\d+) priced rows shown", text)
        if m:
            left += int(m.group(2)) - int(m.group(1))
    if charted + left != len(priced):
        problems.append(f"{charted} priced points charted and {left} said to be left out, {len(priced)} priced ok rows in the CSVs")
    roofs = [c for c, _ in charts if c.startswith("chart-roofline-")]
    if any(r["status"] == "ok" for r in rows) and not roofs:
        problems.append("no roofline chart")
    if args.screenshot:
        page.screenshot(path=args.screenshot, full_page=False)
    browser.close()
for p in problems:
    print(f"FAIL  {p}")
print(f"{len(price)} price-performance charts ({len(priced)} points), {len(roofs)} rooflines, {len(charts)} charts in all; "
      f"{'no problem' if not problems else f'{len(problems)} problem(s)'}")
sys.exit(1 if problems else 0)
