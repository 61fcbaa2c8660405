import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { ApiError, AuthService } from './auth.service';

/** First OIDC sign-in: the identity has no username yet. */
@Component({
  selector: 'app-choose-username',
  imports: [FormsModule],
  template: `
    <main class="auth-page" id="main">
      <div class="auth-card">
        <h1 class="brand"><span class="brand-mark" aria-hidden="true"></span>chatd</h1>
        <h2>Choose a username</h2>
        @if (pending() === false) {
          <p role="alert">There is no sign-in waiting for a username. <a href="#/sign-in">Sign in again</a>.</p>
        } @else {
          <p>
            @if (providerName()) { You signed in with {{ providerName() }}. }
            This is how people find you. You cannot change it later.
          </p>
        }
        <form (ngSubmit)="submit()" novalidate>
          <div class="field">
            <label for="new-username">Username</label>
            <input id="new-username" name="username" [(ngModel)]="username" (ngModelChange)="check()"
              autocomplete="username" autocapitalize="none" spellcheck="false" required aria-describedby="new-username-status" />
            <p class="hint" id="new-username-status" aria-live="polite">{{ status() }}</p>
          </div>
          <p class="form-error" role="alert">{{ error() }}</p>
          <button class="btn btn-primary btn-block" type="submit" [disabled]="busy()">Continue</button>
        </form>
      </div>
    </main>
  `,
})
export class ChooseUsernamePage {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected username = '';
  protected readonly status = signal('3–32 letters, digits, dot, _ or -, starting with a letter or digit.');
  protected readonly error = signal('');
  protected readonly busy = signal(false);
  protected readonly pending = signal<boolean | null>(null);
  protected readonly providerName = signal('');
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    void this.auth.pendingSignup().then((p) => {
      this.pending.set(!!p);
      if (!p) return;
      this.providerName.set(p.display_name);
      if (p.suggested_username && !this.username) {
        this.username = p.suggested_username;
        this.check();
      }
    });
  }

  protected check(): void {
    if (this.timer) clearTimeout(this.timer);
    const name = this.username.trim();
    if (!name) return;
    this.timer = setTimeout(async () => {
      try {
        const r = await this.auth.usernameAvailable(name);
        if (this.username.trim() !== name) return;
        this.status.set(r.available ? `${name} is available.` : (r.reason ?? `${name} is taken.`));
      } catch {
        /* the submit answer will tell */
      }
    }, 300);
  }

  protected async submit(): Promise<void> {
    const name = this.username.trim();
    if (!name) {
      this.error.set('Enter a username.');
      return;
    }
    this.busy.set(true);
    this.error.set('');
    try {
      await this.auth.chooseUsername(name);
      await this.router.navigateByUrl('/');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        await this.router.navigateByUrl('/sign-in');
        return;
      }
      this.error.set(e instanceof ApiError ? e.message : 'Something went wrong. Try again.');
    } finally {
      this.busy.set(false);
    }
  }
}
