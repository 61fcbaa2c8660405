// A measurement, not a test: Lighthouse (mobile profile: emulated phone, 4x CPU slowdown, simulated
// slow 4G) on a real chatd with 50 conversations, a chat, and a chat with a long history.
//
//   npm i -E --prefix /some/dir lighthouse@12.2.3     (once; Lighthouse 13 needs Node 22)
//   LIGHTHOUSE=/some/dir/node_modules/.bin/lighthouse node tools/lighthouse.mjs [web-root]
//
// Prints performance score, total blocking time and largest contentful paint per page and run.
// CHATD_LH_PAGES=chat,history,list picks pages; CHATD_LH_RUNS=N repeats each (default 1).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// A web root given on the command line (an older build, to compare) replaces the default one.
if (process.argv[2]) process.env.CHATD_WEB_ROOT = process.argv[2];
const { Chatd, chromiumPath, freePort, launchBrowser } = await import('../e2e/harness.mjs');
const run = promisify(execFile);
const lighthouse = process.env.LIGHTHOUSE ?? 'lighthouse';
const history = Number(process.env.CHATD_LH_HISTORY ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'chatd-lh-'));
const server = new Chatd(await freePort(), join(dir, 'chat.db'), [
  '--requests-per-second',
  '100000',
  '--request-burst',
  '100000',
]);
await server.start();

async function register(name) {
  const r = await fetch(`${server.url}/api/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'correct horse battery' }),
  });
  return /chatd_session=([^;]+)/.exec(r.headers.get('set-cookie'))[1];
}

const alice = await register('alice');
await register('bob');
const browser = await launchBrowser();
const ctx = await browser.newContext();
await ctx.addCookies([{ name: 'chatd_session', value: alice, url: server.url }]);
const page = await ctx.newPage();
await page.goto(`${server.url}/`);
// Seed over a second WebSocket: 50 groups with a message each, a direct chat of 20 messages and a
// group with a long history.
const ids = await page.evaluate(async (history) => {
  const sock = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`);
  await new Promise((ok) => (sock.onopen = ok));
  const replies = new Map();
  let wake = () => {};
  sock.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.ref) replies.set(f.ref, f);
    wake();
  };
  let n = 0;
  const ask = async (frames) => {
    const mine = frames.map((f) => ({ ...f, id: `x${n++}` }));
    for (const f of mine) sock.send(JSON.stringify(f));
    const out = [];
    for (const f of mine) {
      while (!replies.has(f.id)) await new Promise((r) => (wake = r));
      out.push(replies.get(f.id));
    }
    return out;
  };
  await ask([{ type: 'hello', version: 1 }]);
  const groups = await ask(Array.from({ length: 50 }, (_, i) => ({ type: 'create_group', title: `Group ${i}`, members: ['bob'] })));
  await ask(groups.map((g, i) => ({ type: 'send', conversation: g.conversation.id, client_msg_id: `g${i}`, body: `Hello group ${i}, a longer preview text` })));
  const [dm] = await ask([{ type: 'open_direct', username: 'bob' }]);
  await ask(Array.from({ length: 20 }, (_, i) => ({ type: 'send', conversation: dm.conversation.id, client_msg_id: `d${i}`, body: `message ${i}` })));
  const [big] = await ask([{ type: 'create_group', title: 'Long history', members: ['bob'] }]);
  for (let i = 0; i < history; i += 50) {
    await ask(Array.from({ length: Math.min(50, history - i) }, (_, j) => ({ type: 'send', conversation: big.conversation.id, client_msg_id: `h${i + j}`, body: `history message ${i + j} with **some** text and https://example.com/${i + j}` })));
  }
  return { dm: dm.conversation.id, big: big.conversation.id };
}, history);
await browser.close();

const flags = '--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync';
const pages = { chat: `#/c/${ids.dm}`, history: `#/c/${ids.big}`, list: '#/' };
const label = { chat: 'chat', history: `${history}-message chat`, list: 'list' };
// CHATD_LH_PAGES=chat,list measures only those; CHATD_LH_RUNS=N runs each N times (the machine is
// shared: one run says little).
const only = process.env.CHATD_LH_PAGES?.split(',');
const runs = Number(process.env.CHATD_LH_RUNS ?? 1);
const jobs = Object.keys(pages)
  .filter((n) => !only || only.includes(n))
  .flatMap((n) => Array(runs).fill(n));
for (const page of jobs) {
  const [name, hash] = [label[page], pages[page]];
  const out = join(dir, `${name.replace(/\W+/g, '-')}.json`);
  await run(
    lighthouse,
    [
      `${server.url}/${hash}`,
      '--only-categories=performance',
      '--output=json',
      `--output-path=${out}`,
      `--chrome-flags=${flags}`,
      `--extra-headers=${JSON.stringify({ Cookie: `chatd_session=${alice}` })}`,
      '--quiet',
    ],
    { env: { ...process.env, CHROME_PATH: chromiumPath }, maxBuffer: 64 << 20 },
  );
  const r = JSON.parse(readFileSync(out, 'utf8'));
  const a = r.audits;
  console.log(
    `${name}: performance ${Math.round(r.categories.performance.score * 100)}, ` +
      `TBT ${Math.round(a['total-blocking-time'].numericValue)} ms, ` +
      `LCP ${Math.round(a['largest-contentful-paint'].numericValue)} ms, ` +
      `DOM ${a['dom-size']?.numericValue ?? '?'} elements`,
  );
}
await server.stop();
