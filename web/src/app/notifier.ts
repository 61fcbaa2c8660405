import { Injectable, signal } from '@angular/core';

export type NotifyPermission = 'default' | 'granted' | 'denied' | 'unsupported';

/**
 * Desktop notifications. Permission is asked only from a click (ask()), never on load; a
 * notification is shown only while the tab is hidden (a visible tab has its own badges).
 */
@Injectable({ providedIn: 'root' })
export class Notifier {
  readonly permission = signal<NotifyPermission>(current());

  async ask(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    try {
      await Notification.requestPermission();
    } catch {
      /* old callback-only API or refused: read the state below */
    }
    this.permission.set(current());
  }

  /** Shows one notification per conversation (a newer one replaces the older). */
  show(conversation: number, title: string, body: string, open: () => void): void {
    if (typeof document === 'undefined' || document.visibilityState !== 'hidden') return;
    if (current() !== 'granted') return;
    try {
      const n = new Notification(title, { body, tag: `chatd-${conversation}`, lang: '' });
      n.onclick = () => {
        window.focus();
        open();
        n.close();
      };
    } catch {
      /* some platforms allow notifications only from a service worker: skip */
    }
  }
}

function current(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : (Notification.permission as NotifyPermission);
}
