"""Measures one workload's measured part: wall time, process CPU time, RSS high-water."""

from __future__ import annotations

import cProfile
import gc
import resource
import time
from typing import Any


def max_rss_kib() -> int:
    """This process's resident-set high-water mark so far (VmHWM), in KiB.

    Not getrusage's ru_maxrss: Linux carries the parent's high-water mark across
    fork+exec into it, so every child of a big parent would report the parent's size.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Timer:
    """start() and stop() bracket the measured part (once); optionally under cProfile."""

    def __init__(self, profile_path: str | None = None) -> None:
        self.profile_path = profile_path
        self._profiler: cProfile.Profile | None = None
        self.wall = self.cpu = 0.0
        self.rss_before_kib = self.rss_peak_kib = 0
        self._t0 = self._c0 = 0.0
        self.started = self.stopped = False

    def start(self) -> None:
        gc.collect()  # garbage of the set-up is not the workload's
        self.rss_before_kib = max_rss_kib()
        if self.profile_path:
            # CPU clock: the profile shows where the process burns CPU, not where it waits.
            self._profiler = cProfile.Profile(time.process_time)
            self._profiler.enable()
        self.started = True
        self._c0 = time.process_time()
        self._t0 = time.perf_counter()

    def stop(self) -> None:
        t1 = time.perf_counter()
        c1 = time.process_time()
        if self._profiler is not None:
            self._profiler.disable()
            self._profiler.dump_stats(str(self.profile_path))
        self.wall = t1 - self._t0
        self.cpu = c1 - self._c0
        self.rss_peak_kib = max_rss_kib()
        self.stopped = True

    def result(self) -> dict[str, Any]:
        return {
            "wall": self.wall,
            "cpu": self.cpu,
            "rss_peak_mib": self.rss_peak_kib / 1024,
            "rss_before_mib": self.rss_before_kib / 1024,
        }
