// Click (or Enter on) a notebook figure to see it larger: fitted to the window when
// that is clearly larger than the figure on the page, otherwise at its own size in a
// box that scrolls (a phone). An inline SVG figure (the Replications page) is drawn
// again at twice its size on the page, or its own size if larger: vector text stays
// sharp. A click, Escape or the close button closes it.
(function () {
  "use strict";
  var IMAGES = ".jupyter-wrapper .jp-RenderedImage img";
  var VECTORS = ".md-typeset figure.cnn101-svg-figure > svg";
  var FIGURES = IMAGES + ", " + VECTORS;
  var opened = null;

  // The size a figure was made at, in CSS px (matplotlib writes SVG sizes in points).
  function naturalSize(figure) {
    if (figure.tagName.toLowerCase() !== "svg") {
      return { width: figure.naturalWidth, height: figure.naturalHeight };
    }
    var px = function (length) {
      var value = parseFloat(length);
      return /pt$/.test(length) ? (value * 4) / 3 : value;
    };
    return { width: px(figure.getAttribute("width")), height: px(figure.getAttribute("height")) };
  }

  function close() {
    if (!opened) return;
    opened.box.remove();
    document.documentElement.classList.remove("cnn101-lightbox-open");
    opened.figure.focus();
    opened = null;
  }

  function open(figure) {
    var box = document.createElement("div");
    var vector = figure.tagName.toLowerCase() === "svg";
    var big = vector ? figure.cloneNode(true) : document.createElement("img");
    var button = document.createElement("button");
    var shown = figure.getBoundingClientRect().width;
    var natural = naturalSize(figure);
    var label = vector ? figure.getAttribute("aria-label") : figure.alt;
    var fitted = Math.min(
      natural.width,
      window.innerWidth - 32,
      ((window.innerHeight - 32) * natural.width) / (natural.height || 1)
    );
    box.className = "cnn101-lightbox " +
      (!vector && fitted >= 1.25 * shown ? "cnn101-lightbox--fit" : "cnn101-lightbox--full");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-label", label || "Figure");
    if (vector) {
      big.removeAttribute("tabindex");
      big.removeAttribute("role");
      big.setAttribute("aria-label", label || "Figure");
      big.style.width = Math.round(Math.max(natural.width, 2 * shown)) + "px";
      big.style.maxWidth = "none";
    } else {
      big.src = figure.currentSrc || figure.src;
      big.alt = figure.alt;
    }
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

  // On a phone a figure is shown at no less than 73% of its pixels (extra.css reads
  // --cnn101-fig-min), so 8-point text in a 100-dpi figure stays 8 px tall; a wider
  // figure scrolls sideways in its box, which says so (overflow.js), or opens full size.
  function minimumWidth(figure) {
    if (figure.naturalWidth) {
      figure.style.setProperty("--cnn101-fig-min", Math.ceil(0.73 * figure.naturalWidth) + "px");
    }
  }

  function prepare() {
    document.querySelectorAll(IMAGES).forEach(function (figure) {
      if (figure.complete) minimumWidth(figure);
      else figure.addEventListener("load", function () { minimumWidth(figure); });
      figure.tabIndex = 0;
      figure.setAttribute("role", "button");
      figure.title = "Click to enlarge";
    });
    document.querySelectorAll(VECTORS).forEach(function (figure) {
      figure.setAttribute("tabindex", "0");
      figure.setAttribute("role", "button");
      var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = "Click to enlarge";
      figure.insertBefore(title, figure.firstChild);
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
