"""app/serving.py: one BLAS thread and the collector tuned in a server process, Python's defaults
elsewhere; the config switches Streamlit's full collection after every run off."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> list[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}  # no OPENBLAS_NUM_THREADS inherited
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True, env=env).stdout.split()


BLAS_THREADS = (
    "import ctypes, numpy as np\n"
    "from pathlib import Path\n"
    "lib = ctypes.CDLL(str(next((Path(np.__file__).parent.parent / 'numpy.libs').glob('*openblas*.so*'))))\n"
    "print(lib.scipy_openblas_get_num_threads64_())\n"
)


def test_one_blas_thread_before_numpy_is_imported():
    out = run_python("from app import serving\nserving.one_blas_thread()\n" + BLAS_THREADS)
    assert out == ["1"]


def test_one_blas_thread_after_numpy_is_imported():
    out = run_python("import numpy\nfrom app import serving\nserving.one_blas_thread()\n" + BLAS_THREADS)
    assert out == ["1"]


def test_control_without_it_openblas_uses_every_core():
    import os

    out = run_python(BLAS_THREADS)
    assert int(out[0]) == min(os.cpu_count() or 1, 64)  # the control: a thread per core (2 here)


def test_gc_is_tuned_once_in_a_server_and_never_outside_one():
    out = run_python(
        "import gc\nfrom app import serving\n"
        "print(serving.tune_gc(), gc.get_freeze_count() == 0, gc.get_threshold()[0])\n"  # no server
        "print(serving.tune_gc(force=True), gc.get_freeze_count() > 1000, gc.get_threshold()[0])\n"
        "print(serving.tune_gc(force=True))\n"  # once per process
    )
    assert out == ["False", "True", "700", "True", "True", str(20_000), "False"]


def test_streamlit_reads_post_script_gc_off_from_the_project_root():
    out = run_python("from streamlit import config\nconfig.get_config_options(force_reparse=True)\n"
                     "print(config.get_option('runner.postScriptGC'))")
    assert out == ["False"]
