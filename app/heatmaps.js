// Gatescope heatmaps: every gate panel of one sentence, drawn by Plotly.js from ONE payload.
// The charts stay mounted between reruns and are updated in place with Plotly.react, so a new
// sentence costs one message and a redraw, not seven new Streamlit chart elements. Plotly.js is a
// static file the browser caches (app/static_assets.py). The stepper moves the cursor of every chart
// whose layout.meta.gatescope is "heatmap", these included. Every label arrives escaped (app/labels.py).

const CURSOR = "#ff1f9e";
const LEVELS = 254, MISSING = 255;

// loadPlotly(url), drawLatest(ctrl, drawOnce): app/plotly_loader.js, prepended to this script

// One byte per value (app/heatmaps.py::quantise) -> rows of numbers, null where missing.
function decode(panel) {
  const bin = atob(panel.q);
  const [rows, cols] = panel.shape;
  const span = (panel.zmax - panel.zmin) / LEVELS;
  const z = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = new Array(cols);
    for (let c = 0, k = r * cols; c < cols; c++, k++) {
      const q = bin.charCodeAt(k);
      row[c] = q === MISSING ? null : panel.zmin + q * span;
    }
    z[r] = row;
  }
  return z;
}

function currentStep(data) {
  const state = window.__gatescope && window.__gatescope[data.seq];
  const t = state && Number.isInteger(state.step) ? state.step : data.step;
  return Math.max(0, Math.min(data.x.length - 1, t));
}

// The rough width of a label in em: wide (CJK) characters 1 em, others ~0.6 em; entities 1 char.
function textEm(s) {
  return Array.from(String(s).replace(/&[a-z]+;|&#\d+;/g, "x")).reduce((w, ch) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 1 : 0.6), 0);
}

// Tick labels that fit, never overlapping: level labels take the longest label plus one em of
// plot width each; when that would leave words out, upright ones (a line's height each) show more,
// so a sentence of words keeps every word where it fits. Returns the labels, their angle and the
// px below the axis that upright labels need (0 when level: the fixed margin holds one line).
const UPRIGHT_MAX_EM = 6;  // upright labels are cut to about 10 characters ("…")
function ticks(data, widthPx) {
  const n = data.x.length, font = data.font;
  const ems = data.ticktext.map(textEm);
  const longest = ems.reduce((m, w) => Math.max(m, w), 0.6);
  const width = Math.max(widthPx, 100);
  const level = Math.max(1, Math.ceil((n * font * (1 + longest)) / width));
  const upright = Math.max(1, Math.ceil((n * font * 1.3) / width));
  const middle = ems.slice().sort((a, b) => a - b)[Math.floor((n - 1) / 2)] || 0;
  const turn = middle > 1.2 && upright < level;  // characters stay level (a few longer ones too)
  const every = turn ? upright : level;
  const vals = [], text = [];
  for (let k = 0; k < n; k += every) {
    vals.push(data.x[k]);
    text.push(turn && ems[k] > UPRIGHT_MAX_EM ? cut(data.ticktext[k], UPRIGHT_MAX_EM) : data.ticktext[k]);
  }
  const depth = turn ? Math.ceil(font * (Math.min(longest, UPRIGHT_MAX_EM + 0.6) - 1)) : 0;
  return { vals, text, angle: turn ? -90 : 0, depth: Math.max(0, depth) };
}

// The start of an escaped label that fits ``max`` em, then "…" (entities kept whole).
function cut(label, max) {
  const parts = String(label).match(/&[a-z]+;|&#\d+;|[\s\S]/gu) || [];
  let out = "", w = 0;
  for (const p of parts) {
    const pw = textEm(p);  // an entity counts as one character
    if (w + pw > max - 0.6) break;
    out += p; w += pw;
  }
  return out + "…";
}

function figure(data, panel, step, widthPx, previous) {
  const rows = panel.shape[0];
  const font = data.font;
  const rowLabels = panel.row_labels || data.row_labels;  // the output chart names its classes
  // side by side with the same rows (``shared_rows``): only the first column names them
  const inner = data.shared_rows && data.panels.indexOf(panel) % (data.columns || 2) > 0;
  const showRows = rows <= 64 && !inner;
  // the unit names' width ("unit 123": about 5 em) and the tick, not a fixed 8 em
  const left = showRows ? Math.ceil(font * Math.max(3, ...rowLabels.map(textEm)) + 16) : 20;
  // the plot's width: the chart's less the names, the colour bar and its labels ("−0.5")
  const tk = ticks(data, widthPx - left - 10 - 40 - 2.6 * font);
  const rowsPx = data.max_height ? data.max_height - 40 - 3 * font - 2 * font - tk.depth : 560;  // room for the rows
  const rowPx = panel.row_px
    || Math.max(data.max_height ? 8 : 10, Math.min(22, Math.floor(rowsPx / Math.max(rows, 1))));
  const trace = {
    type: "heatmap",
    z: previous && previous.__q === panel.q ? previous.z : decode(panel),
    __q: panel.q,  // the bytes z was decoded from (keepArrays); Plotly ignores unknown keys
    x: data.x,
    y: rowLabels,
    zmin: panel.zmin,
    zmax: panel.zmax,
    colorscale: panel.scale,
    colorbar: { thickness: 12, len: 0.95, tickfont: { size: font } },
    hovertemplate: `${data.step_word} %{x}<br>%{y}<br>${panel.gate} ≈ %{z:.2f}<extra></extra>`,
    hoverongaps: false,
  };
  const layout = {
    title: { text: panel.title, font: { size: font + 2 }, x: 0, xanchor: "left", xref: "paper",
      y: 1, yref: "container", yanchor: "top", pad: { t: 6 },  // inside the figure, never clipped
      automargin: true },
    font: { size: font },
    height: rows * rowPx + 40 + 3 * font + tk.depth,
    margin: { l: left, r: 10, t: 2 * font + 16, b: 2 * font + 8 + tk.depth },
    // Margins are fixed (above) rather than measured: measuring 200 new tick labels' boxes on
    // every new sentence was a fifth of Plotly's drawing. Class names (the output chart) can be
    // long, so that axis alone is still measured. No grid: the bricks cover it.
    xaxis: { type: "category", tickvals: tk.vals, ticktext: tk.text, tickangle: tk.angle,
      tickfont: { size: font }, automargin: false, showgrid: false, zeroline: false },
    yaxis: { type: "category", autorange: "reversed", showticklabels: showRows,
      tickfont: { size: font }, automargin: !!panel.row_labels, showgrid: false, zeroline: false },
    shapes: [cursor(step)],
    meta: { gatescope: "heatmap", gate: panel.gate, key: panel.key },
    uirevision: panel.key,
    paper_bgcolor: "rgba(0,0,0,0)",
  };
  const traces = [trace];
  if (panel.wrong && panel.wrong.length) {  // the model's wrong predictions: a red ✗ on the cell
    traces.push({ type: "scatter", mode: "markers", x: panel.wrong.map(([t]) => data.x[t]),
      y: panel.wrong.map(([, k]) => rowLabels[k]), name: panel.wrong_name || "✗",
      marker: { symbol: "x-thin", size: Math.max(10, rowPx * 0.8), color: "#d00000", line: { width: 3, color: "#d00000" } },
      hovertemplate: `${panel.wrong_name || "✗"}<extra></extra>`, showlegend: false });
  }
  return [traces, layout];
}

function cursor(step) {
  return { type: "rect", xref: "x", yref: "paper", x0: step - 0.5, x1: step + 0.5, y0: 0, y1: 1,
    line: { color: CURSOR, width: 3 }, fillcolor: "rgba(0,0,0,0)", name: "cursor" };
}

// The model's output at every step as lines (a value head, or p(the actual next token)).
function seriesFigure(data, chart, step, widthPx) {
  const tk = ticks(data, widthPx - 6 * data.font - 10);  // less the y axis, its title and labels
  const font = data.font;
  const traces = chart.lines.map((line) => ({
    type: "scatter", mode: line.dotted ? "lines" : "lines+markers", name: line.name,
    x: data.x, y: line.y, line: line.dotted ? { dash: "dot" } : {},
    hovertemplate: `${data.step_word} %{x}<br>%{y:.3f}<extra>%{fullData.name}</extra>`,
  }));
  const layout = {
    title: { text: chart.title, font: { size: font + 2 }, x: 0, xanchor: "left", xref: "paper",
      y: 1, yref: "container", yanchor: "top", pad: { t: 6 },  // inside the figure, never clipped
      automargin: true },
    font: { size: font },
    height: 200 + 4 * font + tk.depth,
    margin: { l: 4 * font, r: 10, t: 2 * font + 16, b: 2 * font + 8 + tk.depth },
    xaxis: { type: "category", tickvals: tk.vals, ticktext: tk.text, tickangle: tk.angle,
      tickfont: { size: font }, automargin: false },
    yaxis: { title: { text: chart.y_title, font: { size: font } }, tickfont: { size: font },
      automargin: true },
    showlegend: traces.length > 1,
    legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 1, xanchor: "right",
      font: { size: font } },
    shapes: [cursor(step)],
    meta: { gatescope: "heatmap", gate: chart.gate, key: chart.key },
    uirevision: chart.key,
    paper_bgcolor: "rgba(0,0,0,0)",
  };
  return [traces, layout];
}

const CONFIG = { displaylogo: false, responsive: true,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };

// The same values as the chart already holds -> the very same array, so that Plotly.react sees no
// change in it (it compares data arrays by identity) and skips recomputing that chart.
function same(a, b) {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, k) => v === b[k]);
}
function reuse(fresh, old) { return same(fresh, old) ? old : fresh; }

function keepArrays(traces, layout, previous) {
  if (!previous) return;
  const [oldTraces, oldLayout] = previous;
  traces.forEach((t, k) => {
    const o = oldTraces[k];
    if (!o || o.type !== t.type) return;
    for (const name of ["x", "y"]) t[name] = reuse(t[name], o[name]);
  });
  for (const name of ["tickvals", "ticktext"]) {
    layout.xaxis[name] = reuse(layout.xaxis[name], oldLayout.xaxis && oldLayout.xaxis[name]);
  }
}

// The chart divs for this payload: the gate panels reuse the existing panel divs by position and the
// output its own div, so that a switch of architecture, task or view updates charts in place
// (Plotly.react) instead of building new ones; divs left over are purged.
function placeDivs(ctrl, charts, output, Plotly) {
  const grid = ctrl.grid;
  for (const err of grid.querySelectorAll(":scope > .gs-heat-error")) err.remove();
  const old = Array.from(grid.children);
  const oldPanels = old.filter((d) => d.dataset.role !== "output");
  const oldOutput = old.find((d) => d.dataset.role === "output");
  let k = 0;
  const divs = charts.map((chart) => {
    const isOutput = chart === output;
    let div = isOutput ? oldOutput : oldPanels[k++];
    if (!div) { div = document.createElement("div"); div.className = "gs-heat"; }
    div.dataset.key = chart.key;
    div.dataset.role = isOutput ? "output" : "panel";
    div.classList.toggle("gs-heat-wide", isOutput);
    return div;
  });
  const used = new Set(divs);
  for (const div of old) {
    if (used.has(div)) continue;
    if (div.classList.contains("js-plotly-plot")) Plotly.purge(div);
    div.remove();
  }
  divs.forEach((div, j) => { if (grid.children[j] !== div) grid.insertBefore(div, grid.children[j] || null); });
  return divs;
}

// Resolve the promises of whoever waits for the latest payload to be drawn (the sentence route).
function settle(ctrl) {
  if (ctrl.drawing) return;  // a draw is still going on: it settles when it ends
  const waiters = ctrl.waiters || [];
  ctrl.waiters = [];
  waiters.forEach((resolve) => resolve());
}

function draw(ctrl) {
  return drawLatest(ctrl, async (data) => {
    // data's own JSON, taken now: a newer payload may come (show) while this one is drawn, and it
    // must not pass for drawn when this draw ends
    const json = ctrl.latestJson;
    let Plotly;
    try {
      Plotly = await loadPlotly(data.plotly_url);
    } catch (err) {
      ctrl.grid.replaceChildren();
      const msg = document.createElement("div");
      msg.className = "gs-heat-error";
      msg.textContent = String(err.message || err);
      ctrl.grid.appendChild(msg);
      return false;
    }
    const gridWidth = ctrl.grid.clientWidth;
    // the very payload these charts already show, at the same width (back from another view)
    if (ctrl.drawnJson === json && ctrl.drawnWidth === gridWidth) return true;
    const repeat = ctrl.drawnJson === json;  // the same payload, at another width
    const step = currentStep(data);
    // the gate panels, then the model's output (full width) when there is one
    const charts = data.output ? [...data.panels, data.output] : data.panels;
    // Place every chart's div, then read all widths (one layout), then draw: reading a width
    // between two draws would force a layout of the whole page each time.
    const divs = placeDivs(ctrl, charts, data.output, Plotly);
    const widths = divs.map((div, k) => {
      const share = charts[k] === data.output ? 1 : 1 / (data.columns || 2);
      return div.clientWidth || gridWidth * share;  // the chart's whole width
    });
    const drawStart = performance.now();
    const jobs = charts.map((panel, k) => {
      const previous = divs[k].__gsFigure;  // what this div shows now, if anything
      const [traces, layout] = panel.type === "series" ? seriesFigure(data, panel, step, widths[k])
        : figure(data, panel, step, widths[k], previous && previous[0][0]);
      keepArrays(traces, layout, previous);
      divs[k].__gsFigure = [traces, layout];
      return Plotly.react(divs[k], traces, layout, CONFIG);
    });
    await Promise.all(jobs);
    // for bench/bench_explorer.py: how long the charts took to draw in this page; for the tests:
    // whether the payload was new to these charts, or the same one at another width
    performance.measure("gatescope:heatmaps-draw", { start: drawStart,
      detail: { slot: data.slot || null, width: gridWidth, repeat } });
    ctrl.drawnJson = json;
    ctrl.drawnWidth = gridWidth;
    ctrl.grid.dataset.seq = data.seq;
    ctrl.grid.dataset.drawn = String(charts.length);
  }).finally(() => settle(ctrl));
}

// Show ``data``, a payload from the server's rerun or from the sentence route (sentence_route.js);
// resolves when it is drawn.
function show(ctrl, data) {
  performance.mark("gatescope:heatmaps-data");  // the payload reached the page (bench_explorer.py)
  ctrl.grid.style.setProperty("--gs-cols", String(data.columns || 2));
  // shared rows: the first column also holds the unit names, so it is wider
  ctrl.grid.style.gridTemplateColumns = data.shared_rows ? "minmax(0, 1.4fr) minmax(0, 1fr)" : "";
  ctrl.latest = data;
  ctrl.latestJson = JSON.stringify(data);
  const drawn = new Promise((resolve) => (ctrl.waiters = ctrl.waiters || []).push(resolve));
  draw(ctrl);
  return drawn;
}

// Charts of a component that left the page (another view), by its slot, taken back when the
// explorer returns: the same sentence is then on screen at once, with no chart built again.
const KEPT = (window.__gsHeatmapsKept = window.__gsHeatmapsKept || {});

export default function (component) {
  const { data, parentElement } = component;
  if (!data || !data.panels) return;
  // The same element lives across reruns; keep one controller on it and draw the latest payload.
  let ctrl = parentElement.__gsHeatmaps;
  if (!ctrl) {
    ctrl = data.slot && KEPT[data.slot];
    if (ctrl) delete KEPT[data.slot];
    else {
      const grid = document.createElement("div");
      grid.className = "gs-heat-grid";
      grid.dataset.testid = "gs-heatmaps";
      ctrl = { grid, latest: null, drawing: false, again: false };
    }
    parentElement.__gsHeatmaps = ctrl;
    parentElement.appendChild(ctrl.grid);
  }
  show(ctrl, data);
  // A new sentence's payload from the sentence route: the same keys as the server's, in its order.
  if (data.slot) {
    SENTENCE_ROUTE.targets[data.slot] = (payload) =>
      show(ctrl, { ...payload, plotly_url: data.plotly_url, slot: data.slot });
  }
  // Streamlit calls this when the element leaves the page: keep its charts for its return.
  return () => { if (data.slot && !ctrl.grid.isConnected) KEPT[data.slot] = ctrl; };
}
