"""The cells Gatescope knows: the one place where the cell modules are listed.

A cell module holds its equations (docstring), ``SPEC``/``SPECS`` (``cells.spec.CellSpec``, one per
nonlinearity it supports), ``run_direction(…, hook=None, spec=SPEC)``, ``backward_step`` and
``unit_parts``. Everything else reads the cells from here.
"""

from __future__ import annotations

from types import ModuleType

from cells import gru, lstm, rnn, sgru
from cells.spec import CellSpec

CELLS: tuple[ModuleType, ...] = (lstm, gru, sgru, rnn)

MODULES: dict[str, ModuleType] = {m.SPEC.name: m for m in CELLS}
SPECS: dict[str, CellSpec] = {m.SPEC.name: m.SPEC for m in CELLS}  # the default spec of each
ALL_SPECS: tuple[CellSpec, ...] = tuple(s for m in CELLS for s in m.SPECS)


def spec_of(cell: str, nonlinearity: str = "tanh") -> CellSpec:
    """The spec of ``cell`` (with ``nonlinearity``, for a cell that has more than one)."""
    if cell not in MODULES:
        raise KeyError(f"unknown cell {cell!r}: expected one of {sorted(MODULES)}")
    for spec in MODULES[cell].SPECS:
        if spec.nonlinearity == nonlinearity:
            return spec
    return MODULES[cell].SPEC
