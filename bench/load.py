"""Load benchmark: Privacy Desk (embedded default) against a bare Rasa bot, same venv, same run.

A report, not a test::

    .venv/bin/python bench/load.py                 # full run (~15 min on 2 cores), markdown on stdout
    .venv/bin/python bench/load.py --quick         # short levels, no training measurement
    .venv/bin/python bench/load.py --out bench/RESULTS.md

What it does, in this order (one bot at a time, so they never compete):

1. Bare bot: ``rasa init --no-prompt`` in a temp dir (scaffold + train; no network),
   then ``rasa train --force`` timed, then ``rasa run`` from the same venv.
2. Ours: ``rasa train --force`` of this project into a temp dir (models/ is not
   touched), then the embedded default (action server, Rasa, web app; SQLite,
   encrypted tracker store) on free ports with its own var dir.
3. For each: startup time to first reply (no training), then for 1, 10, 50
   concurrent conversations an asyncio load generator over the REST channel
   for a fixed time; p50/p95/p99 turn latency, throughput (turns/s), errors,
   RSS of the Rasa server (and of every process, for ours). Ours is also
   measured over socket.io (websocket) at 10 concurrent conversations.

Mixes are each bot's realistic traffic: for ours policy questions, "tell me
more", form turns (a deletion request started and cancelled), status checks and
small talk; for the bare bot its own intents (greet, mood, bot challenge, goodbye).
``--mix policy`` makes every one of our turns a policy question (the KB's test and held-out
questions), the heaviest traffic we serve. Ratios are ours / bare.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VENV_BIN = Path(sys.executable).parent
RASA = str(VENV_BIN / "rasa")

OUR_SCRIPTS: List[List[str]] = [
    ["hello", "do you record phone calls?", "tell me more", "thanks"],
    ["do you share my data with other companies?", "where is my data stored?", "bye"],
    ["how long do you keep my information?", "tell me more", "thank you"],
    ["I want to delete my personal data", "cancel", "thanks"],  # form turns (start, leave)
    ["what's the status of my request?", "cancel", "bye"],  # status check
    ["hi", "are you a bot?", "what can you do?", "goodbye"],
]


def policy_scripts(seed: int = 7) -> List[List[str]]:
    """Conversations where every turn is a policy question (``--mix policy``).

    Questions come from the KB's test and held-out sets (people's own wording), shuffled into
    three-question conversations, so most turns run the whole retrieval, not the answer cache.
    """
    import json

    questions: List[str] = []
    for name in ("kb_test_set.jsonl", "kb_cartier_heldout.jsonl"):
        path = ROOT / "bench" / name
        if path.exists():
            questions += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    rng.shuffle(questions)
    return [questions[i:i + 3] for i in range(0, len(questions) - 2, 3)]


BARE_SCRIPTS: List[List[str]] = [
    ["hello", "I am feeling great", "bye"],
    ["hi", "I am sad", "yes", "goodbye"],
    ["hey", "are you a bot?", "bye"],
    ["good morning", "not good", "no", "see you"],
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (from /proc), in MB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            pgid = int(stat[2])
            if int(entry.name) != pid and pgid != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024


@dataclass
class LevelResult:
    concurrency: int
    transport: str
    turns: int
    errors: int
    seconds: float
    latencies_ms: List[float] = field(repr=False, default_factory=list)

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0


@dataclass
class BotResult:
    name: str
    train_seconds: Optional[float] = None
    startup_seconds: Optional[float] = None
    rasa_rss_mb: Optional[float] = None
    total_rss_mb: Optional[float] = None
    levels: Dict[str, LevelResult] = field(default_factory=dict)


# ----------------------------------------------------------------------- load generators


async def _rest_user(client: httpx.AsyncClient, url: str, scripts: Sequence[List[str]], rng: random.Random,
                     stop_at: float, result: LevelResult) -> None:
    while time.monotonic() < stop_at:
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for message in rng.choice(scripts):
            if time.monotonic() >= stop_at:
                return
            started = time.perf_counter()
            try:
                reply = await client.post(url, json={"sender": sender, "message": message}, timeout=60)
                ok = reply.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.turns += 1
            else:
                result.errors += 1


async def rest_level(base_url: str, scripts: Sequence[List[str]], concurrency: int, seconds: float) -> LevelResult:
    result = LevelResult(concurrency, "rest", 0, 0, seconds)
    url = f"{base_url}/webhooks/rest/webhook"
    # Keep-alive shorter than Sanic's 5 s, so a turn never rides a connection the server is closing.
    limits = httpx.Limits(max_connections=concurrency + 5, max_keepalive_connections=concurrency + 5, keepalive_expiry=2.0)
    async with httpx.AsyncClient(limits=limits) as client:
        # warm-up: one turn per user, not counted
        await asyncio.gather(*(client.post(url, json={"sender": f"warm-{i}", "message": "hello"}, timeout=120) for i in range(concurrency)))
        started = time.monotonic()
        stop_at = started + seconds
        rng = random.Random(concurrency)
        await asyncio.gather(*(_rest_user(client, url, scripts, random.Random(rng.random()), stop_at, result) for _ in range(concurrency)))
        result.seconds = time.monotonic() - started
    return result


async def socketio_level(base_url: str, scripts: Sequence[List[str]], concurrency: int, seconds: float) -> LevelResult:
    """Web chat traffic: socket.io over a websocket (as our browser client); a turn ends at the first bot message."""
    from tests.integration.scale.webchat import WebChat

    result = LevelResult(concurrency, "socket.io", 0, 0, seconds)

    async def user(rng: random.Random, stop_at: float) -> None:
        try:
            async with WebChat(base_url) as chat:
                while time.monotonic() < stop_at:
                    session = await chat.start()
                    for message in rng.choice(scripts):
                        if time.monotonic() >= stop_at:
                            return
                        started = time.perf_counter()
                        try:
                            await chat.emit("user_uttered", {"message": message, "session_id": session})
                            reply = await chat.next_event("bot_uttered", 60)
                            if "not processed" in str((reply or {}).get("text", "")):
                                result.errors += 1  # the channel's honest failure message
                            else:
                                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                                result.turns += 1
                        except asyncio.TimeoutError:
                            result.errors += 1
                        await asyncio.sleep(0.3)  # let the rest of the turn's messages arrive
                        while not chat.events.empty():
                            chat.events.get_nowait()
        except (OSError, asyncio.TimeoutError):
            result.errors += 1

    started = time.monotonic()
    rng = random.Random(7)
    await asyncio.gather(*(user(random.Random(rng.random()), started + seconds) for _ in range(concurrency)))
    result.seconds = time.monotonic() - started
    return result


# ----------------------------------------------------------------------- the two bots


def wait_first_reply(url: str, proc: subprocess.Popen, timeout: float = 600) -> float:
    """Seconds until a REST turn is answered (polling), measured from now."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            reply = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": "startup", "message": "hello"}, timeout=10)
            if reply.status_code == 200 and reply.json():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError("no reply before the timeout")


def timed(command: List[str], cwd: Path, env: Dict[str, str], log: Path) -> float:
    started = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(command, cwd=str(cwd), env=env, stdout=out, stderr=subprocess.STDOUT, check=True)
    return time.monotonic() - started


def bench_env() -> Dict[str, str]:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_levels(result: BotResult, base_url: str, scripts, levels: Sequence[int], seconds: float, rasa_pid: int,
               all_pids: Sequence[int], socketio_url: Optional[str] = None) -> None:
    for concurrency in levels:
        level = asyncio.run(rest_level(base_url, scripts, concurrency, seconds))
        result.levels[f"rest-{concurrency}"] = level
        print(f"  {result.name} rest c={concurrency}: {level.turns} turns, p50 {level.pct(50):.0f} ms, "
              f"p95 {level.pct(95):.0f} ms, {level.throughput:.1f}/s, {level.errors} errors", file=sys.stderr, flush=True)
    if socketio_url:
        level = asyncio.run(socketio_level(socketio_url, scripts, 10, seconds))
        result.levels["socket.io-10"] = level
        print(f"  {result.name} socket.io c=10: p50 {level.pct(50):.0f} ms, p95 {level.pct(95):.0f} ms, "
              f"{level.throughput:.1f}/s, {level.errors} errors", file=sys.stderr, flush=True)
    result.rasa_rss_mb = group_rss_mb(rasa_pid)
    result.total_rss_mb = sum(group_rss_mb(pid) for pid in all_pids)


def bench_bare(work: Path, levels, seconds, train: bool, bare_dir: Optional[Path] = None) -> BotResult:
    result = BotResult("bare Rasa bot")
    env = bench_env()
    log = work / "bare.log"
    if bare_dir is not None and any((bare_dir / "models").glob("*.tar.gz")):
        bare = bare_dir  # an existing `rasa init` project (saves its scaffold + training)
    else:
        bare = bare_dir or work / "bare"
        print("bare bot: rasa init --no-prompt ...", file=sys.stderr, flush=True)
        bare.mkdir(parents=True, exist_ok=True)  # rasa init refuses a directory that does not exist
        timed([RASA, "init", "--no-prompt", "--init-dir", str(bare)], work, env, log)
    if train:
        result.train_seconds = timed([RASA, "train", "--force", "--out", "models", "--num-threads", "2"], bare, env, log)
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen([RASA, "run", "--port", str(port), "--interface", "127.0.0.1", "-m", "models"],
                                cwd=str(bare), env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        result.startup_seconds = wait_first_reply(f"http://127.0.0.1:{port}", proc)
        run_levels(result, f"http://127.0.0.1:{port}", BARE_SCRIPTS, levels, seconds, proc.pid, [proc.pid])
    finally:
        stop(proc)
    return result


def bench_ours(work: Path, levels, seconds, train: bool, models_dir: Optional[Path] = None,
               scripts: Optional[List[List[str]]] = None) -> BotResult:
    from bot.ops.supervisor import Supervisor, child_environment, stack_specs
    from bot.settings import settings_from_environ
    from tests.conftest import make_environ

    result = BotResult("Privacy Desk")
    env = bench_env()
    if train:
        print("ours: rasa train --force (into a temp dir) ...", file=sys.stderr, flush=True)
        result.train_seconds = timed([RASA, "train", "--force", "--out", str(work / "our-models"), "--num-threads", "2"],
                                     ROOT, env, work / "ours-train.log")
    environ = make_environ(work / "var")
    # Limits high enough never to refuse a benchmark turn; the limiter's check still runs on each.
    environ.update({"CHANNEL_RATE_PER_CONVERSATION": "100000/60", "CHANNEL_RATE_GLOBAL": "1000000/60"})
    environ.update({"RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(free_port()),
                    "KB_DIR": str(ROOT / "var" / "kb")})
    (work / "var").mkdir(parents=True, exist_ok=True)
    settings = settings_from_environ(environ)
    specs = stack_specs(settings)
    if models_dir is not None:
        for spec in specs:
            if spec.name == "Rasa server":
                spec.command += ["--models", str(models_dir)]
    supervisor = Supervisor(specs, child_environment(settings, environ), work / "ours-logs")
    base_url = f"http://127.0.0.1:{settings.rasa_port}"
    started = time.monotonic()
    try:
        # Start all three at once, as `make run` does conceptually; the clock stops at the first reply.
        for spec in specs:
            supervisor._start(spec)  # noqa: SLF001 - benchmark drives the supervisor directly
        rasa = supervisor.children["Rasa server"]
        wait_first_reply(base_url, rasa)
        result.startup_seconds = time.monotonic() - started
        pids = [child.pid for child in supervisor.children.values()]
        run_levels(result, base_url, scripts or OUR_SCRIPTS, levels, seconds, rasa.pid, pids, socketio_url=base_url)
    finally:
        supervisor.stop_all()
    return result


# ----------------------------------------------------------------------- report


def ratio(ours: Optional[float], bare: Optional[float]) -> str:
    if ours is None or bare is None or not bare:
        return "n/a"
    return f"{ours / bare:.2f}×"


def report(bare: BotResult, ours: BotResult, levels: Sequence[int], seconds: float, load_before, load_after,
           mix: str = "realistic") -> str:
    lines = [
        f"## Load benchmark ({mix} mix) — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
        f"{platform.platform()}. Load average before {load_before}, after {load_after} (shared machine).",
        f"Each level runs {seconds:.0f} s after a warm-up turn per conversation; REST unless stated.",
        "",
        "| metric | bare Rasa | Privacy Desk | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for concurrency in levels:
        b, o = bare.levels[f"rest-{concurrency}"], ours.levels[f"rest-{concurrency}"]
        for q in (50, 95, 99):
            target = "≤ 1.5×" if (q == 95 and concurrency == 10) else ""
            lines.append(f"| p{q} latency, {concurrency} conv. | {b.pct(q):.0f} ms | {o.pct(q):.0f} ms | {ratio(o.pct(q), b.pct(q))} | {target} |")
        target = "≥ 0.8×" if concurrency == 10 else ""
        lines.append(f"| throughput, {concurrency} conv. | {b.throughput:.1f}/s | {o.throughput:.1f}/s | {ratio(o.throughput, b.throughput)} | {target} |")
        lines.append(f"| errors, {concurrency} conv. | {b.errors} / {b.turns + b.errors} | {o.errors} / {o.turns + o.errors} | | |")
    if "socket.io-10" in ours.levels:
        s = ours.levels["socket.io-10"]
        lines.append(f"| socket.io p50 / p95, 10 conv. | | {s.pct(50):.0f} / {s.pct(95):.0f} ms | | |")
        lines.append(f"| socket.io throughput, 10 conv. | | {s.throughput:.1f}/s ({s.errors} errors) | | |")
    lines += [
        f"| Rasa server RSS | {bare.rasa_rss_mb:.0f} MB | {ours.rasa_rss_mb:.0f} MB | {ratio(ours.rasa_rss_mb, bare.rasa_rss_mb)} | ≤ 1.2× |",
        f"| all processes RSS | {bare.total_rss_mb:.0f} MB | {ours.total_rss_mb:.0f} MB | {ratio(ours.total_rss_mb, bare.total_rss_mb)} | |",
        f"| startup to first reply | {bare.startup_seconds:.1f} s | {ours.startup_seconds:.1f} s | {ratio(ours.startup_seconds, bare.startup_seconds)} | ≤ 40 s |",
    ]
    if bare.train_seconds is not None and ours.train_seconds is not None:
        lines.append(f"| `rasa train --force` | {bare.train_seconds:.0f} s | {ours.train_seconds:.0f} s | {ratio(ours.train_seconds, bare.train_seconds)} | |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations per level")
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of each level")
    parser.add_argument("--quick", action="store_true", help="10 s levels, no training measurement")
    parser.add_argument("--no-train", action="store_true", help="skip the `rasa train` measurement")
    parser.add_argument("--out", default=None, help="append the markdown report to this file")
    parser.add_argument("--models", default=None, help="serve our newest model from here (default: models/)")
    parser.add_argument("--mix", choices=("realistic", "policy"), default="realistic",
                        help="our traffic: the realistic mix, or every turn a policy question")
    parser.add_argument("--bare-dir", default=None, help="reuse (or create) the bare `rasa init` project here")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    seconds = 10.0 if args.quick else args.seconds
    train = not (args.quick or args.no_train)
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="pd-bench-"))
    try:
        bare = bench_bare(work, levels, seconds, train, Path(args.bare_dir) if args.bare_dir else None)
        ours = bench_ours(work, levels, seconds, train, Path(args.models) if args.models else None,
                          scripts=policy_scripts() if args.mix == "policy" else None)
    finally:
        if not os.environ.get("PD_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    load_after = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text = report(bare, ours, levels, seconds, load_before, load_after, args.mix)
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
