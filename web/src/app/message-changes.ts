// Changes to messages (issue 11) as a pure fold over a conversation's events: edits, deletes and
// reactions are log events of their own that name the message by `target`. A message from history
// already carries its state now; replaying the loaded changes over it in seq order gives the same
// result, because each change sets one thing (the text, "deleted", one person's one emoji), so the
// last change of each thing wins. No Angular, no socket: unit-tested in web/unit/.
import type { Msg } from './chat.reducers';
import type { Reaction, UserRef } from './protocol';

/** Kinds that change another message: never rows of their own. */
export const CHANGE_KINDS: ReadonlySet<string> = new Set(['message_edited', 'message_deleted', 'reaction_added', 'reaction_removed']);

export function isChange(kind: string): boolean {
  return CHANGE_KINDS.has(kind);
}

const cache = new WeakMap<Msg[], Map<number, Msg>>();

/**
 * The current state of every message in `events` that some loaded change touches, by seq (the
 * messages no change touches are not in the map: use them as they are). Cached per array.
 */
export function changedMessages(events: Msg[]): Map<number, Msg> {
  const hit = cache.get(events);
  if (hit) return hit;
  const out = new Map<number, Msg>();
  let bySeq: Map<number, Msg> | null = null;
  for (const e of events) {
    if (!isChange(e.kind) || e.target === undefined) continue;
    if (!bySeq) {
      bySeq = new Map();
      for (const m of events) if (m.kind === 'message' && m.seq !== null) bySeq.set(m.seq, m);
    }
    const m = out.get(e.target) ?? bySeq.get(e.target);
    if (!m) continue; // the message is not loaded: its state comes with it when it is
    out.set(e.target, applyChange(m, e));
  }
  cache.set(events, out);
  return out;
}

/** One change applied to a message (a new object; the same one when nothing changes). */
export function applyChange(m: Msg, c: Pick<Msg, 'kind' | 'sender' | 'body' | 'ts' | 'emoji' | 'mentions'>): Msg {
  switch (c.kind) {
    case 'message_edited':
      // The edit's mentions replace the message's (docs/protocol.md, message_edited).
      return m.deleted ? m : { ...m, body: c.body, mentions: c.mentions, edited_ts: c.ts };
    case 'message_deleted':
      return { ...m, body: '', deleted: true, reactions: undefined, mentions: undefined, attachments: undefined };
    case 'reaction_added':
      return c.emoji ? { ...m, reactions: addReaction(m.reactions ?? [], c.emoji, c.sender) } : m;
    case 'reaction_removed':
      return c.emoji ? { ...m, reactions: removeReaction(m.reactions ?? [], c.emoji, c.sender.id) } : m;
    default:
      return m;
  }
}

/** One reaction of a kind per person: adding one already there changes nothing. */
export function addReaction(list: Reaction[], emoji: string, who: UserRef): Reaction[] {
  const at = list.findIndex((r) => r.emoji === emoji);
  if (at < 0) return [...list, { emoji, count: 1, users: [who] }];
  const r = list[at];
  if (r.users.some((u) => u.id === who.id)) return list;
  const next = [...list];
  next[at] = { emoji, count: r.count + 1, users: [...r.users, who] };
  return next;
}

export function removeReaction(list: Reaction[], emoji: string, who: number): Reaction[] {
  const at = list.findIndex((r) => r.emoji === emoji);
  if (at < 0 || !list[at].users.some((u) => u.id === who)) return list;
  const r = list[at];
  const users = r.users.filter((u) => u.id !== who);
  const next = [...list];
  if (users.length === 0 || r.count <= 1) next.splice(at, 1);
  else next[at] = { emoji, count: r.count - 1, users };
  return next;
}

/** Whether `me` reacted with `emoji` (the chip is a toggle). */
export function reacted(r: Reaction, me: number): boolean {
  return r.users.some((u) => u.id === me);
}

/** A short, plain excerpt of a message for a reply quote. */
export function excerpt(body: string, max = 80): string {
  const one = body.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export type Role = 'owner' | 'admin' | 'member';

/** A member's role from the conversation's owner and admins. */
export function roleOf(info: { owner?: number; admins?: number[] }, user: number): Role {
  if (info.owner && info.owner === user) return 'owner';
  if (info.admins?.includes(user)) return 'admin';
  return 'member';
}

/**
 * What the signed-in user may do to a message: edit their own; delete their own, or anyone's as a
 * group owner or admin (docs/protocol.md); nothing on a deleted message or one not yet sent.
 */
export function allowed(m: Msg, me: number, kind: 'direct' | 'group', role: Role): { edit: boolean; remove: boolean } {
  if (m.kind !== 'message' || m.seq === null || m.deleted) return { edit: false, remove: false };
  const own = m.sender.id === me;
  return { edit: own, remove: own || (kind === 'group' && role !== 'member') };
}
