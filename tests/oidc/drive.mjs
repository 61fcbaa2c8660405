// Plays the user at the test provider: follows an authorization URL through oidc-provider's login
// and consent pages with plain HTTP (cookies kept, forms posted) until the provider redirects to
// the client; prints that redirect URL (the client's callback with code and state) and exits.
//   node drive.mjs <authorization-url> <login-name> <redirect-prefix>
const [url0, login, prefix] = process.argv.slice(2);
const jar = new Map();
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
const attr = (tag, name) => (tag.match(new RegExp(`${name}="([^"]*)"`)) || [])[1];

let url = url0;
let method = 'GET';
let body;
for (let step = 0; step < 20; step++) {
  const res = await fetch(url, {
    method,
    body,
    redirect: 'manual',
    headers: {
      cookie: cookieHeader(),
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
  });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  method = 'GET';
  body = undefined;
  if (res.status >= 300 && res.status < 400) {
    const next = new URL(res.headers.get('location'), url).toString();
    if (next.startsWith(prefix)) {
      console.log(next);
      process.exit(0);
    }
    url = next;
    continue;
  }
  const html = await res.text();
  if (res.status !== 200) {
    console.error(`drive.mjs: HTTP ${res.status} at ${url}: ${html.slice(0, 300)}`);
    process.exit(1);
  }
  const form = html.match(/<form[^>]*>/);
  if (!form) {
    console.error(`drive.mjs: no form at ${url}: ${html.slice(0, 300)}`);
    process.exit(1);
  }
  const fields = new URLSearchParams();
  for (const input of html.matchAll(/<input[^>]*>/g)) {
    const name = attr(input[0], 'name');
    if (name) fields.set(name, attr(input[0], 'value') ?? '');
  }
  if (fields.has('login')) {
    fields.set('login', login);
    fields.set('password', 'any');
  }
  url = new URL(attr(form[0], 'action'), url).toString();
  method = 'POST';
  body = fields.toString();
}
console.error('drive.mjs: too many steps');
process.exit(1);
