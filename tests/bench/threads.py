"""9. torch's threads: batch descent through the engine with each thread count, the count
:func:`~gdstudio.core.settings.torch_threads.threads_for` picks against the best.

Each thread count runs in fresh processes, the counts alternating (1, 2, 2, 1, ...), since a
process's OpenMP pool and the machine's momentary load both move the figures. In a process
the engine trains in a thread of its own, as in the studio and ``gdstudio train``, at
N = 10^3 ... 10^6 for the manual and module implementations, each for a fixed time. A
count's figure against the chosen count's is the median of their ratios round by round (two
processes seconds apart share the machine's momentary load). Run with ``run_benchmarks
--busy`` for the busy machine's column. This is the benchmark that chose the policy: on a
busy 2-core machine one thread won at 10^5 and 10^6 points by 4-90x. Below about 32k
numbers torch does not split an operation among threads, so the count cannot change the
speed there: what differs between the counts at 10^3 and 10^4 is the load from one process
to the next.

    python -m tests.bench.run_benchmarks --only threads [--busy] [--quick]
    python -m tests.bench.threads K SECONDS     # one process: K threads (prints JSON)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time

import torch

from gdstudio.core.settings.torch_threads import threads_for, usable_cores

from .common import LR, ROOT

SIZES = [1_000, 10_000, 100_000, 1_000_000]
IMPLS = ["manual", "module"]


def measure(count: int, seconds: float) -> dict[str, float]:
    """Batch epochs/s through the engine with ``count`` torch threads, for each size and
    implementation, in a training thread of this process ("impl-N" -> epochs/s)."""
    import gdstudio.core.training.engine as engine
    from gdstudio.core.data.dataset import random_line
    from gdstudio.core.settings.config import TrainConfig

    engine.threads_for = lambda n, cores=None: count  # the count under test, at every size
    out: dict[str, float] = {}

    def work():
        for n in SIZES:
            data = random_line(n, seed=0)
            for impl in IMPLS:
                config = TrainConfig(impl=impl, learning_rate=LR, epochs=1_000_000,
                                     init_w=-1.0, init_b=1.0)
                records = engine.train(data, config)
                for _ in range(3):  # warm up
                    next(records)
                done, t0 = 0, time.perf_counter()
                while time.perf_counter() - t0 < seconds:
                    next(records)
                    done += 1
                out[f"{impl}-{n}"] = done / (time.perf_counter() - t0)
                records.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return out


def counts() -> list[int]:
    """The thread counts measured: 1, 2, and the machine's cores (torch's default)."""
    return sorted({1, 2, usable_cores(), torch.get_num_threads()})


def bench_threads(quick: bool) -> dict:
    repeats, seconds = (3, 0.3) if quick else (5, 1.0)
    tried = counts()
    figures: dict[int, list[dict[str, float]]] = {k: [] for k in tried}
    for rep in range(repeats):
        for k in (tried if rep % 2 == 0 else tried[::-1]):
            done = subprocess.run([sys.executable, "-m", "tests.bench.threads", str(k),
                                   repr(seconds)], stdout=subprocess.PIPE, text=True,
                                  cwd=ROOT, check=True)
            figures[k].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"threads  k={k} round {rep + 1}/{repeats}: " + ", ".join(
                f"{key} {v:,.0f}" for key, v in figures[k][-1].items()), flush=True)
    rows = []
    default = torch.get_num_threads()
    for n in SIZES:
        for impl in IMPLS:
            key = f"{impl}-{n}"
            eps = {k: statistics.median(f[key] for f in figures[k]) for k in tried}
            chosen = threads_for(n)
            # each count against the chosen one in the same round (processes seconds apart,
            # sharing the machine's momentary load): the median of those paired ratios
            paired = {k: statistics.median(a[key] / c[key] for a, c in
                                           zip(figures[k], figures[chosen], strict=True))
                      for k in tried}
            best = max(paired, key=paired.get)
            rows.append({"n": n, "impl": impl, "eps": {str(k): v for k, v in eps.items()},
                         "rounds": {str(k): [f[key] for f in figures[k]] for k in tried},
                         "chosen": chosen, "best": best, "default": default,
                         "ratio": 1 / paired[best], "vs_default": 1 / paired[default]})
            print(f"threads  N={n:>9,} {impl:6} " + "  ".join(
                f"{k}: {v:9,.1f} ep/s" for k, v in eps.items())
                + f"  chosen {chosen}: {1 / paired[best]:.2f} of the best", flush=True)
    return {"repeats": repeats, "seconds": seconds, "counts": tried, "rows": rows}


def rows(results: dict) -> list[str]:
    out = []
    for r in results["threads"]["rows"]:
        eps = {int(k): v for k, v in r["eps"].items()}
        others = ", ".join(f"{k}: {v:,.1f}" for k, v in eps.items() if k != r["chosen"])
        out.append(
            f"| 9. torch threads, batch descent, {r['impl']}, N={r['n']:,} | "
            f"{eps[r['chosen']]:,.1f} ep/s with {r['chosen']} (threads_for) | "
            f"best {r['best']}; other counts {others} ep/s | **{r['ratio']:.2f}** of the "
            f"best; {r['vs_default']:.2f}× torch's default ({r['default']}) | "
            f"≥ 0.8 of the best |")
    return out


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]), float(sys.argv[2]))))
