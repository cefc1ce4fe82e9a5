"""The step panel's and the cell diagram's numbers (``fmt``, ``num`` in app/stepper.js), run in
Debian's chromium (no server): three decimals, "−" for a negative value, and a value that rounds to
zero shown as "0.000" — never "−0.000"."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser
VALUES = [-0.0004, -0.00049, -1e-9, -0.0, 0.0, 1e-9, 0.0004, -0.0005, 0.0005, -0.25, 0.25, -1.2346, 3.0,
          None, "nan"]


def formatted(browser) -> dict[str, list[str]]:
    """``fmt`` and ``num`` of app/stepper.js applied to VALUES ("nan": JavaScript's NaN)."""
    source = (ROOT / "app" / "stepper.js").read_text("utf-8") + "\nexport { fmt, num };\n"
    url = "data:text/javascript;base64," + base64.b64encode(source.encode("utf-8")).decode("ascii")
    pg = browser.new_page()
    try:
        return pg.evaluate("""async ([url, values]) => {
            const m = await import(url);
            const vs = values.map(v => v === 'nan' ? NaN : v);
            return {fmt: vs.map(m.fmt), num: vs.map(m.num)}; }""", [url, VALUES])
    finally:
        pg.close()


def test_a_value_that_rounds_to_zero_has_no_sign(browser):
    got = formatted(browser)
    assert got["num"] == ["0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "−0.001", "0.001",
                          "−0.250", "0.250", "−1.235", "3.000", "–", "–"], got["num"]
    assert got["fmt"] == ["0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "−0.001", "+0.001",
                          "−0.250", "+0.250", "−1.235", "+3.000", "–", "–"], got["fmt"]
