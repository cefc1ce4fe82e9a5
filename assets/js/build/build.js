// Bundle entry.js into ../plotly-gatescope-<version>.min.js: one plain script that defines
// window.Plotly, with plotly.js's own esbuild settings (esbuild-config.js in the plotly.js package:
// an IIFE named Plotly, `global` as `window`, ES2016), minified, licence comments kept at the end.
// The IIFE matters: the same code in the official dist's UMD wrapper evaluates 2-3x slower in a page.
const path = require("path");
const esbuild = require("esbuild");
const { version } = require("plotly.js/package.json");

const outfile = path.join(__dirname, "..", `plotly-gatescope-${version}.min.js`);
esbuild
  .build({
    entryPoints: [path.join(__dirname, "entry.js")],
    outfile,
    format: "iife",
    globalName: "Plotly",
    bundle: true,
    minify: true,
    legalComments: "eof",
    banner: { js: `/* plotly.js v${version}: core and heatmap, bundled for Gatescope by assets/js/build (MIT) */` },
    define: { global: "window", "define.amd": "false" },
    // src/registry.js requires maplibre-gl's stylesheet for map traces only, which this bundle
    // leaves out: an empty module, not a stylesheet beside the script
    loader: { ".css": "empty" },
    target: "es2016",
    logLevel: "info",
  })
  .catch(() => process.exit(1));
