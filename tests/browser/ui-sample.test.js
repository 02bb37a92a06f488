/*
 * ui-sample.test.js: a sample's white-cell differential and its field marking ("random
 * monolayer" / "chosen around white cells") on the sample page and in its printed report, in
 * English and Spanish, against the server at BV_URL (tests/ui.sh starts lighttpd + the backend).
 *
 * Every assertion compares the page with the JSON the server returned, never with what the
 * detector or the classifier should find: BCCD's white cells are mostly "untyped".
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, DATASET, image, baseUrl, launch, pageModule } = require('./lib');

const IMAGES = ['00001', '00003', '00002'].map(image);
const NO_IMAGES = IMAGES.every((f) => fs.existsSync(f)) ? false : 'BCCD images absent under ' + DATASET;

let base, browser, ctx, page;
const problems = [];

/* Thousands separators off (the page groups them), so page text compares with API numbers. */
function plain(s) { return String(s).replace(/(\d)[,\u00a0\u202f](?=\d{3}(?!\d))/g, '$1'); }

async function sample(id) {
  const r = await page.request.get(base + '/api/samples/' + id);
  assert.equal(r.status(), 200);
  return r.json();
}

async function lang(l) {
  await page.click('.lang button[data-lang="' + l + '"]');
  await page.waitForFunction((x) => document.documentElement.lang === x, l);
}

/* The page's wording of an API message list, in the page's language now. */
async function worded(list, fallback) {
  return (await pageModule(page, 'i18n')).evaluate((i18n, [l, f]) => i18n.msgs(l, f), [list, fallback]);
}

/* What the differential table shows, by type: [cells, %, per µL]. */
function diffTable() {
  return page.$$eval('.differential .diff-table tbody tr', (trs) => Object.fromEntries(trs.map((tr) =>
    [tr.getAttribute('data-type'), Array.from(tr.querySelectorAll('td')).slice(0, 3).map((td) => td.textContent)])));
}

function pdfPages(buf) {
  return (buf.toString('latin1').match(/\/Type\s*\/Page(?![A-Za-z])/g) || []).length;
}

/* The report in view printed as A4 in language l: one page, nothing cut off; returns its text. */
async function printOnePage(l, name) {
  await lang(l);
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#print-report img')).every((i) => i.complete));
  const vp = page.viewportSize();
  await page.setViewportSize({ width: 703, height: 1032 });
  await page.emulateMedia({ media: 'print' });
  try {
    const fit = await page.$eval('#print-report .rp-page', (e) => ({ sh: e.scrollHeight, ch: e.clientHeight }));
    assert.ok(fit.sh <= fit.ch + 1, 'nothing cut off the foot of the page: ' + JSON.stringify(fit));
    const pdf = await page.pdf({ format: 'A4' });
    fs.writeFileSync(path.join(ARTIFACTS, name + '-' + l + '.pdf'), pdf);
    await page.screenshot({ path: path.join(ARTIFACTS, name + '-' + l + '.png'), animations: 'disabled' });
    console.log('# ' + name + '-' + l + '.pdf: ' + pdfPages(pdf) + ' page(s)');
    assert.equal(pdfPages(pdf), 1, name + ' in ' + l + ' prints on one A4 page');
    return page.textContent('#print-report');
  } finally {
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize(vp);
  }
}

before(async () => {
  base = baseUrl();
  if (!base) return;
  browser = await launch();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' ' + r.url()); });
  await page.goto(base + '/');
  await page.waitForSelector('html.ready');
});

after(async () => { if (browser) await browser.close(); });

test('sample: the differential and field marking on the page and in the report, in English and Spanish', async (t) => {
  if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
  if (NO_IMAGES) return t.skip(NO_IMAGES);
  if ((await page.request.get(base + '/api/samples')).status() !== 200) return t.skip('the server has no /api/samples');
  const smp = await (await page.request.post(base + '/api/samples', { data: { code: 'DIFF-1', age: 30, age_unit: 'years',
    sex: 'female' } })).json();
  assert.ok(smp.id, JSON.stringify(smp));
  assert.equal(smp.new_field_selection, 'random');
  const results = [];
  try {
    for (const f of IMAGES.slice(0, 2)) {
      const r = await page.request.post(base + '/api/analyze', { timeout: 120000, multipart: {
        image: { name: path.basename(f), mimeType: 'image/jpeg', buffer: fs.readFileSync(f) }, sample: smp.id } });
      assert.equal(r.status(), 200);
      results.push((await r.json()).id);
    }
    await page.goto(base + '/#/samples/' + smp.id);
    await page.waitForSelector('.differential');
    let api = await sample(smp.id), dv = api.summary.differential;

    /* The differential as the API gives it: counts, %, the 100-cell rule with progress. */
    assert.equal(dv.typed + dv.untyped, api.summary.totals.WBC, 'typed + untyped = the WBC total');
    const rows = await diffTable();
    for (const c of dv.classes) {
      assert.equal(plain(rows[c][0]), String(dv.counts[c]), 'cells ' + c);
      assert.equal(rows[c][1], dv.percent[c] === null ? '–' : dv.percent[c].toFixed(1), '% ' + c);
      assert.equal(plain(rows[c][2]), dv.per_ul ? String(dv.per_ul[c]) : '–', 'per µL ' + c);
    }
    assert.equal(plain(rows.untyped[0]), String(dv.untyped), 'untyped');
    assert.equal(await page.getAttribute('.differential', 'data-complete'), String(dv.complete));
    assert.equal(await page.textContent('.differential .diff-progress span'), dv.typed + '/100 typed white cells');
    assert.equal(await page.textContent('.differential .diff-text'), dv.text, 'the rule in the server\'s words');
    if (!dv.complete) {
      assert.match(dv.text, new RegExp('Differential needs >= 100 typed white cells: ' + dv.typed + '/100'));
      assert.match(await page.textContent('.differential h3'), /incomplete/);
      /* Never high or low while incomplete. */
      assert.equal(await page.$$eval('.differential tr.diff-out', (l) => l.length), 0);
    }
    assert.equal(await page.$$eval('.differential .diff-flag', (l) => l.length), dv.flags.length, 'IG/erythroblast flags');
    if (!dv.per_ul) assert.equal(plain(await page.textContent('.differential .per-ul-withheld')),
      plain('Per µL withheld: ' + dv.per_ul_withheld));
    if (dv.reference) assert.match(await page.textContent('.differential thead'), dv.reference.unverified ? /Reference \(unverified\)/ : /Reference/);

    /* Field marking: every field random first, no note. */
    assert.deepEqual(await page.$$eval('.field-list > li', (l) => l.map((li) => li.getAttribute('data-selection'))), ['random', 'random']);
    assert.equal(await page.$('.selection-note'), null);
    const est0 = api.summary.estimates;
    /* Mark the first field "chosen around white cells": the estimates drop it, the page says so. */
    const put = page.waitForResponse((r) => r.url().endsWith('/results/' + results[0]) && r.request().method() === 'PUT');
    await page.selectOption(`.field-list li[data-result="${results[0]}"] select.field-selection`, 'targeted');
    assert.equal((await put).status(), 200);
    await page.waitForSelector(`.field-list li[data-result="${results[0]}"][data-selection="targeted"]`);
    api = await sample(smp.id);
    assert.equal(api.sample.field_selection[results[0]], 'targeted', 'stored with the attachment');
    assert.equal(api.summary.selection.targeted, 1);
    assert.equal(await page.textContent('.selection-note'), api.summary.selection.text);
    assert.match(api.summary.selection.text, /Estimates use the 1 random monolayer field only; 1 field chosen around white cells is left out/);
    const f2 = api.summary.per_field.find((f) => f.result === results[1]);
    /* densities count in the counting frame (issue 20): the field's frame count scaled to the field */
    const rbc2 = api.summary.counting_frame.used ? Math.round(f2.frame.counts.RBC * f2.frame.field_over_frame * 1000) / 1000
      : f2.counts.RBC;
    if (api.summary.estimates.RBC) assert.equal(api.summary.estimates.RBC.formula_i18n[0].params.mean, rbc2,
      'the RBC estimate from the random field alone');
    assert.ok(est0, 'estimates before');
    /* The totals and the differential still count both fields. */
    assert.equal(api.summary.totals.WBC, api.summary.per_field.reduce((s, f) => s + f.counts.WBC, 0));
    assert.equal(api.summary.differential.typed + api.summary.differential.untyped, api.summary.totals.WBC);

    /* The report: the differential and the marking, on its one page. */
    await page.waitForSelector(`#print-report .rp-sample[data-sample="${smp.id}"] .rp-diff`, { state: 'attached' });
    let rp = await page.textContent('#print-report');
    assert.match(rp, new RegExp('Differential \\(' + api.summary.differential.typed + '/100 typed white cells'));
    assert.ok(plain(rp).includes(plain(api.summary.selection.text)), 'the report says which fields the estimates used');
    assert.match(rp, /around WBC/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-sample-differential-en.png'), fullPage: true, animations: 'disabled' });

    /* Spanish: the same numbers, every sentence worded from its codes. */
    await lang('es');
    dv = api.summary.differential;
    assert.match(await page.textContent('.differential h3'), /Fórmula leucocitaria/);
    assert.equal(await page.textContent('.differential .diff-progress span'), dv.typed + '/100 leucocitos tipificados');
    const esText = await worded(dv.text_i18n, null);
    assert.ok(esText && esText !== dv.text, 'the rule has Spanish words');
    assert.equal(await page.textContent('.differential .diff-text'), esText);
    if (!dv.complete) assert.match(esText, new RegExp('La fórmula necesita >= 100 leucocitos tipificados: ' + dv.typed + '/100'));
    assert.equal(await page.textContent('.selection-note'), await worded(api.summary.selection.text_i18n, null));
    assert.match(await page.textContent('.selection-note'), /Las estimaciones usan solo el 1 campo de monocapa al azar; queda fuera 1 campo elegido alrededor de leucocitos/);
    assert.equal(await page.$eval(`.field-list li[data-result="${results[0]}"] select.field-selection`,
      (s) => s.options[s.selectedIndex].textContent), 'elegido alrededor de leucocitos');
    assert.equal(await page.textContent('.differential tr[data-type="neutrophil"] th'), 'neutrófilo');
    rp = await page.textContent('#print-report');
    assert.match(rp, /Fórmula \(\d+\/100 leucocitos tipificados, (incompleta|completa)\)/);
    assert.match(rp, /junto a leucocitos/);
    const es = plain(await page.textContent('#samples-root'));
    for (const e of [dv.text, api.summary.selection.text]) assert.ok(!es.includes(plain(e)), 'English left: ' + e);
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-sample-differential-es.png'), fullPage: true, animations: 'disabled' });

    /* A 360 px phone: the differential and the field marks without sideways scrolling. */
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForTimeout(100);
    const fit = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth,
      table: document.querySelector('.diff-table').getBoundingClientRect().right,
      sel: document.querySelector('.field-list select').getBoundingClientRect().height }));
    assert.ok(fit.doc <= fit.vw && fit.table <= fit.vw, 'no sideways scrolling at 360 px: ' + JSON.stringify(fit));
    assert.ok(fit.sel >= 44, 'the field mark is a 44 px tap target: ' + fit.sel);
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone-sample-differential.png'), fullPage: true, animations: 'disabled' });
    await page.setViewportSize({ width: 1280, height: 900 });

    /* New fields: "chosen around white cells" from the sample page, kept in the active bar; an upload follows it. */
    await lang('en');
    const put2 = page.waitForResponse((r) => r.url().endsWith('/api/samples/' + smp.id + '/selection'));
    await page.selectOption('#sample-new-selection', 'targeted');
    assert.equal((await put2).status(), 200);
    assert.equal((await sample(smp.id)).sample.new_field_selection, 'targeted');
    await page.waitForFunction(() => document.getElementById('sample-new-selection') &&
      document.getElementById('sample-new-selection').value === 'targeted');
    await page.click('#sample-add');
    await page.waitForSelector('#active-sample:not([hidden])');
    assert.equal(await page.$eval('#active-selection', (s) => s.value), 'targeted', 'the bar shows how new fields are marked');
    const resp = page.waitForResponse((r) => r.url().endsWith('/api/analyze'), { timeout: 120000 });
    await page.setInputFiles('#file-input', IMAGES[2]);
    const up = await resp;
    assert.equal(up.status(), 200);
    const rid = (await up.json()).id;
    results.push(rid);
    api = await sample(smp.id);
    assert.equal(api.summary.per_field.find((f) => f.result === rid).selection, 'targeted', 'the upload is marked targeted');
    /* The bar's progress follows the sample's stability numbers after the upload. */
    const st = api.summary.stability;
    assert.equal(typeof st.fields, 'number');
    const want = 'Random fields: ' + st.fields + ' of ' + st.min_fields + ' · ' + st.rbc + '/' + st.min_rbc + ' RBC';
    await page.waitForFunction((w) => (document.getElementById('active-progress') || {}).textContent === ' ' + w,
      want, { timeout: 30000 });
    /* Back to random from the bar, after a reload (the active sample is in the URL). */
    await page.reload();
    await page.waitForSelector('html.ready');
    await page.waitForFunction(() => document.getElementById('active-selection') &&
      document.getElementById('active-selection').value === 'targeted');
    const put3 = page.waitForResponse((r) => r.url().endsWith('/api/samples/' + smp.id + '/selection'));
    await page.selectOption('#active-selection', 'random');
    assert.equal((await put3).status(), 200);
    assert.equal((await sample(smp.id)).sample.new_field_selection, 'random');
    await page.click('#active-sample button');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await page.request.delete(base + '/api/samples/' + smp.id);
    for (const id of results) await page.request.delete(base + '/api/results/' + id);
  }
});

test('a 10-field sample, half its fields chosen around white cells: the report with its differential on one A4 page, en and es', async (t) => {
  if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
  if (NO_IMAGES) return t.skip(NO_IMAGES);
  if ((await page.request.get(base + '/api/samples')).status() !== 200) return t.skip('the server has no /api/samples');
  const smp = await (await page.request.post(base + '/api/samples', { data: { code: 'DIFF-PRINT-10', age: 4, age_unit: 'years',
    sex: 'male', hemoglobin: 10.5, hemoglobin_unit: 'g/dL', altitude_m: 3400, note: 'Heel prick.' } })).json();
  const results = [];
  try {
    for (let i = 0; i < 10; i++) {
      const f = IMAGES[i % IMAGES.length];
      const r = await page.request.post(base + '/api/analyze', { timeout: 120000, multipart: {
        image: { name: path.basename(f), mimeType: 'image/jpeg', buffer: fs.readFileSync(f) }, sample: smp.id } });
      assert.equal(r.status(), 200, 'field ' + (i + 1));
      results.push((await r.json()).id);
      if (i % 2 === 0) assert.equal((await page.request.put(base + '/api/samples/' + smp.id + '/results/' + results[i],
        { data: { selection: 'targeted' } })).status(), 200);
    }
    const sum = (await sample(smp.id)).summary;
    assert.equal(sum.selection.targeted, 5);
    await page.goto(base + '/#/samples/' + smp.id);
    await page.waitForSelector('.differential');
    await page.waitForSelector(`#print-report .rp-sample[data-sample="${smp.id}"] .rp-diff`, { state: 'attached' });
    const en = plain(await printOnePage('en', 'report-sample-differential'));
    assert.ok(en.includes(plain(sum.selection.text)), 'which fields the estimates used');
    assert.match(en, new RegExp('Differential \\(' + sum.differential.typed + '/100 typed white cells, (in)?complete\\)'));
    assert.equal((en.match(/around WBC/g) || []).length, 5, 'the five targeted fields marked under their thumbnails');
    const es = plain(await printOnePage('es', 'report-sample-differential'));
    assert.match(es, new RegExp('Fórmula \\(' + sum.differential.typed + '/100 leucocitos tipificados'));
    assert.equal((es.match(/junto a leucocitos/g) || []).length, 5);
    await lang('en');
  } finally {
    await page.request.delete(base + '/api/samples/' + smp.id);
    for (const id of results) await page.request.delete(base + '/api/results/' + id);
  }
});

test('chamber: manual counts typed in the form, the arithmetic shown, the detector note, in English and Spanish', async (t) => {
  if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
  if ((await page.request.get(base + '/api/samples')).status() !== 200) return t.skip('the server has no /api/samples');
  await page.goto(base + '/#/samples');
  await page.waitForSelector('.new-sample > summary');
  await page.click('.new-sample > summary');
  const form = '.new-sample .sample-form ';
  await page.fill(form + '[name="code"]', 'CH-1');
  await page.selectOption(form + '[name="preparation"]', 'chamber');
  assert.equal(await page.isVisible(form + '.manual-counts'), true, 'the manual counts appear for a chamber');
  await page.selectOption(form + '[name="sex"]', 'female');
  await page.fill(form + '[name="age"]', '30');
  await page.selectOption(form + '[name="age_unit"]', 'years');
  /* Half a row is refused here, naming it. */
  await page.fill(form + '[name="manual_counts.WBC.cells"]', '123');
  await page.click(form + 'button[type="submit"]');
  await page.waitForSelector(form + '.form-error .error');
  assert.equal(await page.getAttribute(form + '.form-error .error', 'data-field'), 'manual_counts.WBC.squares');
  assert.match(await page.textContent(form + '.form-error'), /White blood cells · Squares counted/);
  await page.fill(form + '[name="manual_counts.WBC.squares"]', '4');
  await page.selectOption(form + '[name="manual_counts.WBC.square"]', 'large');
  await page.fill(form + '[name="manual_counts.WBC.dilution"]', '20');
  await page.fill(form + '[name="manual_counts.RBC.cells"]', '450');
  await page.fill(form + '[name="manual_counts.RBC.squares"]', '5');
  const post = page.waitForResponse((r) => r.url().endsWith('/api/samples') && r.request().method() === 'POST');
  await page.click(form + 'button[type="submit"]');
  const created = await (await post).json();
  assert.ok(created.id, JSON.stringify(created));
  try {
    assert.deepEqual(created.manual_counts, { WBC: { cells: 123, squares: 4, square: 'large', dilution: 20 },
      RBC: { cells: 450, squares: 5, square: 'medium', dilution: null } });
    await page.waitForSelector('.manual-table');
    const api = await sample(created.id), m = api.summary.manual;
    /* 123 / (4 x 1 mm² x 0.1 mm) x 20 and 450 / (5 x 0.04 mm² x 0.1 mm) x 200 (the profile's depth and dilution). */
    assert.equal(m.WBC.per_ul, Math.round(123 / (4 * 1 * m.WBC.depth_mm) * 20));
    assert.equal(m.RBC.per_ul, Math.round(450 / (5 * 0.04 * m.RBC.depth_mm) * m.RBC.dilution));
    assert.equal(plain(await page.textContent('.manual-table tr[data-class="WBC"] td.per-ul')), String(m.WBC.per_ul));
    assert.equal(plain(await page.textContent('.manual-formula[data-class="WBC"]')), plain(m.WBC.formula));
    assert.match(m.WBC.formula, /^WBC\/µL = 123 cells counted ÷ \(4 large squares × 1 mm² × 0\.1 mm deep\) × dilution 20 = 6150$/);
    assert.equal(await page.textContent('.detector-note'), api.summary.detector_note);
    assert.match(api.summary.detector_note, /not been validated on counting-chamber images/);
    assert.match(await page.textContent('#print-report'), /Manual chamber counts: /);
    assert.equal(await page.$('.differential'), null, 'no differential for a chamber without fields');
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-chamber-manual-en.png'), fullPage: true, animations: 'disabled' });
    await lang('es');
    assert.equal(plain(await page.textContent('.manual-formula[data-class="WBC"]')),
      'GB/µL = 123 células contadas ÷ (4 cuadros grandes × 1 mm² × 0,1 mm de profundidad) × dilución 20 = 6150');
    assert.equal(await page.textContent('.detector-note'), await worded(api.summary.detector_note_i18n, null));
    assert.match(await page.textContent('.detector-note'), /El detector no está validado en imágenes de cámara de recuento/);
    /* The edit form brings the counts back in this language's notation. */
    await page.click('#sample-edit');
    assert.equal(await page.inputValue('.edit-sample [name="manual_counts.WBC.cells"]'), '123');
    assert.equal(await page.inputValue('.edit-sample [name="manual_counts.RBC.square"]'), 'medium');
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-chamber-manual-es.png'), fullPage: true, animations: 'disabled' });
    await lang('en');
  } finally {
    await page.request.delete(base + '/api/samples/' + created.id);
  }
  assert.deepEqual(problems.filter((p) => !/\/api\/samples 400|HTTP 400/.test(p)), [], 'no console errors');
});
