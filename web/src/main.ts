import { bootstrapApplication } from '@angular/platform-browser';
import { App } from './app/app';
import { appConfig } from './app/app.config';

bootstrapApplication(App, appConfig).catch((err) => console.error(err));

// The offline app shell (public/sw.js). Registered once the app has settled (an idle moment at
// least 5 s after load), not at load: installing it fetches every bundle again, and that traffic
// kept the start-up busy (Lighthouse counted its first renders as blocking time).
if ('serviceWorker' in navigator && isSecureContext) {
  const idle = (fn: () => void) => ('requestIdleCallback' in window ? requestIdleCallback(fn, { timeout: 10_000 }) : setTimeout(fn, 0));
  addEventListener('load', () => setTimeout(() => idle(() => void navigator.serviceWorker.register('sw.js').catch(() => undefined)), 5_000));
}
