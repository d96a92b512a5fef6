// The trained-networks page: move a digit and watch each network keep or lose its answer.
//
// Builds the widget inside every <div class="cnn101-networks"> from window.cnn101Network
// (networks.js): pick a test digit or draw one, move it (sliders, arrow keys, dragging;
// zero-filled or circular) and zoom it; every network's probabilities and feature maps
// update at once. The sweeps classify every shift in a square, or every zoom in a range,
// and draw a map of the predicted class per network with its consistency (Zhang's: the
// chance that two random shifts give the same class, cnn101.invariance.ShiftedPredictions).
(function () {
  "use strict";

  // Paul Tol's "muted" scheme (9 colours, distinct under the common colour-vision
  // deficiencies) and a pale grey: one colour per class; the class is also written.
  const CLASS_COLOURS = [
    "#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE",
    "#882255", "#44AA99", "#999933", "#AA4499", "#BBBBBB",
  ];
  const DARK_TEXT = new Set([2, 4, 6, 7, 9]); // classes whose colour needs dark text
  const SHIFT_RANGES = [2, 4, 8];
  const ZOOMS = [0.5, 0.56, 0.63, 0.71, 0.79, 0.89, 1, 1.12, 1.26, 1.41, 1.59, 1.78, 2];
  const MAX_SHIFT = 12;

  let uid = 0;
  const el = (tag, attrs = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else node.setAttribute(k, v);
    }
    for (const child of [].concat(children)) if (child) node.append(child);
    return node;
  };
  const nextId = (stem) => `cnn101-nw-${stem}-${(uid += 1)}`;

  function field(label, control) {
    const id = control.id || (control.id = nextId("c"));
    return el("div", { className: "cnn101-nw-field" }, [el("label", { for: id, text: label }), control]);
  }

  function slider(min, max, step, value) {
    return el("input", { type: "range", min, max, step, value });
  }

  // Set a canvas's size only when it changes (setting it clears the canvas and its state).
  function resize(canvas, width, height) {
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
  }

  // The ImageData kept for a canvas of this size (filled with `fill` when made).
  function pixels(canvas, fill) {
    let image = canvas.cnn101Pixels;
    if (!image || image.width !== canvas.width || image.height !== canvas.height) {
      image = canvas.cnn101Pixels = canvas.getContext("2d").createImageData(canvas.width, canvas.height);
      image.data.fill(fill);
    }
    return image;
  }

  // Draw a flat map (h x w) in gray, 0 black to the map's maximum white, on a canvas.
  function drawGray(canvas, data, h, w, top) {
    resize(canvas, w, h);
    const image = pixels(canvas, 255);
    const out = image.data;
    const scale = top > 0 ? 255 / top : 0;
    for (let i = 0; i < h * w; i += 1) {
      const v = Math.max(0, Math.min(255, Math.round(data[i] * scale)));
      out[4 * i] = v; out[4 * i + 1] = v; out[4 * i + 2] = v;
    }
    canvas.getContext("2d").putImageData(image, 0, 0);
  }

  // All channels of an (h, w, c) map side by side in a grid, each scaled to its own max.
  function drawMosaic(canvas, map) {
    const [h, w, c] = map.shape;
    const cols = Math.min(c, 8);
    const rows = Math.ceil(c / cols);
    resize(canvas, cols * (w + 1) - 1, rows * (h + 1) - 1);
    const image = pixels(canvas, 128); // the gaps between the maps
    const out = image.data, data = map.data, width = canvas.width;
    const tops = new Float32Array(c);
    for (let i = 0; i < h * w * c; i += c) {
      for (let k = 0; k < c; k += 1) if (data[i + k] > tops[k]) tops[k] = data[i + k];
    }
    for (let k = 0; k < c; k += 1) {
      const top = tops[k];
      const x0 = (k % cols) * (w + 1), y0 = Math.floor(k / cols) * (h + 1);
      for (let i = 0; i < h; i += 1) {
        let o = 4 * ((y0 + i) * width + x0);
        for (let j = 0; j < w; j += 1, o += 4) {
          const v = top > 0 ? Math.round((255 * data[(i * w + j) * c + k]) / top) : 0;
          out[o] = v; out[o + 1] = v; out[o + 2] = v; out[o + 3] = 255;
        }
      }
    }
    canvas.getContext("2d").putImageData(image, 0, 0);
  }

  function argmax(values) {
    let best = 0;
    for (let i = 1; i < values.length; i += 1) if (values[i] > values[best]) best = i;
    return best;
  }

  class Widget {
    constructor(root) {
      this.root = root;
      this.N = window.cnn101Network;
      this.links = JSON.parse(root.dataset.links || "{}");
      this.state = { digit: 0, dy: 0, dx: 0, zoom: 1, mode: "zero", drawn: null, truth: null };
      this.sweepToken = 0;
      this.cursor = [14, 14]; // the keyboard's brush, in the drawn digit's frame
      root.classList.add("cnn101-nw");
      root.textContent = "";
      this.build();
      this.update();
    }

    // ---- layout ------------------------------------------------------------------------

    build() {
      const N = this.N;
      this.status = el("p", { className: "cnn101-nw-status", role: "status", "aria-live": "polite" });
      this.root.append(this.status);

      const controls = el("div", { className: "cnn101-nw-controls" });
      // the digit
      this.digitSelect = el("select");
      N.digits.forEach((d, i) => this.digitSelect.append(el("option", { value: String(i), text: `test digit ${i + 1} (a ${d.label})` })));
      this.digitSelect.append(el("option", { value: "drawn", text: "draw your own" }));
      this.truthSelect = el("select");
      this.truthSelect.append(el("option", { value: "", text: "not given" }));
      for (let c = 0; c < 10; c += 1) this.truthSelect.append(el("option", { value: String(c), text: String(c) }));
      this.clearButton = el("button", { type: "button", text: "Clear drawing" });
      const digitSet = el("fieldset", {}, [
        el("legend", { text: "Digit" }),
        field("Digit", this.digitSelect),
        field("True class", this.truthSelect),
        this.clearButton,
      ]);
      // the move
      this.dySlider = slider(-MAX_SHIFT, MAX_SHIFT, 1, 0);
      this.dxSlider = slider(-MAX_SHIFT, MAX_SHIFT, 1, 0);
      this.zoomSlider = slider(0.5, 2, 0.01, 1);
      this.dyOut = el("output", { text: "0" });
      this.dxOut = el("output", { text: "0" });
      this.zoomOut = el("output", { text: "1.00" });
      const modeName = nextId("mode");
      this.modeRadios = ["zero", "circular"].map((mode) =>
        el("input", { type: "radio", name: modeName, value: mode, id: nextId("m") })
      );
      this.modeRadios[0].checked = true;
      const modeLabels = { zero: "zero-filled (what leaves the frame is lost)", circular: "circular (what leaves comes back on the other side)" };
      this.resetButton = el("button", { type: "button", text: "Reset move" });
      const moveSet = el("fieldset", {}, [
        el("legend", { text: "Move and zoom" }),
        el("div", { className: "cnn101-nw-field" }, [el("label", { for: (this.dySlider.id = nextId("dy")), text: "Shift down (pixels)" }), this.dySlider, this.dyOut]),
        el("div", { className: "cnn101-nw-field" }, [el("label", { for: (this.dxSlider.id = nextId("dx")), text: "Shift right (pixels)" }), this.dxSlider, this.dxOut]),
        el("div", { className: "cnn101-nw-field" }, [el("label", { for: (this.zoomSlider.id = nextId("zoom")), text: "Zoom" }), this.zoomSlider, this.zoomOut]),
        el("fieldset", { className: "cnn101-nw-modes" }, [
          el("legend", { text: "Shift" }),
          ...this.modeRadios.map((r) => el("span", {}, [r, el("label", { for: r.id, text: modeLabels[r.value] })])),
        ]),
        this.resetButton,
      ]);
      // the input view
      this.view = el("canvas", {
        className: "cnn101-nw-view", width: "40", height: "40", tabindex: "0", role: "img",
        "aria-label": "The digit as the networks see it. Arrow keys move it, + and - zoom. When drawing, arrow keys move the brush, Space paints, Shift and arrow keys move the digit.",
      });
      const viewBox = el("figure", { className: "cnn101-nw-viewbox" }, [
        this.view,
        el("figcaption", { text: "Drag the digit, or focus it and use the arrow keys (+ and - zoom). Drawing: paint with the mouse or a finger, or with the keyboard: arrow keys move the orange brush, Space paints, Shift and arrow keys move the digit." }),
      ]);
      controls.append(viewBox, digitSet, moveSet);
      this.root.append(controls);

      // one card per network
      this.cards = {};
      const grid = el("div", { className: "cnn101-nw-grid" });
      for (const name of N.architectures) {
        const info = N.networks[name];
        const link = this.links[info.tutorial];
        const title = el("h3", { className: "cnn101-nw-title", text: info.label });
        const meta = el("p", { className: "cnn101-nw-meta" }, [
          `${info.input_shape[0]}x${info.input_shape[1]} input, test accuracy ${(100 * info.test_accuracy).toFixed(1)} % · `,
          link ? el("a", { href: link, text: info.tutorial.startsWith("02") ? "tutorial 2" : "tutorial 3" }) : info.tutorial,
        ]);
        const answer = el("p", { className: "cnn101-nw-answer" });
        const bars = el("div", { className: "cnn101-nw-bars", role: "list" });
        const barRows = [];
        for (let c = 0; c < 10; c += 1) {
          const fill = el("span", { className: "cnn101-nw-fill" });
          const value = el("span", { className: "cnn101-nw-value" });
          const row = el("div", { className: "cnn101-nw-bar", role: "listitem" }, [
            el("span", { className: "cnn101-nw-class", text: String(c) }),
            el("span", { className: "cnn101-nw-track" }, [fill]),
            value,
          ]);
          bars.append(row);
          barRows.push({ row, fill, value });
        }
        const maps = el("div", { className: "cnn101-nw-maps" });
        const note = el("p", { className: "cnn101-nw-note" });
        const sweep = el("div", { className: "cnn101-nw-sweep" });
        const card = el("section", { className: "cnn101-nw-card", "aria-label": info.label }, [title, meta, answer, bars, note, maps, sweep]);
        grid.append(card);
        this.cards[name] = { card, answer, barRows, note, maps, sweep, mapCanvases: {} };
      }

      // the sweeps
      const sweepButtons = SHIFT_RANGES.map((k) => {
        const b = el("button", { type: "button", text: `Sweep shifts of ±${k} pixels` });
        b.addEventListener("click", () => this.sweepShifts(k));
        return b;
      });
      const zoomButton = el("button", { type: "button", text: "Sweep zoom 0.5x to 2x" });
      zoomButton.addEventListener("click", () => this.sweepZooms());
      this.sweepStatus = el("span", { className: "cnn101-nw-sweep-status", role: "status", "aria-live": "polite" });
      this.root.append(
        el("div", { className: "cnn101-nw-sweeps" }, [...sweepButtons, zoomButton, this.sweepStatus]),
        el("p", { className: "cnn101-nw-legend" }, this.legend()),
        grid
      );
      this.wire();
    }

    legend() {
      const items = [];
      for (let c = 0; c < 10; c += 1) {
        items.push(el("span", { className: "cnn101-nw-swatch", style: `background:${CLASS_COLOURS[c]};color:${DARK_TEXT.has(c) ? "#000" : "#fff"}`, text: String(c) }));
      }
      return [
        "Sweep maps: each cell is one shift (or zoom), coloured and labelled by the predicted class; ",
        "a ring marks the cells that give the true class, a square outline the current move. Classes: ",
        ...items,
      ];
    }

    // ---- input ---------------------------------------------------------------------------

    wire() {
      const set = (changes) => {
        // a sweep belongs to one digit, class and fill mode: another one clears it
        if (["digit", "truth", "mode"].some((k) => k in changes && changes[k] !== this.state[k])) this.clearSweeps();
        Object.assign(this.state, changes);
        this.update();
      };
      this.digitSelect.addEventListener("change", () => {
        const v = this.digitSelect.value;
        if (v === "drawn") {
          this.state.drawn = this.state.drawn || new Float32Array(this.N.digitSize ** 2);
          set({ digit: "drawn" });
        } else {
          this.truthSelect.value = String(this.N.digits[+v].label);
          set({ digit: +v, truth: this.N.digits[+v].label });
        }
      });
      this.truthSelect.addEventListener("change", () => set({ truth: this.truthSelect.value === "" ? null : +this.truthSelect.value }));
      this.truthSelect.value = String(this.N.digits[0].label);
      this.state.truth = this.N.digits[0].label;
      this.clearButton.addEventListener("click", () => {
        this.state.drawn = new Float32Array(this.N.digitSize ** 2);
        this.digitSelect.value = "drawn";
        set({ digit: "drawn" });
      });
      this.dySlider.addEventListener("input", () => set({ dy: +this.dySlider.value }));
      this.dxSlider.addEventListener("input", () => set({ dx: +this.dxSlider.value }));
      this.zoomSlider.addEventListener("input", () => set({ zoom: +this.zoomSlider.value }));
      for (const r of this.modeRadios) r.addEventListener("change", () => r.checked && set({ mode: r.value }));
      this.resetButton.addEventListener("click", () => set({ dy: 0, dx: 0, zoom: 1 }));

      this.view.addEventListener("keydown", (event) => {
        const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
        const drawing = this.state.digit === "drawn";
        if (moves[event.key] && drawing && !event.shiftKey) { // move the brush
          const [a, b] = moves[event.key];
          const last = this.N.digitSize - 1;
          this.cursor = [Math.max(0, Math.min(last, this.cursor[0] + a)), Math.max(0, Math.min(last, this.cursor[1] + b))];
          this.update();
        } else if (event.key === " " && drawing) {
          this.paintAt(this.cursor[0] + 0.5, this.cursor[1] + 0.5);
        } else if (moves[event.key]) {
          const [a, b] = moves[event.key];
          set({ dy: this.clampShift(this.state.dy + a), dx: this.clampShift(this.state.dx + b) });
        } else if (event.key === "+" || event.key === "=") {
          set({ zoom: Math.min(2, +(this.state.zoom + 0.05).toFixed(2)) });
        } else if (event.key === "-") {
          set({ zoom: Math.max(0.5, +(this.state.zoom - 0.05).toFixed(2)) });
        } else {
          return;
        }
        event.preventDefault();
      });
      // dragging moves the digit by whole pixels; when drawing, it paints instead
      let drag = null;
      this.view.addEventListener("pointerdown", (event) => {
        this.view.setPointerCapture(event.pointerId);
        drag = { x: event.clientX, y: event.clientY, dy: this.state.dy, dx: this.state.dx };
        if (this.state.digit === "drawn") this.paint(event);
      });
      this.view.addEventListener("pointermove", (event) => {
        if (!drag) return;
        if (this.state.digit === "drawn") { this.paint(event); return; }
        const pixel = this.view.getBoundingClientRect().width / this.view.width;
        set({
          dy: this.clampShift(drag.dy + Math.round((event.clientY - drag.y) / pixel)),
          dx: this.clampShift(drag.dx + Math.round((event.clientX - drag.x) / pixel)),
        });
      });
      const end = () => { drag = null; };
      this.view.addEventListener("pointerup", end);
      this.view.addEventListener("pointercancel", end);
    }

    clampShift(v) {
      return Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, v));
    }

    // Paint a soft dot on the drawn digit, at the pointer. Painting sets the zoom to 1, so
    // that the digit's frame is the view's, shifted by (dy, dx).
    paint(event) {
      const rect = this.view.getBoundingClientRect();
      const frame = (this.view.width - this.N.digitSize) / 2;
      const y = ((event.clientY - rect.top) / rect.height) * this.view.height - frame - this.state.dy;
      const x = ((event.clientX - rect.left) / rect.width) * this.view.width - frame - this.state.dx;
      this.paintAt(y, x);
    }

    // Paint at (y, x), in pixels of the digit's own size x size frame.
    paintAt(y, x) {
      const size = this.N.digitSize;
      this.state.zoom = 1;
      const d = this.state.drawn;
      for (let i = Math.floor(y - 2); i <= Math.ceil(y + 2); i += 1) {
        for (let j = Math.floor(x - 2); j <= Math.ceil(x + 2); j += 1) {
          if (i < 0 || j < 0 || i >= size || j >= size) continue;
          const r = Math.hypot(i + 0.5 - y, j + 0.5 - x);
          const ink = Math.max(0, Math.min(1, 1.6 - r / 1.2));
          d[i * size + j] = Math.max(d[i * size + j], ink);
        }
      }
      this.update();
    }

    source() {
      return this.state.digit === "drawn" ? this.state.drawn : this.N.digits[this.state.digit].image;
    }

    move(name, overrides = {}) {
      const s = { ...this.state, ...overrides };
      return this.N.place(this.source(), this.N.digitSize, this.N.networks[name].input_shape, { dy: s.dy, dx: s.dx, zoom: s.zoom, mode: s.mode });
    }

    // ---- one update: every network's answer and maps -------------------------------------

    update() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.render();
      });
    }

    render() {
      const s = this.state;
      this.dySlider.value = s.dy; this.dxSlider.value = s.dx; this.zoomSlider.value = s.zoom;
      this.dyOut.textContent = String(s.dy); this.dxOut.textContent = String(s.dx);
      this.zoomOut.textContent = s.zoom.toFixed(2);
      for (const r of this.modeRadios) r.checked = r.value === s.mode;
      this.clearButton.hidden = s.digit !== "drawn";
      const big = this.N.architectures.find((n) => this.N.networks[n].input_shape[0] === 40) || this.N.architectures[0];
      const [h, w] = this.N.networks[big].input_shape;
      drawGray(this.view, this.move(big), h, w, 1);
      if (s.digit === "drawn") { // the keyboard's brush, in Okabe-Ito orange
        const frame = (w - this.N.digitSize) / 2;
        const ctx = this.view.getContext("2d");
        ctx.fillStyle = "#E69F00";
        ctx.fillRect(frame + this.cursor[1] + s.dx, frame + this.cursor[0] + s.dy, 1, 1);
      }
      const started = performance.now();
      this.results = {};
      let computing = 0;
      for (const name of this.N.architectures) {
        const [nh, nw] = this.N.networks[name].input_shape;
        const image = this.rows(this.move(name), nh, nw);
        const t0 = performance.now();
        const out = this.N.run(name, image);
        computing += performance.now() - t0;
        this.results[name] = out;
        this.show(name, out);
      }
      this.lastUpdateMs = performance.now() - started;
      this.lastComputeMs = computing; // the forward passes alone
      this.status.textContent = `Computed in this page by TensorFlow.js, ${this.N.backend()} backend ` +
        `(plain JavaScript: no WebGL or WebAssembly needed): all ${this.N.architectures.length} networks ` +
        `in ${this.lastUpdateMs.toFixed(0)} ms for the last move.`;
      this.root.dispatchEvent(new CustomEvent("cnn101-networks-updated"));
    }

    rows(flat, h, w) {
      const rows = [];
      for (let i = 0; i < h; i += 1) rows.push(flat.subarray(i * w, (i + 1) * w));
      return rows;
    }

    show(name, out) {
      const card = this.cards[name];
      const best = argmax(out.probabilities);
      const truth = this.state.truth;
      const verdict = truth === null ? "" : best === truth ? " (right)" : ` (wrong: it is a ${truth})`;
      card.answer.textContent = `Predicted: ${best}, probability ${(100 * out.probabilities[best]).toFixed(1)} %${verdict}`;
      card.answer.classList.toggle("cnn101-nw-wrong", truth !== null && best !== truth);
      out.probabilities.forEach((p, c) => {
        const { row, fill, value } = card.barRows[c];
        fill.style.width = `${(100 * p).toFixed(1)}%`;
        value.textContent = `${(100 * p).toFixed(1)} %`;
        row.classList.toggle("cnn101-nw-best", c === best);
        row.classList.toggle("cnn101-nw-true", c === truth);
        row.setAttribute("aria-label", `class ${c}: ${(100 * p).toFixed(1)} %${c === truth ? ", the true class" : ""}${c === best ? ", predicted" : ""}`);
      });
      // feature maps: every convolution's output; for scale channels, the resized inputs
      // and the maps of the channel that supplies most pooled features
      let maps = out.maps;
      if (out.wins) {
        const counts = new Map();
        for (const k of out.wins) counts.set(k, (counts.get(k) || 0) + 1);
        const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
        const inputs = maps.filter((m) => m.name.endsWith("input"));
        const scale = inputs[top].name.split(" ")[0];
        maps = [...inputs, ...maps.filter((m) => m.name.startsWith(scale + " ") && !m.name.endsWith("input"))];
        card.note.textContent = `Feature maps of the ${scale} channel, which supplies ` +
          `${Math.round((100 * counts.get(top)) / out.wins.length)} % of the pooled features (the most).`;
      }
      for (const map of maps) {
        let entry = card.mapCanvases[map.name];
        if (!entry) {
          const canvas = el("canvas", { className: "cnn101-nw-map", role: "img" });
          const caption = el("figcaption");
          const figure = el("figure", {}, [canvas, caption]);
          card.maps.append(figure);
          entry = card.mapCanvases[map.name] = { figure, canvas, caption };
        }
        entry.used = true;
        drawMosaic(entry.canvas, map);
        const copy = map.name.endsWith("input");
        const label = copy ? `input at ${map.name.split(" ")[0]}` : map.name;
        entry.caption.textContent = copy
          ? `${map.name.split(" ")[0]}: ${map.shape[0]}x${map.shape[1]}`
          : `${label}: ${map.shape[0]}x${map.shape[1]}, ${map.shape[2]} maps`;
        entry.canvas.setAttribute("aria-label", `${label}, each map in gray from 0 to its largest value`);
      }
      for (const entry of Object.values(card.mapCanvases)) {
        entry.figure.hidden = !entry.used;
        entry.used = false;
      }
    }

    // ---- sweeps ----------------------------------------------------------------------------

    clearSweeps() {
      this.sweepToken += 1; // stops a sweep under way
      this.lastSweep = null;
      for (const card of Object.values(this.cards)) card.sweep.replaceChildren();
      this.sweepStatus.textContent = "";
    }

    async sweep(kind, cells, describe) {
      const token = (this.sweepToken += 1);
      const names = this.N.architectures;
      const results = {};
      const chunk = 16;
      for (const name of names) {
        const classes = [];
        for (let start = 0; start < cells.length; start += chunk) {
          if (token !== this.sweepToken) return null;
          const images = cells.slice(start, start + chunk).map((cell) => this.move(name, cell));
          for (const p of this.N.predictFlat(name, images)) classes.push(argmax(p));
          this.sweepStatus.textContent = `Sweeping ${describe}: ${this.N.networks[name].label}, ${classes.length} of ${cells.length}…`;
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        results[name] = classes;
      }
      return results;
    }

    async sweepShifts(k) {
      const cells = [];
      for (let dy = -k; dy <= k; dy += 1) for (let dx = -k; dx <= k; dx += 1) cells.push({ dy, dx });
      const results = await this.sweep("shifts", cells, `shifts up to ${k} pixels (${this.state.mode === "zero" ? "zero-filled" : "circular"})`);
      if (!results) return;
      const side = 2 * k + 1;
      this.lastSweep = { kind: "shifts", range: k, mode: this.state.mode, cells, classes: results, consistency: {} };
      for (const name of this.N.architectures) {
        const consistency = this.N.consistency(results[name]);
        this.lastSweep.consistency[name] = consistency;
        const current = cells.findIndex((c) => c.dy === this.state.dy && c.dx === this.state.dx);
        this.drawSweep(name, results[name], side, side, current,
          `Shifts of ±${k} pixels, ${this.state.mode === "zero" ? "zero-filled" : "circular"}, zoom ${this.state.zoom.toFixed(2)}: rows dy = ${-k} to ${k}, columns dx = ${-k} to ${k}.`,
          consistency);
      }
      this.sweepStatus.textContent = `Swept ${cells.length} shifts for every network.`;
    }

    async sweepZooms() {
      const cells = ZOOMS.map((zoom) => ({ zoom }));
      const results = await this.sweep("zooms", cells, "zoom 0.5x to 2x");
      if (!results) return;
      this.lastSweep = { kind: "zooms", cells, classes: results, consistency: {} };
      for (const name of this.N.architectures) {
        const consistency = this.N.consistency(results[name]);
        this.lastSweep.consistency[name] = consistency;
        const current = ZOOMS.findIndex((z) => Math.abs(z - this.state.zoom) < 0.005);
        this.drawSweep(name, results[name], 1, ZOOMS.length, current,
          `Zoom ${ZOOMS[0]}x to ${ZOOMS[ZOOMS.length - 1]}x (${ZOOMS.map(String).join(", ")}), shifted by (${this.state.dy}, ${this.state.dx}).`,
          consistency);
      }
      this.sweepStatus.textContent = `Swept ${cells.length} zoom factors for every network.`;
    }

    drawSweep(name, classes, rows, cols, current, caption, consistency) {
      const card = this.cards[name];
      const cell = rows === 1 ? 22 : Math.max(8, Math.min(22, Math.floor(220 / cols)));
      const canvas = el("canvas", { className: "cnn101-nw-sweepmap", width: String(cols * cell), height: String(rows * cell), role: "img" });
      const ctx = canvas.getContext("2d");
      const truth = this.state.truth;
      ctx.font = `${Math.max(7, cell - 8)}px sans-serif`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      classes.forEach((c, i) => {
        const x = (i % cols) * cell, y = Math.floor(i / cols) * cell;
        ctx.fillStyle = CLASS_COLOURS[c];
        ctx.fillRect(x, y, cell, cell);
        if (cell >= 12) {
          ctx.fillStyle = DARK_TEXT.has(c) ? "#000" : "#fff";
          ctx.fillText(String(c), x + cell / 2, y + cell / 2 + 1);
        }
        if (c === truth) {
          ctx.strokeStyle = DARK_TEXT.has(c) ? "#000" : "#fff";
          ctx.lineWidth = 1;
          ctx.beginPath();
          ctx.arc(x + cell / 2, y + cell / 2, cell / 2 - 1.5, 0, 2 * Math.PI);
          ctx.stroke();
        }
        if (i === current) { // black and white, visible on every class colour
          ctx.lineWidth = 2;
          ctx.strokeStyle = "#000";
          ctx.strokeRect(x + 1, y + 1, cell - 2, cell - 2);
          ctx.strokeStyle = "#fff";
          ctx.strokeRect(x + 3, y + 3, cell - 6, cell - 6);
        }
      });
      const counts = {};
      for (const c of classes) counts[c] = (counts[c] || 0) + 1;
      const right = truth === null ? null : (counts[truth] || 0) / classes.length;
      const summary = `consistency ${consistency.toFixed(3)}` + (right === null ? "" : `, true class in ${(100 * right).toFixed(0)} % of cells`);
      canvas.setAttribute("aria-label", `${caption} Predicted classes: ${Object.entries(counts).map(([c, n]) => `${c}: ${n} cells`).join(", ")}; ${summary}.`);
      card.sweep.replaceChildren(
        el("figure", {}, [canvas, el("figcaption", { text: `${caption} ${summary}.` })])
      );
    }
  }

  function start() {
    const roots = document.querySelectorAll(".cnn101-networks");
    const N = window.cnn101Network;
    if (!N || N.error || !N.architectures) {
      for (const root of roots) {
        root.textContent = (N && N.error) || "The networks could not be loaded: this page needs JavaScript and its scripts (assets/javascripts/networks.js).";
        root.classList.add("cnn101-nw-failed");
      }
      return;
    }
    const widgets = [];
    for (const root of roots) {
      try {
        widgets.push(new Widget(root));
      } catch (error) {
        root.textContent = `The networks could not run in this browser (${error.message}).`;
        root.classList.add("cnn101-nw-failed");
      }
    }
    N.widgets = widgets;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
