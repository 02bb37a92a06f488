/*
 * ui-morphology.test.js: a sample's red-cell morphology on the sample page, in English and
 * Spanish, against the server at BV_URL (tests/ui.sh starts lighttpd + the backend): the figures
 * and the pattern line (or why it is withheld) are the API's, worded by the page.
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const { DATASET, image, baseUrl, launch } = require('./lib');

const IMAGE = image('00005');
const NO_IMAGE = fs.existsSync(IMAGE) ? false : 'no test image under ' + DATASET;

let base, browser, page;
const problems = [];

async function lang(l) {
  await page.click('.lang button[data-lang="' + l + '"]');
  await page.waitForFunction((x) => document.documentElement.lang === x, l);
}

before(async () => {
  base = baseUrl();
  if (!base) return;
  browser = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  await page.goto(base + '/');
  await page.waitForSelector('html.ready');
});

after(async () => { if (browser) await browser.close(); });

test('sample: red-cell morphology figures, the pattern line withheld, then shown on the page and in the report, in English and Spanish', async (t) => {
  if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
  if (NO_IMAGE) return t.skip(NO_IMAGE);
  const smp = await (await page.request.post(base + '/api/samples', { data: { code: 'MORPH-UI' } })).json();
  assert.ok(smp.id, JSON.stringify(smp));
  try {
    const r = await page.request.post(base + '/api/analyze', { timeout: 120000, multipart: {
      image: { name: 'f.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(IMAGE) }, sample: smp.id } });
    assert.equal(r.status(), 200);
    const m = (await (await page.request.get(base + '/api/samples/' + smp.id)).json()).summary.morphology;
    assert.equal(m.fields, 1);
    assert.ok(m.measured < m.min_cells, 'one field measures too few cells for a pattern');
    await page.goto(base + '/#/samples/' + smp.id);
    await page.waitForSelector('.morphology');
    await lang('en');
    assert.equal(await page.getAttribute('.morphology', 'data-measured'), String(m.measured));
    assert.match(await page.textContent('.morphology h3'), /Red-cell morphology \(unverified\)/);
    const fig = await page.textContent('.morphology .morph-figures');
    assert.ok(fig.startsWith(m.measured + ' red cells measured in 1 fields'), fig);
    if (m.measured > 0) assert.ok(fig.includes(m.mean_diameter_px.toFixed(1) + ' px'), 'mean diameter in px: ' + fig);
    assert.equal(await page.$('.morphology .morph-pattern'), null, 'no pattern below the minimum');
    /* withheld below the minimum of classified cells (of measured ones without the classifier) */
    const byCls = m.pattern_source === 'classes', have = byCls ? m.classes.classified : m.measured;
    assert.equal(await page.textContent('.morphology .morph-withheld'),
      'No pattern line: ' + have + (byCls ? ' red cells classified' : ' red cells measured') + ', at least ' + m.min_cells + ' needed.');
    await lang('es');
    assert.match(await page.textContent('.morphology h3'), /Morfología eritrocitaria \(sin verificar\)/);
    const fes = await page.textContent('.morphology .morph-figures');
    assert.ok(fes.startsWith(m.measured + ' glóbulos rojos medidos en 1 campos'), fes);
    if (m.measured > 0) assert.ok(fes.includes(m.mean_diameter_px.toFixed(1).replace('.', ',') + ' px'), 'Spanish comma: ' + fes);
    assert.equal(await page.textContent('.morphology .morph-withheld'),
      'Sin línea de patrón: ' + have + (byCls ? ' glóbulos rojos clasificados' : ' glóbulos rojos medidos') + ', se necesitan al menos ' + m.min_cells + '.');
    await lang('en');

    /* Enough cells for a pattern (the API's summary with a pattern put in): the page and the
       one-page report show the line with its caveat, in both languages. */
    const url = base + '/api/samples/' + smp.id;
    await page.route(url, async (route) => {
      const resp = await route.fetch(), j = await resp.json();
      Object.assign(j.summary.morphology, { measured: 150, pattern: 'Small pale red cells (microcytic hypochromic pattern): ' +
        'consistent with iron deficiency or thalassaemia trait; confirm with haemoglobin and ferritin. Not a diagnosis.',
      pattern_i18n: [{ code: 'morph_pattern_micro_hypo', params: {} }], withheld: null, withheld_i18n: null,
      classes: { classified: 150, abstained: 10, by: { normal: 90, microcyte: 45, hypochromia: 15, burr: 0 },
        share: { normal: 0.6, microcyte: 0.3, hypochromia: 0.1, burr: 0 }, leading_abnormal: 'microcyte' } });
      await route.fulfill({ response: resp, json: j });
    });
    await page.goto(base + '/#/');
    await page.goto(base + '/#/samples/' + smp.id);
    await page.waitForSelector('.morphology .morph-pattern');
    assert.equal(await page.$('.morphology .morph-withheld'), null);
    assert.match(await page.textContent('.morphology .morph-pattern'), /^Small pale red cells .*ferritin\. Not a diagnosis\.$/);
    /* the morphology classes (models/v1-rbcmorph): shares largest first, classes under 1 % left out */
    assert.match(await page.textContent('.morphology .morph-classes'),
      /^150 red cells classified by shape \(10 abstained; .*unverified here\): normal 60 %, microcyte 30 %, hypochromic cell 10 %\.$/);
    assert.equal(await page.textContent('.morphology .morph-lead'), 'Leading abnormal shape: microcyte. Not a diagnosis.');
    assert.equal(await page.$('.morphology .morph-ellip-caveat'), null, 'no elliptocyte listed: no caveat');
    /* microcytes listed: the small-pale caveat (class offsets, models/README.md) */
    assert.match(await page.textContent('.morphology .morph-smallpale-caveat'), /^Small and pale red cells: .*cells themselves\.$/);
    /* elliptocytes listed: the one-slide caveat (docs/morphology.md), en and es */
    const ell = await page.evaluate(async () => {
      const m = await import('/js/morphclasses.js'), i18n = await import('/js/i18n.js');
      const v = m.classesView({ classified: 120, abstained: 0, share: { normal: 0.7, elliptocyte: 0.3 }, leading_abnormal: 'elliptocyte' });
      const e = v.querySelector('.morph-ellip-caveat');
      return { text: e && e.textContent, en: i18n.t('smp.morph.ellipCaveat'),
        smallPale: v.querySelector('.morph-smallpale-caveat') !== null };
    });
    assert.strictEqual(ell.smallPale, false, 'no microcyte or hypochromic cell listed: no small-pale caveat');
    assert.match(ell.text || '', /^Elliptocytes: the classifier learned them from a single slide .*cells themselves\.$/, JSON.stringify(ell));
    await page.waitForSelector(`#print-report .rp-sample[data-sample="${smp.id}"] .rp-morph`, { state: 'attached' });
    assert.match(await page.textContent('#print-report .rp-morph'), /^Red-cell morphology \(unverified\): Small pale red cells .*Not a diagnosis\.$/);
    await lang('es');
    assert.match(await page.textContent('.morphology .morph-pattern'), /^Glóbulos rojos pequeños y pálidos .*ferritina\. No es un diagnóstico\.$/);
    assert.match(await page.textContent('.morphology .morph-classes'), /^150 glóbulos rojos clasificados por forma .*: normal 60 %, microcito 30 %, célula hipocrómica 10 %\.$/);
    assert.equal(await page.textContent('.morphology .morph-lead'), 'Forma anormal más frecuente: microcito. No es un diagnóstico.');
    assert.match(await page.textContent('.morphology .morph-smallpale-caveat'), /^Glóbulos rojos pequeños y pálidos: .*propias células\.$/);
    assert.match(await page.textContent('#print-report .rp-morph'), /^Morfología eritrocitaria \(sin verificar\): Glóbulos rojos pequeños .*No es un diagnóstico\.$/);
    /* With the line, the sample's report still fits its A4 page (Spanish is the longer). */
    const vp = page.viewportSize();
    await page.setViewportSize({ width: 703, height: 1032 });
    await page.emulateMedia({ media: 'print' });
    const fit = await page.$eval(`#print-report .rp-sample[data-sample="${smp.id}"]`, (e) => ({ sh: e.scrollHeight, ch: e.clientHeight }));
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize(vp);
    assert.ok(fit.sh <= fit.ch + 1, 'the report fits its page: ' + JSON.stringify(fit));
    await lang('en');
    await page.unroute(url);
    assert.deepEqual(problems, []);
  } finally {
    await page.request.delete(base + '/api/samples/' + smp.id);
  }
});
