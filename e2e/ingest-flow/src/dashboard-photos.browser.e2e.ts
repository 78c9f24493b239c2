// Photos as the dashboard shows them, in a real browser: photo-only and captioned posts from the fake
// Bot API travel through the built gateway and API; a page standing in for the dashboard's
// ForwardedMessagesTable and MessageDetailModal reads /forwarded-messages through a same-origin proxy
// (as Vite's dev server does) and directly with CORS_ORIGIN, renders each image_url as an <img>, and
// headless Chromium checks that every image actually loads with the right natural size.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, jpegImage16, pngImage, until } from '@tp/testing';
import { chromium, type BrowserContext } from 'playwright-core';
import { stopAll } from './support/processes';
import { CHANNEL, Stack } from './support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let stack: Stack;
let page: Server;
let pageUrl: string;
let browser: BrowserContext;
let profile: string;

/**
 * The dashboard's view of a photo, reduced to what matters here: the table row's thumbnail and the
 * detail modal's image, both `<img src=image_url width height>`, from rows fetched either through
 * the page's own origin (`/forwarded-messages`, proxied) or from the API itself (CORS).
 */
const dashboardHtml = (apiUrl: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Forwarded messages</title></head>
<body>
<table id="forwarded"><tbody></tbody></table>
<div id="detail" role="dialog"></div>
<script>
  async function show(origin, base) {
    const res = await fetch(base + '/forwarded-messages?limit=100');
    const { data } = await res.json();
    for (const row of data) {
      if (!row.image_url) continue;
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      const thumb = Object.assign(document.createElement('img'), { src: row.image_url, width: row.image_width, height: row.image_height, alt: row.message_text });
      thumb.dataset.origin = origin; thumb.dataset.message = row.message_id; thumb.dataset.view = 'table';
      td.append(thumb); tr.append(td); document.querySelector('#forwarded tbody').append(tr);
      const full = Object.assign(document.createElement('img'), { src: row.image_url, width: row.image_width, height: row.image_height });
      full.dataset.origin = origin; full.dataset.message = row.message_id; full.dataset.view = 'detail';
      document.querySelector('#detail').append(full);
    }
    document.body.dataset[origin] = String(data.length);
  }
  show('proxied', '').then(() => show('direct', ${JSON.stringify(apiUrl)})).catch((e) => { document.body.dataset.error = String(e); });
</script>
</body></html>`;

/** Serves the page and forwards the API paths to the API with the Host header kept, as Vite's proxy does by default. */
function servePage(port: number, apiUrl: string): Promise<Server> {
  const api = new URL(apiUrl);
  const server = createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(dashboardHtml(apiUrl));
    if (!/^\/(forwarded-messages|media\/)/.test(req.url ?? '')) return void res.writeHead(404).end();
    const upstream = httpRequest({ host: api.hostname, port: api.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  // Not skipped when missing: CI installs it, and a silent skip would hide a dashboard that shows no photo.
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const pagePort = await freePort();
  pageUrl = `http://127.0.0.1:${pagePort}`;
  stack = await new Stack({ MEDIA_RETRY_DELAY_MS: '100' }, { apiEnv: { CORS_ORIGIN: pageUrl } }).start();
  page = await servePage(pagePort, stack.apiUrl);
  profile = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  // launchPersistentContext is Playwright's way to give Chromium a user data dir: a fresh one per run.
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (page ? page.close(r) : r(undefined)));
  await stack?.stop();
  await stopAll();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface Shown {
  origin: string;
  view: string;
  message: number;
  src: string;
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
  width: number;
  height: number;
}

describe('the dashboard shows photos that load, in headless Chromium', () => {
  it('renders a photo-only and a captioned post, through the proxy and directly with CORS, at their natural size', async () => {
    const chart = pngImage(1280, 720, 31);
    const captioned = stack.telegram.photoPost(CHANNEL, stack.telegram.photo([{ bytes: pngImage(320, 180, 31), width: 320, height: 180 }, { bytes: chart, width: 1280, height: 720 }]), 'WINZ25 suporte no gráfico');
    const photoOnly = stack.telegram.photoPost(CHANNEL, stack.telegram.photo([{ bytes: jpegImage16(), width: 16, height: 16 }]));
    const expected = new Map([
      [captioned.message_id, { width: 1280, height: 720 }],
      [photoOnly.message_id, { width: 16, height: 16 }],
    ]);
    await until(() => stack.storedMessages(), {
      ok: (rows) => [...expected.keys()].every((id) => rows.some((r) => r.message_id === id && r.image_status === 'stored')),
      timeoutMs: 30_000,
      what: 'both photos stored',
    });

    const tab = await browser.newPage();
    const failedRequests: string[] = [];
    tab.on('requestfailed', (r) => failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`));
    await tab.goto(pageUrl);
    // Run in the page (strings, as this project is compiled without the DOM's types).
    await tab.waitForFunction('document.body.dataset.direct !== undefined || document.body.dataset.error !== undefined', undefined, { timeout: 30_000 });
    expect(await tab.evaluate('document.body.dataset.error ?? null')).toBeNull();
    await tab.waitForFunction('[...document.images].every((img) => img.complete)', undefined, { timeout: 30_000 });
    const shown = (await tab.evaluate(`[...document.images].map((img) => ({
      origin: img.dataset.origin, view: img.dataset.view, message: Number(img.dataset.message), src: img.currentSrc,
      complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, width: img.width, height: img.height,
    }))`)) as Shown[];

    expect(failedRequests).toEqual([]);
    for (const origin of ['proxied', 'direct']) {
      for (const view of ['table', 'detail']) {
        for (const [message, size] of expected) {
          const img = shown.find((s) => s.origin === origin && s.view === view && s.message === message);
          expect({ origin, view, message, img }).toEqual({ origin, view, message, img: expect.objectContaining({ complete: true, naturalWidth: size.width, naturalHeight: size.height, width: size.width, height: size.height }) });
          expect(img?.naturalWidth).toBeGreaterThan(0);
        }
      }
    }
    // Through the proxy the URL is the page's own origin; directly, the API's.
    expect(shown.filter((s) => s.origin === 'proxied').every((s) => s.src.startsWith(`${pageUrl}/media/`))).toBe(true);
    expect(shown.filter((s) => s.origin === 'direct').every((s) => s.src.startsWith(`${stack.apiUrl}/media/`))).toBe(true);
    await tab.close();
  });
});
