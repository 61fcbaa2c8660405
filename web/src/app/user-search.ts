import { Component, inject, input, output, signal } from '@angular/core';
import { Avatar } from './avatar';
import { ChatService } from './chat.service';
import { UserRef } from './protocol';

let nextUid = 0;

/** A username search box (search_users) whose results are buttons. */
@Component({
  selector: 'app-user-search',
  imports: [Avatar],
  template: `
    <div class="field">
      <label [for]="inputId">{{ label() }}</label>
      <input [id]="inputId" type="search" [attr.data-autofocus]="autofocus() ? '' : null" autocomplete="off" autocapitalize="none" spellcheck="false"
        [value]="query()" (input)="onInput($event)" (keydown.enter)="$event.preventDefault(); pickFirst()" (keydown.escape)="onEscape($event)"
        [attr.aria-describedby]="inputId + '-status'" />
      <p class="hint" [id]="inputId + '-status'" aria-live="polite">{{ status() }}</p>
    </div>
    @if (results().length) {
      <ul class="user-results" [attr.aria-label]="'People matching ' + query()">
        @for (u of results(); track u.id) {
          <li>
            <button type="button" class="user-result" [disabled]="exclude().includes(u.username)" (click)="pick(u)">
              <app-avatar size="small" [name]="u.username" [color]="chat.profileOf(u).avatar_color" [image]="chat.profileOf(u).avatar" />
              <span>{{ u.username }}</span>
              <span class="sr-only">– {{ action() }}</span>
            </button>
          </li>
        }
      </ul>
    }
  `,
})
export class UserSearch {
  protected readonly chat = inject(ChatService);
  readonly label = input('Search people by username');
  readonly action = input('select');
  readonly exclude = input<string[]>([]);
  /** Take the focus when the surrounding dialog opens. */
  readonly autofocus = input(false);
  readonly picked = output<UserRef>();
  protected readonly inputId = `user-search-${++nextUid}`;
  protected readonly query = signal('');
  protected readonly results = signal<UserRef[]>([]);
  protected readonly status = signal('');
  private timer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;

  protected onInput(e: Event): void {
    this.query.set((e.target as HTMLInputElement).value);
    if (this.timer) clearTimeout(this.timer);
    const q = this.query().trim();
    if (!q) {
      this.results.set([]);
      this.status.set('');
      return;
    }
    this.timer = setTimeout(() => void this.run(q), 200);
  }

  private async run(q: string): Promise<void> {
    const mine = ++this.seq;
    try {
      const users = await this.chat.searchUsers(q);
      if (mine !== this.seq) return;
      this.results.set(users);
      this.status.set(users.length === 0 ? 'Nobody found.' : `${users.length} ${users.length === 1 ? 'person' : 'people'} found.`);
    } catch {
      if (mine === this.seq) this.status.set('Search is unavailable right now.');
    }
  }

  /**
   * WebKit's search fields take every Escape (clearing the text, even when there is none), so the
   * dialog around one never saw it: an Escape in the empty field closes that dialog itself.
   */
  protected onEscape(e: Event): void {
    const el = e.target as HTMLInputElement;
    if (el.value === '') el.closest('dialog')?.close();
  }

  protected pickFirst(): void {
    const u = this.results().find((r) => !this.exclude().includes(r.username));
    if (u) this.pick(u);
  }

  protected pick(u: UserRef): void {
    this.picked.emit(u);
    this.clear();
    document.getElementById(this.inputId)?.focus();
  }

  clear(): void {
    this.query.set('');
    this.results.set([]);
    this.status.set('');
  }
}
