// Gatescope's Plotly.js: plotly.js's core (the scatter trace, axes, shapes, colour bars, hover)
// and the heatmap trace: all that app/heatmaps.js and app/live_chart.js draw. build.js bundles it.
var Plotly = require("plotly.js/lib/core");

Plotly.register([require("plotly.js/lib/heatmap")]);

module.exports = Plotly;
