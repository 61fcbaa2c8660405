// Browser tests of what a message can be (issue 11) between two signed-in users, Alice at a desktop
// size and Bob at a phone size: the message action menu and a copied link to a message, message
// search (English and Japanese, paging, membership, the jump to a hit), and, when the server takes
// them, edits, deletes, reactions with the emoji picker, replies, mentions and group roles.
// One chatd with raised request limits; Debian's Chromium; axe on every new screen.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chatd, DESKTOP, PHONE, chatdBin, checkScreen, eventually, freePort, launchBrowser, registerUser, wsRequests as ws } from './harness.mjs';

const PASSWORD = 'correct horse battery';
let server;
let browser;
const cookies = {};
const ctx = {};
const page = {};
const ids = {};

async function register(name) {
  return (await registerUser(server, name, PASSWORD)).cookie;
}

async function openApp(who, opts, route) {
  const c = await browser.newContext(opts);
  if (route) await c.routeWebSocket(/\/ws$/, route);
  await c.addCookies([{ name: 'chatd_session', value: cookies[who], url: server.url }]);
  await c.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const p = await c.newPage();
  p.setDefaultTimeout(10_000);
  p.on('pageerror', (e) => console.error(`[${who}] page error: ${e.message}`));
  await p.goto(`${server.url}/#/`);
  await p.getByRole('button', { name: 'New chat' }).waitFor();
  ctx[who] = c;
  page[who] = p;
  return p;
}

/**
 * Alice's first `conversations` answer is held back until the test lets it go, and every frame
 * after it passes it: the order in which chatd, answering from parallel database workers, may
 * deliver a list read before Bob created a group after that group's live events. `held` resolves
 * when the answer is held, `sawPlan` when Bob's "The plan for Friday" has reached Alice live.
 */
const hold = {};
hold.held = new Promise((ok) => (hold.onHeld = ok));
hold.sawPlan = new Promise((ok) => (hold.onPlan = ok));
hold.released = new Promise((ok) => (hold.release = ok));
function holdFirstList(ws) {
  const srv = ws.connectToServer();
  srv.onMessage((m) => {
    const f = JSON.parse(String(m));
    if (f.type === 'conversations' && !hold.taken) {
      hold.taken = true;
      hold.onHeld();
      void hold.released.then(() => ws.send(m));
      return;
    }
    if (f.type === 'event' && f.conversation === ids.group && f.body === 'The plan for Friday') hold.onPlan();
    ws.send(m);
  });
}

/** Records in the page whether the conversation `id` ever leaves the list once shown (`window.dropped`). */
async function watchListEntry(p, id) {
  await p.evaluate((id) => {
    const sel = `.conv-list a.conv-item[href$="/c/${id}"]`;
    window.dropped = false;
    let seen = !!document.querySelector(sel);
    // Checked after each batch of changes: a row moved within the list is back by then.
    new MutationObserver(() => {
      const here = !!document.querySelector(sel);
      if (seen && !here) window.dropped = true;
      seen ||= here;
    }).observe(document.body, { childList: true, subtree: true });
  }, id);
}

/** The message row whose text is `text` in the open conversation. */
function row(p, text) {
  return p.locator('li.msg', { has: p.locator('.msg-body', { hasText: text }) });
}

describe('what a message can be (issue 11)', { concurrency: false }, () => {
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatd-web-messages-'));
    server = new Chatd(await freePort(), join(dir, 'chat.db'), ['--requests-per-second', '100000', '--request-burst', '100000']);
    if (chatdBin.endsWith('.mjs')) server.extraArgs = [];
    await server.start();
    browser = await launchBrowser();
    for (const n of ['alice', 'bob', 'carol']) cookies[n] = await register(n);
    await openApp('bob', { viewport: PHONE, isMobile: true, hasTouch: true });
    await openApp('alice', { viewport: DESKTOP }, holdFirstList);
    await hold.held; // Alice's list is read: the groups below are newer than it
    const [dm] = await ws(page.bob, [{ type: 'open_direct', username: 'alice' }]);
    const [g] = await ws(page.bob, [{ type: 'create_group', title: 'Trip', members: ['alice'] }]);
    const [secret] = await ws(page.bob, [{ type: 'create_group', title: 'Bob and Carol', members: ['carol'] }]);
    ids.dm = dm.conversation.id;
    ids.group = g.conversation.id;
    ids.secret = secret.conversation.id;
    await ws(page.bob, [
      ...Array.from({ length: 25 }, (_, i) => ({ type: 'send', conversation: ids.dm, client_msg_id: `r${i}`, body: `ramen place number ${i + 1}` })),
      ...Array.from({ length: 60 }, (_, i) => ({ type: 'send', conversation: ids.dm, client_msg_id: `f${i}`, body: `filler ${i + 1}` })),
      { type: 'send', conversation: ids.group, client_msg_id: 'jp', body: '東京タワーに行きました' },
      { type: 'send', conversation: ids.group, client_msg_id: 'plan', body: 'The plan for Friday' },
      { type: 'send', conversation: ids.secret, client_msg_id: 's1', body: 'secret ramen recipe' },
    ]);
    await hold.sawPlan;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('search: a word and a Japanese substring, newest first, paged, only from your conversations; a hit opens at the message', async () => {
    for (const [who, p] of [['alice', page.alice], ['bob', page.bob]]) {
      // Ctrl+Shift+F on the desktop, the button on the phone.
      if (who === 'alice') await p.keyboard.press('Control+Shift+F');
      else await p.getByRole('button', { name: 'Search messages' }).click();
      const dlg = p.getByRole('dialog', { name: 'Search messages' });
      await dlg.waitFor();
      const box = dlg.getByRole('searchbox', { name: 'Words to find' });
      await eventually(async () => assert.equal(await box.evaluate((el) => el === document.activeElement), true));
      await box.fill('タワー');
      await box.press('Enter');
      const hits = dlg.getByRole('list', { name: 'Results' }).getByRole('button');
      await eventually(async () => assert.equal(await hits.count(), 1));
      if (who === 'alice') {
        // Her list is still held back: the hit names no conversation rather than a wrong one, and
        // gets the group's name when the (older) list and a fresh one have come; the group never
        // leaves her list on the way.
        assert.match(await hits.first().innerText(), /^… · bob/);
        await watchListEntry(p, ids.group);
        hold.release();
      }
      await eventually(async () => assert.match(await hits.first().innerText(), /^Trip · bob/));
      assert.equal(await p.evaluate(() => window.dropped ?? false), false, 'the group never left the list');
      assert.equal(await hits.first().locator('mark').innerText(), 'タワー');
      await box.fill('RAMEN');
      await box.press('Enter');
      // 25 in the direct chat for both; Bob also sees the one from the group Alice is not in.
      const want = who === 'bob' ? 26 : 25;
      await eventually(async () => assert.equal(await hits.count(), 20));
      assert.match(await hits.first().innerText(), who === 'bob' ? /secret ramen recipe/ : /ramen place number 25/);
      await checkScreen(p, `search-${who}`);
      await dlg.getByRole('button', { name: 'More results' }).click();
      await eventually(async () => assert.equal(await hits.count(), want));
      await dlg.getByRole('status').filter({ hasText: `${want} messages found` }).waitFor();
      assert.equal(await dlg.getByRole('button', { name: 'More results' }).count(), 0);
      if (who === 'alice') assert.equal(await dlg.getByText('secret ramen recipe').count(), 0, 'no hit from a conversation Alice is not in');
      // The oldest hit: its conversation opens there (older pages loaded), the message focused.
      await hits.last().click();
      await dlg.waitFor({ state: 'hidden' });
      const target = row(p, /^ramen place number 1$/);
      await target.waitFor();
      await eventually(async () => assert.equal(await target.evaluate((el) => el === document.activeElement), true));
      await eventually(async () => {
        const [box2, view] = [await target.boundingBox(), await p.getByTestId('messages').boundingBox()];
        assert.ok(box2.y >= view.y && box2.y + box2.height <= view.y + view.height, 'the hit is on screen');
      });
      assert.match(p.url(), new RegExp(`#/c/${ids.dm}\\?m=\\d+$`));
    }
  });

  test('the message menu by keyboard: arrows, Escape gives the focus back; Copy link opens the message for the other user', async () => {
    const a = page.alice;
    await a.goto(`${server.url}/#/c/${ids.group}`);
    const msg = row(a, 'The plan for Friday');
    await msg.waitFor();
    const more = msg.getByRole('button', { name: /^Actions for the message from bob/ });
    await more.focus();
    await a.keyboard.press('Enter');
    const menu = a.getByRole('menu', { name: 'Message actions' });
    await menu.waitFor();
    const items = await menu.getByRole('menuitem').allInnerTexts();
    assert.ok(items.includes('Copy link'), `menu items: ${items}`);
    await eventually(async () => assert.equal(await more.getAttribute('aria-expanded'), 'true'));
    await eventually(async () => assert.equal(await menu.getByRole('menuitem').first().evaluate((el) => el === document.activeElement), true));
    // Narrowed to a phone's width (and back), the menu stays by its button, on screen.
    await a.setViewportSize(PHONE);
    await eventually(async () => {
      const [m, b] = [await menu.boundingBox(), await more.boundingBox()];
      assert.ok(m.x >= 0 && m.x + m.width <= PHONE.width && m.y >= 0 && m.y + m.height <= PHONE.height, `menu at ${JSON.stringify(m)}`);
      assert.ok(Math.abs(m.y - (b.y + b.height)) < 12 || Math.abs(m.y + m.height - b.y) < 12, `menu ${JSON.stringify(m)} by its button ${JSON.stringify(b)}`);
    });
    await a.setViewportSize(DESKTOP);
    await checkScreen(a, 'message-menu');
    await a.keyboard.press('ArrowUp');
    await eventually(async () => assert.equal(await a.evaluate(() => document.activeElement?.textContent), 'Copy link', 'ArrowUp from the first item wraps to the last'));
    await a.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    await eventually(async () => assert.equal(await more.evaluate((el) => el === document.activeElement), true));
    await a.keyboard.press('Enter');
    await menu.getByRole('menuitem', { name: 'Copy link' }).click();
    await menu.waitFor({ state: 'detached' });
    const link = await eventually(async () => {
      const t = await a.evaluate(() => navigator.clipboard.readText());
      assert.match(t, new RegExp(`^${server.url}/#/c/${ids.group}\\?m=\\d+$`));
      return t;
    });
    // Bob (phone) opens the link: the conversation at that message, focused and flashed.
    const b = page.bob;
    await b.goto(link);
    const there = row(b, 'The plan for Friday');
    // The flash lasts 2 s: waited for in the page (not polled from here), then the focus.
    await b.locator('li.msg.flash', { has: b.locator('.msg-body', { hasText: 'The plan for Friday' }) }).waitFor();
    await eventually(async () => assert.equal(await there.evaluate((el) => el === document.activeElement), true));
    await checkScreen(b, 'message-link');
  });

  test('edit, delete, react with the picker, reply and jump to the quote, mentions and group roles', async (t) => {
    // Does this chatd take reactions? (An older one answers unknown_type.)
    const answer = await page.bob.evaluate(async (conv) => {
      const sock = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`);
      await new Promise((ok) => (sock.onopen = ok));
      const replies = {};
      let wake = () => {};
      sock.onmessage = (e) => {
        const f = JSON.parse(e.data);
        if (f.ref) replies[f.ref] = f;
        wake();
      };
      const reply = async (id) => {
        const end = Date.now() + 10_000;
        while (!replies[id] && Date.now() < end) await new Promise((r) => ((wake = r), setTimeout(r, 200)));
        return replies[id] ?? { type: 'error', code: 'no answer' };
      };
      sock.send(JSON.stringify({ type: 'hello', id: 'h', version: 1 }));
      await reply('h');
      sock.send(JSON.stringify({ type: 'react', id: 'p', conversation: conv, client_msg_id: 'probe', target: 999999, emoji: '👍' }));
      const f = await reply('p');
      sock.close();
      return f;
    }, ids.group);
    if (answer.code === 'unknown_type') {
      t.skip('this chatd has no edit_message/react yet (issue 11 items 1-4, 6 not on main)');
      return;
    }
    const a = page.alice;
    const b = page.bob;
    await a.goto(`${server.url}/#/c/${ids.group}`);
    await b.goto(`${server.url}/#/c/${ids.group}`);
    await row(a, 'The plan for Friday').waitFor();
    await row(b, 'The plan for Friday').waitFor();
    const menuOf = async (p, text) => {
      await row(p, text).getByRole('button', { name: /^Actions for the message/ }).click();
      const m = p.getByRole('menu', { name: 'Message actions' });
      await m.waitFor();
      return m;
    };
    // Reply: the composer says to whom; the reply quotes the original for both.
    await (await menuOf(a, 'The plan for Friday')).getByRole('menuitem', { name: 'Reply' }).click();
    await a.getByRole('status').filter({ hasText: 'Replying to bob: The plan for Friday' }).waitFor();
    await checkScreen(a, 'replying');
    const box = a.getByLabel(/^Message to/);
    await box.fill('Sounds good');
    await box.press('Enter');
    // The quote names the original's author (Bob reads it as his own: "You").
    await row(a, 'Sounds good').getByRole('button', { name: /^Reply to bob\s*: The plan for Friday/ }).waitFor();
    await row(b, 'Sounds good').getByRole('button', { name: /^Reply to You\s*: The plan for Friday/ }).waitFor();
    // Edit (Up in the empty composer edits the newest own message).
    await box.press('ArrowUp');
    await a.getByRole('status').filter({ hasText: 'Editing your message' }).waitFor();
    await eventually(async () => assert.equal(await box.inputValue(), 'Sounds good'));
    await checkScreen(a, 'editing');
    await box.fill('Sounds great');
    await box.press('Enter');
    for (const p of [a, b]) await row(p, 'Sounds great').locator('.msg-edited', { hasText: 'edited' }).waitFor();
    await eventually(async () => assert.equal(await box.inputValue(), '', 'the draft is back (empty)'));
    // React with the picker (Bob, phone), then Alice toggles the chip.
    await (await menuOf(b, 'Sounds great')).getByRole('menuitem', { name: 'React…' }).click();
    const picker = b.getByRole('dialog', { name: 'Choose a reaction' });
    await picker.waitFor();
    await checkScreen(b, 'emoji-picker');
    await b.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await b.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'React with heart'));
    await picker.getByRole('button', { name: 'React with thumbs up' }).click();
    for (const p of [a, b]) await row(p, 'Sounds great').getByRole('button', { name: /^👍 1: bob$|^👍 1: you$/ }).waitFor();
    const chip = row(a, 'Sounds great').getByRole('button', { name: /^👍/ });
    assert.equal(await chip.getAttribute('aria-pressed'), 'false');
    await chip.click();
    await eventually(async () => assert.equal(await chip.getAttribute('aria-pressed'), 'true'));
    await row(b, 'Sounds great').getByRole('button', { name: '👍 2: bob, alice' }).or(row(b, 'Sounds great').getByRole('button', { name: '👍 2: you, alice' })).waitFor();
    await chip.click();
    await eventually(async () => assert.equal(await chip.getAttribute('aria-pressed'), 'false'));
    // The quote jumps to the original on the phone (scrolled away first).
    await b.getByTestId('messages').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await row(b, 'Sounds great').getByRole('button', { name: /^Reply to You/ }).click();
    const original = row(b, 'The plan for Friday');
    await eventually(async () => assert.equal(await original.evaluate((el) => el === document.activeElement), true));
    // Delete with confirmation: the text is gone for both, a marker stays.
    await (await menuOf(a, 'Sounds great')).getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = a.getByRole('dialog', { name: 'Delete this message?' });
    await confirm.waitFor();
    await checkScreen(a, 'confirm-delete');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    for (const p of [a, b]) {
      await p.locator('li.msg .msg-deleted', { hasText: 'Message deleted' }).waitFor();
      await eventually(async () => assert.equal(await row(p, 'Sounds great').count(), 0));
    }
    // A mention: counted apart in the list while unread, highlighted in the conversation.
    await a.goto(`${server.url}/#/c/${ids.dm}`);
    await ws(b, [{ type: 'send', conversation: ids.group, client_msg_id: 'mention-1', body: '@alice can you book?' }]);
    const trip = a.locator('.conv-item', { has: a.locator('.conv-title', { hasText: /^Trip/ }) });
    await trip.getByText('mentioned you').waitFor({ state: 'attached' });
    await checkScreen(a, 'mentioned-list');
    await trip.click();
    await row(a, 'can you book?').locator('.mention.mention-me', { hasText: '@alice' }).waitFor();
    await eventually(async () => assert.equal(await trip.getByText('mentioned you').count(), 0));
    // Roles: Bob (the owner) makes Alice an admin and renames the group; Alice may then delete Bob's message.
    await b.getByRole('button', { name: 'Members' }).click();
    const members = b.getByRole('dialog', { name: 'Group members' });
    await members.getByRole('button', { name: 'Make admin: alice' }).click();
    await members.getByRole('button', { name: 'Remove admin: alice' }).waitFor();
    await members.getByLabel('Group name').fill('Trip 2026');
    await members.getByLabel('Description').fill('Where and when');
    await members.getByRole('button', { name: 'Save changes' }).click();
    await checkScreen(b, 'group-settings');
    await members.getByRole('button', { name: 'Done' }).click();
    await a.getByRole('heading', { level: 2, name: 'Trip 2026' }).waitFor();
    const items = await (await menuOf(a, 'can you book?')).getByRole('menuitem').allInnerTexts();
    assert.ok(items.includes('Delete') && !items.includes('Edit'), `an admin deletes, never edits, others' messages: ${items}`);
    await a.keyboard.press('Escape');
  });
});
