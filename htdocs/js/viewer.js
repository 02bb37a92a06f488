/*
 * viewer.js: the image with its detection boxes as an SVG overlay, zoom and pan.
 *
 * The overlay's viewBox is the image's pixel size, so boxes from the JSON (original-image
 * pixels) are placed exactly and stay crisp at any zoom.  Only the boxes that pass the current
 * filter are in the DOM: what is drawn is what is counted.  Zoom and pan are one CSS transform on
 * the stage (set through the CSSOM, which a strict CSP allows), driven by pointer events so that
 * mouse, pen and touch (pinch) share one code path.
 *
 * The result's field of view (a circle or a rectangle, also in original-image pixels) is drawn
 * under the boxes.  Everything is placed in the JSON's image.width x image.height system, never
 * in the base image's own pixels, so a plain.jpg the server rendered smaller still lines up.
 */
var SVGNS = 'http://www.w3.org/2000/svg';
var MAX_SCALE = 8;

function Viewer(root, onInfo) {
  this.root = root;
  this.viewport = root.querySelector('.viewport');
  this.stage = root.querySelector('.stage');
  this.img = root.querySelector('.stage img');
  this.svg = root.querySelector('.stage svg');
  this.onInfo = onInfo;
  this.dets = [];
  this.fov = null;
  this.selected = -1;
  this.editing = false;   /* box review on: hovering does not move the selection */
  this.onTap = null;      /* fn(hit, imagePoint) -> true when the page handled the tap */
  this.scale = 1; this.tx = 0; this.ty = 0;
  this.pointers = new Map();
  this.gesture = null;
  this.bind();
}

Viewer.prototype.setImage = function (src, width, height) {
  this.svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  this.img.setAttribute('width', width);
  this.img.setAttribute('height', height);
  if (this.img.getAttribute('src') !== src) this.img.setAttribute('src', src);
  this.selected = -1;
  this.reset();
};

/* The field of view to outline (a result's "fov"; null or malformed: none); drawn by draw(). */
Viewer.prototype.setFov = function (fov) {
  this.fov = fovShape(fov);
};

/*
 * The counting frame (a result's "frame", countframe.h; invalid or malformed: none): the
 * inclusion edges (top, left) solid, the exclusion lines (right, bottom) dashed and carried on
 * to the image's top and left as Gundersen's rule has them.  Drawn by draw().
 */
Viewer.prototype.setFrame = function (f) {
  var ok = function (v) { return typeof v === 'number' && isFinite(v); };
  this.frame = f && f.valid === true && ok(f.x0) && ok(f.y0) && ok(f.x1) && ok(f.y1) && f.x1 > f.x0 && f.y1 > f.y0
    ? { x0: f.x0, y0: f.y0, x1: f.x1, y1: f.y1 } : null;
};

function frameGroup(f) {
  var g = document.createElementNS(SVGNS, 'g');
  g.setAttribute('class', 'frame-layer');
  [['frame-incl', f.x0, f.y0, f.x1, f.y0], ['frame-incl', f.x0, f.y0, f.x0, f.y1],
   ['frame-excl', f.x1, 0, f.x1, f.y1], ['frame-excl', 0, f.y1, f.x1, f.y1]].forEach(function (l) {
    var e = document.createElementNS(SVGNS, 'line');
    e.setAttribute('class', l[0]);
    e.setAttribute('x1', l[1]); e.setAttribute('y1', l[2]); e.setAttribute('x2', l[3]); e.setAttribute('y2', l[4]);
    e.setAttribute('vector-effect', 'non-scaling-stroke');
    g.appendChild(e);
  });
  return g;
}

/* {tag, attrs} for a valid fov, else null. */
function fovShape(f) {
  var ok = function (v) { return typeof v === 'number' && isFinite(v); };
  if (!f || typeof f !== 'object') return null;
  if (f.shape === 'circle' && ok(f.cx) && ok(f.cy) && ok(f.r) && f.r > 0)
    return { tag: 'circle', attrs: { cx: f.cx, cy: f.cy, r: f.r } };
  if (f.shape === 'rect' && ok(f.w) && ok(f.h) && f.w > 0 && f.h > 0)
    return { tag: 'rect', attrs: { x: ok(f.x) ? f.x : 0, y: ok(f.y) ? f.y : 0, width: f.w, height: f.h } };
  return null;
}

function fovGroup(shape) {
  var g = document.createElementNS(SVGNS, 'g');
  g.setAttribute('class', 'fov-layer');
  ['fov-halo', 'fov'].forEach(function (cls) {
    var e = document.createElementNS(SVGNS, shape.tag);
    Object.keys(shape.attrs).forEach(function (k) { e.setAttribute(k, shape.attrs[k]); });
    e.setAttribute('class', cls);
    e.setAttribute('vector-effect', 'non-scaling-stroke');
    if (cls === 'fov') e.setAttribute('data-shape', shape.tag);
    g.appendChild(e);
  });
  return g;
}

/* dets: [{i, det}] already filtered; big boxes first so small ones stay on top for tapping. */
Viewer.prototype.draw = function (dets, classIndex) {
  var self = this;
  while (this.svg.firstChild) this.svg.removeChild(this.svg.firstChild);
  if (this.fov) this.svg.appendChild(fovGroup(this.fov));
  if (this.frame) this.svg.appendChild(frameGroup(this.frame));
  this.dets = dets.slice().sort(function (a, b) {
    return b.det.box.w * b.det.box.h - a.det.box.w * a.det.box.h;
  });
  var g = document.createElementNS(SVGNS, 'g');
  g.setAttribute('class', 'boxes');
  this.dets.forEach(function (d) {
    var b = d.det.box;
    var r = document.createElementNS(SVGNS, 'rect');
    r.setAttribute('x', b.x); r.setAttribute('y', b.y);
    r.setAttribute('width', Math.max(b.w, 1)); r.setAttribute('height', Math.max(b.h, 1));
    r.setAttribute('class', 'box k' + classIndex(d.det) + (d.i === self.selected ? ' selected' : '') +
      (d.det.reviewed ? ' reviewed' : '') + (d.det.added ? ' added' : ''));
    r.setAttribute('data-class', d.det['class']);
    r.setAttribute('data-i', d.i);
    r.setAttribute('data-confidence', d.det.confidence);
    r.setAttribute('vector-effect', 'non-scaling-stroke');
    var title = document.createElementNS(SVGNS, 'title');
    title.textContent = self.onInfo ? self.onInfo(d.det, true) : '';
    r.appendChild(title);
    g.appendChild(r);
  });
  this.svg.appendChild(g);
  if (!this.dets.some(function (d) { return d.i === self.selected; })) this.select(-1);
};

Viewer.prototype.select = function (i) {
  this.selected = i;
  this.svg.querySelectorAll('rect.selected').forEach(function (r) { r.classList.remove('selected'); });
  var found = null;
  this.dets.forEach(function (d) { if (d.i === i) found = d; });
  if (found) {
    var r = this.svg.querySelector('rect[data-i="' + i + '"]');
    if (r) r.classList.add('selected');
  }
  if (this.onInfo) this.onInfo(found ? found.det : null, false);
};

Viewer.prototype.apply = function () {
  var vw = this.viewport.clientWidth, vh = this.viewport.clientHeight;
  var sw = this.stage.offsetWidth * this.scale, sh = this.stage.offsetHeight * this.scale;
  /* Keep the image covering the viewport: no panning off into empty space. */
  this.tx = Math.min(0, Math.max(vw - sw, this.tx));
  this.ty = Math.min(0, Math.max(vh - sh, this.ty));
  if (this.scale <= 1) { this.scale = 1; this.tx = 0; this.ty = 0; }
  this.stage.style.transform = 'translate(' + this.tx + 'px,' + this.ty + 'px) scale(' + this.scale + ')';
  this.root.classList.toggle('zoomed', this.scale > 1);
};

/* Zoom by factor around viewport point (px, py). */
Viewer.prototype.zoomAt = function (factor, px, py) {
  var ns = Math.min(MAX_SCALE, Math.max(1, this.scale * factor));
  var k = ns / this.scale;
  this.tx = px - (px - this.tx) * k;
  this.ty = py - (py - this.ty) * k;
  this.scale = ns;
  this.apply();
};

Viewer.prototype.zoomCentre = function (factor) {
  this.zoomAt(factor, this.viewport.clientWidth / 2, this.viewport.clientHeight / 2);
};

Viewer.prototype.reset = function () { this.scale = 1; this.tx = 0; this.ty = 0; this.apply(); };

/*
 * Bring drawn box i into view (the cell gallery's tap): centred, zoomed in until the box is
 * about a quarter of the viewport's smaller side, never zoomed out.  False if i is not drawn.
 */
Viewer.prototype.reveal = function (i) {
  var found = null;
  this.dets.forEach(function (d) { if (d.i === i) found = d; });
  var vb = this.svg.viewBox && this.svg.viewBox.baseVal;
  if (!found || !vb || !vb.width) return false;
  var vw = this.viewport.clientWidth, vh = this.viewport.clientHeight;
  var k = this.stage.offsetWidth / vb.width, b = found.det.box;
  var want = Math.min(vw, vh) / (4 * Math.max(b.w, b.h, 1) * k);
  this.scale = Math.min(MAX_SCALE, Math.max(this.scale, want, 1));
  this.tx = vw / 2 - (b.x + b.w / 2) * k * this.scale;
  this.ty = vh / 2 - (b.y + b.h / 2) * k * this.scale;
  this.apply();
  return true;
};

Viewer.prototype.local = function (ev) {
  var r = this.viewport.getBoundingClientRect();
  return { x: ev.clientX - r.left, y: ev.clientY - r.top };
};

Viewer.prototype.bind = function () {
  var self = this, vp = this.viewport;

  vp.addEventListener('pointerdown', function (ev) {
    var p = self.local(ev);
    self.pointers.set(ev.pointerId, p);
    var hit = ev.target && ev.target.getAttribute && ev.target.getAttribute('data-i');
    if (self.pointers.size === 1) {
      self.gesture = { kind: 'tap', start: p, tx: self.tx, ty: self.ty, hit: key(hit) };
    } else if (self.pointers.size === 2) {
      var pts = Array.from(self.pointers.values());
      self.gesture = { kind: 'pinch', dist: dist(pts[0], pts[1]), scale: self.scale };
    }
    if (self.scale > 1 || self.pointers.size > 1) {
      try { vp.setPointerCapture(ev.pointerId); } catch (e) { /* not capturable */ }
    }
  });

  vp.addEventListener('pointermove', function (ev) {
    if (!self.pointers.has(ev.pointerId)) {
      if (ev.pointerType === 'mouse') {
        var h = key(ev.target && ev.target.getAttribute && ev.target.getAttribute('data-i'));
        if (h !== -1 && h !== self.selected && !self.editing) self.select(h);
      }
      return;
    }
    var p = self.local(ev);
    self.pointers.set(ev.pointerId, p);
    var g = self.gesture;
    if (!g) return;
    if (g.kind === 'pinch' && self.pointers.size === 2) {
      var pts = Array.from(self.pointers.values());
      var mid = { x: (pts[0].x + pts[1].x) / 2, y: (pts[0].y + pts[1].y) / 2 };
      var target = g.scale * dist(pts[0], pts[1]) / Math.max(g.dist, 1);
      self.zoomAt(target / self.scale, mid.x, mid.y);
      ev.preventDefault();
    } else if (g.kind === 'tap' || g.kind === 'pan') {
      var dx = p.x - g.start.x, dy = p.y - g.start.y;
      if (g.kind === 'tap' && Math.abs(dx) + Math.abs(dy) > 6 && self.scale > 1) g.kind = 'pan';
      if (g.kind === 'pan') {
        self.tx = g.tx + dx; self.ty = g.ty + dy; self.apply();
        ev.preventDefault();
      }
    }
  });

  function end(ev) {
    var g = self.gesture;
    if (g && g.kind === 'tap' && self.pointers.size === 1 && ev.type === 'pointerup') {
      var p = self.local(ev);
      if (Math.abs(p.x - g.start.x) + Math.abs(p.y - g.start.y) <= 6) {
        /* A tap: the page may take it (box review: add a cell where nothing was hit). */
        if (!(self.onTap && self.onTap(g.hit, self.imagePoint(ev)))) self.select(g.hit);
      }
    }
    self.pointers.delete(ev.pointerId);
    if (self.pointers.size === 0) self.gesture = null;
    else if (self.pointers.size === 1) {
      var rest = Array.from(self.pointers.values())[0];
      self.gesture = { kind: 'pan', start: rest, tx: self.tx, ty: self.ty, hit: -1 };
    }
  }
  vp.addEventListener('pointerup', end);
  vp.addEventListener('pointercancel', end);

  /* Wheel zooms only with Ctrl (and trackpad pinch) or once zoomed, so page scrolling still works. */
  vp.addEventListener('wheel', function (ev) {
    if (!ev.ctrlKey && self.scale <= 1) return;
    ev.preventDefault();
    var p = self.local(ev);
    self.zoomAt(Math.exp(-ev.deltaY * 0.002), p.x, p.y);
  }, { passive: false });

  vp.addEventListener('keydown', function (ev) {
    var step = 40;
    switch (ev.key) {
      case '+': case '=': self.zoomCentre(1.5); break;
      case '-': case '_': self.zoomCentre(1 / 1.5); break;
      case '0': self.reset(); break;
      case 'ArrowLeft': self.tx += step; self.apply(); break;
      case 'ArrowRight': self.tx -= step; self.apply(); break;
      case 'ArrowUp': self.ty += step; self.apply(); break;
      case 'ArrowDown': self.ty -= step; self.apply(); break;
      default: return;
    }
    ev.preventDefault();
  });

  window.addEventListener('resize', function () { self.apply(); });
};

/* A point of the page in image pixels (the overlay's viewBox), through zoom and pan. */
Viewer.prototype.imagePoint = function (ev) {
  var m = this.svg.getScreenCTM();
  if (!m) return null;
  var pt = this.svg.createSVGPoint();
  pt.x = ev.clientX; pt.y = ev.clientY;
  var q = pt.matrixTransform(m.inverse());
  return { x: q.x, y: q.y };
};

/* A box's data-i: a detection index as a number, an added cell's "a<n>" as it is; none: -1. */
function key(v) {
  if (v === null || v === undefined || v === '') return -1;
  return /^\d+$/.test(v) ? Number(v) : v;
}

function dist(a, b) { return Math.hypot(a.x - b.x, a.y - b.y); }

export { Viewer };
