import { Component, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, Router } from '@angular/router';
import { USERNAME_REASONS, localUsernameProblem, passwordProblem } from './account-rules';
import { ApiError, AuthService, Provider } from './auth.service';

const OIDC_ERRORS: Record<string, string> = {
  oidc_identity_in_use: 'That account is already linked to another chatd user.',
  oidc_account_missing: 'The chatd account for that sign-in no longer exists.',
  oidc_state_invalid: 'The sign-in took too long or came from another browser. Try again.',
  oidc_provider_error: 'The provider refused the sign-in.',
  oidc_exchange_failed: 'The provider sign-in could not be completed. Try again.',
  oidc_token_invalid: 'The provider sent an invalid answer. Try again.',
  oidc_issuer_mismatch: 'The provider sent an invalid answer. Try again.',
  not_signed_in: 'Sign in first, then link the provider.',
  oidc_unavailable: 'The sign-in provider cannot be reached right now. Try again later.',
  unknown_provider: 'That sign-in provider is not configured.',
};

@Component({
  selector: 'app-sign-in',
  imports: [FormsModule],
  template: `
    <main class="auth-page" id="main">
      <div class="auth-card">
        <h1 class="brand"><span class="brand-mark" aria-hidden="true"></span>chatd</h1>
        <h2>{{ mode() === 'login' ? 'Sign in' : 'Create an account' }}</h2>

        @if (providers().length) {
          <ul class="providers" aria-label="Sign in with">
            @for (p of providers(); track p.name) {
              <li><a class="btn btn-secondary btn-block" [href]="p.login_url">Continue with {{ p.display_name }}</a></li>
            }
          </ul>
          <p class="divider"><span>or with a username and password</span></p>
        }

        <form (ngSubmit)="submit()" novalidate>
          <div class="field">
            <label for="username">Username</label>
            <input id="username" name="username" [(ngModel)]="username" (ngModelChange)="usernameChanged()"
              autocomplete="username" autocapitalize="none" spellcheck="false" required
              [attr.aria-invalid]="!!usernameError() || null" aria-describedby="username-hint username-error" />
            @if (mode() === 'register') {
              <p class="hint" id="username-hint">3–32 letters, digits, dot, _ or -, starting with a letter or digit.</p>
            } @else {
              <p class="hint sr-only" id="username-hint">Your chatd username.</p>
            }
            <p class="field-error" id="username-error" aria-live="polite">{{ usernameError() }}</p>
            @if (usernameOk()) {
              <p class="field-ok" aria-live="polite">{{ username.trim() }} is available.</p>
            }
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" [(ngModel)]="password" (ngModelChange)="passwordChanged()"
              required [attr.autocomplete]="mode() === 'login' ? 'current-password' : 'new-password'"
              [attr.aria-invalid]="!!passwordError() || null" aria-describedby="password-hint password-error" />
            @if (mode() === 'register') {
              <p class="hint" id="password-hint">At least 8 characters.</p>
            } @else {
              <p class="hint sr-only" id="password-hint">Your password.</p>
            }
            <p class="field-error" id="password-error" aria-live="polite">{{ passwordError() }}</p>
          </div>
          <p class="form-error" role="alert">{{ error() }}</p>
          <button class="btn btn-primary btn-block" type="submit" [disabled]="busy()">
            {{ mode() === 'login' ? 'Sign in' : 'Create account' }}
          </button>
        </form>
        <p class="switch">
          @if (mode() === 'login') {
            New here? <button type="button" class="link" (click)="toggle()">Create an account</button>
          } @else {
            Have an account? <button type="button" class="link" (click)="toggle()">Sign in instead</button>
          }
        </p>
      </div>
    </main>
  `,
})
export class SignInPage {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly mode = signal<'login' | 'register'>('login');
  protected readonly providers = signal<Provider[]>([]);
  protected readonly error = signal('');
  protected readonly usernameError = signal('');
  protected readonly passwordError = signal('');
  protected readonly usernameOk = signal(false);
  private checkTimer: ReturnType<typeof setTimeout> | null = null;
  private checkSeq = 0;
  protected readonly busy = signal(false);
  protected username = '';
  protected password = '';

  constructor() {
    void this.auth.providers().then((p) => this.providers.set(p));
    // OIDC failures come back as #/sign-in?error=<code>&reason=<text>.
    inject(ActivatedRoute)
      .queryParamMap.pipe(takeUntilDestroyed())
      .subscribe((q) => {
        const code = q.get('error');
        if (!code) return;
        const reason = q.get('reason');
        const text = OIDC_ERRORS[code] ?? 'Sign-in with the provider failed. Try again.';
        this.error.set(code === 'oidc_provider_error' && reason === 'access_denied' ? 'Sign-in was cancelled.' : text);
      });
  }

  protected toggle(): void {
    this.mode.set(this.mode() === 'login' ? 'register' : 'login');
    this.error.set('');
    this.usernameError.set('');
    this.passwordError.set('');
    this.usernameOk.set(false);
    if (this.mode() === 'register' && this.username.trim()) this.usernameChanged();
  }

  /** Sign-up: check the name as it is typed (rules here, then GET /api/username for the rest). */
  protected usernameChanged(): void {
    if (this.mode() !== 'register') {
      this.usernameError.set('');
      return;
    }
    this.usernameOk.set(false);
    if (this.checkTimer) clearTimeout(this.checkTimer);
    const name = this.username.trim();
    const seq = ++this.checkSeq;
    const local = localUsernameProblem(name);
    this.usernameError.set(local ?? '');
    if (!name || local) return;
    this.checkTimer = setTimeout(async () => {
      try {
        const r = await this.auth.usernameAvailable(name);
        if (seq !== this.checkSeq) return; // typed on meanwhile
        this.usernameError.set(r.available ? '' : (USERNAME_REASONS[r.reason ?? ''] ?? r.message ?? 'That username is not allowed.'));
        this.usernameOk.set(r.available);
      } catch {
        /* offline or rate limited: the submit will tell */
      }
    }, 300);
    if (this.password) this.passwordChanged();
  }

  protected passwordChanged(): void {
    if (this.mode() !== 'register' || !this.password) {
      this.passwordError.set('');
      return;
    }
    this.passwordError.set(passwordProblem(this.password, this.username.trim()) ?? '');
  }

  protected async submit(): Promise<void> {
    const username = this.username.trim();
    if (!username || !this.password) {
      this.error.set('Enter a username and a password.');
      return;
    }
    if (this.mode() === 'register') {
      const u = localUsernameProblem(username);
      const p = passwordProblem(this.password, username);
      this.usernameError.set(u ?? this.usernameError());
      this.passwordError.set(p ?? '');
      if (u || p) return;
    }
    this.busy.set(true);
    this.error.set('');
    try {
      if (this.mode() === 'login') await this.auth.login(username, this.password);
      else await this.auth.register(username, this.password);
      this.password = '';
      await this.router.navigateByUrl('/');
    } catch (e) {
      // A field's own problem goes beside that field (and marks it invalid), anything else on top.
      if (e instanceof ApiError && e.code === 'weak_password') this.passwordError.set(e.message);
      else if (e instanceof ApiError && (e.code === 'invalid_username' || e.code === 'username_taken')) {
        this.usernameOk.set(false);
        this.usernameError.set(e.code === 'username_taken' ? USERNAME_REASONS['taken'] : (localUsernameProblem(username) ?? e.message));
      } else this.error.set(e instanceof ApiError ? e.message : 'Something went wrong. Try again.');
    } finally {
      this.busy.set(false);
    }
  }
}
