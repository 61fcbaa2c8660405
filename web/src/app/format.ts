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

export function formatDay(ts: number): string {
  const d = new Date(ts);
  const now = new Date();
  if (dayKey(ts) === dayKey(now.getTime())) return 'Today';
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (dayKey(ts) === dayKey(y.getTime())) return 'Yesterday';
  return d.getFullYear() === now.getFullYear() ? dayFmt.format(d) : dayYearFmt.format(d);
}

export function formatListTime(ts: number): string {
  return dayKey(ts) === dayKey(Date.now()) ? formatTime(ts) : shortFmt.format(new Date(ts));
}

export function describeEvent(kind: string, sender: string, subject?: string): string {
  switch (kind) {
    case 'created':
      return `${sender} created the conversation`;
    case 'member_added':
      return `${sender} added ${subject ?? 'someone'}`;
    case 'member_removed':
      return `${sender} removed ${subject ?? 'someone'}`;
    case 'member_left':
      return `${subject ?? sender} left`;
    default:
      return kind;
  }
}
