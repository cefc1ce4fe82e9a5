"""Which units of a character language model track ``charlm.inside_quotes``, with cells alone:

    python -m cells.tasks.quotes assets/models/charlm-gru              # the evaluation paragraphs
    python -m cells.tasks.quotes assets/models/charlm-* --all-held-out  # every held-out paragraph

Prints ``charlm.quote_units`` (unit, Pearson r of h with the variable) for each model folder: the
figure a charlm card's notable unit states.
"""

from __future__ import annotations

import argparse
import sys

import cells
from cells.tasks import charlm


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+", help="model folders, e.g. assets/models/charlm-gru")
    ap.add_argument("--all-held-out", action="store_true",
                    help="every held-out paragraph instead of the evaluation subsample")
    ap.add_argument("--top", type=int, default=3)
    a = ap.parse_args(argv)
    held = charlm.split()[1]
    texts = held if a.all_held_out else charlm.eval_paragraphs(held)
    quoted = sum(any(m in t for m in charlm.QUOTE_MARKS) for t in texts)
    for folder in a.models:
        units = charlm.quote_units(cells.load(folder), texts, a.top)
        print(f"{folder}: {units} (unit, r) over {quoted} paragraphs with a quotation mark")
    return 0


if __name__ == "__main__":
    sys.exit(main())
