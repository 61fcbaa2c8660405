// The pure parts of avatars (src/app/avatar-rules.ts): initials, colours that keep text readable,
// the image URL, upload errors as sentences, and profile fields read from the wire (protocol.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const a = require('../out-unit/avatar-rules.js');
const p = require('../out-unit/protocol.js');
const f = require('../out-unit/format.js');

test('initials: the first letters of the first two words, whole characters', () => {
  assert.equal(a.initialsOf('alice'), 'A');
  assert.equal(a.initialsOf('Lunch crew'), 'LC');
  assert.equal(a.initialsOf('  lunch   crew  at noon '), 'LC');
  assert.equal(a.initialsOf('😀 party'), '😀P');
  assert.equal(a.initialsOf('東京 チーム'), '東チ');
  assert.equal(a.initialsOf(''), '#');
});

test('a chosen colour keeps its text readable; without one the name decides', () => {
  assert.deepEqual(a.avatarColours('alice', '#7a3fa0'), { bg: '#7a3fa0', fg: '#fff' });
  // Too light for white text: black (which then always reaches 4.5:1).
  assert.deepEqual(a.avatarColours('alice', '#ffeb3b'), { bg: '#ffeb3b', fg: '#000' });
  assert.deepEqual(a.avatarColours('alice', ''), { bg: f.avatarColor('alice'), fg: '#fff' });
  assert.deepEqual(a.avatarColours('alice', 'red'), { bg: f.avatarColor('alice'), fg: '#fff' });
  assert.equal(a.avatarColours('Alice', undefined).bg, a.avatarColours('alice', undefined).bg);
});

test('the image URL is the server\'s and escapes what it is given', () => {
  assert.equal(a.avatarUrl('0123456789abcdef0123456789abcdef'), '/api/avatars/0123456789abcdef0123456789abcdef');
  assert.equal(a.avatarUrl('../x'), '/api/avatars/..%2Fx');
});

test('upload errors follow the server\'s codes', () => {
  assert.match(a.avatarUploadError(415, 'unsupported_media_type'), /not a picture/);
  assert.match(a.avatarUploadError(413, 'body_too_large'), /5 MB/);
  assert.match(a.avatarUploadError(507, 'insufficient_storage'), /no room/);
  assert.match(a.avatarUploadError(0, 'network'), /Cannot reach/);
  assert.match(a.avatarUploadError(503, 'unavailable'), /busy/);
  assert.match(a.avatarUploadError(401, 'unauthenticated'), /signed out/);
});

test('profile fields are read when present and skipped when empty or not a user', () => {
  assert.deepEqual(p.toUser({ id: 8, username: 'bob', avatar_color: '#aa3377', avatar: 'fedcba9876543210fedcba9876543210' }), {
    id: 8,
    username: 'bob',
    avatar_color: '#aa3377',
    avatar: 'fedcba9876543210fedcba9876543210',
  });
  assert.deepEqual(p.toUser({ id: 8, username: 'bob', avatar_color: '', avatar: '' }), { id: 8, username: 'bob' });
  assert.equal(p.toUser(null), null);
  assert.equal(p.toUser({ id: '8', username: 'bob' }), null);
  assert.equal(p.toConversation({ id: 1, kind: 'group', title: 't', avatar: 'x'.repeat(32) }).avatar, 'x'.repeat(32));
});

test('a group picture change reads as a sentence in previews and the timeline', () => {
  const alice = { id: 1, username: 'alice' };
  assert.equal(f.describeEvent('avatar_changed', alice, null, 2, { body: 'ab'.repeat(16) }), 'alice changed the group picture');
  assert.equal(f.describeEvent('avatar_changed', alice, null, 2, { body: '' }), 'alice removed the group picture');
});
