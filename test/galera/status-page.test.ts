/**
 * serve's /status page in a real browser (Debian's chromium, headless, driven over the DevTools
 * pipe) in front of the real cluster: the page names the three nodes, the writer and the
 * verdict; once node 3 is isolated it shows it non-Primary within seconds without a reload,
 * and Primary again after it rejoins; it loads nothing but its own origin, and the browser
 * reports no Content-Security-Policy violation. afterAll leaves all three Synced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chromium, type Page } from './support/chromium.js';
import { cluster, isolate, node, rejoin, sleep, waitAllSynced, wsrepState } from './support/cluster.js';
import { newLab, startServe, stopAll, type Lab } from './support/haproxy.js';

let lab: Lab;
let base = '';
let browser: Chromium | undefined;

beforeAll(async () => {
  await waitAllSynced();
  lab = newLab();
  const list = cluster()
    .nodes.map(({ n }) => node(n).target)
    .join(',');
  const port = await startServe(lab, 1, ['--cluster', list, '--timeout', '1s']);
  base = `http://127.0.0.1:${port}`;
  browser = Chromium.launch();
}, 120_000);

afterAll(async () => {
  // Whatever else fails, the browser and the serve process are stopped.
  try {
    await browser?.close();
  } finally {
    if (lab) await stopAll(lab);
  }
  // Leave the cluster as found: node 3 back in the group, all Synced.
  if (wsrepState(3).status !== 'Primary') await rejoin([3]);
  await waitAllSynced();
}, 180_000);

interface Shown {
  location: string;
  verdict: string;
  writer: string;
  cards: { target: string; status: string; verdict: string }[];
  timeline: string[];
}

const SHOWN = `(() => ({
  location: location.href,
  verdict: document.getElementById('verdict')?.textContent ?? '',
  writer: document.getElementById('writer')?.textContent ?? '',
  cards: [...document.querySelectorAll('#nodes .node')].map((c) => ({
    target: c.querySelector('.target')?.textContent ?? '',
    status: c.querySelector('dd')?.textContent ?? '',
    verdict: c.querySelector('.verdict')?.textContent ?? '',
  })),
  timeline: [...document.querySelectorAll('#timeline .tl-label')].map((l) => l.textContent),
}))()`;

async function until(page: Page, what: string, ok: (s: Shown) => boolean, limitMs: number): Promise<Shown> {
  const end = Date.now() + limitMs;
  for (;;) {
    const shown = await page.evaluate<Shown>(SHOWN);
    if (ok(shown)) return shown;
    if (Date.now() > end)
      throw new Error(`the page did not show ${what} within ${limitMs} ms: ${JSON.stringify(shown)}`);
    await sleep(250);
  }
}

describe('/status in chromium, in front of the real cluster', () => {
  const targets = (): string[] => cluster().nodes.map(({ n }) => node(n).target);

  it('is served with the CSP, and without JavaScript already names the nodes, the writer and the verdict', async () => {
    const res = await fetch(`${base}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    const html = await res.text();
    for (const t of targets()) expect(html).toContain(`<span class="target">${t}</span>`);
    expect(html).toContain(`<strong id="writer">${targets()[0]}</strong>`);
    expect(html).toContain('<strong id="verdict">cluster healthy</strong>');
  });

  it('shows an isolated node non-Primary within seconds without a reload, and Primary again after it rejoins', async () => {
    const page = await browser!.newPage();
    await page.open(`${base}/status`);
    const first = await until(
      page,
      'three Primary nodes',
      (s) => s.cards.length === 3 && s.cards.every((c) => c.status === 'Primary'),
      15_000,
    );
    expect(first.cards.map((c) => c.target)).toEqual(targets());
    expect(first.verdict).toBe('cluster healthy');
    expect(first.writer).toBe(targets()[0]);
    expect(first.timeline).toEqual(['cluster', ...targets()]);
    // A mark the page's script cannot know: a reload would lose it.
    await page.evaluate('(window.__gpMark = 42)');

    await isolate(3);
    const isolatedAt = Date.now();
    const shown = await until(page, 'node 3 non-Primary', (s) => s.cards[2]?.status === 'non-Primary', 20_000);
    const took = Date.now() - isolatedAt;
    expect(shown.cards[2]).toMatchObject({ target: targets()[2], status: 'non-Primary', verdict: 'unhealthy' });
    expect(shown.verdict).toBe('cluster degraded');
    expect(shown.writer).toBe(targets()[0]);
    expect(await page.evaluate<number>('window.__gpMark')).toBe(42);
    // The timeline drew node 3's non-Primary run.
    expect(
      await page.evaluate<number>(
        "document.querySelectorAll('#timeline .tl-row')[3].querySelectorAll('rect.c-non-primary').length",
      ),
    ).toBeGreaterThan(0);
    console.log(`status page: node 3 shown non-Primary ${took} ms after the node itself reported it`);

    await rejoin([3]);
    await until(
      page,
      'node 3 Primary again',
      (s) => s.cards[2]?.status === 'Primary' && s.verdict === 'cluster healthy',
      30_000,
    );
    expect(await page.evaluate<number>('window.__gpMark')).toBe(42);

    const origin = new URL(base).origin;
    const foreign = page.record.requests.filter((u) => new URL(u).origin !== origin);
    expect(foreign).toEqual([]);
    expect(page.record.requests.filter((u) => u.endsWith('/status.json')).length).toBeGreaterThan(5);
    expect(page.record.requests.some((u) => u.endsWith('/status.js'))).toBe(true);
    expect(page.record.requests.some((u) => u.endsWith('/status.css'))).toBe(true);
    expect(page.record.log.filter((l) => /Content Security Policy|Refused to/i.test(l))).toEqual([]);
  });

  it('without JavaScript, on a phone-width screen: the server-rendered snapshot names every node, and nothing is wider than the screen', async () => {
    const page = await browser!.newPage();
    await page.disableScripts();
    await page.emulatePhone(360, 740);
    await page.open(`${base}/status`);
    const shown = await until(page, 'the snapshot', (s) => s.cards.length === 3, 10_000);
    expect(shown.cards.map((c) => c.target)).toEqual(targets());
    expect(shown.verdict).toBe('cluster healthy');
    expect(await page.evaluate<boolean>('document.scripts.length === 1 && window.__gpMark === undefined')).toBe(true);
    // Nothing but status.json would be fetched by the script: with scripts off, the page asked for none.
    expect(page.record.requests.filter((u) => u.endsWith('/status.json'))).toEqual([]);
    const widths = await page.evaluate<{ page: number; screen: number }>(
      '({ page: document.documentElement.scrollWidth, screen: window.innerWidth })',
    );
    expect(widths.screen).toBe(360);
    expect(widths.page).toBeLessThanOrEqual(widths.screen);
  });
});
