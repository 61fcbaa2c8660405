// The pure parts of avatars (no Angular): URLs, initials, colours, upload errors and the upload
// itself (docs/http-api.md, "Avatars"). web/unit/avatar.test.mjs tests them.
import { avatarColor, holdsWhiteText } from './format';

/** Where an avatar image is fetched (docs/http-api.md, "Avatars"): the browser sends the cookie. */
export function avatarUrl(id: string): string {
  return `/api/avatars/${encodeURIComponent(id)}`;
}

/** Up to two initials: the first letters of the first two words (whole characters, emoji too). */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  const first = (w: string | undefined) => (w ? (Array.from(w)[0] ?? '') : '');
  const out = first(words[0]) + (words.length > 1 ? first(words[1]) : '');
  return (out || '#').toUpperCase();
}

/**
 * The background and text colour of an initials avatar: the chosen colour ("#rrggbb") with white
 * text, or black where white would not reach 4.5:1 (black then always does); without a choice a
 * colour derived from the name (every one of them holds white).
 */
export function avatarColours(name: string, chosen: string | undefined): { bg: string; fg: string } {
  if (chosen && /^#[0-9a-f]{6}$/i.test(chosen)) return { bg: chosen, fg: holdsWhiteText(chosen) ? '#fff' : '#000' };
  return { bg: avatarColor(name), fg: '#fff' };
}

/** Upload failures as sentences for people (the server's codes: docs/http-api.md, "Avatars"). */
export function avatarUploadError(status: number, code: string): string {
  if (status === 0) return 'Cannot reach the server. Check your connection.';
  if (code === 'unsupported_media_type') return 'That file is not a picture chatd can read. Choose a PNG, JPEG, GIF or WebP image.';
  if (code === 'body_too_large') return 'That picture is too large: at most 5 MB.';
  if (code === 'insufficient_storage') return 'The server has no room for it now. Try again later.';
  if (code === 'unauthenticated') return 'You are signed out. Sign in again.';
  if (code === 'unavailable' || status >= 500) return 'The server is busy. Try again in a moment.';
  return 'The picture could not be uploaded.';
}

/** POST /api/avatars: the server re-encodes the image; resolves with its avatar id. */
export async function uploadAvatarImage(file: Blob): Promise<string> {
  let res: Response;
  try {
    res = await fetch('/api/avatars', { method: 'POST', credentials: 'same-origin', body: file });
  } catch {
    throw new Error(avatarUploadError(0, 'network'));
  }
  let json: Record<string, unknown> = {};
  try {
    json = (await res.json()) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  if (res.status !== 201 || typeof json['avatar'] !== 'string') throw new Error(avatarUploadError(res.status, String(json['error'] ?? '')));
  return json['avatar'];
}
