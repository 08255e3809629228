// Accessibility fixes for markup of the book's theme (pydata-sphinx-theme 0.17) that axe-core
// reports as serious (tests/test_accessibility.py). Loaded on every page (_config.yml).
document.addEventListener("DOMContentLoaded", function () {
  // The search button shows "Search Ctrl+K" but is labelled just "Search": the accessible name
  // must contain the visible text (WCAG 2.5.3, "label in name"). Let the visible text name it.
  document.querySelectorAll(".search-button__button").forEach(function (button) {
    button.removeAttribute("aria-label");
    button.querySelectorAll("i").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
    });
  });
  // The colour-mode button is labelled "Color mode"; its three icons carry titles ("Light",
  // "Dark", "System Settings") that count as visible text. They are decorative: hide them, and
  // say the current mode in the label instead.
  document.querySelectorAll(".theme-switch-button").forEach(function (button) {
    button.querySelectorAll(".theme-switch").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
      icon.removeAttribute("title");
    });
    function label() {
      var mode = document.documentElement.dataset.mode || "auto";
      button.setAttribute("aria-label", "Color mode: " + (mode === "auto" ? "system" : mode));
    }
    label();
    new MutationObserver(label).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-mode"],
    });
  });
});
