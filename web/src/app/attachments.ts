// Attachments as the client sees them (docs/protocol.md "attachment", docs/http-api.md
// "Attachments"): the pure parts, unit-tested in web/unit/attachments.test.mjs.

/** What a message shows of a file. */
export interface Attachment {
  id: string;
  name: string;
  content_type: string;
  size: number;
  /** The server made a thumbnail (PNG, JPEG, GIF and WebP it could read). */
  thumbnail: boolean;
  width: number;
  height: number;
}

/** protocol/limits.hpp: attachments per message. */
export const MAX_ATTACHMENTS = 10;

/** An attachment object from the wire, or null when it is not one. */
export function toAttachment(raw: unknown): Attachment | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (typeof r['id'] !== 'string' || !r['id']) return null;
  return {
    id: r['id'],
    name: typeof r['name'] === 'string' && r['name'] ? r['name'] : 'file',
    content_type: typeof r['content_type'] === 'string' ? r['content_type'] : 'application/octet-stream',
    size: Number(r['size'] ?? 0) || 0,
    thumbnail: r['thumbnail'] === true,
    width: Number(r['width'] ?? 0) || 0,
    height: Number(r['height'] ?? 0) || 0,
  };
}

export function attachmentUrl(id: string, thumbnail = false): string {
  return `/api/attachments/${encodeURIComponent(id)}${thumbnail ? '/thumbnail' : ''}`;
}

/** Shown inline (a thumbnail and the lightbox): an image the server could read. */
export function isImage(a: Attachment): boolean {
  return a.thumbnail && a.content_type.startsWith('image/');
}

/** Bytes as people read them: "512 bytes", "14 KB", "1.2 MB" (1 KB = 1024 bytes). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v)} ${units[i]}`;
}

/** The size a thumbnail takes in a message: its shape, at most `max` px wide or tall. */
export function thumbBox(a: Pick<Attachment, 'width' | 'height'>, max = 240): { width: number; height: number } {
  if (!a.width || !a.height) return { width: max, height: max };
  const k = Math.min(1, max / Math.max(a.width, a.height));
  return { width: Math.max(1, Math.round(a.width * k)), height: Math.max(1, Math.round(a.height * k)) };
}

/** An upload's failure: the HTTP status (0: no answer) and the body's `error` and `message`. */
export interface UploadFailure {
  status: number;
  error?: string;
  message?: string;
  /** The browser said it is offline when the upload failed. */
  offline?: boolean;
}

/** What to tell the user about a failed upload of `name`; `retry` says whether trying again may help. */
export function uploadErrorText(name: string, size: number, f: UploadFailure): { text: string; retry: boolean } {
  const file = `“${name}”`;
  if (f.offline) return { text: `${file} was not uploaded: you are offline. Try again when you are back online.`, retry: true };
  switch (f.error ?? '') {
    case 'body_too_large': {
      const max = /at most (\d+) bytes/.exec(f.message ?? '');
      const limit = max ? ` (the limit is ${formatSize(Number(max[1]))})` : '';
      return { text: `${file} is too large to send: ${formatSize(size)}${limit}.`, retry: false };
    }
    case 'bad_request':
      // The server's message names the problem (an empty file, a name that is not UTF-8).
      if (/empty/.test(f.message ?? '')) return { text: `${file} is empty: there is nothing to send.`, retry: false };
      return { text: `${file} was not uploaded: ${f.message || 'the server refused it'}. Rename or change the file and try again.`, retry: false };
    case 'unsupported_media_type':
      // The bytes start as an image the server cannot decode whole (cut short or damaged).
      return { text: `${file} was not uploaded: it looks like an image but cannot be read (damaged or incomplete).`, retry: false };
    case 'insufficient_storage':
      return { text: `${file} was not uploaded: the server is out of disk space. Try again later.`, retry: true };
    case 'unavailable':
      return { text: `${file} was not uploaded: the server is busy. Try again in a moment.`, retry: true };
    case 'unauthenticated':
      return { text: `${file} was not uploaded: you are signed out. Sign in again.`, retry: false };
    default:
      break;
  }
  if (f.status === 413) return { text: `${file} is too large to send: ${formatSize(size)}.`, retry: false };
  if (f.status === 0) return { text: `${file} was not uploaded: the server could not be reached. Try again.`, retry: true };
  return { text: `${file} was not uploaded (${f.message || `error ${f.status}`}). Try again.`, retry: true };
}

/** Something picked, dropped or pasted: a file, or an entry that is not one (a folder). */
export interface Picked {
  name: string;
  size: number;
  folder?: boolean;
}

/**
 * Which of `picked` join the `already` attached ones (at most MAX_ATTACHMENTS in all; folders and
 * empty files never), and what to say about the rest.
 */
export function acceptPicked<T extends Picked>(already: number, picked: T[]): { take: T[]; errors: string[] } {
  const take: T[] = [];
  const errors: string[] = [];
  let over = 0;
  for (const p of picked) {
    if (p.folder) errors.push(`“${p.name}” is a folder: only files can be attached.`);
    else if (p.size === 0) errors.push(`“${p.name}” is empty: there is nothing to send.`);
    else if (already + take.length >= MAX_ATTACHMENTS) over++;
    else take.push(p);
  }
  if (over) errors.push(`At most ${MAX_ATTACHMENTS} files go with one message: ${over} ${over === 1 ? 'was' : 'were'} left out.`);
  return { take, errors };
}

/** What a list preview or a notification says of a message's files: "📎 photo.png", "📎 3 files". */
export function attachmentSummary(list: readonly Attachment[] | undefined): string {
  if (!list?.length) return '';
  return list.length === 1 ? `📎 ${list[0].name}` : `📎 ${list.length} files`;
}

/** A short spoken description: "photo.png, image, 14 KB". */
export function describeAttachment(a: Attachment): string {
  const kind = isImage(a) ? 'image' : a.content_type.split(';')[0] || 'file';
  return `${a.name}, ${kind}, ${formatSize(a.size)}`;
}
