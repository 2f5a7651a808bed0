// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle]");
  if (toggle) {
    const target = document.getElementById(toggle.dataset.toggle);
    if (!target) return;
    target.hidden = !target.hidden;
    toggle.setAttribute("aria-expanded", String(!target.hidden));
    const input = target.querySelector("input:not([type=hidden])");
    if (!target.hidden && input) input.focus();
    return;
  }
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const source = document.getElementById(copy.dataset.copy);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(() => {
      copy.textContent = copy.dataset.copied || copy.textContent;
    });
  }
});

// Copy buttons only make sense where the clipboard API exists (HTTPS or localhost).
document.querySelectorAll("[data-copy]").forEach((button) => {
  if (navigator.clipboard && window.isSecureContext) button.hidden = false;
});

// Destructive forms ask first: <form data-confirm="…">.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
