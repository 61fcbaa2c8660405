// Wire protocol v1 as the web client sees it (docs/protocol.md; C++ types in
// protocol/messages.hpp). Field names are snake_case on the wire; frames carry "type";
// replies carry "ref" = the request "id". web/unit/protocol.test.mjs checks the names, limits and
// retryable codes here against protocol/fixture.json, which the C++ wire tables produce.

import { Attachment, toAttachment } from './attachments';

export const PROTOCOL_VERSION = 1;

/** Limits from protocol/limits.hpp that the UI enforces before sending. */
export const LIMITS = {
  maxBodyChars: 4000,
  maxTitleChars: 100,
  maxGroupMembers: 256,
  maxHistoryLimit: 200,
} as const;

/** protocol/limits.hpp max_description_chars (issue 11; joins LIMITS when the server has it). */
export const MAX_DESCRIPTION_CHARS = 500;

/**
 * Whether a conversation object comes from a server with edits, reactions, replies, mentions and
 * roles (issue 11): such a server names the fields; an older one sends none of them.
 */
export function hasMessageChanges(raw: Record<string, unknown>): boolean {
  return 'owner' in raw || 'admins' in raw || 'unread_mentions' in raw;
}

export interface UserRef {
  id: number;
  username: string;
  /** Profiles only (welcome, get_profiles, set_profile, profile pushes): "#rrggbb". */
  avatar_color?: string;
  /** Profiles only: an avatar image id (GET /api/avatars/<id>). */
  avatar?: string;
}

/** One emoji on a message: how many reacted with it, and who. */
export interface Reaction {
  emoji: string;
  count: number;
  users: UserRef[];
}

/**
 * One log event. `kind` is message / created / member_added / member_removed / member_left, or a
 * change: message_edited / message_deleted / reaction_added / reaction_removed (naming the message
 * by `target`), renamed / description_changed / avatar_color_changed / role_changed. The optional
 * fields are present only when the server sends them (older servers send none).
 */
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
  /** A change: the seq of the message it changes. */
  target?: number;
  /** A message: the seq of the message it quotes. */
  reply_to?: number;
  mentions?: UserRef[];
  /** reaction_added / reaction_removed. */
  emoji?: string;
  /** member_added / role_changed: the subject's role. */
  role?: string;
  /** A message: its state now (history and sync carry it; live messages start unedited). */
  edited_ts?: number;
  deleted?: boolean;
  reactions?: Reaction[];
  /** A message: the files sent with it, in the order sent. */
  attachments?: Attachment[];
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
  /** Messages after read_seq that mention the user (list_conversations only). */
  unread_mentions?: number;
  description?: string;
  /** "#rrggbb", or "" for the colour derived from the name. */
  avatar_color?: string;
  /** The group's avatar image id (GET /api/avatars/<id>); absent when none. */
  avatar?: string;
  /** Group owner's user id (0 or absent: none). */
  owner?: number;
  /** Admins' user ids (the owner is not listed). */
  admins?: number[];
}

/** One search hit: enough to open the conversation at that message. */
export interface SearchHit {
  conversation: number;
  seq: number;
  sender: UserRef;
  ts: number;
  excerpt: string;
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
    ...optional(raw),
  };
}

/** The fields of issue 11 that are present in `raw` (absent ones stay absent). */
function optional(raw: Record<string, unknown>): Partial<ChatEvent> {
  const o: Partial<ChatEvent> = {};
  if (typeof raw['target'] === 'number') o.target = raw['target'];
  if (typeof raw['reply_to'] === 'number') o.reply_to = raw['reply_to'];
  if (Array.isArray(raw['mentions']) && raw['mentions'].length) o.mentions = raw['mentions'] as UserRef[];
  if (typeof raw['emoji'] === 'string' && raw['emoji']) o.emoji = raw['emoji'];
  if (typeof raw['role'] === 'string' && raw['role']) o.role = raw['role'];
  if (typeof raw['edited_ts'] === 'number') o.edited_ts = raw['edited_ts'];
  if (raw['deleted'] === true) o.deleted = true;
  if (Array.isArray(raw['reactions']) && raw['reactions'].length)
    o.reactions = (raw['reactions'] as Reaction[]).map((r) => ({ emoji: String(r.emoji), count: Number(r.count ?? r.users?.length ?? 0), users: r.users ?? [] }));
  if (Array.isArray(raw['attachments'])) {
    const files = raw['attachments'].map(toAttachment).filter((a): a is Attachment => a !== null);
    if (files.length) o.attachments = files;
  }
  return o;
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
    ...groupFields(raw),
  };
}

function groupFields(raw: Record<string, unknown>): Partial<ConversationInfo> {
  const o: Partial<ConversationInfo> = {};
  if (typeof raw['unread_mentions'] === 'number') o.unread_mentions = raw['unread_mentions'];
  if (typeof raw['description'] === 'string') o.description = raw['description'];
  if (typeof raw['avatar_color'] === 'string') o.avatar_color = raw['avatar_color'];
  if (typeof raw['avatar'] === 'string') o.avatar = raw['avatar'];
  if (typeof raw['owner'] === 'number') o.owner = raw['owner'];
  if (Array.isArray(raw['admins'])) o.admins = (raw['admins'] as unknown[]).map(Number);
  return o;
}

/** A user object, with its profile fields when present; null when it is not one. */
export function toUser(raw: unknown): UserRef | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (typeof r['id'] !== 'number' || typeof r['username'] !== 'string') return null;
  const u: UserRef = { id: r['id'], username: r['username'] };
  if (typeof r['avatar_color'] === 'string' && r['avatar_color']) u.avatar_color = r['avatar_color'];
  if (typeof r['avatar'] === 'string' && r['avatar']) u.avatar = r['avatar'];
  return u;
}

export function toSearchHit(raw: Record<string, unknown>): SearchHit {
  return {
    conversation: Number(raw['conversation']),
    seq: Number(raw['seq']),
    sender: (raw['sender'] as UserRef) ?? { id: 0, username: '' },
    ts: Number(raw['ts'] ?? 0),
    excerpt: String(raw['excerpt'] ?? ''),
  };
}

/** A random client_msg_id (idempotency key: resends reuse it). */
export function newClientMsgId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
