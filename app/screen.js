// Gatescope screen: tells the server the browser window's height (presentation mode), so that the
// charts fill a 1440×900 projector as they fill a 1280×720 one. It reports only when the height
// differs from the one the server already knows (``data.height``): no rerun on a known screen.
export default function (component) {
  const { data, setStateValue } = component;
  const known = (data && data.height) || 0;
  const report = () => {
    const h = Math.round(window.innerHeight);
    if (Math.abs(h - known) > 8) setStateValue("height", h);
  };
  let timer = null;
  const onResize = () => { clearTimeout(timer); timer = setTimeout(report, 300); };
  report();
  window.addEventListener("resize", onResize);
  return () => { clearTimeout(timer); window.removeEventListener("resize", onResize); };
}
