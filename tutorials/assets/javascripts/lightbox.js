// Click (or Enter on) a notebook figure to see it larger: fitted to the window when
// that is clearly larger than the figure on the page, otherwise at its own size in a
// box that scrolls (a phone). A click, Escape or the close button closes it.
(function () {
  "use strict";
  var FIGURES = ".jupyter-wrapper .jp-RenderedImage img";
  var opened = null;

  function close() {
    if (!opened) return;
    opened.box.remove();
    document.documentElement.classList.remove("cnn101-lightbox-open");
    opened.figure.focus();
    opened = null;
  }

  function open(figure) {
    var box = document.createElement("div");
    var big = document.createElement("img");
    var button = document.createElement("button");
    var shown = figure.getBoundingClientRect().width;
    var fitted = Math.min(
      figure.naturalWidth,
      window.innerWidth - 32,
      ((window.innerHeight - 32) * figure.naturalWidth) / (figure.naturalHeight || 1)
    );
    box.className = "cnn101-lightbox " +
      (fitted >= 1.25 * shown ? "cnn101-lightbox--fit" : "cnn101-lightbox--full");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-label", figure.alt);
    big.src = figure.currentSrc || figure.src;
    big.alt = figure.alt;
    button.type = "button";
    button.className = "cnn101-lightbox__close";
    button.textContent = "Close";
    box.append(big, button);
    box.addEventListener("click", close);
    document.body.append(box);
    document.documentElement.classList.add("cnn101-lightbox-open");
    opened = { box: box, figure: figure };
    button.focus();
  }

  // On a phone a figure is shown at no less than 65% of its pixels (extra.css reads
  // --cnn101-fig-min), so 10-point text in a 100-dpi figure stays about 9 px tall.
  function minimumWidth(figure) {
    if (figure.naturalWidth) {
      figure.style.setProperty("--cnn101-fig-min", Math.round(0.65 * figure.naturalWidth) + "px");
    }
  }

  function prepare() {
    document.querySelectorAll(FIGURES).forEach(function (figure) {
      if (figure.complete) minimumWidth(figure);
      else figure.addEventListener("load", function () { minimumWidth(figure); });
      figure.tabIndex = 0;
      figure.setAttribute("role", "button");
      figure.title = "Click to enlarge";
    });
  }

  document.addEventListener("click", function (event) {
    var figure = event.target.closest && event.target.closest(FIGURES);
    if (figure && !opened) open(figure);
  });
  document.addEventListener("keydown", function (event) {
    if (opened && event.key === "Escape") close();
    else if (!opened && event.key === "Enter" && event.target.matches &&
             event.target.matches(FIGURES)) open(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", prepare);
  } else {
    prepare();
  }
})();
