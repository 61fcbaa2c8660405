// Unit tests of the conversation-list loader (src/app/list-loader.ts) and applyList's keep set: the
// server answers list_conversations from parallel database workers, so answers can come out of
// order and a list can be older than an event already seen (a group created a moment ago).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ListLoader } = require('../out-unit/list-loader.js');
const r = require('../out-unit/chat.reducers.js');

const ME = { id: 1, username: 'alice' };
const info = (id, title = `g${id}`) => ({ id, kind: 'group', title, members: [ME], last_seq: 0, last_event: null, read_seq: 0 });

/** A fake server: each page request waits until the test answers it. */
function fakeServer() {
  const asked = [];
  let wake = () => {};
  const fetchPage = (cursor) =>
    new Promise((ok, fail) => {
      asked.push({ cursor, ok, fail });
      wake();
    });
  const nextAsk = async (n) => {
    while (asked.length < n) await new Promise((w) => (wake = w));
    return asked[n - 1];
  };
  return { asked, fetchPage, nextAsk };
}

test('a listing asked for while one runs starts after it, so an older answer never lands after a newer one', async () => {
  const srv = fakeServer();
  const applied = [];
  const loader = new ListLoader(srv.fetchPage, (list) => applied.push(list.map((c) => c.id)));
  const first = loader.load();
  const second = loader.load(); // e.g. an event of a conversation created a moment ago
  assert.equal(srv.asked.length, 1, 'no second request while the first is in flight');
  (await srv.nextAsk(1)).ok({ list: [info(1)], next: null });
  (await srv.nextAsk(2)).ok({ list: [info(1), info(2)], next: null });
  await Promise.all([first, second]);
  assert.deepEqual(applied, [[1], [1, 2]]);
});

test('a conversation touched while a listing runs is kept although that (older) listing lacks it', async () => {
  const srv = fakeServer();
  let convs = {};
  const loader = new ListLoader(srv.fetchPage, (list, keep) => (convs = r.applyList(convs, list, keep)));
  convs = r.mergeInfo(convs, info(9));
  const done = loader.load();
  const ask = await srv.nextAsk(1);
  // Group 7 is created and its event arrives before the (older) answer.
  convs = r.mergeInfo(convs, info(7, 'Trip'));
  loader.touch(7);
  ask.ok({ list: [info(1)], next: null });
  await done;
  assert.deepEqual(Object.keys(convs).map(Number).sort(), [1, 7], 'group 7 stays, 9 (not listed, not touched) is gone');
  assert.equal(convs[7].info.title, 'Trip');
  // The next listing no longer keeps what it does not list (the touch was for the last one).
  const again = loader.load();
  (await srv.nextAsk(2)).ok({ list: [info(1)], next: null });
  await again;
  assert.deepEqual(Object.keys(convs).map(Number), [1]);
});

test('every page is fetched with the previous next_cursor and applied once, merged by id', async () => {
  const srv = fakeServer();
  const applied = [];
  const loader = new ListLoader(srv.fetchPage, (list) => applied.push(list.map((c) => c.id)));
  const done = loader.load();
  const a = await srv.nextAsk(1);
  assert.equal(a.cursor, undefined);
  a.ok({ list: [info(5), info(4)], next: 'c1' });
  const b = await srv.nextAsk(2);
  assert.equal(b.cursor, 'c1');
  assert.deepEqual(applied, [], 'nothing applied before the last page');
  b.ok({ list: [info(4), info(3)], next: null });
  await done;
  assert.deepEqual(applied, [[5, 4, 3]]);
});

test('a failed page rejects the listing without applying it; the next load starts afresh', async () => {
  const srv = fakeServer();
  const applied = [];
  const loader = new ListLoader(srv.fetchPage, (list) => applied.push(list.map((c) => c.id)));
  const done = loader.load();
  (await srv.nextAsk(1)).fail(new Error('closed'));
  await assert.rejects(done, /closed/);
  const again = loader.load();
  (await srv.nextAsk(2)).ok({ list: [info(1)], next: null });
  await again;
  assert.deepEqual(applied, [[1]]);
});

test('after reset an answer still in flight is not applied, and a new listing does not wait for it', async () => {
  const srv = fakeServer();
  const applied = [];
  const loader = new ListLoader(srv.fetchPage, (list) => applied.push(list.map((c) => c.id)));
  const done = loader.load();
  const ask = await srv.nextAsk(1);
  loader.reset(); // signed out; another user signs in
  const fresh = loader.load();
  (await srv.nextAsk(2)).ok({ list: [info(2)], next: null });
  await fresh;
  ask.ok({ list: [info(1)], next: null });
  await done;
  assert.deepEqual(applied, [[2]]);
});

test('a page answered rate_limited is asked for again after a pause of at least 1 s; other errors end the listing', async () => {
  const srv = fakeServer();
  const pauses = [];
  const applied = [];
  const loader = new ListLoader(
    srv.fetchPage,
    (list) => applied.push(list.map((c) => c.id)),
    async (ms) => void pauses.push(ms),
  );
  const done = loader.load();
  (await srv.nextAsk(1)).ok({ list: [info(1)], next: 'c1' });
  const limited = Object.assign(new Error('slow down'), { code: 'rate_limited' });
  (await srv.nextAsk(2)).fail(limited);
  const again = await srv.nextAsk(3);
  assert.equal(again.cursor, 'c1', 'the same page, not the next or the first');
  again.ok({ list: [info(2)], next: null });
  await done;
  assert.deepEqual(applied, [[1, 2]]);
  assert.deepEqual(pauses, [1000]);

  const failing = loader.load();
  (await srv.nextAsk(4)).fail(Object.assign(new Error('boom'), { code: 'internal' }));
  await assert.rejects(failing, /boom/);
  assert.equal(srv.asked.length, 4, 'no retry of an error that is not rate_limited');
});
