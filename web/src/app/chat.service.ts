import { Injectable, computed, inject, signal } from '@angular/core';
import { AuthService } from './auth.service';
import {
  ChatEvent,
  ConversationInfo,
  ErrorFrame,
  LIMITS,
  PROTOCOL_VERSION,
  RETRYABLE,
  ServerFrame,
  SyncPosition,
  UserRef,
  newClientMsgId,
  toConversation,
  toEvent,
} from './protocol';

export type ConnStatus = 'offline' | 'connecting' | 'online' | 'reconnecting';
export type MsgStatus = 'pending' | 'sent' | 'failed';

/** A message or membership event as the view shows it. */
export interface Msg {
  key: string;
  seq: number | null; // null until the server acked it
  kind: string;
  sender: UserRef;
  subject?: UserRef | null;
  body: string;
  ts: number;
  client_msg_id: string;
  status: MsgStatus;
  error?: string;
}

/** A message the user wrote that the server has not acknowledged yet (kept in localStorage). */
export interface OutMsg {
  conversation: number;
  client_msg_id: string;
  body: string;
  ts: number;
  status: 'pending' | 'failed';
  error?: string;
}

export interface Conv {
  info: ConversationInfo;
  /** Confirmed events, ascending by seq, no duplicates. */
  events: Msg[];
  /** Newest page has been loaded, so `events` is contiguous up to `synced`. */
  loaded: boolean;
  loading: boolean;
  hasMore: boolean;
  /** Highest seq received through the event stream or history: what we tell sync. */
  synced: number;
  /** Other members' read positions learned from read frames. */
  readBy: Record<number, number>;
}

interface Pending {
  resolve: (f: ServerFrame) => void;
  reject: (e: RequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 15_000;
const BACKOFF_BASE_MS = 400;
const BACKOFF_CAP_MS = 15_000;
const TYPING_SEND_EVERY_MS = 3_000;
const TYPING_SHOW_MS = 6_000;
const PING_EVERY_MS = 25_000;
const STABLE_AFTER_MS = 30_000;

/**
 * The WebSocket client and the chat state (signals). One connection per tab: hello first, then
 * list_conversations; on reconnect, sync from the last seq we hold per conversation (the gap is
 * replayed before sync_done), then resend every unacknowledged message with its original
 * client_msg_id, so nothing is lost or doubled.
 */
@Injectable({ providedIn: 'root' })
export class ChatService {
  private readonly auth = inject(AuthService);

  readonly status = signal<ConnStatus>('offline');
  readonly convs = signal<Record<number, Conv>>({});
  readonly outbox = signal<OutMsg[]>([]);
  readonly presence = signal<Record<number, boolean>>({});
  readonly typing = signal<Record<number, Record<number, { username: string; until: number }>>>({});
  readonly drafts = signal<Record<number, string>>({});
  /** Text for the polite live region (new messages). */
  readonly announcement = signal('');
  /** The conversation on screen, if any (set by the message view). */
  readonly activeId = signal<number | null>(null);
  /** Conversations loaded at least once from the server. */
  readonly listed = signal(false);

  readonly me = computed(() => this.auth.user() ?? null);

  /** Conversations, most recent activity first. */
  readonly conversationList = computed(() => {
    const out = this.outbox();
    const list = Object.values(this.convs()).map((c) => {
      const mine = out.filter((o) => o.conversation === c.info.id);
      const activity = Math.max(c.info.last_event?.ts ?? 0, ...mine.map((o) => o.ts), 0);
      return { conv: c, activity };
    });
    list.sort((a, b) => b.activity - a.activity || b.conv.info.id - a.conv.info.id);
    return list.map((x) => x.conv);
  });

  private ws: WebSocket | null = null;
  private welcomed = false;
  private everConnected = false;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private typingTimer: ReturnType<typeof setInterval> | null = null;
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private lastTypingSent = new Map<number, number>();
  private readSent = new Map<number, number>();
  private relistTimer: ReturnType<typeof setTimeout> | null = null;
  private resyncing = false;
  private uid = 0;

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('online', () => this.reconnectNow());
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') {
          this.reconnectNow();
          const id = this.activeId();
          if (id !== null) this.markRead(id);
        }
      });
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Connects for the signed-in user (idempotent). */
  start(user: UserRef): void {
    if (!this.stopped && this.uid === user.id) return;
    this.stop();
    this.uid = user.id;
    this.stopped = false;
    this.everConnected = false;
    this.attempt = 0;
    this.outbox.set(this.load<OutMsg[]>('outbox', []));
    this.drafts.set(this.load<Record<number, string>>('drafts', {}));
    this.typingTimer = setInterval(() => this.pruneTyping(), 1000);
    this.connect();
  }

  /** Explicit sign-out on this device: drop this user's drafts and unsent messages from storage. */
  forgetLocal(): void {
    try {
      localStorage.removeItem(this.key('drafts'));
      localStorage.removeItem(this.key('outbox'));
    } catch {
      /* storage disabled */
    }
    this.drafts.set({});
    this.outbox.set([]);
  }

  /** Disconnects and forgets everything in memory. Drafts/outbox stay in storage per user. */
  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.typingTimer) clearInterval(this.typingTimer);
    this.reconnectTimer = this.pingTimer = this.typingTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
    this.failAllPending('disconnected');
    this.status.set('offline');
    this.convs.set({});
    this.presence.set({});
    this.typing.set({});
    this.listed.set(false);
    this.activeId.set(null);
    this.readSent.clear();
  }

  private connect(): void {
    if (this.stopped) return;
    this.reconnectTimer = null;
    this.welcomed = false;
    this.status.set(this.everConnected ? 'reconnecting' : 'connecting');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${proto}//${location.host}/ws`);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => void this.onOpen(ws);
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      let f: ServerFrame;
      try {
        f = JSON.parse(String(e.data));
      } catch {
        return;
      }
      this.onFrame(f);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.onClose(e.code);
    };
  }

  private async onOpen(ws: WebSocket): Promise<void> {
    try {
      await this.request({ type: 'hello', version: PROTOCOL_VERSION });
    } catch (e) {
      if (e instanceof RequestError && e.code === 'unsupported_version') {
        this.announcement.set('This app is out of date. Reload the page.');
      }
      ws.close();
      return;
    }
    if (this.ws !== ws) return;
    this.welcomed = true;
    // Forgive the backoff only once the connection proves stable (a server that accepts and then
    // drops us at once must not be hammered); a quick first retry stays cheap either way.
    this.attempt = Math.min(this.attempt, 2);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => {
      if (this.ws === ws && this.welcomed) this.attempt = 0;
    }, STABLE_AFTER_MS);
    this.startPing();
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.resyncing = true;
    try {
      if (reconnect) await this.resync();
      await this.listConversations();
      this.resyncing = false;
      this.status.set('online');
      this.resendOutbox();
      const active = this.activeId();
      if (active !== null) {
        const c = this.convs()[active];
        if (c && !c.loaded) void this.loadNewest(active);
        this.markRead(active);
      }
    } catch {
      this.resyncing = false;
      // The socket failed mid-resync: onClose schedules the next attempt.
    }
  }

  private onClose(code: number): void {
    const wasWelcomed = this.welcomed;
    this.ws = null;
    this.welcomed = false;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.failAllPending('disconnected');
    if (this.stopped) return;
    this.status.set(this.everConnected ? 'reconnecting' : 'connecting');
    if (code === 4001 || (!wasWelcomed && this.attempt >= 1)) {
      // Maybe the session is gone (revoked, expired): ask the HTTP API before hammering /ws.
      void this.auth.refresh().then(
        (u) => {
          if (!u) this.stop();
          else this.scheduleReconnect(code);
        },
        () => this.scheduleReconnect(code),
      );
      return;
    }
    this.scheduleReconnect(code);
  }

  /** Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
  private scheduleReconnect(code = 1006): void {
    if (this.stopped || this.reconnectTimer) return;
    const slow = code === 4029 || code === 4008 ? 4 : 1;
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * slow * 2 ** this.attempt);
    const delay = Math.random() * ceiling;
    this.attempt = Math.min(this.attempt + 1, 10);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** Skip the wait (the browser came back online or the tab became visible). */
  private reconnectNow(): void {
    if (this.stopped || !this.reconnectTimer) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connect();
  }

  private startPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws || !this.welcomed) return;
      this.request({ type: 'ping' }, 10_000).catch((e: RequestError) => {
        // A silent half-open socket: drop it and reconnect.
        if (e.code === 'timeout' && this.ws === ws) ws.close();
      });
    }, PING_EVERY_MS);
  }

  // ---------------------------------------------------------------- requests

  private request(frame: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ServerFrame> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new RequestError('disconnected', 'Not connected'));
    }
    const id = `r${this.nextId++}`;
    return new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError('timeout', 'The server did not answer in time'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        ws.send(JSON.stringify({ ...frame, id }));
      } catch {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RequestError('disconnected', 'Not connected'));
      }
    });
  }

  private failAllPending(code: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(new RequestError(code, 'Connection lost'));
    }
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'event':
        this.onEvent(toEvent(f), !this.resyncing);
        break;
      case 'ack':
        this.onAck(f);
        break;
      case 'typing':
        this.onTyping(f);
        break;
      case 'read':
        this.onRead(f);
        break;
      case 'presence': {
        const u = f['user'] as UserRef;
        if (u) this.presence.update((p) => ({ ...p, [u.id]: !!f['online'] }));
        break;
      }
      case 'conversation': {
        // Also pushed unsolicited when someone adds us to a conversation.
        const raw = f['conversation'] as Record<string, unknown> | undefined;
        if (raw) this.mergeInfo(toConversation(raw));
        break;
      }
      default:
        break;
    }
    const ref = typeof f.ref === 'string' ? f.ref : undefined;
    if (ref) {
      const p = this.pending.get(ref);
      if (p) {
        this.pending.delete(ref);
        clearTimeout(p.timer);
        if (f.type === 'error') {
          const e = f as unknown as ErrorFrame;
          p.reject(new RequestError(e.code, e.message));
        } else p.resolve(f);
      }
    }
  }

  // ---------------------------------------------------------------- state updates

  private patchConv(id: number, fn: (c: Conv) => Conv): void {
    this.convs.update((all) => {
      const c = all[id];
      if (!c) return all;
      return { ...all, [id]: fn(c) };
    });
  }

  private emptyConv(info: ConversationInfo): Conv {
    return { info, events: [], loaded: false, loading: false, hasMore: true, synced: 0, readBy: {} };
  }

  /** Merges conversation metadata from list_conversations / conversation frames. */
  private mergeInfo(info: ConversationInfo): void {
    this.convs.update((all) => {
      const old = all[info.id];
      if (!old) return { ...all, [info.id]: this.emptyConv(info) };
      const lastEvent =
        (info.last_event?.seq ?? 0) >= (old.info.last_event?.seq ?? 0) ? info.last_event : old.info.last_event;
      return {
        ...all,
        [info.id]: {
          ...old,
          info: {
            ...info,
            last_seq: Math.max(info.last_seq, old.info.last_seq),
            read_seq: Math.max(info.read_seq, old.info.read_seq),
            last_event: lastEvent,
          },
        },
      };
    });
  }

  private async listConversations(): Promise<void> {
    const f = await this.request({ type: 'list_conversations' });
    const list = ((f['conversations'] as Record<string, unknown>[]) ?? []).map(toConversation);
    const ids = new Set(list.map((c) => c.id));
    // Conversations we were removed from disappear.
    this.convs.update((all) => {
      const next: Record<number, Conv> = {};
      for (const [k, v] of Object.entries(all)) if (ids.has(Number(k))) next[Number(k)] = v;
      return next;
    });
    for (const c of list) this.mergeInfo(c);
    this.listed.set(true);
  }

  private scheduleRelist(): void {
    if (this.relistTimer) return;
    this.relistTimer = setTimeout(() => {
      this.relistTimer = null;
      if (this.welcomed) void this.listConversations().catch(() => undefined);
    }, 150);
  }

  /** Reconnect: ask for everything after what we hold; events arrive before sync_done. */
  private async resync(): Promise<void> {
    const positions: SyncPosition[] = Object.values(this.convs()).map((c) => ({
      conversation: c.info.id,
      last_seq: c.loaded ? c.synced : c.info.last_seq,
    }));
    if (positions.length === 0) return;
    const f = await this.request({ type: 'sync', positions }, 30_000);
    // If the server reached further than what it replayed (a capped gap), fetch the rest.
    for (const p of (f['positions'] as SyncPosition[]) ?? []) {
      const c = this.convs()[p.conversation];
      if (c && c.loaded && p.last_seq > c.synced) void this.fillGap(c.info.id, c.synced);
    }
  }

  private toMsg(e: ChatEvent): Msg {
    return {
      key: `s${e.seq}`,
      seq: e.seq,
      kind: e.kind,
      sender: e.sender,
      subject: e.subject,
      body: e.body,
      ts: e.ts,
      client_msg_id: e.client_msg_id,
      status: 'sent',
    };
  }

  /** Inserts confirmed events into a sorted, de-duplicated list. */
  private mergeEvents(list: Msg[], add: Msg[]): Msg[] {
    if (add.length === 0) return list;
    const bySeq = new Map<number, Msg>();
    for (const m of list) bySeq.set(m.seq!, m);
    for (const m of add) if (!bySeq.has(m.seq!)) bySeq.set(m.seq!, m);
    return [...bySeq.values()].sort((a, b) => a.seq! - b.seq!);
  }

  private onEvent(e: ChatEvent, live: boolean): void {
    const me = this.uid;
    const known = this.convs()[e.conversation];
    if (!known) {
      // A conversation we have not listed yet (someone just opened a DM or added us).
      this.mergeInfo({
        id: e.conversation,
        kind: 'group',
        title: '',
        members: [],
        last_seq: e.seq,
        last_event: e,
        read_seq: 0,
      });
      this.scheduleRelist();
    }
    const c0 = this.convs()[e.conversation];
    const dup = c0.events.some((m) => m.seq === e.seq);
    let gapFrom: number | null = null;
    this.patchConv(e.conversation, (c) => {
      if (c.loaded && e.seq > c.synced + 1) gapFrom = c.synced;
      const info = { ...c.info, last_seq: Math.max(c.info.last_seq, e.seq) };
      if (!info.last_event || e.seq >= info.last_event.seq) info.last_event = e;
      return {
        ...c,
        info,
        events: this.mergeEvents(c.events, [this.toMsg(e)]),
        synced: gapFrom === null ? Math.max(c.synced, e.seq) : c.synced,
      };
    });
    if (gapFrom !== null) void this.fillGap(e.conversation, gapFrom);
    if (e.sender.id === me && e.client_msg_id) this.dropFromOutbox(e.client_msg_id);
    if (e.kind !== 'message') this.scheduleRelist();
    // The sender stopped typing.
    this.typing.update((t) => {
      if (!t[e.conversation]?.[e.sender.id]) return t;
      const inner = { ...t[e.conversation] };
      delete inner[e.sender.id];
      return { ...t, [e.conversation]: inner };
    });
    if (live && !dup && e.sender.id !== me && e.kind === 'message') {
      const title = this.titleOf(this.convs()[e.conversation]);
      this.announcement.set(
        this.activeId() === e.conversation
          ? `${e.sender.username}: ${e.body}`
          : `New message from ${e.sender.username} in ${title}`,
      );
    }
    if (this.activeId() === e.conversation) this.markRead(e.conversation);
  }

  private onAck(f: ServerFrame): void {
    const cmid = String(f['client_msg_id'] ?? '');
    const item = this.outbox().find((o) => o.client_msg_id === cmid);
    if (!item) return;
    const seq = Number(f['seq']);
    const ts = Number(f['ts'] ?? item.ts);
    const me = this.me();
    this.patchConv(item.conversation, (c) => {
      const msg: Msg = {
        key: `s${seq}`,
        seq,
        kind: 'message',
        sender: me ?? { id: this.uid, username: '' },
        body: item.body,
        ts,
        client_msg_id: cmid,
        status: 'sent',
      };
      const info = { ...c.info, last_seq: Math.max(c.info.last_seq, seq) };
      if (!info.last_event || seq >= info.last_event.seq) {
        info.last_event = {
          conversation: c.info.id,
          seq,
          event_id: '',
          kind: 'message',
          sender: msg.sender,
          client_msg_id: cmid,
          body: item.body,
          ts,
        };
      }
      // Only loaded conversations keep a contiguous list; others just update the preview.
      return { ...c, info, events: c.loaded ? this.mergeEvents(c.events, [msg]) : c.events };
    });
    this.dropFromOutbox(cmid);
    if (this.activeId() === item.conversation) this.markRead(item.conversation);
  }

  private onTyping(f: ServerFrame): void {
    const conv = Number(f['conversation']);
    const u = f['user'] as UserRef;
    if (!u || u.id === this.uid) return;
    this.typing.update((t) => ({
      ...t,
      [conv]: { ...(t[conv] ?? {}), [u.id]: { username: u.username, until: Date.now() + TYPING_SHOW_MS } },
    }));
  }

  private pruneTyping(): void {
    const now = Date.now();
    const t = this.typing();
    let changed = false;
    const next: typeof t = {};
    for (const [conv, users] of Object.entries(t)) {
      const inner: (typeof t)[number] = {};
      for (const [uid, v] of Object.entries(users)) {
        if (v.until > now) inner[Number(uid)] = v;
        else changed = true;
      }
      next[Number(conv)] = inner;
    }
    if (changed) this.typing.set(next);
  }

  private onRead(f: ServerFrame): void {
    const conv = Number(f['conversation']);
    const u = f['user'] as UserRef;
    const seq = Number(f['seq']);
    if (!u) return;
    this.patchConv(conv, (c) =>
      u.id === this.uid
        ? { ...c, info: { ...c.info, read_seq: Math.max(c.info.read_seq, seq) } }
        : { ...c, readBy: { ...c.readBy, [u.id]: Math.max(c.readBy[u.id] ?? 0, seq) } },
    );
  }

  // ---------------------------------------------------------------- history

  /** Loads the newest page of a conversation (first open). */
  async loadNewest(id: number): Promise<void> {
    const c = this.convs()[id];
    if (!c || c.loading || c.loaded || !this.welcomed) return;
    this.patchConv(id, (x) => ({ ...x, loading: true }));
    try {
      const f = await this.request({ type: 'history', conversation: id, limit: 50 });
      const events = ((f['events'] as Record<string, unknown>[]) ?? []).map(toEvent).map((e) => this.toMsg(e));
      this.patchConv(id, (x) => {
        const merged = this.mergeEvents(x.events, events);
        const top = merged.length ? merged[merged.length - 1].seq! : 0;
        return {
          ...x,
          events: merged,
          loaded: true,
          loading: false,
          hasMore: !!f['has_more'],
          synced: Math.max(x.synced, top),
          info: { ...x.info, last_seq: Math.max(x.info.last_seq, top) },
        };
      });
      this.markRead(id);
    } catch {
      this.patchConv(id, (x) => ({ ...x, loading: false }));
    }
  }

  /** Loads one page older than the oldest event we hold (scrolling up). */
  async loadOlder(id: number): Promise<boolean> {
    const c = this.convs()[id];
    if (!c || c.loading || !c.loaded || !c.hasMore || !this.welcomed) return false;
    const before = c.events.length ? c.events[0].seq! : c.synced + 1;
    this.patchConv(id, (x) => ({ ...x, loading: true }));
    try {
      const f = await this.request({ type: 'history', conversation: id, before, limit: 50 });
      const events = ((f['events'] as Record<string, unknown>[]) ?? []).map(toEvent).map((e) => this.toMsg(e));
      this.patchConv(id, (x) => ({
        ...x,
        events: this.mergeEvents(x.events, events),
        loading: false,
        hasMore: !!f['has_more'] && events.length > 0,
      }));
      return events.length > 0;
    } catch {
      this.patchConv(id, (x) => ({ ...x, loading: false }));
      return false;
    }
  }

  /** Fetches events after `from` until caught up (a gap seen in the live stream). */
  private async fillGap(id: number, from: number): Promise<void> {
    let after = from;
    for (let i = 0; i < 20; i++) {
      let f: ServerFrame;
      try {
        f = await this.request({ type: 'history', conversation: id, after, limit: LIMITS.maxHistoryLimit });
      } catch {
        return;
      }
      const events = ((f['events'] as Record<string, unknown>[]) ?? []).map(toEvent);
      if (events.length === 0) return;
      for (const e of events) if (e.sender.id === this.uid) this.dropFromOutbox(e.client_msg_id);
      const msgs = events.map((e) => this.toMsg(e));
      const top = msgs[msgs.length - 1].seq!;
      this.patchConv(id, (x) => ({
        ...x,
        events: this.mergeEvents(x.events, msgs),
        synced: Math.max(x.synced, top),
        info: { ...x.info, last_seq: Math.max(x.info.last_seq, top) },
      }));
      if (!f['has_more']) return;
      after = top;
    }
  }

  // ---------------------------------------------------------------- sending

  send(conversation: number, text: string): void {
    const body = text.replace(/\s+$/u, '');
    if (!body.trim()) return;
    const item: OutMsg = {
      conversation,
      client_msg_id: newClientMsgId(),
      body,
      ts: Date.now(),
      status: 'pending',
    };
    if ([...body].length > LIMITS.maxBodyChars) {
      item.status = 'failed';
      item.error = `Too long (over ${LIMITS.maxBodyChars} characters)`;
    }
    this.outbox.update((o) => [...o, item]);
    this.saveOutbox();
    if (item.status === 'pending') this.transmit(item);
  }

  /** Sends again with the same client_msg_id: the server answers a duplicate with the original ack. */
  retry(cmid: string): void {
    const item = this.outbox().find((o) => o.client_msg_id === cmid);
    if (!item) return;
    const next: OutMsg = { ...item, status: 'pending', error: undefined };
    this.outbox.update((o) => o.map((x) => (x.client_msg_id === cmid ? next : x)));
    this.saveOutbox();
    this.transmit(next);
  }

  discard(cmid: string): void {
    this.dropFromOutbox(cmid);
  }

  private transmit(item: OutMsg): void {
    if (!this.welcomed || this.resyncing) return; // resent after (re)connect
    this.request({
      type: 'send',
      conversation: item.conversation,
      client_msg_id: item.client_msg_id,
      body: item.body,
    }).catch((e: RequestError) => {
      if (e.code === 'disconnected') return; // stays pending; resent after reconnect
      const failed = e.code === 'timeout' || !RETRYABLE.has(e.code) || e.code === 'internal';
      if (!failed) {
        // rate_limited / unavailable: try again shortly with the same id.
        setTimeout(() => this.transmit(item), 1000 + Math.random() * 2000);
        return;
      }
      this.outbox.update((o) =>
        o.map((x) =>
          x.client_msg_id === item.client_msg_id ? { ...x, status: 'failed', error: this.errorText(e) } : x,
        ),
      );
      this.saveOutbox();
    });
  }

  private resendOutbox(): void {
    for (const item of this.outbox()) {
      if (item.status !== 'pending') continue;
      if (this.convs()[item.conversation]) this.transmit(item);
      else {
        // The conversation is gone from our list (we were removed): say so instead of waiting.
        this.outbox.update((o) =>
          o.map((x) =>
            x.client_msg_id === item.client_msg_id
              ? { ...x, status: 'failed', error: 'You are no longer in this conversation' }
              : x,
          ),
        );
        this.saveOutbox();
      }
    }
  }

  private dropFromOutbox(cmid: string): void {
    if (!this.outbox().some((o) => o.client_msg_id === cmid)) return;
    this.outbox.update((o) => o.filter((x) => x.client_msg_id !== cmid));
    this.saveOutbox();
  }

  private errorText(e: RequestError): string {
    switch (e.code) {
      case 'timeout':
        return 'No answer from the server';
      case 'body_too_long':
        return 'Message too long';
      case 'not_member':
        return 'You are no longer in this conversation';
      default:
        return e.message || e.code;
    }
  }

  // ---------------------------------------------------------------- other requests

  typingNow(conversation: number): void {
    const now = Date.now();
    if (now - (this.lastTypingSent.get(conversation) ?? 0) < TYPING_SEND_EVERY_MS) return;
    if (!this.welcomed) return;
    this.lastTypingSent.set(conversation, now);
    this.request({ type: 'typing', conversation }).catch(() => undefined);
  }

  /** Tells the server we have seen everything up to the newest event (when it is on screen). */
  markRead(conversation: number): void {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
    const c = this.convs()[conversation];
    if (!c || !c.loaded || !this.welcomed) return;
    const seq = Math.max(c.synced, c.info.last_seq);
    const already = Math.max(this.readSent.get(conversation) ?? 0, c.info.read_seq);
    if (seq <= already) return;
    this.readSent.set(conversation, seq);
    this.patchConv(conversation, (x) => ({ ...x, info: { ...x.info, read_seq: Math.max(x.info.read_seq, seq) } }));
    this.request({ type: 'read', conversation, seq }).catch(() => this.readSent.delete(conversation));
  }

  async searchUsers(prefix: string): Promise<UserRef[]> {
    if (!prefix.trim()) return [];
    const f = await this.request({ type: 'search_users', prefix: prefix.trim(), limit: 20 });
    return ((f['users'] as UserRef[]) ?? []).filter((u) => u.id !== this.uid);
  }

  async openDirect(username: string): Promise<number> {
    const f = await this.request({ type: 'open_direct', username });
    return this.takeConversation(f);
  }

  async createGroup(title: string, members: string[]): Promise<number> {
    const f = await this.request({ type: 'create_group', title, members });
    return this.takeConversation(f);
  }

  async addMember(conversation: number, username: string): Promise<void> {
    const f = await this.request({ type: 'add_member', conversation, username });
    this.takeConversation(f);
  }

  async removeMember(conversation: number, username: string): Promise<void> {
    const f = await this.request({ type: 'remove_member', conversation, username });
    this.takeConversation(f);
  }

  async leave(conversation: number): Promise<void> {
    await this.request({ type: 'leave', conversation });
    this.convs.update((all) => {
      const next = { ...all };
      delete next[conversation];
      return next;
    });
  }

  private takeConversation(f: ServerFrame): number {
    const raw = f['conversation'] as Record<string, unknown>;
    const info = toConversation(raw);
    this.mergeInfo(info);
    return info.id;
  }

  // ---------------------------------------------------------------- drafts & helpers

  setDraft(conversation: number, text: string): void {
    this.drafts.update((d) => {
      const next = { ...d };
      if (text) next[conversation] = text;
      else delete next[conversation];
      return next;
    });
    this.save('drafts', this.drafts());
  }

  titleOf(c: Conv | undefined): string {
    if (!c) return '';
    if (c.info.kind === 'direct') {
      const other = c.info.members.find((m) => m.id !== this.uid);
      return other?.username ?? c.info.title ?? 'Direct message';
    }
    if (c.info.title) return c.info.title;
    const names = c.info.members.filter((m) => m.id !== this.uid).map((m) => m.username);
    return names.length ? names.join(', ') : 'Group';
  }

  /** The other member of a direct conversation (for the presence dot). */
  peerOf(c: Conv): UserRef | null {
    if (c.info.kind !== 'direct') return null;
    return c.info.members.find((m) => m.id !== this.uid) ?? null;
  }

  /**
   * last_seq - read_seq, except that when we hold every event in that range we count only
   * messages from others (membership events and our own messages are not "unread").
   */
  unread(c: Conv): number {
    const gap = c.info.last_seq - c.info.read_seq;
    if (gap <= 0) return 0;
    const known = c.events.filter((e) => e.seq! > c.info.read_seq);
    if (!c.loaded && known.length < gap) return gap;
    return known.filter((e) => e.kind === 'message' && e.sender.id !== this.uid).length;
  }

  private key(name: string): string {
    return `chatd.${name}.${this.uid}`;
  }

  private load<T>(name: string, fallback: T): T {
    try {
      const raw = localStorage.getItem(this.key(name));
      return raw ? (JSON.parse(raw) as T) : fallback;
    } catch {
      return fallback;
    }
  }

  private save(name: string, value: unknown): void {
    try {
      localStorage.setItem(this.key(name), JSON.stringify(value));
    } catch {
      /* storage full or disabled: keep in memory only */
    }
  }

  private saveOutbox(): void {
    this.save('outbox', this.outbox());
  }
}
