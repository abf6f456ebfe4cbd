"""Run every bench and write bench/RESULTS.md: the machine, the date, and every figure.

    python bench/results.py [--quick] [--output bench/RESULTS.md]

`make bench` runs it without `--quick` (the real sizes: about 20-40 minutes on a quiet
2-core machine). `--quick` runs each bench small, for development; its RESULTS.md says so.

Each bench runs in its own process and prints its own tables (kept verbatim below
the summary); bench/api.py and bench/pos_latency.py also hand their figures over as
JSON for the summary. The machine is shared, so the load average before and after
is recorded beside the figures, and the API figures are read as ratios to the
bare-SQL ceiling measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# The product's targets (product description), checked against the figures below.
TARGET_PG_REDEMPTIONS = 500
TARGET_PG_ISSUES = 470
TARGET_POS_P95_MS = 100


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "memory": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def run(name: str, args: list[str], timeout: int) -> dict:
    print(f"== {name}: {' '.join(args)}", flush=True)
    began = time.perf_counter()
    before = load()
    try:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        output, code = done.stdout + (f"\n[stderr]\n{done.stderr[-3000:]}" if done.returncode else ""), done.returncode
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace") if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        output, code = output + f"\n[stopped after {timeout} s]", "timeout"
    elapsed = time.perf_counter() - began
    output = output.replace(f"{ROOT}/", "")  # paths in tracebacks relative to the repository, as in the docs
    print(output[-2500:], flush=True)
    return {"name": name, "command": "python " + " ".join(args), "output": output.rstrip(), "code": code,
            "seconds": round(elapsed), "load_before": before, "load_after": load()}


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def summary(api: dict | None, pos: dict | None, pos_oplock: dict | None = None) -> list[str]:
    lines = ["## Summary", ""]
    if api:
        lines += ["### Through the HTTP API, beside the bare-SQL ceiling of the same database (same run)", "",
                  f"{api['clients']} concurrent clients (httpx, kept-alive connections), {api['seconds']:.0f} s per "
                  "figure, a fresh Idempotency-Key on every call. Bare SQL: the same statements straight through the "
                  "driver, from as many processes as the backend has workers, with the same number of clients.", "",
                  "| database | workers | operation | API per s | bare SQL per s | ratio | API p95 ms | errors |",
                  "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for row in api["ratios"]:
            lines.append(f"| {row['backend']} | {row['workers']} | {'redemptions' if row['operation'] == 'redeem' else 'card issues'} "
                         f"| {row['http_per_second']:.0f} | {row['bare_per_second'] or 0:.0f} | {row['ratio']} "
                         f"| {row['p95_ms']} | {row['errors']} |")
        lines.append("")
        for probe in api["probes"]:
            lines.append(f"- Double-spend probe ({probe['backend']}): {probe['spends']} concurrent redemptions of "
                         f"{probe['ask_cents']} cents on a {probe['card_cents']}-cent card through HTTP: "
                         f"{probe['succeeded']} passed, {probe['refused']} refused insufficient_funds, {probe['other']} "
                         f"other; {probe['spent_cents']} cents spent, balance {probe['balance_after']}: "
                         f"**{'exactly the available cents' if probe['exact'] else 'WRONG'}**.")
        for name, megabytes in api["peak_rss_mb"].items():
            lines.append(f"- Peak RSS of a backend process ({name}): {megabytes:.0f} MB.")
        lines.append("")
        best = {op: max((row["http_per_second"] for row in api["ratios"]
                         if row["backend"] == "postgres" and row["operation"] == op), default=None)
                for op in ("redeem", "issue")}
        errors = sum(row["errors"] for row in api["ratios"])
        lines += ["### Targets", "",
                  f"- PostgreSQL redemptions through the API >= {TARGET_PG_REDEMPTIONS}/s: best "
                  f"{best['redeem'] if best['redeem'] is not None else 'n/a'}/s: "
                  f"**{verdict(None if best['redeem'] is None else best['redeem'] >= TARGET_PG_REDEMPTIONS)}**",
                  f"- PostgreSQL card issues through the API >= {TARGET_PG_ISSUES}/s: best "
                  f"{best['issue'] if best['issue'] is not None else 'n/a'}/s: "
                  f"**{verdict(None if best['issue'] is None else best['issue'] >= TARGET_PG_ISSUES)}**",
                  f"- No errors under concurrency (SQLite and PostgreSQL): {errors} errors: **{verdict(errors == 0)}**"]
    for pos in filter(None, (pos, pos_oplock)):
        lines += ["", f"### POS push to every open screen ({pos['state']}, {pos['workers']} worker(s))", "",
                  "| screens | pushes | POST round trip p50 / p95 ms | visible on the first screen p50 / p95 ms "
                  "| visible on every screen p50 / p95 ms | dismissed, gone everywhere p50 / p95 ms | missed |",
                  "| ---: | ---: | --- | --- | --- | --- | ---: |"]
        for result in pos["results"]:
            lines.append(f"| {result['screens']} | {result['pushes']} | {result['post_50_ms']} / {result['post_95_ms']} "
                         f"| {result['first_50_ms']} / {result['first_95_ms']} | {result['all_50_ms']} / "
                         f"{result['all_95_ms']} | {result['gone_50_ms']} / {result['gone_95_ms']} | {result['misses']} |")
        lines.append("")
        for result in pos["results"]:
            lines.append(f"- POS push visible on every screen p95 <= {TARGET_POS_P95_MS} ms with {result['screens']} "
                         f"screen(s): {result['all_95_ms']} ms: **{verdict(result['all_95_ms'] <= TARGET_POS_P95_MS)}**")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every bench small: minutes, for development")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "RESULTS.md")
    parser.add_argument("--skip", default="", help="comma-separated benches to leave out (ledger, api, pos, "
                        "money_path, pos-oplock, reports, payout, import)")
    parser.add_argument("--keep", type=Path, help="JSON file of the figures: benches left out with --skip are "
                        "taken from it (marked with their date), and this run's are saved into it")
    args = parser.parse_args(argv)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    scratch = Path(tempfile.mkdtemp(prefix="giftnet-results-"))
    api_json, pos_json = scratch / "api.json", scratch / "pos.json"
    quick = args.quick
    pos_oplock_json = scratch / "pos-oplock.json"
    pos_sizes = ["--screens", "1,10", "--pushes", "10"] if quick else ["--screens", "1,10,50", "--pushes", "30"]
    benches = [
        ("ledger", ["bench/ledger.py", *(["--seconds", "1"] if quick else [])], 600),
        ("api", ["bench/api.py", "--json", str(api_json), *(["--quick"] if quick else [])], 1800),
        # Issue 19: CPU per request (app, PostgreSQL), round trips, wrk against the bare-SQL ceiling.
        ("money_path", ["bench/money_path.py", *(["--seconds", "3"] if quick else [])], 2400),
        ("pos", ["bench/pos_latency.py", "--redis", "--workers", "3", "--json", str(pos_json), *pos_sizes], 2400),
        # For comparison: Reflex's opportunistic locks (off in the app: a screen missed a payment with them).
        ("pos-oplock", ["bench/pos_latency.py", "--redis", "--oplock", "--workers", "3", "--json",
                        str(pos_oplock_json), *pos_sizes], 2400),
        ("reports", ["bench/reports.py", *(["--rows", "100000", "--runs", "2"] if quick else [])], 2400),
        ("payout", ["bench/payout.py", *(["--locations", "1000", "--redemptions", "100000"] if quick else [])], 2400),
        ("import", ["bench/import.py"], 900),
        ("card_batches", ["bench/card_batches.py", *(["--cards", "200"] if quick else [])], 900),
    ]
    started_at = datetime.now(UTC)
    load_before = load()
    kept = _read_json(args.keep) if args.keep else None
    results: list[dict] = []
    if kept:
        for name, path in (("api", api_json), ("pos", pos_json), ("pos-oplock", pos_oplock_json)):
            if name in skip and kept["json"].get(name) is not None:
                path.write_text(json.dumps(kept["json"][name]))

    def write_out(running: str | None) -> None:
        """RESULTS.md (and --keep) as far as the run got: rewritten after every bench."""
        load_after = load()
        if args.keep:
            args.keep.write_text(json.dumps({
                "date": f"{started_at:%Y-%m-%d %H:%M} UTC",
                "results": {result["name"]: result for result in results},
                "json": {"api": _read_json(api_json), "pos": _read_json(pos_json),
                         "pos-oplock": _read_json(pos_oplock_json)},
            }))
        info = machine()
        lines = [
            "# Giftnet benchmarks",
            "",
            f"Written by `python bench/results.py{' --quick' if quick else ''}` (`make bench`)"
            f"{' — QUICK RUN: small sizes, not the real figures' if quick else ''}.",
            "",
            f"- Date: {started_at:%Y-%m-%d %H:%M} UTC, {round((datetime.now(UTC) - started_at).total_seconds() / 60)} "
            f"minutes{f' so far (still running: {running})' if running else ''}",
            f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory, {info['system']}, "
            f"Python {info['python']}",
            f"- Load average (1 / 5 / 15 min): {load_before} before, {load_after} after. The machine is shared: "
            "absolute figures move with the load, the ratios to the bare-SQL ceiling measured in the same run hold better.",
            "",
        ]
        lines += summary(_read_json(api_json), _read_json(pos_json), _read_json(pos_oplock_json))
        lines += ["## Every bench's own output", ""]
        for result in results:
            reused = f" (figures of the run of {result['reused']})" if result.get("reused") else ""
            lines += [f"### {result['name']}: `{result['command']}`{reused}", "",
                      f"{result['seconds']} s, exit {result['code']}, load average {result['load_before']} before, "
                      f"{result['load_after']} after.", "", "```", result["output"], "```", ""]
        args.output.write_text("\n".join(lines))

    for index, (name, command, timeout) in enumerate(benches):
        if name not in skip:
            results.append(run(name, command, timeout))
        elif kept and name in kept["results"]:  # an earlier run's figures, marked as such
            earlier = kept["results"][name]
            results.append({**earlier, "reused": earlier.get("reused") or kept["date"]})
        upcoming = [later for later, _, _ in benches[index + 1:] if later not in skip]
        write_out(upcoming[0] if upcoming else None)
    print(f"wrote {args.output}")
    return 0 if all(result["code"] == 0 for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
