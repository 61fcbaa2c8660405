// WebKit harness: WebKitGTK (Debian's webkit2gtk-driver) driven over WebDriver by selenium-webdriver,
// at a phone-sized viewport, each browser with a profile directory that survives a restart.
// WebKitGTK 2.50 has no headless mode (its GTK port needs a display), so the browsers draw into a
// private Xvfb. Elements are found the way a person (or Playwright's getByRole) finds them: by role,
// accessible name and label text, through @testing-library/dom injected into the page.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Builder, Key } from 'selenium-webdriver';
import remote from 'selenium-webdriver/remote/index.js';
import AxeBuilder from '@axe-core/webdriverjs';
import { shotDir } from './harness.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const webkitDriverPath = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
const shell = join(here, 'webkit-shell.py');
const SHELL_NAME = 'chatd-webkit-shell'; // the browserName the shell reports (webkit-shell.py)
/** iPhone 13–15 logical size in CSS pixels (device pixel ratio stays 1 here). */
export const PHONE = { width: 390, height: 844 };
const TIMEOUT = 20_000; // generous: three WebKit processes per browser on a loaded 2-core machine
const testingLibrary = readFileSync(require.resolve('@testing-library/dom/dist/@testing-library/dom.umd.min.js'), 'utf8');

/** Whether this machine can run the WebKit tests at all (driver, Xvfb, the GObject bindings). */
export function webkitMissing() {
  if (!existsSync(webkitDriverPath)) return `${webkitDriverPath} missing (apt-get install webkit2gtk-driver)`;
  if (!existsSync('/usr/bin/Xvfb')) return 'Xvfb missing (apt-get install xvfb)';
  if (!existsSync('/usr/lib/x86_64-linux-gnu/girepository-1.0/WebKit2-4.1.typelib'))
    return 'gir1.2-webkit2-4.1 missing (apt-get install gir1.2-webkit2-4.1)';
  return null;
}

// `timeout` (scripts/web-test.sh) stops a hung run with SIGTERM: exit properly so the 'exit'
// hooks below and selenium's own reap Xvfb, the drivers and chatd.
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => process.exit(128 + (sig === 'SIGTERM' ? 15 : 2)));

/** A private X server; -displayfd makes Xvfb pick a free display number and tell us. */
export async function startXvfb() {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp', '-noreset'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const reap = () => proc.exitCode === null && proc.kill('SIGKILL');
  process.once('exit', reap);
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const display = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`Xvfb did not start in 10 s: ${err}`)), 10_000);
    let buf = '';
    proc.stdio[3].on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) {
        clearTimeout(timer);
        ok(`:${buf.trim()}`);
      }
    });
    proc.once('exit', (code) => fail(new Error(`Xvfb exited ${code}: ${err}`)));
  });
  return {
    display,
    stop() {
      process.removeListener('exit', reap);
      proc.kill('SIGTERM');
    },
  };
}

/** RegExps cannot cross WebDriver's JSON: send {re, flags} and rebuild them in the page. */
function wire(v) {
  if (v instanceof RegExp) return { re: v.source, flags: v.flags };
  if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wire(x)]));
  return v;
}

// Runs in the page: one testing-library query; 'no-lib' until the library is injected.
const QUERY = `
  const [kind, arg, opts, root] = arguments;
  const T = window.TestingLibraryDom;
  if (!T) return 'no-lib';
  const unwire = (v) => v && typeof v === 'object' && 're' in v ? new RegExp(v.re, v.flags)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwire(x)])) : v;
  const q = { role: T.queryAllByRole, label: T.queryAllByLabelText, text: T.queryAllByText, title: T.queryAllByTitle }[kind];
  return q(root ?? document.body, unwire(arg), unwire(opts));
`;

/** One WebKitGTK browser: its own WebKitWebDriver, its own profile directory. */
export class WebKit {
  constructor(name, display, profile, size) {
    this.name = name;
    this.display = display;
    this.profile = profile;
    this.size = size;
    this.dark = false;
    this.service = null;
    this.driver = null;
  }

  /** Starts the driver and a browser session on `profile` (a fresh directory when omitted). */
  static async launch(name, display, { profile, size = PHONE } = {}) {
    const w = new WebKit(name, display, profile ?? mkdtempSync(join(tmpdir(), `chatd-webkit-${name}-`)), size);
    // WebKitWebDriver holds one session at a time: one driver per browser.
    w.service = new remote.DriverService.Builder(webkitDriverPath)
      .setLoopback(true)
      .setEnvironment({ ...process.env, DISPLAY: display, NO_AT_BRIDGE: '1' })
      .setStdio(['ignore', 'ignore', process.env.CHATD_E2E_DEBUG ? 'inherit' : 'ignore'])
      .build();
    w.url = await w.service.start(20_000);
    await w.open();
    return w;
  }

  async open() {
    const caps = {
      browserName: SHELL_NAME,
      'webkitgtk:browserOptions': {
        binary: '/usr/bin/python3',
        args: [shell, '--automation', '--profile', this.profile, '--size', `${this.size.width}x${this.size.height}`, ...(this.dark ? ['--dark'] : [])],
      },
    };
    this.driver = await new Builder().forBrowser(SHELL_NAME).usingServer(this.url).withCapabilities(caps).build();
    await this.driver.manage().window().setRect({ width: this.size.width, height: this.size.height, x: 0, y: 0 });
    await this.driver.manage().setTimeouts({ script: 30_000, pageLoad: 30_000 });
  }

  /** Quits the browser (its processes end) and starts it again on the same profile. */
  async restart({ dark = this.dark } = {}) {
    this.dark = dark;
    await this.driver.quit();
    this.driver = null;
    await this.open();
  }

  async quit() {
    await this.driver?.quit().catch(() => {});
    this.driver = null;
    await this.service?.kill();
    this.service = null;
  }

  get(url) {
    return this.driver.get(url);
  }

  run(script, ...args) {
    return this.driver.executeScript(script, ...args);
  }

  /**
   * The element's rendered text (WebKit's innerText). WebDriver's Get Element Text (Selenium's
   * visibility atom) drops text inside the conversation list's flex items here, though it is
   * painted (see the screenshots), so it is not used.
   */
  text(el) {
    return this.run('return arguments[0].innerText', el);
  }

  /** Every element a testing-library query finds now: kind is 'role', 'label', 'text' or 'title'. */
  async all(kind, arg, opts = {}, within = null) {
    let r = await this.run(QUERY, kind, wire(arg), wire(opts), within);
    if (r === 'no-lib') {
      await this.run(`${testingLibrary}\n;window.TestingLibraryDom = TestingLibraryDom;`);
      r = await this.run(QUERY, kind, wire(arg), wire(opts), within);
    }
    return r;
  }

  /** The first element the query finds, waiting for one to appear. */
  async find(kind, arg, opts = {}, { within = null, timeout = TIMEOUT } = {}) {
    let found = [];
    try {
      await this.until(async () => (found = await this.all(kind, arg, opts, within)).length > 0, timeout);
    } catch (e) {
      // Say what the page showed instead (for failures in CI logs).
      const page = await this.run('return location.href + " :: " + document.body.innerText.replace(/\\s+/g, " ").slice(0, 400)').catch(() => '?');
      throw new Error(`${this.name}: no ${kind} ${String(arg)} ${JSON.stringify(wire(opts))} in ${timeout} ms; the page: ${page}`);
    }
    return found[0];
  }

  role(role, name, opts = {}, where = {}) {
    return this.find('role', role, name === undefined ? opts : { name, ...opts }, where);
  }

  label(text, opts = {}, where = {}) {
    return this.find('label', text, opts, where);
  }

  /** Waits until the query finds nothing. */
  async gone(kind, arg, opts = {}, timeout = TIMEOUT) {
    await this.until(async () => (await this.all(kind, arg, opts)).length === 0, timeout, () => `${this.name}: still there: ${kind} ${String(arg)}`);
  }

  /** Polls an async predicate (errors count as "not yet") until it holds. */
  async until(pred, timeout = TIMEOUT, what = () => 'condition') {
    const end = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        if (await pred()) return;
      } catch (e) {
        last = e;
      }
      if (Date.now() > end) throw new Error(`timed out after ${timeout} ms: ${what()}${last ? ` (last error: ${last.message})` : ''}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Replaces a field's text the way a person does: select all, delete, type. */
  async fill(el, text) {
    await el.sendKeys(Key.chord(Key.CONTROL, 'a'), Key.BACK_SPACE);
    if (text) await el.sendKeys(text);
  }

  /** Runs axe-core (WCAG 2.0–2.2 A/AA) in the page after animations end; violations as strings. */
  async axe() {
    await this.until(() => this.run('return document.getAnimations().every((a) => a.playState !== "running")'));
    // Legacy mode runs axe in the page itself: the default mode opens a second window for its
    // last step, which this one-window shell does not do (the app has no frames to cross).
    const r = await new AxeBuilder(this.driver).setLegacyMode().withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ') + ' — ' + n.failureSummary?.replace(/\n/g, ' ')).join('\n    ')}`);
  }

  async screenshot(label) {
    mkdirSync(shotDir, { recursive: true });
    writeFileSync(join(shotDir, `webkit-${label}.png`), await this.driver.takeScreenshot(), 'base64');
  }
}
