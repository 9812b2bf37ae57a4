"""Benchmark: the real bot process, from start to its first answer, and its memory at rest.

Starts ``hamlet-bot run`` against a loopback Bot API (``tests/loopback.py``) on a database
already migrated and loaded, queues a stranger's /start before the process starts, and
measures the time until the answer is delivered; then reads the idle process's resident
memory. Baseline in the same run: a bare Python process importing python-telegram-bot and
answering the same update with a plain ``Bot`` (what any PTB bot pays).

Issue 9: start to the first answer under 1 s, no migration work on a current schema, idle
memory below 120 MB.

    .venv/bin/python -m bench.startup
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.loopback import TOKEN, serving

START_TARGET = 1.0
MEMORY_TARGET_MB = 120
RUNS = 3
STRANGER = 424242
PLACEHOLDER = "http://127.0.0.1:9/bot"

_BARE = """
import asyncio, sys
from telegram import Bot
from telegram.request import HTTPXRequest
async def main():
    bot = Bot(sys.argv[1], base_url=sys.argv[2])
    async with bot:
        updates = await bot.get_updates(timeout=1)
        for update in updates:
            await bot.send_message(update.effective_chat.id, "hello")
    print("done", flush=True)
asyncio.run(main())
"""


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _bot_once(config: Path, env: dict[str, str], run: int) -> tuple[float, float]:
    with serving() as (api, base_url):
        config.write_text(config.read_text().replace(PLACEHOLDER, base_url))
        # A new update id each run: the bot remembers the ones it handled.
        api.private_message(STRANGER, "/start", update_id=1_000_000 * (run + 1))
        started = time.monotonic()
        log = (config.parent / "bot.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(config), "run"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        try:
            try:
                api.wait_for(STRANGER, 1, timeout=30)
            except TimeoutError:
                log.flush()
                print((config.parent / "bot.log").read_text()[-3000:], file=sys.stderr)
                raise
            answered = time.monotonic() - started
            time.sleep(2.0)  # at rest: the first tick's wait, nothing to do
            memory = _rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=20)
            log.close()
        config.write_text(config.read_text().replace(base_url, PLACEHOLDER))
    return answered, memory


def _bare_once(env: dict[str, str]) -> float:
    with serving() as (api, base_url):
        api.private_message(STRANGER, "/start")
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", _BARE, TOKEN, base_url], check=True, env=env,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        api.wait_for(STRANGER, 1, timeout=60)
        return time.monotonic() - started


def main() -> None:
    """Run the benchmark and print its figures."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAMLET_BOT_")}
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bot.sqlite3"
        config = Path(folder) / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "http://127.0.0.1:9/bot"\n'
            f'[database]\nurl = "sqlite:///{database}"\n'
        )
        config.chmod(0o600)
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "--config", str(config), "init"],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        runs = [_bot_once(config, env, run) for run in range(RUNS)]
    bare = min(_bare_once(env) for _ in range(RUNS))
    answered = min(r[0] for r in runs)
    memory = min(r[1] for r in runs)
    print("start to the first answer, real process on a loopback Bot API (min of 3)")
    print(
        f"hamlet-bot : {answered:.2f} s (target < {START_TARGET:.0f} s); idle memory "
        f"{memory:.0f} MB (target < {MEMORY_TARGET_MB} MB)"
    )
    print(f"baseline   : a bare PTB Bot answering the same update: {bare:.2f} s "
          f"(hamlet-bot / baseline = {answered / bare:.1f}x)")  # fmt: skip
    ok = answered < START_TARGET and memory < MEMORY_TARGET_MB
    print("result     :", "PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
