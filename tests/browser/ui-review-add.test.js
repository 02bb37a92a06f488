/*
 * ui-review-add.test.js: review (issue 25 item 6): a tap on empty space adds nothing unless "Add
 * cell" is pressed (or key A), even after a save; one cell a press; on a 1366x768 desktop the
 * image and the type/delete buttons fit in the window together; the "saved" notice never covers
 * Delete or Undo; 1366x768 and 360x740, English and Spanish, against the server at BV_URL.
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, VIEWS, image, baseUrl,
  launch, apiContext, openPage, analyzeFile } = require('./lib');

const IMAGE = image('00003');
const NO_IMAGES = fs.existsSync(IMAGE) ? false : 'test image absent: ' + IMAGE;

let base, browser, api;
const made = [];

before(async () => {
  base = baseUrl();
  if (!base || NO_IMAGES) return;
  browser = await launch();
  api = await apiContext();
});

after(async () => {
  if (!browser) return;
  for (const id of made) await api.delete(base + '/api/results/' + id);
  await browser.close();
});

/* A point of the image where no box is, in page coordinates. */
function emptySpot(page) {
  return page.evaluate(() => {
    const img = document.getElementById('base-img').getBoundingClientRect();
    for (let fy = 0.2; fy < 0.85; fy += 0.05)
      for (let fx = 0.2; fx < 0.85; fx += 0.05) {
        const x = img.left + img.width * fx, y = img.top + img.height * fy;
        const e = document.elementFromPoint(x, y);
        if (e && !e.classList.contains('box') && e.closest('#viewer')) return { x, y };
      }
    return null;
  });
}

const boxes = (page) => page.$$eval('#overlay rect.box', (l) => l.length);

for (const [vname, view] of VIEWS) {
  for (const lang of ['en', 'es']) {
    test(`review: adding needs "Add cell"; buttons fit; the notice covers nothing (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      if (NO_IMAGES) return t.skip(NO_IMAGES);
      const rid = (await analyzeFile(api, base, IMAGE)).id;
      made.push(rid);
      const { ctx, page } = await openPage(browser, base, view, lang);
      try {
        await page.goto(base + '/#/result/' + rid);
        await page.waitForFunction((id) => document.getElementById('r-file').title === id, rid);
        await page.click('#review-toggle');
        await page.waitForSelector('#review-tools:not([hidden])');
        await page.locator('#viewer').scrollIntoViewIfNeeded();
        const n0 = await boxes(page);
        let e = await emptySpot(page);
        assert.ok(e, 'an empty spot');
        await page.mouse.click(e.x, e.y);
        assert.equal(await boxes(page), n0, 'a stray tap adds nothing');
        await page.click('#review-add');
        assert.equal(await page.getAttribute('#review-add', 'aria-pressed'), 'true');
        await page.locator('#viewer .viewport').scrollIntoViewIfNeeded();
        e = await emptySpot(page);
        await page.mouse.click(e.x, e.y);
        assert.equal(await boxes(page), n0 + 1, '"Add cell" then a tap adds one');
        assert.equal(await page.getAttribute('#review-add', 'aria-pressed'), 'false', 'one cell a press');
        await page.locator('#viewer .viewport').scrollIntoViewIfNeeded();
        e = await emptySpot(page);
        await page.mouse.click(e.x, e.y);
        assert.equal(await boxes(page), n0 + 1, 'the next stray tap adds nothing');

        if (vname === 'desktop') {
          /* the image and the type/delete buttons in one 768 px window */
          await page.locator('#review-delete').scrollIntoViewIfNeeded();
          const fit = await page.evaluate(() => {
            const v = document.querySelector('#viewer .viewport').getBoundingClientRect();
            const d = document.getElementById('review-delete').getBoundingClientRect();
            const c = document.getElementById('review-classes').getBoundingClientRect();
            return { span: Math.max(d.bottom, c.bottom) - Math.min(v.top, c.top), h: window.innerHeight };
          });
          assert.ok(fit.span <= fit.h, 'image and buttons fit together: ' + JSON.stringify(fit));
        }

        /* save: the notice must not cover Delete or Undo; afterwards a stray tap still adds nothing */
        await page.fill('#review-by', 'Tec. Ana');
        const put = page.waitForResponse((x) => /\/review$/.test(x.url()) && x.request().method() === 'PUT');
        await page.click('#review-save');
        assert.equal((await put).status(), 200);
        /* the answer is in before the page's handler writes the line: wait for the line itself */
        await page.waitForFunction((re) => new RegExp(re, 'i').test(document.getElementById('review-state').textContent),
          lang === 'es' ? 'guardad' : 'saved');
        await page.locator('#review-delete').scrollIntoViewIfNeeded();
        const overlap = await page.evaluate(() => {
          const nt = document.getElementById('notice');
          if (nt.hidden) return [];
          const n = nt.getBoundingClientRect();
          return ['review-delete', 'review-undo', 'review-add'].filter((id) => {
            const b = document.getElementById(id).getBoundingClientRect();
            return !(n.right <= b.left || n.left >= b.right || n.bottom <= b.top || n.top >= b.bottom);
          });
        });
        assert.deepEqual(overlap, [], 'the notice covers none of the review buttons');
        await page.screenshot({ path: path.join(ARTIFACTS, `review-add-${vname}-${lang}.png`) });
        await page.locator('#viewer').scrollIntoViewIfNeeded();
        const n1 = await boxes(page);
        await page.locator('#viewer .viewport').scrollIntoViewIfNeeded();
        e = await emptySpot(page);
        await page.mouse.click(e.x, e.y);
        assert.equal(await boxes(page), n1, 'after saving, a stray tap adds nothing');
        /* keyboard: A arms it, Escape disarms */
        if (vname === 'desktop') {
          await page.keyboard.press('a');
          assert.equal(await page.getAttribute('#review-add', 'aria-pressed'), 'true');
          await page.keyboard.press('Escape');
          assert.equal(await page.getAttribute('#review-add', 'aria-pressed'), 'false');
        }
      } finally {
        await ctx.close();
      }
    });
  }
}
