"""A server process tuned for a class on it (measured with ``bench/load_client.py``): one BLAS
thread, and garbage collection without a full collection after every rerun.

One BLAS thread: one server process per core (``app/deploy``) runs its scripts one at a time under
the GIL; NumPy's OpenBLAS would otherwise start a thread per core for every matrix product, and on a
busy machine a 160-character trace took 104 ms with two threads against 24 ms with one.

Garbage collection: Streamlit's own full collection after every script run is switched off in
``.streamlit/config.toml`` (``runner.postScriptGC = false``): with the app's ~1 M objects it cost
~70 ms of every rerun, and more as sessions add up. In its place, once per server process:
everything imported by the first run (Streamlit, NumPy, pandas, the app, the model cache) is frozen
out of the collector's scans, and the youngest generation is collected less often. Cycles are
still collected (RSS stays bounded: the load client prints its growth over a run).

The collector is tuned only in a real server (``streamlit run``): tests and ``AppTest`` keep
Python's defaults.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from pathlib import Path

# Python's default is (700, 10, 10): a rerun allocates tens of thousands of container objects (the
# payload dicts and lists), which set off a young collection every few hundred microseconds
GC_THRESHOLDS = (20_000, 20, 20)
_tuned = False


BLAS_THREADS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """One BLAS thread in this process: by the environment if NumPy is not imported yet (its
    OpenBLAS reads it when loaded), else through OpenBLAS's own setter."""
    if "numpy" not in sys.modules:
        for name in BLAS_THREADS_VARS:
            os.environ.setdefault(name, "1")
        return
    import numpy as np

    libs = Path(np.__file__).parent.parent / "numpy.libs"
    for lib in libs.glob("*openblas*.so*"):
        handle = ctypes.CDLL(str(lib))
        for symbol in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads"):
            setter = getattr(handle, symbol, None)
            if setter is not None:
                setter(1)
                return


def tune_gc(force: bool = False) -> bool:
    """Freeze the objects alive now and raise the thresholds, once per process, when this process
    is a Streamlit server (or ``force``). Returns whether it did so now."""
    global _tuned
    if _tuned or not (force or _in_server()):
        return False
    gc.collect()  # what is garbage now is not frozen with the rest
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    _tuned = True
    return True


def _in_server() -> bool:
    from streamlit.runtime import Runtime

    # AppTest installs a MagicMock(spec=Runtime), which passes isinstance: compare the type
    return Runtime.exists() and type(Runtime.instance()) is Runtime
