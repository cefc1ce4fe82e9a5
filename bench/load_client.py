"""A class at once: many simulated students against a real Gatescope server, speaking Streamlit's
own websocket protocol (``BackMsg`` / ``ForwardMsg`` protobufs from ``streamlit.proto`` on
``/_stcore/stream``), as the browser's ``WebsocketConnection`` does — no browser, no drawing.

    python bench/load_client.py --start-server --sessions 30 --arrival-spread 5 --duration 60
    python bench/load_client.py --start-server --sessions 100 --arrival-spread 30 --duration 90
    python bench/load_client.py --url http://127.0.0.1:8600 --ports 8601 8602   # through nginx

Each session: GET the page (keeping any cookie, as a browser does: nginx's sticky cookie), open the
websocket, send the first ``rerun_script`` with a query string holding its own sentence (a link), and
time it until ``script_finished``. Then, every ~``--think`` s (uniform 0.5–1.5×), it types a new
sentence: a ``rerun_script`` whose widget states set the sentence box (``text_input`` key
"sentence", its id and fragment read from the page's deltas) and times it until ``script_finished``. Like the
browser, it keeps the cacheable messages it got and sends their hashes, so the server may answer
with references. Every sentence holds a marker ``Qz<session>k<n>``; a session that finds another
session's marker in its messages, or does not find its own, counts a crossing.

Errors: an exception element, a script that did not finish successfully, a closed socket, or no
answer within ``--timeout`` s. Server figures come from ``/proc`` (Linux) for the server PIDs
(``--pids``, or found by listening ``--ports``): RSS at the start, peak and end, and CPU seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
SENTENCE_KEY = "sentence"  # app/sentence.py: the text_input's key
MODEL = "charlm-lstm"  # the model every session opens (its link): the figures in the README are for it
MARKER = re.compile(rb"Qz(\d+)k(\d+)")
WORDS = ("the dogs were barking", "she said that it was dull", "the acting was wonderful",
         "a long way from home", "they kept the old house", "it rained all day in town")


def sentence(session: int, n: int, rng: random.Random) -> str:
    """A new sentence for ``session`` (its ``n``-th), with its marker."""
    return f"Qz{session}k{n} {rng.choice(WORDS)}, and {rng.choice(WORDS)}."


# --- the server process: found by port, measured from /proc -------------------------------------

def pids_listening(port: int) -> list[int]:
    """The PIDs holding a socket that listens on ``port`` (read from /proc, no psutil needed)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(parts[9])
    found = []
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (pid_dir / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{i}]" in links for i in inodes):
            found.append(int(pid_dir.name))
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@dataclass
class ServerSampler:
    pids: list[int]
    rss: dict[int, list[float]] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    cpu0: dict[int, float] = field(default_factory=dict)

    def start(self) -> None:
        self.times.append(time.perf_counter())
        for pid in self.pids:
            self.rss[pid] = [rss_mb(pid)]
            self.cpu0[pid] = cpu_seconds(pid)

    def sample(self) -> None:
        self.times.append(time.perf_counter())
        for pid in self.pids:
            try:
                self.rss[pid].append(rss_mb(pid))
            except OSError:
                self.rss[pid].append(self.rss[pid][-1])

    async def run(self, stop: asyncio.Event, every: float = 1.0) -> None:
        while not stop.is_set():
            self.sample()
            try:
                await asyncio.wait_for(stop.wait(), every)
            except TimeoutError:
                pass

    def report(self, wall: float, settled: float) -> list[str]:
        """One line per server; ``settled``: seconds after the start when every session had
        arrived and opened its page (RSS growth after that is the one that must stay bounded)."""
        out = []
        k = next((i for i, t in enumerate(self.times) if t - self.times[0] >= settled), -1)
        for pid in self.pids:
            r = self.rss[pid]
            try:
                cpu = cpu_seconds(pid) - self.cpu0[pid]
            except OSError:
                cpu = float("nan")
            out.append(f"server pid {pid}: RSS start {r[0]:.0f} MB, peak {max(r):.0f} MB, "
                       f"end {r[-1]:.0f} MB, growth {r[-1] - r[0]:+.0f} MB; "
                       f"CPU {cpu:.1f} s over {wall:.0f} s "
                       f"({cpu / wall:.2f} cores); after all arrived (t={settled:.0f} s) "
                       f"{r[k]:.0f} MB -> end {r[-1]:.0f} MB ({r[-1] - r[k]:+.0f} MB)")
            marks = [round(i * (len(r) - 1) / 6) for i in range(7)]
            out.append("    RSS over the run: " + ", ".join(
                f"t={self.times[i] - self.times[0]:.0f} s {r[i]:.0f} MB" for i in marks))
        return out


# --- one simulated student ----------------------------------------------------------------------

@dataclass
class Figures:
    first_page: list[float] = field(default_factory=list)  # s
    new_sentence: list[float] = field(default_factory=list)  # s
    first_page_bytes: list[int] = field(default_factory=list)
    sentence_bytes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crossings: list[str] = field(default_factory=list)


class Session:
    """One browser tab: a websocket, the widget id of the sentence box, the message cache."""

    def __init__(self, number: int, base: str, figures: Figures, timeout: float, cookies: bool) -> None:
        self.number, self.base, self.figures, self.timeout = number, base, figures, timeout
        self.cookies = cookies
        self.ws = None
        self.box_id: str | None = None
        self.box_fragment = ""  # the fragment the sentence box is drawn in (the browser says it)
        self.cached: set[str] = set()
        self.mine: set[int] = set()  # markers (n) of this session's sentences

    def _cookie(self) -> str:
        """GET the page as a browser does; returns the cookies it set (nginx's sticky cookie)."""
        with urllib.request.urlopen(self.base + "/", timeout=self.timeout) as resp:
            resp.read()
            jar = [h.split(";", 1)[0] for h in resp.headers.get_all("Set-Cookie") or []]
        return "; ".join(jar)

    async def open(self, text: str, n: int) -> None:
        t0 = time.perf_counter()
        cookie = await asyncio.to_thread(self._cookie) if self.cookies else ""
        ws_url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(
            ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout,
            additional_headers={"Cookie": cookie} if cookie else None, ping_interval=None,
        )
        self.mine.add(n)
        query = urllib.parse.urlencode({"model": MODEL, "text": text})
        got = await self.rerun(query=query, text=None)
        if got is not None:
            self.figures.first_page.append(time.perf_counter() - t0)
            self.figures.first_page_bytes.append(got)
        if self.box_id is None and got is not None:
            self.figures.errors.append(f"session {self.number}: no sentence box in the first page")

    async def type_sentence(self, text: str, n: int) -> None:
        self.mine.add(n)
        t0 = time.perf_counter()
        got = await self.rerun(query="", text=text)
        if got is not None:
            self.figures.new_sentence.append(time.perf_counter() - t0)
            self.figures.sentence_bytes.append(got)

    async def rerun(self, query: str, text: str | None) -> int | None:
        """Send one ``rerun_script``; read until ``script_finished``; the bytes received (None
        on an error, which is counted)."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        state.cached_message_hashes.extend(sorted(self.cached))
        if text is not None:
            w = state.widget_states.widgets.add()
            w.id, w.string_value = self.box_id, text
            state.fragment_id = self.box_fragment
        try:
            await self.ws.send(msg.SerializeToString())
            return await asyncio.wait_for(self._until_finished(), self.timeout)
        except TimeoutError:
            self.figures.errors.append(f"session {self.number}: no script_finished in {self.timeout} s")
        except websockets.ConnectionClosed as e:
            self.figures.errors.append(f"session {self.number}: socket closed ({e})")
        return None

    async def _until_finished(self) -> int | None:
        total, seen_mine = 0, False
        while True:
            data = await self.ws.recv()
            total += len(data)
            for m in MARKER.finditer(data):
                if int(m.group(1)) != self.number:
                    seen = m.group(1).decode()
                    self.figures.crossings.append(f"session {self.number} saw session {seen}'s sentence")
                elif int(m.group(2)) in self.mine:
                    seen_mine = True
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if fwd.metadata.cacheable and fwd.hash:
                self.cached.add(fwd.hash)
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                which = el.WhichOneof("type")
                if which == "text_input" and el.text_input.id.endswith("-" + SENTENCE_KEY):
                    self.box_id, self.box_fragment = el.text_input.id, fwd.delta.fragment_id
                elif which == "exception":
                    self.error(f"exception {el.exception.message[:200]}")
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if fwd.script_finished not in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                               ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    self.error(f"script finished with status {fwd.script_finished}")
                    return None
                if not seen_mine:
                    self.figures.crossings.append(f"session {self.number}: its own sentence missing")
                return total

    def error(self, what: str) -> None:
        self.figures.errors.append(f"session {self.number}: {what}")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def student(number: int, args: argparse.Namespace, figures: Figures, t_end: float,
                  rng: random.Random) -> None:
    s = Session(number, args.url.rstrip("/"), figures, args.timeout, cookies=not args.no_page)
    n = 0
    try:
        await s.open(sentence(number, n, rng), n)
        if s.box_id is None:
            return
        while True:
            wait = args.think * rng.uniform(0.5, 1.5)
            if time.perf_counter() + wait >= t_end:
                break
            await asyncio.sleep(wait)
            n += 1
            await s.type_sentence(sentence(number, n, rng), n)
    except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed, TimeoutError) as e:
        figures.errors.append(f"session {number}: {type(e).__name__}: {e}")
    finally:
        await s.close()


# --- the run ------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def summary_line(name: str, seconds: list[float]) -> str:
    ms = [1000 * x for x in seconds]
    return (f"{name:<14} n={len(ms):<5} p50 {percentile(ms, 50):7.0f} ms   "
            f"p95 {percentile(ms, 95):7.0f} ms   p99 {percentile(ms, 99):7.0f} ms   "
            f"max {max(ms, default=float('nan')):7.0f} ms")


async def run(args: argparse.Namespace, pids: list[int]) -> Figures:
    figures = Figures()
    sampler = ServerSampler(pids)
    sampler.start()
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    t_end = t0 + args.duration

    async def arrive(i: int, delay: float) -> None:
        await asyncio.sleep(delay)
        await student(i, args, figures, t_end, random.Random(rng.random()))

    delays = [args.arrival_spread * i / max(args.sessions - 1, 1) for i in range(args.sessions)]
    await asyncio.gather(*(arrive(i, d) for i, d in enumerate(delays)))
    wall = time.perf_counter() - t0
    stop.set()
    await sampling
    sampler.sample()
    print(f"sessions {args.sessions}, arrival over {args.arrival_spread:g} s, think ~{args.think:g} s, "
          f"duration {args.duration:g} s (wall {wall:.0f} s), url {args.url}")
    print(summary_line("first page", figures.first_page))
    print(summary_line("new sentence", figures.new_sentence))
    kib = lambda xs: sum(xs) / max(len(xs), 1) / 1024  # noqa: E731
    print(f"bytes          first page {kib(figures.first_page_bytes):.1f} KiB, "
          f"new sentence {kib(figures.sentence_bytes):.1f} KiB (mean, server -> client)")
    print(f"errors {len(figures.errors)}, crossings {len(figures.crossings)}")
    for line in (figures.errors + figures.crossings)[:10]:
        print("   ", line)
    for line in sampler.report(wall, settled=min(args.arrival_spread + 15, wall)):
        print(line)
    print("load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return figures


async def warm(url: str, timeout: float) -> None:
    """One unmeasured session: the server's first run imports the app and loads the model."""
    s = Session(-1, url, Figures(), timeout, cookies=False)
    await s.open("warm", -1)
    await s.close()


def wait_healthy(url: str, timeout: float = 60) -> None:
    t_end = time.time() + timeout
    while time.time() < t_end:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"no healthy server at {url} after {timeout} s")


def start_server(port: int) -> subprocess.Popen:
    """``python -m streamlit run app/gatescope.py`` from the project root, headless."""
    cmd = [sys.executable, "-m", "streamlit", "run", "app/gatescope.py", "--server.port", str(port),
           "--server.headless", "true", "--server.address", "127.0.0.1"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=30)
    p.add_argument("--think", type=float, default=5.0, help="mean seconds between two sentences")
    p.add_argument("--arrival-spread", type=float, default=0.0, help="sessions arrive over this many s")
    p.add_argument("--duration", type=float, default=60.0, help="seconds from the first arrival")
    p.add_argument("--url", default="http://127.0.0.1:8599")
    p.add_argument("--start-server", action="store_true", help="start the app on --url's port first")
    p.add_argument("--pids", type=int, nargs="*", default=None, help="server PIDs to measure")
    p.add_argument("--ports", type=int, nargs="*", default=None,
                   help="find the server PIDs by these listening ports (default: --url's port)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds before an answer is an error")
    p.add_argument("--no-page", action="store_true", help="skip the GET of the page (no cookie)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cold", action="store_true",
                   help="with --start-server: measure the very first page too (default: one "
                        "unmeasured session first runs the imports, as a teacher opening the page does)")
    args = p.parse_args()
    port = urllib.parse.urlsplit(args.url).port or 80
    server = start_server(port) if args.start_server else None
    try:
        wait_healthy(args.url.rstrip("/"))
        if args.start_server and not args.cold:
            asyncio.run(warm(args.url.rstrip("/"), args.timeout))
        pids = args.pids or [pid for pt in (args.ports or [port]) for pid in pids_listening(pt)]
        if not pids:
            print("(no server PID found: RSS and CPU not measured)")
        print("load average at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        figures = asyncio.run(run(args, pids))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
    sys.exit(1 if figures.errors or figures.crossings else 0)


if __name__ == "__main__":
    main()
