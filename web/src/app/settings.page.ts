import { Component, inject, signal, viewChild } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { ApiError, AuthService, SessionInfo } from './auth.service';
import { AvatarEditor } from './avatar-editor';
import { ChatService, RequestError } from './chat.service';
import { AVATAR_COLORS } from './format';
import { Notifier } from './notifier';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Signed-in devices (sign out of any other one), notifications, this device's sign-out. */
@Component({
  selector: 'app-settings',
  imports: [RouterLink, AvatarEditor],
  template: `
    <main class="settings-page" id="main">
      <header class="conv-head">
        <a class="icon-btn" routerLink="/" aria-label="Back to conversations">←</a>
        <h1 class="conv-head-title">Settings</h1>
      </header>
      <div class="settings-body">
        <section aria-labelledby="profile-head">
          <h2 id="profile-head">Your avatar</h2>
          <p>People who share a conversation with you see it next to your name.</p>
          <app-avatar-editor #editor testid="my-avatar" [name]="profile()?.username ?? ''" [color]="profile()?.avatar_color" [image]="profile()?.avatar"
            (picked)="setImage($event)" (removed)="setImage('')" />
          <fieldset class="colours">
            <legend>Colour (shown when there is no picture)</legend>
            @for (col of colours; track col) {
              <label class="colour" [style.background-color]="col || null">
                <input type="radio" name="my-colour" [value]="col" [checked]="(profile()?.avatar_color ?? '') === col" [disabled]="profileBusy()"
                  (change)="setColour(col)" />
                <span class="sr-only">{{ col ? 'Colour ' + col : 'From my name' }}</span>
                @if (!col) {<span aria-hidden="true">Auto</span>}
              </label>
            }
          </fieldset>
          <p class="form-error" role="alert">{{ profileError() }}</p>
        </section>
        <section aria-labelledby="notif-head">
          <h2 id="notif-head">Notifications</h2>
          @switch (notifier.permission()) {
            @case ('granted') { <p>Desktop notifications are on for new messages while chatd is in the background.</p> }
            @case ('denied') { <p>Notifications are blocked for this site. Allow them in the browser's site settings.</p> }
            @case ('unsupported') { <p>This browser cannot show notifications.</p> }
            @default {
              <p>Get a desktop notification for new messages while chatd is in the background.</p>
              <button type="button" class="btn btn-secondary" (click)="notifier.ask()">Turn on notifications</button>
            }
          }
        </section>
        <section aria-labelledby="sessions-head">
          <h2 id="sessions-head">Signed-in devices</h2>
          @if (error()) {
            <p class="form-error" role="alert">{{ error() }}</p>
          }
          @if (sessions() === null) {
            <p class="empty">Loading…</p>
          } @else {
            <ul class="session-list">
              @for (s of sessions(); track s.id) {
                <li class="session" [attr.data-session]="s.id">
                  <div class="session-main">
                    <span class="session-name">{{ device(s.user_agent) }}{{ s.current ? ' (this device)' : '' }}</span>
                    <span class="session-meta">Signed in {{ date(s.created_at_ms) }} · last active {{ date(s.last_seen_ms) }}</span>
                  </div>
                  @if (!s.current) {
                    <button type="button" class="btn btn-small btn-plain" [disabled]="busy()" (click)="revoke(s)"
                      [attr.aria-label]="'Sign out ' + device(s.user_agent) + ', signed in ' + date(s.created_at_ms)">Sign out</button>
                  }
                </li>
              }
            </ul>
            @if (others() > 0) {
              <button type="button" class="btn btn-secondary" [disabled]="busy()" (click)="revokeOthers()">
                Sign out of all other devices
              </button>
            }
          }
        </section>
        <section aria-labelledby="device-head">
          <h2 id="device-head">This device</h2>
          <button type="button" class="btn btn-danger" (click)="signOut()">Sign out</button>
        </section>
      </div>
    </main>
  `,
})
export class SettingsPage {
  private readonly auth = inject(AuthService);
  private readonly chat = inject(ChatService);
  private readonly router = inject(Router);
  protected readonly notifier = inject(Notifier);
  protected readonly sessions = signal<SessionInfo[] | null>(null);
  protected readonly error = signal('');
  protected readonly busy = signal(false);
  protected readonly profile = this.chat.myProfile;
  protected readonly colours = ['', ...AVATAR_COLORS];
  protected readonly profileBusy = signal(false);
  protected readonly profileError = signal('');
  private readonly editor = viewChild.required<AvatarEditor>('editor');

  constructor() {
    void this.load();
  }

  protected async setImage(avatar: string): Promise<void> {
    await this.saveProfile({ avatar }, (m) => this.editor().fail(m));
  }

  protected async setColour(avatar_color: string): Promise<void> {
    await this.saveProfile({ avatar_color }, (m) => this.profileError.set(m));
  }

  private async saveProfile(fields: { avatar?: string; avatar_color?: string }, fail: (m: string) => void): Promise<void> {
    this.profileBusy.set(true);
    this.profileError.set('');
    try {
      await this.chat.setProfile(fields);
    } catch (e) {
      fail(e instanceof RequestError && e.code === 'rate_limited' ? 'Too many changes at once. Try again in a moment.' : 'Could not save your avatar. Try again.');
    } finally {
      this.profileBusy.set(false);
    }
  }

  protected others(): number {
    return (this.sessions() ?? []).filter((s) => !s.current).length;
  }

  private async load(): Promise<void> {
    try {
      this.sessions.set(await this.auth.sessions());
      this.error.set('');
    } catch (e) {
      this.error.set(e instanceof ApiError ? e.message : 'Could not load the sessions.');
      this.sessions.set([]);
    }
  }

  protected async revoke(s: SessionInfo): Promise<void> {
    await this.run([s]);
  }

  protected async revokeOthers(): Promise<void> {
    await this.run((this.sessions() ?? []).filter((s) => !s.current));
  }

  private async run(list: SessionInfo[]): Promise<void> {
    this.busy.set(true);
    try {
      for (const s of list) await this.auth.revokeSession(s.id);
    } catch (e) {
      this.error.set(e instanceof ApiError ? e.message : 'Could not sign that device out.');
    } finally {
      this.busy.set(false);
      await this.load();
    }
  }

  protected async signOut(): Promise<void> {
    await this.chat.signOut();
    await this.router.navigateByUrl('/sign-in');
  }

  protected date(ms: number): string {
    return ms ? when.format(new Date(ms)) : 'unknown';
  }

  /** A short device name from the User-Agent (browser on system). */
  protected device(ua: string): string {
    const browser = /Edg\//.test(ua)
      ? 'Edge'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrom(e|ium)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : /okhttp|Kotlin|Java/i.test(ua)
              ? 'App'
              : '';
    const os = /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Windows/.test(ua)
            ? 'Windows'
            : /Linux/.test(ua)
              ? 'Linux'
              : '';
    if (browser && os) return `${browser} on ${os}`;
    return browser || os || 'Unknown device';
  }
}
