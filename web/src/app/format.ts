const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const dayYearFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
const shortFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function formatTime(ts: number): string {
  return timeFmt.format(new Date(ts));
}

export function formatDay(ts: number, nowMs = Date.now()): string {
  const d = new Date(ts);
  const now = new Date(nowMs);
  if (dayKey(ts) === dayKey(now.getTime())) return 'Today';
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (dayKey(ts) === dayKey(y.getTime())) return 'Yesterday';
  return d.getFullYear() === now.getFullYear() ? dayFmt.format(d) : dayYearFmt.format(d);
}

export function formatListTime(ts: number): string {
  return dayKey(ts) === dayKey(Date.now()) ? formatTime(ts) : shortFmt.format(new Date(ts));
}

/** One line for a membership event; `me` turns the signed-in user's own name into "You"/"you". */
export function describeEvent(
  kind: string,
  sender: { id: number; username: string },
  subject: { id: number; username: string } | null | undefined,
  me: number,
  extra: { body?: string; role?: string; emoji?: string } = {},
): string {
  const who = sender.id === me ? 'You' : sender.username;
  const whom = !subject ? 'someone' : subject.id === me ? 'you' : subject.username;
  switch (kind) {
    case 'created':
      return `${who} created the conversation`;
    case 'member_added':
      return `${who} added ${whom}`;
    case 'member_removed':
      return `${who} removed ${whom}`;
    case 'member_left':
      return `${subject && subject.id !== me ? subject.username : who} left`;
    case 'renamed':
      return `${who} renamed the group to ${extra.body ?? ''}`;
    case 'description_changed':
      return extra.body ? `${who} changed the description` : `${who} removed the description`;
    case 'avatar_color_changed':
      return `${who} changed the group colour`;
    case 'avatar_changed':
      return extra.body ? `${who} changed the group picture` : `${who} removed the group picture`;
    case 'role_changed':
      return `${who} made ${whom} ${extra.role === 'admin' ? 'an admin' : extra.role === 'owner' ? 'the owner' : 'a member'}`;
    case 'message_edited':
      return `${who} edited a message`;
    case 'message_deleted':
      return `${who} deleted a message`;
    case 'reaction_added':
      return `${who} reacted ${extra.emoji ?? ''}`.trimEnd();
    case 'reaction_removed':
      return `${who} removed a reaction`;
    default:
      return kind;
  }
}

/**
 * Avatar background for a name: one of eight hues picked by a string hash, so a person keeps their
 * colour everywhere. Every colour holds white text at >= 4.5:1 (WCAG 1.4.3).
 */
export const AVATAR_COLORS = ['#1d5fbf', '#b3261e', '#1b7031', '#7a3fa0', '#9c4a00', '#0b6a7a', '#b0175a', '#4d5a6b'];

export function avatarColor(name: string): string {
  let h = 2166136261;
  for (const ch of name.toLowerCase()) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 16777619);
  }
  return AVATAR_COLORS[(h >>> 0) % AVATAR_COLORS.length];
}

/** Whether white text on `hex` ("#rrggbb") has a contrast of at least 4.5:1 (WCAG 1.4.3). */
export function holdsWhiteText(hex: string): boolean {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return false;
  const n = parseInt(m[1], 16);
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin(n >> 16) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
  return 1.05 / (l + 0.05) >= 4.5;
}
