// Test harness: a real chatd process (same port across restarts) and headless Debian Chromium
// driven by playwright-core. Never downloads a browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import AxeBuilderModule from '@axe-core/playwright';

const AxeBuilder = AxeBuilderModule.default ?? AxeBuilderModule;
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const chatdBin = process.env.CHATD_BIN ?? join(repoRoot, 'build', 'apps', 'chatd');
export const webRoot = process.env.CHATD_WEB_ROOT ?? join(repoRoot, 'web', 'dist', 'chatd-web', 'browser');
export const shotDir = process.env.CHATD_SCREENSHOT_DIR ?? join(repoRoot, 'build', 'web-screenshots');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A free loopback port, chosen once so a restarted chatd comes back on the same address. */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export class Chatd {
  constructor(port, dbFile, extraArgs = [], env = {}) {
    this.port = port;
    this.dbFile = dbFile;
    this.extraArgs = extraArgs;
    this.env = env;
    this.proc = null;
    this.log = [];
    this.oidc = null; // { issuer, proc } when started with the test OpenID Connect provider
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts chatd and resolves when it prints "chatd listening on http://ADDR:PORT". */
  async start() {
    const args = ['--listen', `127.0.0.1:${this.port}`, '--db', `sqlite:${this.dbFile}`, '--web-root', webRoot, ...this.extraArgs];
    const isScript = chatdBin.endsWith('.mjs') || chatdBin.endsWith('.js');
    const proc = spawn(isScript ? process.execPath : chatdBin, isScript ? [chatdBin, ...args] : args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.env },
    });
    this.proc = proc;
    // Never outlive the test process (a crash or timeout must not leave chatd holding the port).
    const reap = () => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL');
    process.once('exit', reap);
    proc.once('exit', () => process.removeListener('exit', reap));
    const exited = new Promise((r) => proc.once('exit', (code, sig) => r({ code, sig })));
    this.exited = exited;
    await new Promise((ok, fail) => {
      let buf = '';
      const timer = setTimeout(() => fail(new Error(`chatd did not start in 20 s:\n${this.log.join('')}`)), 20_000);
      const onData = (d) => {
        const s = String(d);
        this.log.push(s);
        buf += s;
        if (/chatd listening on http:\/\/[\d.]+:\d+/.test(buf)) {
          clearTimeout(timer);
          ok();
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      exited.then(({ code, sig }) => {
        clearTimeout(timer);
        fail(new Error(`chatd exited (code ${code}, signal ${sig}) before listening:\n${this.log.join('')}`));
      });
    });
  }

  /** SIGTERM, then wait for a clean exit (SIGKILL after 10 s). */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return null;
    this.proc.kill('SIGTERM');
    const killer = setTimeout(() => this.proc?.kill('SIGKILL'), 10_000);
    const r = await this.exited;
    clearTimeout(killer);
    this.proc = null;
    return r;
  }
}

const oidcDir = join(repoRoot, 'tests', 'oidc');
/** Whether the test OpenID Connect provider (tests/oidc, npm oidc-provider) is installed. */
export const haveOidcProvider = existsSync(join(oidcDir, 'node_modules', 'oidc-provider'));

/** Starts tests/oidc/provider.mjs; it prints {"issuer":..} and exits when its stdin closes. */
async function startOidcProvider(redirectUri) {
  const proc = spawn(process.execPath, [join(oidcDir, 'provider.mjs'), '--redirect-uri', redirectUri], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const issuer = await new Promise((ok, fail) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`OIDC provider did not start: ${err}`)), 15_000);
    proc.stderr.on('data', (d) => (err += d));
    proc.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n')[0];
      if (buf.includes('\n')) {
        clearTimeout(timer);
        try {
          ok(JSON.parse(line).issuer);
        } catch (e) {
          fail(e);
        }
      }
    });
    proc.once('exit', (code) => fail(new Error(`OIDC provider exited ${code}: ${err}`)));
  });
  return { issuer, proc };
}

/**
 * A chatd on a fresh SQLite file and a port chosen here (so a restart comes back on it), with the
 * test OpenID Connect provider configured as "Test IdP" when it is installed.
 */
export async function startChatd() {
  if (!existsSync(chatdBin)) throw new Error(`chatd binary not found at ${chatdBin} (scripts/build.sh release chatd)`);
  if (!existsSync(join(webRoot, 'index.html'))) throw new Error(`web client not built at ${webRoot} (scripts/web-build.sh)`);
  const dir = mkdtempSync(join(tmpdir(), 'chatd-web-e2e-'));
  const port = await freePort();
  let oidc = null;
  let extra = [];
  let env = {};
  if (haveOidcProvider && !chatdBin.endsWith('.mjs')) {
    oidc = await startOidcProvider(`http://127.0.0.1:${port}/auth/oidc/test/callback`);
    extra = ['--oidc', `test,${oidc.issuer},chatd-rs,Test IdP`, '--oidc-allow-http-loopback'];
    env = { CHATD_OIDC_TEST_SECRET: 'chatd-rs-secret' };
  }
  const c = new Chatd(port, join(dir, 'chat.db'), extra, env);
  c.oidc = oidc;
  try {
    await c.start();
  } catch (e) {
    oidc?.proc.kill();
    throw e;
  }
  return c;
}

export function stopOidc(c) {
  if (c?.oidc) {
    c.oidc.proc.stdin.end();
    c.oidc.proc.kill();
  }
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export async function launchBrowser() {
  // playwright's launch() gives every run a fresh temporary --user-data-dir of its own.
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
}

/** A profile on disk (fresh directory): what Chromium needs before it calls a site installable. */
export async function launchPersistent(existingDir) {
  const dir = existingDir ?? mkdtempSync(join(tmpdir(), 'chatd-web-profile-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return { context, dir };
}

/** The axe rules a colour scheme can change (the dark scheme swaps colour variables only). */
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

/**
 * Runs axe (WCAG 2.0/2.1/2.2 A and AA; with `colorsOnly`, the colour rules) and returns its
 * violations, formatted for an assert.
 */
export async function axe(page, { colorsOnly = false } = {}) {
  const b = new AxeBuilder({ page });
  const r = await (colorsOnly ? b.withRules(COLOUR_RULES) : b.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])).analyze();
  return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ') + ' — ' + n.failureSummary?.replace(/\n/g, ' ')).join('\n    ')}`);
}

export async function screenshot(page, name) {
  mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: join(shotDir, `${name}.png`) });
}

/** Polls fn until it stops throwing (assertions) or the time runs out. */
export async function eventually(fn, timeout = 10_000, step = 100) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, step));
    }
  }
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 800 };

/** axe must find nothing; entrance animations finish first (axe measures contrast as painted). */
export async function assertNoAxe(p, screen, opts) {
  await p.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
  const v = await axe(p, opts);
  if (v.length) throw new Error(`axe violations on ${screen}:\n${v.join('\n')}`);
}

/**
 * axe at 360 and 1280 px, light and dark, with a screenshot of each (`NAME-WIDTH-SCHEME.png`):
 * every rule in the light scheme, the colour rules in the dark one (all the dark scheme changes;
 * half the time of a full run). Restores the page's size and colour scheme after.
 */
export async function checkScreen(p, name, { sizes = [PHONE, DESKTOP] } = {}) {
  const was = p.viewportSize();
  const dark = await p.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  for (const size of sizes) {
    await p.setViewportSize(size);
    for (const scheme of ['light', 'dark']) {
      await p.emulateMedia({ colorScheme: scheme });
      await assertNoAxe(p, `${name} (${size.width} px, ${scheme})`, { colorsOnly: scheme === 'dark' });
      await screenshot(p, `${name}-${size.width}-${scheme}`);
    }
  }
  await p.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
  await p.setViewportSize(was);
}

/**
 * Runs protocol requests on a second WebSocket of the page's user (pipelined, in order) and
 * returns the replies: a fast way to make conversations and messages.
 */
export async function wsRequests(p, frames) {
  return p.evaluate(async (frames) => {
    const sock = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`);
    const replies = new Map();
    let waiters = [];
    sock.onmessage = (e) => {
      const f = JSON.parse(e.data);
      if (f.ref) replies.set(f.ref, f);
      const w = waiters;
      waiters = [];
      for (const check of w) check();
    };
    await new Promise((ok, fail) => {
      sock.onopen = ok;
      sock.onerror = fail;
    });
    const reply = (id) =>
      new Promise((ok) => {
        const check = () => (replies.has(id) ? ok(replies.get(id)) : waiters.push(check));
        check();
      });
    sock.send(JSON.stringify({ type: 'hello', id: 'h', version: 1 }));
    await reply('h');
    const out = [];
    // Pipelined in chunks: fast, and never many requests in flight on one connection.
    for (let i = 0; i < frames.length; i += 50) {
      const chunk = frames.slice(i, i + 50).map((f, j) => ({ ...f, id: `q${i + j}` }));
      for (const f of chunk) sock.send(JSON.stringify(f));
      for (const f of chunk) out.push(await reply(f.id));
    }
    sock.close();
    for (const f of out) if (f.type === 'error') throw new Error(`${f.code}: ${f.message}`);
    return out;
  }, frames);
}

/** Registers `name` over the HTTP API of `server`; returns the session cookie's value and the user. */
export async function registerUser(server, name, password) {
  const r = await fetch(`${server.url}/api/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: name, password }),
  });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${text}`);
  const m = /chatd_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '');
  if (!m) throw new Error(`register ${name}: no session cookie`);
  return { cookie: m[1], user: JSON.parse(text).user };
}

/** A PNG of `w`×`h` RGB pixels of noise (it does not compress: its size is about w·h·3 bytes). */
export function noisePng(w, h) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const raw = randomBytes((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) raw[y * (w * 3 + 1)] = 0; // each row's filter: none
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
