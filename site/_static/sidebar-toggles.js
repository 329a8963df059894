/*
 * Make the article header's two sidebar buttons work (sphinx-book-theme 1.3 with
 * pydata-sphinx-theme 0.17).
 *
 * pydata-sphinx-theme binds its "open the sidebar" handler to the first `.primary-toggle` and
 * the first `.secondary-toggle` of the page only: its own navbar buttons, which this theme hides.
 * The buttons a reader sees, in the article header, get no handler at all, so neither panel opens
 * on a phone, and on a desktop the hamburger does not collapse the navigation (upstream:
 * pydata-sphinx-theme issue 2451, sphinx-book-theme issues 865 and 988).
 *
 * Here each visible button, when the sidebar is not shown beside the text, forwards its click to
 * the theme's bound button (which opens the theme's own panel, a modal dialog); when the
 * navigation is shown beside the text (wide screens), the hamburger hides or shows it.
 */
(() => {
  "use strict";
  // pydata-sphinx-theme's breakpoint: from 960 px on, the navigation sits beside the text.
  const navigationBesideText = window.matchMedia("(min-width: 960px)");
  const COLLAPSED = "navigation-collapsed";  // class on <html>; site-fixes.css hides the sidebar

  function wireButtons() {
    for (const side of ["primary", "secondary"]) {
      const boundToggle = document.querySelector(`.${side}-toggle`);  // the one the theme bound
      document.querySelectorAll(`.bd-header-article .${side}-toggle`).forEach((button) => {
        if (button === boundToggle) {
          return;
        }
        if (side === "primary") {
          button.setAttribute("aria-expanded", String(navigationBesideText.matches));
        }
        button.addEventListener("click", (event) => {
          event.preventDefault();
          event.stopPropagation();
          if (side === "primary" && navigationBesideText.matches) {
            const collapsed = document.documentElement.classList.toggle(COLLAPSED);
            button.setAttribute("aria-expanded", String(!collapsed));
          } else if (boundToggle) {
            boundToggle.click();
          }
        });
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireButtons);
  } else {
    wireButtons();
  }
})();
