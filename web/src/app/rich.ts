// Message text as a list of typed pieces: plain text, links, **bold**, _italic_ / *italic*,
// `code` and ```code blocks```. The template renders each piece as text inside its element, never
// as HTML, so a body can never inject markup or script whatever it contains.

export type Piece =
  | { k: 'text'; t: string }
  | { k: 'b'; t: string }
  | { k: 'i'; t: string }
  | { k: 'code'; t: string }
  | { k: 'pre'; t: string }
  | { k: 'link'; t: string; href: string }
  | { k: 'mention'; t: string; me: boolean };

const FENCE = /```\n?([\s\S]*?)```/g;
// Inline forms: code first (its content is literal), then links, then emphasis. Emphasis must hug
// its text (`**a**`, not `** a **`) and `_` only counts at word edges (snake_case stays plain).
const INLINE =
  /(`[^`\n]+`)|((?:https?:\/\/|www\.)[^\s<>"]+)|(\*\*(?=\S)[^*\n]*?\S\*\*)|((?<![\w*])\*(?=[^\s*])[^*\n]*?[^\s*]\*(?![\w*]))|((?<!\w)_(?=[^\s_])[^_\n]*?[^\s_]_(?!\w))/g;
// Punctuation that ends a sentence, not a URL.
const TRAILING = new Set([...'.,;:!?)]}\'"']);

/** Drops sentence punctuation after a URL, but keeps a ")" that closes a "(" inside it. */
function trimUrl(url: string): string {
  let end = url.length;
  while (end > 0 && TRAILING.has(url[end - 1])) {
    if (url[end - 1] === ')') {
      const part = url.slice(0, end);
      if ((part.match(/\(/g)?.length ?? 0) >= (part.match(/\)/g)?.length ?? 0)) break;
    }
    end--;
  }
  return url.slice(0, end);
}

/** Splits a message body into pieces (adjacent text merged). */
export function parseRich(body: string): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of body.matchAll(FENCE)) {
    inline(body.slice(at, m.index), out);
    out.push({ k: 'pre', t: m[1].replace(/\n$/, '') });
    at = m.index! + m[0].length;
  }
  inline(body.slice(at), out);
  return out;
}

function inline(s: string, out: Piece[]): void {
  let at = 0;
  for (const m of s.matchAll(INLINE)) {
    const start = m.index!;
    if (m[2]) {
      const url = trimUrl(m[2]);
      const href = url.startsWith('www.') ? `https://${url}` : url;
      if (!safeHref(href)) continue;
      text(s.slice(at, start), out);
      out.push({ k: 'link', t: url, href });
      at = start + url.length;
      continue;
    }
    text(s.slice(at, start), out);
    if (m[1]) out.push({ k: 'code', t: m[1].slice(1, -1) });
    else if (m[3]) out.push({ k: 'b', t: m[3].slice(2, -2) });
    else out.push({ k: 'i', t: (m[4] ?? m[5]).slice(1, -1) });
    at = start + m[0].length;
  }
  text(s.slice(at), out);
}

function text(t: string, out: Piece[]): void {
  if (!t) return;
  const last = out[out.length - 1];
  if (last && last.k === 'text') last.t += t;
  else out.push({ k: 'text', t });
}

/** Only http(s) URLs that parse become links (no javascript:, data:, or credentials). */
export function safeHref(href: string): boolean {
  try {
    const u = new URL(href);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

const MENTION = /(?<![\w@])@([A-Za-z0-9_.-]*[A-Za-z0-9_])/g;

/**
 * Marks `@name` in the text pieces where the server resolved `name` to a user (`mentions`);
 * an @word that names nobody stays text. `me` (lower case) marks the signed-in user's name.
 */
export function withMentions(pieces: Piece[], mentions: readonly { username: string }[] | undefined, me: string): Piece[] {
  if (!mentions?.length) return pieces;
  const names = new Set(mentions.map((m) => m.username.toLowerCase()));
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p.k !== 'text') {
      out.push(p);
      continue;
    }
    let at = 0;
    for (const m of p.t.matchAll(MENTION)) {
      const name = m[1].toLowerCase();
      if (!names.has(name)) continue;
      text(p.t.slice(at, m.index), out);
      out.push({ k: 'mention', t: m[0], me: name === me });
      at = m.index! + m[0].length;
    }
    text(p.t.slice(at), out);
  }
  return out;
}

/** Plain text of a body without the markup characters (previews, notifications). */
export function plainText(body: string): string {
  return parseRich(body)
    .map((p) => p.t)
    .join('');
}
