// Unit tests of the changes to messages (src/app/message-changes.ts): edits, deletes and reactions
// folded over a conversation's events, in any page order; roles and permissions; mentions in text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const c = require('../out-unit/message-changes.js');
const r = require('../out-unit/chat.reducers.js');
const rich = require('../out-unit/rich.js');
const timeline = require('../out-unit/timeline.js');

const ME = { id: 1, username: 'alice' };
const BOB = { id: 2, username: 'bob' };
const msg = (seq, sender = BOB, body = `m${seq}`, extra = {}) =>
  r.toMsg({ conversation: 1, seq, event_id: `e${seq}`, kind: 'message', sender, client_msg_id: `c${seq}`, subject: null, body, ts: 1000 + seq, ...extra });
const change = (seq, kind, target, sender = BOB, extra = {}) =>
  r.toMsg({ conversation: 1, seq, event_id: `e${seq}`, kind, sender, client_msg_id: `c${seq}`, subject: null, body: '', ts: 1000 + seq, target, ...extra });

test('an edit replaces the text and marks the message edited; a later edit wins', () => {
  const events = [msg(1), change(2, 'message_edited', 1, BOB, { body: 'first fix' }), change(3, 'message_edited', 1, BOB, { body: 'second fix' })];
  const m = c.changedMessages(events).get(1);
  assert.equal(m.body, 'second fix');
  assert.equal(m.edited_ts, 1003);
  assert.equal(c.changedMessages(events), c.changedMessages(events), 'cached per events array');
});

test('a delete removes the text and the reactions, and an edit after it changes nothing', () => {
  const events = [msg(1), change(2, 'reaction_added', 1, ME, { emoji: '👍' }), change(3, 'message_deleted', 1), change(4, 'message_edited', 1, BOB, { body: 'back' })];
  const m = c.changedMessages(events).get(1);
  assert.equal(m.deleted, true);
  assert.equal(m.body, '');
  assert.equal(m.reactions, undefined);
});

test('reactions: one of a kind per person, counts and who, removal', () => {
  const events = [
    msg(1),
    change(2, 'reaction_added', 1, ME, { emoji: '👍' }),
    change(3, 'reaction_added', 1, ME, { emoji: '👍' }),
    change(4, 'reaction_added', 1, BOB, { emoji: '👍' }),
    change(5, 'reaction_added', 1, BOB, { emoji: '🎉' }),
    change(6, 'reaction_removed', 1, BOB, { emoji: '🎉' }),
  ];
  const m = c.changedMessages(events).get(1);
  assert.deepEqual(m.reactions, [{ emoji: '👍', count: 2, users: [ME, BOB] }]);
  assert.equal(c.reacted(m.reactions[0], ME.id), true);
});

test('a message from history already carries its state: replaying the loaded changes gives the same state', () => {
  // The server's state now: 👍 by bob only (alice added and removed hers), text edited.
  const fromHistory = msg(1, BOB, 'fixed', { edited_ts: 1005, reactions: [{ emoji: '👍', count: 1, users: [BOB] }] });
  const events = [
    fromHistory,
    change(2, 'reaction_added', 1, ME, { emoji: '👍' }),
    change(3, 'reaction_added', 1, BOB, { emoji: '👍' }),
    change(4, 'reaction_removed', 1, ME, { emoji: '👍' }),
    change(5, 'message_edited', 1, BOB, { body: 'fixed' }),
  ];
  const m = c.changedMessages(events).get(1);
  assert.equal(m.body, 'fixed');
  assert.deepEqual(m.reactions, [{ emoji: '👍', count: 1, users: [BOB] }]);
});

test('changes to a message that is not loaded are kept for later and never become rows', () => {
  const events = [change(7, 'reaction_added', 1, BOB, { emoji: '👍' }), msg(8)];
  assert.equal(c.changedMessages(events).size, 0);
  const days = timeline.buildTimeline(events, false, null, 2000);
  assert.deepEqual(days.flatMap((d) => d.rows.map((x) => x.msg.seq)), [8]);
});

test('roles and what each may do to a message', () => {
  const info = { owner: 1, admins: [3] };
  assert.equal(c.roleOf(info, 1), 'owner');
  assert.equal(c.roleOf(info, 3), 'admin');
  assert.equal(c.roleOf(info, 2), 'member');
  assert.equal(c.roleOf({}, 1), 'member');
  const bobs = msg(1);
  assert.deepEqual(c.allowed(bobs, 1, 'group', 'owner'), { edit: false, remove: true });
  assert.deepEqual(c.allowed(bobs, 3, 'group', 'admin'), { edit: false, remove: true });
  assert.deepEqual(c.allowed(bobs, 4, 'group', 'member'), { edit: false, remove: false });
  assert.deepEqual(c.allowed(bobs, 2, 'group', 'member'), { edit: true, remove: true });
  assert.deepEqual(c.allowed(bobs, 1, 'direct', 'member'), { edit: false, remove: false });
  assert.deepEqual(c.allowed({ ...bobs, deleted: true }, 2, 'group', 'member'), { edit: false, remove: false });
  assert.deepEqual(c.allowed({ ...bobs, seq: null }, 2, 'group', 'member'), { edit: false, remove: false });
});

test('@names the server resolved are mentions; other @words and e-mail addresses stay text', () => {
  const pieces = rich.withMentions(rich.parseRich('hi @Alice and @bob, mail bob@example.com, @nobody **@bob**'), [ME, BOB], 'alice');
  assert.deepEqual(
    pieces.filter((p) => p.k === 'mention'),
    [
      { k: 'mention', t: '@Alice', me: true },
      { k: 'mention', t: '@bob', me: false },
    ],
  );
  assert.equal(pieces.map((p) => p.t).join(''), 'hi @Alice and @bob, mail bob@example.com, @nobody @bob');
  assert.equal(rich.withMentions(rich.parseRich('@bob'), undefined, 'alice')[0].k, 'text');
});

test('a live message that mentions me counts as a mention until read', () => {
  let all = r.mergeInfo({}, { id: 1, kind: 'group', title: 'g', members: [ME, BOB], last_seq: 0, last_event: null, read_seq: 0, unread: 0, unread_mentions: 0 });
  all = r.applyEvent(all, { conversation: 1, seq: 1, event_id: 'e1', kind: 'message', sender: BOB, client_msg_id: 'c1', subject: null, body: '@alice hi', ts: 1, mentions: [ME] }, ME.id).convs;
  all = r.applyEvent(all, { conversation: 1, seq: 2, event_id: 'e2', kind: 'reaction_added', sender: BOB, client_msg_id: 'c2', subject: null, body: '', ts: 2, target: 1, emoji: '👍' }, ME.id).convs;
  assert.equal(all[1].info.unread_mentions, 1);
  assert.equal(all[1].info.unread, 1, 'a reaction is not unread');
  all = r.patchConv(all, 1, (x) => r.markReadUpTo(x, 2));
  assert.equal(all[1].info.unread_mentions, 0);
});
