// The trained networks of tutorials 2 and 3, run in the browser with TensorFlow.js.
//
// docs_hooks/networks.py exports each Keras model as a list of steps with their weights
// (window.CNN101_NETWORKS_DATA, float32); this file runs those steps with TensorFlow.js
// operations, the same computations as the package's Keras layers:
//   conv2d, max_pool, avg_pool        keras.layers.Conv2D, MaxPooling2D, AveragePooling2D
//   max_blur_pool                     cnn101.layers.blur_pool.MaxBlurPool2D
//   circular_pad, aps                 cnn101.layers.polyphase.CircularPad2D,
//                                     AdaptivePolyphaseSampling2D
//   scale_channels                    cnn101.layers.scale_channels.ScaleChannels (the
//                                     bilinear resizes as matrices measured from Keras)
//   global_avg, global_max, flatten, dense
// It publishes window.cnn101Network: `architectures`, `predict(name, image)` (the class
// probabilities the page shows), `run` (with the feature maps), `predictBatch` and
// `place` (a digit moved and zoomed on a network's canvas).
(function () {
  "use strict";

  const DATA = window.CNN101_NETWORKS_DATA;
  if (!DATA || typeof tf === "undefined") {
    window.cnn101Network = { error: "The network data or TensorFlow.js did not load." };
    return;
  }

  function bytes(base64) {
    const text = atob(base64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i += 1) out[i] = text.charCodeAt(i);
    return out;
  }

  function littleEndianFloats(buffer) {
    const view = new DataView(buffer);
    const out = new Float32Array(buffer.byteLength / 4);
    for (let i = 0; i < out.length; i += 1) out[i] = view.getFloat32(4 * i, true);
    return out;
  }

  const WEIGHTS = littleEndianFloats(bytes(DATA.weights).buffer);
  const product = (shape) => shape.reduce((a, b) => a * b, 1);

  function weight(ref) {
    const [offset, shape] = ref;
    return tf.keep(tf.tensor(WEIGHTS.slice(offset, offset + product(shape)), shape, "float32"));
  }

  // Weights become tensors once, on first use, per step.
  function prepare(steps) {
    for (const step of steps) {
      for (const key of ["kernel", "bias", "filter"]) {
        if (step[key]) step[key + "Tensor"] = weight(step[key]);
      }
      if (step.bias) step.biasValues = WEIGHTS.slice(step.bias[0], step.bias[0] + product(step.bias[1]));
      if (step.type === "scale_channels") {
        for (const copy of step.copies) {
          if (copy.rows) {
            copy.rowsTensor = weight(copy.rows);
            copy.colsTensor = tf.keep(tf.transpose(weight(copy.cols)));
          }
        }
        prepare(step.trunk);
      }
    }
  }

  function activate(x, activation) {
    if (activation === "relu") return tf.relu(x);
    if (activation === "softmax") return tf.softmax(x);
    return x;
  }

  // x + bias over the last axis. TensorFlow.js's CPU backend adds a broadcast operand
  // element by element through index arithmetic, far slower than the convolution itself;
  // a (rows, 1) x (1, C) product makes the bias full-size, and same-shape adds are fast.
  function addBias(x, bias) {
    const c = bias.shape[0];
    const rows = x.size / c;
    const full = tf.matMul(tf.ones([rows, 1]), tf.reshape(bias, [1, c]));
    return tf.reshape(tf.add(tf.reshape(x, [rows, c]), full), x.shape);
  }

  function maxBlurPool(x, step) {
    const dense = tf.maxPool(x, step.pool, 1, "valid");
    const size = step.filter[1][0];
    const before = (size - 1) >> 1;
    const after = size - 1 - before;
    const pads = [[0, 0], [before, after], [before, after], [0, 0]];
    const padded = step.padding === "reflect" ? reflectPad(dense, before, after) : tf.pad(dense, pads);
    const channels = x.shape[3];
    step.kernels = step.kernels || {}; // the filter for each channel count, made once
    if (!step.kernels[channels]) {
      step.kernels[channels] = tf.keep(tf.tile(tf.reshape(step.filterTensor, [size, size, 1, 1]), [1, 1, channels, 1]));
    }
    const kernel = step.kernels[channels];
    if (step.pool[0] === step.pool[1]) return tf.depthwiseConv2d(padded, kernel, step.pool, "valid");
    const full = tf.depthwiseConv2d(padded, kernel, 1, "valid");
    return tf.stridedSlice(full, [0, 0, 0, 0], full.shape, [1, step.pool[0], step.pool[1], 1]);
  }

  // NumPy's "reflect" padding (the edge pixel not repeated) of H and W, as tf.mirrorPad
  // with "reflect" but from slices and one concatenation per axis (mirrorPad's CPU kernel
  // indexes element by element, several times slower).
  function reflectPad(x, before, after) {
    const along = (t, axis) => {
      const n = t.shape[axis];
      const edge = (start, size) => {
        const begin = [0, 0, 0, 0], extent = [-1, -1, -1, -1];
        begin[axis] = start; extent[axis] = size;
        return tf.reverse(tf.slice(t, begin, extent), axis);
      };
      const parts = [];
      if (before > 0) parts.push(edge(1, before));
      parts.push(t);
      if (after > 0) parts.push(edge(n - 1 - after, after));
      return parts.length === 1 ? t : tf.concat(parts, axis);
    };
    return along(along(x, 1), 2);
  }

  function circularPad(x, p) {
    if (p === 0) return x;
    const [, h, w] = x.shape;
    const rows = tf.concat([tf.slice(x, [0, h - p, 0, 0], [-1, p, -1, -1]), x, tf.slice(x, [0, 0, 0, 0], [-1, p, -1, -1])], 1);
    return tf.concat(
      [tf.slice(rows, [0, 0, w - p, 0], [-1, -1, p, -1]), rows, tf.slice(rows, [0, 0, 0, 0], [-1, -1, p, -1])],
      2
    );
  }

  // Adaptive polyphase sampling: per image, the polyphase component of largest norm (the
  // first of a tie, as tf.argmax), gathered.
  function aps(x, step) {
    const s = step.stride;
    const [n, h, w, c] = x.shape;
    // (N, H, W, C) -> (N, s*s, H/s, W/s, C): component i*s + j holds x[:, i::s, j::s]
    const split = tf.reshape(x, [n, h / s, s, w / s, s, c]);
    const stacked = tf.reshape(tf.transpose(split, [0, 2, 4, 1, 3, 5]), [n, s * s, h / s, w / s, c]);
    const size = step.norm === 1 ? tf.abs(stacked) : tf.square(stacked);
    const chosen = tf.argMax(tf.sum(size, [2, 3, 4]), 1);
    // image k's chosen component is row k * s * s + chosen[k] of the (N * s * s, ...) stack
    const rows = tf.add(chosen, tf.range(0, n * s * s, s * s, "int32"));
    return tf.gather(tf.reshape(stacked, [n * s * s, h / s, w / s, c]), rows, 0);
  }

  // resize(x) = rows @ x @ cols^T for every image of a one-channel batch (N, H, W, 1).
  function resize(x, copy) {
    const [n, h, w] = x.shape;
    const [oh, ow] = copy.size;
    if (n === 1) {
      const image = tf.reshape(x, [h, w]);
      return tf.reshape(tf.matMul(tf.matMul(copy.rowsTensor, image), copy.colsTensor), [1, oh, ow, 1]);
    }
    const columns = tf.reshape(tf.transpose(tf.reshape(x, [n, h, w]), [1, 0, 2]), [h, n * w]);
    const tall = tf.transpose(tf.reshape(tf.matMul(copy.rowsTensor, columns), [oh, n, w]), [1, 0, 2]);
    return tf.reshape(tf.matMul(tf.reshape(tall, [n * oh, w]), copy.colsTensor), [n, oh, ow, 1]);
  }

  // relu(x + bias) of a raw convolution output (H x W x C, flat), in plain JavaScript: the
  // float32 sum (Math.fround of the double sum of two float32 values is the float32 sum)
  // and the ReLU of tf.relu's CPU kernel (Math.max(0, x)).
  function biasRelu(raw, bias, activation) {
    const c = bias.length;
    const out = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i += c) {
      for (let k = 0; k < c; k += 1) {
        const v = Math.fround(raw[i + k] + bias[k]);
        out[i + k] = activation === "relu" ? Math.max(0, v) : v;
      }
    }
    return out;
  }

  // A recorded map whose values are read when first asked for (`data`): the page draws
  // only some of the maps, and a map recorded before its bias and ReLU gets them then.
  function recordedMap(name, tensor, bias, activation) {
    const shape = tensor.shape.slice(1);
    const values = tensor.dataSync(); // the backend's array, no copy
    let data = bias ? null : values;
    return {
      name,
      shape,
      get data() {
        if (data === null) data = biasRelu(values, bias, activation);
        return data;
      },
    };
  }

  // Max pooling after a convolution with ReLU (or none) can take the bias and the ReLU
  // after it, on a quarter of the values or fewer: x -> relu(x + b) is nondecreasing in x
  // (float32 rounding is too), so max(relu(x_i + b)) = relu(max(x_i) + b), exactly.
  const MAX_POOLS = new Set(["max_pool", "global_max"]);

  // Run `steps` on x (N, H, W, C). `record(name, tensor, bias, activation)` receives each
  // 4-D map worth showing (the convolutions' outputs, the scale channels' inputs); with
  // a `bias` the map still lacks it and its activation.
  function forward(steps, x, record, prefix) {
    let pending = null; // a convolution whose bias and ReLU wait for the max pooling
    for (let i = 0; i < steps.length; i += 1) {
      const step = steps[i];
      if (step.type === "conv2d") {
        const raw = tf.conv2d(x, step.kernelTensor, step.strides, step.padding);
        const next = steps[i + 1];
        if (next && MAX_POOLS.has(next.type) && step.activation !== "softmax") {
          pending = step;
          x = raw;
          if (record) record(prefix + step.name, raw, step.biasValues, step.activation);
        } else {
          x = activate(addBias(raw, step.biasTensor), step.activation);
          if (record) record(prefix + step.name, x);
        }
        continue;
      }
      if (step.type === "max_pool") {
        x = tf.maxPool(x, step.pool, step.strides, step.padding);
      } else if (step.type === "avg_pool") {
        x = tf.avgPool(x, step.pool, step.strides, step.padding);
      } else if (step.type === "max_blur_pool") {
        x = maxBlurPool(x, step);
      } else if (step.type === "circular_pad") {
        x = circularPad(x, step.padding);
      } else if (step.type === "aps") {
        x = aps(x, step);
      } else if (step.type === "global_avg") {
        x = tf.mean(x, [1, 2]);
      } else if (step.type === "global_max") {
        // a max pool over the whole map: tf.max over H and W would transpose first
        x = tf.reshape(tf.maxPool(x, [x.shape[1], x.shape[2]], 1, "valid"), [x.shape[0], x.shape[3]]);
      } else if (step.type === "flatten") {
        x = tf.reshape(x, [x.shape[0], -1]);
      } else if (step.type === "dense") {
        x = activate(tf.add(tf.matMul(x, step.kernelTensor), step.biasTensor), step.activation);
      } else if (step.type === "scale_channels") {
        const outputs = step.copies.map((copy) => {
          const input = copy.rowsTensor ? resize(x, copy) : x;
          const label = `${copy.scale}x `;
          if (record) record(label + "input", input);
          return forward(step.trunk, input, record, label);
        });
        const stacked = tf.stack(outputs, 1); // (N, channels, F)
        if (record) record("wins", tf.argMax(stacked, 1));
        x = step.pooling === "max" ? tf.max(stacked, 1) : tf.mean(stacked, 1);
      } else {
        throw new Error(`networks.js has no step "${step.type}"`);
      }
      if (pending) {
        x = activate(addBias(x, pending.biasTensor), pending.activation);
        pending = null;
      }
    }
    return x;
  }

  const NETWORKS = {};
  for (const network of DATA.networks) {
    prepare(network.steps);
    NETWORKS[network.name] = network;
  }
  const ARCHITECTURES = DATA.networks.map((n) => n.name);

  function describe(value) {
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    if (value === null) return "null";
    return `${typeof value} ${String(value).slice(0, 40)}`;
  }

  function network(name) {
    if (typeof name !== "string") {
      throw new TypeError(`name must be a string, one of ${ARCHITECTURES.join(", ")}. Received: ${describe(name)}`);
    }
    if (!NETWORKS[name]) {
      throw new RangeError(`name must be one of ${ARCHITECTURES.join(", ")}. Received: "${name}"`);
    }
    return NETWORKS[name];
  }

  // A 2-D image (rows of numbers, or a Float32Array of H * W) as a flat Float32Array.
  function flatImage(net, image, argument) {
    const [h, w] = net.input_shape;
    if (image instanceof Float32Array) {
      if (image.length !== h * w) {
        throw new RangeError(`${argument} must hold ${h} x ${w} values for "${net.name}". Received: ${image.length} values`);
      }
      return image;
    }
    if (!Array.isArray(image) || image.length !== h || !image.every((row) => (Array.isArray(row) || ArrayBuffer.isView(row)) && row.length === w)) {
      throw new RangeError(
        `${argument} must be a 2-D array of ${h} rows of ${w} numbers in [0, 1] (the input of "${net.name}"). Received: ${describe(image)}`
      );
    }
    const out = new Float32Array(h * w);
    for (let i = 0; i < h; i += 1) {
      for (let j = 0; j < w; j += 1) {
        const v = image[i][j];
        if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
          throw new RangeError(`${argument} must hold numbers in [0, 1]. Received: ${describe(v)} at row ${i}, column ${j}`);
        }
        out[i * w + j] = v;
      }
    }
    return out;
  }

  function probabilitiesOf(net, x, record) {
    const out = forward(net.steps, x, record, "");
    return net.output === "logits" ? tf.softmax(out) : out;
  }

  // The class probabilities of a batch of flat images (Float32Arrays): an array per image.
  function predictFlat(name, images) {
    const net = network(name);
    const [h, w] = net.input_shape;
    const batch = new Float32Array(images.length * h * w);
    images.forEach((image, i) => batch.set(image, i * h * w));
    const values = tf.tidy(() => probabilitiesOf(net, tf.tensor4d(batch, [images.length, h, w, 1])).dataSync());
    const out = [];
    for (let i = 0; i < images.length; i += 1) out.push(Array.from(values.slice(i * 10, i * 10 + 10)));
    return out;
  }

  function predict(name, image) {
    return predictFlat(name, [flatImage(network(name), image, "image")])[0];
  }

  function predictBatch(name, images) {
    const net = network(name);
    if (!Array.isArray(images)) throw new TypeError(`images must be an array of images. Received: ${describe(images)}`);
    return predictFlat(name, images.map((image, i) => flatImage(net, image, `images[${i}]`)));
  }

  // The probabilities and every recorded map of one image: {probabilities, maps, wins}.
  // A map's `data` (flat, H x W x C) is read when first asked for.
  function run(name, image) {
    const net = network(name);
    const [h, w] = net.input_shape;
    const flat = flatImage(net, image, "image");
    // the maps stay out of tf.tidy's result, which it would walk value by value
    const maps = [];
    let wins = null;
    const record = (label, tensor, bias, activation) => {
      if (label === "wins") wins = Array.from(tensor.dataSync());
      else maps.push(recordedMap(label, tensor, bias, activation));
    };
    const probabilities = tf.tidy(() => Array.from(probabilitiesOf(net, tf.tensor4d(flat, [1, h, w, 1]), record).dataSync()));
    return { probabilities, maps, wins };
  }

  // ---- moving and zooming a digit -------------------------------------------------------

  // The ink's bounding box of a 2-D image (H x W, flat): [top, left, height, width].
  function inkBox(image, h, w) {
    let top = h, left = w, bottom = -1, right = -1;
    for (let i = 0; i < h; i += 1) {
      for (let j = 0; j < w; j += 1) {
        if (image[i * w + j] > 0) {
          top = Math.min(top, i); bottom = Math.max(bottom, i);
          left = Math.min(left, j); right = Math.max(right, j);
        }
      }
    }
    return bottom < 0 ? null : [top, left, bottom - top + 1, right - left + 1];
  }

  // Resize a crop bilinearly (pixel centres, edges repeated), after a Gaussian blur of
  // sigma (1 / zoom - 1) / 2 when it shrinks: the steps of skimage.transform.resize with
  // order=1 and anti_aliasing, which cnn101.digits.place_digits calls.
  function resizeCrop(crop, h, w, oh, ow) {
    let src = crop;
    const sy = Math.max(0, (h / oh - 1) / 2);
    const sx = Math.max(0, (w / ow - 1) / 2);
    if (sy > 0 || sx > 0) src = gaussian(crop, h, w, sy, sx);
    const out = new Float32Array(oh * ow);
    const reflect = (k, n) => {
      if (n === 1) return 0;
      const period = 2 * n;
      k = ((k % period) + period) % period;
      return k < n ? k : period - 1 - k;
    };
    for (let i = 0; i < oh; i += 1) {
      const y = (i + 0.5) * (h / oh) - 0.5;
      const y0 = Math.floor(y), fy = y - y0;
      for (let j = 0; j < ow; j += 1) {
        const x = (j + 0.5) * (w / ow) - 0.5;
        const x0 = Math.floor(x), fx = x - x0;
        const at = (a, b) => src[reflect(a, h) * w + reflect(b, w)];
        const v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        out[i * ow + j] = Math.min(1, Math.max(0, v));
      }
    }
    return out;
  }

  function gaussian(image, h, w, sy, sx) {
    const kernel = (sigma) => {
      if (sigma <= 0) return [1];
      const radius = Math.floor(4 * sigma + 0.5);
      const k = [];
      let sum = 0;
      for (let t = -radius; t <= radius; t += 1) { const v = Math.exp(-0.5 * (t / sigma) ** 2); k.push(v); sum += v; }
      return k.map((v) => v / sum);
    };
    const mirror = (k, n) => {
      const period = 2 * n;
      k = ((k % period) + period) % period;
      return k < n ? k : period - 1 - k;
    };
    const pass = (input, kern, vertical) => {
      const out = new Float32Array(h * w);
      const r = (kern.length - 1) / 2;
      for (let i = 0; i < h; i += 1) {
        for (let j = 0; j < w; j += 1) {
          let v = 0;
          for (let t = -r; t <= r; t += 1) {
            v += kern[t + r] * (vertical ? input[mirror(i + t, h) * w + j] : input[i * w + mirror(j + t, w)]);
          }
          out[i * w + j] = v;
        }
      }
      return out;
    };
    return pass(pass(image, kernel(sy), true), kernel(sx), false);
  }

  // A digit (size x size, flat) zoomed about its ink's centre, centred on a canvas of
  // `canvas` = [H, W] and shifted by (dy, dx): "zero" fills with zeros what comes in
  // (cnn101.invariance.shift), "circular" wraps around (numpy.roll). Returns a flat
  // Float32Array of H * W.
  function place(digit, size, canvas, { zoom = 1, dy = 0, dx = 0, mode = "zero" } = {}) {
    const [H, W] = canvas;
    const centred = new Float32Array(H * W);
    const box = inkBox(digit, size, size);
    if (box) {
      const [top, left, bh, bw] = box;
      const crop = new Float32Array(bh * bw);
      for (let i = 0; i < bh; i += 1) for (let j = 0; j < bw; j += 1) crop[i * bw + j] = digit[(top + i) * size + left + j];
      const oh = Math.max(1, Math.round(zoom * bh)), ow = Math.max(1, Math.round(zoom * bw));
      const scaled = zoom === 1 ? crop : resizeCrop(crop, bh, bw, oh, ow);
      // where the unzoomed digit sits when its size x size frame is centred on the canvas
      const frameTop = Math.floor((H - size) / 2), frameLeft = Math.floor((W - size) / 2);
      const y0 = frameTop + top + Math.round((bh - oh) / 2), x0 = frameLeft + left + Math.round((bw - ow) / 2);
      for (let i = 0; i < oh; i += 1) {
        for (let j = 0; j < ow; j += 1) {
          const y = y0 + i, x = x0 + j;
          if (y >= 0 && y < H && x >= 0 && x < W) centred[y * W + x] = scaled[i * ow + j];
        }
      }
    }
    if (dy === 0 && dx === 0) return centred;
    const out = new Float32Array(H * W);
    for (let i = 0; i < H; i += 1) {
      for (let j = 0; j < W; j += 1) {
        let y = i - dy, x = j - dx;
        if (mode === "circular") { y = ((y % H) + H) % H; x = ((x % W) + W) % W; }
        else if (y < 0 || y >= H || x < 0 || x >= W) continue;
        out[i * W + j] = centred[y * W + x];
      }
    }
    return out;
  }

  // Zhang's consistency of one image over a set of shifts: sum over classes of
  // (share of shifts giving that class)^2, as cnn101.invariance.ShiftedPredictions.
  function consistency(classes) {
    const counts = new Map();
    for (const c of classes) counts.set(c, (counts.get(c) || 0) + 1);
    let total = 0;
    for (const n of counts.values()) total += (n / classes.length) ** 2;
    return total;
  }

  const digitCodes = bytes(DATA.digits.data);
  const [count, size] = DATA.digits.shape;
  const digits = [];
  for (let k = 0; k < count; k += 1) {
    const image = new Float32Array(size * size);
    for (let i = 0; i < size * size; i += 1) image[i] = Math.fround(digitCodes[k * size * size + i] / 255);
    digits.push({ image, label: DATA.digits.labels[k] });
  }

  window.cnn101Network = {
    architectures: ARCHITECTURES.slice(),
    networks: Object.fromEntries(DATA.networks.map((n) => [n.name, {
      label: n.label, input_shape: n.input_shape.slice(), tutorial: n.tutorial, recipe: n.recipe,
      test_accuracy: n.test_accuracy, file: n.file, output: n.output,
    }])),
    digits,
    digitSize: size,
    backend: () => tf.getBackend(),
    predict,
    predictBatch,
    predictFlat,
    run,
    place,
    consistency,
  };
})();
