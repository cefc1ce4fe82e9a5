"""The sentence route: a new sentence's charts before the page's rerun.

A new sentence typed into the explorer used to wait for a whole Streamlit rerun before its charts
started drawing: the script's run, its ~40 messages, and React applying them in the page (about
120 ms on a 200-character sentence, against ~30 ms for a minimal app's whole round trip;
``bench/README.md``). So Enter in the sentence box is taken by the page (``sentence_route.js``),
which posts the text here, draws the answer's payloads in the components already in the page, and
only then gives Streamlit its Enter: the rerun, its trace now cached, sends the very same payloads,
which the components see they already show. From the Enter until that rerun starts, the page marks
its script as running (``data-test-script-state``), as Streamlit itself will.

The page learns where to post from ``offer``: a token that names one recipe, kept here, that builds
a sentence's payloads with the settings the page shows now (model, layer, order, language,
presenting, ...). A token is an HMAC of those settings, so the same settings give the same token on
every rerun (the payloads do not change when nothing did) and nobody can forge one. The route
answers:

- 200 and the payloads by component key;
- 204 when the page must handle the text itself (empty, too many tokens, a model that cannot read
  it: the rerun then says why in the page);
- 400 for a body that is not ``{"token": str, "text": str}``, 404 for a token this process does
  not know (a restarted server, another process of a class deployment), 413 for a body over
  ``MAX_BODY`` bytes, 500 if building failed (logged here, never shown).

Every answer other than 200 makes the page fall back to the ordinary Enter: nothing is lost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PATH = "/api/gatescope/sentence"
MAX_CHARS = 100_000  # as app.sentence.MAX_CHARS (not imported: this module stays free of Streamlit)
# the longest body a text of MAX_CHARS characters can make: 12 bytes for a character JSON writes
# as a surrogate pair ("\ud83d\ude00" for one emoji), and the token and keys
MAX_BODY = 12 * MAX_CHARS + 1024
MAX_RECIPES = 128  # the latest settings of the latest sessions; an older token falls back (404)
# The answer is gzipped here, at level 1, rather than by Streamlit's middleware at level 5: for all
# 512 units of the char LSTM (906 KB of JSON, mostly base64) level 5 took 26 ms, as long as
# building the payloads, and gave 551 KB; level 1 takes 14 ms for 578 KB. An answer that large is
# mostly the heatmaps' base64, in which deflate's search for repeats finds little: from
# HUFFMAN_ONLY_FROM bytes on, only the Huffman coding is kept (5 ms for 605 KB). A smaller answer
# is half labels and numbers, which repeats do shrink (124 KB: 60 KB in 1.2 ms; Huffman alone 75 KB).
GZIP_LEVEL = 1
HUFFMAN_ONLY_FROM = 256 * 1024

Build = Callable[[str], "dict[str, Any] | None"]
_SECRET = secrets.token_bytes(32)  # per process: a token from another process is unknown (404)
_recipes: OrderedDict[str, Build] = OrderedDict()
_lock = threading.Lock()
_log = logging.getLogger(__name__)


def address(settings: tuple) -> dict:
    """Where the page posts a new sentence shown with ``settings`` (any tuple with a stable
    ``repr``): the route and a token, the same on every rerun and unforgeable without the
    process's secret."""
    token = hmac.new(_SECRET, repr(settings).encode("utf-8", "surrogatepass"),
                     hashlib.sha256).hexdigest()[:32]
    return {"url": PATH, "token": token}


def offer(settings: tuple, build: Build) -> dict:
    """Keep ``build`` (text -> payloads by component key, or None: the page must handle the text)
    under the token of ``settings``; returns its ``address``."""
    where = address(settings)
    token = where["token"]
    with _lock:
        _recipes[token] = build
        _recipes.move_to_end(token)
        while len(_recipes) > MAX_RECIPES:
            _recipes.popitem(last=False)
    return where


def recipe(token: str) -> Build | None:
    with _lock:
        return _recipes.get(token)


def parse_body(body: bytes) -> tuple[str, str] | str:
    """(token, text) from a request's body, or why the body is refused."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "expected a JSON object"
    if not isinstance(data, dict) or set(data) != {"token", "text"}:
        return 'expected {"token": ..., "text": ...}'
    token, text = data["token"], data["text"]
    if not isinstance(token, str) or not isinstance(text, str):
        return "expected a string token and a string text"
    if len(text) > MAX_CHARS:
        return f"expected at most {MAX_CHARS} characters, got {len(text)}"
    # a lone surrogate (JSON allows "\ud800") reaches the page's box as U+FFFD: read it the same
    return token, text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def built(build: Build, text: str, gzipped: bool = False) -> bytes | None:
    """The payloads of ``text`` as JSON (as Streamlit sends a component's data: no NaN), gzipped
    at GZIP_LEVEL if ``gzipped``; None when the page must handle the text."""
    payloads = build(text)
    if payloads is None:
        return None
    data = json.dumps(payloads, allow_nan=False, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    return packed(data) if gzipped else data


def packed(data: bytes) -> bytes:
    """``data`` gzipped at GZIP_LEVEL, with Huffman coding alone from HUFFMAN_ONLY_FROM bytes on."""
    strategy = zlib.Z_HUFFMAN_ONLY if len(data) >= HUFFMAN_ONLY_FROM else zlib.Z_DEFAULT_STRATEGY
    gzipper = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 8, strategy)  # 16+: gzip
    return gzipper.compress(data) + gzipper.flush()


async def answer(request: Request) -> Response:
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        return JSONResponse({"error": "expected a Content-Length"}, 411)
    if int(length) > MAX_BODY:
        return JSONResponse({"error": f"expected a body of at most {MAX_BODY} bytes"}, 413)
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": f"expected a body of at most {MAX_BODY} bytes"}, 413)
    parsed = parse_body(body)
    if isinstance(parsed, str):
        return JSONResponse({"error": parsed}, 400)
    token, text = parsed
    build = recipe(token)
    if build is None:
        return JSONResponse({"error": "unknown token"}, 404)
    try:
        gzipped = "gzip" in request.headers.get("accept-encoding", "")
        started = time.perf_counter()
        data = await run_in_threadpool(built, build, text, gzipped)  # off the event loop
        took = (time.perf_counter() - started) * 1000
    except Exception:
        _log.exception("the sentence route could not build a sentence's payloads")
        return JSONResponse({"error": "could not build the payloads"}, 500)
    if data is None:
        return Response(status_code=204)
    # the server's part of the answer's time, for the browser's devtools and bench_explorer.py
    headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding",
               "Server-Timing": f"build;dur={took:.1f}"}
    if gzipped:  # Streamlit's gzip middleware leaves a response with an encoding alone
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/json", headers=headers)


def routes() -> list[Route]:
    return [Route(PATH, answer, methods=["POST"])]
