// Browser tests of the client in everyday use (issue 12): phones and long lists, offline, unread,
// notifications, readable text, switching, settings, sign-up. One chatd (request rate limits
// raised so the tests can seed 50 conversations and long histories quickly), Debian's Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chatd, DESKTOP, PHONE, chatdBin, checkScreen, eventually, freePort, launchBrowser, registerUser, screenshot, wsRequests as ws } from './harness.mjs';

const PASSWORD = 'correct horse battery';
const LONG = 'averyveryverylongwordwithoutanyspaces'.repeat(8);

let server;
let browser;
const cookies = {};
const users = {};

/** Registers over the HTTP API; returns the session cookie's value. */
async function register(name) {
  const { cookie, user } = await registerUser(server, name, PASSWORD);
  users[name] = user;
  return cookie;
}

/** A browser context signed in as `name` (its own session unless `cookie` is given). */
async function contextFor(name, opts = {}, cookie = cookies[name]) {
  const c = await browser.newContext({ viewport: DESKTOP, ...opts });
  await c.addCookies([{ name: 'chatd_session', value: cookie, url: server.url }]);
  return c;
}

async function openApp(ctx, hash = '') {
  const p = await ctx.newPage();
  p.setDefaultTimeout(10_000);
  p.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await p.goto(`${server.url}/#/${hash}`);
  await p.getByRole('button', { name: 'New chat' }).or(p.getByRole('heading', { name: 'Settings' })).first().waitFor();
  return p;
}

/** Document overflow and the position of controls that must stay on screen. */
async function layout(p) {
  return p.evaluate(() => {
    const d = document.documentElement;
    const offscreen = [...document.querySelectorAll('.sidebar-head button, .sidebar-head a, .badge, .conv-time, .sidebar-actions .btn')]
      .filter((el) => el.getClientRects().length)
      .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
      .map((el) => el.textContent.trim());
    return { sw: d.scrollWidth, sh: d.scrollHeight, w: innerWidth, h: innerHeight, offscreen };
  });
}

function badges(p) {
  return p.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('.conv-item')].map((a) => [
        a.querySelector('.conv-title').textContent.trim(),
        Number(a.querySelector('.badge .sr-only')?.textContent.replace(/\D/g, '') || 0),
      ]),
    ),
  );
}

describe('chatd web client in everyday use', { concurrency: false }, () => {
  const ctx = {};
  const page = {};
  let groups = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatd-web-everyday-'));
    server = new Chatd(await freePort(), join(dir, 'chat.db'), ['--requests-per-second', '100000', '--request-burst', '100000']);
    if (chatdBin.endsWith('.mjs')) server.extraArgs = [];
    await server.start();
    browser = await launchBrowser();
    for (const n of ['erin', 'frank', 'grace']) cookies[n] = await register(n);
    ctx.erin = await contextFor('erin');
    page.erin = await openApp(ctx.erin);
    ctx.frank = await contextFor('frank');
    page.frank = await openApp(ctx.frank);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('50 conversations with long previews: the document never scrolls, at 320, 360 and 1280 px', async () => {
    // Frank makes 50 groups with Erin, each with a long unbreakable title and message.
    const made = await ws(
      page.frank,
      Array.from({ length: 50 }, (_, i) => ({ type: 'create_group', title: `Group ${i} ${LONG}`.slice(0, 100), members: ['erin'] })),
    );
    groups = made.map((f) => f.conversation.id);
    await ws(page.frank, groups.map((c, i) => ({ type: 'send', conversation: c, client_msg_id: `long-${i}`, body: `${LONG} ${i}` })));
    const e = page.erin;
    await e.reload();
    await eventually(async () => assert.equal(await e.locator('.conv-item').count(), 50));
    for (const size of [{ width: 320, height: 640 }, PHONE, DESKTOP]) {
      await e.setViewportSize(size);
      const l = await layout(e);
      assert.ok(l.sw <= l.w, `document ${l.sw} px wide in a ${l.w} px window`);
      assert.ok(l.sh <= l.h, `document ${l.sh} px tall in a ${l.h} px window`);
      assert.deepEqual(l.offscreen, [], `controls off-screen at ${size.width} px`);
      // A wheel turn over the header must not move the page (only the list scrolls).
      await e.mouse.move(10, 10);
      await e.mouse.wheel(0, 2000);
      await e.mouse.wheel(400, 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await e.evaluate(() => [scrollX, scrollY]), [0, 0]);
    }
    await e.setViewportSize(DESKTOP);
    await checkScreen(e, 'list-50');
    // A long conversation open on a phone: same rules.
    await e.setViewportSize(PHONE);
    await e.locator('.conv-item').first().click();
    await e.locator('li.msg').first().waitFor();
    const l = await layout(e);
    assert.ok(l.sw <= l.w && l.sh <= l.h, `conversation view: ${JSON.stringify(l)}`);
    await e.setViewportSize(DESKTOP);
  });

  test('unread counts are the same live and after a reload; membership events and own messages from another device do not count', async () => {
    const e = page.erin;
    await e.goto(`${server.url}/#/`);
    // A new group with one message from Frank: 1 unread (not 4 with created/added events).
    const [g] = await ws(page.frank, [{ type: 'create_group', title: 'Unread check', members: ['erin', 'grace'] }]);
    const id = g.conversation.id;
    await ws(page.frank, [{ type: 'send', conversation: id, client_msg_id: 'u1', body: 'one' }]);
    await eventually(async () => assert.equal((await badges(e))['Unread check'], 1));
    // Erin writes from another device (her own second session): still 1.
    const other = await contextFor('erin');
    const o = await openApp(other);
    await ws(o, [{ type: 'send', conversation: id, client_msg_id: 'own-1', body: 'from my phone' }]);
    await e.locator('.conv-item', { hasText: 'Unread check' }).locator('.conv-preview', { hasText: 'from my phone' }).waitFor();
    assert.equal((await badges(e))['Unread check'], 1);
    const live = await badges(e);
    await e.reload();
    await eventually(async () => assert.equal(await e.locator('.conv-item').count(), Object.keys(live).length));
    await eventually(async () => assert.deepEqual(await badges(e), live));
    // The tab title counts them: "(N) … chatd".
    const total = Object.values(live).reduce((a, b) => a + b, 0);
    assert.ok(total >= 50, `${total} unread in all`);
    await eventually(async () => assert.match(await e.title(), new RegExp(`^\\(${total}\\) .*chatd$`)));
    await other.close();
  });

  test('30 unread open at a "New messages" divider; scrolled up, a new message offers "Jump to latest"', async () => {
    const e = page.erin;
    const [dm] = await ws(page.frank, [{ type: 'open_direct', username: 'erin' }]);
    const id = dm.conversation.id;
    await ws(page.frank, [{ type: 'send', conversation: id, client_msg_id: 'old', body: 'an old one' }]);
    await e.goto(`${server.url}/#/c/${id}`);
    await e.locator('li.msg', { hasText: 'an old one' }).waitFor();
    await e.goto(`${server.url}/#/`);
    await e.locator('.conv-item').first().waitFor();
    await ws(page.frank, Array.from({ length: 30 }, (_, i) => ({ type: 'send', conversation: id, client_msg_id: `n${i}`, body: `unread ${i + 1}` })));
    await eventually(async () => assert.equal((await badges(e))['frank'], 30));
    await e.locator('.conv-item', { has: e.locator('.conv-title', { hasText: /^frank$/ }) }).click();
    const divider = e.getByTestId('unread-divider');
    await divider.waitFor();
    // The divider sits right before the first unread message, and it is on screen.
    const next = await divider.evaluate((d) => d.nextElementSibling?.querySelector('.msg-body')?.textContent);
    assert.equal(next, 'unread 1');
    await eventually(async () => {
      const [box, view] = [await divider.boundingBox(), await e.getByTestId('messages').boundingBox()];
      assert.ok(box.y + box.height > view.y && box.y < view.y + view.height / 2, `divider at ${box.y}, view ${view.y}+${view.height}`);
    });
    // No "created the conversation" / "added" noise in a direct chat.
    assert.equal(await e.locator('li.msg-event').count(), 0);
    // Frank's 30 messages within a minute are one run after the divider: his name is not repeated
    // and one time is shown for the run (the others stay for screen readers).
    const visibleTimes = await e.locator('li.msg time:not(.sr-only)').count();
    assert.ok(visibleTimes <= 3, `${visibleTimes} visible times for 31 messages in two runs`);
    await checkScreen(e, 'unread-divider');

    // Scrolled up, a new message: "Jump to latest (1 new)", which goes to the bottom.
    await e.getByTestId('messages').evaluate((el) => (el.scrollTop = 0));
    await ws(page.frank, [{ type: 'send', conversation: id, client_msg_id: 'late', body: 'the latest' }]);
    const jump = e.getByRole('button', { name: /Jump to latest \(1 new\)/ });
    await jump.waitFor();
    await checkScreen(e, 'jump-to-latest');
    await jump.click();
    await jump.waitFor({ state: 'detached' });
    await eventually(async () => {
      const gap = await e.getByTestId('messages').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
      assert.ok(gap < 80, `${gap} px above the bottom`);
    });
    await e.locator('li.msg', { hasText: 'the latest' }).waitFor();
  });

  test('links, a small markdown subset and dir="auto"; HTML is never executed', async () => {
    const e = page.erin;
    const [dm] = await ws(page.frank, [{ type: 'open_direct', username: 'erin' }]);
    const id = dm.conversation.id;
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    await ws(page.frank, [
      { type: 'send', conversation: id, client_msg_id: 'rich', body: `**bold** and _it_ and \`a <b>code</b>\` see https://example.com/a_(b). ${evil} [x](javascript:alert(1))` },
      { type: 'send', conversation: id, client_msg_id: 'rtl', body: 'مرحبا بالعالم!' },
      { type: 'send', conversation: id, client_msg_id: 'block', body: '```\nconst x = 1;\n```' },
    ]);
    await e.goto(`${server.url}/#/c/${id}`);
    const rich = e.locator('li.msg', { hasText: 'bold' }).locator('.msg-body');
    await rich.waitFor();
    assert.equal(await rich.locator('strong').innerText(), 'bold');
    assert.equal(await rich.locator('em').innerText(), 'it');
    assert.equal(await rich.locator('code').innerText(), 'a <b>code</b>');
    const link = rich.getByRole('link');
    assert.equal(await link.count(), 1, 'one link: javascript: never becomes one');
    assert.equal(await link.getAttribute('href'), 'https://example.com/a_(b)');
    assert.match(await link.getAttribute('rel'), /noopener/);
    assert.equal(await rich.locator('img, script, b').count(), 0);
    assert.match(await rich.innerText(), /<img src=x onerror=/);
    assert.equal(await e.evaluate(() => window.__pwned), undefined);
    const rtl = e.locator('li.msg', { hasText: 'مرحبا' }).locator('.msg-body');
    assert.equal(await rtl.getAttribute('dir'), 'auto');
    assert.equal(await rtl.evaluate((el) => getComputedStyle(el).direction), 'rtl');
    assert.equal(await e.locator('li.msg code.block').innerText(), 'const x = 1;');
    // The list preview shows the text without the markup characters.
    await e.setViewportSize(DESKTOP);
    await e.locator('.conv-item', { has: e.locator('.conv-title', { hasText: /^frank$/ }) }).locator('.conv-preview', { hasText: 'const x = 1;' }).waitFor();
    await checkScreen(e, 'rich-text');
  });

  test('avatars get distinct colours derived from the name', async () => {
    const e = page.erin;
    const colours = await e.evaluate(() =>
      [...document.querySelectorAll('.conv-item')].map((a) => [
        a.querySelector('.conv-title').textContent.trim(),
        getComputedStyle(a.querySelector('.avatar')).backgroundColor,
      ]),
    );
    const distinct = new Set(colours.map(([, c]) => c));
    assert.ok(distinct.size >= 4, `only ${distinct.size} avatar colours: ${JSON.stringify(colours.slice(0, 8))}`);
    const byName = new Map();
    for (const [name, c] of colours) {
      if (byName.has(name)) assert.equal(byName.get(name), c, `same name, same colour: ${name}`);
      byName.set(name, c);
    }
  });

  test('quick switcher (Ctrl+K) and Alt+Up/Down between conversations', async () => {
    const e = page.erin;
    await e.goto(`${server.url}/#/`);
    await e.locator('.conv-item').first().waitFor();
    await e.keyboard.press('Control+k');
    const dlg = e.getByRole('dialog', { name: 'Go to conversation' });
    await dlg.waitFor();
    await checkScreen(e, 'switcher');
    await e.keyboard.type('unread ch');
    await eventually(async () => assert.equal(await dlg.getByRole('option').count(), 1));
    await e.keyboard.press('Enter');
    await e.getByRole('heading', { level: 2, name: 'Unread check' }).waitFor();
    await dlg.waitFor({ state: 'hidden' });
    const order = await e.locator('.conv-item .conv-title').allInnerTexts();
    const at = order.indexOf('Unread check');
    await e.locator('body').press('Alt+ArrowDown');
    await e.getByRole('heading', { level: 2, name: order[at + 1] }).waitFor();
    await e.locator('body').press('Alt+ArrowUp');
    await e.getByRole('heading', { level: 2, name: 'Unread check' }).waitFor();
  });

  test('notifications: permission asked only from a click; one for a message in another conversation while the tab is hidden', async () => {
    const c = await contextFor('erin');
    // A recording Notification and a controllable visibility (headless Chromium shows neither).
    await c.addInitScript(() => {
      window.__asked = 0;
      window.__notes = [];
      window.__hidden = false;
      class FakeNotification {
        static permission = 'default';
        static async requestPermission() {
          window.__asked++;
          FakeNotification.permission = 'granted';
          return 'granted';
        }
        constructor(title, opts) {
          window.__notes.push({ title, body: opts?.body ?? '' });
        }
        close() {}
      }
      window.Notification = FakeNotification;
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.__hidden ? 'hidden' : 'visible') });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__hidden });
    });
    const p = await openApp(c);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await p.evaluate(() => window.__asked), 0, 'never asked on load');
    await p.getByRole('link', { name: 'Settings' }).click();
    await p.getByRole('heading', { name: 'Settings' }).waitFor();
    await p.getByRole('button', { name: 'Turn on notifications' }).click();
    await p.getByText('Desktop notifications are on').waitFor();
    assert.equal(await p.evaluate(() => window.__asked), 1);
    // Open one conversation, hide the tab, and Frank writes in another one.
    await p.goto(`${server.url}/#/c/${groups[0]}`);
    await p.locator('li.msg').first().waitFor();
    await p.evaluate(() => {
      window.__hidden = true;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await ws(page.frank, [{ type: 'send', conversation: groups[1], client_msg_id: 'note-1', body: 'ping **you**' }]);
    await eventually(async () => assert.equal((await p.evaluate(() => window.__notes)).length, 1));
    const [note] = await p.evaluate(() => window.__notes);
    assert.match(note.title, /^frank in Group 1/);
    assert.equal(note.body, 'ping you');
    // Visible again: no notification for the next one (the app shows it).
    await p.evaluate(() => {
      window.__hidden = false;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await ws(page.frank, [{ type: 'send', conversation: groups[1], client_msg_id: 'note-2', body: 'again' }]);
    await p.locator('.conv-item', { hasText: 'again' }).waitFor();
    assert.equal((await p.evaluate(() => window.__notes)).length, 1);
    await c.close();
  });

  test('offline: a banner within 2 s, sends wait instead of failing, and a reload offline shows the cached app', async () => {
    const c = await contextFor('erin');
    const p = await openApp(c, `c/${groups[2]}`);
    await p.locator('li.msg').first().waitFor();
    // The service worker has cached the shell (it controls the page after its first activation).
    await p.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    });
    await c.setOffline(true);
    const t0 = Date.now();
    await p.getByRole('status').filter({ hasText: 'You are offline' }).waitFor({ timeout: 2_000 });
    assert.ok(Date.now() - t0 <= 2_000);
    const box = p.getByLabel(/^Message to/);
    await box.fill('written offline');
    await box.press('Enter');
    const mine = p.locator('li.msg.own', { hasText: 'written offline' });
    await mine.locator('.msg-state', { hasText: 'Waiting for network' }).waitFor();
    await checkScreen(p, 'offline');
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(await mine.locator('.msg-state', { hasText: 'Not sent' }).count(), 0, 'never shown as failed while offline');
    // A reload without network: the app shell from the service worker, the cached list.
    await p.reload();
    await p.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
    await eventually(async () => assert.ok((await p.locator('.conv-item').count()) >= 50));
    await p.locator('.conv-item', { hasText: 'Unread check' }).waitFor();
    await screenshot(p, 'offline-reload-1280');
    // Back online: the message goes out once.
    await c.setOffline(false);
    await p.getByRole('status').filter({ hasText: 'You are offline' }).waitFor({ state: 'detached' }).catch(() => {});
    await page.frank.goto(`${server.url}/#/c/${groups[2]}`);
    await page.frank.locator('li.msg', { hasText: 'written offline' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.frank.locator('li.msg', { hasText: 'written offline' }).count(), 1);
    await c.close();
  });

  test('settings: the signed-in devices, and signing out of the other ones', async () => {
    const phone = await contextFor('grace', { viewport: PHONE, isMobile: true, hasTouch: true });
    const p2 = await openApp(phone);
    const laptop = await contextFor('grace', {}, await loginCookie('grace'));
    const p = await openApp(laptop, 'settings');
    await p.getByRole('heading', { name: 'Signed-in devices' }).waitFor();
    await eventually(async () => assert.equal(await p.locator('.session').count(), 2));
    assert.equal(await p.locator('.session', { hasText: '(this device)' }).count(), 1);
    await checkScreen(p, 'settings');
    await p.getByRole('button', { name: 'Sign out of all other devices' }).click();
    await eventually(async () => assert.equal(await p.locator('.session').count(), 1));
    await p2.reload();
    await p2.getByRole('heading', { name: 'Sign in' }).waitFor();
    await phone.close();
    await laptop.close();
  });

  test('sign-up checks the username live with the right message and marks the right field invalid', async () => {
    const c = await browser.newContext({ viewport: PHONE });
    const p = await c.newPage();
    p.setDefaultTimeout(10_000);
    await p.goto(`${server.url}/#/sign-in`);
    await p.getByRole('button', { name: 'Create an account' }).click();
    const user = p.getByLabel('Username');
    const pass = p.getByLabel('Password');
    const userError = p.locator('#username-error');
    await user.fill('ab');
    await userError.filter({ hasText: 'Too short' }).waitFor();
    assert.equal(await user.getAttribute('aria-invalid'), 'true');
    assert.equal(await pass.getAttribute('aria-invalid'), null);
    await user.fill('admin');
    await userError.filter({ hasText: 'reserved' }).waitFor();
    await user.fill('frank');
    await userError.filter({ hasText: 'already taken' }).waitFor();
    await checkScreen(p, 'sign-up-errors');
    await user.fill('heidi');
    await p.getByText('heidi is available.').waitFor();
    assert.equal(await user.getAttribute('aria-invalid'), null);
    await pass.fill('short');
    await p.locator('#password-error').filter({ hasText: 'at least 8' }).waitFor();
    assert.equal(await pass.getAttribute('aria-invalid'), 'true');
    assert.equal(await user.getAttribute('aria-invalid'), null, 'a weak password does not mark the username');
    await p.getByRole('button', { name: 'Create account', exact: true }).click();
    assert.equal(await user.getAttribute('aria-invalid'), null);
    await pass.fill(PASSWORD);
    await p.getByRole('button', { name: 'Create account', exact: true }).click();
    await p.getByRole('button', { name: 'New chat' }).waitFor();
    await c.close();
  });

  test('finished looks: the "Today" pill never covers text, a failed status stays one line at 360 px, Remove is styled in dark', async () => {
    const [g] = await ws(page.frank, [{ type: 'create_group', title: 'Polish', members: ['erin'] }]);
    const id = g.conversation.id;
    await ws(page.frank, Array.from({ length: 40 }, (_, i) => ({ type: 'send', conversation: id, client_msg_id: `p${i}`, body: `polish line ${i + 1} with enough words to take a row` })));
    // One failure injected: Erin's first send is answered with the error a lost answer gives.
    const c = await contextFor('erin', { viewport: PHONE, isMobile: true, hasTouch: true });
    await c.routeWebSocket(/\/ws$/, (sock) => {
      const upstream = sock.connectToServer();
      let failed = false;
      sock.onMessage((msg) => {
        const f = JSON.parse(String(msg));
        if (f.type === 'send' && !failed) {
          failed = true;
          sock.send(JSON.stringify({ type: 'error', code: 'internal', message: 'No answer from the server', ref: f.id }));
          return;
        }
        upstream.send(msg);
      });
    });
    const p = await openApp(c);
    await p.goto(`${server.url}/#/c/${id}`);
    const view = p.getByTestId('messages');
    await p.locator('li.msg', { hasText: 'polish line 40' }).waitFor();
    // Wherever the list is scrolled, the day label covers no message text.
    const covered = () =>
      view.evaluate((el) => {
        const hits = [];
        for (const pill of el.querySelectorAll('.day-sep span')) {
          const a = pill.getBoundingClientRect();
          for (const body of el.querySelectorAll('.msg-body')) {
            const b = body.getBoundingClientRect();
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) hits.push(body.textContent);
          }
        }
        return hits;
      });
    for (const at of [0.25, 0.5, 0.75, 1]) {
      await view.evaluate((el, at) => (el.scrollTop = (el.scrollHeight - el.clientHeight) * at), at);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await covered(), [], `scrolled to ${at * 100} %`);
    }
    // A failed message at 360 px: "Not sent: …" on one line of its own, Retry and Delete on one row.
    const box = p.getByLabel(/^Message to/);
    await box.fill('this one fails');
    await box.press('Enter');
    const mine = p.locator('li.msg.own', { hasText: 'this one fails' });
    const state = mine.locator('.msg-failed', { hasText: 'Not sent: No answer from the server' });
    await state.waitFor();
    const lines = await state.evaluate((el) => {
      const r = document.createRange();
      r.selectNodeContents(el);
      return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
    });
    assert.equal(lines, 1, `the failed status takes ${lines} lines`);
    const [retry, del] = [await mine.getByRole('button', { name: 'Retry' }).boundingBox(), await mine.getByRole('button', { name: 'Delete' }).boundingBox()];
    assert.ok(Math.abs(retry.y - del.y) < 2, `Retry at ${retry.y}, Delete at ${del.y}`);
    await checkScreen(p, 'failed-message-phone', { sizes: [PHONE] });
    await mine.getByRole('button', { name: 'Delete' }).click();
    await mine.waitFor({ state: 'detached' });
    // The Remove buttons of the group dialogs, in dark: the app's button, not the browser's.
    await p.emulateMedia({ colorScheme: 'dark' });
    await p.getByRole('link', { name: 'Back to conversations' }).click();
    await p.getByRole('button', { name: 'New group' }).click();
    const dlg = p.getByRole('dialog', { name: 'New group' });
    await dlg.getByLabel('Add people by username').fill('fra');
    await dlg.getByRole('button', { name: /^frank/ }).click();
    const remove = dlg.getByRole('button', { name: 'Remove frank' });
    await remove.waitFor();
    const look = await remove.evaluate((el) => {
      const plain = document.createElement('button');
      el.parentElement.append(plain);
      const pick = (s) => ({ bg: s.backgroundColor, color: s.color, font: s.fontFamily, border: s.borderTopColor });
      const r = { mine: pick(getComputedStyle(el)), browser: pick(getComputedStyle(plain)), text: getComputedStyle(document.body).color, body: getComputedStyle(document.body).fontFamily };
      plain.remove();
      return r;
    });
    assert.notEqual(look.mine.bg, look.browser.bg, `Remove has the browser's background ${look.browser.bg}`);
    assert.equal(look.mine.color, look.text, 'Remove uses the text colour');
    assert.equal(look.mine.font, look.body, 'Remove uses the app font');
    assert.notEqual(look.mine.border, look.browser.border, "Remove has the browser's border");
    await checkScreen(p, 'new-group-remove', { sizes: [PHONE] });
    await c.close();
  });

  test('a 5,000-message history: the DOM stays small while scrolling back through it', async () => {
    const [g] = await ws(page.frank, [{ type: 'create_group', title: 'Long history', members: ['erin'] }]);
    const id = g.conversation.id;
    await ws(page.frank, Array.from({ length: 5000 }, (_, i) => ({ type: 'send', conversation: id, client_msg_id: `h${i}`, body: `history ${i + 1}` })));
    const e = page.erin;
    await e.goto(`${server.url}/#/c/${id}`);
    await e.locator('li.msg', { hasText: 'history 5000' }).waitFor();
    const view = e.getByTestId('messages');
    let most = 0;
    const has = (n) => e.locator('li.msg .msg-body', { hasText: new RegExp(`^history ${n}$`) }).count();
    // Scroll back through 600 messages (12 pages, as a reader does: to the top, again and again).
    const t0 = Date.now();
    while (!(await has(4400)) && Date.now() - t0 < 60_000) {
      await view.evaluate((el) => el.scrollTo(0, 0));
      await new Promise((r) => setTimeout(r, 150));
      most = Math.max(most, await e.locator('li.msg').count());
    }
    assert.ok(await has(4400), 'scrolled back to message 4400');
    assert.ok(most <= 300, `${most} messages in the DOM`);
    // And down again to the newest.
    const t1 = Date.now();
    while (!(await has(5000)) && Date.now() - t1 < 60_000) {
      await view.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await new Promise((r) => setTimeout(r, 150));
      most = Math.max(most, await e.locator('li.msg').count());
    }
    assert.ok(most <= 300, `${most} messages in the DOM`);
    await e.locator('li.msg .msg-body', { hasText: /^history 5000$/ }).waitFor();
  });
});

async function loginCookie(name) {
  const r = await fetch(`${server.url}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: name, password: PASSWORD }),
  });
  assert.equal(r.status, 200);
  return /chatd_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')[1];
}
