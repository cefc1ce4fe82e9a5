"""The scale-out recipe (app/deploy): two replicas behind Debian's nginx, on loopback. A session
opened through nginx runs the page and a new sentence; the sticky cookie pins a browser to one
replica and different browsers reach different replicas."""

from __future__ import annotations

import asyncio
import urllib.request

import pytest
import websockets

from app.deploy import serve_class
from bench.load_client import Figures, Session
from tests.conftest import free_port


@pytest.fixture(scope="module")
def deployment():
    dep = serve_class.start(2, listen=f"127.0.0.1:{free_port()}", ports=[free_port(), free_port()])
    yield dep
    dep.stop()


def replica_of(url: str, cookie: str) -> str:
    """The replica (nginx's $upstream_addr) that answers a websocket opened with ``cookie``."""

    async def handshake() -> str:
        ws_url = url.replace("http", "ws", 1) + "/_stcore/stream"
        async with websockets.connect(ws_url, subprotocols=["streamlit"],
                                      additional_headers={"Cookie": f"gatescope_replica={cookie}"}) as ws:
            return ws.response.headers["X-Gatescope-Replica"]

    return asyncio.run(handshake())


def test_a_session_through_nginx_runs_the_page_and_a_new_sentence(deployment):
    figures = Figures()

    async def one_student() -> None:
        s = Session(7, deployment.url, figures, timeout=60, cookies=True)
        await s.open("Qz7k0 the dogs were barking.", 0)
        await s.type_sentence("Qz7k1 the acting was wonderful.", 1)
        await s.close()

    asyncio.run(one_student())
    assert figures.errors == [] and figures.crossings == []
    assert len(figures.first_page) == 1 and len(figures.new_sentence) == 1
    assert figures.sentence_bytes[0] > 10_000  # the charts' payload came back through nginx


def test_nginx_sets_the_sticky_cookie_and_says_which_replica(deployment):
    with urllib.request.urlopen(deployment.url + "/") as r:
        cookies = r.headers.get_all("Set-Cookie")
        replica = r.headers["X-Gatescope-Replica"]
    assert any(c.startswith("gatescope_replica=") and len(c.split(";")[0]) > 30 for c in cookies)
    assert replica in {f"127.0.0.1:{p}" for p in deployment.ports}


def test_one_browser_stays_on_one_replica_and_browsers_spread(deployment):
    cookies = [f"{k:032x}" for k in range(1, 17)]
    first = {c: replica_of(deployment.url, c) for c in cookies}
    again = {c: replica_of(deployment.url, c) for c in cookies}
    assert first == again  # sticky: the same cookie, the same replica
    assert set(first.values()) == {f"127.0.0.1:{p}" for p in deployment.ports}  # both are used


@pytest.mark.browser
def test_the_sentence_route_reaches_the_replica_that_drew_the_page(deployment, browser):
    """A route token is known only to the replica that drew the page: through nginx, the sticky
    cookie takes the browser's post to that replica, so a new sentence is drawn from the route."""
    from tests.test_browser import no_errors, wait_idle, wait_ready
    from tests.test_sentence_route import PATH

    pg = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    pg.errors, pg.dialogs, posts = [], [], []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("response", lambda r: posts.append(r.status) if PATH in r.url else None)
    try:
        pg.goto(deployment.url + "/?model=sentiment-lstm")
        wait_ready(pg)
        for text, tokens in (("the acting was wonderful", 4), ("a dull and tired plot", 5)):
            box = pg.get_by_role("textbox", name="Sentence")
            box.fill(text)
            box.press("Enter")
            wait_ready(pg, tokens=tokens)
            wait_idle(pg)
        assert posts == [200, 200]
        no_errors(pg)
    finally:
        pg.context.close()
