// Gatescope live chart: one Plotly figure (built by the server, app/views/train.py::loss_figure)
// drawn in a div that stays mounted across the polling fragment's reruns; each new figure is
// applied in place with Plotly.react, so the curve grows without a second copy or a flicker.
// Plotly.js is the static file the browser caches (app/static_assets.py). The figure's text comes
// from the page's string tables and numbers; no user text reaches it.

// loadPlotly(url), drawLatest(ctrl, drawOnce): app/plotly_loader.js, prepended to this script

function draw(ctrl) {
  return drawLatest(ctrl, async (data) => {
    try {
      const Plotly = await loadPlotly(data.plotly_url);
      const fig = data.figure;
      await Plotly.react(ctrl.div, fig.data, { ...fig.layout, autosize: true, width: undefined },
        { displaylogo: false, responsive: true });
    } catch (e) {
      ctrl.div.textContent = String(e);
      ctrl.div.className = "gs-live-error";
      return false;
    }
  });
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data || !data.figure) return;
  // The same element lives across reruns; keep one controller on it and draw the latest figure.
  let ctrl = parentElement.__gsLive;
  if (!ctrl) {
    const div = document.createElement("div");
    div.dataset.testid = "gs-live-chart";
    div.style.minHeight = `${data.figure.layout.height || 300}px`;
    parentElement.appendChild(div);
    ctrl = parentElement.__gsLive = { div, latest: null, drawing: false, again: false };
  }
  ctrl.latest = data;
  draw(ctrl);
}
