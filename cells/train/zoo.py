"""Rebuild the whole model zoo: call every ``cells.train.train_*`` module's ``main()`` in turn.

    python -m cells.train.zoo            # everything, with fixed seeds, from assets/ data
    python -m cells.train.zoo --list     # what would run
    python -m cells.train.zoo --only train_counting train_agreement

Every ``train_*.py`` found beside this file runs; the ones the zoo is known to need must all be
there, or nothing runs and the missing ones are named. Run from the project root (models go to
``assets/models/``). Then ``python -m cells.train.metrics`` re-measures every model with cells.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path

import cells.train

# The trainers the shipped zoo comes from, cheapest first. Any other train_* module found runs after.
EXPECTED = [
    "train_counting",  # anbn-*, anbncn-*
    "train_agreement",  # agreement-*
    "train_names",  # names-*
    "train_sunspots",  # time series
    "train_sentiment",  # sentiment-*
    "train_charlm",  # charlm-*
]


def discover() -> list[str]:
    """Names of the ``train_*`` modules in ``cells/train/``."""
    folder = Path(cells.train.__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("train_"))


def plan(only: list[str] | None = None) -> list[str]:
    """The modules to run, in order; raises SystemExit naming any expected module that is missing."""
    found = discover()
    missing = [m for m in EXPECTED if m not in found]
    if missing:
        raise SystemExit(
            f"zoo: missing trainer module(s) {missing} in cells/train/ (found {found});"
            " the zoo cannot be rebuilt without them"
        )
    order = EXPECTED + [m for m in found if m not in EXPECTED]
    if only:
        unknown = [m for m in only if m not in order]
        if unknown:
            raise SystemExit(f"zoo: --only {unknown}: no such trainer; expected some of {order}")
        order = [m for m in order if m in only]
    return order


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--list", action="store_true", help="print the trainers in order and stop")
    p.add_argument("--only", nargs="+", metavar="train_x", help="run only these trainers")
    a = p.parse_args(argv)
    order = plan(a.only)
    if a.list:
        print("\n".join(order))
        return
    start = time.time()
    for name in order:
        module = importlib.import_module(f"cells.train.{name}")
        entry = getattr(module, "main", None)
        if not callable(entry):
            raise SystemExit(f"zoo: cells.train.{name} has no main()")
        print(f"== zoo: {name} ({time.time() - start:.0f} s so far)", flush=True)
        t0 = time.time()
        entry([])  # its defaults: the shipped models, fixed seeds
        print(f"== zoo: {name} done in {time.time() - t0:.0f} s", flush=True)
    print(f"== zoo: all {len(order)} trainers done in {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
