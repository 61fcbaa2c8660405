import { Injectable, signal } from '@angular/core';
import { ErrorFrame, PROTOCOL_VERSION, ServerFrame } from './protocol';

export type ConnStatus = 'offline' | 'connecting' | 'online' | 'reconnecting';

export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (f: ServerFrame) => void;
  reject: (e: RequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** What the socket tells its owner. */
export interface SocketHandler {
  /** hello answered: `reconnect` is false on the first connection of this start(). */
  welcomed(reconnect: boolean): Promise<void>;
  /** Every server frame, replies included (after their request settled). */
  frame(f: ServerFrame): void;
  /** The server refused our protocol version. */
  outdated(): void;
  /** The socket closed in a way that may mean the session is gone; resolve false to stop. */
  stillSignedIn(): Promise<boolean>;
}

const REQUEST_TIMEOUT_MS = 15_000;
const BACKOFF_BASE_MS = 400;
const BACKOFF_CAP_MS = 15_000;
const PING_EVERY_MS = 25_000;
const STABLE_AFTER_MS = 30_000;

/**
 * The WebSocket transport: one connection per tab, hello first, request/reply matched by id with a
 * timeout, exponential backoff with full jitter, a ping that drops half-open sockets. It knows
 * nothing about conversations.
 */
@Injectable({ providedIn: 'root' })
export class ChatSocket {
  readonly status = signal<ConnStatus>('offline');
  /** The browser says it has no network (navigator.onLine and the online/offline events). */
  readonly networkDown = signal(typeof navigator !== 'undefined' && navigator.onLine === false);

  private handler: SocketHandler | null = null;
  private ws: WebSocket | null = null;
  private welcomedFlag = false;
  private everConnected = false;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private nextId = 1;
  private pending = new Map<string, Pending>();

  constructor() {
    if (typeof window === 'undefined') return;
    window.addEventListener('online', () => {
      this.networkDown.set(false);
      this.reconnectNow();
    });
    window.addEventListener('offline', () => {
      this.networkDown.set(true);
      // The socket may linger half-open for a long time: drop it so the state says what is true.
      this.ws?.close();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
  }

  /** Connected and past hello: requests may be sent. */
  get welcomed(): boolean {
    return this.welcomedFlag;
  }

  start(handler: SocketHandler): void {
    this.stop();
    this.handler = handler;
    this.stopped = false;
    this.everConnected = false;
    this.attempt = 0;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.reconnectTimer = this.pingTimer = this.stableTimer = null;
    const ws = this.ws;
    this.ws = null;
    this.welcomedFlag = false;
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
  }

  setOnline(): void {
    this.status.set('online');
  }

  request(frame: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ServerFrame> {
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

  private connect(): void {
    if (this.stopped) return;
    this.reconnectTimer = null;
    this.welcomedFlag = false;
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
      if (e instanceof RequestError && e.code === 'unsupported_version') this.handler?.outdated();
      ws.close();
      return;
    }
    if (this.ws !== ws) return;
    this.welcomedFlag = true;
    this.networkDown.set(false);
    // Forgive the backoff only once the connection proves stable (a server that accepts and then
    // drops us at once must not be hammered); a quick first retry stays cheap either way.
    this.attempt = Math.min(this.attempt, 2);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => {
      if (this.ws === ws && this.welcomedFlag) this.attempt = 0;
    }, STABLE_AFTER_MS);
    this.startPing();
    const reconnect = this.everConnected;
    this.everConnected = true;
    try {
      await this.handler?.welcomed(reconnect);
    } catch {
      // The socket failed mid-resync: onClose schedules the next attempt.
    }
  }

  private onClose(code: number): void {
    const wasWelcomed = this.welcomedFlag;
    this.ws = null;
    this.welcomedFlag = false;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.failAllPending('disconnected');
    if (this.stopped) return;
    this.status.set(this.everConnected ? 'reconnecting' : 'connecting');
    if (code === 4001 || (!wasWelcomed && this.attempt >= 1 && !this.networkDown())) {
      // Maybe the session is gone (revoked, expired): ask the HTTP API before hammering /ws.
      const h = this.handler;
      if (!h) return;
      void h.stillSignedIn().then(
        (yes) => {
          if (!yes) this.stop();
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
      if (!ws || !this.welcomedFlag) return;
      this.request({ type: 'ping' }, 10_000).catch((e: RequestError) => {
        // A silent half-open socket: drop it and reconnect.
        if (e.code === 'timeout' && this.ws === ws) ws.close();
      });
    }, PING_EVERY_MS);
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
    this.handler?.frame(f);
    const ref = typeof f.ref === 'string' ? f.ref : undefined;
    if (!ref) return;
    const p = this.pending.get(ref);
    if (!p) return;
    this.pending.delete(ref);
    clearTimeout(p.timer);
    if (f.type === 'error') {
      const e = f as unknown as ErrorFrame;
      p.reject(new RequestError(e.code, e.message));
    } else p.resolve(f);
  }
}
