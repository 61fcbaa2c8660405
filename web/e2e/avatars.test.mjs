// Browser tests of avatars (issue 11 item 6, the web side) between two signed-in users, Alice at a
// desktop size and Bob at a phone size (touch): Alice picks a colour and uploads a picture in
// Settings, Bob sees both live where Alice appears (the conversation list, the header, the
// group's members); Alice gives the group a picture from its settings, Bob (a plain member) gets no
// such control; an unreadable file gets a sentence; removed pictures fall back to initials on the
// colour; after a reload the state is the same. Keyboard only for the controls; axe on each screen.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chatd, DESKTOP, PHONE, checkScreen, eventually, freePort, launchBrowser, noisePng, registerUser, wsRequests as ws } from './harness.mjs';

const PASSWORD = 'correct horse battery';
const PURPLE = '#7a3fa0';
let server;
let browser;
const cookies = {};
const page = {};
let dm = 0;
let group = 0;

async function openApp(who, opts) {
  const c = await browser.newContext(opts);
  await c.addCookies([{ name: 'chatd_session', value: cookies[who], url: server.url }]);
  const p = await c.newPage();
  p.setDefaultTimeout(15_000);
  p.on('pageerror', (e) => console.error(`[${who}] page error: ${e.message}`));
  await p.goto(`${server.url}/#/`);
  await p.locator('.conv-item').first().waitFor();
  page[who] = p;
  return p;
}

/** The avatar in the conversation list's entry titled `title`. */
function listAvatar(p, title) {
  return p.locator('.conv-item', { has: p.locator('.conv-title', { hasText: new RegExp(`^${title}$`) }) }).locator('app-avatar');
}

/** Whether an app-avatar shows an image the browser loaded (a 256 px re-encoding). */
async function showsImage(avatar) {
  return avatar.evaluate((el) => {
    const img = el.querySelector('img');
    return !!img && img.complete && img.naturalWidth === 256;
  });
}

/** Presses a button by keyboard (focus + Enter) and gives the file chooser a file. */
async function chooseByKeyboard(p, button, file) {
  const chooser = p.waitForEvent('filechooser');
  await button.focus();
  await p.keyboard.press('Enter');
  await (await chooser).setFiles(file);
}

describe('avatars in the web client', { concurrency: false }, () => {
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatd-web-avatar-'));
    server = new Chatd(await freePort(), join(dir, 'chat.db'), [
      '--requests-per-second', '100000', '--request-burst', '100000', '--attachments-dir', join(dir, 'files'),
    ]);
    await server.start();
    browser = await launchBrowser();
    for (const n of ['alice', 'bob']) cookies[n] = (await registerUser(server, n, PASSWORD)).cookie;
    const c = await browser.newContext();
    await c.addCookies([{ name: 'chatd_session', value: cookies.alice, url: server.url }]);
    const p = await c.newPage();
    await p.goto(`${server.url}/#/`);
    const [d, g] = await ws(p, [
      { type: 'open_direct', username: 'bob' },
      { type: 'create_group', title: 'Lunch crew', members: ['bob'] },
    ]);
    dm = d.conversation.id;
    group = g.conversation.id;
    await c.close();
    await openApp('alice', { viewport: DESKTOP });
    await openApp('bob', { viewport: PHONE, isMobile: true, hasTouch: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('initials on a colour derived from the name before anyone chooses one', async () => {
    const av = listAvatar(page.bob, 'alice');
    await eventually(async () => assert.equal(await av.getAttribute('data-avatar'), 'initials'));
    assert.equal((await av.innerText()).trim(), 'A');
    assert.equal(await listAvatar(page.alice, 'Lunch crew').innerText(), 'LC');
  });

  test('Alice picks a colour and uploads a picture by keyboard; Bob sees both live', async () => {
    const a = page.alice;
    const b = page.bob;
    await a.goto(`${server.url}/#/settings`);
    const section = a.getByRole('region', { name: 'Your avatar' });
    await section.waitFor();
    const purple = section.getByRole('radio', { name: `Colour ${PURPLE}` });
    await purple.focus();
    await a.keyboard.press('Space');
    await eventually(async () => assert.ok(await purple.isChecked()));
    // Bob's list: Alice's entry takes the colour without a reload.
    await eventually(async () => assert.equal(await listAvatar(b, 'alice').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(122, 63, 160)'));

    // Not a picture: a sentence, nothing changes.
    await chooseByKeyboard(a, section.getByRole('button', { name: 'Upload picture' }), { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
    await section.getByRole('alert').filter({ hasText: 'not a picture chatd can read' }).waitFor();
    await checkScreen(a, 'avatar-settings-error', { sizes: [DESKTOP] });

    await chooseByKeyboard(a, section.getByRole('button', { name: 'Upload picture' }), { name: 'me.png', mimeType: 'image/png', buffer: noisePng(300, 200) });
    const mine = section.locator('app-avatar');
    await eventually(async () => assert.ok(await showsImage(mine), 'the preview shows the stored picture'));
    assert.equal(await section.getByText('not a picture chatd can read').count(), 0, 'the earlier error is gone');
    await eventually(async () => assert.ok(await showsImage(listAvatar(b, 'alice')), "Bob's list shows Alice's picture"));
    await checkScreen(a, 'avatar-settings');
    // In the conversation's header on Bob's phone too.
    await listAvatar(b, 'alice').click();
    await eventually(async () => assert.ok(await showsImage(b.locator('.conv-head app-avatar'))));
    await checkScreen(b, 'avatar-header', { sizes: [PHONE] });
  });

  test('the owner gives the group a picture; a plain member gets no such control', async () => {
    const a = page.alice;
    const b = page.bob;
    await a.goto(`${server.url}/#/c/${group}`);
    await a.getByRole('button', { name: 'Members' }).click();
    const dlg = a.getByRole('dialog');
    await chooseByKeyboard(a, dlg.getByRole('button', { name: 'Upload group picture' }), { name: 'lunch.png', mimeType: 'image/png', buffer: noisePng(256, 400) });
    await eventually(async () => assert.ok(await showsImage(dlg.locator('.group-picture app-avatar'))));
    // Members show their pictures in the list: Alice's own.
    await eventually(async () => assert.ok(await showsImage(dlg.locator('.member-list li', { hasText: 'alice' }).locator('app-avatar'))));
    await checkScreen(a, 'avatar-group-settings');
    await a.keyboard.press('Escape');
    // Bob: the group's picture in his list (an avatar_changed event), no upload in its dialog.
    await b.goto(`${server.url}/#/`);
    await eventually(async () => assert.ok(await showsImage(listAvatar(b, 'Lunch crew'))));
    await listAvatar(b, 'Lunch crew').click();
    await b.getByRole('button', { name: 'Members' }).click();
    const bdlg = b.getByRole('dialog');
    await bdlg.locator('.member-list').waitFor();
    assert.equal(await bdlg.getByRole('button', { name: 'Upload group picture' }).count(), 0);
    await eventually(async () => assert.ok(await showsImage(bdlg.locator('.member-list li', { hasText: 'alice' }).locator('app-avatar'))));
    await checkScreen(b, 'avatar-group-member', { sizes: [PHONE] });
    await b.keyboard.press('Escape');
  });

  test('removed pictures fall back to initials on the colour, and a reload keeps the state', async () => {
    const a = page.alice;
    const b = page.bob;
    await a.goto(`${server.url}/#/settings`);
    const section = a.getByRole('region', { name: 'Your avatar' });
    const remove = section.getByRole('button', { name: 'Remove picture' });
    await remove.focus();
    await a.keyboard.press('Enter');
    await eventually(async () => assert.equal(await section.locator('app-avatar').getAttribute('data-avatar'), 'initials'));
    await b.goto(`${server.url}/#/`);
    const av = listAvatar(b, 'alice');
    await eventually(async () => assert.equal(await av.getAttribute('data-avatar'), 'initials'));
    assert.equal(await av.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(122, 63, 160)');
    await b.reload();
    await b.locator('.conv-item').first().waitFor();
    await eventually(async () => assert.equal(await listAvatar(b, 'alice').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(122, 63, 160)'));
    await eventually(async () => assert.ok(await showsImage(listAvatar(b, 'Lunch crew'))));
    await checkScreen(b, 'avatar-list-after-reload', { sizes: [PHONE] });
  });
});
