// The presenter's keys for a lesson: PageDown / PageUp (what a clicker sends) press the lesson's
// next / previous button. ← → stay the stepper's (they step through the tokens).
export default function (component) {
  const { data } = component;
  function onKey(ev) {
    const tgt = ev.target;
    const tag = (tgt && tgt.tagName) || "";
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || (tgt && tgt.isContentEditable)) return;
    const which = ev.key === "PageDown" ? "next" : ev.key === "PageUp" ? "prev" : null;
    if (!which) return;
    ev.preventDefault();
    if (!data || !data[which]) return;
    const button = document.querySelector(`.st-key-lesson-${which} button`);
    if (button && !button.disabled) button.click();
  }
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
