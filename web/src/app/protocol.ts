// Wire protocol v1 as the web client sees it (docs/protocol.md; C++ types in
// protocol/messages.hpp). Field names are snake_case on the wire; frames carry "type";
// replies carry "ref" = the request "id". web/unit/protocol.test.mjs checks the names, limits and
// retryable codes here against protocol/fixture.json, which the C++ wire tables produce.

export const PROTOCOL_VERSION = 1;

/** Limits from protocol/limits.hpp that the UI enforces before sending. */
export const LIMITS = {
  maxBodyChars: 4000,
  maxTitleChars: 100,
  maxGroupMembers: 256,
  maxHistoryLimit: 200,
} as const;

export interface UserRef {
  id: number;
  username: string;
}

/** One log event. `kind` is message / created / member_added / member_removed / member_left. */
export interface ChatEvent {
  conversation: number;
  seq: number;
  event_id: string;
  kind: string;
  sender: UserRef;
  client_msg_id: string;
  subject?: UserRef | null;
  body: string;
  ts: number; // unix ms
}

export interface ConversationInfo {
  id: number;
  kind: 'direct' | 'group';
  title: string;
  members: UserRef[];
  last_seq: number;
  last_event?: ChatEvent | null;
  read_seq: number;
  /** Messages from others after read_seq, as the server counted them (absent from older servers). */
  unread?: number;
}

export interface SyncPosition {
  conversation: number;
  last_seq: number;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  ref?: string;
}

/** Any server frame, loosely typed: the client reads the fields it knows. */
export type ServerFrame = { type: string; ref?: string } & Record<string, unknown>;

/** Error codes the client may retry unchanged (protocol/error_code.hpp: is_retryable). */
export const RETRYABLE = new Set(['rate_limited', 'too_many_connections', 'unavailable', 'internal']);

/** An event as the server sends it (an event frame, or one inside history / last_event). */
export function toEvent(raw: Record<string, unknown>): ChatEvent {
  return {
    conversation: Number(raw['conversation']),
    seq: Number(raw['seq']),
    event_id: String(raw['event_id'] ?? ''),
    kind: String(raw['kind'] ?? 'message'),
    sender: (raw['sender'] as UserRef) ?? { id: 0, username: '' },
    client_msg_id: String(raw['client_msg_id'] ?? ''),
    subject: (raw['subject'] as UserRef | null | undefined) ?? null,
    body: String(raw['body'] ?? ''),
    ts: Number(raw['ts'] ?? 0),
  };
}

export function toConversation(raw: Record<string, unknown>): ConversationInfo {
  const last = raw['last_event'] as Record<string, unknown> | null | undefined;
  return {
    id: Number(raw['id']),
    kind: raw['kind'] === 'group' ? 'group' : 'direct',
    title: String(raw['title'] ?? ''),
    members: (raw['members'] as UserRef[]) ?? [],
    last_seq: Number(raw['last_seq'] ?? 0),
    last_event: last ? toEvent(last) : null,
    read_seq: Number(raw['read_seq'] ?? 0),
    unread: typeof raw['unread'] === 'number' ? raw['unread'] : undefined,
  };
}

/** A random client_msg_id (idempotency key: resends reuse it). */
export function newClientMsgId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
