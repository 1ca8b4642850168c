"""Benchmark of VP-JNDnet inference on CPU (not a test): seeded random weights, released layer sizes.

    .venv/bin/python bench/bench_network.py                       # 1920x1080, 8 and 16 candidates
    .venv/bin/python bench/bench_network.py --size 6000x4000 --candidates 8 --repeat 1   # peak memory

Prints the parameter count of each pooling variant, the time of prepare() and of probabilities()
per block of candidates, the cost of a 20-evaluation search, and the peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.inference import PatchJudge, PreparedPicture
from vpjnd_cli.model.network import VPJNDNet

SEARCH_EVALUATIONS = 20


def parameter_count(config: NetConfig) -> int:
    with torch.device("meta"):  # counts without allocating the 100 M released parameters
        return sum(p.numel() for p in VPJNDNet(config).parameters())


def pictures(width: int, height: int, count: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """uint8 reference and candidates, float32 JND map; generated in place, never as float64."""
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    jnd = rng.random((height, width), dtype=np.float32)
    jnd *= 22
    jnd += 3
    candidates = [reference ^ np.uint8(k) for k in range(1, count + 1)]
    return reference, jnd, candidates


def timed(call, repeat: int) -> tuple[float, float, object]:
    """Best wall time, CPU time of that run (all threads; wall ~ CPU / threads when the cores are
    free, so the CPU figure shows what other load on a shared machine hides) and the result."""
    best, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = call()
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, time.process_time() - start_cpu
    return best, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT of the picture")
    parser.add_argument("--candidates", default="8,16", help="comma-separated block sizes")
    parser.add_argument("--patches", type=int, default=None, help="patches per picture (default: config)")
    parser.add_argument("--chunk", type=int, default=64, help="max patches per forward chunk")
    parser.add_argument("--repeat", type=int, default=2, help="best of N timings")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto")
    parser.add_argument("--no-half", action="store_true", help="float32 on a GPU too")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    blocks = [int(v) for v in args.candidates.split(",")]

    for variant in (NetConfig(), NetConfig.released()):
        head = variant.weight_head_input
        print(f"parameters, pooling {variant.pooling:8s} ({head} weight head): {parameter_count(variant):,}")

    torch.manual_seed(0)
    config = NetConfig()
    judge = PatchJudge(VPJNDNet(config), args.device, half=not args.no_half,
                       max_patches_per_chunk=args.chunk, patches_per_picture=args.patches)
    reference, jnd, candidates = pictures(width, height, max(blocks))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {judge.device} "
          f"({judge.dtype or torch.float32}); picture {width}x{height}")

    def prepare() -> PreparedPicture:
        prepared = judge.prepare(reference, jnd)
        prepared.views[-1][1].cpu()  # waits for an asynchronous device
        return prepared

    prepare_s, prepare_cpu, prepared = timed(prepare, args.repeat)
    grid = prepared.grid
    print(f"patches per picture: {len(grid)} ({len(grid.ys)} rows x {len(grid.xs)} columns)")
    print(f"prepare(): {prepare_s * 1000:.0f} ms wall, {prepare_cpu * 1000:.0f} ms CPU")
    per_candidate, per_candidate_cpu = float("inf"), float("inf")
    for block in blocks:
        wall, cpu, probs = timed(lambda block=block: judge.probabilities(prepared, candidates[:block]), args.repeat)
        per_candidate, per_candidate_cpu = min(per_candidate, wall / block), min(per_candidate_cpu, cpu / block)
        print(f"probabilities() for {block:3d} candidates: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU; "
              f"{wall / block * 1000:.1f} ms wall per candidate (p[0] = {probs[0]:.4f})")
    search = prepare_s + SEARCH_EVALUATIONS * per_candidate
    search_cpu = prepare_cpu + SEARCH_EVALUATIONS * per_candidate_cpu
    print(f"search of {SEARCH_EVALUATIONS} evaluations: about {search:.2f} s wall, {search_cpu:.2f} s CPU")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
