"""Time ``cells.run`` against PyTorch's own fused forward: 1,000 steps, 1 layer, 256 units.

    OMP_NUM_THREADS=1 /work/venv/bin/python bench/bench_cells.py [--steps 1000] [--rounds 15]

Both sides run single-threaded: the BLAS thread variables are set below *before* NumPy (and
torch) are imported, and ``torch.set_num_threads(1)``. Repetitions alternate cells / torch in one
process, and the medians are compared, so machine load hits both sides alike.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy/torch are imported: one BLAS thread each

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import cells  # noqa: E402


def bench_one(
    name: str, module: nn.Module, steps: int, rounds: int, input_size: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of every cells.run and every torch forward, in interleaved rounds."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((steps, input_size)).astype(np.float32)
    xt = torch.from_numpy(x).unsqueeze(1)  # (T, batch=1, I)
    model = cells.from_torch(module)
    with torch.no_grad():
        ref = module(xt)[0][:, 0].numpy()
    err = float(np.abs(cells.run(model, x).gates(0, 0)["h"] - ref).max())
    if err > 1e-5:
        raise SystemExit(f"{name}: cells and torch disagree, max abs err {err:.2e}")
    cells_ms, torch_ms = [], []
    with torch.no_grad():
        for _ in range(2):  # warm up both
            cells.run(model, x)
            module(xt)
        for _ in range(rounds):
            t0 = time.perf_counter()
            cells.run(model, x)
            cells_ms.append((time.perf_counter() - t0) * 1e3)
            t0 = time.perf_counter()
            module(xt)
            torch_ms.append((time.perf_counter() - t0) * 1e3)
    return cells_ms, torch_ms


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--input", type=int, default=64)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(
        f"threads: torch.get_num_threads()={torch.get_num_threads()},"
        f" OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']},"
        f" OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']} (set before importing numpy)"
    )
    print(
        f"numpy {np.__version__}, torch {torch.__version__}; {args.steps} steps, 1 layer,"
        f" input {args.input}, hidden {args.hidden}, batch 1, {args.rounds} interleaved rounds,"
        " medians"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'cell':6} {'cells ms':>9} {'torch ms':>9} {'ratio':>6}   (fastest round: cells, torch, ratio)")
    for name, cls in (("LSTM", nn.LSTM), ("GRU", nn.GRU)):
        module = cls(args.input, args.hidden).eval()
        c_all, t_all = bench_one(name, module, args.steps, args.rounds, args.input)
        c_ms, t_ms = statistics.median(c_all), statistics.median(t_all)
        c_min, t_min = min(c_all), min(t_all)
        print(
            f"{name:6} {c_ms:9.2f} {t_ms:9.2f} {c_ms / t_ms:6.2f}"
            f"   ({c_min:.2f}, {t_min:.2f}, {c_min / t_min:.2f})"
        )


if __name__ == "__main__":
    main()
