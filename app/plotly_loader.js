// Plotly.js for the in-page charts, loaded once per page: the static file the browser caches
// (app/static_assets.py). Every component that draws with Plotly shares one promise,
// window.__gsPlotlyLoading (also started at the top of the explorer's page by
// static_assets.preload_ui). Prepended to a component's own script by app/plotly_loader.py,
// with drawLatest, the redraw loop those components share.

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__gsPlotlyLoading) {
    window.__gsPlotlyLoading = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = url;
      s.async = true;
      s.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error(`${url} did not define Plotly`)));
      s.onerror = () => { window.__gsPlotlyLoading = null; reject(new Error(`could not load ${url}`)); };
      document.head.appendChild(s);
    });
  }
  return window.__gsPlotlyLoading;
}

// Draw ctrl.latest with drawOnce(data); a draw asked for while one runs becomes one more pass with
// the newest data (never two draws at once, never a stale one last). drawOnce returns false to stop.
async function drawLatest(ctrl, drawOnce) {
  if (ctrl.drawing) { ctrl.again = true; return; }
  ctrl.drawing = true;
  try {
    do {
      ctrl.again = false;
      if ((await drawOnce(ctrl.latest)) === false) return;
    } while (ctrl.again);
  } finally {
    ctrl.drawing = false;
  }
}
