import { Component, ElementRef, inject, model, signal, viewChild } from '@angular/core';
import { Router } from '@angular/router';
import { ChatService } from './chat.service';
import { bindDialog } from './dialogs';
import { formatListTime } from './format';
import { SearchHit } from './protocol';

/** Search over the messages of the user's conversations (the server's `search`), newest first. */
@Component({
  selector: 'app-search',
  template: `
    <dialog #dlg class="dialog search-dialog" aria-labelledby="search-title" (close)="open.set(false)">
      <div class="dialog-head">
        <h2 id="search-title">Search messages</h2>
        <button type="button" class="icon-btn" aria-label="Close" (click)="open.set(false)">✕</button>
      </div>
      @if (open()) {
        <form role="search" class="search-form" (submit)="$event.preventDefault(); run()">
          <label class="sr-only" for="search-input">Words to find</label>
          <input id="search-input" type="search" data-autofocus autocomplete="off" maxlength="100" placeholder="Words to find…"
            [value]="query()" (input)="onInput($event)" />
          <button type="submit" class="btn btn-primary" [disabled]="!query().trim()">Search</button>
        </form>
        <p class="search-status" role="status">{{ status() }}</p>
        @if (hits().length) {
          <ul class="search-results" aria-label="Results">
            @for (h of hits(); track h.conversation + '/' + h.seq) {
              <li>
                <button type="button" class="hit" (click)="go(h)">
                  <span class="hit-where">{{ where(h) || '…' }} · {{ h.sender.username }} · {{ when(h.ts) }}</span>
                  <span class="hit-text" dir="auto">@for (p of marked(h.excerpt); track $index) {@if (p.m) {<mark>{{ p.t }}</mark>} @else {{{ p.t }}}}</span>
                </button>
              </li>
            }
          </ul>
        }
        @if (next()) {
          <button type="button" class="btn btn-secondary btn-block" [disabled]="busy()" (click)="more()">More results</button>
        }
      }
    </dialog>
  `,
})
export class Search {
  private readonly chat = inject(ChatService);
  private readonly router = inject(Router);
  readonly open = model(false);
  protected readonly query = signal('');
  protected readonly hits = signal<SearchHit[]>([]);
  protected readonly next = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly status = signal('');
  private readonly dlg = viewChild.required<ElementRef<HTMLDialogElement>>('dlg');
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The query the shown hits belong to (a slower older answer never replaces a newer one). */
  private asked = '';

  constructor() {
    bindDialog(
      () => this.open(),
      () => this.dlg(),
      () => {
        this.status.set('');
      },
    );
  }

  protected onInput(e: Event): void {
    this.query.set((e.target as HTMLInputElement).value);
    if (this.timer) clearTimeout(this.timer);
    // Typing searches after a pause; Enter searches at once.
    this.timer = setTimeout(() => this.query().trim().length >= 2 && void this.run(), 400);
  }

  protected async run(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const q = this.query().trim();
    if (!q || q === this.asked) return;
    this.asked = q;
    await this.page(q, undefined);
  }

  protected async more(): Promise<void> {
    const cursor = this.next();
    if (cursor) await this.page(this.asked, cursor);
  }

  private async page(q: string, cursor: string | undefined): Promise<void> {
    this.busy.set(true);
    this.status.set('Searching…');
    try {
      const r = await this.chat.searchMessages(q, cursor);
      if (q !== this.asked) return;
      const all = cursor ? [...this.hits(), ...r.hits] : r.hits;
      this.hits.set(all);
      this.next.set(r.next);
      // Hits name conversations by id: one not listed yet (created a moment ago, or the list still
      // loading) gets its name from a fresh listing (every page); until then the hit shows "…".
      if (r.hits.some((h) => !this.where(h))) void this.chat.refreshList().catch(() => undefined);
      // A short query scans a bounded part of the history per page: none yet may still mean more.
      const n = all.length;
      this.status.set(
        n ? `${n}${r.next ? '+' : ''} ${n === 1 ? 'message' : 'messages'} found` : r.next ? 'Nothing in the newest messages. Look further back with More results.' : 'No messages found.',
      );
    } catch (e) {
      if (q !== this.asked) return;
      this.asked = '';
      this.status.set((e as { message?: string })?.message || 'The search failed. Try again.');
    } finally {
      this.busy.set(false);
    }
  }

  /** The hit's conversation name, '' while it is not listed (a conversation seen only by its events has no members yet). */
  protected where(h: SearchHit): string {
    const c = this.chat.convs()[h.conversation];
    return c?.info.members.length ? this.chat.titleOf(c) : '';
  }

  protected when(ts: number): string {
    return formatListTime(ts);
  }

  /** The excerpt with each occurrence of the query marked (a literal substring, any case). */
  protected marked(text: string): { t: string; m: boolean }[] {
    const q = this.asked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (!q) return [{ t: text, m: false }];
    // One capturing group: split() puts the matches at the odd places.
    return text
      .split(new RegExp(`(${q})`, 'iu'))
      .map((t, i) => ({ t, m: i % 2 === 1 }))
      .filter((p) => p.t);
  }

  protected go(h: SearchHit): void {
    this.open.set(false);
    void this.router.navigate(['/c', h.conversation], { queryParams: { m: h.seq } });
  }
}
