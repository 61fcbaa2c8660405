import { Injectable, computed, inject, signal } from '@angular/core';
import { Attachment, attachmentSummary } from './attachments';
import { AuthService } from './auth.service';
import { ChatSocket, RequestError } from './chat.socket';
import { ChatStore } from './chat.store';
import { Conv, conversationList, errorText, sendOutcome, titleOf, toMsg, unread } from './chat.reducers';
import { ListLoader } from './list-loader';
import { isChange } from './message-changes';
import { Notifier } from './notifier';
import { Outbox, loadJson, saveJson } from './outbox';
import { plainText } from './rich';
import {
  ConversationInfo,
  LIMITS,
  RETRYABLE,
  SearchHit,
  ServerFrame,
  hasMessageChanges,
  SyncPosition,
  UserRef,
  newClientMsgId,
  toConversation,
  toEvent,
  toSearchHit,
  toUser,
} from './protocol';

export type { ConnStatus } from './chat.socket';
export { RequestError } from './chat.socket';
export type { Conv, Msg, MsgStatus, OutMsg } from './chat.reducers';

const TYPING_SEND_EVERY_MS = 3_000;
const TYPING_SHOW_MS = 6_000;
/** Conversations kept in localStorage for a start without network. */
const CACHED_CONVERSATIONS = 200;

/**
 * The chat client: wires the socket (transport), the store (state) and the outbox (unsent
 * messages). On connect: list_conversations; on reconnect, sync from the last seq we hold per
 * conversation (the gap is replayed before sync_done), then resend every unacknowledged message
 * with its original client_msg_id, so nothing is lost or doubled.
 */
@Injectable({ providedIn: 'root' })
export class ChatService {
  private readonly auth = inject(AuthService);
  private readonly socket = inject(ChatSocket);
  private readonly store = inject(ChatStore);
  private readonly box = inject(Outbox);
  private readonly notifier = inject(Notifier);
  /** Navigates to a conversation (set by the app shell; used by notification clicks). */
  open: (id: number) => void = () => undefined;

  readonly status = this.socket.status;
  readonly networkDown = this.socket.networkDown;
  readonly convs = this.store.convs;
  readonly outbox = this.box.items;
  readonly presence = this.store.presence;
  readonly typing = this.store.typing;
  readonly listed = this.store.listed;
  readonly totalUnread = this.store.totalUnread;
  readonly drafts = signal<Record<number, string>>({});
  /** The server takes edits, deletes, reactions and replies (issue 11): else the UI offers none. */
  readonly changes = signal(false);
  /** Text for the polite live region (new messages). */
  readonly announcement = signal('');
  /** The conversation on screen, if any (set by the message view). */
  readonly activeId = signal<number | null>(null);

  readonly me = computed(() => this.auth.user() ?? null);
  /**
   * Profiles (avatar colour and image) by user id: everyone who shares a conversation with us and
   * ourselves, from get_profiles after each welcome, kept current by profile pushes.
   */
  readonly profiles = signal<Record<number, UserRef>>({});
  /** Our own profile (the signed-in user with avatar fields when the server has them). */
  readonly myProfile = computed(() => {
    const me = this.me();
    return me ? (this.profiles()[me.id] ?? me) : null;
  });

  /** Conversations, most recent activity first. */
  readonly conversationList = computed(() => conversationList(this.convs(), this.outbox()));

  private stopped = true;
  private typingTimer: ReturnType<typeof setInterval> | null = null;
  private relistTimer: ReturnType<typeof setTimeout> | null = null;
  private lastTypingSent = new Map<number, number>();
  private readSent = new Map<number, number>();
  private resyncing = false;
  private uid = 0;
  /** Every page of list_conversations, one listing at a time (see ListLoader). */
  private readonly lists = new ListLoader(
    (cursor) => this.listPage(cursor),
    (list, keep) => {
      this.store.list(list, keep);
      saveJson(this.key('convs'), list.slice(0, CACHED_CONVERSATIONS));
    },
  );

  constructor() {
    if (typeof document === 'undefined') return;
    document.addEventListener('visibilitychange', () => {
      const id = this.activeId();
      if (document.visibilityState === 'visible' && id !== null) this.markRead(id);
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** Connects for the signed-in user (idempotent). */
  start(user: UserRef): void {
    if (!this.stopped && this.uid === user.id) return;
    this.stop();
    this.uid = user.id;
    this.stopped = false;
    this.store.reset(user.id);
    this.box.open(user.id);
    this.drafts.set(loadJson<Record<number, string>>(this.key('drafts'), {}));
    // The last list seen here: the app shows it at once (and offline) until the server answers.
    const cached = loadJson<ConversationInfo[] | null>(this.key('convs'), null);
    if (Array.isArray(cached)) this.store.list(cached);
    this.typingTimer = setInterval(() => this.store.pruneTyping(Date.now()), 1000);
    this.socket.start({
      welcomed: (reconnect) => this.onWelcome(reconnect),
      frame: (f) => this.onFrame(f),
      outdated: () => this.announcement.set('This app is out of date. Reload the page.'),
      stillSignedIn: async () => !!(await this.auth.refresh()),
    });
  }

  /** Explicit sign-out on this device: drop this user's drafts and unsent messages from storage. */
  /** Signs this device out: local state forgotten, socket stopped, session ended (best effort). */
  async signOut(): Promise<void> {
    this.forgetLocal();
    this.stop();
    try {
      await this.auth.logout();
    } catch {
      /* signed out locally anyway */
    }
  }

  forgetLocal(): void {
    try {
      localStorage.removeItem(this.key('drafts'));
      localStorage.removeItem(this.key('convs'));
    } catch {
      /* storage disabled */
    }
    this.box.forget();
    this.drafts.set({});
  }

  /** Disconnects and forgets everything in memory. Drafts/outbox stay in storage per user. */
  stop(): void {
    this.stopped = true;
    this.lists.reset();
    this.socket.stop();
    if (this.typingTimer) clearInterval(this.typingTimer);
    this.typingTimer = null;
    this.store.reset(0);
    this.profiles.set({});
    this.activeId.set(null);
    this.readSent.clear();
  }

  private async onWelcome(reconnect: boolean): Promise<void> {
    this.resyncing = true;
    try {
      if (reconnect) await this.resync();
      await this.listConversations();
    } finally {
      this.resyncing = false;
    }
    void this.loadProfiles();
    this.socket.setOnline();
    this.resendOutbox();
    const active = this.activeId();
    if (active !== null) {
      const c = this.store.conv(active);
      if (c && !c.loaded) void this.loadNewest(active);
      this.markRead(active);
    }
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'event':
        this.onEvent(f, !this.resyncing);
        break;
      case 'ack':
        this.onAck(f);
        break;
      case 'typing': {
        const u = f['user'] as UserRef;
        if (u && u.id !== this.uid) this.store.typingOf(Number(f['conversation']), u, Date.now() + TYPING_SHOW_MS);
        break;
      }
      case 'read': {
        const u = f['user'] as UserRef;
        if (u) this.store.read(Number(f['conversation']), u, Number(f['seq']));
        break;
      }
      case 'presence': {
        const u = f['user'] as UserRef;
        if (u) this.store.presenceOf(u, !!f['online']);
        break;
      }
      case 'profile': {
        const u = toUser(f['user']);
        if (u) this.profiles.update((p) => ({ ...p, [u.id]: u }));
        break;
      }
      case 'conversation': {
        // Also pushed unsolicited when someone adds us to a conversation.
        const raw = f['conversation'] as Record<string, unknown> | undefined;
        if (raw) this.takeInfo(toConversation(raw));
        break;
      }
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- state updates

  private listConversations(): Promise<void> {
    return this.lists.load();
  }

  /** Loads the whole conversation list again (a search hit in a conversation not listed yet). */
  refreshList(): Promise<void> {
    return this.socket.welcomed ? this.listConversations() : Promise.resolve();
  }

  private async listPage(cursor: string | undefined): Promise<{ list: ConversationInfo[]; next: string | null }> {
    const f = await this.socket.request({ type: 'list_conversations', ...(cursor ? { cursor } : {}) }, 30_000);
    const raw = (f['conversations'] as Record<string, unknown>[]) ?? [];
    if (raw.length) this.changes.set(raw.some(hasMessageChanges));
    return { list: raw.map(toConversation), next: typeof f['next_cursor'] === 'string' ? f['next_cursor'] : null };
  }

  private scheduleRelist(): void {
    if (this.relistTimer) return;
    this.relistTimer = setTimeout(() => {
      this.relistTimer = null;
      if (this.socket.welcomed) void this.listConversations().catch(() => undefined);
    }, 150);
  }

  /** Reconnect: ask for everything after what we hold; events arrive before sync_done. */
  private async resync(): Promise<void> {
    const positions: SyncPosition[] = Object.values(this.convs()).map((c) => ({
      conversation: c.info.id,
      last_seq: c.loaded ? c.synced : c.info.last_seq,
    }));
    if (positions.length === 0) return;
    const f = await this.socket.request({ type: 'sync', positions }, 30_000);
    // If the server reached further than what it replayed (a capped gap), fetch the rest.
    for (const p of (f['positions'] as SyncPosition[]) ?? []) {
      const c = this.store.conv(p.conversation);
      if (c && c.loaded && p.last_seq > c.synced) void this.fillGap(c.info.id, c.synced);
    }
  }

  private onEvent(raw: ServerFrame, live: boolean): void {
    const e = toEvent(raw);
    this.lists.touch(e.conversation);
    const res = this.store.event(e);
    // Membership and group changes alter the list's metadata; changes to a message do not.
    if (res.unknown || (e.kind !== 'message' && !isChange(e.kind))) this.scheduleRelist();
    // Someone new in a conversation: their avatar too.
    if (e.kind === 'member_added' && e.subject && !this.profiles()[e.subject.id]) this.scheduleProfiles();
    if (res.gapFrom !== null) void this.fillGap(e.conversation, res.gapFrom);
    if (e.sender.id === this.uid && e.client_msg_id) this.box.drop(e.client_msg_id);
    if (live && !res.duplicate && e.sender.id !== this.uid && e.kind === 'message') {
      const title = this.titleOf(this.store.conv(e.conversation));
      this.announcement.set(
        this.activeId() === e.conversation
          ? `${e.sender.username}: ${e.body || attachmentSummary(e.attachments)}`
          : `New message from ${e.sender.username} in ${title}`,
      );
      const c = this.store.conv(e.conversation);
      const where = c?.info.kind === 'group' ? ` in ${title}` : '';
      this.notifier.show(e.conversation, `${e.sender.username}${where}`, (plainText(e.body) || attachmentSummary(e.attachments)).slice(0, 200), () =>
        this.open(e.conversation),
      );
    }
    if (this.activeId() === e.conversation) this.markRead(e.conversation);
  }

  private onAck(f: ServerFrame): void {
    const cmid = String(f['client_msg_id'] ?? '');
    const item = this.box.find(cmid);
    if (!item) return;
    const seq = Number(f['seq']);
    const ts = Number(f['ts'] ?? item.ts);
    this.store.ack(item, seq, ts, this.me() ?? { id: this.uid, username: '' });
    this.box.drop(cmid);
    if (this.activeId() === item.conversation) this.markRead(item.conversation);
  }

  // ---------------------------------------------------------------- history

  private async history(req: Record<string, unknown>): Promise<{ events: ReturnType<typeof toEvent>[]; more: boolean }> {
    const f = await this.socket.request({ type: 'history', ...req });
    return { events: ((f['events'] as Record<string, unknown>[]) ?? []).map(toEvent), more: !!f['has_more'] };
  }

  /** Loads the newest page of a conversation (first open). */
  async loadNewest(id: number): Promise<void> {
    const c = this.store.conv(id);
    if (!c || c.loading || c.loaded || !this.socket.welcomed) return;
    this.store.loading(id, true);
    try {
      const h = await this.history({ conversation: id, limit: 50 });
      this.store.newest(id, h.events.map(toMsg), h.more);
      this.markRead(id);
    } catch {
      this.store.loading(id, false);
    }
  }

  /** Loads one page older than the oldest event we hold (scrolling up). */
  async loadOlder(id: number, limit = 50): Promise<boolean> {
    const c = this.store.conv(id);
    if (!c || c.loading || !c.loaded || !c.hasMore || !this.socket.welcomed) return false;
    const before = c.events.length ? c.events[0].seq! : c.synced + 1;
    this.store.loading(id, true);
    try {
      const h = await this.history({ conversation: id, before, limit });
      this.store.older(id, h.events.map(toMsg), h.more);
      return h.events.length > 0;
    } catch {
      this.store.loading(id, false);
      return false;
    }
  }

  /** Fetches events after `from` until caught up (a gap seen in the live stream). */
  private async fillGap(id: number, from: number): Promise<void> {
    let after = from;
    for (let i = 0; i < 20; i++) {
      let h;
      try {
        h = await this.history({ conversation: id, after, limit: LIMITS.maxHistoryLimit });
      } catch {
        return;
      }
      if (h.events.length === 0) return;
      for (const e of h.events) if (e.sender.id === this.uid) this.box.drop(e.client_msg_id);
      this.store.after(id, h.events.map(toMsg));
      if (!h.more) return;
      after = h.events[h.events.length - 1].seq;
    }
  }

  // ---------------------------------------------------------------- sending

  send(conversation: number, text: string, replyTo?: number, attachments?: Attachment[]): void {
    const body = text.replace(/\s+$/u, '');
    if (!body.trim() && !attachments?.length) return;
    const item = this.box.add(conversation, body.trim() ? body : '', Date.now(), replyTo, attachments);
    if (item.status === 'pending') this.transmit(item.client_msg_id);
  }

  /** Sends again with the same client_msg_id: the server answers a duplicate with the original ack. */
  retry(cmid: string): void {
    if (!this.box.find(cmid)) return;
    this.box.setStatus(cmid, 'pending');
    this.transmit(cmid);
  }

  discard(cmid: string): void {
    this.box.drop(cmid);
  }

  private transmit(cmid: string): void {
    const item = this.box.find(cmid);
    if (!item || item.status !== 'pending') return;
    if (!this.socket.welcomed || this.resyncing) return; // resent after (re)connect
    this.socket
      .request({
        type: 'send',
        conversation: item.conversation,
        client_msg_id: cmid,
        body: item.body,
        ...(item.reply_to ? { reply_to: item.reply_to } : {}),
        ...(item.attachments?.length ? { attachments: item.attachments.map((a) => a.id) } : {}),
      })
      .catch((e: RequestError) => {
        const online = !this.networkDown() && this.socket.welcomed;
        switch (sendOutcome(e.code, RETRYABLE, online)) {
          case 'wait':
            return; // stays pending; resent after reconnect
          case 'retry':
            // rate_limited / unavailable: try again shortly with the same id.
            setTimeout(() => this.transmit(cmid), 1000 + Math.random() * 2000);
            return;
          case 'failed':
            this.box.setStatus(cmid, 'failed', errorText(e.code, e.message));
        }
      });
  }

  private resendOutbox(): void {
    for (const item of this.box.pending()) {
      if (this.store.conv(item.conversation)) this.transmit(item.client_msg_id);
      // The conversation is gone from our list (we were removed): say so instead of waiting.
      else this.box.setStatus(item.client_msg_id, 'failed', 'You are no longer in this conversation');
    }
  }

  // ---------------------------------------------------------------- changes to messages, groups

  /**
   * A change to a message (edit_message, delete_message, react, unreact): one client_msg_id for
   * the change and its retries, so a retry after a lost answer is not applied twice. The change
   * shows when its event comes back (to every device and member alike).
   */
  async change(frame: { type: string; conversation: number; target: number; body?: string; emoji?: string }): Promise<void> {
    const req = { ...frame, client_msg_id: newClientMsgId() };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.socket.request(req);
        return;
      } catch (e) {
        const err = e as RequestError;
        if (attempt >= 2 || !(RETRYABLE.has(err.code) || err.code === 'timeout') || err.code === 'internal') throw err;
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
      }
    }
  }

  edit(conversation: number, target: number, body: string): Promise<void> {
    return this.change({ type: 'edit_message', conversation, target, body: body.replace(/\s+$/u, '') });
  }

  deleteMessage(conversation: number, target: number): Promise<void> {
    return this.change({ type: 'delete_message', conversation, target });
  }

  react(conversation: number, target: number, emoji: string, on: boolean): Promise<void> {
    return this.change({ type: on ? 'react' : 'unreact', conversation, target, emoji });
  }

  /** Profiles of everyone we share a conversation with (servers without profiles: none). */
  async loadProfiles(): Promise<void> {
    if (!this.socket.welcomed) return;
    try {
      const f = await this.socket.request({ type: 'get_profiles' });
      const next: Record<number, UserRef> = {};
      for (const raw of (f['users'] as unknown[]) ?? []) {
        const u = toUser(raw);
        if (u) next[u.id] = u;
      }
      this.profiles.set(next);
    } catch {
      /* an older server (unknown_type) or a busy one: initials and derived colours remain */
    }
  }

  private profilesTimer: ReturnType<typeof setTimeout> | null = null;
  private scheduleProfiles(): void {
    if (this.profilesTimer) return;
    this.profilesTimer = setTimeout(() => {
      this.profilesTimer = null;
      void this.loadProfiles();
    }, 300);
  }

  /** A user's profile as far as we know it (their UserRef when we have no profile). */
  profileOf(u: UserRef): UserRef {
    return this.profiles()[u.id] ?? u;
  }

  /** Sets our avatar colour ("#rrggbb" or "") and/or image id (or "" to remove it). */
  async setProfile(fields: { avatar_color?: string; avatar?: string }): Promise<void> {
    const f = await this.socket.request({ type: 'set_profile', ...fields });
    const u = toUser(((f['users'] as unknown[]) ?? [])[0]);
    if (u) this.profiles.update((p) => ({ ...p, [u.id]: u }));
  }

  async updateGroup(conversation: number, fields: { title?: string; description?: string; avatar_color?: string; avatar?: string }): Promise<void> {
    this.takeConversation(await this.socket.request({ type: 'update_group', conversation, ...fields }));
  }

  async setRole(conversation: number, username: string, role: 'admin' | 'member' | 'owner'): Promise<void> {
    this.takeConversation(await this.socket.request({ type: 'set_role', conversation, username, role }));
  }

  /** One page of message search over the user's conversations, newest first. */
  async searchMessages(query: string, cursor?: string): Promise<{ hits: SearchHit[]; next: string | null }> {
    const f = await this.socket.request({ type: 'search', query, limit: 20, ...(cursor ? { cursor } : {}) });
    const hits = ((f['hits'] as Record<string, unknown>[]) ?? []).map(toSearchHit);
    return { hits, next: typeof f['next_cursor'] === 'string' ? f['next_cursor'] : null };
  }

  /**
   * Loads older pages until the message `seq` is held (a jump to a quoted message, a search hit,
   * a link); false when it cannot be reached (gone, or too far: 40 pages of 200).
   */
  async reach(id: number, seq: number): Promise<boolean> {
    for (let i = 0; i < 40; i++) {
      const c = this.store.conv(id);
      if (!c) return false;
      if (c.loading) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (!c.loaded) {
        await this.loadNewest(id);
        if (!this.store.conv(id)?.loaded) return false;
        continue;
      }
      if (c.events.length && c.events[0].seq! <= seq) return c.events.some((e) => e.seq === seq);
      if (!c.hasMore || !(await this.loadOlder(id, LIMITS.maxHistoryLimit))) return false;
    }
    return false;
  }

  // ---------------------------------------------------------------- other requests

  typingNow(conversation: number): void {
    const now = Date.now();
    if (now - (this.lastTypingSent.get(conversation) ?? 0) < TYPING_SEND_EVERY_MS) return;
    if (!this.socket.welcomed) return;
    this.lastTypingSent.set(conversation, now);
    this.socket.request({ type: 'typing', conversation }).catch(() => undefined);
  }

  /** Tells the server we have seen everything up to the newest event (when it is on screen). */
  markRead(conversation: number): void {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
    const c = this.store.conv(conversation);
    if (!c || !c.loaded || !this.socket.welcomed) return;
    const seq = Math.max(c.synced, c.info.last_seq);
    const already = Math.max(this.readSent.get(conversation) ?? 0, c.info.read_seq);
    if (seq <= already) return;
    this.readSent.set(conversation, seq);
    this.store.markRead(conversation, seq);
    this.socket.request({ type: 'read', conversation, seq }).catch(() => this.readSent.delete(conversation));
  }

  async searchUsers(prefix: string): Promise<UserRef[]> {
    if (!prefix.trim()) return [];
    const f = await this.socket.request({ type: 'search_users', prefix: prefix.trim(), limit: 20 });
    return ((f['users'] as UserRef[]) ?? []).filter((u) => u.id !== this.uid);
  }

  async openDirect(username: string): Promise<number> {
    return this.takeConversation(await this.socket.request({ type: 'open_direct', username }));
  }

  async createGroup(title: string, members: string[]): Promise<number> {
    return this.takeConversation(await this.socket.request({ type: 'create_group', title, members }));
  }

  async addMember(conversation: number, username: string): Promise<void> {
    this.takeConversation(await this.socket.request({ type: 'add_member', conversation, username }));
  }

  async removeMember(conversation: number, username: string): Promise<void> {
    this.takeConversation(await this.socket.request({ type: 'remove_member', conversation, username }));
  }

  async leave(conversation: number): Promise<void> {
    await this.socket.request({ type: 'leave', conversation });
    this.store.remove(conversation);
  }

  private takeConversation(f: ServerFrame): number {
    const raw = f['conversation'] as Record<string, unknown>;
    if (hasMessageChanges(raw)) this.changes.set(true);
    return this.takeInfo(toConversation(raw));
  }

  private takeInfo(info: ConversationInfo): number {
    this.lists.touch(info.id);
    this.store.info(info);
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
    saveJson(this.key('drafts'), this.drafts());
  }

  titleOf(c: Conv | undefined): string {
    return titleOf(c, this.uid);
  }

  /** What a conversation's avatar shows: a group's own colour and picture, a direct peer's. */
  avatarOf(c: Conv): { color?: string; image?: string } {
    if (c.info.kind === 'group') return { color: c.info.avatar_color, image: c.info.avatar };
    const peer = this.peerOf(c);
    const p = peer ? this.profileOf(peer) : null;
    return { color: p?.avatar_color, image: p?.avatar };
  }

  /** The other member of a direct conversation (for the presence dot). */
  peerOf(c: Conv): UserRef | null {
    if (c.info.kind !== 'direct') return null;
    return c.info.members.find((m) => m.id !== this.uid) ?? null;
  }

  unread(c: Conv): number {
    return unread(c, this.uid);
  }

  private key(name: string): string {
    return `chatd.${name}.${this.uid}`;
  }
}
