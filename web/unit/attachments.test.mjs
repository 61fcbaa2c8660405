// Unit tests of the attachments' pure parts (src/app/attachments.ts): sizes, thumbnail boxes,
// what a failed upload tells the user, what a pick may add.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const a = require('../out-unit/attachments.js');
const p = require('../out-unit/protocol.js');

test('sizes read as people read them', () => {
  assert.equal(a.formatSize(0), '0 bytes');
  assert.equal(a.formatSize(1), '1 byte');
  assert.equal(a.formatSize(1023), '1023 bytes');
  assert.equal(a.formatSize(1024), '1 KB');
  assert.equal(a.formatSize(1536), '1.5 KB');
  assert.equal(a.formatSize(48213), '47 KB');
  assert.equal(a.formatSize(10 * 1024 * 1024), '10 MB');
  assert.equal(a.formatSize(3.25 * 1024 ** 3), '3.3 GB');
});

test('a thumbnail keeps its shape within the box; unknown sizes take the whole box', () => {
  assert.deepEqual(a.thumbBox({ width: 640, height: 480 }), { width: 240, height: 180 });
  assert.deepEqual(a.thumbBox({ width: 100, height: 400 }), { width: 60, height: 240 });
  assert.deepEqual(a.thumbBox({ width: 50, height: 30 }), { width: 50, height: 30 }, 'never enlarged');
  assert.deepEqual(a.thumbBox({ width: 0, height: 0 }), { width: 240, height: 240 });
});

test('each upload failure says what happened and whether to try again', () => {
  const t = (f, size = 12 * 1024 * 1024) => a.uploadErrorText('big.mov', size, f);
  assert.deepEqual(t({ status: 413, error: 'body_too_large', message: 'attachments are at most 10485760 bytes' }), {
    text: '“big.mov” is too large to send: 12 MB (the limit is 10 MB).',
    retry: false,
  });
  assert.equal(t({ status: 413 }).text, '“big.mov” is too large to send: 12 MB.');
  assert.match(t({ status: 507, error: 'insufficient_storage' }).text, /out of disk space/);
  const broken = t({ status: 415, error: 'unsupported_media_type', message: 'the file is a image/png that cannot be decoded whole: vipspng: libpng read error' });
  assert.match(broken.text, /cannot be read/);
  assert.equal(broken.retry, false);
  assert.equal(t({ status: 507, error: 'insufficient_storage' }).retry, true);
  assert.match(t({ status: 0, offline: true }).text, /you are offline/);
  assert.match(t({ status: 0 }).text, /could not be reached/);
  assert.match(t({ status: 400, error: 'bad_request', message: 'the request body (the file) is empty' }).text, /is empty/);
  const badName = t({ status: 400, error: 'bad_request', message: 'the file name is not valid UTF-8' });
  assert.match(badName.text, /not valid UTF-8/);
  assert.equal(badName.retry, false);
  assert.match(t({ status: 503, error: 'unavailable' }).text, /busy/);
  assert.match(t({ status: 401, error: 'unauthenticated' }).text, /signed out/);
  assert.match(t({ status: 500, error: 'internal', message: 'the file could not be stored' }).text, /the file could not be stored/);
});

test('a pick adds files up to ten per message; folders and empty files are explained, not sent', () => {
  const f = (name, size = 10) => ({ name, size });
  const { take, errors } = a.acceptPicked(8, [f('a'), { name: 'photos', size: 0, folder: true }, f('empty.txt', 0), f('b'), f('c'), f('d')]);
  assert.deepEqual(take.map((x) => x.name), ['a', 'b']);
  assert.deepEqual(errors, [
    '“photos” is a folder: only files can be attached.',
    '“empty.txt” is empty: there is nothing to send.',
    'At most 10 files go with one message: 2 were left out.',
  ]);
});

test('events carry their attachments; a broken entry is dropped, an image is one only with a thumbnail', () => {
  const e = p.toEvent({
    conversation: 12, seq: 99, kind: 'message', sender: { id: 7, username: 'alice' }, body: '', ts: 1,
    attachments: [
      { id: '0f3c', name: 'photo 東京.png', content_type: 'image/png', size: 48213, thumbnail: true, width: 640, height: 480 },
      { name: 'no id' },
      { id: 'b2', name: 'notes.pdf', content_type: 'application/pdf', size: 1000, thumbnail: false, width: 0, height: 0 },
    ],
  });
  assert.deepEqual(e.attachments.map((x) => x.id), ['0f3c', 'b2']);
  assert.equal(a.isImage(e.attachments[0]), true);
  assert.equal(a.isImage(e.attachments[1]), false);
  assert.equal(a.describeAttachment(e.attachments[1]), 'notes.pdf, application/pdf, 1000 bytes');
  assert.equal(a.attachmentUrl('0f3c', true), '/api/attachments/0f3c/thumbnail');
  assert.equal(a.attachmentSummary(e.attachments), '📎 2 files');
  assert.equal(a.attachmentSummary(e.attachments.slice(1)), '📎 notes.pdf');
  assert.equal(a.attachmentSummary(undefined), '');
  assert.equal(p.toEvent({ conversation: 1, seq: 1, kind: 'message', body: 'x', attachments: [] }).attachments, undefined);
});
