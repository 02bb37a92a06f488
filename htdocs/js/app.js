/*
 * app.js: the page controller: views and routing, the upload queue, the result view (filter,
 * counts, chart, details, downloads, print) and the history.
 *
 * Everything shown about a result is derived from its JSON alone: the slider and class toggles
 * re-filter `detections` locally, so no request is made while exploring a result.  A result is
 * first shown counted at its saved per-class `thresholds`; once moved, the slider applies one
 * threshold to every class until "Use saved thresholds" goes back.  The result's scale (how the
 * server sized the cells) and field of view are listed in the details, the field outlined on
 * the image, and an unsure scale is said in words next to it.
 */
(function () {
  'use strict';

  var BV = window.BV, i18n = BV.i18n, api = BV.api, t = i18n.t;

  var state = {
    model: null,          /* GET /api/model, null when unavailable */
    result: null,         /* the result shown */
    override: null,       /* the slider's one threshold for all classes; null: the saved ones */
    hidden: new Set(),    /* classes toggled off */
    queue: [],            /* upload items */
    running: null,        /* item being uploaded */
    localImages: new Map(), /* result id -> object URL of the uploaded file, this session only */
    history: [],
    historyTotal: 0,      /* results the History's search matches (GET /api/results "total") */
    hq: { code: '', from: '', to: '', offset: 0 },   /* the History's search and page */
    hsError: null,        /* [key, field key] of the search form's refusal, or null */
    selected: new Set(),  /* history ids selected for CSV */
    view: 'analyze',
    armed: null,          /* history id whose Delete was pressed once */
    armTimer: null,
    blobImages: false,    /* whether the page's CSP lets <img> show blob: URLs (local previews) */
    samplesOn: false,     /* the server has samples (GET /api/samples answered): "Add to sample…" */
    draft: { touched: {}, adds: [] },  /* the review being edited (see "review" below) */
    mic: null,                         /* the shown result's microscope (GET /api/microscopes/NAME) */
    edit: { on: false, adding: false, undo: [], pick: null }
  };

  var $ = function (id) { return document.getElementById(id); };
  var viewer;

  /* ---------- small helpers ---------- */

  function show(el, on) { el.hidden = !on; }

  var clear = BV.dom.clear;

  var h = BV.dom.h;

  function errorText(err) {
    var code = (err && err.code) || 'unknown';
    var key = 'err.' + code;
    /* A message code with its own text says more than the code (not_found: of a sample, not a result). */
    var detail = err && err.i18n && err.i18n[0] && 'err.detail.' + err.i18n[0].code;
    if (detail && i18n.has(detail)) key = detail;
    /* A refused review says which change, in this language. */
    if (err && err.i18n && /^review_/.test(err.i18n[0] && err.i18n[0].code) && i18n.knows(err.i18n))
      return t('err.review') + ' ' + i18n.msgs(err.i18n, err.message);
    /* The upload limit as the server states it (GET /api/model max_upload_bytes), never a guess. */
    var max = state.model && state.model.max_upload_bytes;
    if (key === 'err.too_large' && !max) key = 'err.too_large_nomax';
    return i18n.has(key) ? t(key, { status: err.status, max: max ? i18n.num(max / 1048576, max % 1048576 ? 1 : 0) + ' MiB' : '' })
      : t('err.unknown', { status: (err && err.status) || '?' });
  }

  /* Fill an alert box with the translated message plus the code, for whoever supports the user. */
  function showError(box, err) {
    box.lastError = err;   /* kept so a language switch can translate it again */
    clear(box);
    if (!err) { show(box, false); return; }
    box.appendChild(h('p', { 'class': 'error-msg', text: errorText(err) }));
    if (err.code && err.code !== 'aborted')
      box.appendChild(h('p', { 'class': 'error-code', text: t('err.code', { code: err.code }) }));
    box.setAttribute('data-code', err.code || 'unknown');
    show(box, true);
  }

  var noticeTimer = null;
  function notice(text) {
    var n = $('notice');
    n.textContent = text;
    show(n, true);
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { show(n, false); }, 4000);
  }

  function pct(x, digits) { return i18n.num(x * 100, digits === undefined ? 0 : digits); }

  /* x with the decimals it needs, at most max (0.1 -> "0.1", 0.125 -> "0.125", 2 -> "2"). */
  function numUpTo(x, max) {
    var d = 0;
    while (d < max && Math.abs(Math.round(x * Math.pow(10, d)) - x * Math.pow(10, d)) > 1e-6) d++;
    return i18n.num(x, d);
  }

  function isNum(v) { return typeof v === 'number' && isFinite(v); }

  /* A JSON request api.js does not offer (the paged list, attaching); failures as api.js's ApiError. */
  function jsonRequest(method, url, body) {
    var opts = { method: method, headers: { Accept: 'application/json' }, cache: 'no-store' };
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (text) {
        var b = null;
        try { b = text ? JSON.parse(text) : null; } catch (e) { b = null; }
        if (res.ok && b !== null) return b;
        /* the clinic password (login.js), as api.js does */
        if (res.status === 401 && BV.login) BV.login.required();
        var e = b && b.error;
        throw api.ApiError(e && typeof e.code === 'string' ? e.code : res.status === 404 ? 'not_found' : 'internal',
                           res.status, e && e.message, e && e.message_i18n);
      });
    }, function () { throw api.ApiError('network', 0); });
  }

  /* ---------- scale and field of view (result "scale", "fov"; docs/api.md) ---------- */

  function scaleUnsure(r) { return !!(r && r.scale && r.scale.status === 'unsure'); }

  function scaleReason(sc) {
    var key = 'scale.reason.' + (sc && sc.reason);
    return i18n.has(key) ? t(key) : t('scale.reason.other');
  }

  /* "estimated from the red cells · red cells 78.5 px across · 0.1 µm/px · detected at ×0.5" */
  function scaleText(sc) {
    var src = 'scale.source.' + sc.source;
    var parts = [i18n.has(src) ? t(src) : String(sc.source || '?')];
    parts.push(isNum(sc.rbc_px) ? t('scale.rbc', { px: numUpTo(sc.rbc_px, 1) }) : t('scale.rbcNone'));
    if (isNum(sc.um_per_px)) parts.push(t('scale.um', { v: numUpTo(sc.um_per_px, 4) }));
    if (isNum(sc.factor)) parts.push(t('scale.factor', { f: numUpTo(sc.factor, 3) }));
    if (sc.status === 'unsure') parts.push(t('scale.unsureShort'));
    return parts.join(' · ');
  }

  function fovText(f) {
    var parts = [];
    if (f.shape === 'circle')
      parts.push(t('fov.circle', { cx: numUpTo(f.cx, 0), cy: numUpTo(f.cy, 0), r: numUpTo(f.r, 0) }) +
                 (f.clipped ? ' (' + t('fov.clipped') + ')' : ''));
    else if (f.shape === 'rect')
      parts.push(t('fov.rect', { w: numUpTo(f.w, 0), h: numUpTo(f.h, 0), x: numUpTo(f.x || 0, 0), y: numUpTo(f.y || 0, 0) }));
    else parts.push(String(f.shape || '?'));
    if (isNum(f.area_px))
      parts.push(isNum(f.area_um2) ? t('fov.areaUm', { px: numUpTo(f.area_px, 0), um: numUpTo(f.area_um2, 1) })
        : t('fov.area', { px: numUpTo(f.area_px, 0) }));
    return parts.join(' · ') + '. ' + t('fov.rule');
  }

  function classesOf(r) {
    if (Array.isArray(r.classes) && r.classes.length) return r.classes;
    return Object.keys(r.counts || {});
  }

  function classLabel(c) { return i18n.has('class.' + c) ? t('class.' + c) : c; }
  function classAbbr(c) { return i18n.has('abbr.' + c) ? t('abbr.' + c) : c; }

  function download(filename, blob) {
    var url = URL.createObjectURL(blob);
    var a = h('a', { href: url, download: filename });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  /* ---------- counting (the one rule used everywhere: confidence >= its class's threshold) ---------- */

  /*
   * The thresholds a result was counted with, per class: its `thresholds`, or for results saved
   * before those existed, its one `threshold` for every class.
   */
  function savedThresholds(r) {
    var per = r.thresholds && typeof r.thresholds === 'object' ? r.thresholds : {};
    var one = typeof r.threshold === 'number' ? r.threshold : 0.25;
    var out = {};
    classesOf(r).forEach(function (c) { out[c] = typeof per[c] === 'number' ? per[c] : one; });
    return out;
  }

  function sameForAll(r, th) {
    var out = {};
    classesOf(r).forEach(function (c) { out[c] = th; });
    return out;
  }

  /* What is in force now: the slider's value for all classes, or the saved thresholds. */
  function activeThresholds(r) {
    return state.override === null ? savedThresholds(r) : sameForAll(r, state.override);
  }

  /* th: one number for every class, or {class: threshold}; a class without one is not counted. */
  function passes(d, th) {
    var t = typeof th === 'number' ? th : th[d['class']];
    return typeof t === 'number' && d.confidence >= t;
  }

  function countAt(result, th) {
    var counts = {};
    classesOf(result).forEach(function (c) { counts[c] = 0; });
    (result.detections || []).forEach(function (d) {
      if (passes(d, th)) counts[d['class']] = (counts[d['class']] || 0) + 1;
    });
    return counts;
  }

  /* "RBC 0.38, WBC 0.33, PLT 0.51"; null when every class has the same one. */
  function thresholdsList(r, th) {
    var cls = classesOf(r);
    if (cls.every(function (c) { return th[c] === th[cls[0]]; })) return null;
    return cls.map(function (c) { return classAbbr(c) + ' ' + i18n.num(th[c], 2); }).join(t('list.sep'));
  }

  function thresholdsText(r, th) {
    var cls = classesOf(r);
    return thresholdsList(r, th) || (cls.length ? i18n.num(th[cls[0]], 2) : '–');
  }

  function ratioText(counts) {
    var rbc = counts.RBC || 0, wbc = counts.WBC || 0;
    if (!wbc) return t('ratio.none');
    return i18n.num(rbc / wbc, 1) + ' : 1';
  }

  /* ---------- CSV ---------- */

  function csvCell(v) {
    var s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  /*
   * rows: [{result, counts, thresholds, review}], thresholds {class: value} as counted (undefined
   * when unknown), review the result's saved review or null; a threshold_<class> column per
   * class, then the counts (reviewed ones where a person corrected the boxes), then the review's
   * version (0: the detector's counts) and reviewer.  Class columns use the API's class names.
   */
  function countsCsv(rows) {
    var classes = [];
    rows.forEach(function (r) {
      classesOf(r.result).forEach(function (c) { if (classes.indexOf(c) < 0) classes.push(c); });
    });
    var head = ['id', 'created', 'model']
      .concat(classes.map(function (c) { return 'threshold_' + c; }), classes,
              ['total', 'rbc_wbc_ratio', 'sample', 'review_version', 'reviewed_by']);
    var lines = [head.map(csvCell).join(',')];
    rows.forEach(function (r) {
      var total = 0;
      var cells = classes.map(function (c) { var n = r.counts[c] || 0; total += n; return n; });
      var ths = classes.map(function (c) {
        return r.thresholds && typeof r.thresholds[c] === 'number' ? r.thresholds[c] : '';
      });
      var wbc = r.counts.WBC || 0;
      lines.push([r.result.id, r.result.created, r.result.model ? r.result.model.name : '']
        .concat(ths, cells, [total, wbc ? (r.counts.RBC || 0) / wbc : '', r.result.sample || '',
                             r.review ? r.review.version : 0, r.review ? r.review.by : ''])
        .map(csvCell).join(','));
    });
    return new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
  }

  /* ---------- views and routing ---------- */

  function route() {
    var hash = location.hash || '#/analyze';
    var m = hash.match(/^#\/result\/([A-Za-z0-9_-]+)$/);
    var ms = hash.match(/^#\/samples\/([A-Za-z0-9_-]+)$/);
    var view = m ? 'analyze' : ms ? 'samples' : hash.replace(/^#\//, '');
    if (['analyze', 'history', 'samples'].indexOf(view) < 0) view = 'analyze';
    state.view = view;
    ['analyze', 'history', 'samples'].forEach(function (v) { show($('view-' + v), v === view); });
    document.querySelectorAll('.tabs a').forEach(function (a) {
      if (a.getAttribute('data-view') === view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    if (BV.report) BV.report.view(view);
    if (m && (!state.result || state.result.id !== m[1])) openResult(m[1]);
    if (view === 'history') loadHistory();
    if (view === 'samples' && BV.samples && BV.samples.show) BV.samples.show($('samples-root'), ms ? ms[1] : null);
  }

  function openResult(id) {
    $('result-empty').textContent = t('result.loading');
    show($('result-empty'), true);
    api.result(id).then(function (r) {
      showResult(r);
    }, function (err) {
      $('result-empty').textContent = t('result.empty');
      showError($('upload-error'), err.status === 404 ? api.ApiError('not_found', 404) : err);
    });
  }

  /* ---------- the result view ---------- */

  function classIndex(det) {
    var cls = classesOf(state.result);
    var i = cls.indexOf(det['class']);
    return i >= 0 ? i : (det.class_id || 0);
  }

  function baseImage(r) {
    var urls = r.urls || {};
    /* A clean (box-free) image lets the overlay be the only boxes; the server may offer one. */
    if (urls.plain) return { src: urls.plain, annotated: false };
    if (state.blobImages && state.localImages.has(r.id)) return { src: state.localImages.get(r.id), annotated: false };
    return { src: urls.image, annotated: true };
  }

  /* Back to the result's saved thresholds; the slider rests at its one (global) threshold. */
  function useSaved() {
    var r = state.result;
    state.override = null;
    if (r) $('conf-slider').value = String(typeof r.threshold === 'number' ? r.threshold : 0.25);
  }

  function showResult(r) {
    var same = state.result && state.result.id === r.id;
    state.result = r;
    state.hidden = new Set();
    state.draft = draftFrom(r);
    state.edit.undo = [];
    if (!same) { state.edit.on = false; viewer.editing = false; closeAttach(); }
    show($('attach-btn'), state.samplesOn);
    showError($('review-error'), null);
    var slider = $('conf-slider');
    var min = typeof r.min_confidence === 'number' ? r.min_confidence : 0;
    slider.min = String(min);
    slider.max = '1';
    useSaved();
    viewer.setFov(r.fov);
    viewer.setFrame(r.frame);
    showQuality(r);
    var base = baseImage(r);
    setBase(base, r);
    show($('result'), true);
    show($('result-empty'), false);
    showError($('upload-error'), null);
    if (location.hash !== '#/result/' + r.id) history.replaceState(null, '', '#/result/' + r.id);
    $('review-checked').checked = checkedOf(r);
    renderMicroscope(r);
    render();
  }

  /*
   * The field's quality flags (docs/quality.md): each flag's plain sentence with its measured
   * value, and whether a sample leaves the field out of its estimates.  The box is made once,
   * under the result's header; a result stored before the flags existed shows none.
   */
  function showQuality(r) {
    var box = $('quality-box');
    if (!box) {
      box = h('div', { id: 'quality-box', 'class': 'quality-box' });
      var head = document.querySelector('#result .report-head');
      head.parentNode.insertBefore(box, head.nextSibling);
    }
    BV.dom.clear(box);
    var q = r.quality;
    show(box, !!q);
    if (!q) return;
    box.setAttribute('data-poor', q.poor ? 'true' : 'false');
    box.appendChild(h('h3', { text: t('quality.title') }));
    box.appendChild(h('p', { 'class': q.poor ? 'warn-box' : 'hint', text: t(q.poor ? 'quality.poor' : 'quality.good') }));
    if (!q.flags || !q.flags.length) return;
    box.appendChild(h('ul', { 'class': 'quality-flags' }, q.flags.map(function (f) {
      return h('li', { 'data-flag': f.flag, text: i18n.msgs(f.text_i18n, f.text) });
    })));
  }

  /* On a phone the result starts below the upload card: bring its top into view. */
  function revealResult() {
    var top = $('result').getBoundingClientRect().top;
    if (top > window.innerHeight * 0.6) $('result').scrollIntoView({ block: 'start' });
  }

  function setBase(base, r) {
    var img = $('base-img');
    var w = r.image ? r.image.width : 0, hgt = r.image ? r.image.height : 0;
    img.onerror = null;
    if (!base.annotated) {
      /* A CSP without blob: in img-src refuses the local preview: fall back to the saved image. */
      img.onerror = function () {
        img.onerror = null;
        var fb = { src: (r.urls || {}).image, annotated: true };
        viewer.setImage(fb.src, w, hgt);
        noteBase(fb, r);
      };
    }
    viewer.setImage(base.src, w, hgt);
    noteBase(base, r);
  }

  function noteBase(base, r) {
    show($('dl-shown'), !base.annotated);
    var note = $('base-note');
    note.textContent = base.annotated ? t('base.annotated', { t: thresholdsText(r, savedThresholds(r)) }) : '';
    show(note, base.annotated);
  }

  function render() {
    var r = state.result;
    if (!r) return;
    var classes = classesOf(r);
    var th = activeThresholds(r);
    var all = cells(r, th);
    var counts = tally(r, all);
    var saved = savedThresholds(r), savedList = thresholdsList(r, saved);

    /* Which thresholds are in force, the saved ones per class or the slider's one for all. */
    $('slider-box').setAttribute('data-mode', state.override === null ? 'saved' : 'slider');
    $('conf-value').textContent = state.override !== null ? i18n.num(state.override, 2)
      : savedList ? t('slider.perType') : thresholdsText(r, saved);
    $('slider-mode').textContent = state.override === null ? t('slider.modeSaved')
      : t('slider.modeSlider', { t: i18n.num(state.override, 2) });
    $('slider-saved').textContent = savedList ? t('slider.saved', { list: savedList })
      : t('slider.savedOne', { t: thresholdsText(r, saved) });
    show($('slider-reset'), state.override !== null);
    $('slider-help').textContent = t('slider.help') +
      (reviewed(r) || draftChanges(state.draft).length ? ' ' + t('review.scope') : '');
    $('r-date').textContent = i18n.date(r.created);
    /* Which photo this is: its own (sanitised) file name and a thumbnail; the id for older results. */
    $('r-file').textContent = r.file_name || r.id;
    $('r-file').title = r.id;
    $('r-thumb').src = (r.urls || {}).thumb || '';
    $('printed-at').textContent = i18n.date(new Date().toISOString());

    var shown = all.filter(function (c) { return !state.hidden.has(c.det['class']); });
    viewer.draw(shown, classIndex);
    renderGallery(r, all);
    renderReview();
    var warn = $('scale-warning');
    warn.textContent = scaleUnsure(r) ? t('scale.unsure', { reason: scaleReason(r.scale) }) : '';
    show(warn, scaleUnsure(r));

    /* Legend: one toggle button per class, aria-pressed tells its state. */
    var legend = $('legend');
    clear(legend);
    classes.forEach(function (c, k) {
      var on = !state.hidden.has(c);
      legend.appendChild(h('button', {
        type: 'button', 'class': 'toggle k' + k, 'aria-pressed': on ? 'true' : 'false', 'data-class': c,
        onclick: function () {
          if (state.hidden.has(c)) state.hidden.delete(c); else state.hidden.add(c);
          render();
          var again = legend.querySelector('[data-class="' + c + '"]');
          if (again) again.focus();
        }
      }, [h('span', { 'class': 'swatch k' + k, 'aria-hidden': 'true' }),
          h('span', { text: classLabel(c) + ' (' + classAbbr(c) + ')' }),
          h('span', { 'class': 'toggle-count', text: String(counts[c] || 0) })]));
    });

    /* Counts table */
    var body = $('counts-body');
    clear(body);
    var total = 0;
    classes.forEach(function (c) { total += counts[c] || 0; });
    classes.forEach(function (c, k) {
      var n = counts[c] || 0;
      body.appendChild(h('tr', { 'data-class': c, 'class': state.hidden.has(c) ? 'is-hidden' : '' }, [
        h('th', { scope: 'row' }, [h('span', { 'class': 'swatch k' + k, 'aria-hidden': 'true' }),
          classLabel(c) + ' (' + classAbbr(c) + ')',
          state.hidden.has(c) ? h('span', { 'class': 'tag', text: t('counts.hidden') }) : null]),
        h('td', { 'class': 'num count', text: String(n) }),
        h('td', { 'class': 'num', text: total ? pct(n / total, 1) + ' %' : '–' })
      ]));
    });
    $('count-total').textContent = String(total);
    $('ratio').textContent = ratioText(counts);
    $('mic-error').textContent = micText() || '';
    show($('mic-error'), !!micText());
    renderMicActions();

    BV.chart.bars($('chart'), classes.map(function (c, k) {
      return { label: classAbbr(c), value: counts[c] || 0, cls: 'k' + k };
    }), t('chart.desc', { list: classes.map(function (c) { return classLabel(c) + ' ' + (counts[c] || 0); }).join(', ') }));

    renderInfo(r);
    /* the intervals hold for the detector's counts at the saved thresholds only */
    if (BV.trust) BV.trust.render(r, state.override === null && !reviewed(r) && !draftChanges(state.draft).length);
    if (BV.report) BV.report.result({ result: r, counts: counts, classes: classes,
      thresholds: state.override === null ? thresholdsText(r, saved) : i18n.num(state.override, 2),
      savedThresholds: thresholdsText(r, saved), review: reviewText(r), reviewed: reviewed(r),
      reviewedBy: reviewed(r) ? r.review.by || null : null, microscope: micText(),
      /* the boxes the page shows (reviewed, at the threshold in force): the print draws these */
      boxes: shown.map(function (c) { return { box: c.det.box, k: classIndex(c.det) }; }),
      wbcTypes: r.differential && typeof r.differential === 'object' ? differentialText(r.differential) : null });

    var urls = r.urls || {};
    $('dl-image').href = urls.image || '#';
    $('dl-image').setAttribute('download', 'bloodview-' + r.id + '.jpg');
    /* result.json is the detector's; a reviewed result's JSON comes from the API, review merged. */
    $('dl-json').href = reviewed(r) ? '/api/results/' + encodeURIComponent(r.id) : urls.json || api.resultUrl(r.id);
    $('dl-json').setAttribute('download', 'bloodview-' + r.id + '.json');
  }

  /*
   * The image as shown now (current threshold and classes), drawn on a canvas.  Only offered
   * over a box-free base image, else the server's boxes would be drawn twice.
   */
  function exportShown() {
    var r = state.result, img = $('base-img');
    if (!r || !img.naturalWidth) return;
    var canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    var ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    var colours = getComputedStyle(document.documentElement);
    /* The overlay is in the JSON's image pixels; the base image may be smaller (a huge photo). */
    var iw = r.image && r.image.width ? r.image.width : canvas.width;
    var ih = r.image && r.image.height ? r.image.height : canvas.height;
    ctx.scale(canvas.width / iw, canvas.height / ih);
    var lw = Math.max(2, Math.round(iw / 320));
    ctx.lineWidth = lw;
    var fov = $('overlay').querySelector('.fov');
    if (fov) {
      var a = function (k) { return Number(fov.getAttribute(k)); };
      ctx.strokeStyle = '#fff';
      ctx.setLineDash([4 * lw, 2.5 * lw]);
      ctx.beginPath();
      if (fov.getAttribute('data-shape') === 'circle') ctx.arc(a('cx'), a('cy'), a('r'), 0, 2 * Math.PI);
      else ctx.rect(a('x'), a('y'), a('width'), a('height'));
      ctx.stroke();
    }
    $('overlay').querySelectorAll('rect.box').forEach(function (rect) {
      var k = (rect.getAttribute('class').match(/\bk(\d)\b/) || [0, 0])[1];
      ctx.strokeStyle = colours.getPropertyValue('--k' + k).trim() || '#000';
      ctx.setLineDash(k === '2' ? [3 * lw, 1.5 * lw] : []);
      ctx.strokeRect(Number(rect.getAttribute('x')), Number(rect.getAttribute('y')),
                     Number(rect.getAttribute('width')), Number(rect.getAttribute('height')));
    });
    canvas.toBlob(function (blob) {
      if (blob) download('bloodview-' + r.id + '-' + (state.override === null ? 'saved'
        : String(Math.round(state.override * 100))) + '.png', blob);
    }, 'image/png');
  }

  function renderInfo(r) {
    var dl = $('info');
    clear(dl);
    function row(label, value, cls) {
      dl.appendChild(h('dt', { text: label }));
      dl.appendChild(h('dd', { text: value, 'class': cls || null }));
    }
    var model = r.model || {};
    row(t('info.date'), i18n.date(r.created));
    row(t('info.model'), (model.name || '?') + (model.trained === false ? ' — ' + t('info.untrained') : ''),
        model.trained === false ? 'warn' : null);
    var acc;
    var current = state.model && state.model.name === model.name ? state.model : null;
    if (model.trained === false || (current && current.trained === false)) acc = t('info.untrainedShort');
    /* One plain sentence in this language with the right units, not the metrics' keys. */
    else acc = (current && BV.report && BV.report.accuracy(current, model)) || t('info.notMeasured');
    row(t('info.accuracy'), acc);
    row(t('info.threshold'), state.override === null
      ? t('info.thresholdSaved', { list: thresholdsText(r, savedThresholds(r)) })
      : t('info.thresholdSlider', { t: i18n.num(state.override, 2) }));
    var tm = r.timings_ms || {};
    row(t('info.timings'), ['decode', 'detect', 'encode', 'total'].filter(function (k) { return typeof tm[k] === 'number'; })
      .map(function (k) { return t('timing.' + k) + ' ' + i18n.num(tm[k], 0) + ' ms'; }).join(' · ') || '–');
    if (r.image) row(t('info.image'), r.image.width + ' × ' + r.image.height + ' px' + (r.image.type ? ' · ' + r.image.type : ''));
    if (r.scale && typeof r.scale === 'object')
      row(t('info.scale'), scaleText(r.scale), scaleUnsure(r) ? 'warn scale' : 'scale');
    if (r.fov && typeof r.fov === 'object') row(t('info.fov'), fovText(r.fov), 'fov-text');
    if (r.frame && typeof r.frame === 'object' && BV.trust) row(t('info.frame'), BV.trust.frameText(r.frame), 'frame-text');
    if (r.differential && typeof r.differential === 'object') row(t('info.wbcTypes'), differentialText(r.differential), 'wbc-types');
    row(t('info.review'), reviewText(r), reviewed(r) ? 'review-info reviewed' : 'review-info');
    if (r.sample && sampleCodes[r.sample] === undefined) askCodes();
    if (r.sample) row(t('info.sample'), sampleCodes[r.sample] || r.sample, 'sample-info');
    if (attachedHere[r.id]) row(t('info.sample'), t('attach.in', { codes: attachedHere[r.id].join(t('list.sep')) }), 'attached-info');
    row(t('info.id'), r.id, 'mono');
  }

  /* A white cell's type as the classifier gave it (result.json wbc_type), or ''. */
  function wbcTypeText(wt) {
    if (!wt || typeof wt !== 'object' || typeof wt['class'] !== 'string') return '';
    if (wt.by === 'review') return personType(wt['class']);
    if (wt['class'] === 'untyped') return untypedText(wt);
    return t('wbc.type', { type: t('wbc.t.' + wt['class']), pct: pct(wt.confidence, 0) });
  }

  /* "type unsure — stain or camera unlike its training": untyped, with the classifier's reason when it gave one. */
  function untypedText(wt) {
    var why = wt && typeof wt.reason === 'string' && i18n.has('wbc.why.' + wt.reason) ? t('wbc.why.' + wt.reason) : '';
    return t('wbc.untyped') + (why ? ' — ' + why : '');
  }

  /* The result's differential: "neutrophil 2, lymphocyte 1 · 1 untyped" (types with a count only). */
  function differentialText(df) {
    var by = df.by || {}, parts = [];
    (df.classes || Object.keys(by)).forEach(function (c) {
      if (by[c] > 0) parts.push(t('wbc.t.' + c) + ' ' + by[c]);
    });
    var text = parts.length ? parts.join(', ') : t('wbc.noneTyped');
    var typed = df.typed || 0, total = typed + (df.untyped || 0);
    if (total > 0) text = t('wbc.coverage', { typed: i18n.num(typed), total: i18n.num(total) }) + ': ' + text;
    if (df.untyped > 0) {
      var why = df.untyped_by || {};
      var reasons = Object.keys(why).filter(function (k) { return why[k] > 0 && i18n.has('wbc.why.' + k); })
        .map(function (k) { return t('wbc.why.' + k) + ' ' + why[k]; });
      text += ' · ' + t('wbc.untypedCount', { n: df.untyped }) + (reasons.length ? ' (' + reasons.join('; ') + ')' : '');
    }
    return text + ' · ' + t('wbc.caveat');
  }

  /* A type a person gave (PUT .../review "wbc_type"): "lymphocyte, set by a person". */
  function personType(type) {
    var name = type === 'untyped' ? t('wbc.untyped') : i18n.has('wbc.t.' + type) ? t('wbc.t.' + type) : type;
    return t('wbc.byPerson', { type: name });
  }

  function boxInfo(det, asTitle) {
    var text = !det ? '' : det.added ? t('box.added', { cls: classLabel(det['class']) })
      : t(det.reviewed ? 'box.reviewed' : 'box.info', { cls: classLabel(det['class']), pct: pct(det.confidence, 0) });
    var wt = det && det['class'] === 'WBC' ? wbcTypeText(det.wbc_type) : '';
    if (wt) text += ' · ' + wt;
    if (!asTitle) $('box-info').textContent = text;
    return text;
  }

  /* ---------- review: correct the boxes (PUT /api/results/{id}/review, docs/api.md) ---------- */

  /*
   * The draft is the whole list of changes against the detector's output, as the server keeps
   * it: touched[i] = {op: 'delete' | 'reclassify', class} by detection index, adds [{class, box}].
   * A detection nobody touched is counted by the threshold in force (saved or slider); a
   * reclassified or added cell is a person's call and always counts, a deleted one never does.
   */
  function draftFrom(r) {
    var d = { touched: {}, adds: [] };
    ((r && r.review && r.review.changes) || []).forEach(function (c) {
      var wt = typeof c.wbc_type === 'string' ? c.wbc_type : undefined;
      if (c.op === 'add') d.adds.push(typed({ 'class': c['class'], box: c.box }, wt));
      else if (c.op === 'delete') d.touched[c.detection] = { op: c.op, 'class': c['class'] };
      else if (c.op === 'reclassify') d.touched[c.detection] = typed({ op: c.op, 'class': c['class'] }, wt);
    });
    return d;
  }

  function draftChanges(d) {
    var out = [];
    Object.keys(d.touched).map(Number).sort(function (a, b) { return a - b; }).forEach(function (i) {
      var c = d.touched[i];
      out.push(c.op === 'delete' ? { op: 'delete', detection: i }
        : typed({ op: 'reclassify', detection: i, 'class': c['class'] }, c.wbc_type));
    });
    d.adds.forEach(function (a) { out.push(typed({ op: 'add', 'class': a['class'], box: a.box }, a.wbc_type)); });
    return out;
  }

  /* change with its white-cell type wt, kept only on a WBC (the server refuses it elsewhere). */
  function typed(change, wt) {
    if (wt && change['class'] === 'WBC') change.wbc_type = wt;
    return change;
  }

  /* The classifier's type of det (result.json), whatever a review says. */
  function classifierType(det) {
    if (det.detector_wbc_type) return det.detector_wbc_type;
    return det.wbc_type && det.wbc_type.by !== 'review' ? det.wbc_type : undefined;
  }

  /* The type a cell shows: the person's in the draft, else the classifier's while it is still its WBC. */
  function shownType(det, c) {
    if (c && c.wbc_type) return { 'class': c.wbc_type, by: 'review' };
    if (c && c['class'] !== det['class']) return undefined;
    return classifierType(det);
  }

  function reviewed(r) { return !!(r && r.review && typeof r.review === 'object'); }

  /* Whether the draft differs from the saved review (or from no review). */
  function dirty() {
    return !!state.result && (JSON.stringify(draftChanges(state.draft)) !== JSON.stringify(draftChanges(draftFrom(state.result))) ||
      $('review-checked').checked !== checkedOf(state.result));
  }

  /* "Every cell checked": the saved review says the field is complete (docs/microscope.md). */
  function checkedOf(r) { return !!(r && r.review && r.review.checked); }

  /* Fetch the result's microscope (GET /api/microscopes/NAME) once per result shown. */
  function renderMicroscope(r) {
    state.mic = null;
    if (!r.microscope) return;
    api.microscope(r.microscope).then(function (m) {
      if (!state.result || state.result.id !== r.id) return;
      state.mic = m;
      render();
    }, function () { /* no figures: say nothing rather than guess */ });
  }

  /* Adapt (enough checked fields) and roll back (an adaptation in use): docs/microscope.md. */
  function renderMicActions() {
    var m = state.mic, can = !!(m && m.fields >= m.adapt_min_fields), on = !!(m && m.adaptation > 0);
    show($('mic-actions'), can || on);
    show($('mic-adapt'), can);
    show($('mic-rollback'), on);
    $('mic-status').textContent = on ? t('mic.using', { v: m.adaptation, list: Object.keys(m.thresholds).map(function (c) {
      return classAbbr(c) + ' ' + i18n.num(m.thresholds[c], 2);
    }).join(', ') }) : '';
  }

  function micAction(call, done) {
    var r = state.result;
    if (!r || !r.microscope) return;
    showError($('mic-fail'), null);
    call(r.microscope).then(function (m) {
      if (!state.result || state.result.id !== r.id) return;
      state.mic = m;
      render();
      notice(done(m));
    }, function (err) { showError($('mic-fail'), err); });
  }

  /* "On this microscope: RBC −3 % ± 4 %, 24 checked fields." in this language, or null. */
  function micText() {
    var m = state.mic;
    if (!m || !m.fields) return null;
    var list = Object.keys(m.error || {}).map(function (c) {
      var e = m.error[c];
      return classAbbr(c) + ' ' + (e.bias > 0 ? '+' : e.bias < 0 ? '−' : '') + pct(Math.abs(e.bias), 0) + ' %' +
        (e.sd !== null ? ' ± ' + pct(e.sd, 0) + ' %' : '');
    }).join(', ');
    return t('mic.error', { list: list, n: m.fields }) +
      (m.fields < m.min_fields ? ' ' + t('mic.few', { min: m.min_fields }) : '');
  }

  /* [{i, det}]: the cells counted now (the boxes drawn, before class toggles). */
  function cells(r, th) {
    var d = state.draft, out = [];
    (r.detections || []).forEach(function (det, i) {
      var c = d.touched[i];
      if (c && c.op === 'delete') return;
      if (c) out.push({ i: i, det: Object.assign({}, det, { 'class': c['class'], reviewed: true, wbc_type: shownType(det, c) }) });
      else if (passes(det, th)) out.push({ i: i, det: det.wbc_type && det.wbc_type.by ? Object.assign({}, det, { wbc_type: shownType(det) }) : det });
    });
    d.adds.forEach(function (a, k) {
      out.push({ i: 'a' + k, det: { 'class': a['class'], confidence: null, box: a.box, added: true, reviewed: true,
        wbc_type: a.wbc_type && a['class'] === 'WBC' ? { 'class': a.wbc_type, by: 'review' } : undefined } });
    });
    return out;
  }

  function tally(r, list) {
    var counts = {};
    classesOf(r).forEach(function (c) { counts[c] = 0; });
    list.forEach(function (x) { counts[x.det['class']] = (counts[x.det['class']] || 0) + 1; });
    return counts;
  }

  function changeSummary(changes) {
    var n = { reclassify: 0, 'delete': 0, add: 0 };
    changes.forEach(function (c) { n[c.op] = (n[c.op] || 0) + 1; });
    return t('review.summary', { r: n.reclassify, d: n['delete'], a: n.add });
  }

  function reviewText(r) {
    if (!reviewed(r)) return t('review.none');
    return t('review.saved', { by: r.review.by || '?', date: i18n.date(r.review.at), v: r.review.version }) + ' ' +
      changeSummary(r.review.changes || []);
  }

  function inField(fov, x, y) {
    if (!fov || typeof fov !== 'object') return true;
    if (fov.shape === 'circle') return (x - fov.cx) * (x - fov.cx) + (y - fov.cy) * (y - fov.cy) <= fov.r * fov.r;
    if (fov.shape === 'rect') return x >= (fov.x || 0) && x <= (fov.x || 0) + fov.w && y >= (fov.y || 0) && y <= (fov.y || 0) + fov.h;
    return true;
  }

  /* A new cell's size: the median box of its class in this result, else of any class. */
  function cellSize(r, cls) {
    function median(list) { list.sort(function (a, b) { return a - b; }); return list[Math.floor(list.length / 2)]; }
    var dets = (r.detections || []).filter(function (d) { return d['class'] === cls; });
    if (!dets.length) dets = r.detections || [];
    if (dets.length) return { w: median(dets.map(function (d) { return d.box.w; })), h: median(dets.map(function (d) { return d.box.h; })) };
    var s = r.scale && isNum(r.scale.rbc_px) ? r.scale.rbc_px : Math.max(8, (r.image ? r.image.width : 640) / 12);
    return { w: s, h: s };
  }

  function pickClass(r) {
    var cls = classesOf(r);
    if (cls.indexOf(state.edit.pick) < 0) state.edit.pick = cls[0] || null;
    return state.edit.pick;
  }

  function remember() {
    state.edit.undo.push(JSON.parse(JSON.stringify(state.draft)));
    if (state.edit.undo.length > 200) state.edit.undo.shift();
  }

  function selectedKey() { return viewer.selected; }

  /* Choose the class for new cells; with a box selected, make it that class. */
  function choose(c) {
    var k = selectedKey();
    state.edit.pick = c;
    if (k !== -1 && k !== null && k !== undefined) {
      remember();
      var was = typeof k === 'number' ? state.draft.touched[k] : state.draft.adds[Number(String(k).slice(1))];
      var wt = was && c === 'WBC' ? was.wbc_type : undefined;
      if (typeof k === 'number') state.draft.touched[k] = typed({ op: 'reclassify', 'class': c }, wt);
      else if (was) { was['class'] = c; if (!wt) delete was.wbc_type; }
    }
    render();
    if (k !== -1) viewer.select(k);
  }

  /* The class of the selected box as the draft has it, or null. */
  function selectedClass() {
    var k = selectedKey(), r = state.result;
    if (k === -1 || k === null || k === undefined || !r) return null;
    if (typeof k !== 'number') { var a = state.draft.adds[Number(String(k).slice(1))]; return a ? a['class'] : null; }
    var c = state.draft.touched[k];
    if (c) return c.op === 'delete' ? null : c['class'];
    return r.detections && r.detections[k] ? r.detections[k]['class'] : null;
  }

  /* The person's type of the selected box in the draft, or undefined. */
  function selectedType() {
    var k = selectedKey();
    if (k === -1 || k === null || k === undefined) return undefined;
    var c = typeof k === 'number' ? state.draft.touched[k] : state.draft.adds[Number(String(k).slice(1))];
    return c ? c.wbc_type : undefined;
  }

  /* Give the selected white cell type wt: a reclassify WBC -> WBC when it was the detector's. */
  function chooseType(wt) {
    var k = selectedKey();
    if (selectedClass() !== 'WBC') return;
    remember();
    if (typeof k === 'number') state.draft.touched[k] = typed({ op: 'reclassify', 'class': 'WBC' }, wt);
    else state.draft.adds[Number(String(k).slice(1))].wbc_type = wt;
    render();
    viewer.select(k);
    renderReview();
    /* The buttons were drawn again: keep the keyboard where it was. */
    var again = $('review-types').querySelector('[data-type="' + wt + '"]');
    if (again) again.focus();
  }

  function deleteSelected() {
    var k = selectedKey();
    if (k === -1 || k === null || k === undefined) return;
    remember();
    if (typeof k === 'number') state.draft.touched[k] = { op: 'delete' };
    else state.draft.adds.splice(Number(String(k).slice(1)), 1);
    viewer.select(-1);
    render();
  }

  function undo() {
    if (!state.edit.undo.length) return;
    state.draft = state.edit.undo.pop();
    viewer.select(-1);
    render();
  }

  /* The viewer's taps while correcting: a box is selected, empty space gets a new cell. */
  function onTap(hit, pt) {
    var r = state.result;
    if (!state.edit.on || !r) return false;
    if (hit !== -1) { viewer.select(hit); renderReview(); return true; }
    /* A tap on empty space adds a cell only in "Add cell" mode (button or key A): never by accident. */
    if (!state.edit.adding) { viewer.select(-1); renderReview(); return true; }
    if (!pt || !r.image || pt.x < 0 || pt.y < 0 || pt.x > r.image.width || pt.y > r.image.height) return true;
    if (!inField(r.fov, pt.x, pt.y)) { notice(t('review.outside')); return true; }
    var cls = pickClass(r), sz = cellSize(r, cls);
    var w = Math.min(sz.w, r.image.width), hh = Math.min(sz.h, r.image.height);
    var round1 = function (v) { return Math.round(v * 10) / 10; };
    remember();
    state.draft.adds.push({ 'class': cls, box: { x: round1(pt.x - w / 2), y: round1(pt.y - hh / 2), w: round1(w), h: round1(hh) } });
    state.edit.adding = false;   /* one cell a press */
    var key = 'a' + (state.draft.adds.length - 1);
    render();
    viewer.select(key);
    renderReview();
    return true;
  }

  /* "Add cell" mode: the next tap on empty space adds one cell of the chosen type. */
  function setAdding(on) {
    state.edit.adding = !!on && state.edit.on;
    renderReview();
  }

  function setEditing(on) {
    state.edit.on = on;
    state.edit.adding = false;
    viewer.editing = on;
    if (!on) viewer.select(-1);
    renderReview();
  }

  function renderReview() {
    var r = state.result;
    if (!r) return;
    var on = state.edit.on, k = selectedKey();
    var tg = $('review-toggle');
    tg.setAttribute('aria-pressed', on ? 'true' : 'false');
    tg.textContent = t(on ? 'review.toggleOff' : 'review.toggle');
    $('review-add').setAttribute('aria-pressed', state.edit.adding ? 'true' : 'false');
    $('review-add').textContent = t(state.edit.adding ? 'review.adding' : 'review.add');
    $('viewer').classList.toggle('adding', !!state.edit.adding);
    show($('review-tools'), on);
    var changes = draftChanges(state.draft);
    $('review-state').textContent = reviewText(r) + (dirty() ? ' ' + t('review.unsaved') : '');
    $('review-state').setAttribute('data-state', dirty() ? 'unsaved' : reviewed(r) ? 'reviewed' : 'none');
    $('review-hint').textContent = t('review.hint');
    var box = $('review-classes'), pick = pickClass(r);
    clear(box);
    classesOf(r).forEach(function (c, n) {
      box.appendChild(h('button', { type: 'button', 'class': 'pick k' + n, 'data-class': c,
        'aria-pressed': c === pick ? 'true' : 'false', onclick: function () { choose(c); } },
        [h('kbd', { text: String(n + 1) }), ' ' + classLabel(c) + ' (' + classAbbr(c) + ')']));
    });
    renderTypes();
    $('review-delete').disabled = k === -1 || k === null || k === undefined;
    $('review-undo').disabled = !state.edit.undo.length;
    $('review-save').disabled = !dirty() && reviewed(r);
    $('review-changes').textContent = changes.length ? t('review.draft', { list: changeSummary(changes) }) : '';
    markGallery();
  }

  /* The white-cell types a person may give (src/store/review.c), shown while a WBC box is selected. */
  var WBC_TYPES = ['neutrophil', 'lymphocyte', 'monocyte', 'eosinophil', 'basophil', 'ig', 'erythroblast', 'untyped'];

  function renderTypes() {
    var box = $('review-types');
    if (!box) {
      box = h('div', { 'class': 'review-types', id: 'review-types', role: 'group' });
      $('review-classes').parentNode.insertBefore(box, $('review-classes').nextSibling);
    }
    box.setAttribute('aria-label', t('review.types'));
    clear(box);
    var on = selectedClass() === 'WBC', cur = selectedType();
    show(box, on);
    if (!on) return;
    box.appendChild(h('span', { 'class': 'review-types-label', text: t('review.types') }));
    WBC_TYPES.forEach(function (wt) {
      box.appendChild(h('button', { type: 'button', 'class': 'pick wtype', 'data-type': wt,
        'aria-pressed': wt === cur ? 'true' : 'false', onclick: function () { chooseType(wt); },
        text: wt === 'untyped' ? t('wbc.untyped') : t('wbc.t.' + wt) }));
    });
  }

  /* ---------- cell gallery: every counted cell of one type, lowest confidence first ---------- */

  /*
   * Small crops cut here from the image shown (a canvas each, nothing asked of the server), in
   * tabs by type.  The detector's cells come by confidence, lowest first, so the doubtful ones
   * are checked first; those a person already corrected or added come last.  A tap selects the
   * cell's box in the review editor (turned on), zoomed into view, for the usual type buttons,
   * Delete and Undo.
   */
  var GALLERY_STEP = 60;     /* crops drawn at once; "Show more" adds as many again */
  var CROP_PX = 72;          /* a crop's CSS size */
  var gallery = { id: null, cls: null, limit: GALLERY_STEP, crops: new Map(), all: [] };

  function cellOrder(a, b) {
    var pa = a.det.reviewed ? 1 : 0, pb = b.det.reviewed ? 1 : 0;
    if (pa !== pb) return pa - pb;
    if (!pa && a.det.confidence !== b.det.confidence) return a.det.confidence - b.det.confidence;
    var ia = typeof a.i === 'number' ? a.i : 1e9 + Number(String(a.i).slice(1));
    var ib = typeof b.i === 'number' ? b.i : 1e9 + Number(String(b.i).slice(1));
    return ia - ib;
  }

  /* The crop of det's box (with a margin) from img, drawn once per image and box. */
  function cropOf(img, r, det) {
    var b = det.box, key = img.currentSrc + '|' + b.x + ',' + b.y + ',' + b.w + ',' + b.h;
    var c = gallery.crops.get(key);
    if (c) return c;
    var dpr = Math.min(2, window.devicePixelRatio || 1), n = Math.round(CROP_PX * dpr);
    c = h('canvas', { 'class': 'crop', width: String(n), height: String(n), 'aria-hidden': 'true' });
    var ctx = c.getContext('2d');
    /* Boxes are in the JSON's image pixels; the image shown may be a smaller copy. */
    var fx = img.naturalWidth / ((r.image && r.image.width) || img.naturalWidth);
    var fy = img.naturalHeight / ((r.image && r.image.height) || img.naturalHeight);
    var side = Math.max(b.w, b.h, 1) * 1.4, sx = b.x + b.w / 2 - side / 2, sy = b.y + b.h / 2 - side / 2;
    ctx.fillStyle = '#d9dde3';
    ctx.fillRect(0, 0, n, n);
    try { ctx.drawImage(img, sx * fx, sy * fy, side * fx, side * fy, 0, 0, n, n); } catch (e) { /* not drawable */ }
    ctx.lineWidth = 2 * dpr;
    ctx.strokeStyle = 'rgba(0,0,0,.55)';
    ctx.strokeRect((b.x - sx) / side * n, (b.y - sy) / side * n, b.w / side * n, b.h / side * n);
    ctx.lineWidth = dpr;
    ctx.strokeStyle = '#fff';
    ctx.strokeRect((b.x - sx) / side * n, (b.y - sy) / side * n, b.w / side * n, b.h / side * n);
    gallery.crops.set(key, c);
    return c;
  }

  /* A white cell's type for its crop: "neutrophil 82 %", "type unsure", or ''. */
  function typeCaption(wt) {
    if (!wt || typeof wt !== 'object' || typeof wt['class'] !== 'string') return '';
    if (wt.by === 'review') return personType(wt['class']);
    if (wt['class'] === 'untyped') return t('wbc.untyped');	/* short under a crop; the reason is in the cell's details */
    var name = i18n.has('wbc.t.' + wt['class']) ? t('wbc.t.' + wt['class']) : wt['class'];
    return isNum(wt.confidence) ? name + ' ' + pct(wt.confidence, 0) + ' %' : name;
  }

  function renderGallery(r, all) {
    var box = $('gallery');
    show(box, !!r);
    if (!r) return;
    if (gallery.id !== r.id) { gallery.id = r.id; gallery.crops = new Map(); gallery.limit = GALLERY_STEP; }
    gallery.all = all;
    var classes = classesOf(r), by = {};
    if (classes.indexOf(gallery.cls) < 0) gallery.cls = classes[0] || null;
    classes.forEach(function (c) { by[c] = []; });
    all.forEach(function (x) { if (by[x.det['class']]) by[x.det['class']].push(x); });
    var tabs = $('gallery-tabs');
    clear(tabs);
    classes.forEach(function (c, k) {
      var on = c === gallery.cls;
      tabs.appendChild(h('button', { type: 'button', role: 'tab', id: 'gallery-tab-' + k, 'class': 'gtab k' + k,
        'aria-selected': on ? 'true' : 'false', 'aria-controls': 'gallery-panel', tabindex: on ? '0' : '-1',
        'data-class': c, title: classLabel(c),
        onclick: function () { galleryTab(c); } },
        [h('span', { 'class': 'swatch k' + k, 'aria-hidden': 'true' }), classAbbr(c) + ' ',
         h('span', { 'class': 'gtab-n', text: String(by[c].length) })]));
    });
    $('gallery-panel').setAttribute('aria-labelledby', 'gallery-tab-' + classes.indexOf(gallery.cls));
    var list = (by[gallery.cls] || []).slice().sort(cellOrder);
    var img = $('base-img'), ready = img.complete && img.naturalWidth > 0;
    var ul = $('gallery-list');
    clear(ul);
    $('gallery-empty').textContent = !list.length ? t('gallery.empty') : ready ? '' : t('gallery.noImage');
    show($('gallery-empty'), !list.length || !ready);
    list.slice(0, gallery.limit).forEach(function (x) {
      var d = x.det, own = !d.reviewed && !d.added;
      var type = d['class'] === 'WBC' ? typeCaption(d.wbc_type) : '';
      var label = t(d.added ? 'gallery.cellAdded' : d.reviewed ? 'gallery.cellReviewed' : 'gallery.cell',
        { cls: classLabel(d['class']), pct: own ? pct(d.confidence, 0) : '' }) + (type ? ' · ' + type : '');
      ul.appendChild(h('li', {}, [h('button', { type: 'button', 'class': 'crop-btn', 'data-i': String(x.i),
        'data-confidence': own ? String(d.confidence) : '', 'aria-pressed': 'false', 'aria-label': label, title: label,
        onclick: function () { pickCell(x.i, d['class']); } },
        [ready ? cropOf(img, r, d) : h('span', { 'class': 'crop crop-wait', 'aria-hidden': 'true' }),
         h('span', { 'class': 'crop-cap', text: own ? pct(d.confidence, 0) + ' %' : t(d.added ? 'gallery.added' : 'gallery.reviewed') }),
         type ? h('span', { 'class': 'crop-type', text: type }) : null])]));
    });
    var more = list.length - Math.min(list.length, gallery.limit);
    $('gallery-more').textContent = t('gallery.more', { n: Math.min(more, GALLERY_STEP) });
    show($('gallery-more'), more > 0);
    markGallery();
  }

  function galleryTab(c) {
    gallery.cls = c;
    gallery.limit = GALLERY_STEP;
    if (state.result) renderGallery(state.result, gallery.all);
    var again = $('gallery-tabs').querySelector('[data-class="' + c + '"]');
    if (again) again.focus();
  }

  /* The selected box's crop pressed, the others not. */
  function markGallery() {
    var k = selectedKey();
    document.querySelectorAll('#gallery-list .crop-btn').forEach(function (b) {
      var on = k !== -1 && k !== null && k !== undefined && b.getAttribute('data-i') === String(k);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      b.classList.toggle('selected', on);
    });
  }

  /* A crop tapped: its box selected for correction, shown on the image. */
  function pickCell(i, cls) {
    if (state.hidden.has(cls)) { state.hidden.delete(cls); render(); }
    if (!state.edit.on) setEditing(true);
    viewer.select(i);
    viewer.reveal(i);
    renderReview();
    /* On a phone the image is above the gallery: bring it and the type buttons into view. */
    var vp = $('viewer').querySelector('.viewport').getBoundingClientRect();
    if (vp.top < 0 || vp.bottom > window.innerHeight) $('viewer').querySelector('.viewport').scrollIntoView({ block: 'start' });
  }

  function saveReview() {
    var r = state.result, by = $('review-by').value.trim();
    if (!r) return;
    if (!by) {
      $('review-by').setAttribute('aria-invalid', 'true');
      showError($('review-error'), api.ApiError('review_by_missing', 0));
      $('review-by').focus();
      return;
    }
    $('review-by').removeAttribute('aria-invalid');
    try { window.localStorage.setItem('bloodview.reviewer', by); } catch (e) { /* storage off */ }
    $('review-save').disabled = true;
    api.saveReview(r.id, { version: reviewed(r) ? r.review.version : 0, by: by, changes: draftChanges(state.draft),
      checked: $('review-checked').checked })
      .then(function (nr) {
        var on = state.edit.on, keep = state.override;
        showResult(nr);
        state.override = keep;
        if (keep !== null) $('conf-slider').value = String(keep);
        setEditing(on);
        render();
        /* said in the review's own status line, not a floating notice over Delete/Undo */
        $('review-state').textContent += ' ' + t('review.done', { v: nr.review ? nr.review.version : '?' });
      }, function (err) {
        showError($('review-error'), err);
        /* Someone saved meanwhile: offer their version (this draft is then dropped). */
        if (err.code === 'conflict')
          $('review-error').appendChild(h('button', { type: 'button', 'class': 'button small', id: 'review-reload',
            text: t('review.reload'), onclick: function () {
              api.result(r.id).then(function (fresh) { var on = state.edit.on; showResult(fresh); setEditing(on); },
                function (e2) { showError($('review-error'), e2); });
            } }));
        renderReview();
      });
  }

  /* ---------- uploads ---------- */

  /*
   * The optional micrometres per pixel, typed with a decimal comma or point (a text field: a
   * number field in a Spanish Chromium turns "10,2" into something else): {value: "0.1" or
   * null} or {error: true}.
   */
  function umPerPxValue() {
    var v = $('um-per-px-input').value.trim().replace(',', '.');
    if (v === '') return { value: null };
    if (!/^(\d+\.?\d*|\.\d+)$/.test(v) || !(Number(v) > 0)) return { error: true };
    return { value: v };
  }

  function addFiles(list) {
    var files = Array.prototype.slice.call(list || []);
    if (!files.length) return;
    var um = umPerPxValue(), umInput = $('um-per-px-input');
    if (um.error) {
      umInput.setAttribute('aria-invalid', 'true');
      document.querySelector('.advanced').open = true;
      showError($('upload-error'), api.ApiError('bad_um_per_px', 0));
      umInput.focus();
      return;
    }
    umInput.removeAttribute('aria-invalid');
    showError($('upload-error'), null);
    files.forEach(function (f) { state.queue.push({ file: f, status: 'waiting', pct: 0, umPerPx: um.value }); });
    renderQueue();
    pump();
  }

  function thresholdValue() {
    var v = $('threshold-input').value.trim().replace(',', '.');
    return v === '' ? null : v;
  }

  function pump() {
    if (state.running) return;
    var item = state.queue.filter(function (q) { return q.status === 'waiting'; })[0];
    setBusy(!!item);
    if (!item) return;
    state.running = item;
    item.status = 'uploading';
    item.pct = 0;
    renderQueue();
    var job = api.analyze(item.file, {
      threshold: thresholdValue(),
      umPerPx: item.umPerPx,
      sample: BV.samples && BV.samples.activeId ? BV.samples.activeId() : null,
      onProgress: function (f) { item.pct = Math.round(f * 100); renderQueue(); },
      onUploaded: function () { item.status = 'analysing'; renderQueue(); }
    });
    item.abort = job.abort;
    job.promise.then(function (r) {
      item.status = 'done';
      item.result = r;
      try { state.localImages.set(r.id, URL.createObjectURL(item.file)); } catch (e) { /* no preview */ }
      showResult(r);
      revealResult();
      if (BV.samples && BV.samples.refreshActive) BV.samples.refreshActive();
    }, function (err) {
      if (err.code === 'busy' && (item.retries || 0) < 3 && item.status !== 'cancelled') {
        item.retries = (item.retries || 0) + 1;
        item.status = 'retrying';
        item.wait = 2 * item.retries;
        item.timer = setTimeout(function () { if (item.status === 'retrying') { item.status = 'waiting'; pump(); } },
                                item.wait * 1000);
      } else if (err.code === 'aborted') {
        item.status = 'cancelled';
      } else {
        item.status = 'error';
        item.error = err;
        showError($('upload-error'), err);
      }
    }).then(function () {
      item.abort = null;
      state.running = null;
      renderQueue();
      pump();
    });
  }

  function cancelAll() {
    state.queue.forEach(function (q) {
      if (q.status === 'waiting' || q.status === 'retrying') { q.status = 'cancelled'; clearTimeout(q.timer); }
    });
    if (state.running && state.running.abort) state.running.abort();
    renderQueue();
    setBusy(false);
    notice(t('err.aborted'));
  }

  function setBusy(on) {
    var card = document.querySelector('.upload-card');
    card.setAttribute('aria-busy', on ? 'true' : 'false');
    card.classList.toggle('busy', on);
    $('cancel-btn').disabled = !on;
  }

  function renderQueue() {
    var list = $('queue-list');
    clear(list);
    state.queue.forEach(function (q) {
      var label, prog = null;
      switch (q.status) {
        case 'waiting': label = t('queue.waiting'); break;
        case 'uploading':
          label = t('queue.uploading', { pct: q.pct });
          prog = h('progress', { max: '100', value: String(q.pct), 'aria-label': label });
          break;
        case 'analysing':
          label = t('queue.analysing');
          prog = h('progress', { 'aria-label': label });   /* no value: indeterminate */
          break;
        case 'retrying': label = t('queue.retrying', { s: q.wait }); break;
        case 'done':
          var n = 0, c = q.result.counts || {};
          Object.keys(c).forEach(function (k) { n += c[k]; });
          label = t(scaleUnsure(q.result) ? 'queue.doneUnsure' : 'queue.done', { n: n });
          break;
        case 'cancelled': label = t('queue.cancelled'); break;
        /* the reason is said once, in the alert under the queue, not again on its row */
        default: label = t('queue.failed', { code: (q.error && q.error.code) || 'unknown' });
      }
      list.appendChild(h('li', { 'class': 'q-' + q.status, 'data-status': q.status }, [
        h('span', { 'class': 'q-name', text: q.file.name || 'image' }),
        h('span', { 'class': 'q-state', text: label }),
        prog,
        q.status === 'done' ? h('a', { 'class': 'button small', href: '#/result/' + q.result.id,
          text: t('queue.open'), onclick: function (ev) { ev.preventDefault(); showResult(q.result); } }) : null
      ]));
    });
    show($('queue'), state.queue.length > 0);
  }

  function setupDrop() {
    var overlay = $('drop-overlay'), depth = 0;
    function hasFiles(ev) {
      return ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types || [], 'Files') >= 0;
    }
    document.addEventListener('dragenter', function (ev) {
      if (!hasFiles(ev)) return;
      depth++; show(overlay, true); ev.preventDefault();
    });
    document.addEventListener('dragleave', function () {
      depth = Math.max(0, depth - 1); if (!depth) show(overlay, false);
    });
    document.addEventListener('dragover', function (ev) { if (hasFiles(ev)) ev.preventDefault(); });
    document.addEventListener('drop', function (ev) {
      depth = 0; show(overlay, false);
      if (!hasFiles(ev)) return;
      ev.preventDefault();
      if (state.view !== 'analyze') location.hash = '#/analyze';
      addFiles(ev.dataTransfer.files);
    });
  }

  /* ---------- history ---------- */

  /*
   * One page of GET /api/results at a time (offset, limit, and the search: sample code, from,
   * to; docs/api.md).  The search is what the form held when Search was pressed; paging keeps
   * it.  An answer to an older request than the latest is dropped.
   */
  var HISTORY_PAGE = 25;
  var historySeq = 0;

  function historyUrl(q) {
    var p = ['limit=' + HISTORY_PAGE, 'offset=' + q.offset];
    if (q.code) p.push('code=' + encodeURIComponent(q.code));
    if (q.from) p.push('from=' + encodeURIComponent(q.from));
    if (q.to) p.push('to=' + encodeURIComponent(q.to));
    return '/api/results?' + p.join('&');
  }

  function loadHistory() {
    var status = $('history-status'), seq = ++historySeq, q = state.hq;
    status.textContent = t('history.loading');
    showError($('history-error'), null);
    return jsonRequest('GET', historyUrl(q)).then(function (body) {
      if (seq !== historySeq) return;
      var list = (body && body.results) || [];
      var total = body && typeof body.total === 'number' ? body.total : list.length;
      /* Past the end (results deleted meanwhile): the last page there is. */
      if (!list.length && q.offset > 0 && total > 0) {
        q.offset = Math.floor((total - 1) / HISTORY_PAGE) * HISTORY_PAGE;
        return loadHistory();
      }
      state.history = list;
      state.historyTotal = total;
      var ids = new Set(state.history.map(function (r) { return r.id; }));
      state.selected.forEach(function (id) { if (!ids.has(id)) state.selected.delete(id); });
      renderHistory();
    }, function (err) {
      if (seq !== historySeq) return;
      status.textContent = '';
      showError($('history-error'), err);
    });
  }

  /* The search form's values, or null with the field marked and the reason shown. */
  function historySearch() {
    var code = $('hs-code').value.trim(), from = $('hs-from').value, to = $('hs-to').value;
    var bad = null, msg = null;
    ['hs-code', 'hs-from', 'hs-to'].forEach(function (id) { $(id).removeAttribute('aria-invalid'); });
    if (code && !/^[A-Za-z0-9._-]{1,32}$/.test(code)) { bad = 'hs-code'; msg = ['history.codeInvalid']; }
    else if (from && !/^\d{4}-\d{2}-\d{2}$/.test(from)) { bad = 'hs-from'; msg = ['history.dateInvalid', 'history.from']; }
    else if (to && !/^\d{4}-\d{2}-\d{2}$/.test(to)) { bad = 'hs-to'; msg = ['history.dateInvalid', 'history.to']; }
    else if (from && to && to < from) { bad = 'hs-to'; msg = ['history.dateOrder']; }
    state.hsError = msg;
    searchErrorText();
    if (bad) { $(bad).setAttribute('aria-invalid', 'true'); $(bad).focus(); return null; }
    return { code: code, from: from, to: to, offset: 0 };
  }

  /* The search form's refusal in this language (kept as keys, so a language switch rewords it). */
  function searchErrorText() {
    var m = state.hsError;
    $('hs-error').textContent = m ? t(m[0], m[1] ? { field: t(m[1]) } : undefined) : '';
    show($('hs-error'), !!m);
  }

  function searchHistory(ev) {
    if (ev) ev.preventDefault();
    var q = historySearch();
    if (!q) return;
    state.hq = q;
    loadHistory();
  }

  function clearSearch() {
    $('hs-code').value = $('hs-from').value = $('hs-to').value = '';
    historySearch();
    state.hq = { code: '', from: '', to: '', offset: 0 };
    loadHistory();
  }

  function historyPage(step) {
    var o = state.hq.offset + step * HISTORY_PAGE;
    if (o < 0 || o >= state.historyTotal) return;
    state.hq.offset = o;
    loadHistory().then(function () { $('history-title').scrollIntoView({ block: 'nearest' }); });
  }

  function filtered(q) { return !!(q.code || q.from || q.to); }

  function countsLine(counts) {
    return Object.keys(counts || {}).map(function (c) { return classAbbr(c) + ' ' + counts[c]; }).join(' · ');
  }

  function renderHistory() {
    var list = $('history-list');
    clear(list);
    $('history-status').textContent = state.history.length ? '' : t(filtered(state.hq) ? 'history.noMatch' : 'history.empty');
    var off = state.hq.offset, total = state.historyTotal || 0;
    show($('history-pager'), total > 0);
    $('history-range').textContent = state.history.length ? t('history.range', { a: i18n.num(off + 1),
      b: i18n.num(off + state.history.length), n: i18n.num(total) }) : '';
    $('history-prev').disabled = off <= 0;
    $('history-next').disabled = off + state.history.length >= total;
    state.history.forEach(function (r) {
      var urls = r.urls || {};
      var armed = state.armed === r.id;
      var del = h('button', { type: 'button', 'class': 'button danger small delete' + (armed ? ' armed' : ''),
                              text: t(armed ? 'history.confirm' : 'history.delete') });
      del.addEventListener('click', function () { askDelete(r, del); });
      var box = h('input', { type: 'checkbox', 'aria-label': t('history.select', { id: r.id }) });
      box.checked = state.selected.has(r.id);
      box.addEventListener('change', function () {
        if (box.checked) state.selected.add(r.id); else state.selected.delete(r.id);
        updateSelection();
      });
      list.appendChild(h('li', { 'class': 'history-item', 'data-id': r.id }, [
        box,
        h('a', { href: '#/result/' + r.id, 'class': 'thumb-link', tabindex: '-1', 'aria-hidden': 'true' },
          [h('img', { 'class': 'thumb', src: urls.thumb || urls.image, alt: '', loading: 'lazy',
                      width: '96', height: '72' })]),
        h('div', { 'class': 'h-text' }, [
          h('div', { 'class': 'h-date', text: i18n.date(r.created) }),
          r.file_name ? h('div', { 'class': 'h-file', text: r.file_name }) : null,
          h('div', { 'class': 'h-counts', text: countsLine(r.counts) }),
          r.reviewed ? h('div', { 'class': 'tag reviewed', text: t('history.reviewed') }) : null,
          sampleTags(r)
        ]),
        h('div', { 'class': 'h-actions' }, [
          h('a', { 'class': 'button small', href: '#/result/' + r.id, text: t('history.open') }),
          state.samplesOn ? h('button', { type: 'button', 'class': 'button small attach-btn', text: t('attach.button'),
            onclick: function (ev) { openAttach(r.id, ev.currentTarget.closest('li'), ev.currentTarget); } }) : null,
          del
        ])
      ]));
    });
    updateSelection();
  }

  /* The samples holding a result, by code (the list's "samples": the samples' own lists decide). */
  function sampleTags(r) {
    var list = Array.isArray(r.samples) ? r.samples
      : r.sample ? [{ id: r.sample, code: sampleCodes[r.sample] || r.sample }] : [];
    if (!list.length) return null;
    return h('div', { 'class': 'h-samples' }, list.map(function (x) {
      return h('span', { 'class': 'tag sample-tag', 'data-sample': x.id, text: t('history.sample', { id: x.code || x.id }) });
    }));
  }

  /* ---------- add an existing result to a sample (POST /api/samples/{id}/results) ---------- */

  var sampleCodes = {};          /* sample id -> code, from GET /api/samples */
  var attachedHere = {};         /* result id -> codes of the samples it was added to on this page */
  var codesAsked = false;

  /* Sample codes for ids the page shows (a result's "sample"), asked once. */
  function askCodes() {
    if (codesAsked || !BV.samples) return;
    codesAsked = true;
    api.samples().then(function (body) {
      ((body && body.samples) || []).forEach(function (x) { sampleCodes[x.id] = x.code; });
      if (state.result) renderInfo(state.result);
    }, function () { /* ids stay */ });
  }

  function closeAttach() {
    var old = $('attach-panel');
    if (old) old.remove();
  }

  /* A refusal worded from its message codes where this page knows them (sample full, gone). */
  function attachErrorText(err) {
    return err && err.i18n && i18n.knows(err.i18n) ? i18n.msgs(err.i18n, err.message) : errorText(err);
  }

  /* The "Add to sample…" panel for result rid, inside host; opener gets the focus back on Cancel. */
  function openAttach(rid, host, opener) {
    closeAttach();
    var sel = h('select', { id: 'attach-select', 'class': 'attach-select', disabled: 'disabled' });
    var add = h('button', { type: 'button', 'class': 'button primary', id: 'attach-add', text: t('attach.add'), disabled: 'disabled' });
    var cancel = h('button', { type: 'button', 'class': 'button', id: 'attach-cancel', text: t('attach.cancel') });
    var msg = h('p', { 'class': 'hint attach-msg', id: 'attach-msg', role: 'status', text: t('attach.loading') });
    var err = h('p', { 'class': 'error attach-error', id: 'attach-error', role: 'alert', hidden: 'hidden' });
    var panel = h('div', { 'class': 'attach-panel', id: 'attach-panel', 'data-result': rid }, [
      h('label', { 'for': 'attach-select', text: t('attach.label') }), sel,
      h('div', { 'class': 'attach-actions' }, [add, cancel]), msg, err]);
    host.appendChild(panel);
    cancel.addEventListener('click', function () { closeAttach(); if (opener) opener.focus(); });
    add.addEventListener('click', function () {
      var sid = sel.value, code = sampleCodes[sid] || sid;
      add.disabled = true;
      show(err, false);
      jsonRequest('POST', '/api/samples/' + encodeURIComponent(sid) + '/results', { result: rid }).then(function () {
        closeAttach();
        var mine = attachedHere[rid] = attachedHere[rid] || [];
        if (mine.indexOf(code) < 0) mine.push(code);
        notice(t('attach.done', { code: code }));
        if (state.view === 'history') loadHistory();
        if (state.result && state.result.id === rid) renderInfo(state.result);
        if (opener && document.body.contains(opener)) opener.focus();
      }, function (e) {
        add.disabled = false;
        err.textContent = attachErrorText(e);
        show(err, true);
      });
    });
    api.samples().then(function (body) {
      if (!document.body.contains(panel)) return;
      var list = (body && body.samples) || [];
      list.forEach(function (x) { sampleCodes[x.id] = x.code; });
      if (!list.length) { msg.textContent = t('attach.none'); return; }
      list.forEach(function (x) {
        sel.appendChild(h('option', { value: x.id, text: t('attach.option',
          { code: x.code, n: i18n.num(x.fields || 0), date: i18n.date(x.created) }) }));
      });
      var active = BV.samples && BV.samples.activeId ? BV.samples.activeId() : null;
      if (active && list.some(function (x) { return x.id === active; })) sel.value = active;
      msg.textContent = '';
      sel.disabled = false;
      add.disabled = false;
      sel.focus();
    }, function (e) {
      if (!document.body.contains(panel)) return;
      msg.textContent = '';
      err.textContent = attachErrorText(e);
      show(err, true);
    });
  }

  function updateSelection() {
    var n = state.selected.size;
    $('history-csv').textContent = t('history.csv', { n: n });
    $('history-csv').disabled = n === 0;
    var all = $('select-all');
    all.checked = n > 0 && n === state.history.length;
    all.indeterminate = n > 0 && n < state.history.length;
  }

  /*
   * While a delete is armed, the row says which samples the result is a field of: deleting it
   * takes the field out of each (noted in the sample's record).  r null: the sentence goes.
   */
  function armWarning(r, btn) {
    var li = btn.closest('li'), old = li && li.querySelector('.delete-warn');
    if (old) old.parentNode.removeChild(old);
    if (!r || !li) return;
    var list = Array.isArray(r.samples) ? r.samples : r.sample ? [{ id: r.sample, code: sampleCodes[r.sample] || r.sample }] : [];
    li.appendChild(h('p', { 'class': 'delete-warn', role: 'alert', text: list.length
      ? t('history.deleteFromSample', { codes: list.map(function (x) { return x.code || x.id; }).join(', ') })
      : t('history.deleteNoSample') }));
  }

  /* Two-step delete: the first press arms the button for a few seconds, the second deletes. */
  /* The armed id lives in state, so a list refreshed in between keeps it. */
  function askDelete(r, btn) {
    if (state.armed !== r.id) {
      state.armed = r.id;
      btn.classList.add('armed');
      btn.textContent = t('history.confirm');
      armWarning(r, btn);
      clearTimeout(state.armTimer);
      state.armTimer = setTimeout(function () {
        state.armed = null;
        var b = document.querySelector('#history-list li[data-id="' + r.id + '"] button.delete');
        if (b) { b.classList.remove('armed'); b.textContent = t('history.delete'); armWarning(null, b); }
      }, 8000);
      return;
    }
    clearTimeout(state.armTimer);
    state.armed = null;
    btn.disabled = true;
    api.remove(r.id, api.operator()).then(function () {
      state.history = state.history.filter(function (x) { return x.id !== r.id; });
      state.selected.delete(r.id);
      if (state.result && state.result.id === r.id) {
        state.result = null;
        if (BV.report) BV.report.result(null);
        show($('result'), false);
        $('result-empty').textContent = t('result.empty');
        show($('result-empty'), true);
        history.replaceState(null, '', '#/history');
      }
      renderHistory();
      notice(t('history.deleted'));
    }, function (err) {
      btn.disabled = false;
      state.armed = null;
      btn.classList.remove('armed');
      btn.textContent = t('history.delete');
      showError($('history-error'), err);
    });
  }

  function historyCsv() {
    var picked = state.history.filter(function (r) { return state.selected.has(r.id); });
    Promise.all(picked.map(function (r) {
      /* The saved result carries the thresholds, model and review; the list alone does not. */
      return api.result(r.id).then(function (full) {
        return { result: full, counts: full.counts || {}, thresholds: savedThresholds(full), review: full.review || null };
      }, function () {
        return { result: r, counts: r.counts || {}, thresholds: undefined };
      });
    })).then(function (rows) {
      download('bloodview-counts-' + rows.length + '.csv', countsCsv(rows));
    });
  }

  /* ---------- language ---------- */

  function setLanguage(l, remember) {
    i18n.set(l, remember);
    i18n.apply();
    document.querySelectorAll('.lang button').forEach(function (b) {
      b.setAttribute('aria-pressed', b.getAttribute('data-lang') === i18n.lang ? 'true' : 'false');
    });
    if (state.result) { render(); noteBase(baseImage(state.result), state.result); }
    else $('result-empty').textContent = t('result.empty');
    renderQueue();
    closeAttach();
    searchErrorText();
    if (state.history.length || state.view === 'history') renderHistory();
    updateSelection();
    ['upload-error', 'history-error', 'review-error'].forEach(function (id) {
      var box = $(id);
      if (!box.hidden && box.lastError) showError(box, box.lastError);
    });
    if (BV.samples && BV.samples.relabel) BV.samples.relabel();
  }

  /* ---------- start ---------- */

  /*
   * Read this page's own Content-Security-Policy so that a local preview (blob: URL, box-free)
   * is used only where img-src allows it; otherwise the browser would log a violation.
   */
  function probeCsp() {
    fetch(location.pathname, { method: 'HEAD', cache: 'no-store' }).then(function (res) {
      var csp = res.headers.get('Content-Security-Policy');
      if (!csp) { state.blobImages = true; return; }
      var dirs = {};
      csp.split(';').forEach(function (d) {
        var parts = d.trim().split(/\s+/);
        if (parts[0]) dirs[parts[0].toLowerCase()] = parts.slice(1);
      });
      var img = dirs['img-src'] || dirs['default-src'];
      state.blobImages = !img || img.indexOf('blob:') >= 0;
    }, function () { state.blobImages = false; });
  }

  function init() {
    viewer = new BV.Viewer($('viewer'), boxInfo);

    document.querySelectorAll('.lang button').forEach(function (b) {
      b.addEventListener('click', function () { setLanguage(b.getAttribute('data-lang'), true); });
    });

    $('file-input').addEventListener('change', function (ev) { addFiles(ev.target.files); ev.target.value = ''; });
    $('camera-input').addEventListener('change', function (ev) { addFiles(ev.target.files); ev.target.value = ''; });
    $('cancel-btn').addEventListener('click', cancelAll);
    $('um-per-px-input').addEventListener('input', function (ev) { ev.target.removeAttribute('aria-invalid'); });
    setupDrop();

    $('conf-slider').addEventListener('input', function (ev) {
      state.override = Number(ev.target.value);
      render();
    });
    $('slider-reset').addEventListener('click', function () {
      useSaved();
      render();
      $('conf-slider').focus();
    });
    $('zoom-in').addEventListener('click', function () { viewer.zoomCentre(1.5); });
    $('zoom-out').addEventListener('click', function () { viewer.zoomCentre(1 / 1.5); });
    $('zoom-reset').addEventListener('click', function () { viewer.reset(); });

    $('dl-csv').addEventListener('click', function () {
      var r = state.result;
      if (r) download('bloodview-' + r.id + '.csv', countsCsv([{ result: r, counts: tally(r, cells(r, activeThresholds(r))),
        thresholds: activeThresholds(r), review: dirty() ? null : r.review }]));
    });
    $('print-btn').addEventListener('click', function () { window.print(); });
    $('dl-shown').addEventListener('click', exportShown);
    window.addEventListener('beforeprint', function () {
      $('printed-at').textContent = i18n.date(new Date().toISOString());
      viewer.reset();
    });

    viewer.onTap = onTap;
    $('review-toggle').addEventListener('click', function () { setEditing(!state.edit.on); });
    $('review-delete').addEventListener('click', deleteSelected);
    $('review-add').addEventListener('click', function () { setAdding(!state.edit.adding); });
    $('review-undo').addEventListener('click', undo);
    $('review-save').addEventListener('click', saveReview);
    $('review-checked').addEventListener('change', renderReview);
    $('mic-adapt').addEventListener('click', function () {
      micAction(api.microscopeAdapt, function (m) {
        return t(m.tried.adopted ? 'mic.adopted' : 'mic.refused', { v: m.tried.version });
      });
    });
    $('mic-rollback').addEventListener('click', function () {
      micAction(api.microscopeRollback, function (m) { return t('mic.rolledBack', { v: m.adaptation }); });
    });
    try { $('review-by').value = window.localStorage.getItem('bloodview.reviewer') || ''; } catch (e) { /* storage off */ }
    /* Desktop keys while correcting: 1/2/3 a type, Delete the selected box, Z undo. */
    document.addEventListener('keydown', function (ev) {
      if (!state.edit.on || !state.result || state.view !== 'analyze' || ev.altKey || ev.metaKey) return;
      var tag = ev.target && ev.target.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
      var cls = classesOf(state.result), n = Number(ev.key);
      if (!ev.ctrlKey && n >= 1 && n <= cls.length) choose(cls[n - 1]);
      else if (!ev.ctrlKey && (ev.key === 'Delete' || ev.key === 'Backspace')) deleteSelected();
      else if (ev.key === 'z' || ev.key === 'Z') undo();
      else if (!ev.ctrlKey && (ev.key === 'a' || ev.key === 'A')) setAdding(!state.edit.adding);
      else if (ev.key === 'Escape' && state.edit.adding) setAdding(false);
      else return;
      ev.preventDefault();
    });

    $('history-refresh').addEventListener('click', loadHistory);
    $('history-search').addEventListener('submit', searchHistory);
    $('hs-clear').addEventListener('click', clearSearch);
    $('history-prev').addEventListener('click', function () { historyPage(-1); });
    $('history-next').addEventListener('click', function () { historyPage(1); });
    ['hs-code', 'hs-from', 'hs-to'].forEach(function (id) {
      $(id).addEventListener('input', function () { $(id).removeAttribute('aria-invalid'); });
    });
    $('gallery-more').addEventListener('click', function () {
      gallery.limit += GALLERY_STEP;
      if (state.result) renderGallery(state.result, gallery.all);
    });
    /* Arrow keys move between the gallery's tabs (WAI-ARIA tabs pattern). */
    $('gallery-tabs').addEventListener('keydown', function (ev) {
      if (!state.result || (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight')) return;
      var cls = classesOf(state.result), k = cls.indexOf(gallery.cls);
      galleryTab(cls[(k + (ev.key === 'ArrowRight' ? 1 : cls.length - 1)) % cls.length]);
      ev.preventDefault();
    });
    /* Crops are cut from the image shown: draw them once it has loaded. */
    $('base-img').addEventListener('load', function () {
      if (state.result) renderGallery(state.result, gallery.all);
    });
    $('attach-btn').addEventListener('click', function (ev) {
      if (state.result) openAttach(state.result.id, $('attach-slot'), ev.currentTarget);
    });
    $('history-csv').addEventListener('click', historyCsv);
    $('select-all').addEventListener('change', function (ev) {
      state.selected = new Set(ev.target.checked ? state.history.map(function (r) { return r.id; }) : []);
      renderHistory();
    });

    probeCsp();
    api.model().then(function (m) { state.model = m; render(); }, function () { state.model = null; });
    /* The samples view appears once both its page module (js/samples.js, setting BV.samples)
       and the backend's /api/samples exist. */
    if (BV.samples) api.samples().then(function () {
      show($('nav-samples'), true);
      state.samplesOn = true;
      show($('attach-btn'), !!state.result);
      if (state.view === 'history' && state.history.length) renderHistory();
    }, function () { /* off */ });

    window.addEventListener('hashchange', route);
    setLanguage(i18n.lang, false);
    setBusy(false);
    route();
    document.documentElement.classList.add('ready');
  }

  /* Exposed for the samples module and for tests. */
  BV.app = { state: state, countAt: countAt, countsCsv: countsCsv, showResult: showResult, draftChanges: draftChanges,
             savedThresholds: savedThresholds, activeThresholds: activeThresholds,
             openResult: openResult, errorText: errorText };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
