// Unit tests of the client's pure state transitions (src/app/chat.reducers.ts), event by event,
// with no browser, no Angular and no server. scripts/web-unit.sh compiles them to out-unit/ first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const r = require('../out-unit/chat.reducers.js');

const ME = { id: 1, username: 'alice' };
const BOB = { id: 2, username: 'bob' };

function info(id, extra = {}) {
  return { id, kind: 'group', title: `g${id}`, members: [ME, BOB], last_seq: 0, last_event: null, read_seq: 0, ...extra };
}
function ev(conversation, seq, sender = BOB, kind = 'message', body = `m${seq}`) {
  return { conversation, seq, event_id: `e${seq}`, kind, sender, client_msg_id: `c${seq}`, subject: null, body, ts: 1000 + seq };
}
/** A conversation whose newest page (events 1..n) is loaded. */
function loaded(id, events, extra = {}) {
  const top = events.length ? events[events.length - 1].seq : 0;
  let all = r.mergeInfo({}, info(id, { last_seq: top, ...extra }));
  all = r.patchConv(all, id, (c) => r.applyNewest(c, events.map(r.toMsg), false));
  return all;
}

test('mergeEvents keeps seq order, drops duplicates and keeps the first copy', () => {
  const a = [1, 2, 4].map((s) => r.toMsg(ev(1, s)));
  const merged = r.mergeEvents(a, [r.toMsg(ev(1, 3)), r.toMsg(ev(1, 2, ME))]);
  assert.deepEqual(merged.map((m) => m.seq), [1, 2, 3, 4]);
  assert.equal(merged[1].sender.id, BOB.id);
  assert.equal(r.mergeEvents(a, []), a, 'nothing to add returns the same list');
  assert.deepEqual(r.mergeEvents(a, [r.toMsg(ev(1, 5))]).map((m) => m.seq), [1, 2, 4, 5]);
});

test('mergeInfo never moves last_seq, read_seq or the preview backwards', () => {
  let all = r.mergeInfo({}, info(1, { last_seq: 5, read_seq: 3, last_event: ev(1, 5) }));
  all = r.mergeInfo(all, info(1, { last_seq: 4, read_seq: 2, last_event: ev(1, 4), title: 'renamed' }));
  assert.equal(all[1].info.last_seq, 5);
  assert.equal(all[1].info.read_seq, 3);
  assert.equal(all[1].info.last_event.seq, 5);
  assert.equal(all[1].info.title, 'renamed');
});

test('applyList drops conversations we were removed from and keeps loaded events of the rest', () => {
  let all = loaded(1, [ev(1, 1)]);
  all = r.mergeInfo(all, info(2));
  all = r.applyList(all, [info(1, { last_seq: 1 })]);
  assert.deepEqual(Object.keys(all), ['1']);
  assert.equal(all[1].events.length, 1);
  assert.equal(all[1].loaded, true);
});

test('applyEvent appends in order, reports a gap and a duplicate, and learns unknown conversations', () => {
  let all = loaded(1, [ev(1, 1), ev(1, 2)]);
  let res = r.applyEvent(all, ev(1, 3), ME.id);
  assert.equal(res.gapFrom, null);
  assert.equal(res.duplicate, false);
  assert.equal(res.convs[1].synced, 3);
  assert.equal(res.convs[1].info.last_event.seq, 3);
  all = res.convs;
  res = r.applyEvent(all, ev(1, 3), ME.id);
  assert.equal(res.duplicate, true);
  assert.equal(res.convs[1].events.length, 3);
  res = r.applyEvent(all, ev(1, 6), ME.id);
  assert.equal(res.gapFrom, 3, 'events 4 and 5 are missing: fetch after 3');
  assert.equal(res.convs[1].synced, 3, 'synced stays below the gap');
  res = r.applyEvent({}, ev(9, 1), ME.id);
  assert.equal(res.unknown, true);
  assert.equal(res.convs[9].info.last_seq, 1);
});

test('unread counts only messages from others: no created/added events, no own messages from another device', () => {
  const events = [ev(1, 1, ME, 'created', ''), ev(1, 2, ME, 'member_added'), ev(1, 3, ME, 'member_added'), ev(1, 4, BOB)];
  let all = loaded(1, events, { read_seq: 0 });
  assert.equal(r.unread(all[1], ME.id), 1);
  all = r.applyEvent(all, ev(1, 5, ME), ME.id).convs; // sent from another device
  assert.equal(r.unread(all[1], ME.id), 1);
  all = r.applyEvent(all, ev(1, 6, BOB), ME.id).convs;
  assert.equal(r.unread(all[1], ME.id), 2);
  all = r.patchConv(all, 1, (c) => r.markReadUpTo(c, 6));
  assert.equal(r.unread(all[1], ME.id), 0);
});

test('unread of a conversation not loaded yet is the server count, and grows with live messages from others', () => {
  let all = r.mergeInfo({}, info(1, { last_seq: 4, read_seq: 0, unread: 1 }));
  assert.equal(r.unread(all[1], ME.id), 1, 'the server counted 1 (3 membership events are not unread)');
  all = r.applyEvent(all, ev(1, 5, ME), ME.id).convs;
  assert.equal(r.unread(all[1], ME.id), 1);
  all = r.applyEvent(all, ev(1, 6, BOB), ME.id).convs;
  assert.equal(r.unread(all[1], ME.id), 2);
  all = r.applyEvent(all, ev(1, 6, BOB), ME.id).convs;
  assert.equal(r.unread(all[1], ME.id), 2, 'a duplicate does not count twice');
  // An old server without the field: the seq gap is all we know.
  const old = r.mergeInfo({}, info(2, { last_seq: 4, read_seq: 1 }));
  assert.equal(r.unread(old[2], ME.id), 3);
  assert.equal(r.totalUnread({ ...all, ...old }, ME.id), 5);
});

test('a read frame: ours moves read_seq, another member\'s feeds the receipts', () => {
  let all = loaded(1, [ev(1, 1), ev(1, 2)]);
  all = r.applyRead(all, 1, BOB, 2, ME.id);
  assert.deepEqual(all[1].readBy, { 2: 2 });
  assert.equal(all[1].info.read_seq, 0);
  all = r.applyRead(all, 1, ME, 1, ME.id);
  assert.equal(all[1].info.read_seq, 1);
  all = r.applyRead(all, 1, ME, 0, ME.id);
  assert.equal(all[1].info.read_seq, 1, 'never backwards');
  assert.equal(r.unread(all[1], ME.id), 1);
});

test('an ack adds our message to a loaded conversation and only the preview to an unloaded one', () => {
  const item = { conversation: 1, client_msg_id: 'x', body: 'hi', ts: 5, status: 'pending' };
  let all = loaded(1, [ev(1, 1)]);
  all = r.applyAck(all, item, 2, 7, ME);
  assert.deepEqual(all[1].events.map((m) => [m.seq, m.sender.id, m.status]), [[1, 2, 'sent'], [2, 1, 'sent']]);
  assert.equal(all[1].info.last_event.body, 'hi');
  let other = r.mergeInfo({}, info(2, { last_seq: 3 }));
  other = r.applyAck(other, { ...item, conversation: 2 }, 4, 7, ME);
  assert.equal(other[2].events.length, 0);
  assert.equal(other[2].info.last_seq, 4);
  assert.equal(r.unread(other[2], ME.id), 4 - 0, 'no server count: the gap stands (not loaded)');
});

test('older and gap pages merge; an empty older page ends the history', () => {
  let c = loaded(1, [ev(1, 51), ev(1, 52)])[1];
  c = { ...c, hasMore: true };
  c = r.applyOlder(c, [ev(1, 49), ev(1, 50)].map(r.toMsg), true);
  assert.deepEqual(c.events.map((m) => m.seq), [49, 50, 51, 52]);
  assert.equal(c.hasMore, true);
  assert.equal(r.applyOlder(c, [], true).hasMore, false);
  c = r.applyAfter(c, [ev(1, 53), ev(1, 54)].map(r.toMsg));
  assert.equal(c.synced, 54);
  assert.equal(c.info.last_seq, 54);
});

test('firstUnreadSeq points at the first message from someone else after read_seq', () => {
  const msgs = [ev(1, 1), ev(1, 2, ME, 'member_added'), ev(1, 3, ME), ev(1, 4), ev(1, 5)].map(r.toMsg);
  assert.equal(r.firstUnreadSeq(msgs, 1, ME.id), 4);
  assert.equal(r.firstUnreadSeq(msgs, 5, ME.id), null);
});

test('conversationList sorts by newest activity, unsent messages included', () => {
  let all = r.mergeInfo({}, info(1, { last_seq: 1, last_event: ev(1, 1) })); // ts 1001
  all = r.mergeInfo(all, info(2, { last_seq: 1, last_event: { ...ev(2, 1), ts: 2000 } }));
  assert.deepEqual(r.conversationList(all, []).map((c) => c.info.id), [2, 1]);
  const out = [{ conversation: 1, client_msg_id: 'x', body: 'b', ts: 3000, status: 'pending' }];
  assert.deepEqual(r.conversationList(all, out).map((c) => c.info.id), [1, 2]);
});

test('titles: the other member of a direct chat, else the group title, else member names', () => {
  const all = r.mergeInfo(r.mergeInfo({}, info(1, { kind: 'direct', title: '' })), info(2, { title: '' }));
  assert.equal(r.titleOf(all[1], ME.id), 'bob');
  assert.equal(r.titleOf(all[2], ME.id), 'bob');
  assert.equal(r.titleOf(undefined, ME.id), '');
});

test('typing indicators expire, and a message from the typist clears theirs', () => {
  let t = r.addTyping({}, 1, BOB, 100);
  assert.equal(r.pruneTyping(t, 50), t, 'nothing expired: same object (no signal change)');
  assert.deepEqual(r.pruneTyping(t, 100), { 1: {} });
  t = r.clearTyping(t, 1, BOB.id);
  assert.deepEqual(t, { 1: {} });
});

test('outbox transitions: a timeout while offline waits, online it fails; disconnects wait; rate limits retry', () => {
  const retryable = new Set(['rate_limited', 'unavailable', 'internal']);
  assert.equal(r.sendOutcome('timeout', retryable, false), 'wait');
  assert.equal(r.sendOutcome('timeout', retryable, true), 'failed');
  assert.equal(r.sendOutcome('disconnected', retryable, true), 'wait');
  assert.equal(r.sendOutcome('rate_limited', retryable, true), 'retry');
  assert.equal(r.sendOutcome('internal', retryable, true), 'failed');
  assert.equal(r.sendOutcome('not_member', retryable, true), 'failed');
  const o = [{ conversation: 1, client_msg_id: 'a', body: 'x', ts: 1, status: 'pending' }];
  const f = r.setOutStatus(o, 'a', 'failed', 'No answer from the server');
  assert.equal(f[0].status, 'failed');
  assert.equal(r.dropOut(f, 'zz'), f);
  assert.deepEqual(r.dropOut(f, 'a'), []);
  assert.equal(r.errorText('timeout', ''), 'No answer from the server');
});
