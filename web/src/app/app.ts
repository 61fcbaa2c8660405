import { Component, computed, effect, inject } from '@angular/core';
import { Router, RouterOutlet } from '@angular/router';
import { AuthService } from './auth.service';
import { ChatService } from './chat.service';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet],
  template: `
    <div class="conn-banner" role="status" [class.visible]="!!banner()">{{ banner() }}</div>
    <div class="sr-only" aria-live="polite" aria-atomic="true" data-testid="announcer">{{ chat.announcement() }}</div>
    <router-outlet />
  `,
})
export class App {
  protected readonly chat = inject(ChatService);
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);

  protected readonly banner = computed(() => {
    if (this.chat.networkDown()) return 'You are offline. Messages will be sent when the connection is back.';
    switch (this.chat.status()) {
      case 'reconnecting':
        return 'Reconnecting…';
      case 'connecting':
        return this.auth.user() ? 'Connecting…' : '';
      default:
        return '';
    }
  });

  constructor() {
    // Signed out elsewhere (session revoked, sign-out in another tab): go to the sign-in page.
    // Only a change from signed in to signed out redirects: at start-up the route guards decide
    // (the router may not have committed the first URL yet, e.g. #/choose-username after OIDC).
    let wasSignedIn = false;
    effect(() => {
      const user = this.auth.user();
      if (user) {
        wasSignedIn = true;
        return;
      }
      if (user === null && wasSignedIn) {
        wasSignedIn = false;
        this.chat.stop();
        const url = this.router.url;
        if (!url.startsWith('/sign-in') && !url.startsWith('/choose-username')) void this.router.navigateByUrl('/sign-in');
      }
    });
  }
}
