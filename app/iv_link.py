"""The intervention view's link value ``iv``: ``{"c": [{"g", "v", "u", "s"}, …], "z": [units]}``.

``parse_link`` reads it the way the view's widgets would accept it, and never raises: a gate the
cell can clamp, a finite value in the gate's range (sigmoid gates [0, 1], tanh quantities [−1, 1],
from the cell spec's kinds — the number box's range), units among the model's, a step range
``[start, end)`` with 0 ≤ start < end ≤ MAX_STEP. What is bad is dropped — a unit, a clamp, or the
whole value when it is not such JSON at all — the rest is kept, and every drop is listed so that the
page can say so.
"""

from __future__ import annotations

import json
import math

from cells.spec import CellSpec

MAX_IV_CHARS = 20_000
MAX_CLAMPS = 64
MAX_STEP = 1_000_000  # more than any sentence the page reads (app.sentence.MAX_TOKENS)

Dropped = list[tuple[str, object]]  # (where in the value, what was there)


def value_range(spec: CellSpec, gate: str) -> tuple[float, float]:
    """The values a gate can be clamped to: [−1, 1] for tanh quantities, else [0, 1]."""
    return (-1.0, 1.0) if spec.kind(gate) == "tanh" else (0.0, 1.0)


def _is_int(x: object) -> bool:
    return type(x) is int


def _units(raw: object, hidden: int, where: str, dropped: Dropped) -> list[int] | None:
    """The valid units of a list, sorted and without repeats (bad ones dropped); None if not a list."""
    if not isinstance(raw, list):
        dropped.append((where, raw))
        return None
    good = []
    for k, u in enumerate(raw[: hidden + 16]):
        if _is_int(u) and 0 <= u < hidden:
            good.append(u)
        else:
            dropped.append((f"{where}[{k}]", u))
    if len(raw) > hidden + 16:
        dropped.append((f"{where}[{hidden + 16}:]", f"{len(raw) - hidden - 16} more"))
    return sorted(set(good))


def _clamp(raw: object, where: str, spec: CellSpec, hidden: int, dropped: Dropped) -> dict | None:
    if not isinstance(raw, dict):
        dropped.append((where, raw))
        return None
    gate, value, units, steps = raw.get("g"), raw.get("v"), raw.get("u"), raw.get("s")
    if not isinstance(gate, str) or gate not in spec.clampable:
        dropped.append((f"{where}.g", gate))
        return None
    lo, hi = value_range(spec, gate)
    if type(value) not in (int, float) or not math.isfinite(value) or not lo <= value <= hi:
        dropped.append((f"{where}.v", value))
        return None
    if units is not None:
        units = _units(units, hidden, f"{where}.u", dropped)
        if not units:  # every unit named was bad: clamping all units instead would be wrong
            return None
    if steps is not None:
        ok = (isinstance(steps, list) and len(steps) == 2 and all(_is_int(s) for s in steps)
              and 0 <= steps[0] < steps[1] <= MAX_STEP)
        if not ok:
            dropped.append((f"{where}.s", steps))
            return None
        steps = [steps[0], steps[1]]
    return {"gate": gate, "value": float(value), "units": units, "steps": steps}


def parse_link(
    value: str | None, spec: CellSpec, hidden: int
) -> tuple[list[dict], list[int], Dropped] | None:
    """Interventions from the link's ``iv`` value: (clamps, zeroed units, what was dropped); None
    if there is no value. Never raises."""
    if not value:
        return None
    if len(value) > MAX_IV_CHARS:
        return [], [], [("iv", value[:40])]
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):  # not JSON, 10,000 brackets deep, 5,000-digit integers
        return [], [], [("iv", value)]
    if not isinstance(data, dict):
        return [], [], [("iv", value)]
    dropped: Dropped = []
    raw_clamps = data.get("c") or []
    if not isinstance(raw_clamps, list):
        dropped.append(("c", raw_clamps))
        raw_clamps = []
    if len(raw_clamps) > MAX_CLAMPS:
        dropped.append((f"c[{MAX_CLAMPS}:]", f"{len(raw_clamps) - MAX_CLAMPS} more"))
    clamps = [c for k, raw in enumerate(raw_clamps[:MAX_CLAMPS])
              if (c := _clamp(raw, f"c[{k}]", spec, hidden, dropped)) is not None]
    raw_zero = data.get("z")
    zero = [] if raw_zero is None else _units(raw_zero, hidden, "z", dropped) or []
    return clamps, zero, dropped


def link_value(clamps: list[dict], zero: list[int]) -> str | None:
    if not clamps and not zero:
        return None
    data = {"c": [{"g": c["gate"], "v": c["value"], "u": c["units"], "s": c["steps"]} for c in clamps],
            "z": zero}
    return json.dumps(data, separators=(",", ":"))
