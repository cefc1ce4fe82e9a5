"""AppTest over every control of the explorer, on the shipped models; figure contents are checked
from the Plotly spec that Streamlit would send (gate names, colour ranges, the cursor's step)."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from app.heatmaps import dequantise
from tests.conftest import APP, shipped_cards

TIMEOUT = 120  # the first import of torch-free cells + plotly is slow on a loaded machine
GRID = {"lstm": "ifgoch", "gru": "rznh", "sgru": "znh", "rnn": "h"}
CARDS = shipped_cards()


def fresh() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def pick(at: AppTest, model_id: str) -> AppTest:
    card = CARDS[model_id]
    task = at.selectbox(key="task")
    title = card.get("task_title", card["task"])
    if task.value != title:
        task.set_value(title).run()
    radio = at.radio(key=f"arch-{title}")
    choice = next(o for o in radio.options if o == _arch_label(card))
    radio.set_value(choice).run()
    assert not at.exception, at.exception
    return at


def _arch_label(card: dict) -> str:
    from app.zoo import ARCH_NAMES, arch_of
    from cells.card import card_from_json

    return ARCH_NAMES[arch_of(card_from_json(card))]


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def component_heatmaps(at: AppTest) -> list[dict]:
    """The explorer's heatmaps, drawn in the page by ``app/heatmaps.js`` from one payload, in the
    shape of the Plotly figures that script makes of them (title, x, rows, range, cursor)."""
    out = []
    for c in at.get("bidi_component"):
        if c.proto.component_name != "gatescope_heatmaps":
            continue
        p = json.loads(c.proto.json)
        for panel in p["panels"]:
            out.append({
                "layout": {"meta": {"gatescope": "heatmap", "gate": panel["gate"]},
                           "title": {"text": panel["title"]},
                           "shapes": [{"x0": p["step"] - 0.5, "x1": p["step"] + 0.5}]},
                "data": [{"type": "heatmap", "x": p["x"], "y": p["row_labels"],
                          "z": dequantise(panel["q"], tuple(panel["shape"]), panel["zmin"],
                                          panel["zmax"]).tolist(),
                          "zmin": panel["zmin"], "zmax": panel["zmax"]}],
            })
    return out


def heatmaps(at: AppTest) -> list[dict]:
    charts = [s for s in specs(at) if s["layout"].get("meta", {}).get("gate") not in (None, "p", "output")]
    return component_heatmaps(at) + charts


def test_catalogue_is_the_zoo():
    assert len(CARDS) >= 10, sorted(CARDS)
    tasks = {c["task"] for c in CARDS.values()}
    assert {"charlm", "sentiment"} <= tasks, tasks


@pytest.mark.parametrize("model_id", sorted(CARDS))
def test_every_model_draws_every_gate(model_id):
    at = pick(fresh(), model_id)
    card = CARDS[model_id]
    cell = card["architecture"]["cell"]
    maps = heatmaps(at)
    dirs = 2 if card["architecture"]["bidirectional"] else 1
    assert len(maps) == len(GRID[cell]) * dirs
    # the featured heatmap (the gate the units are ordered by: h) first, beside the stepper; then
    # the rest of the cell's grid in its order
    assert [m["layout"]["meta"]["gate"] for m in maps][::dirs] == ["h"] + [g for g in GRID[cell] if g != "h"]
    for m in maps:
        gate, trace = m["layout"]["meta"]["gate"], m["data"][0]
        assert trace["type"] == "heatmap"
        if gate in "ifozr":
            assert (trace["zmin"], trace["zmax"]) == (0, 1)
        elif gate in "gnh":
            assert (trace["zmin"], trace["zmax"]) == (-1, 1)
        else:  # cell state: symmetric and stated in the title
            assert trace["zmin"] == -trace["zmax"] and f"±{trace['zmax']:g}" in m["layout"]["title"]["text"]
        shape = m["layout"]["shapes"][0]
        assert (shape["x0"], shape["x1"]) == (-0.5, 0.5)  # a new sentence starts at step 0
    assert at.text_input(key="sentence").value  # a sample sentence is filled in


def first_id(task: str, cell: str = "lstm", bi: bool = False) -> str:
    for mid, c in CARDS.items():
        a = c["architecture"]
        if c["task"] == task and a["cell"] == cell and a["bidirectional"] == bi:
            return mid
    raise AssertionError(f"no shipped {cell} model for {task}")


def test_cursor_follows_the_step_the_server_knows():
    at = pick(fresh(), first_id("sentiment"))
    at.text_input(key="sentence").set_value("the movie was not good at all").run()
    at.session_state["step"] = 4  # as the stepper reports after a pause
    at.selectbox(key="order").set_value("variance").run()  # a view change redraws at that step
    for m in heatmaps(at):
        shape = m["layout"]["shapes"][0]
        assert (shape["x0"], shape["x1"]) == (3.5, 4.5)


def test_order_unit_and_gate_controls():
    mid = first_id("sentiment")
    at = pick(fresh(), mid)
    before = heatmaps(at)[0]["data"][0]["y"]
    at.selectbox(key="order").set_value("variance").run()
    after = heatmaps(at)[0]["data"][0]["y"]
    assert sorted(before) == sorted(after) and before != after
    at.selectbox(key="order_by-lstm").set_value("f").run()
    assert not at.exception
    unit = at.selectbox(key=f"unit-{mid}")
    unit.set_value(unit.options[3]).run()
    assert not at.exception
    page_text = " ".join([m.value for m in at.markdown] + [h.proto.body for h in at.get("html")])
    assert re.search(rf"unit\W*{unit.options[3]}\b", re.sub(r"<[^>]+>|\*\*", "", page_text))


def test_example_picker_fills_the_sentence():
    mid = first_id("sentiment")
    at = pick(fresh(), mid)
    box = at.selectbox(key=f"example-{mid}")
    box.set_value(box.options[2]).run()
    assert at.text_input(key="sentence").value == box.options[2]


def test_gru_convention_switch():
    mid = first_id("sentiment", "gru")
    at = pick(fresh(), mid)
    gates = [m["layout"]["meta"]["gate"] for m in heatmaps(at)]
    assert "z" in gates and "u" not in gates
    z = next(m for m in heatmaps(at) if m["layout"]["meta"]["gate"] == "z")
    at.radio(key="convention").set_value("u").run()
    u = next(m for m in heatmaps(at) if m["layout"]["meta"]["gate"] == "u")
    assert "1 − z" in u["layout"]["title"]["text"]
    assert z["data"][0]["z"] != u["data"][0]["z"]


def test_bidirectional_shows_both_directions_aligned():
    mid = first_id("sentiment", "lstm", bi=True)
    at = pick(fresh(), mid)
    titles = [m["layout"]["title"]["text"] for m in heatmaps(at)]
    assert sum("forward" in t for t in titles) == 6 and sum("backward" in t for t in titles) == 6
    xs = {json.dumps(m["data"][0]["x"]) for m in heatmaps(at)}
    assert len(xs) == 1  # the same tokens on every chart
    at.selectbox(key="direction").set_value((1,)).run()
    assert all("backward" in m["layout"]["title"]["text"] for m in heatmaps(at))


def test_language_switch():
    at = fresh()
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception
    header = [h.proto.body for h in at.get("html") if h.proto.body.startswith("<p class=\"gs-header\"")]
    assert len(header) == 1 and "Gatescope" in header[0] and "输入一句话" in header[0], header
    assert "句子" in [t.label for t in at.text_input]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "<script>alert(1)</script>", "<b>bold</b> %{z} &amp;", "\u202eevil\u202c 😀 中文\x00",
     "x" * 20000],
)
def test_bad_input_gets_a_message_not_a_traceback(text):
    mid = first_id("charlm" if text.strip() else "sentiment")  # word models read "   " as nothing
    at = pick(fresh(), mid)
    at.text_input(key="sentence").set_value(text).run()
    assert not at.exception
    if not text.strip():
        assert at.info and not at.get("plotly_chart") and not heatmaps(at)
    elif len(text) > 2000:
        assert "2,000" in at.warning[0].value
        assert at.text_input(key="sentence").value == text  # nothing lost
    else:
        for m in heatmaps(at):
            assert "<script>" not in json.dumps(m) and "<b>" not in json.dumps(m)


def test_uploads_refuse_pickles_and_load_safetensors(tmp_path):
    import pickle

    import cells
    from app.zoo import model_from_upload

    marker = tmp_path / "pwned"

    class Hostile:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    payload = pickle.dumps(Hostile())
    for name in ("model.pt", "weights.safetensors", "model.pkl"):
        with pytest.raises(cells.ModelFileError, match="pickle|safetensors"):
            model_from_upload([(name, payload), ("card.json", b"{}")])
    assert not marker.exists()
    with pytest.raises(cells.ModelFileError, match="expected one .safetensors"):
        model_from_upload([("card.json", b"{}")])
    folder = next(iter(sorted(MODELS_DIR().glob("*/card.json")))).parent
    model = model_from_upload(
        [(f.name, f.read_bytes()) for f in (folder / "weights.safetensors", folder / "card.json")]
    )
    assert cells.trace(model, "abc").steps > 0


def MODELS_DIR():
    from tests.conftest import MODELS

    return MODELS


def test_link_restores_the_view():
    mid = first_id("sentiment", "gru")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    text = "the acting was not good"
    for k, v in {"model": mid, "text": text, "step": "3", "unit": "5", "order": "variance",
                 "by": "z", "conv": "u", "lang": "zh"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    assert at.radio(key="lang").value == "zh"
    assert at.text_input(key="sentence").value == text
    assert at.selectbox(key=f"unit-{mid}").value == 5
    assert at.radio(key="convention").value == "u"
    maps = heatmaps(at)
    assert {m["layout"]["meta"]["gate"] for m in maps} == {"r", "u", "n", "h"}
    assert all(m["layout"]["shapes"][0]["x0"] == 2.5 for m in maps)  # drawn at step 3
    # and the page writes its state back into the link
    assert at.query_params["model"] == [mid] or at.query_params["model"] == mid


def tokens_shown(at: AppTest) -> list[str]:
    """The tokens the explorer's charts are drawn over (from the heatmaps' x labels)."""
    return [x.split(" ‹", 1)[1][:-1] for x in heatmaps(at)[0]["data"][0]["x"]]


def test_the_sentence_survives_architecture_task_view_and_language():
    """Regression: the text box was keyed per model, so LSTM → GRU replaced the typed sentence."""
    text = "the zorblat was not wonderful at all"
    at = pick(fresh(), "sentiment-lstm")
    at.text_input(key="sentence").set_value(text).run()
    assert tokens_shown(at) == text.split()
    pick(at, "sentiment-gru")  # architecture
    assert at.text_input(key="sentence").value == text and tokens_shown(at) == text.split()
    pick(at, "agreement-lstm")  # another task whose word model still reads it (zorblat: <unk>)
    assert at.text_input(key="sentence").value == text and tokens_shown(at) == text.split()
    at.radio(key="view").set_value("pairs").run()  # a view that draws no sentence box
    at.radio(key="view").set_value("explorer").run()
    assert at.text_input(key="sentence").value == text
    at.radio(key="lang").set_value("zh").run()
    assert at.text_input(key="sentence").value == text and tokens_shown(at) == text.split()
    assert not at.exception


def test_a_values_model_says_it_cannot_read_a_number_too_large_for_it():
    """Regression: "1e300" (finite, but not a float32) read as inf: empty charts, no word."""
    at = pick(fresh(), "sunspots-lstm")
    at.text_input(key="sentence").set_value("50 60 1e300 70").run()
    assert not at.exception, at.exception
    message = " ".join(i.value for i in at.info)
    assert "“1e300” is not a number it can read" in message, message
    assert heatmaps(at)  # its own example is shown


def test_a_values_model_says_why_it_cannot_read_prose_and_keeps_the_sentence():
    text = "the movie was good"
    at = pick(fresh(), "sentiment-lstm")
    at.text_input(key="sentence").set_value(text).run()
    pick(at, "sunspots-lstm")
    message = " ".join(i.value for i in at.info)
    assert "“the” is not a number it can read" in message and "kept" in message
    assert at.text_input(key="sentence").value == CARDS["sunspots-lstm"]["samples"][0]
    assert heatmaps(at)  # it shows its own example
    pick(at, "sentiment-gru")
    assert at.text_input(key="sentence").value == text and tokens_shown(at) == text.split()
    assert not any("kept" in i.value for i in at.info)


def test_a_sentence_typed_on_the_values_model_wins_over_the_kept_one():
    at = pick(fresh(), "sentiment-lstm")
    at.text_input(key="sentence").set_value("the movie was good").run()
    pick(at, "sunspots-lstm")
    at.text_input(key="sentence").set_value("10 20 30").run()
    assert not at.info and tokens_shown(at) == ["10", "20", "30"]
    pick(at, "sentiment-lstm")
    assert at.text_input(key="sentence").value == "10 20 30"


def test_a_long_text_with_line_breaks_is_read_whole():
    at = pick(fresh(), "charlm-lstm")
    text = "first line\nsecond line\n" * 50  # an st.text_input would drop the line breaks
    at.text_area(key="sentence_long").set_value(text).run()
    assert not at.exception
    assert at.text_input(key="sentence").value == text
    assert len(tokens_shown(at)) == len(text) and tokens_shown(at).count("⏎") == 100


def test_user_text_in_a_message_is_not_markdown():
    from app.sentence import markdown_safe

    assert markdown_safe("a [link](http://x) **b** <i>") == (
        "a \\[link\\]\\(http\\:\\/\\/x\\) \\*\\*b\\*\\* \\<i\\>")
    assert markdown_safe("nul\x00 rtl\u202e") == "nul␀ rtlU\\+202E"  # shown, not obeyed


def test_a_formal_language_model_keeps_prose_aside_and_a_word_model_gets_it_back():
    text = "the movie was good"
    at = pick(fresh(), "sentiment-lstm")
    at.text_input(key="sentence").set_value(text).run()
    pick(at, "anbn-lstm")  # its alphabet is $, a, b: prose is mostly other characters
    message = " ".join(i.value for i in at.info)
    assert "other characters" in message and "kept" in message, message
    assert at.text_input(key="sentence").value == CARDS["anbn-lstm"]["samples"][0]
    pick(at, "charlm-lstm")  # a character model of English reads it
    assert at.text_input(key="sentence").value == text and not at.info


def test_a_second_model_that_cannot_read_the_kept_sentence_shows_its_own_example():
    """Prose kept aside on aⁿbⁿ, then the sunspot model (which cannot read it either): the box
    shows the sunspot model's example, not aⁿbⁿ's read as numbers; the prose comes back after."""
    text = "the movie was good"
    at = pick(fresh(), "sentiment-lstm")
    at.text_input(key="sentence").set_value(text).run()
    pick(at, "anbn-lstm")
    assert at.text_input(key="sentence").value == CARDS["anbn-lstm"]["samples"][0]
    pick(at, "sunspots-lstm")
    assert at.text_input(key="sentence").value == CARDS["sunspots-lstm"]["samples"][0]
    message = " ".join(i.value for i in at.info)
    assert "reads numbers" in message and "kept" in message, message
    pick(at, "charlm-lstm")
    assert at.text_input(key="sentence").value == text and not at.info


def test_spaces_alone_are_named_when_a_model_cannot_read_them():
    at = pick(fresh(), "anbn-lstm")
    at.text_input(key="sentence").set_value("   ").run()
    message = " ".join(i.value for i in at.info)
    assert "“␣”" in message and "“”" not in message, message  # never an empty quotation


HOSTILE_MARKUP = "T [click me](https://evil.example) $x^2$ :red[RED] **bold**"


@pytest.mark.parametrize("view", ["explorer", "compare", "pairs", "findunit"])
def test_an_uploaded_cards_words_are_shown_as_written_never_as_markdown(view):
    """An upload's card is anybody's: its title, summary, metrics, class labels and notable units
    reach the page escaped (no link, maths, colour or emphasis comes of them), as does a refused
    file's name in the error."""
    from tests.conftest import MODELS

    folder = MODELS / "agreement-lstm"
    card = json.loads((folder / "card.json").read_text("utf-8"))
    card["title"] = card["summary"] = card["metric_summary"] = HOSTILE_MARKUP
    card["head"]["labels"] = [HOSTILE_MARKUP, "plural"]
    card["notable_units"] = [{"unit": 0, "what": HOSTILE_MARKUP}]
    weights = (folder / "weights.safetensors").read_bytes()
    at = fresh()
    at.radio(key="view").set_value(view).run()
    at.file_uploader(key="upload").set_value(
        [("weights.safetensors", weights, "application/octet-stream"),
         ("card.json", json.dumps(card).encode(), "application/json")]).run()
    assert not at.exception, at.exception
    texts = [e.value for kind in ("markdown", "caption", "success", "info", "warning")
             for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]
    shown = [t for t in texts if "click me" in t]
    assert shown, texts  # the card's words are on the page ...
    for text in shown:  # ... escaped: "\[click me\]\(https\:…", "\$x^2\$", "\:red\[…"
        assert not markup(text), text
    at.file_uploader(key="upload").set_value(
        [(f"{HOSTILE_MARKUP}.pkl", b"\x80\x04K\x01.", "application/octet-stream")]).run()
    errors = [e.value for e in at.error]
    assert errors and any("click me" in e for e in errors), errors
    assert not any(markup(e) for e in errors), errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_refused_upload_says_what_is_wrong_in_the_pages_language(lang):
    """The file checker's details are English (as PyTorch's are); the line before them says in the
    page's language which file is wrong: a pickle, a missing file, the card, the weights."""
    from app.i18n import t
    from tests.conftest import MODELS

    L = t(lang)
    folder = MODELS / "agreement-lstm"
    weights, card = (folder / "weights.safetensors").read_bytes(), (folder / "card.json").read_bytes()
    uploads = {
        "pickle": [("model.pt", b"\x80\x04K\x01.", "application/octet-stream")],
        "pair": [("card.json", card, "application/json")],
        "card": [("weights.safetensors", weights, "application/octet-stream"),
                 ("card.json", b"{not json", "application/json")],
        "weights": [("weights.safetensors", weights[: len(weights) // 2], "application/octet-stream"),
                    ("card.json", card, "application/json")],
    }
    at = fresh()
    at.radio(key="lang").set_value(lang).run()
    for problem, files in uploads.items():
        at.file_uploader(key="upload").set_value(files).run()
        assert not at.exception, at.exception
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and L["upload_what"][problem] in errors[0], (problem, errors)
        others = [w for k, w in L["upload_what"].items() if k != problem]
        assert not any(w in errors[0] for w in others), errors


def markup(text: str) -> list[str]:
    """The Markdown that ``text`` would obey: a link, maths, a colour, emphasis inside the words
    (a character a backslash escapes does not count)."""
    bare = re.sub(r"\\.", "", text)
    return re.findall(r"\]\(|\$|:red\[|\*\*bold", bare)


def heatmap_payloads(at: AppTest) -> dict[str, dict]:
    """The heatmaps components' payloads by component key (featured, explorer, …)."""
    return {c.proto.id: json.loads(c.proto.json) for c in at.get("bidi_component")
            if c.proto.component_name == "gatescope_heatmaps"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_update_gates_titles_fit_their_charts(lang):
    """The GRU in the textbook's convention, ordered by the update gate (the featured chart, half
    the page): the long title with its note does not fit at 1280×720, so the chart says
    "更新门 u = 1 − z" and the convention radio above says the rest; never a clipped title."""
    from app.charts import text_em
    from app.i18n import t
    from app.views.explorer import title_width

    L = t(lang)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({"model": "agreement-gru", "lang": lang, "conv": "u", "by": "z"})
    at.run()
    assert not at.exception, at.exception
    titles = {(key, panel["gate"]): panel["title"] for key, p in heatmap_payloads(at).items()
              for panel in p["panels"]}
    u_titles = [title for (_, gate), title in titles.items() if gate == "u"]
    assert u_titles == [L["gate_titles_short"]["u"]], titles  # featured: once, short
    half, whole = title_width(0.5, 1, 14, False), title_width(1.0, 2, 14, False)
    assert text_em(L["gate_titles"]["u"]) * 16 > half  # the full title would be clipped there
    for title in titles.values():
        assert text_em(title) * 16 <= min(half, whole), title


def test_presenting_fills_a_taller_screen():
    """Presentation mode's charts fill the height the browser reported (app/screen.py), never less
    than the 1280×720 layout."""
    from app import screen

    heights = {}
    for reported in (None, 600, 900):
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.query_params["present"] = "1"
        if reported:
            at.session_state[screen.KEY] = reported
        at.run()
        assert not at.exception, at.exception
        [featured] = [p for p in heatmap_payloads(at).values() if len(p["panels"]) == 1]
        heights[reported] = featured["max_height"]
    assert heights[None] == heights[600] and heights[900] == heights[None] + 900 - 720, heights


@pytest.mark.parametrize("model_id, independent", [("anbn-gru", True), ("sentiment-lstm", False)])
def test_the_output_panel_calls_sigmoid_outputs_independent_not_class_probabilities(model_id, independent):
    """aⁿbⁿ's head says, per symbol, whether it may come next (a 0.999 and a 0.030 need not add up
    to 1): its panel must not call them class probabilities; a softmax head's are."""
    at = pick(fresh(), model_id)
    step = next(json.loads(c.proto.json) for c in at.get("bidi_component")
                if c.proto.component_name == "gatescope_stepper")
    assert step["out"]["kind"] == "classes"
    assert (step["out"]["title"] == "Class probabilities") is not independent, step["out"]["title"]
    assert ("on its own" in step["out"]["title"]) is independent, step["out"]["title"]


@pytest.mark.parametrize("title", [
    "更新门 z（PyTorch 写法：保留旧状态的比例）：几乎关闭与几乎打开的步数占比",
    "update gate z (PyTorch convention: share of the old state kept): steps nearly closed and open",
    "B − A：候选值 n（h̃） — 颜色范围 ±2",
])
@pytest.mark.parametrize("width", [240, 420, 600])
def test_a_title_wraps_within_its_width_at_a_break_a_reader_expects(title, width):
    from app.charts import NO_LINE_START, text_em, wrap_title

    text, n = wrap_title(title, 22, width)
    lines = text.split("<br>")
    assert len(lines) == n and "".join(lines).replace(" ", "") == title.replace(" ", "")
    assert all(text_em(line) * 22 <= width for line in lines), lines
    assert not any(line[0] in NO_LINE_START for line in lines[1:]), lines
    words = set(re.findall(r"[A-Za-z]+", title))  # a Latin word is never cut
    assert all(w in words for line in lines for w in re.findall(r"[A-Za-z]+", line)), lines


def test_signed_numbers_use_a_minus_sign_not_a_hyphen():
    from app.labels import signed

    assert signed(-1.0, 2) == "\u22121.00" and signed(0.5, 3) == "+0.500"
    assert signed(-0.0004, 3) == "\u22120.000"
