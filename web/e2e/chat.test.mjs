// Browser tests of the web client against a real chatd: Alice, Bob and Carol in separate browser
// contexts. Steps share state and run in order (node:test runs a describe's tests sequentially).
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { checkScreen, eventually, haveOidcProvider, launchBrowser, launchPersistent, screenshot, startChatd, stopOidc } from './harness.mjs';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
const PASSWORD = 'correct horse battery';

/** Texts of the messages (body only) in the open conversation, in DOM order. */
async function messageBodies(page) {
  return page.locator('.msg-list li.msg .msg-body').allInnerTexts();
}

async function signUp(page, username) {
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await page.getByRole('button', { name: 'New chat' }).waitFor();
  await page.locator('.me-name', { hasText: username }).waitFor();
}

async function send(page, text) {
  const box = page.getByLabel(/^Message to/);
  await box.fill(text);
  await box.press('Enter');
}

async function openConversation(page, name) {
  await page.getByRole('link', { name: new RegExp(`^${name}`) }).first().click();
  await page.getByRole('heading', { level: 2, name }).waitFor();
}

let server;
let browser;
const ctx = {};
const page = {};

describe('chatd web client', { concurrency: false }, () => {
  before(async () => {
    server = await startChatd();
    browser = await launchBrowser();
    ctx.alice = await browser.newContext({ viewport: DESKTOP });
    ctx.bob = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
    ctx.carol = await browser.newContext({ viewport: DESKTOP, colorScheme: 'dark', reducedMotion: 'reduce' });
    for (const who of ['alice', 'bob', 'carol']) {
      page[who] = await ctx[who].newPage();
      page[who].setDefaultTimeout(10_000);
      page[who].on('pageerror', (e) => console.error(`[${who}] page error: ${e.message}`));
    }
  });

  let step = 0;
  afterEach(async () => {
    // With CHATD_E2E_DEBUG=1 every step leaves a picture of each page (for failures in CI logs).
    step++;
    if (!process.env.CHATD_E2E_DEBUG) return;
    for (const who of Object.keys(page)) await screenshot(page[who], `debug-${String(step).padStart(2, '0')}-${who}`).catch(() => {});
  });

  after(async () => {
    await browser?.close();
    const r = await server?.stop();
    stopOidc(server);
    if (r && r.code !== 0) console.error(`chatd exit: ${JSON.stringify(r)}\n${server.log.join('').slice(-2000)}`);
  });

  test('the sign-in page is accessible at 1280 and 360 px, light and dark', async () => {
    const p = page.alice;
    await p.goto(`${server.url}/`);
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(p.url(), /#\/sign-in$/);
    await checkScreen(p, 'sign-in');
    await page.bob.goto(`${server.url}/`);
    await page.bob.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.carol.goto(`${server.url}/`);
    await page.carol.getByRole('button', { name: 'Create an account' }).click();
    await page.carol.getByRole('heading', { name: 'Create an account' }).waitFor();
    await checkScreen(page.carol, 'register');
    // The OIDC choose-username step (here without a pending sign-in: it says so).
    await page.carol.goto(`${server.url}/#/choose-username`);
    await page.carol.getByRole('heading', { name: 'Choose a username' }).waitFor();
    await page.carol.getByRole('alert').filter({ hasText: 'no sign-in waiting' }).waitFor();
    await checkScreen(page.carol, 'choose-username-none-waiting');
  });

  test('chatd serves the built client: installable PWA (Chromium says so), cache headers, brotli and gzip', async () => {
    const index = await fetch(`${server.url}/`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(index.status, 200);
    assert.match(index.headers.get('cache-control') ?? '', /no-cache/);
    const html = await index.text();
    assert.match(html, /<link rel="manifest" href="manifest.webmanifest"/);
    const assets = [...html.matchAll(/(?:src|href)="([a-z]+-[A-Z0-9]{8}\.(?:js|css))"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.startsWith('main-')), `index.html names a hashed main bundle: ${assets}`);
    for (const asset of assets) {
      for (const enc of ['br', 'gzip']) {
        const r = await fetch(`${server.url}/${asset}`, { headers: { 'Accept-Encoding': enc } });
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-encoding'), enc, `${asset} as ${enc}`);
        assert.match(r.headers.get('cache-control') ?? '', /immutable/, asset);
        await r.arrayBuffer();
      }
    }
    const manifest = await (await fetch(`${server.url}/manifest.webmanifest`)).json();
    assert.equal(manifest.display, 'standalone');
    const sizes = manifest.icons.map((i) => i.sizes);
    assert.ok(sizes.includes('192x192') && sizes.includes('512x512'));
    for (const icon of manifest.icons) {
      const r = await fetch(`${server.url}/${icon.src}`);
      assert.equal(r.status, 200, icon.src);
      await r.arrayBuffer();
    }
    // An SPA route falls back to index.html.
    assert.equal((await fetch(`${server.url}/some/route`)).status, 200);
    // Chromium itself says the app is installable (manifest + icons; no service worker needed).
    const { context, dir } = await launchPersistent();
    try {
      const p = context.pages()[0] ?? (await context.newPage());
      await p.goto(`${server.url}/`);
      await p.getByRole('heading', { name: 'Sign in' }).waitFor();
      const cdp = await context.newCDPSession(p);
      const manifest = await cdp.send('Page.getAppManifest');
      assert.deepEqual(manifest.errors, []);
      await eventually(async () => {
        const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
        assert.deepEqual(installabilityErrors, []);
      });
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a wrong password is refused with a message', async () => {
    const p = page.alice;
    await p.getByLabel('Username').fill('nobody-here');
    await p.getByLabel('Password').fill('wrong password');
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.getByRole('alert').filter({ hasText: /wrong username or password/i }).waitFor();
    // A failed provider sign-in comes back as #/sign-in?error=...: the page explains it.
    await p.goto(`${server.url}/#/sign-in?error=oidc_state_invalid&reason=expired_state`);
    await p.getByRole('alert').filter({ hasText: /took too long/ }).waitFor();
  });

  test('Alice, Bob and Carol sign up', async () => {
    await Promise.all([signUp(page.alice, 'alice'), signUp(page.bob, 'bob'), signUp(page.carol, 'carol')]);
    // The new-chat dialog on a phone.
    await page.bob.getByRole('button', { name: 'New chat' }).click();
    await page.bob.getByRole('dialog', { name: 'New chat' }).getByLabel('Search people by username').fill('a');
    await page.bob.getByRole('dialog', { name: 'New chat' }).getByRole('button', { name: /^alice/ }).waitFor();
    await checkScreen(page.bob, 'new-chat-dialog');
    // In a search field the first Escape clears it (native), the second closes the dialog.
    await page.bob.keyboard.press('Escape');
    await page.bob.keyboard.press('Escape');
    await page.bob.getByRole('dialog', { name: 'New chat' }).waitFor({ state: 'hidden' });
    await page.alice.getByText('No conversations yet').waitFor();
    await checkScreen(page.alice, 'empty-list');
  });

  test('OpenID Connect: the provider button, the provider sign-in, then choosing a username', { skip: !haveOidcProvider && 'tests/oidc not installed (scripts/oidc-provider.sh setup)' }, async () => {
    const dctx = await browser.newContext({ viewport: DESKTOP });
    try {
      const d = await dctx.newPage();
      d.setDefaultTimeout(10_000);
      await d.goto(`${server.url}/`);
      await d.getByRole('link', { name: 'Continue with Test IdP' }).click();
      // The provider's own (development) login and consent pages.
      await d.locator('input[name=login]').fill('dave');
      await d.locator('input[name=password]').fill('any');
      await d.locator('button[type=submit]').click();
      // Then its consent page (first grant), which hands the browser back to chatd's callback.
      const back = (u) => u.toString().startsWith(server.url);
      const cont = d.getByRole('button', { name: 'Continue' });
      await Promise.race([
        cont.waitFor().then(() => cont.click()).catch(() => {}),
        d.waitForURL(back).catch(() => {}),
      ]);
      await d.waitForURL(back);
      await d.getByRole('heading', { name: 'Choose a username' }).waitFor();
      assert.match(d.url(), /#\/choose-username/);
      await d.getByText('You signed in with Test IdP').waitFor();
      await checkScreen(d, 'choose-username');
      await d.getByLabel('Username').fill('dave');
      await d.getByText('dave is available.').waitFor();
      await d.getByRole('button', { name: 'Continue' }).click();
      await d.locator('.me-name', { hasText: 'dave' }).waitFor();
      // Signed in by cookie: a reload keeps the session.
      await d.reload();
      await d.locator('.me-name', { hasText: 'dave' }).waitFor();
    } finally {
      await dctx.close();
    }
  });

  test('Alice starts a direct chat with Bob by searching his username', async () => {
    const p = page.alice;
    await p.getByRole('button', { name: 'New chat' }).click();
    const dialog = p.getByRole('dialog', { name: 'New chat' });
    await dialog.waitFor();
    await dialog.getByLabel('Search people by username').fill('bo');
    await dialog.getByRole('button', { name: /^bob/ }).waitFor();
    await dialog.getByRole('button', { name: /^bob/ }).click();
    await p.getByRole('heading', { level: 2, name: 'bob' }).waitFor();
    assert.match(p.url(), /#\/c\/\d+$/);
  });

  test('Alice and Bob exchange messages: optimistic send, Enter sends, Shift+Enter adds a line', async () => {
    const a = page.alice;
    const b = page.bob;
    await send(a, 'Hi Bob!');
    const mine = a.locator('li.msg.own', { hasText: 'Hi Bob!' });
    await mine.locator('.msg-state', { hasText: /Sent|Read/ }).waitFor();
    // Bob (phone, one pane) sees the conversation with one unread message.
    const link = b.getByRole('link', { name: /^alice/ });
    await link.waitFor();
    await eventually(async () => assert.match(await link.innerText(), /Hi Bob!/));
    await link.getByText('1 unread').waitFor({ state: 'attached' });
    await checkScreen(b, 'list');
    await link.click();
    await b.getByRole('heading', { level: 2, name: 'alice' }).waitFor();
    await b.locator('li.msg', { hasText: 'Hi Bob!' }).waitFor();
    // Message DOM order: author, text, time.
    const parts = await b.locator('li.msg', { hasText: 'Hi Bob!' }).evaluate((li) =>
      [...li.children].map((c) => c.className.split(' ')[0]),
    );
    assert.deepEqual(parts.slice(0, 3), ['msg-author', 'msg-body', 'msg-meta']);
    // Bob types: Alice sees the typing indicator.
    const box = b.getByLabel(/^Message to/);
    await box.click();
    await box.pressSequentially('Hello', { delay: 20 });
    await a.getByTestId('typing').filter({ hasText: 'bob is typing…' }).waitFor();
    await box.press('Shift+Enter');
    await box.pressSequentially('Alice', { delay: 10 });
    assert.equal(await box.inputValue(), 'Hello\nAlice');
    await box.press('Enter');
    await b.locator('li.msg.own', { hasText: 'Alice' }).locator('.msg-state', { hasText: /Sent|Read/ }).waitFor();
    assert.equal(await box.inputValue(), '');
    await a.locator('li.msg:not(.own)', { hasText: 'Hello' }).waitFor();
    assert.equal(await a.locator('li.msg:not(.own) .msg-body').last().innerText(), 'Hello\nAlice');
    // The live region announced it to Alice.
    await eventually(async () => assert.match(await a.getByTestId('announcer').innerText(), /bob: Hello/));
    // Bob read Alice's message: her message shows Read.
    await mine.locator('.msg-state', { hasText: 'Read' }).waitFor();
    await checkScreen(a, 'conversation');
  });

  test('history loads backwards when scrolling up', async () => {
    const a = page.alice;
    // 60 more messages from Alice through her own session's socket (paced under the rate limit).
    await a.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      await new Promise((ok, fail) => {
        ws.onopen = ok;
        ws.onerror = fail;
      });
      const conv = Number(location.hash.split('/').pop());
      const acks = new Set();
      ws.onmessage = (e) => {
        const f = JSON.parse(e.data);
        if (f.type === 'ack') acks.add(f.client_msg_id);
      };
      ws.send(JSON.stringify({ type: 'hello', id: 'h', version: 1 }));
      for (let i = 1; i <= 60; i++) {
        ws.send(JSON.stringify({ type: 'send', id: `s${i}`, conversation: conv, client_msg_id: `bulk-${i}`, body: `bulk ${i}` }));
        await new Promise((r) => setTimeout(r, 70));
      }
      const end = Date.now() + 10_000;
      while (acks.size < 60 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      ws.close();
      if (acks.size < 60) throw new Error(`only ${acks.size} acks`);
    });
    const b = page.bob;
    await b.reload(); // the newest page only: 50 of the 62 messages
    await b.getByRole('heading', { level: 2, name: 'alice' }).waitFor();
    await b.locator('li.msg', { hasText: 'bulk 60' }).waitFor();
    assert.equal(await b.locator('li.msg', { hasText: 'Hi Bob!' }).count(), 0);
    // Scroll to the top: the older page comes in above.
    await eventually(async () => {
      await b.getByTestId('messages').evaluate((el) => el.scrollTo(0, 0));
      assert.equal(await b.locator('li.msg', { hasText: 'Hi Bob!' }).count(), 1);
    });
    await b.getByText('This is the beginning of the conversation.').waitFor();
    const bodies = await messageBodies(b);
    assert.equal(bodies.length, 62);
    assert.deepEqual(bodies.slice(2, 5), ['bulk 1', 'bulk 2', 'bulk 3']);
    await b.locator('.day-sep', { hasText: 'Today' }).first().waitFor();
  });

  test('Alice creates a group of three and manages its members', async () => {
    const a = page.alice;
    await a.getByRole('button', { name: 'New group' }).click();
    const dialog = a.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Group name').fill('Team');
    const search = dialog.getByLabel('Add people by username');
    await search.fill('bob');
    await dialog.getByRole('button', { name: /^bob/ }).click();
    await search.fill('car');
    await dialog.getByRole('button', { name: /^carol/ }).click();
    await dialog.getByRole('button', { name: 'Remove carol' }).waitFor();
    await checkScreen(a, 'new-group-dialog');
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await a.getByRole('heading', { level: 2, name: 'Team' }).waitFor();
    await send(a, 'Welcome to the team');
    for (const who of ['bob', 'carol']) {
      const p = page[who];
      if (who === 'bob') await p.getByRole('link', { name: 'Back to conversations' }).click();
      await openConversation(p, 'Team');
      await p.locator('li.msg', { hasText: 'Welcome to the team' }).waitFor();
    }
    await send(page.carol, 'Hi all');
    await a.locator('li.msg', { hasText: 'Hi all' }).locator('.msg-author', { hasText: 'carol' }).waitFor();
    await page.bob.locator('li.msg', { hasText: 'Hi all' }).waitFor();
    // Carol asked for reduced motion: messages appear without animation; Alice's do animate.
    const anim = (p) => p.locator('li.msg', { hasText: 'Hi all' }).evaluate((el) => getComputedStyle(el).animationName);
    assert.equal(await anim(page.carol), 'none');
    assert.notEqual(await anim(a), 'none');
    await checkScreen(page.carol, 'group');
    // Members: remove Carol, add her back.
    await a.getByRole('button', { name: 'Members' }).click();
    const members = a.getByRole('dialog', { name: 'Group members' });
    await members.getByText('Members (3)').waitFor();
    await checkScreen(a, 'group-members-dialog');
    await members.getByRole('button', { name: 'Remove carol from the group' }).click();
    await members.getByText('Members (2)').waitFor();
    await members.getByLabel('Add people by username').fill('carol');
    await members.getByRole('button', { name: /^carol/ }).click();
    await members.getByText('Members (3)').waitFor();
    await members.getByRole('button', { name: 'Done' }).click();
    await a.locator('.msg-event', { hasText: 'You removed carol' }).waitFor();
    await a.locator('.msg-event').last().filter({ hasText: 'You added carol' }).waitFor();
    await page.carol.locator('.msg-event', { hasText: 'alice removed you' }).waitFor();
  });

  test('refreshing the page keeps the session and the conversation', async () => {
    const b = page.bob;
    await b.getByLabel(/^Message to/).fill('unsent draft');
    await b.reload();
    await b.getByRole('heading', { level: 2, name: 'Team' }).waitFor();
    assert.equal(await b.getByLabel(/^Message to/).inputValue(), 'unsent draft');
    await b.getByLabel(/^Message to/).fill('');
    await b.locator('li.msg', { hasText: 'Welcome to the team' }).waitFor();
    assert.equal(await b.getByRole('heading', { name: 'Sign in' }).count(), 0);
  });

  test('a browser restart keeps the session (persistent cookie)', async () => {
    let { context, dir } = await launchPersistent();
    try {
      let p = context.pages()[0] ?? (await context.newPage());
      await p.goto(`${server.url}/`);
      await p.getByLabel('Username').fill('bob');
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.getByRole('link', { name: /^Team/ }).waitFor();
      await context.close();
      ({ context } = await launchPersistent(dir));
      p = context.pages()[0] ?? (await context.newPage());
      await p.goto(`${server.url}/`);
      await p.getByRole('link', { name: /^Team/ }).waitFor();
      assert.equal(await p.getByRole('heading', { name: 'Sign in' }).count(), 0);
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('chatd restarts mid-conversation: clients reconnect, nothing lost or doubled', async () => {
    const a = page.alice;
    const b = page.bob;
    await send(a, 'before restart');
    await b.locator('li.msg', { hasText: 'before restart' }).waitFor();
    // A draft Bob is typing survives everything.
    await b.getByLabel(/^Message to/).fill('draft kept');

    const stopped = await server.stop();
    assert.equal(stopped?.code ?? 0, 0, `chatd exit ${JSON.stringify(stopped)}`);
    await a.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    await b.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    await checkScreen(a, 'reconnecting');
    // Written while the server is down: pending, then delivered once it is back.
    await send(a, 'during outage');
    await a.locator('li.msg.own.pending', { hasText: 'during outage' }).locator('.msg-state', { hasText: 'Sending…' }).waitFor();

    await server.start();
    await a.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor({ state: 'detached', timeout: 20_000 }).catch(() => {});
    await eventually(async () => assert.equal((await a.getByRole('status').innerText()).trim(), ''), 20_000);
    await eventually(async () => assert.equal((await b.getByRole('status').innerText()).trim(), ''), 20_000);
    await a.locator('li.msg.own', { hasText: 'during outage' }).locator('.msg-state', { hasText: /Sent|Read/ }).waitFor({ timeout: 15_000 });
    await b.locator('li.msg', { hasText: 'during outage' }).waitFor({ timeout: 15_000 });
    assert.equal(await b.getByLabel(/^Message to/).inputValue(), 'draft kept');
    await send(b, 'after restart');
    await a.locator('li.msg', { hasText: 'after restart' }).waitFor();

    const expected = ['Welcome to the team', 'Hi all', 'before restart', 'during outage', 'after restart'];
    for (const [who, p] of [['alice', a], ['bob', b]]) {
      const bodies = await messageBodies(p);
      for (const text of expected) {
        assert.equal(bodies.filter((x) => x === text).length, 1, `${who} sees "${text}" exactly once: ${JSON.stringify(bodies)}`);
      }
    }
    // And the server agrees: after a reload (history from the database) still exactly once each.
    await a.reload();
    await a.getByRole('heading', { level: 2, name: 'Team' }).waitFor();
    await a.locator('li.msg', { hasText: 'after restart' }).waitFor();
    const fresh = await messageBodies(a);
    assert.deepEqual(
      fresh.filter((x) => expected.includes(x)),
      expected,
      `history after reload: ${JSON.stringify(fresh)}`,
    );
  });

  test('keyboard only: open a dialog, search, close it with Escape, focus comes back', async () => {
    const a = page.alice;
    const newChat = a.getByRole('button', { name: 'New chat' });
    await newChat.focus();
    await a.keyboard.press('Enter');
    const dialog = a.getByRole('dialog', { name: 'New chat' });
    await dialog.waitFor();
    const search = dialog.getByLabel('Search people by username');
    await eventually(async () => assert.equal(await search.evaluate((el) => el === document.activeElement), true));
    await a.keyboard.type('car');
    await dialog.getByRole('button', { name: /^carol/ }).waitFor();
    await a.keyboard.press('Tab');
    await eventually(async () =>
      assert.match(await a.evaluate(() => document.activeElement?.textContent ?? ''), /carol/),
    );
    await a.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(await newChat.evaluate((el) => el === document.activeElement), true));
    // The focus ring is visible (an outline of at least 2 px) when reached by keyboard.
    const outline = await newChat.evaluate((el) => parseFloat(getComputedStyle(el).outlineWidth));
    assert.ok(outline >= 2, `focus outline ${outline}px`);
  });

  test('a failed send shows Retry, and the retry reuses the same client_msg_id', async () => {
    const a = page.alice;
    const sent = [];
    let failNext = true;
    // Inject one failure: the first "send" frame gets an error reply instead of reaching chatd.
    await a.routeWebSocket(/\/ws$/, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((msg) => {
        const f = JSON.parse(String(msg));
        if (f.type === 'send') {
          sent.push(f.client_msg_id);
          if (failNext) {
            failNext = false;
            ws.send(JSON.stringify({ type: 'error', code: 'internal', message: 'injected failure', ref: f.id }));
            return;
          }
        }
        upstream.send(msg);
      });
    });
    await a.reload();
    await a.getByRole('heading', { level: 2, name: 'Team' }).waitFor();
    await a.locator('li.msg', { hasText: 'after restart' }).waitFor();
    await send(a, 'flaky message');
    const mine = a.locator('li.msg.own', { hasText: 'flaky message' });
    await mine.locator('.msg-state', { hasText: 'Not sent' }).waitFor();
    await checkScreen(a, 'failed-message');
    await mine.getByRole('button', { name: 'Retry' }).click();
    await mine.locator('.msg-state', { hasText: /Sent|Read/ }).waitFor();
    assert.equal(sent.length, 2);
    assert.equal(sent[0], sent[1], 'retry reuses the client_msg_id');
    await page.bob.locator('li.msg', { hasText: 'flaky message' }).waitFor();
    assert.equal(await page.bob.locator('li.msg', { hasText: 'flaky message' }).count(), 1);
    await a.unrouteAll({ behavior: 'ignoreErrors' }).catch(() => {});
  });

  test('signing out returns to the sign-in page and signing in again restores the conversations', async () => {
    const c = page.carol;
    await c.getByRole('button', { name: 'Sign out' }).click();
    await c.getByRole('heading', { name: 'Sign in' }).waitFor();
    await c.reload();
    await c.getByRole('heading', { name: 'Sign in' }).waitFor();
    await c.getByLabel('Username').fill('Carol');
    await c.getByLabel('Password').fill(PASSWORD);
    await c.getByRole('button', { name: 'Sign in', exact: true }).click();
    await c.getByRole('link', { name: /^Team/ }).waitFor();
    await c.getByRole('link', { name: /^Team/ }).click();
    await c.locator('li.msg', { hasText: 'after restart' }).waitFor();
  });
});
