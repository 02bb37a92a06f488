/*
 * ui-phone-table.test.js: a sample's tables on a 360x740 phone (issue 25 item 5): the per-µL and
 * flag columns and the differential's reference column are reachable by scrolling inside the
 * table's own box (the page itself never scrolls sideways), the first column stays in view while
 * it scrolls, and a shadow at the edge shows there is more; English and Spanish, and on a
 * 1366x768 desktop nothing needs scrolling; against the server at BV_URL (tests/ui.sh).
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, image, baseUrl, launch, apiContext, openPage, analyzeFile } = require('./lib');

const IMAGE = image('00007');
const NO_IMAGES = fs.existsSync(IMAGE) ? false : 'test image absent: ' + IMAGE;

let base, browser, api, sid, rid;

before(async () => {
  base = baseUrl();
  if (!base || NO_IMAGES) return;
  browser = await launch();
  api = await apiContext();
  sid = (await (await api.post(base + '/api/samples', { data: { code: 'PHONE-TBL', age: 30, age_unit: 'years', sex: 'male' } })).json()).id;
  rid = (await analyzeFile(api, base, IMAGE, { sample: sid })).id;
});

after(async () => {
  if (!browser) return;
  if (sid) await api.delete(base + '/api/samples/' + sid);
  if (rid) await api.delete(base + '/api/results/' + rid);
  await browser.close();
});

/* Every column of table sel can be brought into view by scrolling its box; the page stays put. */
async function reachable(page, sel) {
  return page.$eval(sel, (table) => {
    const box = table.closest('.table-scroll');
    if (!box) return { box: false };
    const head = Array.from(table.querySelectorAll('thead th'));
    const last = head[head.length - 1];
    box.scrollLeft = box.scrollWidth;
    const b = box.getBoundingClientRect(), l = last.getBoundingClientRect();
    const first = table.querySelector('tbody th, tbody td').getBoundingClientRect();
    const cue = getComputedStyle(box).backgroundImage;
    const out = { box: true, scrolls: box.scrollWidth > box.clientWidth, lastIn: l.right <= b.right + 1 && l.left >= b.left - 1,
      firstStays: first.left >= b.left - 1, cue: /gradient/.test(cue), pageWide: document.documentElement.scrollWidth > window.innerWidth };
    box.scrollLeft = 0;
    return out;
  });
}

for (const lang of ['en', 'es']) {
  test(`phone 360x740 (${lang}): the sample table's and the differential's columns scroll into view in their box`, async (t) => {
    if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
    if (NO_IMAGES) return t.skip(NO_IMAGES);
    for (const [vname, view] of [['phone', { width: 360, height: 740 }], ['desktop', { width: 1366, height: 768 }]]) {
      const { ctx, page } = await openPage(browser, base, view, lang);
      try {
        await page.goto(base + '/#/samples/' + sid);
        await page.waitForSelector('.sample-table');
        for (const sel of ['.sample-table', '.differential .diff-table']) {
          if (!(await page.$(sel))) continue;
          const r = await reachable(page, sel);
          assert.equal(r.box, true, sel + ' sits in a scrolling box');
          assert.equal(r.pageWide, false, 'the page itself does not scroll sideways');
          assert.equal(r.lastIn, true, sel + ': the last column can be scrolled into view ' + JSON.stringify(r));
          if (r.scrolls) {
            assert.equal(r.firstStays, true, sel + ': the first column stays in view');
            assert.equal(r.cue, true, sel + ': a shadow shows there is more');
          }
        }
        await page.locator('.sample-table').screenshot({ path: path.join(ARTIFACTS, `phone-table-${vname}-${lang}.png`) });
      } finally {
        await ctx.close();
      }
    }
  });
}
