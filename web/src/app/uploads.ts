import { Injectable, signal } from '@angular/core';
import { Attachment, UploadFailure, acceptPicked, toAttachment, uploadErrorText } from './attachments';

/** A file on its way to the server for one conversation's next message. */
export interface Upload {
  key: string;
  conversation: number;
  name: string;
  size: number;
  /** Bytes sent so far (the progress bar). */
  sent: number;
  status: 'uploading' | 'done' | 'failed';
  error?: string;
  /** Trying again may help (offline, disk full, busy); not for a file that is too large. */
  canRetry?: boolean;
  attachment?: Attachment;
  /** A local picture of an image while it uploads (a data: URL). */
  preview?: string;
}

/** A file picked, dropped or pasted, or a folder dropped (which cannot be sent). */
export type Incoming = File | { name: string; size: 0; folder: true };

let nextKey = 1;
const PREVIEW_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Uploads for the composer (POST /api/attachments, docs/http-api.md): each file starts at once,
 * with progress (XMLHttpRequest: fetch reports no upload progress), and ends done with its
 * attachment or failed with a sentence saying why. A message takes the done ones of its
 * conversation when it is sent. Kept in memory: a reload drops files not sent yet.
 */
@Injectable({ providedIn: 'root' })
export class Uploads {
  readonly items = signal<Upload[]>([]);
  /** Why something picked was not taken (a folder, too many), per conversation. */
  readonly notes = signal<Record<number, string[]>>({});
  private readonly files = new Map<string, File>();
  private readonly requests = new Map<string, XMLHttpRequest>();

  of(conversation: number): Upload[] {
    return this.items().filter((u) => u.conversation === conversation);
  }

  /** Starts uploading what was picked; the rest is explained in `notes`. */
  add(conversation: number, incoming: Incoming[]): void {
    const picked = incoming.map((f) => ({ f, name: f.name, size: f.size, folder: 'folder' in f }));
    const { take, errors } = acceptPicked(this.of(conversation).length, picked);
    this.notes.update((n) => ({ ...n, [conversation]: errors }));
    for (const { f } of take) {
      const file = f as File;
      const key = `u${nextKey++}`;
      this.files.set(key, file);
      this.items.update((all) => [...all, { key, conversation, name: file.name || 'file', size: file.size, sent: 0, status: 'uploading' }]);
      this.start(key);
      this.previewOf(key, file);
    }
  }

  retry(key: string): void {
    if (!this.files.has(key)) return;
    this.patch(key, { status: 'uploading', sent: 0, error: undefined, canRetry: undefined });
    this.start(key);
  }

  remove(key: string): void {
    this.requests.get(key)?.abort();
    this.requests.delete(key);
    this.files.delete(key);
    this.items.update((all) => all.filter((x) => x.key !== key));
  }

  clearNotes(conversation: number): void {
    if (this.notes()[conversation]?.length) this.notes.update((n) => ({ ...n, [conversation]: [] }));
  }

  /** The conversation's uploaded attachments, taken for a message (they leave the tray). */
  take(conversation: number): Attachment[] {
    const done = this.of(conversation).filter((u) => u.status === 'done' && u.attachment);
    for (const u of done) this.remove(u.key);
    this.clearNotes(conversation);
    return done.map((u) => u.attachment!);
  }

  /**
   * A small local picture of an image while it uploads: a data: URL (the page's CSP allows data:
   * images, not blob:), only for images up to PREVIEW_MAX_BYTES.
   */
  private previewOf(key: string, file: File): void {
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type) || file.size > PREVIEW_MAX_BYTES || typeof FileReader === 'undefined') return;
    const r = new FileReader();
    r.onload = () => typeof r.result === 'string' && this.files.has(key) && this.patch(key, { preview: r.result });
    r.readAsDataURL(file);
  }

  private start(key: string): void {
    const file = this.files.get(key);
    if (!file) return;
    const xhr = new XMLHttpRequest();
    this.requests.set(key, xhr);
    xhr.open('POST', `/api/attachments?name=${encodeURIComponent(file.name || 'file')}`);
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => this.patch(key, { sent: e.loaded });
    xhr.onload = () => {
      this.requests.delete(key);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText || '{}');
      } catch {
        /* not JSON: the status says enough */
      }
      const a = xhr.status === 201 ? toAttachment(body) : null;
      if (a) this.patch(key, { status: 'done', sent: file.size, attachment: a });
      else
        this.fail(key, file, {
          status: xhr.status,
          error: typeof body['error'] === 'string' ? body['error'] : undefined,
          message: typeof body['message'] === 'string' ? body['message'] : undefined,
        });
    };
    // No answer at all: offline, the server gone, or the connection closed under a large body.
    xhr.onerror = () => {
      this.requests.delete(key);
      this.fail(key, file, { status: 0, offline: typeof navigator !== 'undefined' && navigator.onLine === false });
    };
    xhr.send(file);
  }

  private fail(key: string, file: File, f: UploadFailure): void {
    const { text, retry } = uploadErrorText(file.name || 'file', file.size, f);
    this.patch(key, { status: 'failed', error: text, canRetry: retry });
  }

  private patch(key: string, change: Partial<Upload>): void {
    this.items.update((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)));
  }
}
