/*
 * What lets every page fit a phone's screen, beside site-fixes.css.
 *
 * - Figures open at full size. The site scales each figure of a notebook's output down to the
 *   text column, so on a phone a figure drawn 900 pixels wide is shown about 360 wide. Every
 *   output figure becomes a link to its own image file, which the browser opens at full size (a
 *   phone can then zoom into it); the link is there at every screen width, so a click always does
 *   the same thing.
 * - The site's own tables (the notation page's) label their cells. On a narrow screen
 *   site-fixes.css shows each row as a block, one cell under the other; each cell but the first
 *   then starts with its column's heading, taken from the table's header row.
 */
(() => {
  "use strict";

  function linkFigures() {
    document.querySelectorAll(".bd-article .cell_output img").forEach((image) => {
      if (image.closest("a")) {
        return;
      }
      const link = document.createElement("a");
      link.href = image.getAttribute("src");
      link.className = "full-size-figure";
      link.title = "Open the figure at full size";
      image.replaceWith(link);
      link.appendChild(image);
    });
  }

  function labelTableCells() {
    document.querySelectorAll(".bd-article .pst-scrollable-table-container table").forEach((table) => {
      const headings = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent.trim());
      table.querySelectorAll("tbody tr").forEach((row) => {
        Array.from(row.cells).forEach((cell, column) => {
          if (column > 0 && headings[column]) {
            cell.dataset.label = headings[column];
          }
        });
      });
    });
  }

  function fitTheScreen() {
    linkFigures();
    labelTableCells();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fitTheScreen);
  } else {
    fitTheScreen();
  }
})();
