/**
 * The web console in Debian's headless Chromium (playwright-core, as the runtime suite drives
 * it), against a key server on a loopback port: log in with a token, provision a client and see
 * its generated key once, add a topic, rotate its key and see the rotation arrive on the live
 * event stream, link and revoke a client, and read the jobs and the statistics. Names are shown
 * as text, never as markup; the page runs under its Content Security Policy without a
 * violation. A screenshot of each page goes to test-results/console-<page>.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../cli-helpers.ts';
import { chromium as chromiumBinary } from '../runtime/binaries.ts';
import { checkInstalled } from '../runtime/check-installed.ts';
import { startHttp, type HttpFixture } from './http-helpers.ts';

const browserBinary = chromiumBinary();
checkInstalled(browserBinary);
const SCREENSHOTS = join(REPO, 'test-results');
const TOPIC = 'plant/1/temperature';
const HOSTILE = '<img src=x onerror="window.pwned=1">';

describe.skipIf(browserBinary.skip)('the console in Chromium', () => {
  let fixture: HttpFixture;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, 'console-' + name + '.png'), fullPage: true });
  const open = async (name: string) => {
    await page.click('nav button[data-page="' + name + '"]');
    await page.waitForSelector('#page-' + name, { state: 'visible' });
  };

  beforeAll(async () => {
    expect(browserBinary.path, browserBinary.hint).not.toBeNull();
    mkdirSync(SCREENSHOTS, { recursive: true });
    fixture = await startHttp();
    origin = await fixture.listen();
    browser = await chromium.launch({
      executablePath: browserBinary.path!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => problems.push('page error: ' + error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40\d/.test(message.text())) problems.push('console: ' + message.text());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(origin)) problems.push('request outside the origin: ' + request.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('refuses a wrong token and logs in with a good one', async () => {
    await page.goto(origin + '/');
    await page.waitForSelector('#page-login', { state: 'visible' });
    await screenshot('login');
    await page.fill('#login-token', 'not-a-token');
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#status.error');
    expect(await page.textContent('#status')).toContain('Unauthorized');
    expect(await page.isVisible('#page-login')).toBe(true);

    await page.fill('#login-token', fixture.admin);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#page-clients', { state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.getItem('e4ts-c2-token'))).toBe(fixture.admin);
    await page.waitForSelector('#events-state.live', { state: 'attached' });
  });

  it('provisions a client and reveals its generated key once', async () => {
    await page.fill('#client-name', 'thermometer-1');
    await page.click('#client-form button[type="submit"]');
    await page.waitForSelector('#reveal', { state: 'visible' });
    const key = (await page.textContent('#reveal-key'))!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    await page.waitForSelector('#clients-rows tr >> text=thermometer-1');
    await screenshot('clients');
    await page.click('#reveal-dismiss');
    expect(await page.isVisible('#reveal')).toBe(false);
    expect(await page.textContent('#reveal-key')).toBe('');
    // The key is in no page the server serves from now on.
    const listed = await fixture.app.inject({ url: '/api/clients', headers: { authorization: 'Bearer ' + fixture.admin } });
    expect(listed.body).not.toContain(key);
  });

  it('shows names as text, never as markup', async () => {
    await page.fill('#client-name', HOSTILE);
    await page.click('#client-form button[type="submit"]');
    await page.waitForSelector('#clients-rows tr >> text=' + HOSTILE);
    expect(await page.locator('#clients-rows img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await page.click('#reveal-dismiss');
  });

  it('adds a topic, rotates its key and sees the rotation arrive on the live stream', async () => {
    await open('topics');
    await page.fill('#topic-name', TOPIC);
    await page.click('#topic-form button[type="submit"]');
    const row = page.locator('#topics-rows tr[data-topic="' + TOPIC + '"]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('1');
    await screenshot('topics');
    await row.locator('button', { hasText: 'Rotate key' }).click();
    await page.waitForSelector('#status >> text=Rotating the key of ' + TOPIC);

    await open('events');
    await page.waitForSelector('#events-rows tr[data-type="topic.rotated"]');
    expect(await page.textContent('#events-rows')).toContain(TOPIC);
    await screenshot('events');

    await open('topics');
    await page.waitForFunction((topic) => document.querySelector('#topics-rows tr[data-topic="' + topic + '"] td:nth-child(2)')?.textContent === '2', TOPIC);
  });

  it('shows the recent events from the log when it opens, then the live ones, none twice', async () => {
    await page.reload();
    await page.waitForSelector('#events-state.live', { state: 'attached' });
    await open('events');
    await page.waitForSelector('#events-rows tr[data-type="topic.rotated"]');
    const shown = () => page.$$eval('#events-rows tr', (rows) => rows.map((r) => Number(r.getAttribute('data-event'))));
    const history = await shown();
    expect((await fetch(origin + '/api/topics', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + fixture.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'plant/after-reload' }),
    })).status).toBe(201);
    await page.waitForSelector('#events-rows tr[data-type="topic.added"] >> text=plant/after-reload');
    const all = await shown();
    // Newest first, each once: the log's up to the reload, then the live one.
    expect(all).toEqual([...new Set(all)].sort((a, b) => b - a));
    expect(all.slice(1)).toEqual(history);
    expect(all.length).toBe(history.length + 1);
    await open('topics');
    await page.waitForSelector('#topics-rows tr[data-topic="plant/after-reload"]');
  });

  it('links a client to a topic and revokes a client', async () => {
    await page.selectOption('#link-client', { label: 'thermometer-1' });
    await page.selectOption('#link-topic', TOPIC);
    await page.click('#link-form button[type="submit"]');
    await page.waitForSelector('#status >> text=Linking: job');

    await open('clients');
    const revoke = page.locator('#clients-rows tr', { hasText: HOSTILE }).locator('button', { hasText: 'Revoke' });
    await revoke.click();
    await page.locator('#clients-rows tr', { hasText: HOSTILE }).locator('button', { hasText: 'Confirm revoke' }).click();
    await page.waitForSelector('#status >> text=Revoking');
    await page.waitForFunction(
      (name) => Array.from(document.querySelectorAll('#clients-rows tr')).some((tr) => tr.textContent!.includes(name) && tr.textContent!.includes('revoked')),
      HOSTILE,
    );
  });

  it('lists the jobs and the statistics', async () => {
    await open('jobs');
    await page.waitForSelector('#jobs-rows tr >> text=rotate');
    await screenshot('jobs');
    await open('stats');
    await page.waitForSelector('#stats-rows tr[data-topic="' + TOPIC + '"]');
    await screenshot('stats');
  });

  it('logs out, forgetting the token', async () => {
    await page.click('#logout');
    await page.waitForSelector('#page-login', { state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.getItem('e4ts-c2-token'))).toBeNull();
    expect(problems).toEqual([]);
  });
});
