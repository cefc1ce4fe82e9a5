"""The cell diagram of the step panel, as data: a cell's structure derived from its spec's roles, drawn
by the stepper (``app/stepper.js``) as SVG and lit by the chosen unit's numbers at every step.

Drawn as the seed articles draw the cells: the state line along the top (an LSTM's cell state c, a
GRU's hidden state h), multiplied (×) by what is kept and added (+) to what is written, the gates
in a row below it fed by h₍t−1₎ and x₍t₎. Which picture a cell gets follows from its roles
(``cells.spec.ROLES``), never from its name:

- a ``memory`` state (LSTM): c₍t−1₎ × keep (f) + write (i) × candidate (g) → c₍t₎;
  tanh(c) × read (o) → h₍t₎;
- no memory, a ``keep`` gate (GRU, simplified GRU): h₍t−1₎ × z + (1 − z) × candidate (n) → h₍t₎,
  with the update gate drawn in the chosen convention (PyTorch's z, or the textbook's u = 1 − z, the
  other share reached through a "1 −" node); a ``reset`` gate, if any, scales h₍t−1₎ into the
  candidate;
- no gates (vanilla RNN): h₍t−1₎ and x₍t₎ into its nonlinearity (tanh, or max(0, ·)) → h₍t₎.

A description is ``{"width", "height", "nodes", "edges"}`` in SVG user units (1 unit = 1 px at the
normal size). A node is a ``box`` (lines of words, then the value of ``key`` at the step, coloured on
the scale of ``kind``), an ``op`` (×, +, 1 −) or a ``label`` (x₍t₎). An edge is a polyline whose
thickness and opacity follow |``key``| on the range of ``kind`` (``None``: the largest |value| over
the sentence); it may carry a word and the value of ``label_key`` at ``label_at``. Every word comes
from the string table (``app/strings``); ``diagram_scales`` gives the colour ranges the heatmaps use.
"""

from __future__ import annotations

import numpy as np

from app.charts import color_range
from app.heatmaps import SCALES
from app.i18n import KIND_FUNCTIONS
from cells.spec import CellSpec

NUMBER_PX = 14  # the size the numbers are drawn at (values are drawn a little larger)
PRESENT_NUMBER_PX = 20  # … and when presenting on a projector

# Rows and sizes of the layout (SVG user units)
TOP, MID, ROW, BUS = 34, 96, 152, 200  # the state line, the multiplications, the gates, h & x bus
BOX_W, BOX_H = 88, 62  # a gate or state box: name, symbol, value
FN_W, FN_H = 70, 44  # a function box on a line (tanh of the cell state): symbol, value
OP_R = 13  # an operation's circle
X_PREV = 50  # the column of the states the step starts from
GAP = 100  # between the columns of neighbouring gate boxes
PAD = 10  # below the bus, right of the last box
PILL_W, PILL_H = 46, 22  # the "1 − z" node


def cell_diagram(spec: CellSpec, convention: str, words: dict) -> dict:
    """The layout of ``spec``'s cell (update gate shown as ``convention``: ``"z"`` or ``"u"``),
    with ``words`` the stepper's string table (``gate_short``, ``sub``, ``sub_prev``, ``kept``,
    ``written``, ``columns``)."""
    if convention not in spec.conventions:
        convention = "z"
    builder = _Layout(spec, words)
    if spec.role_gate("memory"):
        builder.memory_cell()
    elif spec.role_gate("keep"):
        builder.mixing_cell(convention)
    else:
        builder.plain_cell()
    return builder.description()


def diagram_scales(spec: CellSpec, gates: dict[str, np.ndarray]) -> dict[str, dict]:
    """``{kind: {"lo", "hi", "stops"}}``: the colour range of every kind of ``spec``'s quantities,
    as the heatmaps draw them (fixed for sigmoid and tanh; for an unbounded state, the symmetric
    range over every unit of ``gates`` ({key: (T, H)}), so one colour means one value everywhere)."""
    out = {}
    for kind in {*(g.kind for g in spec.gates), "sigmoid", "tanh"}:
        values = [np.asarray(gates[g.key]) for g in spec.gates if g.kind == kind and g.key in gates]
        lo, hi, scale = color_range(kind, np.concatenate([v.ravel() for v in values]) if values
                                    else np.zeros(0))
        out[kind] = {"lo": float(lo), "hi": float(hi), "stops": SCALES[scale]}
    return out


class _Layout:
    """Collects the nodes and edges of one diagram; the cell shapes below place them by role."""

    def __init__(self, spec: CellSpec, words: dict) -> None:
        self.spec, self.words = spec, words
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.width = 0.0
        self.height = float(BUS + PAD)

    # --- words ------------------------------------------------------------------------------------
    def name(self, key: str) -> str:
        return str(self.words["gate_short"].get(key, key))

    def symbol(self, key: str, sub: str = "") -> str:
        return key + (self.words[sub] if sub else "")

    def function(self, key: str) -> str:
        return KIND_FUNCTIONS[self.spec.kind(key)]

    # --- pieces -----------------------------------------------------------------------------------
    def gate_box(self, key: str, x: float, y: float = ROW) -> None:
        """A gate: its name, ``key = σ`` (or tanh), and its value, coloured on its kind's scale."""
        self.box(key, x, y, [self.name(key), f"{key} = {self.function(key)}"], key, self.spec.kind(key))

    def state_box(self, key: str, x: float, y: float, prev: bool) -> None:
        """A state at the start (``prev``: ``<key>_prev``) or the end of the step."""
        value = f"{key}_prev" if prev else key
        self.box(f"{value}", x, y, [self.name(key), self.symbol(key, "sub_prev" if prev else "sub")],
                 value, self.spec.kind(key))

    def box(self, node_id: str, x: float, y: float, lines: list[str], key: str | None,
            kind: str | None, w: float = BOX_W, h: float = BOX_H) -> None:
        self.nodes.append({"id": node_id, "shape": "box", "x": x, "y": y, "w": w, "h": h,
                           "lines": lines, "key": key, "kind": kind})
        self.width = max(self.width, x + w / 2 + PAD)

    def op(self, node_id: str, x: float, y: float, symbol: str, w: float = 2 * OP_R,
           h: float = 2 * OP_R) -> None:
        """An operation: a circle (×, +), or a pill ``w`` wide and ``h`` tall (1 − z)."""
        self.nodes.append({"id": node_id, "shape": "op", "x": x, "y": y, "w": w, "h": h,
                           "lines": [symbol], "key": None, "kind": None})

    def label(self, node_id: str, x: float, y: float, text: str) -> None:
        self.nodes.append({"id": node_id, "shape": "label", "x": x, "y": y, "lines": [text],
                           "key": None, "kind": None})

    def edge(self, points: list[tuple[float, float]], key: str | None = None,
             kind: str | None = None, arrow: bool = True, word: str = "",
             label_key: str | None = None, label_at: tuple[float, float] | None = None,
             anchor: str = "middle") -> None:
        """A line through ``points``; weighted by |``key``| on ``kind``'s range (``kind`` None:
        the key's own largest |value|); labelled with ``word`` and the value of ``label_key``."""
        self.edges.append({"points": [list(p) for p in points], "key": key,
                           "kind": kind if key else None, "arrow": arrow, "word": word,
                           "label_key": label_key, "label_at": list(label_at) if label_at else None,
                           "anchor": anchor})

    def bus(self, x_end: float, taps: list[float], joins_at: float) -> None:
        """h₍t−1₎ and x₍t₎ along the bottom, up into every gate (``taps``: their columns); the
        h₍t−1₎ box above joins it at ``joins_at`` (its bottom edge)."""
        self.label("x", 18, BUS, self.symbol("x", "sub"))
        self.edge([(30, BUS), (x_end, BUS)], arrow=False)
        self.edge([(X_PREV, joins_at), (X_PREV, BUS)], arrow=False)
        for x in taps:
            self.edge([(x, BUS), (x, ROW + BOX_H / 2)])

    def description(self) -> dict:
        return {"width": round(self.width), "height": round(self.height), "nodes": self.nodes,
                "edges": self.edges}

    # --- the three shapes of cell -----------------------------------------------------------------
    def memory_cell(self) -> None:
        """c₍t−1₎ → × keep → + (write × candidate) → c₍t₎ → tanh → × read → h₍t₎ (an LSTM)."""
        s, w = self.spec, self.words
        memory, hidden = s.role_gate("memory"), s.role_gate("hidden")
        keep, write, cand, read = (s.role_gate(r) for r in ("keep", "write", "candidate", "read"))
        line = s.kind(memory)
        k_col = X_PREV + GAP
        w_col, c_col = k_col + GAP, k_col + 2 * GAP
        mix = (w_col + c_col) / 2  # the write multiplication and the addition
        r_col = c_col + GAP
        act = r_col + GAP - 6  # tanh(c) above, × read beside the read gate
        out = act + GAP - 6
        self.state_box(memory, X_PREV, TOP, prev=True)
        self.state_box(memory, out, TOP, prev=False)
        self.state_box(hidden, X_PREV, ROW, prev=True)
        self.state_box(hidden, out, ROW, prev=False)
        for key, col in ((keep, k_col), (write, w_col), (cand, c_col), (read, r_col)):
            self.gate_box(key, col)
        self.op("keep", k_col, TOP, "×")
        self.op("add", mix, TOP, "+")
        self.op("write", mix, MID, "×")
        self.op("read", act, ROW, "×")
        tanh_key = f"tanh_{memory}"
        self.box(tanh_key, act, MID - 8, [f"tanh({memory})"], tanh_key, "tanh", FN_W, FN_H)
        # the memory line: kept, then written added
        self.edge([(X_PREV + BOX_W / 2, TOP), (k_col - OP_R, TOP)], f"{memory}_prev", line)
        self.edge([(k_col + OP_R, TOP), (mix - OP_R, TOP)], "kept", line, word=w["kept"],
                  label_key="kept", label_at=((k_col + mix) / 2, TOP - 8))
        self.edge([(mix, MID - OP_R), (mix, TOP + OP_R)], "written", line, word=w["written"],
                  label_key="written", label_at=(mix - 8, (TOP + MID) / 2 + 6), anchor="end")
        self.edge([(mix + OP_R, TOP), (out - BOX_W / 2, TOP)], memory, line)
        self.edge([(act, TOP), (act, MID - 8 - FN_H / 2)], memory, line)
        self.edge([(act, MID - 8 + FN_H / 2), (act, ROW - OP_R)], tanh_key, "tanh")
        self.edge([(act + OP_R, ROW), (out - BOX_W / 2, ROW)], hidden, s.kind(hidden))
        # the gates into their multiplications
        top = ROW - BOX_H / 2
        self.edge([(k_col, top), (k_col, TOP + OP_R)], keep, s.kind(keep))
        self.edge([(w_col, top), (w_col, MID), (mix - OP_R, MID)], write, s.kind(write))
        self.edge([(c_col, top), (c_col, MID), (mix + OP_R, MID)], cand, s.kind(cand))
        self.edge([(r_col + BOX_W / 2, ROW), (act - OP_R, ROW)], read, s.kind(read))
        self.bus(r_col, [k_col, w_col, c_col, r_col], ROW + BOX_H / 2)

    def mixing_cell(self, convention: str) -> None:
        """h₍t−1₎ → × z → + ((1 − z) × candidate) → h₍t₎, the update gate shown as z or u = 1 − z,
        and a reset gate (if any) scaling h₍t−1₎ into the candidate (a GRU, a simplified GRU)."""
        s, w = self.spec, self.words
        hidden, keep, cand = s.role_gate("hidden"), s.role_gate("keep"), s.role_gate("candidate")
        reset = s.role_gate("reset")
        write = s.role_gate("write") or keep  # u = 1 − z when the textbook's update gate is shown
        shown = write if convention == "u" else keep
        line = s.kind(hidden)
        k_col = X_PREV + GAP
        if reset:
            r_col = k_col + GAP
            r_op = r_col + 78  # × reset, between the reset gate and the candidate
            c_col = r_op + 88
        else:
            c_col = k_col + GAP + 40
        out = c_col + GAP + 16
        self.state_box(hidden, X_PREV, TOP, prev=True)
        self.state_box(hidden, out, TOP, prev=False)
        self.gate_box(shown, k_col)
        self.gate_box(cand, c_col)
        self.op("keep", k_col, TOP, "×")
        self.op("add", c_col, TOP, "+")
        self.op("write", c_col, MID, "×")
        # the state line
        self.edge([(X_PREV + BOX_W / 2, TOP), (k_col - OP_R, TOP)], f"{hidden}_prev", line)
        self.edge([(k_col + OP_R, TOP), (c_col - OP_R, TOP)], "kept", line, word=w["kept"],
                  label_key="kept", label_at=((k_col + c_col) / 2, TOP - 8))
        self.edge([(c_col, MID - OP_R), (c_col, TOP + OP_R)], "written", line, word=w["written"],
                  label_key="written", label_at=(c_col - 8, (TOP + MID) / 2 + 6), anchor="end")
        self.edge([(c_col + OP_R, TOP), (out - BOX_W / 2, TOP)], hidden, line)
        # the update gate: straight up into the kept share, across into the written share; the
        # share it is not reaches its multiplication through "1 −"
        top = ROW - BOX_H / 2
        one_minus = f"1 − {shown}"
        self.edge([(k_col, top), (k_col, MID)], shown, "sigmoid", arrow=False)
        if shown == keep:
            mid = (k_col + c_col) / 2
            self.edge([(k_col, MID), (k_col, TOP + OP_R)], keep, "sigmoid")
            self.op("one_minus", mid, MID, one_minus, PILL_W, PILL_H)
            self.edge([(k_col, MID), (mid - PILL_W / 2, MID)], keep, "sigmoid")
            self.edge([(mid + PILL_W / 2, MID), (c_col - OP_R, MID)], write, "sigmoid")
        else:
            mid = (TOP + OP_R + MID) / 2  # halfway up to the kept share's multiplication
            self.op("one_minus", k_col, mid, one_minus, PILL_W, PILL_H)
            self.edge([(k_col, MID), (k_col, mid + PILL_H / 2)], write, "sigmoid")
            self.edge([(k_col, mid - PILL_H / 2), (k_col, TOP + OP_R)], keep, "sigmoid")
            self.edge([(k_col, MID), (c_col - OP_R, MID)], write, "sigmoid")
        self.edge([(c_col, top), (c_col, MID + OP_R)], cand, s.kind(cand))
        taps = [k_col, c_col]
        if reset:
            self.gate_box(reset, r_col)
            self.op("reset", r_op, ROW, "×")
            self.edge([(r_col + BOX_W / 2, ROW), (r_op - OP_R, ROW)], reset, s.kind(reset))
            self.edge([(r_op, BUS), (r_op, ROW + OP_R)], f"{hidden}_prev", line)
            self.edge([(r_op + OP_R, ROW), (c_col - BOX_W / 2, ROW)], f"{cand}.recurrent")
            taps.insert(1, r_col)
        self.bus(c_col, taps, TOP + BOX_H / 2)

    def plain_cell(self) -> None:
        """h₍t−1₎ and x₍t₎ into the nonlinearity → h₍t₎ (a vanilla RNN, tanh or ReLU)."""
        s, w = self.spec, self.words
        hidden = s.role_gate("hidden")
        kind = s.kind(hidden)
        join = X_PREV + GAP - 10  # where x₍t₎ joins h₍t−1₎
        act = join + 2 * GAP  # the nonlinearity
        out = act + GAP + 30
        pre = f"{hidden}.pre"
        self.state_box(hidden, X_PREV, TOP, prev=True)
        self.state_box(hidden, out, TOP, prev=False)
        self.box("act", act, TOP, [self.function(hidden)], None, None, FN_W + 40, FN_H)
        self.label("x", join, MID - 20, self.symbol("x", "sub"))
        self.edge([(X_PREV + BOX_W / 2, TOP), (join, TOP)], f"{hidden}_prev", kind, arrow=False)
        self.edge([(join, MID - 36), (join, TOP + 2)])
        self.edge([(join, TOP), (act - (FN_W + 40) / 2, TOP)], pre, word=w["columns"][4],
                  label_key=pre, label_at=((join + act) / 2 - 20, TOP - 8))
        self.edge([(act + (FN_W + 40) / 2, TOP), (out - BOX_W / 2, TOP)], hidden, kind)
        self.height = float(MID - 20 + 2 * PAD)
