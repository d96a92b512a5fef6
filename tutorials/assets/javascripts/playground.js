// cnn101 playground: convolution, ReLU and pooling live in the page, on TensorFlow.js.
//
// Every <div class="cnn101-playground"> becomes a widget. The kernels and images come from
// the cnn101 package (assets/javascripts/playground-data.js, written at build time by
// docs_hooks/playground.py); the numbers are computed with tf.conv2d, tf.relu, tf.maxPool
// and tf.avgPool on TensorFlow.js's CPU backend, with TensorFlow's padding rules, then
// coloured into canvases. tests/site/test_playground.py checks them against cnn101.ops.
//
// Options of a widget (data-* attributes; all optional):
//   data-view      "pipeline" (default) or "scale" (corners and repeated pooling)
//   data-image     an image name of the data file, or "draw"          (default "vertical_line")
//   data-kernel    a kernel name of cnn101.kernels                     (default "vertical_line")
//   data-controls  "all" or a comma list of image,shift,kernel,conv,pool,global
//                  (default "all" on the playground page, "kernel,conv,pool" elsewhere)
//   data-stages    a comma list of image,conv,relu,pool,global        (default all five)
//   data-stride, data-padding, data-pool ("max", "avg", "none"), data-pool-size,
//   data-pool-stride, data-pool-padding, data-global ("max", "avg"), data-shift ("dy,dx")
//   data-offset    (scale view) the squares' offset, 0-7; data-scene "squares" or "two_cats"
//
// JavaScript API, for tests and for readers who open the console:
//   await cnn101Playground.ready                    every widget drawn once
//   cnn101Playground.compute(config)                stage arrays (nested lists) for a config:
//     {image: name | number[][], kernel: name | number[][], shift: [dy, dx], stride, padding,
//      pool: "max" | "avg" | "none", poolSize, poolStride, poolPadding, global: "max" | "avg"}
//     -> {image, conv, relu, pool: number[][], global: number}
//   cnn101Playground.computeScale({image, levels})  -> number[levels + 1][H][W][2], as
//     cnn101.corners.pooled_responses (corner detectors, ReLU, 2x2 max pooling, SAME)
//   cnn101Playground.palette                        the maps' colours, as 0-255 RGB triples
//   cnn101Playground.widgets                        the widgets; each has .update(), .result,
//                                                   .lastUpdateMs and .idle()
//   await cnn101Playground.mount(div)               make a widget of a div added later
(function () {
  "use strict";

  const tf = window.tf;
  const DATA = window.CNN101_PLAYGROUND_DATA;
  const STAGES = ["image", "conv", "relu", "pool", "global"];
  const CONTROLS = ["image", "shift", "kernel", "conv", "pool", "global"];
  const DRAW_SIZE = 28;
  const MAX_SHIFT = 8;
  const SHOW_VALUES_UP_TO = 12; // write the numbers on maps at most this many cells wide
  const MAX_WEIGHT = 1000; // a kernel weight beyond this would only overflow the maps
  const OUTLINE_UP_TO = 24; // outline changed cells on maps this small; larger: a map of them
  const STAGE_TITLES = {
    image: "Input image",
    conv: "Convolution",
    relu: "ReLU",
    pool: "Pooling",
    global: "Global pooling",
  };

  // ---- data ------------------------------------------------------------------------------

  function decodeImage(entry) {
    const bytes = Uint8Array.from(atob(entry.data), (c) => c.charCodeAt(0));
    const [h, w] = entry.shape;
    let values;
    if (entry.dtype === "float32") {
      values = new Float32Array(bytes.buffer); // little-endian, as written by the hook
    } else {
      values = Float32Array.from(bytes, (code) => code * entry.step);
    }
    return { h, w, values };
  }

  const decoded = {};
  function namedImage(name) {
    if (!(name in DATA.images)) {
      throw new Error(`Unknown image "${name}". Expected one of: ${Object.keys(DATA.images).join(", ")}`);
    }
    if (!decoded[name]) decoded[name] = decodeImage(DATA.images[name]);
    return decoded[name];
  }

  function fromNested(rows, what) {
    if (!Array.isArray(rows) || !rows.length || !Array.isArray(rows[0])) {
      throw new Error(`${what} must be a 2-D array (a list of rows)`);
    }
    const h = rows.length;
    const w = rows[0].length;
    const values = new Float32Array(h * w);
    rows.forEach((row, i) => {
      if (row.length !== w) throw new Error(`${what} rows must all have ${w} values`);
      row.forEach((v, j) => (values[i * w + j] = v));
    });
    return { h, w, values };
  }

  function asImage(image) {
    if (typeof image === "string") return namedImage(image);
    return Array.isArray(image) ? fromNested(image, "image") : image;
  }

  function asKernel(kernel) {
    if (typeof kernel === "string") {
      if (!(kernel in DATA.kernels)) {
        throw new Error(`Unknown kernel "${kernel}". Expected one of: ${Object.keys(DATA.kernels).join(", ")}`);
      }
      kernel = DATA.kernels[kernel];
    }
    return fromNested(kernel, "kernel");
  }

  // cnn101.invariance.shift: move dy rows down and dx columns right, zero fill, no wrap.
  function shiftImage(img, dy, dx) {
    if (!dy && !dx) return img;
    const { h, w, values } = img;
    const out = new Float32Array(h * w);
    for (let i = Math.max(dy, 0); i < h + Math.min(dy, 0); i++) {
      for (let j = Math.max(dx, 0); j < w + Math.min(dx, 0); j++) {
        out[i * w + j] = values[(i - dy) * w + (j - dx)];
      }
    }
    return { h, w, values: out };
  }

  // TensorFlow's output length (cnn101.ops.output_size).
  function outputSize(size, window, stride, padding) {
    return padding === "SAME" ? Math.ceil(size / stride) : Math.max(0, Math.ceil((size - window + 1) / stride));
  }

  function normalise(config) {
    const c = Object.assign(
      {
        image: "vertical_line",
        kernel: "vertical_line",
        shift: [0, 0],
        stride: 1,
        padding: "SAME",
        pool: "max",
        poolSize: 2,
        poolStride: null,
        poolPadding: "VALID",
        global: "max",
      },
      config || {}
    );
    c.padding = String(c.padding).toUpperCase();
    c.poolPadding = String(c.poolPadding).toUpperCase();
    c.stride = Number(c.stride);
    c.poolSize = Number(c.poolSize);
    c.poolStride = c.poolStride == null ? c.poolSize : Number(c.poolStride);
    for (const key of ["padding", "poolPadding"]) {
      if (c[key] !== "SAME" && c[key] !== "VALID") throw new Error(`${key} must be "SAME" or "VALID", got ${c[key]}`);
    }
    for (const key of ["stride", "poolSize", "poolStride"]) {
      if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`${key} must be a positive integer, got ${c[key]}`);
    }
    if (!["max", "avg", "none"].includes(c.pool)) throw new Error(`pool must be "max", "avg" or "none", got ${c.pool}`);
    if (!["max", "avg"].includes(c.global)) throw new Error(`global must be "max" or "avg", got ${c.global}`);
    return c;
  }

  // ---- the pipeline on TensorFlow.js (call inside tf.tidy) ---------------------------------

  function pipelineTensors(img, ker, c) {
    const ch = outputSize(img.h, ker.h, c.stride, c.padding);
    const cw = outputSize(img.w, ker.w, c.stride, c.padding);
    if (!ch || !cw) {
      throw new Error(
        `The ${ker.h}x${ker.w} kernel does not fit in the ${img.h}x${img.w} image with VALID padding: use SAME`
      );
    }
    const x = tf.tensor4d(img.values, [1, img.h, img.w, 1]);
    const filter = tf.tensor4d(ker.values, [ker.h, ker.w, 1, 1]);
    const conv = tf.conv2d(x, filter, c.stride, c.padding.toLowerCase());
    const relu = tf.relu(conv);
    let pool = relu;
    if (c.pool !== "none") {
      const ph = outputSize(ch, c.poolSize, c.poolStride, c.poolPadding);
      const pw = outputSize(cw, c.poolSize, c.poolStride, c.poolPadding);
      if (!ph || !pw) {
        throw new Error(
          `The ${c.poolSize}x${c.poolSize} pool window does not fit in the ${ch}x${cw} feature map with VALID padding`
        );
      }
      const op = c.pool === "max" ? tf.maxPool : tf.avgPool;
      pool = op(relu, c.poolSize, c.poolStride, c.poolPadding.toLowerCase());
    }
    const global = c.global === "max" ? tf.max(pool) : tf.mean(pool);
    const as2d = (t) => tf.reshape(t, t.shape.slice(1, 3));
    return { image: as2d(x), conv: as2d(conv), relu: as2d(relu), pool: as2d(pool), global };
  }

  function inputFor(c) {
    const [dy, dx] = c.shift;
    return shiftImage(asImage(c.image), dy | 0, dx | 0);
  }

  function compute(config) {
    const c = normalise(config);
    const img = inputFor(c);
    const ker = asKernel(c.kernel);
    const stages = tf.tidy(() => pipelineTensors(img, ker, c));
    const out = {};
    for (const [name, t] of Object.entries(stages)) {
      out[name] = name === "global" ? t.dataSync()[0] : t.arraySync();
      t.dispose();
    }
    return out;
  }

  function scaleTensors(img, levels) {
    const corners = [DATA.scale.kernels.upper_left_corner, DATA.scale.kernels.bottom_right_corner];
    const kh = corners[0].length;
    const kw = corners[0][0].length;
    const bank = new Float32Array(kh * kw * 2); // HWIO (kh, kw, 1, 2), as cnn101.kernels.filter_bank
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        bank[(i * kw + j) * 2] = corners[0][i][j];
        bank[(i * kw + j) * 2 + 1] = corners[1][i][j];
      }
    }
    const x = tf.tensor4d(img.values, [1, img.h, img.w, 1]);
    let current = tf.relu(tf.conv2d(x, tf.tensor4d(bank, [kh, kw, 1, 2]), 1, "same"));
    const maps = [current];
    for (let level = 0; level < levels; level++) {
      current = tf.maxPool(current, 2, 2, "same");
      maps.push(current);
    }
    return maps.map((m) => tf.squeeze(m, [0]));
  }

  function computeScale(config) {
    const c = Object.assign({ image: "squares", levels: DATA.scale.levels }, config || {});
    const img = typeof c.image === "string" && c.image.startsWith("squares:")
      ? squaresImage(Number(c.image.split(":")[1]))
      : asImage(c.image);
    const maps = tf.tidy(() => scaleTensors(img, Number(c.levels)));
    return maps.map((m) => {
      const a = m.arraySync();
      m.dispose();
      return a;
    });
  }

  const squaresDecoded = {};
  function squaresImage(offset) {
    const key = String(offset);
    if (!(key in DATA.scale.squares)) throw new Error(`offset must be 0-7, got ${offset}`);
    if (!squaresDecoded[key]) squaresDecoded[key] = decodeImage(DATA.scale.squares[key].image);
    return squaresDecoded[key];
  }

  // ---- drawing -----------------------------------------------------------------------------

  // A diverging colour scale: blue (negative) - near white (0) - red (positive).
  const ZERO = [0.97, 0.97, 0.97];
  const POS = [0.75, 0.1, 0.12];
  const NEG = [0.1, 0.32, 0.68];

  // Colour maps are plain loops into RGBA bytes: on the CPU backend the same mapping done
  // with tf ops (clip, multiply, add per channel) takes about 9 ms for a 128x128 map, the
  // loop 0.1 ms. The numbers themselves are always TensorFlow.js's.
  function diverging(values, limit) {
    const rgba = new Uint8ClampedArray(values.length * 4);
    for (let k = 0; k < values.length; k++) {
      let t = values[k] / limit;
      t = t > 1 ? 1 : t < -1 ? -1 : t;
      const end = t > 0 ? POS : NEG;
      const a = t > 0 ? t : -t;
      rgba[4 * k] = 255 * (ZERO[0] + a * (end[0] - ZERO[0]));
      rgba[4 * k + 1] = 255 * (ZERO[1] + a * (end[1] - ZERO[1]));
      rgba[4 * k + 2] = 255 * (ZERO[2] + a * (end[2] - ZERO[2]));
      rgba[4 * k + 3] = 255;
    }
    return rgba;
  }

  function gray(values, lo, hi) {
    const rgba = new Uint8ClampedArray(values.length * 4);
    const span = hi - lo || 1;
    for (let k = 0; k < values.length; k++) {
      const v = (255 * (values[k] - lo)) / span;
      rgba[4 * k] = rgba[4 * k + 1] = rgba[4 * k + 2] = v;
      rgba[4 * k + 3] = 255;
    }
    return rgba;
  }

  // Two channels (upper-left, bottom-right corner responses) as blue and orange on white,
  // Okabe and Ito's colours, which the common colour blindnesses tell apart (red and green,
  // used before, they do not): each response takes its colour out of the white, so a cell
  // that holds both is near black.
  const UPPER_LEFT = [0, 114, 178]; // #0072B2
  const BOTTOM_RIGHT = [230, 159, 0]; // #E69F00
  function corners(values) {
    const n = values.length / 2;
    let ul = 1e-6;
    let br = 1e-6;
    for (let k = 0; k < n; k++) {
      ul = Math.max(ul, values[2 * k]);
      br = Math.max(br, values[2 * k + 1]);
    }
    const rgba = new Uint8ClampedArray(n * 4);
    for (let k = 0; k < n; k++) {
      const a = values[2 * k] / ul;
      const b = values[2 * k + 1] / br;
      for (let c = 0; c < 3; c++) {
        rgba[4 * k + c] = 255 - a * (255 - UPPER_LEFT[c]) - b * (255 - BOTTOM_RIGHT[c]);
      }
      rgba[4 * k + 3] = 255;
    }
    return rgba;
  }

  const CSS_GRADIENT = (() => {
    const css = (c) => `rgb(${c.map((v) => Math.round(v * 255)).join(",")})`;
    return `linear-gradient(to right, ${css(NEG)}, ${css(ZERO)}, ${css(POS)})`;
  })();

  function extent(values) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  }

  function fmt(v, digits = 2) {
    if (!Number.isFinite(v)) return String(v);
    const scale = 10 ** digits;
    const r = Math.round(v * scale) / scale;
    return (Object.is(r, -0) ? 0 : r).toString().replace("-", "\u2212");
  }

  // Two values written with as many decimals (2 to 6) as it takes to see that they differ.
  function fmtPair(a, b) {
    let digits = 2;
    while (digits < 6 && fmt(a, digits) === fmt(b, digits)) digits++;
    return [fmt(a, digits), fmt(b, digits)];
  }

  const SVG = "http://www.w3.org/2000/svg";
  function el(tag, attrs, ...children) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v == null) continue;
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  let uid = 0;
  const nextId = (what) => `cnn101-pg-${++uid}-${what}`;

  function labelled(labelText, control, extra) {
    const id = nextId("c");
    control.id = id;
    return el("div", { class: "cnn101-pg-field" }, el("label", { for: id, text: labelText }), control, extra);
  }

  function select(options, value) {
    const s = el("select");
    for (const [v, text] of options) s.append(el("option", { value: v, text, selected: String(v) === String(value) }));
    return s;
  }

  function prettyName(name) {
    return name.replace(/_/g, " ");
  }

  // One stage: a canvas, an SVG overlay (values, changed cells, cursor) and a caption.
  class StageView {
    constructor(name, title) {
      this.name = name;
      this.canvas = el("canvas", { width: 1, height: 1, "aria-hidden": "true" });
      this.overlay = el("svg:svg", { class: "cnn101-pg-overlay", "aria-hidden": "true", preserveAspectRatio: "none" });
      this.box = el("div", { class: "cnn101-pg-map" }, this.canvas, this.overlay);
      this.title = el("strong", { text: title });
      this.info = el("span", { class: "cnn101-pg-info" });
      this.bar = el("div", { class: "cnn101-pg-bar", "aria-hidden": "true" });
      this.note = el("span", { class: "cnn101-pg-note" });
      this.figure = el(
        "figure",
        { class: `cnn101-pg-stage cnn101-pg-stage-${name}` },
        this.box,
        el("figcaption", {}, this.title, " ", this.info, this.bar, this.note)
      );
    }

    draw(rgba, values, h, w, opts) {
      if (this.canvas.width !== w || this.canvas.height !== h) {
        this.canvas.width = w;
        this.canvas.height = h;
      }
      this.canvas.getContext("2d").putImageData(new ImageData(rgba, w, h), 0, 0);
      this.canvas.style.aspectRatio = `${w} / ${h}`;
      const svg = this.overlay;
      svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
      svg.replaceChildren();
      if (opts.values !== false && w <= SHOW_VALUES_UP_TO && h <= SHOW_VALUES_UP_TO) {
        const size = Math.min(0.36, 1.2 / Math.max(2, ...Array.from(values, (v) => fmt(v).length)));
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            const v = values[i * w + j];
            const dark = opts.textDark ? opts.textDark(v) : true;
            svg.append(
              el("svg:text", {
                x: j + 0.5,
                y: i + 0.5,
                "font-size": size,
                class: dark ? "" : "light",
                text: fmt(v),
              })
            );
          }
        }
      }
      if (opts.changed) {
        // One path for all outlined cells: thousands of <rect>s would take 30 ms to lay out.
        const d = [];
        for (let k = 0; k < opts.changed.length; k++) {
          if (opts.changed[k]) d.push(`M${k % w} ${Math.floor(k / w)}h1v1h-1z`);
        }
        if (d.length) svg.append(el("svg:path", { d: d.join(""), class: "changed" }));
      }
      if (opts.cursor) {
        svg.append(el("svg:rect", { x: opts.cursor[1], y: opts.cursor[0], width: 1, height: 1, class: "cursor" }));
      }
    }
  }

  // ---- the pipeline widget -----------------------------------------------------------------

  class PipelineWidget {
    constructor(root) {
      this.root = root;
      const d = root.dataset;
      const list = (attr, value, all) => {
        if (value === "all") return all;
        const names = value.split(",").map((s) => s.trim());
        const unknown = names.filter((s) => !all.includes(s));
        if (unknown.length) {
          throw new Error(`data-${attr}: unknown "${unknown.join(", ")}". Expected "all" or some of: ${all.join(", ")}`);
        }
        return names;
      };
      this.controls = list("controls", d.controls || "kernel,conv,pool", CONTROLS);
      this.stageNames = list("stages", d.stages || "all", STAGES);
      const [dy, dx] = (d.shift || "0,0").split(",").map(Number);
      this.state = {
        image: d.image || "vertical_line",
        kernel: d.kernel || "vertical_line",
        weights: null,
        stride: Number(d.stride || 1),
        padding: (d.padding || "SAME").toUpperCase(),
        pool: d.pool || "max",
        poolSize: Number(d.poolSize || 2),
        poolStride: Number(d.poolStride || d.poolSize || 2),
        poolPadding: (d.poolPadding || "VALID").toUpperCase(),
        global: d.global || "max",
        dy: dy || 0,
        dx: dx || 0,
      };
      if (this.state.image !== "draw" && !(this.state.image in DATA.images)) {
        throw new Error(`data-image: unknown image "${this.state.image}". Expected "draw" or one of: ${Object.keys(DATA.images).join(", ")}`);
      }
      if (!(this.state.kernel in DATA.kernels)) {
        throw new Error(`data-kernel: unknown kernel "${this.state.kernel}". Expected one of: ${Object.keys(DATA.kernels).join(", ")}`);
      }
      this.drawn = new Float32Array(DRAW_SIZE * DRAW_SIZE);
      this.cursor = [Math.floor(DRAW_SIZE / 2), Math.floor(DRAW_SIZE / 2)];
      this.erase = false;
      this.running = null;
      this.pending = false;
      this.lastUpdateMs = NaN;
      this.result = null;
      this.weightNote = "";
      this.build();
    }

    config() {
      const s = this.state;
      const image = s.image === "draw" ? { h: DRAW_SIZE, w: DRAW_SIZE, values: this.drawn } : s.image;
      return {
        image,
        kernel: s.weights || s.kernel,
        shift: [s.dy, s.dx],
        stride: s.stride,
        padding: s.padding,
        pool: s.pool,
        poolSize: s.poolSize,
        poolStride: s.poolStride,
        poolPadding: s.poolPadding,
        global: s.global,
      };
    }

    build() {
      const root = this.root;
      root.replaceChildren();
      root.classList.add("cnn101-pg");
      const form = el("form", { class: "cnn101-pg-controls", "aria-label": "Playground settings" });
      form.addEventListener("submit", (e) => e.preventDefault());
      const s = this.state;
      const on = (control, key, parse) => {
        control.addEventListener(control.tagName === "SELECT" ? "change" : "input", () => {
          s[key] = parse(control.value);
          this.afterChange(key);
        });
        return control;
      };
      const group = (legend, ...fields) => el("fieldset", {}, el("legend", { text: legend }), ...fields);
      const ints = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => [from + i, String(from + i)]);
      const pads = [["SAME", "SAME (zero padding)"], ["VALID", "VALID (no padding)"]];

      if (this.controls.includes("image") || this.controls.includes("shift")) {
        const fields = [];
        if (this.controls.includes("image")) {
          const options = Object.entries(DATA.images).map(([k, v]) => [k, v.label]);
          options.push(["draw", `Draw your own (${DRAW_SIZE}x${DRAW_SIZE})`]);
          this.imageSelect = on(select(options, s.image), "image", String);
          fields.push(labelled("Image", this.imageSelect));
        }
        if (this.controls.includes("shift")) {
          for (const [key, text] of [["dx", "Shift right (pixels)"], ["dy", "Shift down (pixels)"]]) {
            const range = el("input", { type: "range", min: -MAX_SHIFT, max: MAX_SHIFT, step: 1, value: s[key] });
            const shown = el("output", { text: String(s[key]) });
            range.addEventListener("input", () => (shown.textContent = range.value));
            on(range, key, Number);
            fields.push(labelled(text, range, shown));
          }
        }
        form.append(group("Input", ...fields));
        if (this.controls.includes("image")) {
          this.drawTools = el(
            "div",
            { class: "cnn101-pg-drawtools", hidden: s.image !== "draw" },
            el("p", {
              class: "cnn101-pg-help",
              text: "Draw on the input image with the mouse or a finger; or focus it and use the arrow keys, then Space to paint.",
            })
          );
          const clear = el("button", { type: "button", text: "Clear drawing" });
          clear.addEventListener("click", () => {
            this.drawn.fill(0);
            this.schedule();
          });
          const erase = el("input", { type: "checkbox" });
          erase.addEventListener("change", () => (this.erase = erase.checked));
          this.drawTools.append(clear, labelled("Erase instead of paint", erase));
          form.lastChild.append(this.drawTools);
        }
      }

      if (this.controls.includes("kernel")) {
        const options = Object.keys(DATA.kernels).map((k) => [k, prettyName(k)]);
        options.push(["custom2", "custom 2x2"], ["custom3", "custom 3x3"]);
        this.kernelSelect = select(options, s.kernel);
        this.kernelSelect.addEventListener("change", () => this.chooseKernel(this.kernelSelect.value));
        this.weightsBox = el("div", { class: "cnn101-pg-weights", role: "group", "aria-label": "Kernel weights" });
        form.append(group("Kernel", labelled("Kernel", this.kernelSelect), this.weightsBox));
        this.renderWeights();
      }
      if (this.controls.includes("conv")) {
        form.append(
          group(
            "Convolution",
            labelled("Stride", on(select(ints(1, 4), s.stride), "stride", Number)),
            labelled("Padding", on(select(pads, s.padding), "padding", String))
          )
        );
      }
      if (this.controls.includes("pool")) {
        form.append(
          group(
            "Pooling",
            labelled(
              "Pooling",
              on(select([["max", "max"], ["avg", "average"], ["none", "none"]], s.pool), "pool", String)
            ),
            labelled("Window", on(select(ints(1, 4).map(([v]) => [v, `${v}x${v}`]), s.poolSize), "poolSize", Number)),
            labelled("Stride", on(select(ints(1, 4), s.poolStride), "poolStride", Number)),
            labelled("Padding", on(select(pads, s.poolPadding), "poolPadding", String))
          )
        );
      }
      if (this.controls.includes("global")) {
        form.append(
          group(
            "Global pooling",
            labelled("Global pooling", on(select([["max", "max"], ["avg", "average"]], s.global), "global", String))
          )
        );
      }

      this.status = el("p", { class: "cnn101-pg-status", role: "status", "aria-live": "polite" });
      this.views = {};
      const stages = el("div", { class: "cnn101-pg-stages" });
      for (const name of this.stageNames) {
        if (name === "global") {
          this.globalBox = el("div", { class: "cnn101-pg-global" });
          this.globalFigure = el(
            "figure",
            { class: "cnn101-pg-stage cnn101-pg-stage-global" },
            this.globalBox,
            el("figcaption", {}, el("strong", { text: STAGE_TITLES.global }))
          );
          stages.append(this.globalFigure);
          continue;
        }
        const view = new StageView(name, STAGE_TITLES[name]);
        this.views[name] = view;
        stages.append(view.figure);
        if (name === "pool") {
          this.changedView = new StageView("changed", "Changed by the shift");
          this.changedView.figure.hidden = true;
          stages.append(this.changedView.figure);
        }
      }
      if (this.views.image) this.enableDrawing(this.views.image);
      root.append(form, stages, this.status);
    }

    chooseKernel(value) {
      const s = this.state;
      if (value.startsWith("custom")) {
        const n = Number(value.slice(6));
        const current = s.weights || DATA.kernels[s.kernel];
        s.weights =
          current && current.length === n && current[0].length === n
            ? current.map((r) => r.slice())
            : Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
      } else {
        s.kernel = value;
        s.weights = null;
      }
      this.renderWeights();
      this.schedule();
    }

    renderWeights() {
      const s = this.state;
      const k = s.weights || DATA.kernels[s.kernel];
      this.weightsBox.replaceChildren();
      this.weightsBox.style.gridTemplateColumns = `repeat(${k[0].length}, minmax(0, 4.2rem))`;
      k.forEach((row, i) =>
        row.forEach((v, j) => {
          const input = el("input", {
            type: "number",
            step: "0.1",
            value: Math.round(v * 10000) / 10000,
            "aria-label": `Weight, row ${i + 1}, column ${j + 1}`,
          });
          input.addEventListener("input", () => {
            const value = Number(input.value);
            const notNumber = input.value.trim() === "" || !Number.isFinite(value);
            const tooLarge = !notNumber && Math.abs(value) > MAX_WEIGHT;
            const invalid = notNumber || tooLarge;
            // An entry that is not a number, or too large to compute with, is flagged (and
            // said in the status line); the maps keep the last valid weight.
            const kept = s.weights ? s.weights[i][j] : v;
            input.classList.toggle("cnn101-pg-invalid", invalid);
            input.setAttribute("aria-invalid", invalid ? "true" : "false");
            input.title = notNumber
              ? `Not a number: the map uses ${kept}`
              : tooLarge
                ? `Weights must lie between \u2212${MAX_WEIGHT} and ${MAX_WEIGHT}: the map uses ${kept}`
                : "";
            this.weightNote = invalid ? `Weight (row ${i + 1}, column ${j + 1}): ${input.title}.` : "";
            if (invalid) {
              this.schedule();
              return;
            }
            if (!s.weights) {
              s.weights = DATA.kernels[s.kernel].map((r) => r.slice());
              this.kernelSelect.value = `custom${s.weights.length === s.weights[0].length ? s.weights.length : ""}`;
            }
            s.weights[i][j] = value;
            this.schedule();
          });
          this.weightsBox.append(input);
        })
      );
    }

    afterChange(key) {
      if (key === "image" && this.drawTools) this.drawTools.hidden = this.state.image !== "draw";
      this.schedule();
    }

    enableDrawing(view) {
      const box = view.box;
      const cellAt = (event) => {
        const rect = box.getBoundingClientRect();
        return [
          Math.floor(((event.clientY - rect.top) / rect.height) * DRAW_SIZE),
          Math.floor(((event.clientX - rect.left) / rect.width) * DRAW_SIZE),
        ];
      };
      // A stroke paints every cell on the straight line from the last cell it painted, so
      // a fast stroke (few pointer events far apart) draws a line, not dots.
      let last = null;
      const strokeTo = (event) => {
        if (this.state.image !== "draw") return;
        const [i, j] = cellAt(event);
        const [i0, j0] = last || [i, j];
        const steps = Math.max(Math.abs(i - i0), Math.abs(j - j0));
        for (let t = 0; t <= steps; t++) {
          const ii = Math.round(i0 + ((i - i0) * t) / (steps || 1));
          const jj = Math.round(j0 + ((j - j0) * t) / (steps || 1));
          if (ii >= 0 && jj >= 0 && ii < DRAW_SIZE && jj < DRAW_SIZE) {
            this.cursor = [ii, jj];
            this.paint();
          }
        }
        last = [i, j];
      };
      box.addEventListener("pointerdown", (e) => {
        if (this.state.image !== "draw") return;
        last = null;
        box.setPointerCapture(e.pointerId);
        strokeTo(e);
        e.preventDefault();
      });
      box.addEventListener("pointermove", (e) => {
        if (!last) return;
        const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
        for (const one of events.length ? events : [e]) strokeTo(one);
      });
      const end = () => (last = null);
      box.addEventListener("pointerup", end);
      box.addEventListener("pointercancel", end);
      box.addEventListener("keydown", (e) => {
        if (this.state.image !== "draw") return;
        const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
        if (e.key in moves) {
          const [di, dj] = moves[e.key];
          this.cursor = [
            Math.min(DRAW_SIZE - 1, Math.max(0, this.cursor[0] + di)),
            Math.min(DRAW_SIZE - 1, Math.max(0, this.cursor[1] + dj)),
          ];
          this.schedule();
        } else if (e.key === " " || e.key === "Enter") {
          this.paint();
        } else {
          return;
        }
        e.preventDefault();
      });
      this.drawBox = box;
    }

    paint() {
      // The drawing is the unshifted image: paint where the cursor is, minus the shift.
      const [i, j] = [this.cursor[0] - this.state.dy, this.cursor[1] - this.state.dx];
      if (i >= 0 && j >= 0 && i < DRAW_SIZE && j < DRAW_SIZE) this.drawn[i * DRAW_SIZE + j] = this.erase ? 0 : 1;
      this.schedule();
    }

    schedule() {
      if (this.running) {
        this.pending = true;
        return this.running;
      }
      this.running = this.update().finally(() => {
        this.running = null;
        if (this.pending) {
          this.pending = false;
          this.schedule();
        }
      });
      return this.running;
    }

    idle() {
      return this.running || Promise.resolve();
    }

    async update() {
      const t0 = performance.now();
      const drawing = this.state.image === "draw";
      if (this.drawBox) {
        this.drawBox.tabIndex = drawing ? 0 : -1;
        if (drawing) {
          this.drawBox.setAttribute("role", "application");
          this.drawBox.setAttribute("aria-label", "Drawing grid: arrow keys move the cursor, Space paints");
        } else {
          this.drawBox.removeAttribute("role");
          this.drawBox.removeAttribute("aria-label");
        }
        this.drawBox.classList.toggle("drawing", drawing);
      }
      let c, ker, stages, base;
      try {
        c = normalise(this.config());
        const img = inputFor(c);
        ker = asKernel(c.kernel);
        stages = tf.tidy(() => pipelineTensors(img, ker, c));
        if (c.shift[0] || c.shift[1]) {
          base = tf.tidy(() => pipelineTensors(inputFor(Object.assign({}, c, { shift: [0, 0] })), ker, c));
        }
        for (const t of Object.values(stages)) {
          if (!t.dataSync().every(Number.isFinite)) {
            throw new Error(
              "These weights make the values too large to compute (Infinity or NaN): use smaller weights"
            );
          }
        }
      } catch (error) {
        if (stages) tf.dispose(stages);
        if (base) tf.dispose(base);
        // The maps and captions of the last valid setting are hidden, not left on screen.
        this.status.textContent = error.message;
        this.root.classList.add("cnn101-pg-error");
        this.result = null;
        return;
      }
      this.root.classList.remove("cnn101-pg-error");
      const out = stages;
      const values = {};
      for (const name of ["image", "conv", "relu", "pool"]) values[name] = out[name].dataSync();
      const globalValue = out.global.dataSync()[0];
      const [convLo, convHi] = extent(values.conv);
      const limit = Math.max(1e-6, -convLo, convHi);
      const [imgLo, imgHi] = extent(values.image);
      const imageLo = Math.min(0, imgLo);
      const imageHi = Math.max(1, imgHi);
      let changed = null;
      let changedCount = 0;
      let globalChanged = false;
      let globalBefore = globalValue;
      if (base) {
        const before = base.pool.dataSync();
        changed = new Uint8Array(values.pool.length);
        for (let k = 0; k < changed.length; k++) {
          changed[k] = Math.abs(before[k] - values.pool[k]) > 1e-6 ? 1 : 0;
          changedCount += changed[k];
        }
        globalBefore = base.global.dataSync()[0];
        globalChanged = Math.abs(globalBefore - globalValue) > 1e-6;
      }
      const shape = (name) => out[name].shape;
      const [poolH, poolW] = shape("pool");
      const small = poolH <= OUTLINE_UP_TO && poolW <= OUTLINE_UP_TO;
      if (this.changedView) {
        this.changedView.figure.hidden = !changed || small;
        if (changed && !small) {
          const mask = new Uint8ClampedArray(changed.length * 4);
          for (let k = 0; k < changed.length; k++) {
            mask[4 * k] = changed[k] ? 230 : 250;
            mask[4 * k + 1] = changed[k] ? 0 : 250;
            mask[4 * k + 2] = changed[k] ? 126 : 250;
            mask[4 * k + 3] = 255;
          }
          this.changedView.draw(mask, changed, poolH, poolW, { values: false });
          this.changedView.info.textContent = `${changedCount} of ${changed.length} pooled cells (magenta)`;
        }
      }
      for (const [name, view] of Object.entries(this.views)) {
        const [h, w] = shape(name);
        const opts =
          name === "image"
            ? { textDark: (v) => (v - imageLo) / (imageHi - imageLo) > 0.5, cursor: drawing ? this.cursor : null }
            : { textDark: (v) => Math.abs(v) / limit < 0.6, changed: name === "pool" && small ? changed : null };
        const rgba = name === "image" ? gray(values.image, imageLo, imageHi) : diverging(values[name], limit);
        view.draw(rgba, values[name], h, w, opts);
        const [lo, hi] = extent(values[name]);
        const range = `min ${fmt(lo)}, max ${fmt(hi)}`;
        const how = {
          image: c.shift[0] || c.shift[1] ? `shifted ${c.shift[0]} down, ${c.shift[1]} right` : "",
          conv: `${ker.h}x${ker.w} kernel, stride ${c.stride}, ${c.padding}`,
          relu: "max(x, 0)",
          pool:
            c.pool === "none"
              ? "none"
              : `${c.pool} ${c.poolSize}x${c.poolSize}, stride ${c.poolStride}, ${c.poolPadding}`,
        }[name];
        view.info.textContent = `${h}\u00d7${w}${how ? ", " + how : ""}; ${range}`;
        if (name === "image") {
          view.bar.style.background = "linear-gradient(to right, #000, #fff)";
          view.bar.dataset.lo = fmt(imageLo);
          view.bar.dataset.hi = fmt(imageHi);
        } else {
          view.bar.style.background = CSS_GRADIENT;
          view.bar.dataset.lo = fmt(-limit);
          view.bar.dataset.hi = fmt(limit);
        }
        view.note.textContent =
          name === "pool" && changed && small
            ? `Outlined: ${changedCount} of ${changed.length} pooled cells differ from the unshifted image.`
            : "";
      }
      let beforeText = "";
      let afterText = fmt(globalValue);
      if (changed && globalChanged) [beforeText, afterText] = fmtPair(globalBefore, globalValue);
      if (this.globalBox) {
        this.globalBox.textContent = afterText;
        this.globalBox.title = String(globalValue);
        const note = changed
          ? globalChanged
            ? ` (${beforeText} before the shift)`
            : " (unchanged by the shift)"
          : "";
        this.globalFigure.querySelector("figcaption").replaceChildren(
          el("strong", { text: STAGE_TITLES.global }),
          ` ${c.global === "max" ? "max" : "mean"} of the pooled map${note}`
        );
      }
      this.result = {
        config: c,
        shapes: Object.fromEntries(["image", "conv", "relu", "pool"].map((n) => [n, shape(n)])),
        values,
        global: globalValue,
        changed,
      };
      tf.dispose(out);
      if (base) tf.dispose(base);
      const summary = `Global ${c.global} pooling: ${afterText}.`;
      const globalNote = globalChanged
        ? ` and the global value (from ${beforeText} to ${afterText})`
        : ", not the global value";
      this.status.textContent =
        (changed ? `${summary} The shift changed ${changedCount} of ${changed.length} pooled cells${globalNote}.` : summary) +
        (this.weightNote ? ` ${this.weightNote}` : "");
      this.lastUpdateMs = performance.now() - t0;
    }

    // The stage values of the last drawing as nested lists (for tests).
    arrays() {
      const r = this.result;
      const nest = (name) => {
        const [h, w] = r.shapes[name];
        return Array.from({ length: h }, (_, i) => Array.from(r.values[name].subarray(i * w, (i + 1) * w)));
      };
      return { image: nest("image"), conv: nest("conv"), relu: nest("relu"), pool: nest("pool"), global: r.global };
    }
  }

  // ---- the scale widget: corner detectors and repeated pooling (tutorial 3) ----------------

  class ScaleWidget {
    constructor(root) {
      this.root = root;
      const d = root.dataset;
      this.state = { scene: d.scene || "squares", offset: Number(d.offset || 0) };
      this.levels = DATA.scale.levels;
      this.running = null;
      this.pending = false;
      this.lastUpdateMs = NaN;
      this.result = null;
      this.build();
    }

    build() {
      const root = this.root;
      root.replaceChildren();
      root.classList.add("cnn101-pg");
      const form = el("form", { class: "cnn101-pg-controls", "aria-label": "Scale settings" });
      form.addEventListener("submit", (e) => e.preventDefault());
      const scene = select(
        [["squares", "Squares of side 2, 4, 8 and 16"], ["two_cats", "The same cat near and far"]],
        this.state.scene
      );
      const offset = el("input", { type: "range", min: 0, max: 7, step: 1, value: this.state.offset });
      const shown = el("output", { text: String(this.state.offset) });
      scene.addEventListener("change", () => {
        this.state.scene = scene.value;
        offset.disabled = scene.value !== "squares";
        this.schedule();
      });
      offset.disabled = this.state.scene !== "squares";
      offset.addEventListener("input", () => {
        shown.textContent = offset.value;
        this.state.offset = Number(offset.value);
        this.schedule();
      });
      form.append(
        el(
          "fieldset",
          {},
          el("legend", { text: "Scene" }),
          labelled("Scene", scene),
          labelled("Move the squares down and right (pixels)", offset, shown)
        )
      );
      this.views = [];
      const stages = el("div", { class: "cnn101-pg-stages" });
      this.inputView = new StageView("input", "Input image");
      stages.append(this.inputView.figure);
      for (let level = 0; level <= this.levels; level++) {
        const view = new StageView(`level${level}`, level ? `Level ${level}` : "Corners (level 0)");
        this.views.push(view);
        stages.append(view.figure);
      }
      this.table = el("div", { class: "cnn101-pg-merge" });
      this.status = el("p", { class: "cnn101-pg-status", role: "status", "aria-live": "polite" });
      const legend = el("p", {
        class: "cnn101-pg-help",
        text: "Blue: upper-left corner detector; orange: bottom-right corner detector; black: one cell holds an upper-left and a bottom-right response.",
      });
      root.append(form, legend, stages, this.table, this.status);
    }

    schedule() {
      return PipelineWidget.prototype.schedule.call(this);
    }

    idle() {
      return this.running || Promise.resolve();
    }

    image() {
      return this.state.scene === "squares" ? squaresImage(this.state.offset) : namedImage("two_cats");
    }

    async update() {
      const t0 = performance.now();
      const img = this.image();
      const [lo, hi] = extent(img.values);
      this.inputView.draw(gray(img.values, Math.min(0, lo), Math.max(1, hi)), img.values, img.h, img.w, { values: false });
      this.inputView.info.textContent = `${img.h}\u00d7${img.w} pixels`;
      const maps = tf.tidy(() => scaleTensors(img, this.levels));
      const both = [];
      maps.forEach((m, level) => {
        const [h, w] = m.shape;
        const values = m.dataSync();
        let count = 0;
        for (let k = 0; k < h * w; k++) if (values[2 * k] > 0 && values[2 * k + 1] > 0) count++;
        both.push(count);
        const view = this.views[level];
        const cell = 2 ** level;
        view.info.textContent = `${h}\u00d7${w} cells of ${cell}\u00d7${cell} pixels; ${count} black (both corners)`;
        view.draw(corners(values), values, h, w, { values: false });
      });
      this.result = { maps: maps.map((m) => m.arraySync()), both };
      tf.dispose(maps);
      if (this.state.scene === "squares") {
        const sq = DATA.scale.squares[String(this.state.offset)];
        const rows = sq.layout.map(([top, left, size], k) =>
          el(
            "tr",
            {},
            el("td", { text: String(size) }),
            el("td", { text: `${top}, ${left}` }),
            el("td", { text: String(sq.merge_levels[k]) })
          )
        );
        this.table.replaceChildren(
          el(
            "table",
            {},
            el("caption", { text: "Where each square's two corners first share a cell (cnn101.corners.merge_level)" }),
            el(
              "thead",
              {},
              el("tr", {}, el("th", { text: "side" }), el("th", { text: "top, left" }), el("th", { text: "merge level" }))
            ),
            el("tbody", {}, ...rows)
          )
        );
        this.status.textContent = `Offset ${this.state.offset}: the corners merge at levels ${sq.merge_levels.join(", ")} for sides ${sq.layout.map((r) => r[2]).join(", ")}.`;
      } else {
        this.table.replaceChildren();
        this.status.textContent =
          "The near cat is 32 pixels wide, the far one 8: two poolings (a factor of 4) bring the near cat's maps down to the far cat's size.";
      }
      this.lastUpdateMs = performance.now() - t0;
    }
  }

  // ---- start -------------------------------------------------------------------------------

  const api = {
    version: DATA ? DATA.cnn101_version : null,
    data: DATA,
    compute,
    computeScale,
    shift: shiftImage,
    outputSize,
    // The colours the maps are drawn in (0-255 RGB), for readers and for tests.
    palette: {
      upperLeft: UPPER_LEFT,
      bottomRight: BOTTOM_RIGHT,
      negative: NEG.map((v) => Math.round(255 * v)),
      zero: ZERO.map((v) => Math.round(255 * v)),
      positive: POS.map((v) => Math.round(255 * v)),
    },
    widgets: [],
  };
  window.cnn101Playground = api;

  async function start() {
    if (!tf || !DATA) throw new Error("The playground needs TensorFlow.js and playground-data.js loaded first");
    tf.enableProdMode();
    await tf.setBackend("cpu");
    await tf.ready();
    const roots = document.querySelectorAll(".cnn101-playground");
    await Promise.all(Array.from(roots, mount));
    return api;
  }

  // Turn one <div class="cnn101-playground"> into a widget and draw it; resolves to the
  // widget, or to null (with the reason shown in the div) if its data-* attributes are wrong.
  async function mount(root) {
    let widget;
    try {
      widget = root.dataset.view === "scale" ? new ScaleWidget(root) : new PipelineWidget(root);
    } catch (error) {
      root.replaceChildren(el("p", { class: "cnn101-pg-status", text: `Playground: ${error.message}` }));
      console.error(`cnn101 playground: ${error.message}`);
      return null;
    }
    root.cnn101Widget = widget;
    api.widgets.push(widget);
    await widget.schedule();
    return widget;
  }
  api.mount = mount;

  api.ready = start();
})();
