"""Lighthouse 12 (mobile, Debian's Chromium) on the frontend: home, the news list, the press
release. Prints performance / accessibility / best practices / SEO scores, LCP and CLS.

    .venv/bin/python bench/frontend_lighthouse.py --frontend http://127.0.0.1:3000

Installs Lighthouse from bench/lighthouse/package-lock.json (npm ci) on first use. Runs each
page ``--runs`` times (default 5) and reports the median of each figure, the spread of the
performance score and LCP (min–max over the runs), and the machine's 1-minute load average
during the runs: Lighthouse's simulated throttling scales the CPU time it observes, so a busy
machine lowers the performance score (Total Blocking Time) of the very same page.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent / "lighthouse"
PAGES = {
    "home": "/",
    "list": "/news/",
    "press release": "/news/northwind-systems-joins-as-premier-member/",
}


def install() -> Path:
    cli = HERE / "node_modules" / ".bin" / "lighthouse"
    if not cli.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return cli


def run(cli: Path, url: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        subprocess.run(
            [str(cli), url, "--quiet", "--output=json", f"--output-path={out}",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
             "--only-categories=performance,accessibility,best-practices,seo"],
            check=True,
            env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
            timeout=300,
        )  # fmt: skip
        report = json.loads(out.read_text())
    categories = report["categories"]
    audits = report["audits"]
    return {
        "perf": categories["performance"]["score"] * 100,
        "a11y": categories["accessibility"]["score"] * 100,
        "bp": categories["best-practices"]["score"] * 100,
        "seo": categories["seo"]["score"] * 100,
        "lcp_s": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "cls": audits["cumulative-layout-shift"]["numericValue"],
    }


def summary(name: str, results: list[dict], loads: list[float]) -> str:
    """One table row: medians, then the spread of perf and LCP and the load during the runs."""
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    perf = [r["perf"] for r in results]
    lcp = [r["lcp_s"] for r in results]
    return (f"{name:<15}{median['perf']:>6.0f}{median['a11y']:>6.0f}{median['bp']:>6.0f}"
            f"{median['seo']:>6.0f}{median['lcp_s']:>8.2f}{median['cls']:>8.3f}"
            f"{min(perf):>7.0f}–{max(perf):<4.0f}{min(lcp):>6.2f}–{max(lcp):<6.2f}"
            f"{statistics.median(loads):>6.1f} ({min(loads):.1f}–{max(loads):.1f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frontend", default="http://127.0.0.1:3000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cli = install()
    for path in PAGES.values():
        urllib.request.urlopen(args.frontend + path, timeout=30).read()  # rendered and cached
    print(
        f"Lighthouse (mobile), {args.runs} runs per page: medians; spread = min–max; "
        f"load = 1-minute load average during the runs, median (min–max), {os.cpu_count()} CPUs"
    )
    print(f"{'page':<15}{'perf':>6}{'a11y':>6}{'BP':>6}{'SEO':>6}{'LCP s':>8}{'CLS':>8}"
          f"{'perf spread':>12}{'LCP spread':>13}{'load':>6}")  # fmt: skip
    for name, path in PAGES.items():
        results, loads = [], []
        for _ in range(args.runs):
            loads.append(os.getloadavg()[0])
            results.append(run(cli, args.frontend + path))
            loads.append(os.getloadavg()[0])
        print(summary(name, results, loads), flush=True)


if __name__ == "__main__":
    main()
