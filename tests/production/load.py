"""A small threaded load generator: N clients for T seconds, each looping over its task,
recording (kind, status, seconds) for every request. Enough for a bounded CI load test;
no locust needed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Task = Callable[[int], tuple[str, int]]  # (iteration) -> (kind, HTTP status)


@dataclass
class Results:
    samples: list[tuple[str, int, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.samples.append((kind, status, seconds))

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    def of(self, kind: str) -> list[tuple[str, int, float]]:
        return [s for s in self.samples if s[0] == kind]

    def errors(self, ok: tuple[int, ...] = (200, 201)) -> list[tuple[str, int, float]]:
        return [s for s in self.samples if s[1] not in ok]

    def percentile(self, kind: str, p: float) -> float:
        times = sorted(s[2] for s in self.of(kind))
        if not times:
            return float("nan")
        return times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]


def run(tasks: list[tuple[Task, float]], seconds: float) -> Results:
    """One thread per (task, think time) until ``seconds`` have passed; each client waits its
    think time between requests (not measured); every request is recorded."""
    results = Results()
    stop = time.monotonic() + seconds

    def client(task: Task, think: float) -> None:
        i = 0
        while time.monotonic() < stop:
            if i and think:
                time.sleep(think)
            started = time.perf_counter()
            try:
                kind, status = task(i)
            except Exception as exc:  # a reset, a timeout: an error, recorded with its name
                results.fail(f"{type(exc).__name__}: {exc}")
                results.add("exception", 0, time.perf_counter() - started)
            else:
                results.add(kind, status, time.perf_counter() - started)
            i += 1

    threads = [threading.Thread(target=client, args=t, daemon=True) for t in tasks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    return results
