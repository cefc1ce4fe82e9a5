"""The step panel's and the cell diagram's numbers (``fmt``, ``num`` in app/stepper.js), run in Node:
three decimals, "−" for a negative value, and a value that rounds to zero shown as "0.000" — never
"−0.000"."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

NODE = shutil.which("node") or shutil.which("nodejs")
VALUES = [-0.0004, -0.00049, -1e-9, -0.0, 0.0, 1e-9, 0.0004, -0.0005, 0.0005, -0.25, 0.25, -1.2346, 3.0,
          None, "nan"]


def formatted(tmp_path) -> dict[str, list[str]]:
    """``fmt`` and ``num`` of app/stepper.js applied to VALUES ("nan": JavaScript's NaN)."""
    module = tmp_path / "stepper.mjs"
    module.write_text((ROOT / "app" / "stepper.js").read_text("utf-8") + "\nexport { fmt, num };\n", "utf-8")
    script = (f"const m = await import({json.dumps(module.as_uri())});"
              f"const vs = {json.dumps(VALUES)}.map(v => v === 'nan' ? NaN : v);"
              "console.log(JSON.stringify({fmt: vs.map(m.fmt), num: vs.map(m.num)}));")
    out = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True,
                         timeout=30, check=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(NODE is None, reason="needs Node.js to run app/stepper.js")
def test_a_value_that_rounds_to_zero_has_no_sign(tmp_path):
    got = formatted(tmp_path)
    assert got["num"] == ["0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "−0.001", "0.001",
                          "−0.250", "0.250", "−1.235", "3.000", "–", "–"], got["num"]
    assert got["fmt"] == ["0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "−0.001", "+0.001",
                          "−0.250", "+0.250", "−1.235", "+3.000", "–", "–"], got["fmt"]
    assert not any("−0.000" in s or "+0.000" in s for s in got["fmt"] + got["num"])
