// Widgets of the static HTML book: draw states that the build precomputed in Python.
//
// Each <div class="nnw"> holds native controls, a canvas, a readout and its data: a deflated,
// base64-encoded JSON document written by nnlib/widgets/static.py. A state is a background
// image plus a display list of primitives in canvas pixels (paths, markers, images, glyph
// text); this script only looks states up and paints them. It computes nothing about the model.
// No dependencies; works from file:// and from any static server.
(function () {
  "use strict";

  var FORMAT_VERSION = 2;

  // --- decoding ---------------------------------------------------------------------------

  function base64Bytes(text) {
    var binary = atob(text.replace(/\s+/g, ""));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function inflate(bytes) {
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot decompress (no DecompressionStream)"));
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text();
  }

  function decode(text) {
    return inflate(base64Bytes(text)).then(JSON.parse);
  }

  // --- which state ------------------------------------------------------------------------

  // Row-major index of a setting: the last control varies fastest (as in static.plan).
  function stateIndex(controls, positions) {
    var index = 0;
    for (var k = 0; k < controls.length; k++) {
      index = index * controls[k].values.length + positions[k];
    }
    return index;
  }

  // Position of the presets' list among the controls (-1: none).
  function presetPosition(controls) {
    for (var k = 0; k < controls.length; k++) {
      if (controls[k].name === "configuration") return k;
    }
    return -1;
  }

  // The value and the text of control k at a setting. A control whose values depend on the
  // preset (by_preset) looks them up under the chosen preset.
  function valueOf(controls, positions, k) {
    var control = controls[k];
    if (control.by_preset) {
      return control.by_preset.values[positions[presetPosition(controls)]][positions[k]];
    }
    return control.values[positions[k]];
  }

  function textOf(controls, positions, k) {
    var control = controls[k];
    if (control.by_preset) {
      return control.by_preset.text[positions[presetPosition(controls)]][positions[k]];
    }
    return control.text[positions[k]];
  }

  // The arguments of the widget's compute function for a setting (presets expanded).
  function settingValues(data, positions) {
    var values = {};
    var name;
    for (name in data.fixed) values[name] = data.fixed[name];
    data.controls.forEach(function (control, k) {
      var value = valueOf(data.controls, positions, k);
      if (control.name === "configuration" && data.presets && data.presets[value]) {
        var preset = data.presets[value];
        for (name in preset) values[name] = preset[name];
      } else {
        values[control.name] = value;
      }
    });
    return values;
  }

  // --- painting ---------------------------------------------------------------------------

  function loadImage(src) {
    return new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () {
        resolve(image);
      };
      image.onerror = function () {
        reject(new Error("an image of the widget did not decode"));
      };
      image.src = "data:image/png;base64," + src;
    });
  }

  // Colour the grey pixels on ``ctx`` (w x h) through ``table``: index i is entry i's RGBA.
  function lookUp(ctx, w, h, table) {
    var pixels = ctx.getImageData(0, 0, w, h);
    var p = pixels.data;
    for (var i = 0; i < p.length; i += 4) {
      var j = 4 * p[i];
      p[i] = table[j];
      p[i + 1] = table[j + 1];
      p[i + 2] = table[j + 2];
      p[i + 3] = table[j + 3];
    }
    ctx.putImageData(pixels, 0, 0);
  }

  // An indexed image: a grey PNG of palette indices, coloured through the page's palette.
  function colourise(image, palette) {
    var canvas = document.createElement("canvas");
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(image, 0, 0);
    lookUp(ctx, canvas.width, canvas.height, palette);
    return canvas;
  }

  // A map: a grey image of colormap indices, upsampled bilinearly (the browser's smoothing,
  // as matplotlib's artist does it) to w x h pixels, then coloured by its 256-entry table.
  function mappedImage(image, lut, w, h) {
    var canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "low"; // bilinear
    ctx.drawImage(image, 0, 0, w, h);
    lookUp(ctx, w, h, lut);
    return canvas;
  }

  // Path data is in integers: tenths of a pixel (paths, clip paths, hatches, glyph outlines in
  // font units), hundredths of a pixel (marker shapes).
  var TENTHS = 0.1;
  var HUNDREDTHS = 0.01;

  function scaledPath(d, scale) {
    var path = new Path2D();
    path.addPath(new Path2D(d), new DOMMatrix([scale, 0, 0, scale, 0, 0]));
    return path;
  }

  function clip(ctx, prim, assets) {
    if (prim.clip) {
      ctx.beginPath();
      ctx.rect(prim.clip[0], prim.clip[1], prim.clip[2], prim.clip[3]);
      ctx.clip();
    }
    if (prim.clippath) ctx.clip(assets.path(prim.clippath, TENTHS));
  }

  function hatchPattern(ctx, hatch, cache) {
    var key = JSON.stringify(hatch);
    if (!cache[key]) {
      var tile = document.createElement("canvas");
      tile.width = tile.height = hatch.size;
      var t = tile.getContext("2d");
      t.strokeStyle = hatch.color;
      t.fillStyle = hatch.color;
      t.lineWidth = hatch.lw;
      var path = scaledPath(hatch.d, TENTHS);
      t.fill(path); // as Agg: the hatch path filled, then stroked
      t.stroke(path);
      cache[key] = ctx.createPattern(tile, "repeat");
    }
    return cache[key];
  }

  function strokeStyle(ctx, prim) {
    ctx.strokeStyle = prim.stroke;
    ctx.lineWidth = prim.lw;
    ctx.lineCap = prim.cap || "butt";
    ctx.lineJoin = prim.join || "miter";
    ctx.setLineDash(prim.dash || []);
    ctx.lineDashOffset = prim.dashoff || 0;
  }

  function paintPrim(ctx, prim, assets) {
    ctx.save();
    clip(ctx, prim, assets);
    var path;
    if (prim.k === "path") {
      path = assets.path(prim.d, TENTHS);
      if (prim.fill) {
        ctx.fillStyle = prim.fill;
        ctx.fill(path);
      }
      if (prim.hatch) {
        ctx.fillStyle = hatchPattern(ctx, prim.hatch, assets.patterns);
        ctx.fill(path);
      }
      if (prim.stroke) {
        strokeStyle(ctx, prim);
        ctx.stroke(path);
      }
    } else if (prim.k === "marks") {
      path = assets.path(prim.d, HUNDREDTHS);
      if (prim.fill) ctx.fillStyle = prim.fill;
      if (prim.stroke) strokeStyle(ctx, prim);
      for (var i = 0; i < prim.xy.length; i += 2) {
        ctx.save();
        ctx.translate(prim.xy[i], prim.xy[i + 1]);
        if (prim.fill) ctx.fill(path);
        if (prim.stroke) ctx.stroke(path);
        ctx.restore();
      }
    } else if (prim.k === "img") {
      var image = assets.image(prim.src);
      if (prim.m) {
        ctx.imageSmoothingEnabled = false;
        ctx.transform(prim.m[0], prim.m[1], prim.m[2], prim.m[3], prim.m[4], prim.m[5]);
        ctx.drawImage(image, 0, 0);
      } else {
        ctx.drawImage(image, prim.x, prim.y);
      }
    } else if (prim.k === "map") {
      ctx.drawImage(assets.map(prim), prim.x, prim.y);
    } else if (prim.k === "text") {
      ctx.translate(prim.at[0], prim.at[1]);
      if (prim.rot) ctx.rotate((-prim.rot * Math.PI) / 180);
      ctx.scale(prim.size, -prim.size);
      ctx.fillStyle = prim.fill;
      var g = prim.g;
      var step = prim.gs ? 4 : 3; // [glyph, x, y] or [glyph, x, y, scale] (mathtext)
      for (var n = 0; n < g.length; n += step) {
        ctx.save();
        ctx.translate(g[n + 1], g[n + 2]);
        if (step === 4) ctx.scale(g[n + 3], g[n + 3]);
        ctx.fill(assets.glyph(g[n]));
        ctx.restore();
      }
      (prim.rects || []).forEach(function (d) {
        ctx.fill(assets.path(d, TENTHS));
      });
    }
    ctx.restore();
  }

  // --- one widget -------------------------------------------------------------------------

  function Widget(root, data) {
    this.root = root;
    this.data = data;
    this.canvas = root.querySelector("canvas.nnw-canvas");
    this.readout = root.querySelector(".nnw-readout");
    this.inputs = data.controls.map(function (control) {
      return root.querySelector('[data-nnw-control="' + control.name + '"]');
    });
    this.positions = data.controls.map(function (control) {
      return control.start;
    });
    this.token = 0;
    this.index = -1;
    this._images = {};
    this._paths = {};
    this._glyphs = {};
    this._maps = {};
    this._lastMaps = {};
    this._luts = {};
    this.patterns = {};
    var self = this;
    this.inputs.forEach(function (input, k) {
      var handler = function () {
        self.move(k, Number(input.value));
        self.draw();
      };
      input.addEventListener("input", handler);
      input.addEventListener("change", handler);
      input.disabled = false;
    });
  }

  // Set control k to position i, and the controls it moves along (data.controls[k].jumps).
  Widget.prototype.move = function (k, i) {
    var self = this;
    this.positions[k] = i;
    this.inputs[k].value = String(i);
    this.showValue(k);
    var jumps = this.data.controls[k].jumps;
    if (jumps) {
      jumps[i].forEach(function (jump) {
        self.positions[jump[0]] = jump[1];
        self.inputs[jump[0]].value = String(jump[1]);
        self.showValue(jump[0]);
      });
    }
    if (this.data.controls[k].name === "configuration") {
      // Controls whose values depend on the preset keep their position and show its value.
      this.data.controls.forEach(function (control, j) {
        if (control.by_preset) self.showValue(j);
      });
    }
  };

  Widget.prototype.values = function () {
    return settingValues(this.data, this.positions);
  };

  Widget.prototype.showValue = function (k) {
    var control = this.data.controls[k];
    var text = textOf(this.data.controls, this.positions, k);
    var input = this.inputs[k];
    if (control.kind === "range") {
      input.setAttribute("aria-valuetext", text);
      var output = this.root.querySelector('output[data-nnw-for="' + control.name + '"]');
      if (output) output.textContent = text;
    }
  };

  Widget.prototype.path = function (d, scale) {
    var key = scale + ":" + d;
    if (!this._paths[key]) this._paths[key] = scaledPath(d, scale);
    return this._paths[key];
  };

  Widget.prototype.glyph = function (id) {
    if (!this._glyphs[id]) this._glyphs[id] = scaledPath(this.data.glyphs[id], TENTHS);
    return this._glyphs[id];
  };

  // The coloured, upsampled canvas of a map primitive. Those of the state last drawn are kept
  // for the next (most maps stay as they were), no more.
  Widget.prototype.map = function (prim, image) {
    var key = prim.src + ":" + prim.lut + ":" + prim.w + "x" + prim.h;
    if (!this._maps[key]) {
      if (!this._luts[prim.lut]) this._luts[prim.lut] = base64Bytes(this.data.luts[prim.lut]);
      this._maps[key] =
        this._lastMaps[key] || mappedImage(image, this._luts[prim.lut], prim.w, prim.h);
    }
    return this._maps[key];
  };

  // Promise of a drawable for image ``id``.
  Widget.prototype.loadImage = function (id) {
    var self = this;
    if (!this._images[id]) {
      var entry = this.data.images[id];
      this._images[id] = loadImage(entry.p).then(function (image) {
        return entry.i ? colourise(image, self.data.palette) : image;
      });
    }
    return this._images[id];
  };

  Widget.prototype.draw = function () {
    var self = this;
    var token = ++this.token;
    var index = stateIndex(this.data.controls, this.positions);
    var state = this.data.states[index];
    var prims = state[2].map(function (id) {
      return self.data.prims[id];
    });
    // A background is an image with patches pasted on: [image, [[patch, x, y], ...]].
    var background = this.data.backgrounds[state[0]];
    var ids = [background[0]];
    background[1].forEach(function (patch) {
      ids.push(patch[0]);
    });
    prims.forEach(function (prim) {
      if (prim.k === "img" || prim.k === "map") ids.push(prim.src);
    });
    return Promise.all(ids.map(this.loadImage, this)).then(function (loaded) {
      if (token !== self.token) return; // a later move won
      var images = {};
      ids.forEach(function (id, n) {
        images[id] = loaded[n];
      });
      self._lastMaps = self._maps;
      self._maps = {};
      var ctx = self.canvas.getContext("2d");
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, self.canvas.width, self.canvas.height);
      ctx.drawImage(images[background[0]], 0, 0);
      background[1].forEach(function (patch) {
        ctx.drawImage(images[patch[0]], patch[1], patch[2]);
      });
      var assets = {
        path: self.path.bind(self),
        glyph: self.glyph.bind(self),
        image: function (id) {
          return images[id];
        },
        map: function (prim) {
          return self.map(prim, images[prim.src]);
        },
        patterns: self.patterns,
      };
      prims.forEach(function (prim) {
        paintPrim(ctx, prim, assets);
      });
      var text = self.data.texts[state[1]];
      self.readout.textContent = text;
      self.canvas.setAttribute("aria-label", text);
      self.index = index;
      self.root.setAttribute("data-nnw-state", String(index));
      self.root.classList.add("nnw-live");
    });
  };

  // --- start every widget on the page -----------------------------------------------------

  function start(root) {
    var script = root.querySelector("script.nnw-data");
    return decode(script.textContent).then(function (data) {
      if (data.version !== FORMAT_VERSION) {
        throw new Error("widget data has format " + data.version + ", expected " + FORMAT_VERSION);
      }
      var widget = new Widget(root, data);
      root.nnw = widget;
      return widget.draw().then(function () {
        return widget;
      });
    });
  }

  function startAll() {
    var roots = Array.prototype.slice.call(document.querySelectorAll("div.nnw"));
    var started = roots.map(function (root) {
      return start(root).catch(function (error) {
        root.classList.add("nnw-failed");
        var message = root.querySelector(".nnw-status");
        if (message) message.textContent = "This figure could not start: " + error.message;
        throw error;
      });
    });
    return Promise.all(started);
  }

  var api = {
    FORMAT_VERSION: FORMAT_VERSION,
    stateIndex: stateIndex,
    settingValues: settingValues,
    valueOf: valueOf,
    textOf: textOf,
    decode: decode,
    paintPrim: paintPrim,
    colourise: colourise,
    mappedImage: mappedImage,
    Widget: Widget,
    start: start,
  };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api; // for the unit tests (node --test)
  } else {
    window.nnwidgets = api;
    api.ready = new Promise(function (resolve) {
      var go = function () {
        resolve(startAll());
      };
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
      else go();
    });
  }
})();
