// Unit tests of _ext/static/nnwidgets.js, run with `node --test tests/js/` (no dependencies;
// tests/test_nnwidgets_js.py runs them under pytest). The browser has Path2D, DOMMatrix,
// canvases and images; here they are small fakes that record what the painter asks for.
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");
const zlib = require("node:zlib");

// --- fakes of the few browser objects the painter uses ------------------------------------

class FakePath2D {
  constructor(d) {
    this.d = d || "";
    this.added = [];
  }
  addPath(other, matrix) {
    this.added.push({ d: other.d, matrix: matrix.values });
  }
}

class FakeDOMMatrix {
  constructor(values) {
    this.values = values;
  }
}

// A 2-D context that records every call and every style assignment, in order.
function fakeContext() {
  const calls = [];
  const state = {};
  const record =
    (name) =>
    (...args) =>
      calls.push([name, ...args]);
  const ctx = new Proxy(state, {
    get(target, key) {
      if (key === "calls") return calls;
      if (key in target) return target[key];
      return record(key);
    },
    set(target, key, value) {
      calls.push(["set " + String(key), value]);
      target[key] = value;
      return true;
    },
  });
  return ctx;
}

global.Path2D = FakePath2D;
global.DOMMatrix = FakeDOMMatrix;

const nnw = require(path.join(__dirname, "..", "..", "_ext", "static", "nnwidgets.js"));

function names(calls) {
  return calls.map((call) => call[0]);
}

// --- decoding and indexing ----------------------------------------------------------------

test("decode inverts base64(zlib(JSON)), as nnlib/widgets/static.py writes it", async () => {
  const data = { version: 2, texts: ["loss = 0.6931", "θ₁ → ŷ"], states: [[0, 1, [2, 3]]] };
  const blob = zlib.deflateSync(Buffer.from(JSON.stringify(data))).toString("base64");
  assert.deepEqual(await nnw.decode(blob), data);
  assert.deepEqual(await nnw.decode(blob.slice(0, 10) + "\n  " + blob.slice(10)), data);
});

test("stateIndex is row-major: the last control varies fastest", () => {
  const controls = [{ values: [0, 1] }, { values: ["a", "b", "c"] }, { values: [1, 2, 3, 4] }];
  assert.equal(nnw.stateIndex(controls, [0, 0, 0]), 0);
  assert.equal(nnw.stateIndex(controls, [0, 0, 3]), 3);
  assert.equal(nnw.stateIndex(controls, [0, 1, 0]), 4);
  assert.equal(nnw.stateIndex(controls, [1, 2, 3]), 23); // 1*12 + 2*4 + 3
});

test("settingValues expands presets over the fixed values, varied controls on top", () => {
  const data = {
    fixed: { t1: 0, t2: 1 },
    presets: { zeros: { x1: 0, x2: 0 }, seed: { x1: 0.7, x2: -1.5 } },
    controls: [
      { name: "configuration", values: ["zeros", "seed"] },
      { name: "loss", values: ["mse", "binary_crossentropy"] },
    ],
  };
  assert.deepEqual(nnw.settingValues(data, [1, 0]), {
    t1: 0,
    t2: 1,
    x1: 0.7,
    x2: -1.5,
    loss: "mse",
  });
  assert.deepEqual(nnw.settingValues({ ...data, presets: {} }, [0, 1]).configuration, "zeros");
});

test("a control whose values depend on the preset reads them under the chosen preset", () => {
  const controls = [
    { name: "configuration", values: ["short", "long"] },
    {
      name: "epoch",
      values: [0, 5, 30],
      text: ["0", "5", "30"],
      by_preset: { values: [[0, 5, 30], [0, 50, 200]], text: [["0", "5", "30"], ["0", "50", "200"]] },
    },
  ];
  const data = { fixed: {}, presets: { short: { run: "s" }, long: { run: "l" } }, controls };
  assert.equal(nnw.valueOf(controls, [1, 2], 1), 200);
  assert.equal(nnw.textOf(controls, [0, 1], 1), "5");
  assert.deepEqual(nnw.settingValues(data, [1, 1]), { run: "l", epoch: 50 });
  assert.equal(nnw.stateIndex(controls, [1, 1]), 4); // still row-major over positions
});

// --- painting one primitive ---------------------------------------------------------------

function assets() {
  const paths = [];
  return {
    paths,
    path: (d, scale) => {
      paths.push([d, scale]);
      return { d, scale };
    },
    glyph: (id) => ({ glyph: id }),
    image: (id) => ({ image: id }),
    patterns: {},
  };
}

test("a path is clipped, filled, then stroked with its width, caps, joins and dashes", () => {
  const ctx = fakeContext();
  const a = assets();
  nnw.paintPrim(
    ctx,
    {
      k: "path",
      d: "M0 0l10 0",
      fill: "#0072b2",
      stroke: "rgba(0,0,0,0.5)",
      lw: 2.5,
      dash: [4, 2],
      cap: "round",
      join: "bevel",
      clip: [1, 2, 30, 40],
    },
    a,
  );
  assert.deepEqual(a.paths, [["M0 0l10 0", 0.1]]); // tenths of a pixel
  const calls = ctx.calls;
  assert.deepEqual(names(calls).slice(0, 4), ["save", "beginPath", "rect", "clip"]);
  assert.deepEqual(calls[2], ["rect", 1, 2, 30, 40]);
  const fill = names(calls).indexOf("fill");
  const stroke = names(calls).indexOf("stroke");
  assert.ok(fill > 0 && stroke > fill, "fill before stroke");
  assert.ok(calls.some((c) => c[0] === "set lineWidth" && c[1] === 2.5));
  assert.ok(calls.some((c) => c[0] === "set lineCap" && c[1] === "round"));
  assert.ok(calls.some((c) => c[0] === "set lineJoin" && c[1] === "bevel"));
  assert.ok(calls.some((c) => c[0] === "setLineDash" && c[1].join() === "4,2"));
  assert.ok(calls.some((c) => c[0] === "set strokeStyle" && c[1] === "rgba(0,0,0,0.5)"));
  assert.equal(names(calls).at(-1), "restore");
});

test("a stroke-only path is not filled", () => {
  const ctx = fakeContext();
  nnw.paintPrim(ctx, { k: "path", d: "M0 0l1 1", stroke: "#000000", lw: 1 }, assets());
  assert.ok(!names(ctx.calls).includes("fill"));
  assert.ok(names(ctx.calls).includes("stroke"));
});

test("markers are one shape drawn at every offset", () => {
  const ctx = fakeContext();
  const a = assets();
  nnw.paintPrim(ctx, { k: "marks", d: "M-300 0l600 0", fill: "#e69f00", xy: [10, 20, 30, 40, 50, 60] }, a);
  assert.deepEqual(a.paths, [["M-300 0l600 0", 0.01]]); // hundredths of a pixel
  const moves = ctx.calls.filter((c) => c[0] === "translate");
  assert.deepEqual(moves, [
    ["translate", 10, 20],
    ["translate", 30, 40],
    ["translate", 50, 60],
  ]);
  assert.equal(ctx.calls.filter((c) => c[0] === "fill").length, 3);
});

test("text is glyph outlines placed, scaled and flipped where matplotlib laid them out", () => {
  const ctx = fakeContext();
  nnw.paintPrim(
    ctx,
    { k: "text", g: [3, 0, 0, 5, 612.5, 0], at: [40, 12.5], size: 0.1333, fill: "#000000", rot: 90 },
    assets(),
  );
  const calls = ctx.calls;
  assert.deepEqual(calls.find((c) => c[0] === "translate"), ["translate", 40, 12.5]);
  assert.deepEqual(calls.find((c) => c[0] === "rotate"), ["rotate", -Math.PI / 2]);
  assert.deepEqual(calls.find((c) => c[0] === "scale"), ["scale", 0.1333, -0.1333]);
  const filled = calls.filter((c) => c[0] === "fill").map((c) => c[1].glyph);
  assert.deepEqual(filled, [3, 5]);
  const placed = calls.filter((c) => c[0] === "translate").slice(1);
  assert.deepEqual(placed, [
    ["translate", 0, 0],
    ["translate", 612.5, 0],
  ]);
});

test("an unsampled image is drawn through its matrix without smoothing", () => {
  const ctx = fakeContext();
  nnw.paintPrim(ctx, { k: "img", src: 7, m: [6, 0, 0, -3.5, 42, 226] }, assets());
  const calls = ctx.calls;
  assert.ok(calls.some((c) => c[0] === "set imageSmoothingEnabled" && c[1] === false));
  assert.deepEqual(calls.find((c) => c[0] === "transform"), ["transform", 6, 0, 0, -3.5, 42, 226]);
  assert.deepEqual(calls.find((c) => c[0] === "drawImage"), ["drawImage", { image: 7 }, 0, 0]);
});

test("a resampled image is drawn at its place", () => {
  const ctx = fakeContext();
  nnw.paintPrim(ctx, { k: "img", src: 2, x: 12, y: 34 }, assets());
  assert.deepEqual(ctx.calls.find((c) => c[0] === "drawImage"), ["drawImage", { image: 2 }, 12, 34]);
});

test("colourise maps a grey image of palette indices to the palette's RGBA", () => {
  const pixels = { data: new Uint8ClampedArray([0, 0, 0, 255, 2, 2, 2, 255]) };
  const canvas = {
    width: 0,
    height: 0,
    getContext: () => ({
      drawImage: () => {},
      getImageData: () => pixels,
      putImageData: (p) => (canvas.put = p),
    }),
  };
  global.document = { createElement: () => canvas };
  const palette = [10, 20, 30, 40, 0, 0, 0, 0, 200, 100, 50, 128];
  nnw.colourise({ naturalWidth: 2, naturalHeight: 1 }, palette);
  assert.deepEqual(Array.from(canvas.put.data), [10, 20, 30, 40, 200, 100, 50, 128]);
  delete global.document;
});

test("a map is upsampled with smoothing, coloured through its table and drawn at its place", () => {
  const drawn = [];
  const pixels = { data: new Uint8ClampedArray([0, 0, 0, 255, 1, 1, 1, 255]) };
  const offscreen = fakeContext();
  offscreen.getImageData = (...args) => (drawn.push(["getImageData", ...args]), pixels);
  offscreen.putImageData = (p) => drawn.push(["putImageData", Array.from(p.data)]);
  const canvas = { width: 0, height: 0, getContext: () => offscreen };
  global.document = { createElement: () => canvas };
  const lut = new Uint8Array(1024);
  lut.set([10, 20, 30, 255, 200, 100, 50, 128]);
  const made = nnw.mappedImage({ image: "indices" }, lut, 2, 1);
  assert.equal(made, canvas);
  assert.equal(canvas.width, 2);
  assert.equal(canvas.height, 1);
  assert.equal(offscreen.imageSmoothingEnabled, true);
  assert.deepEqual(
    offscreen.calls.find((c) => c[0] === "drawImage"),
    ["drawImage", { image: "indices" }, 0, 0, 2, 1],
  );
  assert.deepEqual(drawn[1], ["putImageData", [10, 20, 30, 255, 200, 100, 50, 128]]);
  delete global.document;
  const ctx = fakeContext();
  const prim = { k: "map", src: 3, lut: 0, x: 40, y: 50, w: 2, h: 1, clip: [0, 0, 100, 100] };
  nnw.paintPrim(ctx, prim, { ...assets(), map: (p) => ({ map: p.src }) });
  assert.deepEqual(names(ctx.calls).slice(0, 4), ["save", "beginPath", "rect", "clip"]);
  assert.deepEqual(ctx.calls.find((c) => c[0] === "drawImage"), ["drawImage", { map: 3 }, 40, 50]);
});

// --- a whole widget ----------------------------------------------------------------------

function fakeWidget() {
  const element = (tag) => {
    const el = {
      tag,
      value: "0",
      disabled: true,
      attributes: {},
      listeners: {},
      textContent: "",
      classList: { add: (c) => (el.classes = [...(el.classes || []), c]) },
      setAttribute: (k, v) => (el.attributes[k] = v),
      addEventListener: (type, fn) => (el.listeners[type] = fn),
    };
    return el;
  };
  const ctx = fakeContext();
  const canvas = { ...element("canvas"), width: 10, height: 10, getContext: () => ctx };
  const readout = element("p");
  const inputs = { weight: element("select"), value: element("input") };
  const outputs = { value: element("output") };
  const root = {
    ...element("div"),
    querySelector(selector) {
      if (selector === "canvas.nnw-canvas") return canvas;
      if (selector === ".nnw-readout") return readout;
      let m = selector.match(/data-nnw-control="(\w+)"/);
      if (m) return inputs[m[1]];
      m = selector.match(/data-nnw-for="(\w+)"/);
      if (m) return outputs[m[1]];
      return null;
    },
  };
  const data = {
    version: 2,
    fixed: {},
    presets: {},
    controls: [
      {
        name: "weight",
        kind: "select",
        values: ["a", "b"],
        text: ["a", "b"],
        start: 0,
        jumps: [[[1, 0]], [[1, 2]]], // picking b moves the value slider to position 2
      },
      { name: "value", kind: "range", values: [-1, 0, 1], text: ["-1.00", "0.00", "1.00"], start: 1 },
    ],
    images: [{ p: "" }],
    palette: [],
    backgrounds: [[0, []]],
    glyphs: [],
    prims: [{ k: "path", d: "M0 0l1 1", stroke: "#000000", lw: 1 }],
    texts: ["a=-1", "a=0", "a=1", "b=-1", "b=0", "b=1"],
    states: [0, 1, 2, 3, 4, 5].map((i) => [0, i, [0]]),
  };
  const widget = new nnw.Widget(root, data);
  widget.loadImage = () => Promise.resolve({ image: "background" });
  return { widget, root, inputs, outputs, readout, canvas, ctx };
}

test("a widget enables its controls and draws the state of their setting", async () => {
  const { widget, root, inputs, readout, canvas } = fakeWidget();
  assert.equal(inputs.weight.disabled, false);
  assert.equal(inputs.value.disabled, false);
  await widget.draw();
  assert.equal(readout.textContent, "a=0");
  assert.equal(canvas.attributes["aria-label"], "a=0");
  assert.equal(root.attributes["data-nnw-state"], "1");
  inputs.value.value = "2";
  inputs.value.listeners.input();
  await widget.draw();
  assert.equal(readout.textContent, "a=1");
  assert.deepEqual(widget.values(), { weight: "a", value: 1 });
});

test("moving a control with jumps moves the others, with their value text", async () => {
  const { widget, inputs, outputs, readout } = fakeWidget();
  widget.move(0, 1);
  assert.deepEqual(widget.positions, [1, 2]);
  assert.equal(inputs.value.value, "2");
  assert.equal(inputs.value.attributes["aria-valuetext"], "1.00");
  assert.equal(outputs.value.textContent, "1.00");
  await widget.draw();
  assert.equal(readout.textContent, "b=1");
});

test("picking another preset keeps a per-preset slider's position and shows its value", async () => {
  const { widget, inputs, outputs } = fakeWidget();
  widget.data.controls[0].name = "configuration";
  delete widget.data.controls[0].jumps;
  widget.data.presets = { a: {}, b: {} };
  widget.data.controls[1].by_preset = {
    values: [[-1, 0, 1], [-10, 0, 10]],
    text: [["-1", "0", "1"], ["-10", "0", "10"]],
  };
  widget.move(1, 2);
  assert.equal(outputs.value.textContent, "1");
  widget.move(0, 1);
  assert.deepEqual(widget.positions, [1, 2]);
  assert.equal(inputs.value.attributes["aria-valuetext"], "10");
  assert.equal(outputs.value.textContent, "10");
  assert.deepEqual(widget.values(), { value: 10 });
});

test("only the latest of overlapping draws paints, even when an earlier one finishes last", async () => {
  const { widget, readout } = fakeWidget();
  const pending = [];
  widget.loadImage = () => new Promise((resolve) => pending.push(resolve));
  widget.move(1, 0);
  const first = widget.draw(); // waits for pending[0]
  widget.move(1, 2);
  const second = widget.draw(); // waits for pending[1]
  pending[1]({ image: "background" });
  await second;
  assert.equal(readout.textContent, "a=1");
  pending[0]({ image: "background" }); // the stale draw finishes last...
  await first;
  assert.equal(readout.textContent, "a=1"); // ...and paints nothing
});
