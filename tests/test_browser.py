"""Real parts: a real `streamlit run` server and Debian's chromium driven by Playwright.

Type, step with keys and buttons, check that the charts and the step panel change, that no
exception box or page error appears, and that hostile text renders as text. Screenshots of the main
views go to artifacts/screenshots/ (not committed) for a person to look at.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from app.i18n import t
from tests.conftest import ARGS, CHROMIUM, ROOT, SHOTS, page_views, shipped_cards  # noqa: F401  (ARGS, CHROMIUM: bench/)

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.errors = []
    pg.dialogs = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(server)
    wait_ready(pg)
    yield pg
    ctx.close()


def wait_idle(pg: Page) -> None:
    """Until the script run has finished and no stale element is left on the page (and no new
    sentence is waiting for the sentence route before its rerun starts)."""
    pg.wait_for_timeout(100)
    pg.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=stApp]');"
        " return app && !document.documentElement.dataset.gsSentence"
        " && app.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-stale=true]'); }",
        timeout=90_000,
    )


def wait_ready(pg: Page, tokens: int | None = None) -> None:
    wait_idle(pg)
    pg.wait_for_selector("[data-testid=gs-stepper]", timeout=90_000)
    pg.wait_for_function(
        "() => window.Plotly && Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".some(g => g.layout && g.layout.meta && g.layout.meta.gatescope)",
        timeout=90_000,
    )
    if tokens is not None:
        pg.wait_for_function(
            "n => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".filter(g => g.layout.meta && g.layout.meta.gatescope)"
            ".every(g => g.data[0].x.length === n)", arg=tokens, timeout=90_000)


def readout(pg: Page) -> str:
    return pg.locator("[data-testid=gs-readout]").inner_text()


def cursors(pg: Page) -> list[float]:
    return pg.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(g => g.layout.meta && g.layout.meta.gatescope === 'heatmap')"
        ".map(g => g.layout.shapes[0].x0)"
    )


def no_errors(pg: Page) -> None:
    assert pg.locator("[data-testid=stException]").count() == 0
    assert pg.errors == [], pg.errors
    assert pg.dialogs == [], pg.dialogs


def choose(pg: Page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    box = pg.get_by_label(label, exact=True).first
    box.scroll_into_view_if_needed()
    box.click()
    choice = pg.get_by_role("option", name=option, exact=True)
    if not choice.is_visible():  # the list closes when the page reflows under it: type instead
        box.fill(option)
    choice.click()
    wait_idle(pg)


def type_sentence(pg: Page, text: str) -> None:
    box = pg.get_by_role("textbox", name="Sentence")
    box.fill(text)
    box.press("Enter")
    wait_idle(pg)


def sentiment_task_title() -> str:
    card = next(c for c in shipped_cards().values() if c["task"] == "sentiment")
    return card.get("task_title", "sentiment")


def test_type_and_step_with_keys_and_buttons(page):
    choose(page, "Task", sentiment_task_title())
    type_sentence(page, "the plot was dull but the acting was wonderful")
    wait_ready(page, tokens=9)
    assert readout(page) == "step 0 / 8"
    first_panel = page.locator("[data-testid=gs-equations]").inner_text()
    page.evaluate("() => document.activeElement.blur()")  # focus out of the text box
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert readout(page) == "step 2 / 8"
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(g => g.layout.meta && g.layout.meta.gatescope).every(g => g.layout.shapes[0].x0 === 1.5)"
    )
    assert set(cursors(page)) == {1.5}
    assert page.locator("[data-testid=gs-equations]").inner_text() != first_panel
    assert "“was”" in page.locator("[data-testid=gs-equations]").inner_text()
    page.locator("[data-testid=gs-next]").click()
    assert readout(page) == "step 3 / 8"
    page.locator("[data-testid=gs-prev]").click()
    page.locator("[data-testid=gs-prev]").click()
    assert readout(page) == "step 1 / 8"
    page.keyboard.press("End")
    assert readout(page) == "step 8 / 8"
    assert "wonderful" in page.locator("[data-testid=gs-equations]").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer-sentiment.png"), full_page=True)
    no_errors(page)


def test_play_advances_and_the_server_learns_the_step(page):
    page.locator("[data-testid=gs-play]").click()
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot') && "
        "Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(g => g.layout.meta && g.layout.meta.gatescope).every(g => g.layout.shapes[0].x0 >= 2.5)",
        timeout=20_000,
    )
    page.locator("[data-testid=gs-play]").click()  # pause
    step = int(readout(page).split()[1])
    assert step >= 3
    page.wait_for_timeout(1500)  # the stepper reports the step after a pause; a rerun follows
    # a view change redraws the charts at the step the server was told
    choose(page, "Order units by", "variance over the sentence")
    page.wait_for_timeout(1500)
    assert readout(page).startswith(f"step {step} ")
    assert set(cursors(page)) == {step - 0.5}
    no_errors(page)


HOSTILE = [
    "<script>window.__pwned = 1; alert('x')</script>",
    "<img src=x onerror=\"window.__pwned = 1; alert('y')\">",
    "<b>bold</b> %{z} %{x} &lt;i&gt;",
    "\u202eright-to-left\u202c \u200f mark 😀👩‍👩‍👧 中文 \x00 nul",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_text(page, text):
    type_sentence(page, text)
    wait_ready(page)
    strip = page.locator("[data-testid=gs-stepper] .gs-strip").evaluate("e => e.textContent")
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0
    for markup in ("<script>", "<img", "<b>bold</b>"):
        if markup in text:
            assert markup in strip
            labels = page.evaluate(
                "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                ".filter(g => g.layout.meta && g.layout.meta.gatescope).map(g => g.data[0].x.join(''))"
            )
            assert labels and all("&lt;" in x and "<" not in x for x in labels)
    if "中文" in text:
        assert "中" in strip and "U+202E" in strip  # the RTL override is shown, not obeyed
    no_errors(page)


def test_twenty_thousand_characters_say_the_limit(page):
    choose(page, "Task", next(c.get("task_title", c["task"]) for c in shipped_cards().values()
                              if c["task"] == "charlm"))
    type_sentence(page, "abc " * 5000)
    page.get_by_text("the limit is 2,000 tokens").wait_for(timeout=90_000)
    wait_ready(page, tokens=2000)
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    assert readout(page) == "step 1 / 1999"
    assert len(page.get_by_role("textbox", name="Sentence").input_value()) == 20000  # nothing lost
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer-charlm-long.png"))
    no_errors(page)


VIEW_LABELS = [t("en")["views"][v] for v in page_views()]  # every view of the page, "Train" too


def test_every_view_and_the_language_switch(page):
    choose(page, "Task", sentiment_task_title())
    SHOTS.mkdir(parents=True, exist_ok=True)
    for k, label in enumerate(VIEW_LABELS):
        page.get_by_text(label, exact=True).click()
        wait_idle(page)
        no_errors(page)
        page.screenshot(path=str(SHOTS / f"view-{k}-{label.lower().replace(' ', '-')}.png"),
                        full_page=True)
    page.get_by_text("Explorer", exact=True).click()
    wait_idle(page)
    page.get_by_text("简体中文", exact=True).click()
    wait_ready(page)
    assert page.get_by_text("逐步观察", exact=True).count() == 1
    readout = page.locator("[data-testid=gs-readout]").inner_text()
    tokens = page.locator(".gs-root .gs-tok").count()
    assert readout == f"第 0 步（共 {tokens} 步）", readout  # steps 0 … T−1: T steps in all
    page.screenshot(path=str(SHOTS / "explorer-zh.png"), full_page=True)
    page.get_by_text("English", exact=True).click()
    wait_ready(page)
    assert page.get_by_text("Explorer", exact=True).count() == 1
    no_errors(page)


def test_link_round_trip_across_a_server_restart(browser):
    from tests.conftest import free_port, start_server

    port = free_port()
    proc, url = start_server(port=port)
    try:
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(url)
        wait_ready(pg)
        choose(pg, "Task", sentiment_task_title())
        pg.get_by_text("GRU", exact=True).click()
        wait_idle(pg)
        type_sentence(pg, "the acting was good but the plot was not")
        wait_ready(pg, tokens=9)
        pg.get_by_text("u = 1 − z, as the textbooks: share of the candidate written").click()
        wait_ready(pg)
        pg.evaluate("() => document.activeElement.blur()")
        for _ in range(4):
            pg.keyboard.press("ArrowRight")
        pg.wait_for_function("() => new URL(location.href).searchParams.get('step') === '4'",
                             timeout=30_000)
        link = pg.url
        pg.close()
    finally:
        proc.terminate()
        proc.wait(10)
    proc, url2 = start_server(port=port)  # a new server process: nothing survives but the link
    try:
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(link)
        wait_ready(pg, tokens=9)
        assert pg.locator("[data-testid=gs-readout]").inner_text() == "step 4 / 8"
        assert pg.get_by_role("textbox", name="Sentence").input_value() == (
            "the acting was good but the plot was not")
        gates = pg.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                            ".filter(g => g.layout.meta && g.layout.meta.gatescope === 'heatmap')"
                            ".map(g => [g.layout.meta.gate, g.layout.shapes[0].x0])")
        assert ["u", 3.5] in gates and all(x == 3.5 for _, x in gates)
        assert errors == []
        pg.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_class_probabilities_are_labelled_with_whole_labels_at_every_step(browser, server):
    """Regression: at the first steps the panel spelled the labels letter by letter ("n", "e",
    "undefined") because a class list was read as if it held one list of labels per step."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/?model=anbn-sgru&text=%24aaabbb")
        wait_ready(pg, tokens=7)
        labels = list(shipped_cards()["anbn-sgru"]["head"]["labels"])
        panel = pg.locator("[data-testid=gs-outputs] table tr td:first-child")
        for _ in range(3):
            shown = [panel.nth(k).inner_text() for k in range(panel.count())]
            assert shown == labels, shown
            pg.evaluate("() => document.activeElement && document.activeElement.blur()")
            pg.keyboard.press("ArrowRight")
    finally:
        ctx.close()


# --- the cell diagram --------------------------------------------------------------------------------

def diagram_numbers(pg: Page) -> dict[str, float]:
    """The numbers the cell diagram shows, by the equation key each one is."""
    shown = pg.locator("[data-testid=gs-diagram] text[data-key]").evaluate_all(
        "els => els.map(t => [t.dataset.key, t.textContent])")
    return {key: float(text.replace("−", "-")) for key, text in shown}


def diagram_weights(pg: Page) -> dict[str, float]:
    """How thick each weighted line is drawn (0…1), by its equation key."""
    lines = pg.locator("[data-testid=gs-diagram] polyline[data-key]").evaluate_all(
        "els => els.map(l => [l.dataset.key, l.dataset.weight])")
    return {key: float(w) for key, w in lines}


@pytest.mark.parametrize(("model_id", "conv", "unit"), [("sentiment-lstm", "z", 3),
                                                         ("sentiment-gru", "u", 5)])
def test_the_cell_diagram_is_drawn_and_moves_with_the_step(browser, server, model_id, conv, unit):
    import cells
    from app import charts
    from app.payload import rounded
    from cells.explain import unit_equations
    from tests.conftest import MODELS

    if model_id not in shipped_cards():
        pytest.skip(f"{model_id} is not shipped")
    text = "the plot was dull but the acting was wonderful"
    model = cells.load(MODELS / model_id)
    trace = cells.trace(model, text)
    eq = {k: rounded(v) for k, v in unit_equations(trace, 0, 0, unit).items()}
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = ctx.new_page()
    pg.errors, pg.dialogs = [], []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    try:
        pg.goto(f"{server}/?model={model_id}&conv={conv}&unit={unit}&text={text.replace(' ', '%20')}")
        wait_ready(pg, tokens=len(trace.tokens))
        diagram = pg.locator("[data-testid=gs-diagram]")
        assert diagram.locator("rect").count() >= 6
        box = diagram.bounding_box()
        assert box and box["height"] <= 220, box
        before = diagram_numbers(pg)
        spec = model.recurrent.spec
        if len(spec.conventions) > 1:  # the update gate as the chosen convention shows it
            assert conv in before and ({"u", "z"} - {conv}).isdisjoint(before)
        assert set(before) >= {"h", "h_prev", *(set(spec.block_gates) - {"z"})}
        memory = spec.role_gate("memory")
        line_kind = spec.kind(memory or "h")  # the line kept and written flow along
        top = charts.color_range(line_kind, trace.gates(0, 0)[memory or "h"])[1]
        pg.evaluate("() => document.activeElement && document.activeElement.blur()")
        for t in (0, 1, 2):
            shown = diagram_numbers(pg)
            for key, value in shown.items():
                assert abs(value - eq[key][t]) <= 0.0011, (t, key, value, eq[key][t])
            weights = diagram_weights(pg)
            for key in ("kept", "written"):  # the memory line's two paths follow |kept|, |written|
                assert abs(weights[key] - min(1.0, abs(eq[key][t]) / top)) <= 0.002, (t, key, weights)
            if t == 2:
                diagram.scroll_into_view_if_needed()
                SHOTS.mkdir(parents=True, exist_ok=True)
                pg.screenshot(path=str(SHOTS / f"diagram-{model_id}-1280x720.png"))
            pg.keyboard.press("ArrowRight")
        assert diagram_numbers(pg) != before
        assert readout(pg) == f"step 3 / {len(trace.tokens) - 1}"
        no_errors(pg)
    finally:
        ctx.close()


def test_the_cell_diagram_is_large_when_presenting(browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/?model=sentiment-lstm&present=1")
        wait_ready(pg)
        svg = pg.locator("[data-testid=gs-diagram] svg")
        zoom = svg.evaluate("s => s.getBoundingClientRect().width / s.viewBox.baseVal.width")
        sizes = svg.locator("text[data-key]").evaluate_all(
            "els => els.map(t => parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize))")
        assert sizes and min(sizes) * zoom >= 20, (sizes, zoom)
        SHOTS.mkdir(parents=True, exist_ok=True)
        svg.scroll_into_view_if_needed()
        pg.screenshot(path=str(SHOTS / "diagram-present-1280x720.png"))
    finally:
        ctx.close()


def slider_and_chart_steps(pg: Page) -> tuple[int, int]:
    """(the step the gradients view's slider shows, the step its chart says it explains)."""
    title = drawn_chart(pg, "lines", "g.layout.title.text")
    shown = pg.locator("[data-testid=stSlider] input[type=range]").first.get_attribute("aria-valuetext")
    return int(shown.split(":")[0]), int(title.split("step ")[1].split()[0])


def test_the_gradient_slider_shows_the_step_its_chart_explains(browser, server):
    """Regression: after a new sentence the slider said step 0 while the chart said step 5."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/?view=gradients&model=sentiment-lstm&text=the+film+was+not+good+.")
        wait_idle(pg)
        pg.wait_for_selector("[data-testid=stSlider]", timeout=90_000)
        assert slider_and_chart_steps(pg) == (5, 5)
        type_sentence(pg, "a b c d e f g h")
        pg.wait_for_function("() => location.href.includes('text=a+b+c')", timeout=30_000)
        slider, chart = slider_and_chart_steps(pg)
        assert slider == chart, (slider, chart)
        pg.locator("[data-testid=stSlider] input[type=range]").first.focus()
        pg.keyboard.press("Home")
        wait_idle(pg)
        pg.wait_for_timeout(500)
        wait_idle(pg)
        assert slider_and_chart_steps(pg) == (0, 0)
        assert pg.locator("[data-testid=stException]").count() == 0
    finally:
        ctx.close()


def drawn_chart(pg: Page, kind: str, expression: str):
    """``expression`` (JS over the drawn chart ``g``) for the first chart whose meta says ``kind``."""
    find = ("Array.from(document.querySelectorAll('.js-plotly-plot'))"
            f".find(g => g._fullLayout && g.layout.meta && g.layout.meta.gatescope === '{kind}')")
    pg.wait_for_function(f"() => !!{find}", timeout=90_000)
    return pg.evaluate(f"() => {{ const g = {find}; return {expression}; }}")


def test_saturation_axes_span_a_share_and_log_ticks_use_one_format(browser, server):
    """Regressions: the saturation scatter's x axis spanned −1…2 for a share (its square aspect
    stretched the range); the gradients' log axis wrote "100μ" beside "10⁻¹⁶"."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/?view=saturation&model=sentiment-lstm")
        wait_idle(pg)
        for axis in ("xaxis", "yaxis"):
            low, high = drawn_chart(pg, "scatter", f"g._fullLayout.{axis}.range")
            assert -0.05 <= low < 0 and 1 < high <= 1.05, (axis, low, high)
        text = "It was the best of times, it was the worst of times, it was the age of wisdom. " * 2
        pg.goto(f"{server}/?view=gradients&model=charlm-lstm&text={quote(text)}")
        wait_idle(pg)
        ticks = drawn_chart(pg, "lines", "Array.from(g.querySelectorAll('.ytick text'))"
                                          ".map(t => t.textContent)")
        assert ticks, ticks
        powers = [t for t in ticks if t.startswith("10")]
        assert powers and not [t for t in ticks if t[-1:] in "μmnpfa"], ticks
        # one to two decades: values named as numbers at one size, not Plotly's "4 3 2 10⁻¹ 9 8"
        words = ("the film that my friends recommended so warmly last summer was not good at all and "
                 "the ending was worse")
        pg.goto(f"{server}/?view=gradients&model=sentiment-lstm&present=1&text={quote(words)}")
        wait_idle(pg)
        ticks = drawn_chart(pg, "lines", "Array.from(g.querySelectorAll('.ytick text'))"
                                          ".map(t => [t.textContent, getComputedStyle(t).fontSize])")
        assert len(ticks) >= 3 and len({size for _, size in ticks}) == 1, ticks
        assert all(float(text) > 0 for text, _ in ticks), ticks  # "0.05", "0.1", …
    finally:
        ctx.close()


@pytest.mark.parametrize(("model", "text", "shown"), [
    ("sentiment-lstm", "the plot was dull but the acting was wonderful " * 12, "the plot was dull"),
    ("charlm-lstm", "abcdefghij" * 60, "abcdefghij"),
])
def test_the_sentence_coloured_by_a_unit_wraps_and_shows_word_boundaries(browser, server, model,
                                                                          text, shown):
    """Regression: the coloured sentence ran off the right edge, and word tokens ran together
    ("theplotwasdull")."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/?model={model}&text={quote(text)}")
        wait_ready(pg)
        box = pg.locator("[data-testid=gs-unit-text]")
        box.wait_for(timeout=90_000)
        assert shown in box.text_content()
        fits = box.evaluate("e => [e.scrollWidth <= e.clientWidth + 1,"
                            " e.getBoundingClientRect().right <= window.innerWidth]")
        assert fits == [True, True], fits
        assert box.evaluate("e => e.getBoundingClientRect().height") > 40  # wrapped: several lines
    finally:
        ctx.close()


def test_a_language_switch_relabels_the_order_box_and_keeps_the_convention(browser, server):
    """Regression: after a language switch the order box stayed in English and the GRU convention
    radio lost its selection (the browser keeps a choice as its label)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/?model=sentiment-gru&order=variance&conv=u")
        wait_ready(pg)
        checked = "() => Array.from(document.querySelectorAll('[data-testid=stRadio]'))" \
                  ".filter(r => r.innerText.includes('1 − z')).map(r =>" \
                  " r.querySelector('input:checked') && r.querySelector('input:checked')" \
                  ".closest('label').innerText)"
        assert pg.evaluate(checked) == ["u = 1 − z, as the textbooks: share of the candidate written"]
        order = pg.get_by_role("combobox", name="Order units by")
        assert order.input_value() == "variance over the sentence"
        pg.get_by_text("简体中文", exact=True).click()
        wait_ready(pg)
        pg.get_by_text("逐步观察", exact=True).wait_for(timeout=90_000)
        zh = t("zh")
        assert pg.evaluate(checked) == [zh["convention_u"]]
        order = pg.get_by_role("combobox", name=zh["order"], exact=True)
        assert order.input_value() == zh["order_options"]["variance"], order.input_value()
        no_errors_in(pg)
    finally:
        ctx.close()


def no_errors_in(pg: Page) -> None:
    assert pg.locator("[data-testid=stException]").count() == 0


def test_enter_applies_the_sentence_and_it_survives_every_switch(browser, server):
    """Regression: the sentence box needed Ctrl+Enter, and LSTM → GRU replaced the typed sentence
    with the GRU's sample."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/?model=sentiment-lstm")
        wait_ready(pg)
        text = "the zorblat acting was not so wonderful"  # 7 tokens; the sample has 6
        box = pg.get_by_role("textbox", name="Sentence")
        box.fill(text)
        box.press("Enter")
        wait_ready(pg, tokens=7)
        for target, label in (("GRU", "Sentence"), ("Minimal pairs", None), ("Explorer", "Sentence"),
                              ("简体中文", "句子")):
            pg.get_by_text(target, exact=True).click()
            wait_idle(pg)
            if label:  # the minimal pairs view has its own two sentences
                expect(pg.get_by_role("textbox", name=label, exact=True)).to_have_value(
                    text, timeout=30_000)
        wait_ready(pg, tokens=7)
        assert pg.get_by_role("textbox", name="句子", exact=True).input_value() == text
        no_errors_in(pg)
    finally:
        ctx.close()
