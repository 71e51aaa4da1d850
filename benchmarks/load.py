"""Bounded load on a real server: ``POST /api/ask`` at 1, 4 and 16 concurrent clients, loopback only.

    python -m benchmarks.load [--workers 2] [--requests 60] [--levels 1,4,16] [--embedder minilm|fake]
                              [--region 3]

Starts ``wtguide serve --workers 2`` on a free 127.0.0.1 port over an index built by
``wtguide ingest`` (the real all-MiniLM-L6-v2 by default; ``--embedder fake`` measures the
service without the model's cost), waits until every worker has loaded the index and the
model, then for each level sends a fixed number of requests from that many client threads
(one keep-alive ``httpx.Client`` each). Each level uses its own slice of the eval questions
(follow-ups with their history), so while levels x requests stays within the eval set no worker
answers a question it has already embedded.

Then, with ``--region N`` (default 3; 0 skips it), the same levels through a region on
loopback (benchmarks/region.py): N single-worker replicas over the same index, read-only,
behind nginx, with Redis counting limits and PostgreSQL keeping feedback, printed beside the
single-process figures (skipped with the reason when nginx, redis-server or PostgreSQL is missing).

Per level it prints requests/s, p50/p95/max latency, and the requests that failed (a non-200
status, a body without an answer, or a transport error) and that were lost (not finished
within the level's time cap). It exits 1 if any request failed or was lost.

The API's per-client rate limit (``WTGUIDE_RATE_LIMIT``, default 60/minute) would turn this
load into 429s, since every client here is 127.0.0.1: the server is started with
``WTGUIDE_RATE_LIMIT=1000000/minute``. The server is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import itertools
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.ask import ROOT, WARMUP, ensure_index, percentile
from benchmarks.region import free_port, stop

RATE_LIMIT = "1000000/minute"


@dataclass
class Level:
    clients: int
    sent: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def lost(self) -> int:
        return self.sent - len(self.latencies_ms) - len(self.errors)


class Server:
    """``wtguide serve`` in its own process group, so stopping it reaches its workers and nothing else."""

    def __init__(self, data_dir: Path, embedder: str, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        env = {**os.environ, "WTGUIDE_DATA_DIR": str(data_dir), "WTGUIDE_EMBEDDER": embedder,
               "WTGUIDE_RATE_LIMIT": RATE_LIMIT, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "TOKENIZERS_PARALLELISM": "false"}
        cmd = [sys.executable, "-m", "wtguide.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.log: list[str] = []
        self.load_before = 0.0
        self.ready = threading.Semaphore(0)
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip())
            if "Application startup complete" in line:
                self.ready.release()

    def wait_ready(self, timeout: float) -> None:
        """Every worker has run its lifespan (index and model loaded), and /healthz answers."""
        deadline = time.monotonic() + timeout
        for _ in range(self.workers):
            if not self.ready.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise SystemExit("the server did not start in time:\n" + "\n".join(self.log[-30:]))
        r = httpx.get(self.url + "/healthz", timeout=10)
        if r.status_code != 200:
            raise SystemExit(f"/healthz answered {r.status_code}: {r.text}")

    def memory(self) -> list[tuple[str, int, float, float]]:
        """(role, pid, RSS MB, peak RSS MB) for the server and each of its processes."""
        out = []
        pids = [self.proc.pid]
        while pids:
            pid = pids.pop()
            try:
                status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            role = ("supervisor" if pid == self.proc.pid else "worker" if "multiprocessing.spawn" in cmdline
                    else "helper" if "resource_tracker" in cmdline else "process")
            out.append((role, pid, int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024))
            pids.extend(int(c) for c in children)
        return sorted(out)

    @staticmethod
    def rss_of(pid: int) -> float:
        """The resident memory of ``pid`` in MB (0 when it has gone)."""
        try:
            status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        except OSError:
            return 0.0
        return int(status["VmRSS"].split()[0]) / 1024

    def stop(self) -> None:
        stop(self.proc)


def eval_questions() -> list[dict[str, Any]]:
    """Request bodies for the eval questions; follow-ups carry their history."""
    from evals.dataset import load_questions

    return [{"question": q.question, **({"history": q.history_dicts()} if q.history else {})} for q in load_questions()]


def run_level(url: str, clients: int, bodies: list[dict[str, Any]], time_cap: float) -> Level:
    """``len(bodies)`` requests from ``clients`` threads; whatever is not done by ``time_cap`` is lost."""
    work: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
    for body in bodies:
        work.put(body)
    level = Level(clients=clients, sent=len(bodies))
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + time_cap

    def client() -> None:
        with httpx.Client(base_url=url, timeout=httpx.Timeout(time_cap, connect=10)) as http:
            while time.perf_counter() < deadline:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                try:
                    r = http.post("/api/ask", json=body,
                                  timeout=max(0.1, deadline - time.perf_counter()))
                    ok = r.status_code == 200 and isinstance(r.json().get("answer"), str)
                    problem = "" if ok else f"{r.status_code} {r.text[:120]}"
                except httpx.TimeoutException:
                    return  # past the cap: counted as lost
                except (httpx.HTTPError, ValueError) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    if problem:
                        level.errors.append(problem)
                    else:
                        level.latencies_ms.append(elapsed)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.perf_counter()) + 5)
    level.wall_s = time.perf_counter() - start
    return level


def report(levels: list[Level], server: Server, embedder: str, memory: list[tuple[str, int, float, float]]) -> None:
    print(f"POST /api/ask on {server.url}, wtguide serve --workers {server.workers}, {embedder} embedder, "
          f"WTGUIDE_RATE_LIMIT={RATE_LIMIT}")
    print(f"machine load average before/after: {server.load_before:.1f} / {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} CPUs; anything else running skews these figures)")
    table(levels)
    for role, pid, rss, peak in memory:
        print(f"server {role} (pid {pid}): RSS {rss:.0f} MB, peak {peak:.0f} MB")


def table(levels: list[Level]) -> None:
    head = f"{'clients':>7} {'requests':>8} {'ok':>4} {'errors':>6} {'lost':>4} {'wall s':>7} {'req/s':>6} " \
           f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'mean ms':>7}"
    print(head)
    for lv in levels:
        lat = lv.latencies_ms
        done = len(lat) + len(lv.errors)
        stats = (f"{percentile(lat, 50):>7.0f} {percentile(lat, 95):>7.0f} {max(lat):>7.0f} "
                 f"{statistics.fmean(lat):>7.0f}") if lat else f"{'-':>7} {'-':>7} {'-':>7} {'-':>7}"
        print(f"{lv.clients:>7} {lv.sent:>8} {len(lat):>4} {len(lv.errors):>6} {lv.lost:>4} {lv.wall_s:>7.1f} "
              f"{done / lv.wall_s:>6.1f} {stats}")
        for problem in sorted(set(lv.errors))[:5]:
            print(f"        error: {problem}")


def run_region(data_dir: Path, embedder: str, replicas: int, levels: list[int], batches: list[list[dict[str, Any]]],
               warmup: list[dict[str, Any]], time_cap: float) -> list[Level]:
    """The same levels through ``replicas`` replicas behind nginx; prints a table like ``report``'s."""
    from benchmarks.region import Missing, Region

    try:
        with Region(data_dir, replicas=replicas, embedder=embedder, env={"WTGUIDE_RATE_LIMIT": RATE_LIMIT}) as region:
            warm = run_level(region.url, replicas * 2, warmup * replicas, time_cap=120)
            if warm.errors or warm.lost:
                raise SystemExit(f"region warm-up failed: {warm.errors[:3]} ({warm.lost} lost)")
            load_before = os.getloadavg()[0]
            results = [run_level(region.url, c, batch, time_cap) for c, batch in zip(levels, batches, strict=True)]
            rss = [Server.rss_of(r.proc.pid) for r in region.replicas]
    except Missing as exc:
        print(f"region skipped: {exc}")
        return []
    print(f"\nthe same through nginx to {replicas} replicas (wtguide serve --workers 1 each, one read-only index, "
          f"Redis limits, PostgreSQL feedback); load average before {load_before:.1f}")
    table(results)
    print(f"replicas' RSS: {', '.join(f'{mb:.0f} MB' for mb in rss)}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=60, help="requests per level (default 60)")
    parser.add_argument("--levels", default="1,4,16", help="concurrent clients per level (default 1,4,16)")
    parser.add_argument("--time-cap", type=float, default=180.0, help="seconds per level before the rest is lost")
    parser.add_argument("--embedder", choices=["minilm", "fake"], default="minilm")
    parser.add_argument("--data-dir", type=Path, help="index location (default: a fresh temp dir)")
    parser.add_argument("--region", type=int, default=3, help="replicas behind nginx measured after (0: skip)")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",")]

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix=f"wtguide-bench-load-{args.embedder}-"))
    ingest_s = ensure_index(data_dir, args.embedder)
    print(f"index: {data_dir} (wtguide ingest, {args.embedder} embedder: {ingest_s:.1f}s)", file=sys.stderr)
    pool = itertools.cycle(eval_questions())
    batches = [[next(pool) for _ in range(args.requests)] for _ in levels]
    warmup = [{"question": q} for q in WARMUP] * args.workers

    load_before = os.getloadavg()[0]
    server = Server(data_dir, args.embedder, args.workers)
    server.load_before = load_before
    try:
        server.wait_ready(timeout=300)
        warm = run_level(server.url, args.workers, warmup, time_cap=120)
        if warm.errors or warm.lost:
            raise SystemExit(f"warm-up failed: {warm.errors[:3]} ({warm.lost} lost)")
        results = [run_level(server.url, c, batch, args.time_cap) for c, batch in zip(levels, batches, strict=True)]
        memory = server.memory()
    finally:
        server.stop()
    report(results, server, args.embedder, memory)
    if args.region:
        results += run_region(data_dir, args.embedder, args.region, levels, batches, warmup, args.time_cap)
    bad = sum(len(lv.errors) + lv.lost for lv in results)
    if bad:
        print(f"FAILED: {bad} requests failed or were lost", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
