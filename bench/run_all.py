"""Run every benchmark and write ``bench/RESULTS.md``: each figure beside its goal and the
baseline measured in the same run, and the machine it ran on.

    make bench            # or: .venv/bin/python -m bench.run_all [--only NAME ...]

PostgreSQL figures come too when ``TEST_DATABASE_URL`` is set (the benchmarks that take a
database read it).
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCHES = {
    "reminders_throughput": "a 1,000-member fan-out under 30 msg/s; replies during it",
    "startup": "start to the first answer; idle memory",
    "handlers": "updates per second against a bare PTB echo bot, pacing off",
    "exports": "xlsx, docx and csv exports at 10k and 200k reports",
    "replies_during_export": "members' replies while a 200k-version plan is exported",
    "summary": "the /tonghop figures and one unit's view at 10k to 1M reports",
}
# The exports are judged at a plan of 200k report versions: the 1M-report database.
ARGS = {"exports": ["--full"]}
RESULTS = Path(__file__).with_name("RESULTS.md")


def _machine() -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("\n")[0].split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB"
    database = "SQLite" + (" and PostgreSQL" if os.environ.get("TEST_DATABASE_URL") else "")
    return (
        f"{platform.machine()}, {os.cpu_count()} cores{memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; {database}"
    )


def main(only: list[str]) -> int:
    """Run the benchmarks, print their output, write RESULTS.md; 1 if any failed."""
    chosen = only or list(BENCHES)
    sections, table, failed = [], [], False
    for name in chosen:
        print(f"== {name}: {BENCHES[name]}", flush=True)
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", f"bench.{name}", *ARGS.get(name, [])],
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.monotonic() - started
        output = run.stdout.strip()
        print(output, flush=True)
        verdicts = [line for line in output.splitlines() if line.startswith("result")]
        verdict = verdicts[-1].split(":", 1)[-1].strip() if verdicts else "no result"
        if run.returncode != 0:
            verdict = f"crashed (exit {run.returncode})"
            print(run.stderr[-3000:], file=sys.stderr)
        failed = failed or verdict != "PASS"
        table.append(f"| `{name}` | {BENCHES[name]} | {verdict} | {took:.0f} s |")
        sections.append(f"## {name}\n\n{BENCHES[name]}.\n\n```\n{output}\n```\n")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.write_text(
        "# Benchmark results\n\n"
        f"Written by `make bench` on {when}: {_machine()}.\n"
        "Each benchmark prints its figures beside the goal of issue 9 and a baseline measured "
        "in the same run; a target that is missed says FAIL with the number.\n\n"
        "| benchmark | what | result | took |\n|---|---|---|---|\n"
        + "\n".join(table)
        + "\n\n"
        + "\n".join(sections),
        encoding="utf-8",
    )
    print(f"written: {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", choices=list(BENCHES), default=[])
    sys.exit(main(parser.parse_args().only))
