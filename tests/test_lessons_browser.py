"""Every stop of every lesson, played in Debian's chromium in both languages: no exception box, no
page error, a drawn chart at every stop, the stepper at the stop's step; a screenshot of each stop
goes to artifacts/screenshots/lessons/ (not committed) for a person to look at. One page per
language, moved with the lesson's own buttons (the sidebar's index, then "next"); presentation
mode is played with the presenter's key (PageDown)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app import lessons
from tests.conftest import ROOT
from tests.test_browser import wait_idle

SHOTS = ROOT / "artifacts" / "screenshots" / "lessons"
pytestmark = pytest.mark.browser


def open_page(browser, url: str, width: int = 1280, height: int = 720) -> Page:
    pg = browser.new_context(viewport={"width": width, "height": height}).new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(url)
    wait_idle(pg)
    return pg


def wait_drawn(pg: Page) -> None:
    """Until the run is over and at least one Plotly chart has data drawn in the page."""
    wait_idle(pg)
    pg.wait_for_function(
        "() => window.Plotly && Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".some(g => g.data && g.data.length && g.getBoundingClientRect().height > 100)",
        timeout=90_000)


def check_stop(pg: Page, lesson: lessons.Lesson, k: int, name: str) -> None:
    pg.wait_for_function("([id, k]) => { const q = new URLSearchParams(location.search);"
                         " return q.get('lesson') === id && q.get('stop') === k; }",
                         arg=[lesson.id, str(k)], timeout=60_000)
    wait_drawn(pg)
    assert f"lesson={lesson.id}" in pg.url and f"stop={k}" in pg.url, pg.url
    assert pg.locator("[data-testid=stException]").count() == 0, (lesson.id, k)
    assert pg.errors == [], pg.errors
    step = lesson.stops[k].values.get("step")
    if step is not None:  # the stepper starts at the stop's step
        expect(pg.locator("[data-testid=gs-stepper]").first).to_have_attribute(
            "data-step", str(step), timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}-{lesson.id}-{k + 1}.png"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_stop_of_every_lesson_plays(browser, server, lang):
    pg = open_page(browser, f"{server}/?lang={lang}")
    for lesson in lessons.lessons():
        pg.goto(f"{server}/?lang={lang}&lesson={lesson.id}&stop=0")  # each lesson's link
        check_stop(pg, lesson, 0, lang)
        for k in range(1, len(lesson.stops)):
            wait_idle(pg)
            pg.locator(".st-key-lesson-next button").first.click()
            check_stop(pg, lesson, k, lang)
    pg.context.close()


@pytest.mark.parametrize("lang,size", [("en", (1280, 720)), ("zh", (1440, 900))])
def test_presentation_mode_plays_a_lesson_with_the_presenters_key(browser, server, lang, size):
    lesson = lessons.by_id("counting")
    pg = open_page(browser, f"{server}/?lang={lang}&present=1&lesson={lesson.id}&stop=0", *size)
    check_stop(pg, lesson, 0, f"present-{lang}-{size[0]}")
    for k in range(1, len(lesson.stops)):
        pg.evaluate("() => document.activeElement && document.activeElement.blur()")
        pg.keyboard.press("PageDown")
        check_stop(pg, lesson, k, f"present-{lang}-{size[0]}")
    pg.keyboard.press("PageUp")
    pg.wait_for_function(f"() => location.search.includes('stop={len(lesson.stops) - 2}')",
                         timeout=60_000)
    pg.context.close()


SCROLL = """() => { const m = document.querySelector('[data-testid=stMain]');
  return [m.scrollHeight, m.clientHeight]; }"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_stop_presented_fits_the_projector(browser, server, lang):
    """Presenting at 1280×720, every stop (the lesson's panel above the view) fits without
    scrolling: the views' charts leave room for the panel, whose height depends on its text."""
    pg = open_page(browser, f"{server}/?lang={lang}", 1280, 720)
    tall = []
    for lesson in lessons.lessons():
        for k in range(len(lesson.stops)):
            pg.goto(f"{server}/?lang={lang}&present=1&lesson={lesson.id}&stop={k}")
            check_stop(pg, lesson, k, f"present-fit-{lang}")
            pg.wait_for_timeout(300)  # Plotly's last relayout
            height, screen = pg.evaluate(SCROLL)
            if height > screen + 4:
                tall.append((lesson.id, k + 1, height))
    assert not tall, f"presenting at 1280x720, these stops scroll (lesson, stop, page px): {tall}"
    pg.context.close()


def test_first_screen_shows_the_index_and_a_drawn_chart(browser, server):
    pg = open_page(browser, server)
    wait_drawn(pg)
    index = pg.locator(".st-key-lesson_pick")
    assert index.is_visible() and index.bounding_box()["y"] < 120
    assert pg.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                       ".some(g => { const r = g.getBoundingClientRect();"
                       " return g.data && r.top < 720 && r.bottom > 300; })")
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / "first-screen-en-1280.png"))
    pg.context.close()


# Where the current token is against its strip and the screen, and where the first chart starts
# (evaluated on the strip: the stepper draws in its own shadow root).
CURRENT_TOKEN = """(strip) => {
  const cur = strip.querySelector('.gs-cur'), tok = strip.querySelector('.gs-tok');
  const s = strip.getBoundingClientRect(), c = cur.getBoundingClientRect();
  const charts = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => g.data && g.getBoundingClientRect().height > 100).map(g => g.getBoundingClientRect().top);
  return {inside: c.top >= s.top - 1 && c.bottom <= s.bottom + 1
                  && c.left >= s.left - 1 && c.right <= s.right + 1,
          onScreen: c.top >= 0 && c.bottom <= innerHeight && c.left >= 0 && c.right <= innerWidth,
          step: Number(cur.dataset.step), tokens: strip.querySelectorAll('.gs-tok').length,
          lines: s.height / tok.getBoundingClientRect().height, chartTop: Math.min(...charts)};
}"""


@pytest.mark.parametrize("present", [True, False], ids=["present", "normal"])
@pytest.mark.parametrize("lang,size", [("en", (1280, 720)), ("zh", (1440, 900))])
def test_the_current_token_is_always_in_the_strip(browser, server, lang, size, present):
    """The counting lesson's stop at step 138 of 140 tokens: the strip scrolls so that the current
    token is in view (presenting: one line, the chart above the fold), also after stepping."""
    lesson = lessons.by_id("counting")
    k = next(k for k, s in enumerate(lesson.stops) if s.values.get("step", 0) > 100)
    query = f"lang={lang}&present={int(present)}&lesson={lesson.id}&stop={k}"
    pg = open_page(browser, f"{server}/?{query}", *size)
    check_stop(pg, lesson, k, f"strip-{lang}-{size[0]}-{'present' if present else 'normal'}")
    pg.evaluate("() => document.activeElement && document.activeElement.blur()")
    for key in ("", "Home", "ArrowRight", "End", "ArrowLeft"):  # the stop's own step first
        if key:
            pg.keyboard.press(key)
            pg.wait_for_timeout(100)
        where = pg.locator("[data-testid=gs-stepper] .gs-strip").evaluate(CURRENT_TOKEN)
        assert where["inside"] and where["onScreen"], (key, where)
    assert where["step"] == where["tokens"] - 2 > 100, where  # End, then one back
    if present:
        assert where["lines"] < 2, ("presenting, the strip is one line", where)
        assert where["chartTop"] < size[1] - 300, ("the chart is pushed below the fold", where)
    pg.context.close()
