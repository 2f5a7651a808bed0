// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle]");
  if (!toggle) return;
  const target = document.getElementById(toggle.dataset.toggle);
  if (target) {
    target.hidden = !target.hidden;
    const input = target.querySelector("input:not([type=hidden])");
    if (!target.hidden && input) input.focus();
  }
});
