"""The sentence route (app/sentence_route.py, app/sentence_route.js): a new sentence's charts are
drawn from the server's route at Enter, before the page's rerun, which then sends the very same
payloads (so the charts are not drawn twice); any other answer falls back to the ordinary Enter.

Unit tests of the body checks and the recipes; the route over HTTP on a real `streamlit run`
server, hostile bodies included; and in Debian's chromium: a new sentence drawn once from the route,
the rerun's link and texts after it, presenting, and the fallbacks.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from app import charts, sentence_route, zoo
from app.i18n import t
from app.sentence import MAX_TOKENS, traced
from app.sentence_route import (
    HUFFMAN_ONLY_FROM,
    MAX_BODY,
    MAX_CHARS,
    PATH,
    address,
    offer,
    packed,
    parse_body,
    recipe,
)
from app.views import explorer
from tests.conftest import MODELS
from tests.test_browser import no_errors, readout, wait_idle, wait_ready

# ---------------------------------------------------------------- the body and the recipes

def body(**fields) -> bytes:
    return json.dumps(fields).encode()


def test_a_body_is_a_token_and_a_text():
    assert parse_body(body(token="abc", text="The dog barked.")) == ("abc", "The dog barked.")
    assert parse_body(body(token="abc", text="")) == ("abc", "")


@pytest.mark.parametrize("raw", [
    b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', body(token="a"), body(text="a"),
    body(token="a", text="b", more=1), body(token=1, text="b"), body(token="a", text=["b"]),
    body(token="a", text=None), json.dumps({"token": "a", "text": "x" * (MAX_CHARS + 1)}).encode(),
])
def test_a_body_that_is_not_a_token_and_a_text_says_what_was_expected(raw):
    why = parse_body(raw)
    assert isinstance(why, str) and why.startswith("expected"), why


def test_a_lone_surrogate_reads_as_the_replacement_character():
    assert parse_body(b'{"token": "a", "text": "x\\ud800y"}') == ("a", "x\ufffdy")
    assert parse_body(b'{"token": "a", "text": "\\ud83d\\ude00"}') == ("a", "😀")  # a pair is kept


def test_the_same_settings_give_the_same_token_and_others_another():
    one = address(("sentiment-lstm", 1, "view", "en"))
    assert one == address(("sentiment-lstm", 1, "view", "en"))
    assert one["url"] == PATH and len(one["token"]) == 32
    assert one["token"] != address(("sentiment-lstm", 1, "view", "zh"))["token"]


def test_only_the_latest_recipes_are_kept():
    first = offer(("test-oldest",), lambda text: None)["token"]
    assert recipe(first) is not None
    for k in range(sentence_route.MAX_RECIPES):
        offer(("test", k), lambda text: None)
    assert recipe(first) is None
    assert recipe(address(("test", sentence_route.MAX_RECIPES - 1))["token"]) is not None


# ---------------------------------------------------------------- the explorer's recipe

def model(model_id: str):
    return zoo.load_model(model_id, str(MODELS))


VIEW = explorer.View(layer=0, directions=(0,), order="index", order_by="h", unit=3, convention="z")


@pytest.mark.parametrize("present", [False, True])
def test_a_new_sentence_gets_the_payloads_the_page_draws(present):
    m, L = model("sentiment-lstm"), t("en")
    frame = explorer.Frame(present=present, featured_height=400, lesson=False, lesson_nonce=0)
    text = "The acting was not good at all."
    got = explorer.new_sentence(m, VIEW, L, frame, text)
    page = explorer.payloads(m, text, traced(m.id, text, m), VIEW, 0, L, frame)
    page["stepper"]["route"] = address(explorer.route_settings(m, VIEW, L, frame))
    assert json.dumps(got) == json.dumps(page)  # the same keys, in the same order
    assert set(got) == ({"heatmaps-featured", "stepper"} if present
                        else {"heatmaps-featured", "stepper", "heatmaps-explorer"})
    assert got["stepper"]["tokens"] == ["The", "acting", "was", "not", "good", "at", "all", "."]
    assert got["stepper"]["step"] == 0 and got["heatmaps-featured"]["step"] == 0


def test_a_switch_keeps_the_controls_both_models_draw_and_starts_the_others_at_their_defaults():
    """What Streamlit keeps across a switch of architecture: a control both pages draw (the order,
    the gate of the same cell, both directions) keeps its value; one only the new page draws (a
    GRU's gate and convention, a BiLSTM's directions, the new model's unit box) starts fresh."""
    lstm, gru, bilstm = (model(i) for i in ("sentiment-lstm", "sentiment-gru", "sentiment-bilstm"))
    view = explorer.View(0, (0,), "variance", "f", 7, "z", all_units=True)
    to_gru = explorer.sibling_view(gru, lstm, view)
    assert to_gru == explorer.View(0, (0,), "variance", gru.recurrent.gate_names[-1], -1, "z", True)
    to_bi = explorer.sibling_view(bilstm, lstm, view)
    assert (to_bi.directions, to_bi.order_by, to_bi.unit) == ((0, 1), "f", -1)
    back = explorer.sibling_view(lstm, bilstm, replace(view, directions=(1,)))
    assert back.directions == (0,) and back.order_by == "f"
    from_u = explorer.sibling_view(lstm, gru, replace(view, order_by="z", convention="u"))
    assert (from_u.order_by, from_u.convention) == (lstm.recurrent.gate_names[-1], "z")


def test_a_switch_gets_the_payloads_the_page_draws_for_the_other_model():
    lstm, gru, L = model("sentiment-lstm"), model("sentiment-gru"), t("en")
    frame = explorer.Frame(present=False, featured_height=400, lesson=False, lesson_nonce=0)
    text = "The acting was not good at all."
    got = explorer.switched(lstm, VIEW, "sentiment-gru", str(MODELS), L, frame, text)
    trace = traced(gru.id, text, gru)
    ranked = charts.unit_order(trace.gates(0, 0), "index", "h", gru.recurrent.spec.kind("h"))
    view = explorer.View(0, (0,), "index", "h", int(ranked[0]), "z")  # the unit box's default
    page = explorer.payloads(gru, text, trace, view, 0, L, frame)
    page["stepper"]["route"] = address(explorer.route_settings(gru, view, L, frame))
    assert json.dumps(got) == json.dumps(page)
    assert explorer.switched(lstm, VIEW, "sentiment-gru", str(MODELS), L, frame, " ") is None


@pytest.mark.parametrize("size", [20_000, HUFFMAN_ONLY_FROM - 1, HUFFMAN_ONLY_FROM, 1_000_000])
def test_an_answer_is_gzipped_whole_at_any_size(size):
    """Any answer gunzips to itself (repeats searched below HUFFMAN_ONLY_FROM bytes, Huffman coding
    alone from there on: the large base64 answers shrink by about a third either way)."""
    chunk = json.dumps({"q": base64.b64encode(bytes(range(256)) * 3).decode(), "x": ["a", "b"]})
    data = (chunk * (size // len(chunk) + 1))[:size].encode()
    out = packed(data)
    assert gzip.decompress(out) == data
    assert len(out) < len(data) * 0.8
    repeats = size < HUFFMAN_ONLY_FROM  # this text repeats: only the search for repeats finds it
    assert (len(out) < len(data) * 0.1) == repeats, (size, len(out))


def test_a_text_the_page_must_handle_gets_no_payloads():
    L = t("en")
    frame = explorer.Frame(present=False, featured_height=400, lesson=False, lesson_nonce=0)
    words, values = model("sentiment-lstm"), model("sunspots-lstm")
    assert explorer.new_sentence(words, VIEW, L, frame, "") is None  # nothing to read
    assert explorer.new_sentence(words, VIEW, L, frame, "   ") is None
    assert explorer.new_sentence(words, VIEW, L, frame, "good " * (MAX_TOKENS + 1)) is None
    assert explorer.new_sentence(values, VIEW, L, frame, "the dog barked") is None  # not numbers
    assert explorer.new_sentence(values, VIEW, L, frame, "1 2 3") is not None


# ---------------------------------------------------------------- the route over HTTP

def post(url: str, data: bytes, headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.parametrize("data, status", [
    (b"not json", 400), (body(token="a"), 400), (body(token="a", text=3), 400),
    (body(token="0" * 32, text="The dog barked."), 404),
    (b'{"token": "a", "text": "' + b"x" * MAX_BODY + b'"}', 413),
])
def test_the_route_refuses_a_bad_body_and_says_why(server, data, status):
    code, answer = post(server + PATH, data)
    assert code == status
    assert json.loads(answer)["error"].startswith(("expected", "unknown token"))


@pytest.mark.browser
def test_the_route_answers_a_page_token_gzipped_or_not(browser, server):
    """With the token of a page the server drew: the payloads by component key, gzipped when the
    client accepts it (the same JSON either way), and 204 for a text the page must handle."""
    with explorer_page(browser, server) as pg:
        route = pg.evaluate("() => window.__gsSentenceRoute.route")
    url = server + route["url"]
    data = body(token=route["token"], text="The acting was not good.")
    code, plain = post(url, data)
    code_gz, packed = post(url, data, {"Accept-Encoding": "gzip"})
    assert code == code_gz == 200
    assert gzip.decompress(packed) == plain
    payloads = json.loads(plain)
    assert set(payloads) == {"heatmaps-featured", "stepper", "heatmaps-explorer"}
    assert payloads["stepper"]["tokens"] == ["The", "acting", "was", "not", "good", "."]
    # the same route for the next sentence (the switches of architecture come with the rerun)
    assert payloads["stepper"]["route"] == {"url": route["url"], "token": route["token"]}
    assert post(url, body(token=route["token"], text=" "))[0] == 204


def test_the_answer_says_how_long_the_server_took(browser, server):
    """A 200 carries the server's build time as ``Server-Timing`` (the browser's devtools and
    bench_explorer.py show it next to the whole answer's time)."""
    with explorer_page(browser, server) as pg:
        route = pg.evaluate("() => window.__gsSentenceRoute.route")
    req = urllib.request.Request(server + route["url"], method="POST",
                                 data=body(token=route["token"], text="A quiet, warm film."),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as res:
        timing = res.headers.get("Server-Timing", "")
    match = re.fullmatch(r"build;dur=(\d+\.\d)", timing)
    assert match and 0 < float(match.group(1)) < 60_000, timing


# ---------------------------------------------------------------- in the page

@contextmanager
def explorer_page(browser, server: str, query: str = "model=sentiment-lstm") -> Iterator[Page]:
    """The explorer at 1280×720, with the statuses of its posts to the route in ``pg.posts``; the
    page has no error or exception box at the end."""
    pg = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    pg.errors, pg.dialogs, pg.posts = [], [], []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("response", lambda r: pg.posts.append(r.status) if PATH in r.url else None)
    try:
        pg.goto(f"{server}/?{query}")
        wait_ready(pg)
        wait_drawn(pg)
        yield pg
        no_errors(pg)
    finally:
        pg.context.close()


def wait_drawn(pg: Page) -> None:
    """Until every heatmaps component has drawn its latest payload and is not drawing: the page's
    charts appear one component after another, and a test that counts draws must not start while
    the page is still drawing its first payload (``wait_ready`` waits for the first chart only)."""
    pg.wait_for_function(
        "() => { const gs = Array.from(document.querySelectorAll('[data-testid=gs-heatmaps]'));"
        " return gs.length > 0 && gs.every((g) => { const c = g.parentElement.__gsHeatmaps;"
        " return c && !c.drawing && c.drawnJson === c.latestJson; }); }", timeout=90_000)


def draws(pg: Page) -> int:
    """How many times a heatmaps component has drawn a payload new to its charts since the last
    ``clear_draws``. A redraw of the same payload at another width (the page's layout changed, a
    scroll bar came or went) does not count: it is no second payload."""
    return pg.evaluate("() => performance.getEntriesByName('gatescope:heatmaps-draw')"
                       ".filter(e => !e.detail.repeat).length")


def clear_draws(pg: Page) -> None:
    pg.evaluate("() => performance.clearMeasures('gatescope:heatmaps-draw')")


def heatmap_components(pg: Page) -> int:
    return pg.locator("[data-testid=gs-heatmaps]").count()


def enter(pg: Page, text: str, box=None) -> None:
    box = box or pg.get_by_role("textbox", name="Sentence")
    box.fill(text)
    clear_draws(pg)
    box.press("Enter")


@pytest.mark.browser
@pytest.mark.parametrize("present", [False, True])
def test_a_new_sentence_is_drawn_once_from_the_route_then_the_page_catches_up(browser, server,
                                                                              present):
    with explorer_page(browser, server, "model=sentiment-lstm" + ("&present=1" if present else "")) as pg:
        text = "the plot was dull but the acting was not bad"  # 10 tokens
        if present:  # the sentence box is in the bar's controls
            pg.get_by_role("button", name="Controls").click()
        enter(pg, text)
        wait_ready(pg, tokens=10)
        wait_idle(pg)  # the rerun that Enter was handed once the charts were drawn
        assert pg.posts == [200]
        # every heatmaps component drew once, from the route: the rerun's payloads were the same
        assert draws(pg) == heatmap_components(pg) > 0
        strip = pg.locator("[data-testid=gs-stepper] .gs-strip").evaluate("e => e.textContent")
        assert strip.replace(" ", "") == text.replace(" ", "")
        assert readout(pg).startswith("step 0 /")
        assert f"text={quote(text, safe='').replace('%20', '+')}" in pg.url  # the rerun's link
        if not present:
            assert pg.get_by_test_id("gs-unit-text").inner_text().split() == text.split()
        pg.evaluate("() => document.activeElement.blur()")
        pg.keyboard.press("ArrowRight")
        assert readout(pg).startswith("step 1 /")  # the stepper moves on the new sentence


def arch_option(pg: Page, label: str):
    return pg.locator("[data-testid=stSidebar] label").filter(
        has=pg.get_by_text(label, exact=True)).first


def checked_arch(pg: Page) -> str:
    return pg.evaluate("() => Array.from(document.querySelectorAll("
                       "'[data-testid=stSidebar] [class*=st-key-arch-] label'))"
                       ".filter(l => l.querySelector('input:checked')).map(l => l.textContent.trim())"
                       ".join()")


@pytest.mark.browser
@pytest.mark.parametrize("query, labels, model_ids", [
    ("model=sentiment-lstm", ["GRU", "BiLSTM", "LSTM"],
     ["sentiment-gru", "sentiment-bilstm", "sentiment-lstm"]),
    ("model=charlm-gru&order=variance&unit=5", ["LSTM", "RNN", "GRU"],
     ["charlm-lstm", "charlm-rnn", "charlm-gru"]),
])
def test_a_switch_of_architecture_is_drawn_once_from_the_route(browser, server, query, labels,
                                                                 model_ids):
    """A click on another architecture draws that model's charts from the route, then the radio
    gets its click: the rerun sends the very payloads drawn (every component drew once), with the
    sentence kept, the order kept and the new model's unit at its default."""
    with explorer_page(browser, server, query) as pg:
        answers = []
        pg.on("response", lambda r: answers.append(r.json()) if PATH in r.url and r.ok else None)
        box = pg.get_by_role("textbox", name="Sentence")
        text = box.input_value()
        for label, model_id in zip(labels, model_ids, strict=True):
            clear_draws(pg)
            pg.posts.clear()
            arch_option(pg, label).click()
            wait_idle(pg)
            assert pg.posts == [200], label
            assert draws(pg) == heatmap_components(pg) > 0, label
            # the stepper the rerun mounted shows the unit the route drew it with
            heading = pg.get_by_test_id("gs-equations").locator("h4").inner_text()
            assert heading.startswith(f"unit {answers[-1]['stepper']['unit']} ·"), heading
            assert checked_arch(pg) == label
            assert f"model={model_id}" in pg.url and box.input_value() == text
            if "order=variance" in query:
                assert "order=variance" in pg.url


@pytest.mark.browser
def test_a_switch_the_route_cannot_take_is_the_pages_own(browser, server):
    """A token the server does not know (a restarted server): the click goes to the page at once,
    whose rerun switches the model as it always did."""
    with explorer_page(browser, server) as pg:
        pg.evaluate("() => { const s = window.__gsSentenceRoute.route.switch;"
                    " for (const k of Object.keys(s)) s[k] = { ...s[k], token: '0'.repeat(32) }; }")
        arch_option(pg, "GRU").click()
        wait_idle(pg)
        assert pg.posts == [404]
        assert checked_arch(pg) == "GRU" and "model=sentiment-gru" in pg.url
        wait_ready(pg)


@pytest.mark.browser
def test_presenting_the_route_offers_no_switch(browser, server):
    """Presenting, the sidebar is out of the way: the page offers no switch to the route."""
    with explorer_page(browser, server, "model=sentiment-lstm&present=1") as pg:
        route = pg.evaluate("() => window.__gsSentenceRoute.route")
        assert route["token"] and "switch" not in route


SCRIPT_STATE = "() => document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state')"


def wait_as_streamlit_does(pg: Page) -> None:
    """How Streamlit's own end-to-end tests wait for a run: a short pause, then the app saying
    that its script is not running."""
    pg.wait_for_timeout(155)
    pg.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=25_000)


@pytest.mark.browser
def test_waiting_for_the_script_as_streamlit_does_sees_the_whole_new_sentence(browser, server):
    """While the route works, the page says its script runs (until the rerun that the Enter starts
    has ended): a test or a tool that waits for "notRunning" finds everything updated, the parts
    the rerun draws (the sentence coloured by a unit, the link) as well as the route's charts."""
    with explorer_page(browser, server) as pg:
        text = "the music was loud and the story was thin"
        enter(pg, text)
        assert pg.evaluate(SCRIPT_STATE) == "running"  # at once, before the route's answer
        wait_as_streamlit_does(pg)
        assert pg.get_by_test_id("gs-unit-text").inner_text().split() == text.split()
        strip = pg.locator("[data-testid=gs-stepper] .gs-strip").evaluate("e => e.textContent")
        assert strip.replace(" ", "") == text.replace(" ", "")
        assert f"text={quote(text, safe='').replace('%20', '+')}" in pg.url
        assert pg.posts == [200]


@pytest.mark.browser
def test_an_enter_that_changes_nothing_does_not_leave_the_page_running(browser, server):
    """Enter on the sentence already shown: the route answers and draws nothing new; whether or
    not Streamlit reruns for it, the page is back to "notRunning" within a few seconds."""
    with explorer_page(browser, server) as pg:
        box = pg.get_by_role("textbox", name="Sentence")
        clear_draws(pg)
        box.press("Enter")
        pg.wait_for_function(f"() => ({SCRIPT_STATE})() === 'notRunning'", timeout=6_000)
        wait_idle(pg)
        assert draws(pg) == 0  # the charts already showed this sentence


@pytest.mark.browser
@pytest.mark.parametrize("model_id, text, tokens", [
    ("sentiment-bilstm", "not a bad film at all", 6),  # both directions, class probabilities
    ("charlm-gru", "It is a truth.", 14),  # the next character's probability
    ("sunspots-lstm", "10 20 40 80 120", 5),  # a value head: predicted and actual
    ("anbn-lstm", "$aaaabbbb", 9),  # the counting task: where its predictions are wrong
])
def test_every_kind_of_model_is_drawn_once_from_the_route(browser, server, model_id, text, tokens):
    """Each kind of output and layout: the route's payloads are the ones the rerun sends."""
    with explorer_page(browser, server, f"model={model_id}") as pg:
        enter(pg, text)
        wait_ready(pg, tokens=tokens)
        wait_idle(pg)
        assert pg.posts == [200]
        assert draws(pg) == heatmap_components(pg) > 0


@pytest.mark.browser
def test_a_sentence_the_route_cannot_take_falls_back_to_the_page(browser, server):
    with explorer_page(browser, server) as pg:
        enter(pg, "")  # nothing to read: the route answers 204, the page says so
        wait_idle(pg)
        pg.get_by_text(t("en")["empty"]).wait_for(timeout=30_000)
        assert pg.posts == [204]
        enter(pg, "a good film")  # no charts in the page to draw into: the ordinary Enter
        wait_ready(pg, tokens=3)
        wait_idle(pg)
        assert pg.posts == [204]
        enter(pg, "a very good film")  # charts again: drawn from the route
        wait_ready(pg, tokens=4)
        wait_idle(pg)
        assert pg.posts == [204, 200]
        # a token the server does not know (a restarted server, another process): 404, and the
        # ordinary Enter draws the sentence
        pg.evaluate("() => { window.__gsSentenceRoute.route = "
                    "{ ...window.__gsSentenceRoute.route, token: 'f'.repeat(32) }; }")
        enter(pg, "a truly awful film indeed")
        wait_ready(pg, tokens=5)
        wait_idle(pg)
        assert pg.posts == [204, 200, 404]
        assert draws(pg) == heatmap_components(pg)  # drawn once, by the rerun
        assert "text=a+truly+awful+film+indeed" in pg.url


@pytest.mark.browser
def test_a_values_model_given_words_keeps_them_and_says_why(browser, server):
    with explorer_page(browser, server, "model=sunspots-lstm") as pg:
        enter(pg, "the dog barked")
        wait_idle(pg)
        assert pg.posts == [204]
        pg.get_by_text("not a number", exact=False).first.wait_for(timeout=30_000)


@pytest.mark.browser
def test_two_quick_sentences_end_on_the_second(browser, server):
    """Enter, then another sentence and Enter before the first answer is drawn: the page ends on
    the second sentence, in the charts, the stepper, the box and the link."""
    with explorer_page(browser, server) as pg:
        box = pg.get_by_role("textbox", name="Sentence")
        box.fill("the first sentence was long and quite dull")
        box.press("Enter")
        box.fill("a second one")
        box.press("Enter")
        wait_ready(pg, tokens=3)
        wait_idle(pg)
        strip = pg.locator("[data-testid=gs-stepper] .gs-strip").evaluate("e => e.textContent")
        assert strip.replace(" ", "") == "asecondone"
        assert box.input_value() == "a second one"
        assert "text=a+second+one" in pg.url


@pytest.mark.browser
def test_an_enter_that_ends_an_input_method_composition_is_not_taken(browser, server):
    """Chinese is typed through an input method, whose Enter picks characters: neither the route
    nor Streamlit takes it as the sentence's Enter."""
    with explorer_page(browser, server, "model=sentiment-lstm&lang=zh") as pg:
        box = pg.get_by_role("textbox", name="句子", exact=True)
        before = box.input_value()
        box.fill("电影很好")
        box.evaluate("b => b.dispatchEvent(new KeyboardEvent('keydown', "
                     "{ key: 'Enter', isComposing: true, bubbles: true, cancelable: true }))")
        pg.wait_for_timeout(1500)
        wait_idle(pg)
        assert pg.posts == []
        assert f"text={quote(before, safe='').replace('%20', '+')}" in pg.url  # not applied
        box.press("Enter")  # the Enter after the composition applies it
        wait_ready(pg, tokens=1)
        wait_idle(pg)
        assert pg.posts == [200]


@pytest.mark.browser
def test_a_press_on_an_architecture_posts_before_its_click(browser, server):
    """A person's click lasts about 100 ms: the press already posts the switch, and the click that
    follows draws that very answer (one post, not two). A press that ends elsewhere switches
    nothing, and its answer is not used for a later click."""
    with explorer_page(browser, server) as pg:
        bodies = []
        pg.on("request", lambda r: bodies.append(r.post_data_json) if PATH in r.url else None)

        def press(label: str) -> None:
            box = arch_option(pg, label).bounding_box()
            pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            pg.mouse.down()

        press("GRU")
        pg.wait_for_timeout(400)  # the button held: the post has gone, nothing has switched
        assert len(bodies) == 1 and checked_arch(pg) == "LSTM"
        pg.mouse.move(700, 400)  # released over the main area: no click on the option
        pg.mouse.up()
        pg.wait_for_timeout(400)
        assert checked_arch(pg) == "LSTM" and "model=sentiment-lstm" in pg.url
        assert pg.evaluate("() => window.__gsSentenceRoute.early") is None  # its answer dropped

        text = "a quiet film that stays with you"
        enter(pg, text)
        wait_ready(pg, tokens=7)
        wait_idle(pg)
        bodies.clear()
        pg.posts.clear()
        press("GRU")
        pg.wait_for_timeout(300)
        clear_draws(pg)
        pg.mouse.up()  # the click: it draws the answer to the press
        wait_idle(pg)
        assert len(bodies) == 1 and bodies[0]["text"] == text  # the press's post, with the new text
        assert pg.posts == [200]
        assert draws(pg) == heatmap_components(pg) > 0
        assert checked_arch(pg) == "GRU" and "model=sentiment-gru" in pg.url
        assert pg.get_by_role("textbox", name="Sentence").input_value() == text


@pytest.mark.browser
def test_a_payload_that_comes_while_another_is_drawn_is_drawn_after_it(browser, server):
    """Two payloads in one go (the second comes while the first is being drawn): the charts end on
    the second. Before, the first draw took the second's text for its own when it ended, and the
    second was never drawn."""
    with explorer_page(browser, server) as pg:
        slot = pg.evaluate("() => Object.keys(window.__gsSentenceRoute.targets)"
                           ".find(k => k.startsWith('heatmaps'))")
        ends = pg.evaluate("""(slot) => {
          const g = Array.from(document.querySelectorAll('[data-testid=gs-heatmaps]'))
            .find(e => e.parentElement.__gsHeatmaps.latest.slot === slot);
          const ctrl = g.parentElement.__gsHeatmaps, base = ctrl.latest;
          const marked = (tag) => ({ ...base, x: base.x.map((x) => `${x}${tag}`) });
          const draw = window.__gsSentenceRoute.targets[slot];
          return Promise.all([draw(marked('1')), draw(marked('2'))]).then(() =>
            Array.from(g.querySelectorAll('.js-plotly-plot')).map((c) => c.data[0].x[0]));
        }""", slot)
        assert ends and all(x.endswith("2") for x in ends), ends
