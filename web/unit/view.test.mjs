// Unit tests of the view's pure helpers: rich text, the timeline (runs, divider, noise), avatar
// colours, and the sign-up rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseRich, plainText, safeHref } = require('../out-unit/rich.js');
const { buildTimeline, isNoise, RUN_GAP_MS } = require('../out-unit/timeline.js');
const { avatarColor, AVATAR_COLORS } = require('../out-unit/format.js');
const { localUsernameProblem, passwordProblem } = require('../out-unit/account-rules.js');

test('bold, italic, code and links become pieces; everything else stays text', () => {
  assert.deepEqual(parseRich('a **b** _c_ *d* `e` f'), [
    { k: 'text', t: 'a ' },
    { k: 'b', t: 'b' },
    { k: 'text', t: ' ' },
    { k: 'i', t: 'c' },
    { k: 'text', t: ' ' },
    { k: 'i', t: 'd' },
    { k: 'text', t: ' ' },
    { k: 'code', t: 'e' },
    { k: 'text', t: ' f' },
  ]);
  assert.deepEqual(parseRich('snake_case_name and 2*3*4 and ** spaced **'), [{ k: 'text', t: 'snake_case_name and 2*3*4 and ** spaced **' }]);
  assert.deepEqual(parseRich('`**not bold**`'), [{ k: 'code', t: '**not bold**' }]);
  assert.deepEqual(parseRich('```\nx = 1\n```after'), [{ k: 'pre', t: 'x = 1' }, { k: 'text', t: 'after' }]);
});

test('links: http(s) and www only, sentence punctuation left out, balanced parentheses kept', () => {
  assert.deepEqual(parseRich('see https://example.com/x.'), [
    { k: 'text', t: 'see ' },
    { k: 'link', t: 'https://example.com/x', href: 'https://example.com/x' },
    { k: 'text', t: '.' },
  ]);
  assert.deepEqual(parseRich('(https://en.wikipedia.org/wiki/A_(b))')[1], {
    k: 'link',
    t: 'https://en.wikipedia.org/wiki/A_(b)',
    href: 'https://en.wikipedia.org/wiki/A_(b)',
  });
  assert.equal(parseRich('www.example.org')[0].href, 'https://www.example.org');
  assert.deepEqual(parseRich('javascript:alert(1) data:text/html,x'), [{ k: 'text', t: 'javascript:alert(1) data:text/html,x' }]);
  assert.equal(safeHref('https://user:pw@example.com/'), false);
  assert.equal(safeHref('http://example.com/'), true);
});

test('HTML in a body is only ever text', () => {
  const body = '<img src=x onerror=alert(1)><script>alert(2)</script>';
  assert.deepEqual(parseRich(body), [{ k: 'text', t: body }]);
  assert.equal(plainText('**hi** `x`'), 'hi x');
});

const me = { id: 1, username: 'me' };
const bob = { id: 2, username: 'bob' };
function msg(seq, sender, ts, kind = 'message', subject = null) {
  return { key: `s${seq}`, seq, kind, sender, subject, body: `m${seq}`, ts, client_msg_id: '', status: 'sent' };
}

test('runs: one author within a few minutes is one run; another author, a long pause or the divider start a new one', () => {
  const t = new Date(2026, 0, 5, 10, 0).getTime();
  const msgs = [msg(1, bob, t), msg(2, bob, t + 60_000), msg(3, me, t + 70_000), msg(4, bob, t + 80_000), msg(5, bob, t + 80_000 + RUN_GAP_MS), msg(6, bob, t + 80_001 + RUN_GAP_MS)];
  const [day] = buildTimeline(msgs, false, 6, t);
  assert.deepEqual(day.rows.map((r) => [r.msg.seq, r.first, r.last, r.unreadStart]), [
    [1, true, false, false],
    [2, false, true, false],
    [3, true, true, false],
    [4, true, true, false],
    [5, true, true, false],
    [6, true, true, true],
  ]);
});

test('no membership noise in direct chats; in groups only the creator adding themself is hidden', () => {
  assert.equal(isNoise(msg(1, me, 0, 'created'), true), true);
  assert.equal(isNoise(msg(2, me, 0, 'member_added', bob), true), true);
  assert.equal(isNoise(msg(2, me, 0, 'member_added', bob), false), false);
  assert.equal(isNoise(msg(2, me, 0, 'member_added', me), false), true);
  assert.equal(isNoise(msg(3, me, 0, 'member_left'), false), false);
  const t = Date.now();
  const days = buildTimeline([msg(1, me, t, 'created'), msg(2, me, t, 'member_added', me), msg(3, me, t, 'member_added', bob), msg(4, bob, t)], true, null, t);
  assert.deepEqual(days[0].rows.map((r) => r.msg.seq), [4]);
  assert.equal(days[0].label, 'Today');
});

test('days split the timeline', () => {
  const d1 = new Date(2026, 0, 5, 23, 59).getTime();
  const d2 = new Date(2026, 0, 6, 0, 1).getTime();
  const days = buildTimeline([msg(1, bob, d1), msg(2, bob, d2)], false, null, d2);
  assert.equal(days.length, 2);
  assert.equal(days[1].label, 'Today');
  assert.equal(days[0].label, 'Yesterday');
  assert.equal(days[1].rows[0].first, true, 'a new day starts a new run');
});

function luminance(hex) {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

test('avatar colours: stable per name, spread over the palette, each holding white text at 4.5:1', () => {
  assert.equal(avatarColor('Alice'), avatarColor('alice'));
  const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];
  assert.ok(new Set(names.map(avatarColor)).size >= 5);
  for (const c of AVATAR_COLORS) {
    const ratio = 1.05 / (luminance(c) + 0.05);
    assert.ok(ratio >= 4.5, `${c} on white: ${ratio.toFixed(2)}`);
  }
});

test('sign-up rules: the right message for each problem', () => {
  assert.match(localUsernameProblem('ab'), /Too short/);
  assert.match(localUsernameProblem('a'.repeat(33)), /Too long/);
  assert.match(localUsernameProblem('a b'), /only letters/);
  assert.match(localUsernameProblem('_abc'), /Start with a letter/);
  assert.equal(localUsernameProblem('alice.b-c_d'), null);
  assert.equal(localUsernameProblem(''), null);
  assert.match(passwordProblem('short', 'x'), /at least 8/);
  assert.match(passwordProblem('AliceAlice', 'alicealice'), /differ/);
  assert.equal(passwordProblem('correct horse', 'alice'), null);
});
