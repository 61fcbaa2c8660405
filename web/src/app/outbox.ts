import { Injectable, signal } from '@angular/core';
import { OutMsg, dropOut, setOutStatus } from './chat.reducers';
import { Attachment } from './attachments';
import { LIMITS, newClientMsgId } from './protocol';

/**
 * Messages written here and not acknowledged yet, per user in localStorage so a reload or a crash
 * loses nothing. Each keeps its client_msg_id for life: every resend is the same message to the
 * server (which answers a duplicate with the original ack).
 */
@Injectable({ providedIn: 'root' })
export class Outbox {
  readonly items = signal<OutMsg[]>([]);
  private uid = 0;

  /** Loads the user's unsent messages from storage. */
  open(uid: number): void {
    this.uid = uid;
    this.items.set(loadJson<OutMsg[]>(this.key(), []));
  }

  /** Explicit sign-out on this device: forget them. */
  forget(): void {
    try {
      localStorage.removeItem(this.key());
    } catch {
      /* storage disabled */
    }
    this.items.set([]);
  }

  /** A new message: pending, or failed at once when it is over the limit. */
  add(conversation: number, body: string, now: number, replyTo?: number, attachments?: Attachment[]): OutMsg {
    const item: OutMsg = { conversation, client_msg_id: newClientMsgId(), body, ts: now, status: 'pending' };
    if (replyTo) item.reply_to = replyTo;
    if (attachments?.length) item.attachments = attachments;
    if ([...body].length > LIMITS.maxBodyChars) {
      item.status = 'failed';
      item.error = `Too long (over ${LIMITS.maxBodyChars} characters)`;
    }
    this.update((o) => [...o, item]);
    return item;
  }

  find(cmid: string): OutMsg | undefined {
    return this.items().find((o) => o.client_msg_id === cmid);
  }

  setStatus(cmid: string, status: OutMsg['status'], error?: string): void {
    this.update((o) => setOutStatus(o, cmid, status, error));
  }

  drop(cmid: string): void {
    this.update((o) => dropOut(o, cmid));
  }

  pending(): OutMsg[] {
    return this.items().filter((o) => o.status === 'pending');
  }

  private update(fn: (o: OutMsg[]) => OutMsg[]): void {
    const before = this.items();
    const after = fn(before);
    if (after === before) return;
    this.items.set(after);
    saveJson(this.key(), after);
  }

  private key(): string {
    return `chatd.outbox.${this.uid}`;
  }
}

export function loadJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function saveJson(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or disabled: keep in memory only */
  }
}
