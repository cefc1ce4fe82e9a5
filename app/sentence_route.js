// The sentence route, in the page (app/sentence_route.py). Enter in the sentence box posts the text
// to the server's route and draws the answer in the charts and the stepper already in the page;
// only then does Streamlit get its Enter, and its rerun (the trace now cached on the server) sends
// the same payloads, which the components see they already show. Waiting for the drawing keeps the
// rerun's ~45 messages off the page's thread while Plotly draws (measured: the drawing took ~25 ms
// longer with the Enter handed over at once). Any other answer (the text needs the page: empty, too
// long, unreadable; an unknown token; no network) hands Streamlit its Enter at once. A click on
// another architecture in the sidebar goes the same way: that model's charts first, then the click
// (posted at the press, before the click).
// Prepended to stepper.js (which learns the route from its payload) and heatmaps.js (drawn by it).

const SENTENCE_ROUTE = (window.__gsSentenceRoute = window.__gsSentenceRoute || {
  route: null,     // {url, token} of the explorer's stepper now in the page, else null
  owner: null,     // that stepper's element: the route holds while it is in the page
  targets: {},     // component key -> (payload) => a promise, resolved when it is drawn
  pending: 0,      // the latest Enter taken: an older answer is dropped
  running: null,   // the app element this route marked as running, until Streamlit has the Enter
  replaying: false,  // a click handed back to the page is let through
  early: null,     // {key, response}: a switch's post sent at the press, for the click that follows
  installed: false,
});

const DRAW_WAIT_MS = 3000;  // Streamlit's Enter goes after this even if a chart is still drawing
const RERUN_WAIT_MS = 2000;  // a rerun that has not started by then will not (the text was the same)

// While the route works, the page says that its script runs, as it will once Streamlit has the
// Enter: whoever waits for data-test-script-state="notRunning" (a test, a tool) then waits for the
// whole update, not only for the charts. React sets the attribute again when the rerun starts; if
// no rerun starts, it goes back to "notRunning" here.
function markRunning() {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return null;
  app.setAttribute("data-test-script-state", "running");
  return app;
}

function releaseWhenNoRerun(app) {
  if (!app) return;
  let rerun = false;
  const watch = new MutationObserver(() => { rerun = true; watch.disconnect(); });
  watch.observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
  setTimeout(() => {
    watch.disconnect();
    if (!rerun && app.getAttribute("data-test-script-state") === "running") {
      app.setAttribute("data-test-script-state", "notRunning");
    }
  }, RERUN_WAIT_MS);
}

function sentenceBox(target) {
  return target instanceof HTMLInputElement && target.closest(".st-key-sentence") ? target : null;
}

// Streamlit's own Enter, marked so that the listener below lets it through.
function replayEnter(box) {
  const live = box.isConnected ? box : document.querySelector(".st-key-sentence input");
  if (!live) return;
  const ev = new KeyboardEvent("keydown", { key: "Enter", code: "Enter", bubbles: true, cancelable: true });
  ev.__gsReplay = true;
  live.dispatchEvent(ev);
}

function post(route, text) {
  return fetch(route.url, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: route.token, text }), cache: "no-store",
  });
}

// The post for ``route`` and ``text``: the one a press already sent (onArchPress), else a new one.
function answer(route, text) {
  const R = SENTENCE_ROUTE, early = R.early;
  R.early = null;
  return early && early.key === `${route.token}\n${text}` ? early.response : post(route, text);
}

// Post ``text`` with ``route``'s token, draw the answer, then hand the page's own event back
// (``replay``): at once for any answer but a 200.
async function drawFromRoute(route, text, id, replay) {
  const R = SENTENCE_ROUTE;
  R.running = R.running || markRunning();  // one mark for quick Enters in a row: the latest ends it
  try {
    const res = await answer(route, text);
    if (res.status !== 200 || id !== R.pending) return;
    const payloads = await res.json();
    if (id !== R.pending) return;
    const drawn = Object.entries(payloads)
      .filter(([key, payload]) => payload && R.targets[key])
      .map(([key, payload]) => R.targets[key](payload));
    performance.mark("gatescope:route-drawing");
    await Promise.race([Promise.all(drawn), new Promise((ok) => setTimeout(ok, DRAW_WAIT_MS))]);
  } catch (err) {
    console.warn("Gatescope: the sentence route failed, the page handles it", err);
  } finally {
    if (id === R.pending) {
      releaseWhenNoRerun(R.running);  // watching before the Enter: the rerun's "running" counts
      R.running = null;
      replay();
      delete document.documentElement.dataset.gsSentence;
    }
  }
}

function onSentenceKey(ev) {
  const R = SENTENCE_ROUTE;
  if (ev.__gsReplay || ev.key !== "Enter" || ev.isComposing || ev.keyCode === 229) return;
  if (ev.shiftKey || ev.ctrlKey || ev.altKey || ev.metaKey) return;
  const box = sentenceBox(ev.target);
  const route = R.route;
  if (!box || !route || !R.owner || !R.owner.isConnected) return;
  if (document.documentElement.dataset.gsSentence === "switching") return;  // its click must land
  ev.preventDefault();
  // Streamlit's Enter (React listens at its root, below the window) waits until the charts are
  // drawn; other listeners on the window still hear the key (the bench times from it)
  ev.stopPropagation();
  // until Streamlit has its Enter: tests and the bench wait for this to go before the rerun's end
  document.documentElement.dataset.gsSentence = "posting";
  drawFromRoute(route, box.value, ++R.pending, () => replayEnter(box));
}

// A click on another architecture in the sidebar (an LSTM's page, "GRU"): the other model's
// charts are drawn from the route with the sentence in the box, then the radio gets its click.
// The route says, by the label the sidebar shows, where to post (route.switch).
const ARCH_OPTION = '[data-testid="stSidebar"] [class*="st-key-arch-"] label';

function replayClick(input, text) {
  const R = SENTENCE_ROUTE;
  const label = input.isConnected ? null
    : Array.from(document.querySelectorAll(ARCH_OPTION)).find((l) => l.textContent.trim() === text);
  const live = input.isConnected ? input : label && label.querySelector('input[type="radio"]');
  if (!live) return;
  R.replaying = true;
  try { live.click(); } finally { R.replaying = false; }
}

// What a press or a click on an architecture's label switches to: {input, text, where, box}, or
// null when the page handles it itself (not an architecture, already chosen, no route for it).
function archSwitch(ev) {
  const R = SENTENCE_ROUTE;
  if (R.replaying || ev.button !== 0 || ev.shiftKey || ev.ctrlKey || ev.altKey || ev.metaKey) return null;
  const label = ev.target instanceof Element ? ev.target.closest(ARCH_OPTION) : null;
  const input = label && label.querySelector('input[type="radio"]');
  const route = R.route, box = document.querySelector(".st-key-sentence input");
  if (!input || input.checked || input.disabled || !box || !route || !route.switch) return null;
  if (!R.owner || !R.owner.isConnected || document.documentElement.dataset.gsSentence) return null;
  const text = label.textContent.trim();
  const where = route.switch[text];
  if (!where || typeof where.url !== "string" || typeof where.token !== "string") return null;
  return { input, text, where, box };
}

// A press on an architecture's label posts at once: the server works out the other model's charts
// while the button is still down (a person's click lasts about 100 ms), and the click uses the answer.
function onArchPress(ev) {
  const sw = archSwitch(ev);
  if (!sw) { SENTENCE_ROUTE.early = null; return; }
  const response = post(sw.where, sw.box.value);
  response.catch(() => {});  // not an unhandled rejection: the click that awaits it reports a failure
  SENTENCE_ROUTE.early = { key: `${sw.where.token}\n${sw.box.value}`, response };
}

function onArchClick(ev) {
  const R = SENTENCE_ROUTE;
  const sw = archSwitch(ev);
  if (!sw) { R.early = null; return; }
  ev.preventDefault();  // the radio is not checked yet: it gets this click once the charts are drawn
  ev.stopPropagation();
  document.documentElement.dataset.gsSentence = "switching";  // an Enter meanwhile goes to the page
  drawFromRoute(sw.where, sw.box.value, ++R.pending, () => replayClick(sw.input, sw.text));
}

// Called by the stepper with each payload: the route of the page now (null outside the explorer).
function offerSentenceRoute(route, owner) {
  const R = SENTENCE_ROUTE;
  R.route = route && typeof route.url === "string" && typeof route.token === "string" ? route : null;
  R.owner = owner;
  if (!R.installed) {
    window.addEventListener("keydown", onSentenceKey, true);  // before React's own listener
    window.addEventListener("pointerdown", onArchPress, true);
    window.addEventListener("click", onArchClick, true);
    R.installed = true;
  }
}
