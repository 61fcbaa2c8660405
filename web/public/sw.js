// chatd's service worker: an offline app shell. index.html and every bundle (lazy chunks included,
// found by following the chunk names inside the bundles) are cached at install; navigations go to
// the network first and fall back to the cached shell, hashed bundles come from the cache. The
// API, the WebSocket and sign-in are never touched: the app keeps its own data (localStorage).
const CACHE = 'chatd-shell-v1';
const HASHED = /-[A-Z0-9]{8}\.(?:js|css)$/;
const NEVER = /^\/(?:api|ws|auth|metrics)(?:\/|$)/;

self.addEventListener('install', (e) => {
  e.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** Caches index.html, the files it names and every chunk the bundles import; drops stale ones. */
async function precache(fetched) {
  const cache = await caches.open(CACHE);
  const res = fetched ?? (await fetch('./', { cache: 'no-cache' }));
  if (!res.ok) return;
  const html = await res.clone().text();
  const want = new Set(['./']);
  const queue = [...html.matchAll(/(?:src|href)="([\w./-]+\.(?:js|css|webmanifest|png|svg))"/g)].map((m) => m[1]);
  while (queue.length) {
    const path = queue.shift();
    if (want.has(path)) continue;
    want.add(path);
    let r = await cache.match(path);
    if (!r) {
      r = await fetch(path);
      if (!r.ok) continue;
      await cache.put(path, r.clone());
    }
    if (path.endsWith('.js')) for (const m of (await r.text()).matchAll(/chunk-[A-Z0-9]{8}\.js/g)) queue.push(m[0]);
  }
  await cache.put('./', res);
  const scope = new URL(self.registration.scope);
  for (const req of await cache.keys()) {
    const rel = new URL(req.url).pathname.slice(scope.pathname.length);
    if (!want.has(rel) && !want.has(`./${rel}`) && rel !== '') await cache.delete(req);
  }
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== location.origin || NEVER.test(url.pathname)) return;
  if (req.mode === 'navigate') {
    e.respondWith(
      fetch(req).then(
        (res) => {
          // A new deployment: refresh the cached shell and its bundles in the background.
          if (res.ok) e.waitUntil(refreshShell(res.clone()));
          return res;
        },
        async () => (await caches.match('./')) ?? Response.error(),
      ),
    );
    return;
  }
  if (HASHED.test(url.pathname)) {
    e.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ??
          fetch(req).then(async (res) => {
            if (res.ok) await (await caches.open(CACHE)).put(req, res.clone());
            return res;
          }),
      ),
    );
    return;
  }
  // Manifest, icons, sw-less files: the network, else whatever the cache has.
  e.respondWith(fetch(req).catch(async () => (await caches.match(req)) ?? Response.error()));
});

async function refreshShell(res) {
  const cached = await caches.match('./');
  if (cached && (await cached.text()) === (await res.clone().text())) return;
  await precache(res);
}
