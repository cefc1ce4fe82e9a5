// Gatescope stepper: token strip, slider, buttons, play, arrow keys and the step panel.
// Runs entirely in the browser: a step moves the cursor shapes of every Gatescope heatmap with
// Plotly.relayout and redraws the panel; the server hears about the step only after a pause.
// User text is only ever written with textContent, never as markup.

const VISIBLE = { " ": "␣", "\n": "⏎", "\t": "⇥", "\r": "␍", "\u0000": "␀" };
function visible(s) {
  let out = "";
  for (const ch of String(s)) {
    const code = ch.codePointAt(0);
    if (VISIBLE[ch]) out += VISIBLE[ch];
    else if (code < 32 || (code >= 0x7f && code < 0xa0) || /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]/.test(ch))
      out += "U+" + code.toString(16).toUpperCase().padStart(4, "0");
    else out += ch;
  }
  return out;
}
// Numbers as the step panel and the diagram show them: three decimals, "−" before a negative one;
// a value that rounds to zero is "0.000", never "−0.000" (nor "+0.000"). fmt: signed (the parts of a
// sum), num: a value.
const missing = (v) => v === null || v === undefined || Number.isNaN(v);
const fixed3 = (v) => Math.abs(v).toFixed(3);
const roundsToZero = (v) => Number(fixed3(v)) === 0;
const fmt = (v) => (missing(v) ? "–" : (roundsToZero(v) ? "" : v > 0 ? "+" : "−") + fixed3(v));
const num = (v) => (missing(v) ? "–" : (v < 0 && !roundsToZero(v) ? "−" : "") + fixed3(v));

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function gatescopePlots() {
  return Array.from(document.querySelectorAll(".js-plotly-plot")).filter(
    (gd) => gd.layout && gd.layout.meta && gd.layout.meta.gatescope === "heatmap");
}

// Plotly.relayout of a shape's x0 is a full recalc and replot of the chart (its editType is
// "calc+arraydraw"): ~30-50 ms per heatmap here. So the cursor is moved in place: Plotly's own copies
// (layout and full layout, used by its later redraws) and the drawn path; relayout only as fallback.
const CURSOR_PATH = /^M([-\d.e]+),([-\d.e]+)H([-\d.e]+)V([-\d.e]+)H([-\d.e]+)Z$/;
function placeCursor(gd, step) {
  const shape = gd.layout.shapes && gd.layout.shapes[0];
  if (!shape || shape.x0 === step - 0.5) return;
  const full = gd._fullLayout, xa = full && full.xaxis;
  const path = gd.querySelector('.shapelayer path[data-index="0"]');
  const m = path && CURSOR_PATH.exec(path.getAttribute("d") || "");
  if (!m || !xa || typeof xa.l2p !== "function" || !full.shapes || !full.shapes[0]) {
    window.Plotly.relayout(gd, { "shapes[0].x0": step - 0.5, "shapes[0].x1": step + 0.5 });
    return;
  }
  shape.x0 = full.shapes[0].x0 = step - 0.5;
  shape.x1 = full.shapes[0].x1 = step + 0.5;
  const x0 = (xa._offset + xa.l2p(step - 0.5)).toFixed(2), x1 = (xa._offset + xa.l2p(step + 0.5)).toFixed(2);
  path.setAttribute("d", `M${x0},${m[2]}H${x1}V${m[4]}H${x0}Z`);
}

function moveCursors(step) {
  if (!window.Plotly) return;
  for (const gd of gatescopePlots()) placeCursor(gd, step);
}

function equationRows(d, t) {
  // rows: [name, input part, recurrent part, bias, pre-activation, value]; parts blank if a row
  // has none (u = 1 − z). Which rows, the payload says (from the cell's spec).
  const eq = d.eq;
  return (d.rows || []).filter((r) => eq[r.key]).map((r) => r.parts
    ? [r.label, eq[r.key + ".input"][t], eq[r.key + ".recurrent"][t], eq[r.key + ".bias"][t], eq[r.key + ".pre"][t], eq[r.key][t]]
    : [r.label, null, null, null, null, eq[r.key][t]]);
}

// A template line of the cell's spec: {t}, {t-1} subscripts, {@word} a word of the string table,
// {key} the value of eq[key] at step t.
function fillTemplate(line, d, t) {
  const T = d.text, eq = d.eq;
  return line.replace(/\{([^{}]+)\}/g, (_, name) => {
    if (name === "t") return T.sub;
    if (name === "t-1") return T.sub_prev;
    if (name[0] === "@") return T[name.slice(1)] || name.slice(1);
    return eq[name] ? num(eq[name][t]) : "–";
  });
}

function stateLines(d, t) {
  return (d.panel || []).map((line) => fillTemplate(line, d, t));
}

// --- the cell diagram -----------------------------------------------------------------------------
// Drawn from the payload's ``diagram`` (app/diagram.py: nodes and edges derived from the cell's spec);
// nothing here knows which cell it is. A step recolours the boxes on the heatmaps' scales, sets the
// lines' thickness and opacity from |value| and rewrites the numbers, all with textContent.
const SVG_NS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function parseColour(c) {
  const s = String(c);
  if (s[0] === "#") return [1, 3, 5].map((k) => parseInt(s.slice(k, k + 2), 16));
  const m = s.match(/[\d.]+/g) || [0, 0, 0];
  return m.slice(0, 3).map(Number);
}

// The colour of v on a scale {lo, hi, stops: [[position, colour], …]} (the heatmaps' own stops).
function scaleColour(scale, v) {
  if (!scale || v === null || v === undefined || Number.isNaN(v)) return null;
  const x = Math.max(0, Math.min(1, (v - scale.lo) / (scale.hi - scale.lo || 1)));
  const stops = scale.stops;
  let k = 0;
  while (k < stops.length - 2 && x > stops[k + 1][0]) k++;
  const [p0, c0] = stops[k], [p1, c1] = stops[k + 1];
  const a = p1 > p0 ? (x - p0) / (p1 - p0) : 0;
  const rgb0 = parseColour(c0), rgb1 = parseColour(c1);
  return rgb0.map((c, j) => Math.round(c + (rgb1[j] - c) * a));
}
const rgbText = (rgb) => `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
const inkOn = (rgb) => (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140 ? "#000" : "#fff");

// How much an edge carries, 0…1: |value| over its kind's largest |value| (or, without a kind, over
// the largest |value| the key takes in this sentence).
function edgeWeight(d, edge, v, maxima) {
  if (v === null || v === undefined || Number.isNaN(v)) return 0;
  const scale = edge.kind && d.diagram.scales[edge.kind];
  const top = scale ? Math.max(Math.abs(scale.lo), Math.abs(scale.hi)) : maxima[edge.key];
  return top > 0 ? Math.min(1, Math.abs(v) / top) : 0;
}

function diagramNode(layer, n) {
  const px = 14, big = 16;  // user units: words 14, values a little larger (zoomed when presenting)
  const parts = { value: null, shape: null, texts: [] };
  if (n.shape === "label") {
    const text = svgEl("text", { x: n.x, y: n.y, "text-anchor": "middle", "dominant-baseline": "central",
      class: "gs-dg-word" }, n.lines[0]);
    layer.appendChild(text);
    return parts;
  }
  if (n.shape === "op") {
    parts.shape = n.w > n.h
      ? svgEl("rect", { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: n.h / 2, class: "gs-dg-op" })
      : svgEl("circle", { cx: n.x, cy: n.y, r: n.h / 2, class: "gs-dg-op" });
    layer.appendChild(parts.shape);
    layer.appendChild(svgEl("text", { x: n.x, y: n.y, "text-anchor": "middle", "dominant-baseline": "central",
      class: "gs-dg-opsym" }, n.lines[0]));
    return parts;
  }
  const g = svgEl("g", { class: "gs-dg-node" });  // a box: its name (if any) is its tooltip
  if (n.title) g.appendChild(svgEl("title", {}, n.title));
  layer.appendChild(g);
  parts.shape = svgEl("rect", { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: 7, class: "gs-dg-box" });
  g.appendChild(parts.shape);
  const lines = n.lines.length + (n.key ? 1 : 0);
  const step = px + 3;
  let y = n.y - ((lines - 1) * step) / 2;
  for (const line of n.lines) {
    const t = svgEl("text", { x: n.x, y, "text-anchor": "middle", "dominant-baseline": "central", class: "gs-dg-word" }, line);
    parts.texts.push(t); g.appendChild(t); y += step;
  }
  if (n.key) {
    parts.value = svgEl("text", { x: n.x, y: y + 1, "text-anchor": "middle", "dominant-baseline": "central",
      class: "gs-dg-num", "font-size": big }, "–");
    parts.value.dataset.key = n.key;
    parts.texts.push(parts.value); g.appendChild(parts.value);
  }
  return parts;
}

function makeDiagram(data) {
  const d = data.diagram;
  if (!d || !data.eq || !Object.keys(data.eq).length) return null;
  const eq = data.eq, px = d.number_px || 14, zoom = px / 14;
  const maxima = {};
  for (const e of d.edges) if (e.key && !e.kind && eq[e.key])
    maxima[e.key] = Math.max(0, ...eq[e.key].map((v) => (v === null ? 0 : Math.abs(v))));
  const wrap = el("div", "gs-diagram");
  wrap.dataset.testid = "gs-diagram";
  const svg = svgEl("svg", { viewBox: `0 0 ${d.width} ${d.height}`, width: Math.round(d.width * zoom),
    height: Math.round(d.height * zoom), role: "img", "font-size": 14 });
  svg.setAttribute("aria-label", data.text.diagram || "");
  svg.appendChild(svgEl("title", {}, data.text.diagram || ""));
  const defs = svgEl("defs");
  const marker = svgEl("marker", { id: "gs-dg-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
    markerWidth: 9, markerHeight: 9, orient: "auto-start-reverse", markerUnits: "userSpaceOnUse" });
  marker.appendChild(svgEl("path", { d: "M0,0 L10,5 L0,10 z", class: "gs-dg-head" }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  const edgeLayer = svgEl("g"), nodeLayer = svgEl("g"), labelLayer = svgEl("g");
  svg.append(edgeLayer, nodeLayer, labelLayer);
  const edges = d.edges.map((e) => {
    const line = svgEl("polyline", { points: e.points.map((p) => p.join(",")).join(" "), class: "gs-dg-edge" });
    if (e.arrow) line.setAttribute("marker-end", "url(#gs-dg-arrow)");
    if (e.key) line.dataset.key = e.key;
    edgeLayer.appendChild(line);
    let label = null;
    if (e.label_key && e.label_at) {
      label = svgEl("text", { x: e.label_at[0], y: e.label_at[1], "text-anchor": e.anchor || "middle",
        class: "gs-dg-label" }, "");
      labelLayer.appendChild(label);
    }
    return { e, line, label };
  });
  const nodes = d.nodes.map((n) => ({ n, parts: diagramNode(nodeLayer, n) }));
  wrap.appendChild(svg);
  if (d.legend && d.legend.length) {  // the boxes' names, which the boxes themselves leave out
    const legend = el("div", "gs-dg-legend");
    legend.dataset.testid = "gs-diagram-legend";
    legend.appendChild(el("span", "gs-dg-key", `${data.text.unit} ${data.unit}:`));  // whose numbers
    for (const [symbol, name] of d.legend) {
      const item = el("span", "gs-dg-key");
      item.append(el("b", "", symbol), document.createTextNode(` ${name}`));
      legend.appendChild(item);
    }
    wrap.appendChild(legend);
  }

  function update(t) {
    for (const { n, parts } of nodes) {
      if (!n.key || !parts.shape) continue;
      const v = eq[n.key] ? eq[n.key][t] : null;
      parts.value.textContent = num(v);
      const rgb = scaleColour(n.kind && d.scales[n.kind], v);
      parts.shape.style.fill = rgb ? rgbText(rgb) : "";
      const ink = rgb ? inkOn(rgb) : "";
      for (const text of parts.texts) text.style.fill = ink;
    }
    for (const { e, line, label } of edges) {
      if (e.key) {
        const w = edgeWeight(data, e, eq[e.key] ? eq[e.key][t] : null, maxima);
        line.style.strokeWidth = String(1 + 7 * w);
        line.style.opacity = String(0.25 + 0.75 * w);
        line.classList.toggle("gs-dg-cut", w < 0.05);  // a gate near 0 visibly cuts its line
        line.dataset.weight = w.toFixed(3);
      }
      if (label) label.textContent = `${e.word} ${fmt(eq[e.label_key] ? eq[e.label_key][t] : null)}`.trim();
    }
  }
  return { el: wrap, update };
}

// Scroll the token strip so that the current token is in it, centred, whenever it is not: the
// strip wraps on a laptop (scrolls down) and is one line on a projector (scrolls sideways).
function keepInView(strip, cur) {
  const s = strip.getBoundingClientRect(), c = cur.getBoundingClientRect();
  if (c.top < s.top || c.bottom > s.bottom) strip.scrollTop += c.top - s.top - (s.height - c.height) / 2;
  if (c.left < s.left || c.right > s.right) strip.scrollLeft += c.left - s.left - (s.width - c.width) / 2;
}

// A string table's template with {name} fields filled in ("step {t} / {last}").
const tpl = (s, o) => s.replace(/\{(\w+)\}/g, (m, k) => (k in o ? String(o[k]) : m));

function stepper(component) {
  const { data, parentElement, setStateValue } = component;
  if (!data || !data.tokens) return;
  // Enter in the explorer's sentence box draws from the server's route (sentence_route.js): this
  // stepper then shows the new sentence's payload as if the rerun had sent it.
  offerSentenceRoute(data.route || null, parentElement);
  SENTENCE_ROUTE.targets.stepper = (payload) => { stepper({ ...component, data: payload }); return Promise.resolve(); };
  // One element for every sentence, model and view (its key never changes): Streamlit calls this
  // again with each new payload and keeps only the last clean-up, so end the previous run here.
  if (parentElement.__gsStop) parentElement.__gsStop();
  const T = data.tokens.length;
  const store = (window.__gatescope = window.__gatescope || {});
  let state = store[data.seq];
  if (!state || state.nonce !== data.nonce) {
    state = store[data.seq] = { step: Math.max(0, Math.min(T - 1, Math.trunc(Number(data.step)) || 0)), nonce: data.nonce, speed: 4 };
  }
  const L = data.text;
  // Only the latest mounted stepper drives the page: during a rerun the previous one is still mounted.
  const me = {};
  store.active = me;
  const active = () => store.active === me;

  // Replace only our own root: the shadow root also holds the component's <style>.
  const old = parentElement.querySelector(".gs-root");
  if (old) old.remove();
  const root = el("div", "gs-root");
  root.setAttribute("data-testid", "gs-stepper");
  parentElement.appendChild(root);

  // token strip
  const strip = el("div", data.compact ? "gs-strip gs-compact" : "gs-strip");
  strip.setAttribute("aria-label", L.tokens);
  const spans = data.tokens.map((tok, t) => {
    const s = el("span", "gs-tok", visible(tok));
    s.title = tpl(L.step_at, { t });
    s.dataset.step = String(t);
    strip.appendChild(s);
    return s;
  });
  strip.addEventListener("click", (ev) => {
    const t = ev.target.dataset && ev.target.dataset.step;
    if (t !== undefined) setStep(Number(t));
  });
  root.appendChild(strip);

  // controls
  const controls = el("div", "gs-controls");
  const prev = el("button", "", "|◀"); prev.title = L.prev; prev.setAttribute("aria-label", L.prev);
  const play = el("button", "gs-play", "▶"); play.title = L.play; play.setAttribute("aria-label", L.play);
  const next = el("button", "", "▶|"); next.title = L.next; next.setAttribute("aria-label", L.next);
  prev.dataset.testid = "gs-prev"; next.dataset.testid = "gs-next"; play.dataset.testid = "gs-play";
  const slider = el("input"); slider.type = "range"; slider.min = "0"; slider.max = String(Math.max(0, T - 1));
  slider.setAttribute("aria-label", L.step); slider.dataset.testid = "gs-slider";
  const speed = el("select");
  for (const v of [1, 2, 4, 8, 16]) { const o = el("option", "", `${v}×/s`); o.value = String(v); speed.appendChild(o); }
  speed.value = String(state.speed); speed.title = L.speed; speed.setAttribute("aria-label", L.speed);
  const readout = el("span", "gs-readout"); readout.dataset.testid = "gs-readout";
  controls.append(prev, play, next, slider, speed, readout);
  root.appendChild(controls);
  root.appendChild(el("div", "gs-note", L.keys));

  const caption = el("div", "gs-caption"); caption.dataset.testid = "gs-caption";
  if (data.captions) root.appendChild(caption);

  // panels
  const panels = el("div", "gs-panels");
  const eqPanel = el("div", "gs-panel"); eqPanel.dataset.testid = "gs-equations";
  const outPanel = el("div", "gs-panel"); outPanel.dataset.testid = "gs-outputs";
  panels.append(outPanel, eqPanel);  // the model's answer first: on the first screen under the diagram
  root.appendChild(panels);
  const diagram = makeDiagram(data);  // the cell diagram, beside or above the step panel
  if (diagram) panels.prepend(diagram.el);

  const hasEq = data.eq && Object.keys(data.eq).length > 0;
  if (!hasEq) eqPanel.style.display = "none";
  if (!data.out) outPanel.style.display = "none";
  function drawEquations(t) {
    if (!hasEq) return;
    eqPanel.replaceChildren();
    eqPanel.appendChild(el("h4", "", `${L.unit} ${data.unit} · ${tpl(L.step_at, { t })} · “${visible(data.tokens[t])}”`));
    const table = el("table");
    const head = el("tr");
    for (const h of L.columns) head.appendChild(el("th", "", h));
    table.appendChild(head);
    for (const r of equationRows(data, t)) {
      const tr = el("tr");
      tr.appendChild(el("td", "", r[0]));
      for (let k = 1; k <= 4; k++) tr.appendChild(el("td", "", r[k] === null ? "" : fmt(r[k])));
      tr.appendChild(el("td", "", num(r[5])));
      table.appendChild(tr);
    }
    eqPanel.appendChild(table);
    for (const line of stateLines(data, t)) eqPanel.appendChild(el("div", "gs-eq", line));
  }

  function drawOutputs(t) {
    outPanel.replaceChildren();
    const o = data.out;
    if (!o) return;
    outPanel.appendChild(el("h4", "", `${o.title} · ${tpl(L.step_at, { t })}`));
    if (o.kind === "value") {
      outPanel.appendChild(el("div", "gs-eq", `${o.pred_label}: ${num(o.pred[t])}`));
      if (o.actual && o.actual[t] !== null) outPanel.appendChild(el("div", "gs-eq", `${o.actual_label}: ${num(o.actual[t])}`));
    } else {
      const labels = o.kind === "topk" ? o.labels[t] : o.labels, probs = o.probs[t];  // top-k: per step
      const table = el("table");
      // presenting, many classes (ten languages) in two columns, read downwards: all of them in
      // the projector's 720 px
      const cols = data.present && probs.length > 6 ? 2 : 1, rows = Math.ceil(probs.length / cols);
      for (let r = 0; r < rows; r++) {
        const tr = el("tr");
        for (let k = r; k < probs.length; k += rows) {  // one row: a class per column
          tr.appendChild(el("td", "", visible(labels[k])));
          const td = el("td");
          const bar = el("span", "gs-bar"); bar.style.width = `${Math.round(probs[k] * 120)}px`;
          td.append(bar, document.createTextNode(probs[k].toFixed(3)));
          tr.appendChild(td);
        }
        table.appendChild(tr);
      }
      outPanel.appendChild(table);
    }
    if (o.note) outPanel.appendChild(el("div", "gs-note", o.note));
  }

  let syncTimer = null;
  function setStep(t, sync = true, scroll = true) {
    if (T === 0) return;
    t = Math.max(0, Math.min(T - 1, t | 0));
    const old = state.step;
    state.step = t;
    spans.forEach((s, k) => {
      if (k === old || k === t || k === t - 1 || k === old - 1) {
        s.classList.toggle("gs-cur", k === t);
        s.classList.toggle("gs-past", k < t);
      }
    });
    if (scroll) keepInView(strip, spans[t]);
    slider.value = String(t);
    readout.textContent = tpl(L.readout, { t, last: T - 1, count: T });
    drawEquations(t);
    drawOutputs(t);
    if (diagram) diagram.update(t);
    if (data.captions) caption.textContent = data.captions[t] || "";
    moveCursors(t);
    root.dataset.step = String(t);
    if (sync) {
      clearTimeout(syncTimer);
      // the sentence's id with the step: the server ignores a step of an earlier sentence
      syncTimer = setTimeout(() => setStateValue("step", { t: state.step, seq: data.seq }), 400);
    }
  }
  spans.forEach((s, k) => s.classList.toggle("gs-past", k < state.step));

  let timer = null;
  function stop() { clearInterval(timer); timer = null; play.textContent = "▶"; play.title = L.play; }
  // Glyphs are from DejaVu Sans, which Debian's chromium has: ⏸ (U+23F8) is in no default font.
  const PAUSE = "❚❚";
  function start() {
    if (state.step >= T - 1) setStep(0);
    play.textContent = PAUSE; play.title = L.pause;
    timer = setInterval(() => { if (state.step >= T - 1) stop(); else setStep(state.step + 1); }, 1000 / state.speed);
  }
  play.addEventListener("click", () => (timer ? stop() : start()));
  prev.addEventListener("click", () => setStep(state.step - 1));
  next.addEventListener("click", () => setStep(state.step + 1));
  slider.addEventListener("input", () => setStep(Number(slider.value)));
  speed.addEventListener("change", () => { state.speed = Number(speed.value); if (timer) { stop(); start(); } });

  function onKey(ev) {
    if (!active()) return;
    const tgt = ev.target;
    const tag = (tgt && tgt.tagName) || "";
    if ((tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || (tgt && tgt.isContentEditable)) && tgt !== slider) return;
    if (ev.key === "ArrowRight") { setStep(state.step + 1); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { setStep(state.step - 1); ev.preventDefault(); }
    else if (ev.key === "Home") { setStep(0); ev.preventDefault(); }
    else if (ev.key === "End") { setStep(T - 1); ev.preventDefault(); }
  }
  document.addEventListener("keydown", onKey);

  // Re-apply the cursor whenever Streamlit mounts or redraws a Gatescope chart.
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; if (active()) moveCursors(state.step); });
  });
  observer.observe(document.body, { childList: true, subtree: true });

  if (data.present) root.classList.add("gs-present");  // a projector: a big Play, waiting for the teacher
  if (data.lesson) root.classList.add("gs-lesson");  // a lesson's text above: no legend, no heading
  // Not scrolled here: reading the strip's place now would force a layout of the whole page before
  // the charts draw (~8 ms of a new sentence). The observer below is called once the strip is laid
  // out (with its class: presenting, one line scrolled sideways), and again whenever its size settles
  // (fonts, the column's width): it keeps the current token in view.
  setStep(state.step, false, false);
  const resized = new ResizeObserver(() => { if (T > 0) keepInView(strip, spans[state.step]); });
  resized.observe(strip);
  const end = () => {
    stop();
    clearTimeout(syncTimer);
    document.removeEventListener("keydown", onKey);
    observer.disconnect();
    resized.disconnect();
    if (active()) store.active = null;
    if (parentElement.__gsStop === end) parentElement.__gsStop = null;
  };
  parentElement.__gsStop = end;
  return end;
}

export default stepper;
