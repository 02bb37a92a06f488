/*
 * ui-live-banner.test.js: the active sample's banner after a live capture (issue 25 item 9): a
 * field captured from the live camera counts in the banner at once, as an upload does (it said
 * the count from before the capture); 1366x768 and 360x740, English and Spanish.  Chromium's fake
 * camera plays BCCD frames (an MJPEG file made here from one image), against the server at
 * BV_URL (tests/ui.sh).
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ARTIFACTS, VIEWS, image, baseUrl, launch, pageModule, apiContext } = require('./lib');

const IMAGE = image('00001');
const NO_IMAGES = fs.existsSync(IMAGE) ? false : 'test image absent: ' + IMAGE;

let base, browser, api, dir;
const made = [];

before(async () => {
  base = baseUrl();
  if (!base || NO_IMAGES) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bv-cam-'));
  const clip = path.join(dir, 'smear.mjpeg');
  fs.writeFileSync(clip, Buffer.concat(Array(5).fill(fs.readFileSync(IMAGE))));
  browser = await launch(['--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream', '--use-file-for-fake-video-capture=' + clip]);
  api = await apiContext();
});

after(async () => {
  if (!browser) return;
  for (const m of made) await api.delete(base + (m.sample ? '/api/samples/' : '/api/results/') + m.id);
  await browser.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const [vname, view] of VIEWS) {
  for (const lang of ['en', 'es']) {
    test(`a live capture counts in the active sample's banner at once (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      if (NO_IMAGES) return t.skip(NO_IMAGES);
      const sid = (await (await api.post(base + '/api/samples', { data: { code: 'LIVE-' + vname + '-' + lang } })).json()).id;
      made.push({ sample: true, id: sid });
      const ctx = await browser.newContext({ viewport: view, locale: lang === 'es' ? 'es-PE' : 'en-GB', permissions: ['camera'] });
      const page = await ctx.newPage();
      try {
        await page.goto(base + '/');
        await page.waitForSelector('html.ready');
        await page.click('.lang button[data-lang="' + lang + '"]');
        await page.goto(base + '/#/samples/' + sid);
        await page.click('#sample-add');
        await page.waitForSelector('#active-sample:not([hidden])');
        await page.waitForFunction(() => /\d/.test(document.getElementById('active-progress').textContent));
        const before0 = await page.textContent('#active-progress');
        await page.click('#live-start');
        /* a frame analysed first: the fake camera's first frames can be blank (422 not_a_smear_blank) */
        await page.waitForFunction((live) => live.state.running && live.state.last, await pageModule(page, 'live'), { timeout: 60000 });
        const done = page.waitForResponse((r) => r.url().endsWith('/api/analyze') && r.request().method() === 'POST', { timeout: 120000 });
        await page.click('#live-capture');
        const r = await done;
        assert.equal(r.status(), 200, await r.text());
        made.push({ sample: false, id: (await r.json()).id });
        await page.click('#live-stop');
        const st = (await (await api.get(base + '/api/samples/' + sid)).json()).summary.stability;
        assert.equal(st.fields, 1, 'the sample has the captured field');
        const want = lang === 'es' ? 'Campos aleatorios: 1 de ' : 'Random fields: 1 of ';
        await page.waitForFunction((w) => document.getElementById('active-progress').textContent.includes(w), want, { timeout: 10000 })
          .catch(() => {});
        const now = await page.textContent('#active-progress');
        assert.ok(now.includes(want), 'the banner counts the capture: before "' + before0 + '", now "' + now + '"');
        await page.locator('#active-sample').screenshot({ path: path.join(ARTIFACTS, `live-banner-${vname}-${lang}.png`) });
      } finally {
        await ctx.close();
      }
    });
  }
}
