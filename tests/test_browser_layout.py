"""Readable from the back row, in Debian's chromium at 1280×720 (a projector).

For every view: the first screen (normal mode) and presentation mode show a drawn chart without
scrolling; presentation mode does not scroll at all; chart text is ≥ 14 px (≥ 20 px presenting);
titles are not clipped and x labels do not overlap; every control glyph of the stepper is drawn by
a font (no empty box); no exception box. Screenshots of every first screen and every presentation
go to artifacts/screenshots/ (not committed) for a person to look at.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from tests.conftest import SHOTS, page_views, shipped_cards
from tests.test_browser import wait_idle

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 720}
VIEWS = page_views()  # every view of the page, "train" too
MODEL = {"findunit": "anbn-lstm"}  # a task with a hidden variable to find; the others: the default

# Every drawn Plotly chart: its box, whether it meets the viewport, its title against the plot
# area (clipped above? running into the plot? past the right edge?), its x labels' boxes, and the
# computed font size of each text of its titles, ticks, colour bars and legends.
MEASURE = """() => {
  const vh = window.innerHeight, vw = window.innerWidth;
  const main = document.querySelector('[data-testid=stMain]');
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => {
    const svg = g.querySelector('.main-svg');
    if (!svg || !g.querySelector('.cartesianlayer, .heatmaplayer, .scatterlayer')) return null;
    const r = svg.getBoundingClientRect();
    const t = g.querySelector('.gtitle'), drag = g.querySelector('.nsewdrag');
    let title = null;
    if (t && drag && t.textContent.trim()) {
      const a = t.getBoundingClientRect(), c = drag.getBoundingClientRect();
      title = {above: a.top - r.top, gap: c.top - a.bottom, right: r.right - a.right, text: t.textContent};
    }
    const xlabels = Array.from(g.querySelectorAll('.xtick text')).map(e => {
      const b = e.getBoundingClientRect(); return [b.left, b.right, e.textContent]; })
      .filter(b => b[1] > b[0]).sort((p, q) => p[0] - q[0]);
    const fonts = Array.from(g.querySelectorAll(
      '.gtitle, .xtick text, .ytick text, .cbaxis text, .colorbar text, .legendtext, .xtitle, .ytitle'))
      .map(e => [e.getAttribute('class') || e.parentNode.getAttribute('class'),
                 parseFloat(getComputedStyle(e).fontSize)]);
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height,
            visible: r.bottom > 0 && r.top < vh && r.right > 0 && r.left < vw && r.height > 50,
            title, xlabels, fonts};
  }).filter(p => p);
  return {plots, scrollHeight: main.scrollHeight, clientHeight: main.clientHeight,
          exceptions: document.querySelectorAll('[data-testid=stException]').length};
}"""

# Is a character drawn by a real font? Compare its canvas drawing with a character no font has
# (a noncharacter: drawn as the empty box). Same pixels -> the box, the glyph is missing.
MISSING_GLYPHS = """([chars, font]) => {
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 80; c.height = 40;
    const x = c.getContext('2d'); x.font = font; x.fillStyle = '#000'; x.fillText(ch, 4, 30);
    return c.toDataURL();
  };
  const box = draw('\\uFFFF');
  return chars.filter(ch => ch.trim() && draw(ch) === box);
}"""


def open_view(pg: Page, base: str, view: str, present: bool, text: str | None = None) -> None:
    model = f"&model={MODEL[view]}" if view in MODEL else ""
    sentence = f"&text={quote(text)}" if text is not None else ""
    open_query(pg, base, f"view={view}&present={int(present)}{model}{sentence}")


def open_query(pg: Page, base: str, query: str) -> None:
    """Open the page with the link's ``query`` and wait until its charts are drawn and it is idle."""
    pg.goto(f"{base}/?{query}")
    wait_idle(pg)
    pg.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot .main-svg')).length > 0",
        timeout=90_000)
    pg.wait_for_timeout(800)  # Plotly's last relayout (automargins) settles
    wait_idle(pg)


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport=VIEWPORT)
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.base = server
    yield pg
    ctx.close()


def check_screen(pg: Page, name: str, min_font: int) -> dict:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"layout-{name}.png"))
    m = pg.evaluate(MEASURE)
    assert m["exceptions"] == 0, name
    assert pg.errors == [], pg.errors
    assert any(p["visible"] for p in m["plots"]), (name, "no drawn chart in the first screen", m["plots"])
    for p in m["plots"]:
        small = [(cls, size) for cls, size in p["fonts"] if size < min_font]
        assert p["fonts"] and not small, (name, min_font, small)
        if p["title"]:
            t = p["title"]
            assert t["above"] >= -1 and t["gap"] >= -1 and t["right"] >= -1, (name, "title clipped", t)
        for (_, r0, a), (l1, _, b) in zip(p["xlabels"], p["xlabels"][1:], strict=False):
            assert r0 <= l1 + 1, (name, "x labels overlap", a, b)
    return m


@pytest.mark.parametrize("view", VIEWS)
def test_first_screen_shows_a_readable_chart(page, view):
    open_view(page, page.base, view, present=False)
    m = check_screen(page, f"{view}-first-screen", 14)
    first = min(p["top"] for p in m["plots"])
    assert first < 720 - 200, (view, "the first chart starts too low to be seen", first)


def test_a_fresh_page_opens_on_words_and_the_models_answer(page):
    """No link, no lesson: the page opens on the sentiment LSTM's first sample (a few words, not a
    character model's 116 characters); the featured chart labels every word (upright where level
    labels would leave words out) and the model's answer is in the first screen under the diagram."""
    open_view(page, page.base, "explorer", present=False)
    sample = shipped_cards()["sentiment-lstm"]["samples"][0]
    assert page.locator(".st-key-sentence input").input_value() == sample
    m = check_screen(page, "fresh-page", 14)
    featured = min(m["plots"], key=lambda p: p["top"])
    labels = [text for _, _, text in featured["xlabels"]]
    strip = page.locator(".gs-strip .gs-tok").all_inner_texts()
    assert len(strip) >= 5 and labels == [t.strip() for t in strip], (labels, strip)
    answer = page.locator("[data-testid=gs-outputs]").bounding_box()
    assert answer is not None and answer["y"] + 60 < 720, answer  # its first class row is seen


@pytest.mark.parametrize("view", VIEWS)
def test_presentation_fits_the_projector(page, view):
    open_view(page, page.base, view, present=True)
    m = check_screen(page, f"{view}-present", 20)
    assert m["scrollHeight"] <= m["clientHeight"] + 4, (view, "presentation scrolls", m["scrollHeight"])
    assert all(p["bottom"] <= 720 + 2 for p in m["plots"]), (view, [p["bottom"] for p in m["plots"]])
    # one click to another view: the bar of views is there, the sidebar is not
    assert page.locator("[data-testid=stSidebar]").is_hidden()
    bar = page.locator(".st-key-gs-present-bar button")
    assert bar.count() >= len(VIEWS) + 1
    assert page.locator(".st-key-gs-present-bar").bounding_box()["y"] < 60
    # the page's own controls read like the charts: labels, options, a slider's value, the speed box
    small = [c for c in page.evaluate(CONTROL_FONTS) if c[1] < 20]
    assert not small, (view, small)
    speed = page.locator(".gs-controls select")
    for k in range(speed.count()):
        size = speed.nth(k).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 18, (view, "speed box", size)


CONTROL_FONTS = """() => [...document.querySelectorAll(
    '[data-testid=stMain] [data-testid=stWidgetLabel] p, [data-testid=stMain] [role=radiogroup] p,'
    + ' [data-testid=stMain] [data-testid=stSliderThumbValue]')]
  .filter(e => e.getClientRects().length && e.textContent.trim())
  .map(e => [e.textContent.slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])"""


ONE_PER_TASK = sorted({c["task"]: m for m, c in sorted(shipped_cards().items())
                       if not c["architecture"]["bidirectional"]}.values())


@pytest.mark.parametrize("model", ONE_PER_TASK)
def test_presentation_fits_the_projector_on_every_task(page, model):
    """Every task's explorer presents in 720 px: ten surnames' languages (two columns of classes),
    a value model's prediction, aⁿbⁿ's symbols; the step panel's output is within the screen."""
    open_query(page, page.base, f"view=explorer&present=1&model={model}")
    m = check_screen(page, f"explorer-present-{model}", 20)
    assert m["scrollHeight"] <= m["clientHeight"] + 4, (model, "presentation scrolls", m["scrollHeight"])
    out = page.locator("[data-testid=gs-outputs]").bounding_box()
    assert out is not None and out["y"] + out["height"] <= 720 + 2, (model, out)


LONG_SENTENCE = ("the film that my friends recommended so warmly last summer was not good at all and "
                 "the ending was worse")


@pytest.mark.parametrize("view", VIEWS)
def test_presentation_with_a_long_sentence_stays_readable(page, view):
    """A 20-word sentence (wider ranges, crowded axes): presenting still fits, every chart text is
    ≥ 20 px (a log axis over two decades once drew 15-px digits), no x labels overlap."""
    open_view(page, page.base, view, present=True, text=LONG_SENTENCE)
    m = check_screen(page, f"{view}-present-long", 20)
    assert m["scrollHeight"] <= m["clientHeight"] + 4, (view, "presentation scrolls", m["scrollHeight"])


# The longest titles: the GRU's update gate in the textbook's convention (with its note), in Chinese
# and English, in the explorer (ordered by it: the featured chart, half the width) and side by side.
LONG_TITLES = [("explorer", "zh"), ("explorer", "en"), ("compare", "zh")]


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)], ids=["1280x720", "1440x900"])
@pytest.mark.parametrize(("view", "lang"), LONG_TITLES)
def test_long_titles_are_never_clipped(page, view, lang, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{page.base}/?view={view}&model=agreement-gru&lang={lang}&conv=u&by=z")
    wait_idle(page)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .gtitle').length > 2",
                           timeout=90_000)
    page.wait_for_timeout(800)  # Plotly's last relayout (automargins) settles
    m = check_screen(page, f"{view}-{lang}-u-{size[0]}", 14)  # every chart's title, on screen or not
    titles = [p["title"]["text"].replace("\xa0", " ") for p in m["plots"] if p["title"]]
    assert any("u = 1 − z" in t for t in titles), titles


# Every heatmap drawn on the server (side by side, minimal pairs): its rows, the plot's height and
# its x labels as drawn.
SERVER_HEATMAPS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(g => g.data && g.data[0] && g.data[0].type === 'heatmap' && g.querySelector('.nsewdrag'))
  .map(g => ({rows: g.data[0].y.length,
              plot: g.querySelector('.nsewdrag').getBoundingClientRect().height,
              labels: Array.from(g.querySelectorAll('.xtick text')).map(e => e.textContent)}))"""


@pytest.mark.parametrize("present", [False, True], ids=["first-screen", "present"])
@pytest.mark.parametrize("view", ["compare", "pairs"])
def test_side_by_side_and_pairs_rows_and_words_are_readable(page, view, present):
    """Readable from the back row, in the views drawn by the server too: at most DEFAULT_ROWS rows
    (the card's notable units, then the most telling), each at least 8 px tall at 1280×720, and
    every word of the sentence under the chart (upright where level labels would drop some)."""
    from app.heatmaps import DEFAULT_ROWS

    open_view(page, page.base, view, present=present)
    check_screen(page, f"{view}-rows-{'present' if present else 'first-screen'}", 20 if present else 14)
    maps = page.evaluate(SERVER_HEATMAPS)
    assert maps, view
    strip = [t.strip() for t in page.locator(".gs-strip .gs-tok").all_inner_texts()]
    for m in maps:
        assert m["rows"] <= DEFAULT_ROWS and m["plot"] / m["rows"] >= 8, m
        assert m["labels"] == strip, (m["labels"], strip)


def test_a_view_is_one_click_away_when_presenting(page):
    open_view(page, page.base, "explorer", present=True)
    page.locator(".st-key-present-view-gradients button").click()
    wait_idle(page)
    page.wait_for_function("() => new URL(location.href).searchParams.get('view') === 'gradients'")
    page.wait_for_function("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                           ".some(g => g.layout && g.layout.meta && g.layout.meta.gatescope === 'lines')")
    assert page.locator("[data-testid=stException]").count() == 0


def test_play_waits_for_the_teacher_and_glyphs_are_drawn(page):
    open_view(page, page.base, "explorer", present=True)
    page.wait_for_selector("[data-testid=gs-stepper]")
    stepper = page.locator("[data-testid=gs-stepper]")
    page.wait_for_timeout(1500)
    assert stepper.locator("[data-testid=gs-readout]").inner_text().startswith("step 0 ")  # no autoplay
    play = stepper.locator("[data-testid=gs-play]")
    box = play.bounding_box()
    assert box["height"] >= 40 and box["width"] >= 80, box  # a big Play on the projector
    caption = stepper.locator("[data-testid=gs-caption]").inner_text()
    assert "mean over units" in caption, caption
    glyphs = stepper.locator(".gs-controls button").evaluate_all("bs => bs.map(b => b.textContent)")
    play.click()
    page.wait_for_timeout(700)
    glyphs += [play.text_content()]  # the pause glyph while playing
    play.click()
    assert not stepper.locator("[data-testid=gs-readout]").inner_text().startswith("step 0 ")
    strip = stepper.locator(".gs-strip").text_content()
    font = play.evaluate("b => getComputedStyle(b).fontSize + ' ' + getComputedStyle(b).fontFamily")
    chars = sorted({ch for text in glyphs + [strip[:200]] for ch in text})
    missing = page.evaluate(MISSING_GLYPHS, [chars, font])
    assert missing == [], (missing, font)
    control = page.evaluate(MISSING_GLYPHS, [["\u23f8"], font])  # the old pause glyph: no font has it
    assert control == ["\u23f8"], "the glyph check cannot tell a missing glyph"


# The cell diagram in the stepper's column: its box, every text's box and computed size (× the SVG's
# zoom: its drawn width over its viewBox width), the boxes' and circles' boxes, the legend's size.
DIAGRAM = """(root) => {
  const svg = root.querySelector('[data-testid=gs-diagram] svg');
  const wrap = svg.closest('.gs-diagram');
  const box = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const zoom = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const nodes = Array.from(svg.querySelectorAll('.gs-dg-node')).map(g => ({
    rect: box(g.querySelector('rect')), texts: Array.from(g.querySelectorAll('text')).map(box)}));
  const legend = root.querySelector('[data-testid=gs-diagram-legend]');
  return {svg: box(svg), stepper: box(root), viewport: [innerWidth, innerHeight], zoom,
          scroll: [wrap.scrollWidth, wrap.clientWidth], nodes,
          shapes: Array.from(svg.querySelectorAll('.gs-dg-box, .gs-dg-op')).map(box),
          labels: Array.from(svg.querySelectorAll('.gs-dg-label')).map(t => [box(t), t.textContent]),
          texts: Array.from(svg.querySelectorAll('text')).map(t => [box(t), t.textContent,
            parseFloat(getComputedStyle(t).fontSize) * zoom]),
          legend: legend ? [box(legend), parseFloat(getComputedStyle(legend).fontSize)] : null,
          outputs: box(root.querySelector('[data-testid=gs-outputs]'))};
}"""


def inside(inner: list[float], outer: list[float], slack: float = 1) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def apart(a: list[float], b: list[float]) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


@pytest.mark.parametrize("present", [False, True], ids=["normal", "presenting"])
@pytest.mark.parametrize("query", ["model=sentiment-lstm", "model=sentiment-gru&conv=u",
                                   "model=sentiment-lstm&lang=zh"], ids=["lstm", "gru-u", "zh"])
def test_the_cell_diagram_fits_the_stepper_at_1280x720(page, present, query):
    page.goto(f"{page.base}/?view=explorer&present={int(present)}&{query}")
    wait_idle(page)
    stepper = page.locator("[data-testid=gs-stepper]")
    stepper.locator("[data-testid=gs-diagram] svg").wait_for(timeout=90_000)
    page.wait_for_timeout(500)
    d = stepper.evaluate(DIAGRAM)
    name = f"diagram-fits-{query.replace('&', '-').replace('=', '-')}-{'present' if present else 'normal'}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"layout-{name}.png"))
    width = [0, 0, d["viewport"][0], 10 ** 6]
    # nothing cut off: the drawing inside the stepper and the viewport, no hidden scroll
    assert inside(d["svg"], d["stepper"]) and inside(d["svg"], width), (name, d["svg"], d["stepper"])
    assert d["scroll"][0] <= d["scroll"][1] + 1, (name, "the diagram scrolls sideways", d["scroll"])
    assert len(d["nodes"]) >= 5 and len(d["labels"]) == 2, name
    for text, content, _ in d["texts"]:
        assert inside(text, d["svg"]) and inside(text, width), (name, "text cut off", content, text)
    # nothing overlaps: every box's words inside it, the lines' labels clear of every box and circle
    for n in d["nodes"]:
        assert all(inside(t, n["rect"]) for t in n["texts"]), (name, "words spill out of a box", n)
    for label, content in d["labels"]:
        assert content.strip(), name
        assert all(apart(label, s) for s in d["shapes"]), (name, "a label covers a node", content)
    # readable: ≥ 14 px (≥ 20 px presenting), the words, the numbers and the legend
    least = 20 if present else 14
    small = [(content, size) for _, content, size in d["texts"] if size < least - 0.05]
    assert small == [], (name, least, small)
    legend = d["legend"]
    assert legend and legend[1] >= least and inside(legend[0], d["stepper"]), (name, legend)
    if present:  # the whole step panel on the projector's screen: the diagram and the output
        assert d["svg"][3] <= 720 and d["outputs"][3] <= 720, (name, d["svg"], d["outputs"])
        main = page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]');"
                             " return [m.scrollHeight, m.clientHeight]; }")
        assert main[0] <= main[1] + 4, (name, "presentation scrolls", main)


@pytest.mark.parametrize("query, gate", [
    ("model=names-gru&view=saturation&present=1&lang=zh", "更新门 z"),
    ("model=agreement-sgru&view=saturation&present=1&lang=zh", None),
    ("model=agreement-sgru&view=pairs&lang=zh", None),
])
def test_long_chinese_titles_wrap_inside_their_charts(page, query, gate):
    """The update gate's title in Chinese ("更新门 z（PyTorch 写法：保留旧状态的比例）：…") ran
    40 px past its chart: a title starts at the chart's left margin and wraps in what is left."""
    open_query(page, page.base, query)
    if gate:
        page.locator("[data-testid=stMain] label").filter(has_text=gate).first.click()
        page.wait_for_timeout(500)
        wait_idle(page)
    page.wait_for_timeout(800)
    name = "titles-" + query.replace("&", "-").replace("=", "-")
    check_screen(page, name, 20 if "present" in query else 14)


@pytest.mark.parametrize("query", ["model=agreement-lstm", "model=charlm-gru&lang=zh"])
def test_the_interventions_controls_fit_their_popover_when_presenting(page, query):
    """Presenting, the interventions' controls are in the bar's popover: all of them seen without
    scrolling inside it, and no button's label cut ("Update gate forced to keep (z = …")."""
    open_query(page, page.base, f"view=intervene&present=1&{query}")
    page.locator(".st-key-gs-present-bar [data-testid=stPopover] button").first.click()
    body = page.locator("[data-testid=stPopoverBody]")
    body.locator(".st-key-iv_add button").wait_for()
    page.wait_for_timeout(500)
    height, shown, bottom = body.evaluate(
        "e => [e.scrollHeight, e.clientHeight, e.getBoundingClientRect().bottom]")
    assert height <= shown + 2 and bottom <= 720, (height, shown, bottom)
    cut = body.evaluate("""e => [...e.querySelectorAll('button *')]
        .filter(t => t.children.length === 0 && t.textContent.trim() && t.scrollWidth > t.clientWidth + 1)
        .map(t => t.textContent)""")
    assert cut == [], cut
    buttons = body.locator("button").all_inner_texts()
    assert any("z = 1" in b or "f = 1" in b for b in buttons), buttons  # the presets are there
    page.screenshot(path=str(SHOTS / f"layout-intervene-controls-{query.split('=')[-1]}.png"))
