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

A description is ``{"width", "height", "nodes", "edges", "legend"}`` in SVG user units (1 unit = 1 px
at the normal size; at most ``MAX_WIDTH`` wide, to fit the explorer's stepper column at 1280×720). A
node is a ``box`` (its symbol and function, then the value of ``key`` at the step, coloured on the
scale of ``kind``; its name in ``title``, a tooltip, and in the ``legend``: [symbol, name] pairs
drawn below it), an ``op`` (×, +, 1 −) or a ``label`` (x₍t₎). An edge is a polyline whose
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

# Rows and sizes of the layout (SVG user units). Compact, to sit in the explorer's stepper column at
# 1280×720 (about 450 px in normal mode; ×20/14 of it when presenting): a box shows its symbol and
# function and its value; its name is in its tooltip and in the legend below the drawing.
TOP, MID, ROW, BUS = 33, 79, 125, 159  # the state line, the multiplications, the gates, h & x bus
BOX_W, BOX_H = 58, 44  # a gate or state box: symbol, value
FN_W, FN_H = 62, 40  # a function box on a line (tanh of the cell state): symbol, value
OP_R = 13  # an operation's circle
X_PREV = 32  # the column of the states the step starts from
GAP = 66  # between the columns of neighbouring gate boxes
PAD = 6  # right of the last box
PILL_W, PILL_H = 46, 22  # the "1 − z" node
LABEL_ABOVE = 17  # a line's label: its baseline this far above the line (clear of its circles)
CHAR_W = 0.56  # a label's average character width, in units of the font size (for fitting it)
MAX_WIDTH = 450  # the widest diagram: the stepper column at 1280×720


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
        self.legend: list[list[str]] = []  # [symbol, name] of every box, in the order drawn
        self.width = 0.0
        self.height = float(BUS + 2 * PAD)

    # --- words ------------------------------------------------------------------------------------
    def name(self, key: str) -> str:
        return str(self.words["gate_short"].get(key, key))

    def symbol(self, key: str, sub: str = "") -> str:
        return key + (self.words[sub] if sub else "")

    def function(self, key: str) -> str:
        return KIND_FUNCTIONS[self.spec.kind(key)]

    def named(self, key: str) -> str:
        """``key``'s name, listed once in the legend."""
        if all(symbol != key for symbol, _ in self.legend):
            self.legend.append([key, self.name(key)])
        return self.name(key)

    # --- pieces -----------------------------------------------------------------------------------
    def gate_box(self, key: str, x: float, y: float = ROW) -> None:
        """A gate: ``key = σ`` (or tanh) and its value, coloured on its kind's scale; its name in
        its tooltip and the legend."""
        self.box(key, x, y, [f"{key} = {self.function(key)}"], key, self.spec.kind(key),
                 title=self.named(key))

    def state_box(self, key: str, x: float, y: float, prev: bool) -> None:
        """A state at the start (``prev``: ``<key>_prev``) or the end of the step."""
        value = f"{key}_prev" if prev else key
        self.box(value, x, y, [self.symbol(key, "sub_prev" if prev else "sub")], value,
                 self.spec.kind(key), title=self.named(key))

    def box(self, node_id: str, x: float, y: float, lines: list[str], key: str | None,
            kind: str | None, w: float = BOX_W, h: float = BOX_H, title: str = "") -> None:
        self.nodes.append({"id": node_id, "shape": "box", "x": x, "y": y, "w": w, "h": h,
                           "lines": lines, "key": key, "kind": kind, "title": title})
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
        the key's own largest |value|); labelled with ``word`` and the value of ``label_key``
        (``label_at``: the label's baseline point, ``anchor``: which end of it is there)."""
        self.edges.append({"points": [list(p) for p in points], "key": key,
                           "kind": kind if key else None, "arrow": arrow, "word": word,
                           "label_key": label_key, "label_at": list(label_at) if label_at else None,
                           "anchor": anchor})

    def bus(self, x_end: float, taps: list[float], joins_at: float) -> None:
        """h₍t−1₎ and x₍t₎ along the bottom, up into every gate (``taps``: their columns); the
        h₍t−1₎ box above joins it at ``joins_at`` (its bottom edge)."""
        self.label("x", 13, BUS, self.symbol("x", "sub"))
        self.edge([(24, BUS), (x_end, BUS)], arrow=False)
        self.edge([(X_PREV, joins_at), (X_PREV, BUS)], arrow=False)
        for x in taps:
            self.edge([(x, BUS), (x, ROW + BOX_H / 2)])

    def description(self) -> dict:
        return {"width": round(self.width), "height": round(self.height), "nodes": self.nodes,
                "edges": self.edges, "legend": self.legend}

    # --- the three shapes of cell -----------------------------------------------------------------
    def memory_cell(self) -> None:
        """c₍t−1₎ → × keep → + (write × candidate) → c₍t₎; c₍t₎ → tanh → × read → h₍t₎ (an LSTM).
        The gates in a row (keep, write, candidate, read); tanh and × read in a column beside the
        read gate, c₍t₎ and h₍t₎ at the right."""
        s, w = self.spec, self.words
        memory, hidden = s.role_gate("memory"), s.role_gate("hidden")
        keep, write, cand, read = (s.role_gate(r) for r in ("keep", "write", "candidate", "read"))
        line = s.kind(memory)
        k_col = X_PREV + GAP
        w_col, c_col, r_col = k_col + GAP, k_col + 2 * GAP, k_col + 3 * GAP + 2
        mix = (w_col + c_col) / 2  # the write multiplication and the addition
        act = r_col + BOX_W / 2 + 16 + OP_R  # tanh(c) above, × read beside the read gate
        out = act + OP_R + 14 + BOX_W / 2
        self.state_box(memory, X_PREV, TOP, prev=True)
        self.state_box(hidden, X_PREV, ROW, prev=True)
        for key, col in ((keep, k_col), (write, w_col), (cand, c_col), (read, r_col)):
            self.gate_box(key, col)
        self.state_box(memory, out, TOP, prev=False)
        self.state_box(hidden, out, ROW, prev=False)
        self.op("keep", k_col, TOP, "×")
        self.op("add", mix, TOP, "+")
        self.op("write", mix, MID, "×")
        self.op("read", act, ROW, "×")
        tanh_key = f"tanh_{memory}"
        self.box(tanh_key, act, MID, [f"tanh({memory})"], tanh_key, "tanh", FN_W, FN_H)
        # the memory line: kept, then written added
        self.edge([(X_PREV + BOX_W / 2, TOP), (k_col - OP_R, TOP)], f"{memory}_prev", line)
        self.edge([(k_col + OP_R, TOP), (mix - OP_R, TOP)], "kept", line, word=w["kept"],
                  label_key="kept", label_at=((k_col + mix) / 2, TOP - LABEL_ABOVE))
        self.edge([(mix, MID - OP_R), (mix, TOP + OP_R)], "written", line, word=w["written"],
                  label_key="written", label_at=(mix + OP_R + 2, TOP + 21), anchor="start")
        self.edge([(mix + OP_R, TOP), (out - BOX_W / 2, TOP)], memory, line)
        self.edge([(act, TOP), (act, MID - FN_H / 2)], memory, line)
        self.edge([(act, MID + FN_H / 2), (act, ROW - OP_R)], tanh_key, "tanh")
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
            r_op = r_col + BOX_W / 2 + 14 + OP_R  # × reset, between the reset gate and the candidate
            c_col = r_op + OP_R + 14 + BOX_W / 2
        else:
            c_col = k_col + 2 * GAP + 20  # room for the written label left of the addition
        out = c_col + OP_R + 20 + BOX_W / 2
        self.state_box(hidden, X_PREV, TOP, prev=True)
        self.gate_box(shown, k_col)
        if reset:
            self.gate_box(reset, r_col)
        self.gate_box(cand, c_col)
        self.state_box(hidden, out, TOP, prev=False)
        self.op("keep", k_col, TOP, "×")
        self.op("add", c_col, TOP, "+")
        self.op("write", c_col, MID, "×")
        # the state line
        self.edge([(X_PREV + BOX_W / 2, TOP), (k_col - OP_R, TOP)], f"{hidden}_prev", line)
        self.edge([(k_col + OP_R, TOP), (c_col - OP_R, TOP)], "kept", line, word=w["kept"],
                  label_key="kept", label_at=((k_col + c_col) / 2, TOP - LABEL_ABOVE))
        self.edge([(c_col, MID - OP_R), (c_col, TOP + OP_R)], "written", line, word=w["written"],
                  label_key="written", label_at=(c_col - OP_R - 2, TOP + 21), anchor="end")
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
        join = X_PREV + BOX_W / 2 + 35  # where x₍t₎ joins h₍t−1₎
        act_w = FN_W + 12
        label = f"{w['columns'][4]} +0.000"  # the pre-activation's label, left-aligned after the join
        act = join + 6 + _text_width(label) + 8 + act_w / 2  # the nonlinearity, right of the label
        out = act + act_w / 2 + 20 + BOX_W / 2
        pre = f"{hidden}.pre"
        self.state_box(hidden, X_PREV, TOP, prev=True)
        self.box("act", act, TOP, [self.function(hidden)], None, None, act_w, FN_H)
        self.state_box(hidden, out, TOP, prev=False)
        self.label("x", join, TOP + 44, self.symbol("x", "sub"))
        self.edge([(X_PREV + BOX_W / 2, TOP), (join, TOP)], f"{hidden}_prev", kind, arrow=False)
        self.edge([(join, TOP + 34), (join, TOP + 2)])
        self.edge([(join, TOP), (act - act_w / 2, TOP)], pre, word=w["columns"][4],
                  label_key=pre, label_at=(join + 6, TOP - LABEL_ABOVE), anchor="start")
        self.edge([(act + act_w / 2, TOP), (out - BOX_W / 2, TOP)], hidden, kind)
        self.height = float(TOP + 44 + 8 + 2 * PAD)


def _text_width(text: str, px: float = NUMBER_PX) -> float:
    """About how wide ``text`` is drawn at ``px`` (a CJK character is square, others narrower)."""
    return sum(px if ord(ch) >= 0x2E80 else CHAR_W * px for ch in text)


def label_extent(edge: dict) -> tuple[float, float, float, float] | None:
    """The box (x0, y0, x1, y1) an edge's label takes at its widest (``"<word> +0.000"``), or None."""
    if not edge.get("label_at"):
        return None
    x, y = edge["label_at"]
    width = _text_width(f"{edge['word']} +0.000".strip())
    x0 = {"start": x, "end": x - width}.get(edge.get("anchor", "middle"), x - width / 2)
    return x0, y - 0.8 * NUMBER_PX, x0 + width, y + 0.25 * NUMBER_PX
