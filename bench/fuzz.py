"""Fuzz the readers of outside input with 100,000+ generated cases and print counts by outcome.

    /work/main/.venv/bin/python bench/fuzz.py [--cases 120000] [--seed 1]

Three readers, a third of the cases each (the card's share traces the small models it lets
through): the link's ``iv`` parser (``app.iv_link.parse_link``), the card parser
(``cells.card.parse_card``) and the safetensors reader (``cells.modelfile.parse_weights``). The
generators are ``tests/fuzzing.py``'s (seeded; the suite runs a few thousand). An outcome named
``crash:…`` or ``wrong:…`` is a finding; the exit status is 1 if there is any.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import FUZZERS, failures  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=120_000, help="total, split over the readers")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)  # float overflow in generated data is the point
    share = args.cases // len(FUZZERS)
    found, total = {}, 0
    for name, fuzz in FUZZERS.items():
        start = time.perf_counter()
        counts = fuzz(share, args.seed)
        took = time.perf_counter() - start
        total += sum(counts.values())
        print(f"{name}: {sum(counts.values()):,} cases in {took:.1f} s")
        for outcome, n in counts.most_common():
            print(f"  {outcome:28s} {n:>8,}")
        found.update({f"{name}: {k}": v for k, v in failures(counts).items()})
    print(f"total: {total:,} cases, {sum(found.values()):,} findings {found or ''}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
