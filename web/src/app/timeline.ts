// What the message view shows, as a pure function of the events: day sections, the "new
// messages" divider, runs of messages by one author, and no membership noise in direct chats.
import type { Msg } from './chat.reducers';
import { dayKey, formatDay } from './format';
import { isChange } from './message-changes';

/** Messages by one author closer than this form one run (name once, time once). */
export const RUN_GAP_MS = 5 * 60_000;

export interface Row {
  msg: Msg;
  /** First of a run: show the author. */
  first: boolean;
  /** Last of a run: show the time. */
  last: boolean;
  /** The "new messages" divider goes before this row. */
  unreadStart: boolean;
}

export interface Day {
  key: string;
  label: string;
  rows: Row[];
}

/**
 * Events a person does not need to see as rows: changes to a message, the creator "adding"
 * themself, and in a direct chat the creation and the two members being added (a direct chat has
 * exactly those two, fixed).
 */
export function isNoise(m: Pick<Msg, 'kind' | 'sender' | 'subject'>, direct: boolean): boolean {
  if (m.kind === 'message') return false;
  // Edits, deletes and reactions show on the message they change, not as rows.
  if (isChange(m.kind)) return true;
  if (direct) return m.kind === 'created' || m.kind === 'member_added';
  return m.kind === 'member_added' && m.subject?.id === m.sender.id;
}

export function buildTimeline(msgs: Msg[], direct: boolean, unreadFrom: number | null, now = Date.now()): Day[] {
  const days: Day[] = [];
  let prev: Row | null = null;
  for (const m of msgs) {
    if (isNoise(m, direct)) continue;
    const k = dayKey(m.ts);
    let day = days[days.length - 1];
    if (!day || day.key !== k) {
      day = { key: k, label: formatDay(m.ts, now), rows: [] };
      days.push(day);
      prev = null;
    }
    const unreadStart = unreadFrom !== null && m.seq === unreadFrom;
    const joins =
      prev !== null &&
      !unreadStart &&
      m.kind === 'message' &&
      prev.msg.kind === 'message' &&
      prev.msg.sender.id === m.sender.id &&
      m.ts - prev.msg.ts < RUN_GAP_MS;
    if (prev && joins) prev.last = false;
    const row: Row = { msg: m, first: !joins, last: true, unreadStart };
    day.rows.push(row);
    prev = row;
  }
  return days;
}
