// Accessibility repairs that need the page as the theme's script builds it.
// Plain ES5, because some readers use old office browsers.
(function () {
  "use strict";

  // The theme gives its search dialog no accessible name, so it gets the
  // translated label of the search field.
  function nameSearchDialog() {
    var dialog = document.querySelector(".md-search");
    var input = document.querySelector(".md-search__input");
    if (dialog && input && !dialog.hasAttribute("aria-label")) {
      dialog.setAttribute("aria-label", input.getAttribute("aria-label") || "");
    }
  }

  // A table wider than the screen scrolls inside a frame. Keyboard users can
  // only scroll a frame that takes focus, so such frames get tabindex="0".
  function makeScrollFramesFocusable() {
    var frames = document.querySelectorAll(".md-typeset__scrollwrap");
    Array.prototype.forEach.call(frames, function (frame) {
      if (frame.scrollWidth > frame.clientWidth) {
        frame.setAttribute("tabindex", "0");
        frame.setAttribute("role", "region");
        frame.setAttribute("aria-label", "表格（可左右滚动）");
      } else if (frame.getAttribute("tabindex") === "0") {
        frame.removeAttribute("tabindex");
        frame.removeAttribute("role");
        frame.removeAttribute("aria-label");
      }
    });
  }

  // On a phone a table of four or more columns is read row by row: each
  // cell carries its column heading in data-label, and dmsite.css stacks the
  // cells under one another below 45em. Explicit roles keep the table a
  // table for screen readers once its rows are displayed as blocks.
  function labelTableCells() {
    var tables = document.querySelectorAll(".md-typeset table:not([class])");
    Array.prototype.forEach.call(tables, function (table) {
      var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (heading) {
        return heading.textContent.trim();
      });
      if (headings.length < 4 || table.hasAttribute("data-dmsite-stack")) {
        return;
      }
      table.setAttribute("data-dmsite-stack", "");
      table.setAttribute("role", "table");
      Array.prototype.forEach.call(table.querySelectorAll("tr"), function (row) {
        row.setAttribute("role", "row");
        Array.prototype.forEach.call(row.children, function (cell, index) {
          if (cell.tagName === "TH") {
            cell.setAttribute("role", "columnheader");
          } else {
            cell.setAttribute("role", "cell");
            cell.setAttribute("data-label", headings[index] || "");
          }
        });
      });
    });
  }

  function repair() {
    nameSearchDialog();
    labelTableCells();
    makeScrollFramesFocusable();
  }

  // document$ is the theme's observable of page loads; it emits after the
  // theme has wrapped the tables in their scroll frames.
  if (window.document$) {
    window.document$.subscribe(repair);
  } else {
    document.addEventListener("DOMContentLoaded", repair);
  }
  window.addEventListener("resize", makeScrollFramesFocusable);
})();
