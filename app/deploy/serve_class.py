"""Serve a class: N replicas of the app (one per core) behind nginx with sticky sessions.

    python app/deploy/serve_class.py                  # one replica per core, nginx on :8600
    python app/deploy/serve_class.py --replicas 2 --listen 0.0.0.0:8600

From the project root (each replica reads `.streamlit/config.toml` there). Starts
``python -m streamlit run app/gatescope.py`` on 127.0.0.1:8601, 8602, … (all with one shared
``server.cookieSecret``, so the XSRF cookie of an upload is valid on every replica), waits until
every replica answers ``/_stcore/health`` and has run the page once (imports, default model), then
starts Debian's nginx as this user with its own prefix (config, pid, logs, temp files in a
temporary folder; no system file touched), rendered from ``nginx.conf.template`` (why a cookie
and not ip_hash: see there). Ctrl-C or SIGTERM stops all.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render_config(prefix: Path, listen: str, ports: list[int], max_fails: int = 2,
                  fail_timeout: int = 10) -> str:
    """The nginx config for replicas on 127.0.0.1:``ports``, listening on ``listen``."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails={max_fails} fail_timeout={fail_timeout}s;"
                        for p in ports)
    # as root (a container) the workers would switch to "nobody", who cannot enter the private
    # prefix: keep them as root there; as an ordinary user the directive is left out
    user_line = "user root;" if os.geteuid() == 0 else ""
    return TEMPLATE.read_text("utf-8").format(prefix=prefix, listen=listen, servers=servers,
                                              user_line=user_line)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def wait_healthy(urls: list[str], procs: list[subprocess.Popen], timeout: float) -> None:
    t_end = time.time() + timeout
    waiting = list(urls)
    while waiting:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"expected a healthy server, got exit status {p.returncode}: {p.args}")
        waiting = [u for u in waiting if not healthy(u)]
        if waiting and time.time() > t_end:
            raise TimeoutError(f"expected /_stcore/health to answer 200 within {timeout} s, "
                               f"still waiting for {waiting}")
        if waiting:
            time.sleep(0.3)


def warm(url: str, timeout: float = 120) -> None:
    """Open the page once over the websocket, as a browser does, and wait for the script to
    finish: the replica's first run imports the app and loads the default model, so that the
    first student does not wait for it."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    msg = BackMsg()
    msg.rerun_script.query_string = ""
    with connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                 max_size=None, open_timeout=timeout) as ws:
        ws.send(msg.SerializeToString())
        t_end = time.time() + timeout
        while time.time() < t_end:
            fwd = ForwardMsg()
            fwd.ParseFromString(ws.recv(timeout=max(t_end - time.time(), 0.1)))
            if fwd.WhichOneof("type") == "script_finished":
                return
    raise TimeoutError(f"expected the first run of {url} to finish within {timeout} s")


@dataclass
class Deployment:
    prefix: Path
    listen: str
    ports: list[int]
    replicas: list[subprocess.Popen] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    owns_prefix: bool = False

    @property
    def url(self) -> str:
        host, port = self.listen.rsplit(":", 1)
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '*') else host}:{port}"

    def stop(self) -> None:
        for p in ([self.nginx] if self.nginx else []) + self.replicas:
            if p.poll() is None:
                p.terminate()
        for p in ([self.nginx] if self.nginx else []) + self.replicas:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.owns_prefix:
            shutil.rmtree(self.prefix, ignore_errors=True)


def start(replicas: int, listen: str = "127.0.0.1:8600", first_port: int = 8601,
          prefix: Path | None = None, timeout: float = 90, quiet: bool = True,
          ports: list[int] | None = None) -> Deployment:
    """Start ``replicas`` app servers (on ``ports``, default first_port, first_port + 1, …) and
    nginx in front of them; return once all are healthy."""
    owns = prefix is None
    prefix = Path(tempfile.mkdtemp(prefix="gatescope-nginx-")) if prefix is None else prefix
    prefix.mkdir(parents=True, exist_ok=True)
    ports = ports or [first_port + k for k in range(replicas)]
    dep = Deployment(prefix, listen, ports, owns_prefix=owns)
    out = subprocess.DEVNULL if quiet else None
    secret = secrets.token_hex(32)
    try:
        for port in ports:
            cmd = [sys.executable, "-m", "streamlit", "run", "app/gatescope.py",
                   "--server.port", str(port), "--server.address", "127.0.0.1",
                   "--server.headless", "true"]
            env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secret}  # not allowed as a flag
            dep.replicas.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out))
        wait_healthy([f"http://127.0.0.1:{p}" for p in ports], dep.replicas, timeout)
        for port in ports:
            warm(f"http://127.0.0.1:{port}", timeout)
        (prefix / "nginx.conf").write_text(render_config(prefix, listen, ports), "utf-8")
        cmd = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log"),
               "-g", "daemon off;"]
        dep.nginx = subprocess.Popen(cmd, stdout=out, stderr=out)
        wait_healthy([dep.url], [dep.nginx], 20)
    except BaseException:
        dep.stop()
        raise
    return dep


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--replicas", type=int, default=os.cpu_count() or 1, help="default: one per core")
    p.add_argument("--listen", default="127.0.0.1:8600", help="nginx's address:port")
    p.add_argument("--first-port", type=int, default=8601, help="replica k listens on first-port + k")
    p.add_argument("--prefix", type=Path, default=None, help="nginx's folder (default: a temporary one)")
    args = p.parse_args()
    dep = start(args.replicas, args.listen, args.first_port, args.prefix, quiet=False)
    print(f"Gatescope: {args.replicas} replicas on ports {dep.ports[0]}–{dep.ports[-1]}, "
          f"nginx at {dep.url} (prefix {dep.prefix}). Ctrl-C stops.", flush=True)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(p.poll() is None for p in [dep.nginx, *dep.replicas]):
            time.sleep(1)
    finally:
        dep.stop()


if __name__ == "__main__":
    main()
