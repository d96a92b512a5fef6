// A box whose content is wider than the page column (a table, an equation, a figure, a
// code or output block) scrolls sideways inside itself; this marks it, so that the page
// shows the reader there is more to the right (extra.css draws the cue from the mark).
// Loaded after math.js: the equations are typeset before the boxes are measured.
(function () {
  "use strict";
  var BOXES = [
    ".md-typeset__scrollwrap",
    ".md-typeset .katex-display",
    ".md-typeset pre",
    ".md-typeset pre > code",
    ".jupyter-wrapper .jp-RenderedImage",
    ".jupyter-wrapper .jp-OutputArea-output",
    ".md-typeset figure.cnn101-svg-figure",
  ].join(", ");

  function mark(box) {
    var more = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("cnn101-scrolls", more);
    box.classList.toggle(
      "cnn101-scrolls--end",
      more && box.scrollLeft + box.clientWidth >= box.scrollWidth - 1
    );
  }

  function markAll() {
    document.querySelectorAll(BOXES).forEach(mark);
  }

  document.addEventListener(
    "scroll",
    function (event) {
      var box = event.target;
      if (box.matches && box.matches(BOXES)) mark(box);
    },
    true
  );
  window.addEventListener("resize", markAll);
  window.addEventListener("load", function () {
    markAll();
    setTimeout(markAll, 300); // after the theme's last touches to code blocks
  });
  if (window.document$) window.document$.subscribe(markAll);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markAll);
  else markAll();
})();
