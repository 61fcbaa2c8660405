// Pure state transitions of the chat client: (state, input) -> new state, no Angular, no socket,
// no storage, no clock (callers pass `now`). The store applies them to its signals; the unit tests
// in web/unit/ drive them event by event.
import { Attachment } from './attachments';
import { ChatEvent, ConversationInfo, UserRef } from './protocol';

export type MsgStatus = 'pending' | 'sent' | 'failed';

/** The issue-11 fields an event may carry (see ChatEvent). */
type EventExtras = Pick<ChatEvent, 'target' | 'reply_to' | 'mentions' | 'emoji' | 'role' | 'edited_ts' | 'deleted' | 'reactions' | 'attachments'>;

/** A message or membership event as the view shows it. */
export interface Msg extends EventExtras {
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
  /** The seq of the message this one replies to. */
  reply_to?: number;
  /** Files uploaded for it (the ids go with the send). */
  attachments?: Attachment[];
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

export type Convs = Record<number, Conv>;
export type Typing = Record<number, Record<number, { username: string; until: number }>>;

// ---------------------------------------------------------------- conversations

export function emptyConv(info: ConversationInfo): Conv {
  return { info, events: [], loaded: false, loading: false, hasMore: true, synced: 0, readBy: {} };
}

export function patchConv(all: Convs, id: number, fn: (c: Conv) => Conv): Convs {
  const c = all[id];
  return c ? { ...all, [id]: fn(c) } : all;
}

/** Merges conversation metadata from list_conversations / conversation frames (never moves back). */
export function mergeInfo(all: Convs, info: ConversationInfo): Convs {
  const old = all[info.id];
  if (!old) return { ...all, [info.id]: emptyConv(info) };
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
        unread: info.unread,
        last_event: lastEvent,
      },
    },
  };
}

/**
 * The full list from list_conversations: conversations we were removed from disappear, except those
 * in `keep` (seen live after the list was read: a list that lacks them is older than they are).
 */
export function applyList(all: Convs, list: ConversationInfo[], keep: ReadonlySet<number> = new Set()): Convs {
  const ids = new Set(list.map((c) => c.id));
  let next: Convs = {};
  for (const [k, v] of Object.entries(all)) if (ids.has(Number(k)) || keep.has(Number(k))) next[Number(k)] = v;
  for (const c of list) next = mergeInfo(next, c);
  return next;
}

export function removeConv(all: Convs, id: number): Convs {
  if (!all[id]) return all;
  const next = { ...all };
  delete next[id];
  return next;
}

export function toMsg(e: ChatEvent): Msg {
  const { conversation: _c, event_id: _e, ...rest } = e;
  return { ...rest, key: `s${e.seq}`, status: 'sent' };
}

/** Inserts confirmed events into a sorted, de-duplicated list (the first copy of a seq wins). */
export function mergeEvents(list: Msg[], add: Msg[]): Msg[] {
  if (add.length === 0) return list;
  const last = list.length ? list[list.length - 1].seq! : 0;
  // The common case, one new event after the newest: append without re-sorting.
  if (add.length === 1 && add[0].seq! > last) return [...list, add[0]];
  const bySeq = new Map<number, Msg>();
  for (const m of list) bySeq.set(m.seq!, m);
  for (const m of add) if (!bySeq.has(m.seq!)) bySeq.set(m.seq!, m);
  return [...bySeq.values()].sort((a, b) => a.seq! - b.seq!);
}

export interface EventResult {
  convs: Convs;
  /** The conversation had a gap before this event: fetch history after this seq. */
  gapFrom: number | null;
  /** The event was already held (a replay or a duplicate delivery). */
  duplicate: boolean;
  /** The conversation was not known before (list it again). */
  unknown: boolean;
}

/** A live or replayed event; the server-counted unread grows only by messages from others. */
export function applyEvent(all: Convs, e: ChatEvent, me: number): EventResult {
  let convs = all;
  const unknown = !convs[e.conversation];
  if (unknown) {
    // A conversation we have not listed yet (someone just opened a DM or added us).
    convs = mergeInfo(convs, {
      id: e.conversation,
      kind: 'group',
      title: '',
      members: [],
      last_seq: e.seq,
      last_event: e,
      read_seq: 0,
    });
  }
  const c = convs[e.conversation];
  const duplicate = c.events.some((m) => m.seq === e.seq);
  const gapFrom = c.loaded && e.seq > c.synced + 1 ? c.synced : null;
  const info = { ...c.info, last_seq: Math.max(c.info.last_seq, e.seq) };
  if (!info.last_event || e.seq >= info.last_event.seq) info.last_event = e;
  if (!duplicate && e.seq > c.info.last_seq && info.unread !== undefined && isUnreadFor(e, me)) info.unread += 1;
  if (!duplicate && e.seq > c.info.last_seq && isUnreadFor(e, me) && e.mentions?.some((u) => u.id === me))
    info.unread_mentions = (info.unread_mentions ?? 0) + 1;
  convs = {
    ...convs,
    [e.conversation]: {
      ...c,
      info,
      events: mergeEvents(c.events, [toMsg(e)]),
      synced: gapFrom === null ? Math.max(c.synced, e.seq) : c.synced,
    },
  };
  return { convs, gapFrom, duplicate, unknown };
}

/** Whether an event counts as unread for `me`: a message from someone else. */
export function isUnreadFor(e: { kind: string; sender: UserRef }, me: number): boolean {
  return e.kind === 'message' && e.sender.id !== me;
}

/** Our own message acknowledged: it joins the confirmed list (loaded conversations only). */
export function applyAck(all: Convs, item: OutMsg, seq: number, ts: number, me: UserRef): Convs {
  return patchConv(all, item.conversation, (c) => {
    const msg: Msg = {
      key: `s${seq}`,
      seq,
      kind: 'message',
      sender: me,
      body: item.body,
      ts,
      client_msg_id: item.client_msg_id,
      status: 'sent',
      ...(item.reply_to ? { reply_to: item.reply_to } : {}),
      ...(item.attachments?.length ? { attachments: item.attachments } : {}),
    };
    const info = { ...c.info, last_seq: Math.max(c.info.last_seq, seq) };
    if (!info.last_event || seq >= info.last_event.seq) {
      info.last_event = {
        conversation: c.info.id,
        seq,
        event_id: '',
        kind: 'message',
        sender: me,
        client_msg_id: item.client_msg_id,
        body: item.body,
        ts,
      };
    }
    // Only loaded conversations keep a contiguous list; others just update the preview.
    return { ...c, info, events: c.loaded ? mergeEvents(c.events, [msg]) : c.events };
  });
}

/** A read frame: ours moves read_seq (another device read it), others' feed "Read" receipts. */
export function applyRead(all: Convs, conv: number, user: UserRef, seq: number, me: number): Convs {
  return patchConv(all, conv, (c) =>
    user.id === me ? markReadUpTo(c, seq) : { ...c, readBy: { ...c.readBy, [user.id]: Math.max(c.readBy[user.id] ?? 0, seq) } },
  );
}

export function markReadUpTo(c: Conv, seq: number): Conv {
  if (seq <= c.info.read_seq) return c;
  // Read to the end: nothing unread; read part-way (on another device): unknown until counted.
  const all = seq >= c.info.last_seq;
  return { ...c, info: { ...c.info, read_seq: seq, unread: all ? 0 : undefined, unread_mentions: all ? 0 : c.info.unread_mentions } };
}

/** The newest page arrived (first open). */
export function applyNewest(c: Conv, events: Msg[], hasMore: boolean): Conv {
  const merged = mergeEvents(c.events, events);
  const top = merged.length ? merged[merged.length - 1].seq! : 0;
  return {
    ...c,
    events: merged,
    loaded: true,
    loading: false,
    hasMore,
    synced: Math.max(c.synced, top),
    info: { ...c.info, last_seq: Math.max(c.info.last_seq, top) },
  };
}

/** An older page arrived (scrolling up). */
export function applyOlder(c: Conv, events: Msg[], hasMore: boolean): Conv {
  return { ...c, events: mergeEvents(c.events, events), loading: false, hasMore: hasMore && events.length > 0 };
}

/** Events after `synced` arrived (filling a gap). */
export function applyAfter(c: Conv, events: Msg[]): Conv {
  if (events.length === 0) return c;
  const top = events[events.length - 1].seq!;
  return {
    ...c,
    events: mergeEvents(c.events, events),
    synced: Math.max(c.synced, top),
    info: { ...c.info, last_seq: Math.max(c.info.last_seq, top) },
  };
}

/**
 * Unread messages: what the server counted (messages from others after read_seq) while we hold
 * no better knowledge; once the events after read_seq are all loaded, counted here the same way.
 */
export function unread(c: Conv, me: number): number {
  const gap = c.info.last_seq - c.info.read_seq;
  if (gap <= 0) return 0;
  const known = c.events.filter((e) => e.seq! > c.info.read_seq);
  // Every event after read_seq is held (events are unique by seq): count them exactly.
  if (known.length >= gap) return known.filter((e) => isUnreadFor(e, me)).length;
  return c.info.unread ?? gap;
}

/** Total unread over every conversation (the tab title). */
export function totalUnread(all: Convs, me: number): number {
  let n = 0;
  for (const c of Object.values(all)) n += unread(c, me);
  return n;
}

/** Seq of the first unread message from someone else after `readSeq`, if any (the divider). */
export function firstUnreadSeq(events: Msg[], readSeq: number, me: number): number | null {
  for (const e of events) if (e.seq !== null && e.seq > readSeq && isUnreadFor(e, me)) return e.seq;
  return null;
}

/** Conversations, most recent activity first (own unsent messages count as activity). */
export function conversationList(all: Convs, outbox: OutMsg[]): Conv[] {
  const newestOut = new Map<number, number>();
  for (const o of outbox) newestOut.set(o.conversation, Math.max(newestOut.get(o.conversation) ?? 0, o.ts));
  const list = Object.values(all).map((c) => ({
    conv: c,
    activity: Math.max(c.info.last_event?.ts ?? 0, newestOut.get(c.info.id) ?? 0),
  }));
  list.sort((a, b) => b.activity - a.activity || b.conv.info.id - a.conv.info.id);
  return list.map((x) => x.conv);
}

export function titleOf(c: Conv | undefined, me: number): string {
  if (!c) return '';
  if (c.info.kind === 'direct') {
    const other = c.info.members.find((m) => m.id !== me);
    return other?.username ?? c.info.title ?? 'Direct message';
  }
  if (c.info.title) return c.info.title;
  const names = c.info.members.filter((m) => m.id !== me).map((m) => m.username);
  return names.length ? names.join(', ') : 'Group';
}

// ---------------------------------------------------------------- typing

export function addTyping(t: Typing, conv: number, user: UserRef, until: number): Typing {
  return { ...t, [conv]: { ...(t[conv] ?? {}), [user.id]: { username: user.username, until } } };
}

export function clearTyping(t: Typing, conv: number, userId: number): Typing {
  if (!t[conv]?.[userId]) return t;
  const inner = { ...t[conv] };
  delete inner[userId];
  return { ...t, [conv]: inner };
}

/** Drops expired indicators; returns the same object when nothing expired. */
export function pruneTyping(t: Typing, now: number): Typing {
  let changed = false;
  const next: Typing = {};
  for (const [conv, users] of Object.entries(t)) {
    const inner: Typing[number] = {};
    for (const [uid, v] of Object.entries(users)) {
      if (v.until > now) inner[Number(uid)] = v;
      else changed = true;
    }
    next[Number(conv)] = inner;
  }
  return changed ? next : t;
}

// ---------------------------------------------------------------- outbox

export function setOutStatus(o: OutMsg[], cmid: string, status: OutMsg['status'], error?: string): OutMsg[] {
  return o.map((x) => (x.client_msg_id === cmid ? { ...x, status, error } : x));
}

export function dropOut(o: OutMsg[], cmid: string): OutMsg[] {
  return o.some((x) => x.client_msg_id === cmid) ? o.filter((x) => x.client_msg_id !== cmid) : o;
}

/** How a failed send request ends: retry soon, wait for the connection, or show it as failed. */
export function sendOutcome(code: string, retryable: ReadonlySet<string>, online: boolean): 'retry' | 'wait' | 'failed' {
  if (code === 'disconnected') return 'wait';
  // No answer while the network is down is not a failure: the resend after reconnect delivers it.
  if (code === 'timeout') return online ? 'failed' : 'wait';
  if (code === 'internal' || !retryable.has(code)) return 'failed';
  return 'retry';
}

export function errorText(code: string, message: string): string {
  switch (code) {
    case 'timeout':
      return 'No answer from the server';
    case 'body_too_long':
      return 'Message too long';
    case 'not_member':
      return 'You are no longer in this conversation';
    default:
      return message || code;
  }
}
