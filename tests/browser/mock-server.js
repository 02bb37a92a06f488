/*
 * mock-server.js: a stand-in for lighttpd + the C backend, for developing the UI without them.
 * Serves htdocs/ and fakes the API of docs/api.md (errors included) with deterministic
 * detections.  Usage: node mock-server.js [port]   (prints the URL; port 0 = any free port)
 * Environment: BV_MOCK_CSP overrides the Content-Security-Policy sent with pages.
 */
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const HTDOCS = path.resolve(__dirname, '../../htdocs');
/* The policy etc/mkconf-local.sh gives lighttpd. */
const CSP = process.env.BV_MOCK_CSP || "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; " +
  "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const MAX_BODY = 20 * 1024 * 1024;
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json',
  '.jpg': 'image/jpeg', '.png': 'image/png' };
const CLASSES = ['RBC', 'WBC', 'Platelets'];
const results = new Map();   /* id -> {json, bytes, type} */

function send(res, status, type, body, extra) {
  res.writeHead(status, Object.assign({ 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' }, extra || {}));
  res.end(body);
}
function json(res, status, obj) {
  send(res, status, 'application/json', JSON.stringify(obj), { 'Cache-Control': 'no-store' });
}
function error(res, status, code, message) { json(res, status, { error: { code, message } }); }

/* Width and height from a PNG IHDR or a JPEG SOFn marker; null when neither parses. */
function dimensions(buf) {
  if (buf.length > 24 && buf.readUInt32BE(0) === 0x89504e47)
    return { type: 'image/png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  if (buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) { i++; continue; }
      const m = buf[i + 1];
      const len = buf.readUInt16BE(i + 2);
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc)
        return { type: 'image/jpeg', height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
      i += 2 + len;
    }
    return { type: 'image/jpeg', width: 0, height: 0 };
  }
  return null;
}

/* Minimal multipart: enough for browsers' FormData bodies. */
function parseMultipart(body, ctype) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ctype || '');
  if (!m) return null;
  const boundary = Buffer.from('--' + (m[1] || m[2]));
  const parts = {};
  let pos = body.indexOf(boundary);
  while (pos >= 0) {
    const start = pos + boundary.length + 2;
    const next = body.indexOf(boundary, start);
    if (next < 0) break;
    const part = body.subarray(start, next - 2);
    const sep = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, sep).toString();
    const name = /name="([^"]*)"/.exec(head);
    if (name) parts[name[1]] = part.subarray(sep + 4);
    pos = next;
  }
  return parts;
}

const MODEL_THRESHOLDS = { RBC: 0.38, WBC: 0.33, Platelets: 0.51 };

/* Deterministic fake detections from the image bytes, spread over the image. */
function fakeDetections(bytes, w, h) {
  const seed = crypto.createHash('sha256').update(bytes).digest();
  let k = 0;
  const rnd = () => { const v = seed[k % 32] / 255; k++; seed[(k + 7) % 32] ^= (k * 37) & 255; return v; };
  const dets = [];
  const n = 14 + Math.floor(rnd() * 10);
  for (let i = 0; i < n; i++) {
    const cid = i < 2 ? 1 : (i < 5 ? 2 : 0);
    const size = cid === 0 ? 0.16 : cid === 1 ? 0.3 : 0.07;
    const bw = size * w * (0.8 + rnd() * 0.4), bh = size * w * (0.8 + rnd() * 0.4);
    dets.push({ class: CLASSES[cid], class_id: cid, confidence: Math.round((0.05 + rnd() * 0.94) * 1000) / 1000,
      box: { x: Math.round(rnd() * (w - bw) * 10) / 10, y: Math.round(rnd() * (h - bh) * 10) / 10,
             w: Math.round(bw * 10) / 10, h: Math.round(bh * 10) / 10 } });
  }
  return dets.sort((a, b) => b.confidence - a.confidence);
}

function analyze(req, res, body) {
  const parts = parseMultipart(body, req.headers['content-type']);
  if (!parts) return error(res, 400, 'bad_multipart', 'Not multipart/form-data.');
  if (!parts.image) return error(res, 400, 'missing_field', 'No field named image.');
  const dim = dimensions(parts.image);
  if (!dim) return error(res, 415, 'unsupported_type', 'The file is not a JPEG or PNG image.');
  if (!dim.width || !dim.height) return error(res, 422, 'undecodable', 'The image could not be decoded.');
  if (dim.width > 8000 || dim.height > 8000 || dim.width * dim.height > 40e6)
    return error(res, 422, 'too_many_pixels', 'The image is too large.');
  /* As the backend: per-class defaults, or the request's one threshold for every class. */
  let threshold = 0.35;
  let thresholds = Object.assign({}, MODEL_THRESHOLDS);
  if (parts.threshold) {
    threshold = Number(parts.threshold.toString());
    if (!(threshold >= 0 && threshold <= 1)) return error(res, 400, 'bad_threshold', 'Threshold must be 0..1.');
    threshold = Math.round(Math.max(threshold, 0.05) * 1000) / 1000;
    CLASSES.forEach((c) => { thresholds[c] = threshold; });
  }
  /* Scale and field of view as the backend reports them: the request's um/px, else "auto". */
  let um = null;
  if (parts.um_per_px) {
    um = Number(parts.um_per_px.toString().trim().replace(',', '.'));
    if (!(um > 0)) return error(res, 400, 'bad_request', 'um_per_px must be a positive number.');
  }
  const id = crypto.randomBytes(16).toString('base64url');
  const dets = fakeDetections(parts.image, dim.width, dim.height);
  const scale = { source: um ? 'request' : 'auto', rbc_px: Math.round(0.16 * dim.width * 10) / 10,
    um_per_px: um, factor: 1, status: 'ok', reason: null };
  const fov = { shape: 'rect', x: 0, y: 0, w: dim.width, h: dim.height, area_px: dim.width * dim.height };
  if (um) fov.area_um2 = Math.round(fov.area_px * um * um * 1000) / 1000;
  const counts = { RBC: 0, WBC: 0, Platelets: 0 };
  dets.forEach((d) => { if (d.confidence >= thresholds[d.class]) counts[d.class]++; });
  const base = '/results/' + id + '/';
  const obj = { id, created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    image: dim, scale, fov, model: { name: 'mock', trained: false, input: { width: 416, height: 416 } },
    threshold, thresholds, min_confidence: 0.05, classes: CLASSES, counts, detections: dets,
    timings_ms: { decode: 8.1, detect: 31.0, encode: 12.4, total: 55.9 },
    urls: { image: base + 'annotated.jpg', thumb: base + 'thumb.jpg', json: base + 'result.json' },
    sample: null };
  results.set(id, { json: obj, bytes: parts.image, type: dim.type });
  setTimeout(() => json(res, 200, obj), 300);
}

/* Reviews as the backend keeps them (docs/api.md): versions of a change list; a stale save gets 409. */
function reviewCounts(j, changes) {
  const cls = j.detections.map((d) => (d.confidence >= j.thresholds[d.class] ? d.class : null));
  const counts = {};
  CLASSES.forEach((c) => { counts[c] = 0; });
  for (const c of changes) {
    if (c.op === 'add') counts[c.class]++;
    else if (c.op === 'delete') cls[c.detection] = null;
    else if (c.op === 'reclassify') cls[c.detection] = c.class;
  }
  cls.forEach((c) => { if (c) counts[c]++; });
  return counts;
}
function merged(r) {
  const j = Object.assign({}, r.json, { review: null });
  const v = r.reviews ? r.reviews[r.reviews.length - 1] : null;
  if (v) Object.assign(j, { counts: reviewCounts(r.json, v.changes), detector_counts: r.json.counts, review: v });
  return j;
}
function review(req, res, id, body) {
  const r = results.get(id);
  if (!r) return error(res, 404, 'not_found', 'No such result.');
  if (req.method === 'GET') return json(res, 200, { result: id, version: (r.reviews || []).length, review: merged(r).review });
  if (req.method !== 'PUT') return error(res, 405, 'method_not_allowed', 'Use GET or PUT.');
  let b;
  try { b = JSON.parse(body.toString()); } catch (e) { return error(res, 400, 'bad_request', 'Not JSON.'); }
  r.reviews = r.reviews || [];
  if (b.version !== r.reviews.length) {
    return json(res, 409, { error: { code: 'conflict', message: 'Reviewed again meanwhile.',
      message_i18n: [{ code: 'review_conflict', params: { field: 'version', version: b.version, current: r.reviews.length } }] } });
  }
  const changes = b.changes || [];
  const n = { reclassified: 0, deleted: 0, added: 0 };
  changes.forEach((c) => { n[{ reclassify: 'reclassified', delete: 'deleted', add: 'added' }[c.op]]++; });
  r.reviews.push({ version: b.version + 1, base: b.version, by: b.by,
    at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), changes, summary: n });
  return json(res, 200, merged(r));
}

function serveStatic(req, res, url) {
  let p = decodeURIComponent(url.pathname);
  if (p === '/') p = '/index.html';
  const file = path.join(HTDOCS, path.normalize(p));
  if (!file.startsWith(HTDOCS + path.sep)) return send(res, 404, 'text/plain', 'not found');
  fs.readFile(file, (err, data) => {
    if (err) return send(res, 404, 'text/plain', 'not found');
    send(res, 200, TYPES[path.extname(file)] || 'application/octet-stream', req.method === 'HEAD' ? '' : data,
      { 'Content-Security-Policy': CSP });
  });
}

function handle(req, res, body) {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  let m;
  if (p === '/api/analyze') {
    if (req.method !== 'POST') return error(res, 405, 'method_not_allowed', 'Use POST.');
    return analyze(req, res, body);
  }
  if (p === '/api/results' && req.method === 'GET') {
    const limit = Number(url.searchParams.get('limit')) || 50;
    const list = Array.from(results.values()).map((r) => r.json).reverse().slice(0, limit)
      .map((j) => merged(results.get(j.id)))
      .map((j) => ({ id: j.id, created: j.created, counts: j.counts, image: j.image, urls: j.urls, sample: j.sample,
        reviewed: !!j.review }));
    return json(res, 200, { results: list });
  }
  if ((m = /^\/api\/results\/([A-Za-z0-9_-]+)\/review$/.exec(p))) return review(req, res, m[1], body);
  if ((m = /^\/api\/results\/([A-Za-z0-9_-]+)$/.exec(p)) && req.method === 'GET') {
    const r = results.get(m[1]);
    if (!r) return error(res, 404, 'not_found', 'No such result.');
    return json(res, 200, merged(r));
  }
  if ((m = /^\/api\/results\/([A-Za-z0-9_-]+)$/.exec(p))) {
    if (req.method !== 'DELETE') return error(res, 405, 'method_not_allowed', 'Use DELETE.');
    if (!results.delete(m[1])) return error(res, 404, 'not_found', 'No such result.');
    return json(res, 200, { deleted: m[1] });
  }
  if (p === '/api/health') return json(res, 200, { status: 'ok', model_loaded: true, results_writable: true, version: 'mock' });
  if (p === '/api/model')
    return json(res, 200, { name: 'mock', classes: CLASSES, input: { width: 416, height: 416 },
      threshold: 0.35, thresholds: MODEL_THRESHOLDS,
      threshold_sources: { RBC: 'model_info', WBC: 'model_info', Platelets: 'model_info' },
      min_confidence: 0.05, nms: 0.45, trained: false, metrics: null });
  if (p.startsWith('/api/')) return error(res, 404, 'not_found', 'Unknown route.');
  if ((m = /^\/results\/([A-Za-z0-9_-]+)\/(result\.json|annotated\.jpg|thumb\.jpg)$/.exec(p))) {
    const r = results.get(m[1]);
    if (!r) return send(res, 404, 'text/plain', 'not found');
    if (m[2] === 'result.json') return send(res, 200, 'application/json', JSON.stringify(r.json));
    return send(res, 200, r.type, r.bytes);
  }
  return serveStatic(req, res, url);
}

function start(port) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { error(res, 413, 'too_large', 'Body too large.'); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => { if (!res.writableEnded) handle(req, res, Buffer.concat(chunks)); });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

module.exports = { start };

if (require.main === module) {
  start(Number(process.argv[2] || 8099)).then((s) => {
    console.log('http://127.0.0.1:' + s.address().port + '/');
  });
}
