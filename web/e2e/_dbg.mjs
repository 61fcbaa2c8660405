import { WebKit, startXvfb } from './webkit-harness.mjs';
const x = await startXvfb();
const b = await WebKit.launch('dbg', x.display);
try {
  await b.get('data:text/html,<p>x</p>');
  console.log(await b.run(`return { fieldSizing: CSS.supports('field-sizing', 'content'), dvh: CSS.supports('height', '100dvh'), has: CSS.supports('selector(:has(a))'), dialog: typeof HTMLDialogElement, requestClose: typeof HTMLDialogElement.prototype.requestClose, cookieStore: typeof cookieStore, sw: 'serviceWorker' in navigator, secure: isSecureContext, ua: navigator.userAgent, touch: 'ontouchstart' in window, maxTouch: navigator.maxTouchPoints, standalone: matchMedia('(display-mode: standalone)').matches }`));
} catch (e) { console.error(e); }
await b.quit(); x.stop();
