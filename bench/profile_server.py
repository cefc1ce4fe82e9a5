"""A real Gatescope server with cProfile around every script run (the script thread), to see where
a rerun's server time goes. Drive it with the load client, then read the profile:

    python bench/profile_server.py 8598 &            # from the project root
    python bench/load_client.py --url http://127.0.0.1:8598 --sessions 1 --think 0.3 --duration 25
    python -c "import pstats; pstats.Stats('rerun.prof').sort_stats('cumulative').print_stats(40)"

The first two runs (imports, the model's first load) are left out; the profile is written after
every run (``--out``, default ``rerun.prof``). Stop the server with Ctrl-C / kill.
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import threading

from streamlit.runtime.scriptrunner import script_runner
from streamlit.web.cli import main as streamlit_main

SKIP = 2


def profile_runs(out: str) -> None:
    prof = cProfile.Profile()
    lock = threading.Lock()  # one script run profiled at a time
    runs = 0
    run_script = script_runner.ScriptRunner._run_script

    def profiled(self, *args, **kwargs):
        nonlocal runs
        runs += 1
        if runs <= SKIP:
            return run_script(self, *args, **kwargs)
        with lock:
            prof.enable()
            try:
                return run_script(self, *args, **kwargs)
            finally:
                prof.disable()
                prof.dump_stats(out)

    script_runner.ScriptRunner._run_script = profiled


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("port", type=int)
    p.add_argument("--out", default="rerun.prof")
    args = p.parse_args()
    profile_runs(args.out)
    sys.argv = ["streamlit", "run", "app/gatescope.py", "--server.port", str(args.port),
                "--server.address", "127.0.0.1", "--server.headless", "true"]
    streamlit_main()


if __name__ == "__main__":
    main()
