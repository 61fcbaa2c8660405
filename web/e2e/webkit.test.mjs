// The web client in WebKit (WebKitGTK, the engine of iOS Safari) at an iPhone-sized viewport,
// against a real chatd: the PWA's installability as iOS reads it, sign-up and password sign-in,
// a direct conversation between two browsers (text and an image with its lightbox), the session across a browser restart (cookies on
// disk) and across a chatd restart, and axe. Steps share state and run in order.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { By, Key } from 'selenium-webdriver';
import { haveOidcProvider, noisePng, startChatd, stopOidc } from './harness.mjs';
import { PHONE, WebKit, startXvfb, webkitMissing } from './webkit-harness.mjs';

const PASSWORD = 'correct horse battery';
const missing = webkitMissing();

let xvfb;
let server;
const w = {}; // alice, bob: one WebKit browser each

async function assertNoAxeViolations(b, screen) {
  const v = await b.axe();
  assert.deepEqual(v, [], `axe violations in WebKit on ${screen}:\n${v.join('\n')}`);
}

/** The page fits the phone's width: nothing sticks out sideways (no horizontal scrolling). */
async function assertFitsWidth(b, screen, width = PHONE.width) {
  const [scrollWidth, innerWidth] = await b.run('return [document.scrollingElement.scrollWidth, window.innerWidth]');
  assert.equal(innerWidth, width, `${screen}: viewport width`);
  assert.ok(scrollWidth <= innerWidth, `${screen}: page is ${scrollWidth} px wide in a ${innerWidth} px viewport`);
}

async function signUp(b, username) {
  await b.get(`${server.url}/`);
  await b.role('heading', 'Sign in');
  await (await b.role('button', 'Create an account')).click();
  await b.role('heading', 'Create an account');
  await b.fill(await b.label('Username'), username);
  await b.fill(await b.label('Password'), PASSWORD);
  await (await b.role('button', 'Create account')).click();
  await b.role('button', 'New chat');
  await b.find('title', `Signed in as ${username}`);
}

async function signIn(b, username) {
  await b.role('heading', 'Sign in');
  await b.fill(await b.label('Username'), username);
  await b.fill(await b.label('Password'), PASSWORD);
  await (await b.role('button', 'Sign in')).click();
}

async function send(b, text) {
  const box = await b.label(/^Message to/);
  await b.fill(box, text);
  await box.sendKeys(Key.ENTER);
}

/** Texts of the message items in the open conversation, in DOM order. */
async function messageItems(b) {
  const region = await b.role('region', /^Messages with/);
  const items = await b.all('role', 'listitem', {}, region);
  return Promise.all(items.map((li) => b.text(li)));
}

/** The paragraphs (message bodies, event lines) in the open conversation, in DOM order. */
async function bodies(b) {
  const region = await b.role('region', /^Messages with/);
  return Promise.all((await b.all('role', 'paragraph', {}, region)).map((p) => b.text(p)));
}

async function waitForMessage(b, text, state) {
  await b.until(async () => {
    const items = await messageItems(b);
    return items.some((t) => t.includes(text) && (!state || state.test(t)));
  }, 20_000, () => `${b.name}: message "${text}"${state ? ` in state ${state}` : ''}`);
}

/** The connection banner (role=status): 'Reconnecting…' while the socket is down, empty after. */
async function banner(b) {
  const [s] = await b.all('role', 'status', { hidden: true });
  return s ? (await b.run('return arguments[0].textContent', s)).trim() : '';
}

describe('chatd web client in WebKit (phone)', { concurrency: false, skip: missing ?? false }, () => {
  before(async () => {
    // A fresh SQLite file, a port kept across restarts, the test OIDC provider when installed.
    [xvfb, server] = await Promise.all([startXvfb(), startChatd()]);
    [w.alice, w.bob] = await Promise.all([WebKit.launch('alice', xvfb.display), WebKit.launch('bob', xvfb.display)]);
  });

  let step = 0;
  afterEach(async () => {
    step++;
    if (!process.env.CHATD_E2E_DEBUG) return;
    for (const b of Object.values(w)) await b.screenshot(`debug-${String(step).padStart(2, '0')}-${b.name}`).catch(() => {});
  });

  after(async () => {
    await Promise.all(Object.values(w).map((b) => b.quit()));
    xvfb?.stop();
    const r = await server?.stop();
    stopOidc(server);
    if (r && r.code !== 0) console.error(`chatd exit: ${JSON.stringify(r)}\n${server.log.join('').slice(-2000)}`);
    for (const b of Object.values(w)) rmSync(b.profile, { recursive: true, force: true });
  });

  test('installable on iOS: manifest, icons of the stated sizes and types, standalone, theme colour, apple-touch-icon and apple-mobile-web-app meta', async () => {
    const b = w.alice;
    await b.get(`${server.url}/`);
    await b.role('heading', 'Sign in');
    // What WebKit parsed from the page head, and what it fetches from there (its own fetch and
    // image decoder: a wrong type or a broken PNG fails here, not just a wrong header).
    const head = await b.driver.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      (async () => {
        const meta = (n) => [...document.querySelectorAll('meta[name="' + n + '"]')].map((m) => ({ content: m.content, media: m.media }));
        const link = (rel) => [...document.querySelectorAll('link[rel="' + rel + '"]')].map((l) => ({ href: l.href, sizes: l.sizes.value, type: l.type }));
        const image = async (href) => {
          const res = await fetch(href);
          const type = res.headers.get('content-type');
          await res.arrayBuffer();
          const img = new Image();
          img.src = href;
          const ok = await img.decode().then(() => true, () => false);
          return { status: res.status, type, width: ok ? img.naturalWidth : 0, height: ok ? img.naturalHeight : 0 };
        };
        const manifestLink = link('manifest')[0];
        const res = await fetch(manifestLink.href);
        const manifest = await res.json();
        const icons = [];
        for (const icon of manifest.icons ?? []) icons.push({ ...icon, got: await image(new URL(icon.src, manifestLink.href).href) });
        const touch = [];
        for (const l of link('apple-touch-icon')) touch.push({ ...l, got: await image(l.href) });
        const start = await fetch(new URL(manifest.start_url, manifestLink.href).href);
        return {
          manifestUrl: manifestLink.href, manifestType: res.headers.get('content-type'), manifest, icons, touch,
          startStatus: start.status, startType: start.headers.get('content-type'),
          viewport: meta('viewport'), themeColor: meta('theme-color'),
          capable: meta('apple-mobile-web-app-capable'), mobileCapable: meta('mobile-web-app-capable'),
          title: meta('apple-mobile-web-app-title'), statusBar: meta('apple-mobile-web-app-status-bar-style'),
        };
      })().then(done, (e) => done({ error: String(e) }));
    `);
    assert.equal(head.error, undefined, head.error);
    const m = head.manifest;
    assert.match(head.manifestType ?? '', /^application\/manifest\+json/);
    assert.equal(m.display, 'standalone');
    assert.ok(m.name && m.short_name, 'name and short_name (the home-screen label)');
    assert.ok(m.short_name.length <= 12, `short_name fits under an icon: ${m.short_name}`);
    const scope = new URL(m.scope ?? '.', head.manifestUrl).href;
    assert.ok(new URL(m.start_url, head.manifestUrl).href.startsWith(scope), 'start_url lies inside scope');
    assert.equal(head.startStatus, 200);
    assert.match(head.startType ?? '', /^text\/html/);
    assert.match(m.theme_color, /^#[0-9a-f]{6}$/i);
    assert.match(m.background_color, /^#[0-9a-f]{6}$/i);
    // The page's light theme-color is the manifest's (iOS tints the status bar from the page).
    const light = head.themeColor.find((t) => !t.media || t.media.includes('light'));
    assert.equal(light?.content.toLowerCase(), m.theme_color.toLowerCase());
    // Every icon loads, has the declared type, and decodes to the declared size.
    for (const icon of head.icons) {
      assert.equal(icon.got.status, 200, icon.src);
      assert.equal(icon.got.type?.split(';')[0], icon.type, `${icon.src}: Content-Type`);
      if (icon.sizes !== 'any') assert.equal(`${icon.got.width}x${icon.got.height}`, icon.sizes, `${icon.src}: decoded size`);
      else assert.ok(icon.got.width > 0, `${icon.src}: decodes`);
    }
    const has = (size, purpose) => head.icons.some((i) => i.sizes === size && i.type === 'image/png' && (i.purpose ?? 'any').split(' ').includes(purpose));
    assert.ok(has('192x192', 'any') && has('512x512', 'any'), 'PNG icons 192 and 512 (purpose any)');
    assert.ok(has('512x512', 'maskable'), 'a maskable 512 icon');
    // iOS takes the home-screen icon from apple-touch-icon (180x180 for current iPhones), opaque PNG.
    const touch = head.touch.find((t) => t.sizes === '180x180');
    assert.ok(touch, `an apple-touch-icon with sizes="180x180": ${JSON.stringify(head.touch)}`);
    assert.equal(touch.got.status, 200);
    assert.equal(touch.got.type, 'image/png');
    assert.equal(`${touch.got.width}x${touch.got.height}`, '180x180');
    // Standalone on iOS before 16.4 (and the title under the icon); the status bar keeps its own
    // space ("default"), so nothing needs safe-area-inset-top.
    assert.equal(head.capable[0]?.content, 'yes');
    assert.equal(head.mobileCapable[0]?.content, 'yes');
    assert.equal(head.title[0]?.content, m.short_name);
    assert.equal(head.statusBar[0]?.content, 'default');
    assert.match(head.viewport[0]?.content ?? '', /width=device-width/);
    await b.screenshot('sign-in-390');
  });

  test('the sign-in page fits the phone, has 16 px inputs (no iOS zoom on focus) and no axe violations', async () => {
    const b = w.alice;
    await assertFitsWidth(b, 'sign-in');
    for (const name of ['Username', 'Password']) {
      const size = await b.run('return parseFloat(getComputedStyle(arguments[0]).fontSize)', await b.label(name));
      assert.ok(size >= 16, `${name} input font-size ${size}px: iOS Safari zooms into inputs under 16px`);
    }
    await assertNoAxeViolations(b, 'sign-in (phone)');
  });

  test('a wrong password is refused with a message', async () => {
    const b = w.alice;
    await b.fill(await b.label('Username'), 'nobody-here');
    await b.fill(await b.label('Password'), 'wrong password');
    await (await b.role('button', 'Sign in')).click();
    // WebKit's own accessibility tree says the message is an alert (announced at once).
    const msg = await b.find('text', /wrong username or password/i);
    assert.equal(await msg.getAriaRole(), 'alert');
  });

  test('Alice and Bob create accounts', async () => {
    await Promise.all([signUp(w.alice, 'alice'), signUp(w.bob, 'bob')]);
    await w.alice.find('text', /No conversations yet/);
    await assertFitsWidth(w.alice, 'empty conversation list');
  });

  test('Alice opens a direct chat with Bob; they exchange messages both ways', async () => {
    const a = w.alice;
    const b = w.bob;
    await (await a.role('button', 'New chat')).click();
    const dialog = await a.role('dialog', 'New chat');
    await a.fill(await a.label('Search people by username', {}, { within: dialog }), 'bo');
    await a.role('button', /^bob/, {}, { within: dialog });
    await assertFitsWidth(a, 'new chat dialog');
    await assertNoAxeViolations(a, 'new chat dialog (phone)');
    await a.screenshot('new-chat-dialog-390');
    await (await a.role('button', /^bob/, {}, { within: await a.role('dialog', 'New chat') })).click();
    await a.role('heading', 'bob', { level: 2 });
    await send(a, 'Hi Bob, from WebKit');
    await waitForMessage(a, 'Hi Bob, from WebKit', /Sent|Read/);
    // Bob (one pane on a phone) sees the conversation in his list with the new message.
    let seen = '';
    await b.until(async () => /Hi Bob, from WebKit/.test((seen = await b.text(await b.role('link', /^alice/)))), undefined, () => `bob's list entry for alice says ${JSON.stringify(seen)}`);
    await (await b.role('link', /^alice/)).click();
    await b.role('heading', 'alice', { level: 2 });
    await waitForMessage(b, 'Hi Bob, from WebKit');
    const box = await b.label(/^Message to/);
    const size = await b.run('return parseFloat(getComputedStyle(arguments[0]).fontSize)', box);
    assert.ok(size >= 16, `composer font-size ${size}px: iOS Safari zooms into inputs under 16px`);
    // The composer grows with a multi-line draft and shrinks after sending (WebKit 2.50 has no CSS
    // field-sizing: the app sizes it). Shift+Enter adds a line, Enter sends.
    const height = () => b.run('return [arguments[0].offsetHeight, arguments[0].scrollHeight, arguments[0].clientHeight]', box);
    const [oneRow] = await height();
    // (Key actions, not Element Send Keys: WebKitWebDriver ignores the NULL key that ends a chord.)
    const newline = () => b.driver.actions().keyDown(Key.SHIFT).sendKeys(Key.ENTER).keyUp(Key.SHIFT).perform();
    await box.sendKeys('one');
    await newline();
    await box.sendKeys('two');
    await newline();
    await box.sendKeys('three');
    assert.equal(await b.run('return arguments[0].value', box), 'one\ntwo\nthree');
    let h = [];
    await b.until(async () => {
      h = await height();
      return h[0] > oneRow * 1.8 && h[1] <= h[2] + 1;
    }, undefined, () => `composer ${JSON.stringify(h)} for three lines (one row: ${oneRow} px)`);
    await send(b, 'Hello Alice');
    await waitForMessage(b, 'Hello Alice', /Sent|Read/);
    await b.until(async () => (h = await height())[0] === oneRow, undefined, () => `composer back to one row: ${JSON.stringify(h)}`);
    await waitForMessage(a, 'Hello Alice');
    // Bob has read Alice's message: her side says so.
    await waitForMessage(a, 'Hi Bob, from WebKit', /Read/);
    // The composer is on screen (not pushed below the fold) and the page fits the width.
    const rect = await b.run('const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, innerHeight]', box);
    assert.ok(rect[0] >= 0 && rect[1] <= rect[2], `composer inside the viewport: ${rect}`);
    await assertFitsWidth(b, 'conversation');
    await assertNoAxeViolations(b, 'conversation (phone)');
    await a.screenshot('conversation-390-alice');
    await b.screenshot('conversation-390-bob');
  });

  test('an image from the file picker: a thumbnail for both, the lightbox opens by keyboard, Escape gives the focus back', async () => {
    const a = w.alice;
    const b = w.bob;
    const dir = mkdtempSync(join(tmpdir(), 'chatd-webkit-files-'));
    const file = join(dir, 'beach.png');
    writeFileSync(file, noisePng(200, 150));
    // Element Send Keys with a path is how WebDriver picks a file for an <input type=file>.
    const input = await a.driver.findElement(By.css('input[type=file]'));
    await input.sendKeys(file);
    await a.find('text', /ready to send/);
    await (await a.role('button', 'Send')).click();
    const thumb = await b.role('button', 'Open image beach.png', {}, { timeout: 20_000 });
    let seen = '';
    await b.until(async () => {
      seen = await b.run('const i = arguments[0].querySelector("img"); return i.complete + " " + i.naturalWidth + " " + i.currentSrc', thumb);
      return /^true [1-9]/.test(seen);
    }, undefined, () => `bob: the thumbnail loaded (${seen})`);
    await b.run('arguments[0].focus()', thumb);
    await b.driver.actions().sendKeys(Key.ENTER).perform();
    const lb = await b.role('dialog', 'beach.png');
    await b.until(() => b.run('const i = arguments[0].querySelector("img.lightbox-img"); return i.complete && i.naturalWidth === 200', lb), undefined, () => 'bob: the full image loaded');
    await assertFitsWidth(b, 'lightbox');
    await assertNoAxeViolations(b, 'lightbox (phone)');
    await b.screenshot('lightbox-390');
    await b.driver.actions().sendKeys(Key.ESCAPE).perform();
    await b.gone('role', 'dialog', { name: 'beach.png' });
    await b.until(() => b.run('return document.activeElement === arguments[0]', thumb), undefined, () => 'bob: the focus is back on the thumbnail');
    rmSync(dir, { recursive: true, force: true });
  });

  test('password sign-in, then a browser restart keeps the session (cookie on disk)', async () => {
    const b = w.bob;
    await (await b.role('link', 'Back to conversations')).click();
    await (await b.role('button', 'Sign out')).click();
    await signIn(b, 'bob');
    await b.role('link', /^alice/);
    // The session cookie WebKit keeps: persistent (it has an expiry), HttpOnly (no script sees it).
    const cookies = await b.driver.manage().getCookies();
    assert.ok(cookies.length > 0, 'a session cookie');
    for (const c of cookies) {
      assert.equal(c.httpOnly, true, `${c.name} is HttpOnly`);
      assert.ok(c.expiry > Date.now() / 1000 + 3600, `${c.name} outlives the browser: expiry ${c.expiry}`);
    }
    assert.equal(await b.run('return document.cookie'), '');
    // Quit WebKit (its UI, web and network processes end) and start it on the same profile.
    await b.restart();
    await b.get(`${server.url}/`);
    // A cold start of every WebKit process: give the first screen more time on a loaded machine.
    await b.role('link', /^alice/, {}, { timeout: 45_000 });
    assert.equal((await b.all('role', 'heading', { name: 'Sign in' })).length, 0);
    await b.find('title', 'Signed in as bob');
  });

  test('dark appearance: restarted preferring the dark theme, the page turns dark and axe finds nothing', async () => {
    const b = w.bob;
    const lightBg = await b.run('return getComputedStyle(document.body).backgroundColor');
    await b.restart({ dark: true });
    await b.get(`${server.url}/`);
    await b.role('link', /^alice/, {}, { timeout: 45_000 });
    assert.equal(await b.run('return matchMedia("(prefers-color-scheme: dark)").matches'), true);
    assert.notEqual(await b.run('return getComputedStyle(document.body).backgroundColor'), lightBg);
    await assertNoAxeViolations(b, 'conversation list (phone, dark)');
    await (await b.role('link', /^alice/)).click();
    await b.role('heading', 'alice', { level: 2 });
    await waitForMessage(b, 'Hello Alice');
    await assertNoAxeViolations(b, 'conversation (phone, dark)');
    await b.screenshot('conversation-390-dark');
    await (await b.role('link', 'Back to conversations')).click();
  });

  test('chatd restarts mid-conversation: both browsers reconnect, nothing lost or doubled', async () => {
    const a = w.alice;
    const b = w.bob;
    await (await b.role('link', /^alice/)).click();
    await b.role('heading', 'alice', { level: 2 });
    await send(a, 'before restart');
    await waitForMessage(b, 'before restart');

    const stopped = await server.stop();
    assert.equal(stopped?.code ?? 0, 0, `chatd exit ${JSON.stringify(stopped)}`);
    await a.until(async () => (await banner(a)) === 'Reconnecting…');
    await b.until(async () => (await banner(b)) === 'Reconnecting…');
    await a.screenshot('reconnecting-390');
    // Written while the server is down: pending, then delivered once it is back.
    await send(a, 'during outage');
    await waitForMessage(a, 'during outage', /Sending…/);

    await server.start();
    await a.until(async () => (await banner(a)) === '', 30_000);
    await b.until(async () => (await banner(b)) === '', 30_000);
    await waitForMessage(a, 'during outage', /Sent|Read/);
    await waitForMessage(b, 'during outage');
    await send(b, 'after restart');
    await waitForMessage(a, 'after restart');

    const expected = ['Hi Bob, from WebKit', 'Hello Alice', 'before restart', 'during outage', 'after restart'];
    for (const p of [a, b]) {
      const items = await messageItems(p);
      for (const text of expected) {
        assert.equal(items.filter((x) => x.includes(text)).length, 1, `${p.name} sees "${text}" exactly once: ${JSON.stringify(items)}`);
      }
    }
  });

  test('scrolling up loads older messages above and keeps the reader in place (Safari has no scroll anchoring)', async () => {
    const a = w.alice;
    const b = w.bob;
    // 50 more messages from Alice through her own session's socket (paced under the rate limit):
    // the newest page (50) then holds only these, the 7 items before them are one page back.
    const acked = await a.driver.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      const ws = new WebSocket('ws://' + location.host + '/ws');
      const conv = Number(location.hash.split('/').pop());
      const acks = new Set();
      ws.onmessage = (e) => { const f = JSON.parse(e.data); if (f.type === 'ack') acks.add(f.client_msg_id); };
      ws.onerror = () => done(-1);
      ws.onopen = async () => {
        ws.send(JSON.stringify({ type: 'hello', id: 'h', version: 1 }));
        for (let i = 1; i <= 50; i++) {
          ws.send(JSON.stringify({ type: 'send', id: 's' + i, conversation: conv, client_msg_id: 'wk-bulk-' + i, body: 'bulk ' + i }));
          await new Promise((r) => setTimeout(r, 70));
        }
        const end = Date.now() + 15000;
        while (acks.size < 50 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
        ws.close();
        done(acks.size);
      };
    `);
    assert.equal(acked, 50);
    await b.driver.navigate().refresh();
    await b.role('heading', 'alice', { level: 2 });
    await waitForMessage(b, 'bulk 50');
    assert.equal((await messageItems(b)).filter((t) => t.includes('Hi Bob, from WebKit')).length, 0, 'only the newest page');
    // Where "bulk 1" (the oldest loaded message) sits in the scroller, scrolled to the top.
    const region = await b.role('region', /^Messages with/);
    const offsetOf = async () => {
      const [p] = await b.all('text', 'bulk 1', {}, region);
      return p ? b.run('return arguments[0].getBoundingClientRect().top - arguments[1].getBoundingClientRect().top', p, region) : null;
    };
    await b.run('arguments[0].scrollTo(0, 0)', region);
    const before = await offsetOf();
    await b.find('text', 'This is the beginning of the conversation.');
    await waitForMessage(b, 'Hi Bob, from WebKit');
    const after = await offsetOf();
    // The page above pushed the content down by several hundred pixels; the app moves the scroll
    // position by as much. Slack for the "Load earlier" button turning into a line of text.
    assert.ok(before !== null && after !== null && Math.abs(after - before) < 60, `"bulk 1" moved from ${before} to ${after} px`);
    const texts = await bodies(b);
    const bulk = texts.filter((t) => /^bulk \d+$/.test(t)).map((t) => Number(t.slice(5)));
    assert.deepEqual(bulk, Array.from({ length: 50 }, (_, i) => i + 1), 'each bulk message once, in order');
    assert.equal(texts.filter((t) => t === 'Hi Bob, from WebKit').length, 1);
    await b.screenshot('history-390');
  });

  test('keyboard only: Enter opens the new-chat dialog, the search takes focus, Escape closes it and focus returns', async () => {
    const a = w.alice;
    await (await a.role('link', 'Back to conversations')).click();
    const newChat = await a.role('button', 'New chat');
    await a.run('arguments[0].focus()', newChat);
    await a.driver.actions().sendKeys(Key.ENTER).perform();
    const dialog = await a.role('dialog', 'New chat');
    const search = await a.label('Search people by username', {}, { within: dialog });
    await a.until(() => a.run('return arguments[0] === document.activeElement', search), undefined, () => 'focus in the search field');
    await a.driver.actions().sendKeys('bo').perform();
    await a.role('button', /^bob/, {}, { within: dialog });
    // The first Escape clears the search text; the second closes the dialog (WebKit's search field
    // keeps every Escape for itself: user-search.ts closes the dialog on an Escape in the empty field).
    await a.driver.actions().sendKeys(Key.ESCAPE).perform();
    await a.until(async () => (await a.run('return arguments[0].value', search)) === '', undefined, () => 'search text cleared');
    assert.equal((await a.all('role', 'dialog', { name: 'New chat' })).length, 1, 'one Escape only clears the field');
    await a.driver.actions().sendKeys(Key.ESCAPE).perform();
    await a.gone('role', 'dialog', { name: 'New chat' });
    await a.until(() => a.run('return arguments[0] === document.activeElement', newChat), undefined, () => 'focus back on New chat');
  });

  test('landscape (844 x 390): list and conversation side by side, the composer on screen, nothing wider than the view', async () => {
    const a = w.alice;
    const win = a.driver.manage().window();
    await win.setRect({ width: PHONE.height, height: PHONE.width });
    try {
      await a.until(async () => (await a.run('return innerWidth')) === PHONE.height);
      await (await a.role('link', /^bob/)).click();
      await a.role('heading', 'bob', { level: 2 });
      // Two panes: the list stays visible beside the conversation, and there is no back link.
      await a.role('complementary', 'Conversations');
      assert.equal((await a.all('role', 'link', { name: 'Back to conversations' })).length, 0);
      const box = await a.label(/^Message to/);
      const rect = await a.run('const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, innerHeight]', box);
      assert.ok(rect[0] >= 0 && rect[1] <= rect[2], `composer inside the viewport: ${rect}`);
      await assertFitsWidth(a, 'landscape conversation', PHONE.height);
      await a.screenshot('conversation-844-landscape');
    } finally {
      await win.setRect({ width: PHONE.width, height: PHONE.height });
    }
    await a.until(async () => (await a.run('return innerWidth')) === PHONE.width);
    // Back to one pane: the conversation fills it again, with its back link.
    await (await a.role('link', 'Back to conversations')).click();
    await a.role('button', 'Sign out');
  });

  test('signing out returns to the sign-in page, and a reload does not bring the session back', async () => {
    const a = w.alice;
    await (await a.role('button', 'Sign out')).click();
    await a.role('heading', 'Sign in');
    await a.driver.navigate().refresh();
    await a.role('heading', 'Sign in');
    assert.equal((await a.all('role', 'button', { name: 'New chat' })).length, 0);
  });

  test('OpenID Connect in WebKit: the provider sign-in, back to chatd, choosing a username', { skip: !haveOidcProvider && 'tests/oidc not installed (scripts/oidc-provider.sh setup)' }, async () => {
    const a = w.alice;
    await (await a.role('link', 'Continue with Test IdP')).click();
    // The provider's own development login page (not ours: plain CSS selectors).
    const login = await a.driver.wait(async () => (await a.driver.findElements(By.css('input[name=login]')))[0], 15_000);
    await login.sendKeys('erin');
    await a.driver.findElement(By.css('input[name=password]')).sendKeys('any');
    await a.driver.findElement(By.css('button[type=submit]')).click();
    // Its consent page on a first grant, then the redirect back to chatd's callback.
    await a.until(async () => {
      const url = await a.driver.getCurrentUrl();
      if (url.startsWith(server.url)) return true;
      const [cont] = await a.driver.findElements(By.xpath('//button[normalize-space()="Continue"]'));
      if (cont) await cont.click().catch(() => {});
      return false;
    }, 20_000, () => 'back at chatd after the provider');
    await a.role('heading', 'Choose a username');
    await a.find('text', /You signed in with Test IdP/);
    await a.fill(await a.label('Username'), 'erin');
    await a.find('text', 'erin is available.');
    await (await a.role('button', 'Continue')).click();
    await a.find('title', 'Signed in as erin');
    await a.driver.navigate().refresh();
    await a.find('title', 'Signed in as erin');
  });
});
