import {
  Component,
  ElementRef,
  afterRenderEffect,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { RouterLink } from '@angular/router';
import { ChatService, Msg } from './chat.service';
import { firstUnreadSeq } from './chat.reducers';
import { describeEvent, formatTime } from './format';
import { LIMITS } from './protocol';
import { Piece, parseRich } from './rich';
import { Day, buildTimeline } from './timeline';

/**
 * Windowed rendering: at most WINDOW_MAX events are in the DOM, a slice of the loaded ones that
 * moves by WINDOW_STEP when the reader nears either end (the DOM stays small for any history).
 */
const WINDOW_MAX = 240;
const WINDOW_STEP = 80;
/** The first and last rendered rows: a window move or a new page changes them. */
function edgeKeys(days: Day[]): string {
  const last = days[days.length - 1]?.rows;
  return `${days[0]?.rows[0]?.msg.key ?? ''}/${last?.[last.length - 1]?.msg.key ?? ''}`;
}

/** Pixels from an end of the list at which the window moves (or an older page is fetched). */
const EDGE_PX = 300;

@Component({
  selector: 'app-message-view',
  imports: [RouterLink],
  template: `
    @if (conv(); as c) {
      <header class="conv-head">
        <a class="icon-btn back" routerLink="/" aria-label="Back to conversations">←</a>
        <div class="conv-head-main">
          <h2 class="conv-head-title" #heading tabindex="-1">{{ title() }}</h2>
          <p class="conv-head-sub">{{ subtitle() }}</p>
        </div>
        @if (c.info.kind === 'group') {
          <button type="button" class="btn btn-small btn-secondary" (click)="manage.emit()">Members</button>
        }
      </header>
      <div class="messages" #scroller tabindex="0" role="region" [attr.aria-label]="'Messages with ' + title()"
        (scroll)="onScroll()" data-testid="messages">
        @if (c.loaded && (c.hasMore || range().start > 0)) {
          <div class="load-older">
            <button type="button" class="btn btn-small btn-secondary" [disabled]="c.loading" (click)="older()">
              {{ c.loading ? 'Loading…' : 'Load earlier messages' }}
            </button>
          </div>
        } @else if (c.loaded && c.events.length) {
          <p class="history-start">This is the beginning of the conversation.</p>
        }
        @if (!c.loaded) {
          <p class="empty">Loading messages…</p>
        }
        @for (g of days(); track g.key) {
          <section class="day" [attr.aria-labelledby]="'day-' + g.key">
            <h3 class="day-sep" [id]="'day-' + g.key"><span>{{ g.label }}</span></h3>
            <ol class="msg-list">
              @for (r of g.rows; track r.msg.key) {
                @if (r.unreadStart) {
                  <li class="unread-divider" data-testid="unread-divider"><span>New messages</span></li>
                }
                @let m = r.msg;
                @if (m.kind === 'message') {
                  <li class="msg" [attr.data-key]="m.key" [class.own]="m.sender.id === meId()" [class.pending]="m.status === 'pending'"
                    [class.failed]="m.status === 'failed'" [class.cont]="!r.first" [class.run-end]="r.last"
                    [attr.data-seq]="m.seq" [attr.data-cmid]="m.client_msg_id">
                    <span class="msg-author" [class.sr-only]="!r.first || m.sender.id === meId() || c.info.kind === 'direct'">{{ m.sender.id === meId() ? 'You' : m.sender.username }}</span>
                    <p class="msg-body" dir="auto">@for (p of rich(m.body); track $index) {@switch (p.k) {@case ('link') {<a [href]="p.href" target="_blank" rel="noopener noreferrer nofollow">{{ p.t }}</a>}@case ('b') {<strong>{{ p.t }}</strong>}@case ('i') {<em>{{ p.t }}</em>}@case ('code') {<code>{{ p.t }}</code>}@case ('pre') {<code class="block">{{ p.t }}</code>}@default {{{ p.t }}}}}</p>
                    <span class="msg-meta">
                      <time [attr.datetime]="iso(m.ts)" [class.sr-only]="!r.last && m.status === 'sent'">{{ time(m.ts) }}</time>
                      @if (m.sender.id === meId()) {
                        @switch (m.status) {
                          @case ('pending') { <span class="msg-state">{{ waiting() ? 'Waiting for network' : 'Sending…' }}</span> }
                          @case ('failed') {
                            <span class="msg-state msg-failed">Not sent{{ m.error ? ': ' + m.error : '' }}</span>
                            <button type="button" class="link" (click)="chat.retry(m.client_msg_id)">Retry</button>
                            <button type="button" class="link" (click)="chat.discard(m.client_msg_id)">Delete</button>
                          }
                          @default {
                            @if (m.seq === lastOwnSeq()) {
                              <span class="msg-state">{{ m.seq !== null && m.seq <= seenUpTo() ? 'Read' : 'Sent' }}</span>
                            }
                          }
                        }
                      }
                    </span>
                  </li>
                } @else {
                  <li class="msg-event" [attr.data-key]="m.key" [attr.data-seq]="m.seq">
                    <span class="sr-only">Event</span>
                    <p class="msg-body">{{ describe(m) }}</p>
                    <time [attr.datetime]="iso(m.ts)">{{ time(m.ts) }}</time>
                  </li>
                }
              }
            </ol>
          </section>
        }
      </div>
      @if (!atBottom()) {
        <button type="button" class="btn btn-small btn-primary jump" (click)="jumpToLatest()">
          Jump to latest{{ newBelow() ? ' (' + newBelow() + ' new)' : '' }}
        </button>
      }
      <p class="typing" data-testid="typing">{{ typingText() }}</p>
      <form class="composer" (submit)="$event.preventDefault(); submit()">
        <label class="sr-only" for="composer-input">Message to {{ title() }}</label>
        <textarea id="composer-input" #composer rows="1" placeholder="Write a message…" [value]="draft()"
          (input)="onInput($event)" (keydown)="onKey($event)" aria-describedby="composer-hint"
          enterkeyhint="send"></textarea>
        <span id="composer-hint" class="sr-only">Enter sends, Shift+Enter starts a new line.</span>
        <button type="submit" class="btn btn-primary" [disabled]="!draft().trim()">Send</button>
      </form>
      @if (tooLong()) {
        <p class="form-error" role="alert">The message is longer than {{ maxChars }} characters.</p>
      }
    } @else {
      <div class="placeholder"><p>{{ chat.listed() ? 'This conversation is not available.' : 'Loading…' }}</p></div>
    }
  `,
})
export class MessageView {
  protected readonly chat = inject(ChatService);
  readonly conversationId = input.required<number>();
  readonly manage = output<void>();
  protected readonly maxChars = LIMITS.maxBodyChars;
  private readonly scroller = viewChild<ElementRef<HTMLDivElement>>('scroller');
  private readonly composer = viewChild<ElementRef<HTMLTextAreaElement>>('composer');
  private readonly heading = viewChild<ElementRef<HTMLHeadingElement>>('heading');
  private focusedConv = -1;

  protected readonly conv = computed(() => this.chat.convs()[this.conversationId()]);
  protected readonly meId = computed(() => this.chat.me()?.id ?? 0);
  protected readonly title = computed(() => this.chat.titleOf(this.conv()));
  protected readonly draft = computed(() => this.chat.drafts()[this.conversationId()] ?? '');
  protected readonly tooLong = computed(() => [...this.draft()].length > LIMITS.maxBodyChars);
  /** No network: say "waiting", not "failed" (they go out when the network is back). */
  protected readonly waiting = computed(() => this.chat.networkDown());

  protected readonly subtitle = computed(() => {
    const c = this.conv();
    if (!c) return '';
    const peer = this.chat.peerOf(c);
    if (peer) {
      const online = this.chat.presence()[peer.id];
      return online === undefined ? 'Direct message' : online ? 'Online' : 'Offline';
    }
    return `${c.info.members.length} members`;
  });

  /** Our read position when this conversation was opened: the divider stays where it was. */
  private readonly openedRead = signal<{ id: number; readSeq: number } | null>(null);
  /** Seq of the newest rendered event; null = follow the newest (the usual case). */
  private readonly windowEnd = signal<number | null>(null);
  /** Index range of `events` in the DOM. */
  protected readonly range = computed(() => {
    const c = this.conv();
    const n = c?.events.length ?? 0;
    const endSeq = this.windowEnd();
    let end = n;
    if (c && endSeq !== null) {
      const i = c.events.findIndex((e) => e.seq! >= endSeq);
      end = i < 0 ? n : i + 1;
    }
    return { start: Math.max(0, end - WINDOW_MAX), end };
  });
  protected readonly atBottom = signal(true);
  private readonly bottomSeq = signal(0);

  /** Seq of the first message from others that was unread at open, if it is loaded. */
  protected readonly unreadFrom = computed(() => {
    const c = this.conv();
    const o = this.openedRead();
    if (!c || !c.loaded || !o || o.id !== c.info.id) return null;
    return firstUnreadSeq(c.events, o.readSeq, this.meId());
  });

  /** Confirmed events (the newest `window` of them), then this conversation's unsent messages. */
  protected readonly days = computed<Day[]>(() => {
    const c = this.conv();
    if (!c) return [];
    const me = this.chat.me();
    const out: Msg[] = this.chat
      .outbox()
      .filter((o) => o.conversation === c.info.id)
      .map((o) => ({
        key: `p${o.client_msg_id}`,
        seq: null,
        kind: 'message',
        sender: me ?? { id: 0, username: '' },
        body: o.body,
        ts: o.ts,
        client_msg_id: o.client_msg_id,
        status: o.status,
        error: o.error,
      }));
    const { start, end } = this.range();
    const shown = start === 0 && end === c.events.length ? c.events : c.events.slice(start, end);
    // Unsent messages sit after the newest event: only when the window reaches it.
    const tail = end === c.events.length ? out : [];
    return buildTimeline([...shown, ...tail], c.info.kind === 'direct', this.unreadFrom());
  });

  /** Messages from others that arrived below the visible part (for "Jump to latest"). */
  protected readonly newBelow = computed(() => {
    const c = this.conv();
    if (!c || this.atBottom()) return 0;
    const from = this.bottomSeq();
    return c.events.filter((e) => e.seq! > from && e.kind === 'message' && e.sender.id !== this.meId()).length;
  });

  /** Delivery state is shown on the newest confirmed own message only (less noise). */
  protected readonly lastOwnSeq = computed(() => {
    const c = this.conv();
    const me = this.meId();
    if (!c) return null;
    for (let i = c.events.length - 1; i >= 0; i--) {
      const m = c.events[i];
      if (m.kind === 'message' && m.sender.id === me) return m.seq;
    }
    return null;
  });

  /** Highest seq any other member has read (for "Read" on own messages). */
  protected readonly seenUpTo = computed(() => {
    const c = this.conv();
    if (!c) return 0;
    return Math.max(0, ...Object.values(c.readBy));
  });

  protected readonly typingText = computed(() => {
    const t = this.chat.typing()[this.conversationId()] ?? {};
    const names = Object.values(t).map((x) => x.username);
    if (names.length === 0) return '';
    if (names.length === 1) return `${names[0]} is typing…`;
    if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
    return 'Several people are typing…';
  });

  /** A row on screen and its offset before the window moved: it stays put on screen after. */
  private anchor: { key: string; offset: number; edges: string } | null = null;
  private lastConv = -1;
  private dividerShown = -1;
  private richCache = new Map<string, Piece[]>();

  constructor() {
    // Opening a conversation: remember the read position (for the divider), load the newest page.
    effect(() => {
      const id = this.conversationId();
      const c = this.conv();
      const online = this.chat.status() === 'online';
      untracked(() => {
        if (c && this.openedRead()?.id !== id && (c.loaded || online)) {
          this.openedRead.set({ id, readSeq: c.info.read_seq });
          this.windowEnd.set(null);
        }
      });
      if (c && !c.loaded && online) untracked(() => void this.chat.loadNewest(id));
      if (c?.loaded && this.atBottom()) untracked(() => this.chat.markRead(id));
    });
    // Without CSS field-sizing (Safari before 26, WebKitGTK 2.50) the composer would stay one row
    // high: grow it to its text after each change (styles.css caps it at 40vh).
    if (typeof CSS !== 'undefined' && !CSS.supports('field-sizing', 'content')) {
      afterRenderEffect(() => {
        this.draft();
        const ta = this.composer()?.nativeElement;
        if (!ta) return;
        ta.style.height = 'auto';
        ta.style.height = `${ta.scrollHeight + ta.offsetHeight - ta.clientHeight}px`;
      });
    }
    // After the list re-renders: show the first unread once, keep the reading position when older
    // pages are prepended, follow the bottom when the reader was there (or just switched).
    afterRenderEffect(() => {
      const groups = this.days();
      const id = this.conversationId();
      const divider = this.unreadFrom();
      const el = this.scroller()?.nativeElement;
      if (!el) return;
      const edges = edgeKeys(groups);
      if (id !== this.lastConv) {
        this.lastConv = id;
        this.anchor = null;
        this.toBottom(el);
      }
      if (divider !== null && this.dividerShown !== id) {
        const line = el.querySelector<HTMLElement>('[data-testid="unread-divider"]');
        if (line) {
          this.dividerShown = id;
          // Not scrollIntoView: that would also scroll the (overflow: hidden) layout boxes around.
          el.scrollTop += line.getBoundingClientRect().top - el.getBoundingClientRect().top - 8;
          this.onScroll();
          return;
        }
      }
      // Applied once the rendered rows changed (a render in between, e.g. "Loading…", keeps it).
      if (this.anchor && this.anchor.edges !== edges) {
        const row = el.querySelector<HTMLElement>(`[data-key="${this.anchor.key}"]`);
        if (row) el.scrollTop += row.getBoundingClientRect().top - el.getBoundingClientRect().top - this.anchor.offset;
        this.anchor = null;
        return;
      }
      if (this.atBottom()) this.toBottom(el);
    });
    // A newly opened conversation takes the focus: the composer on wide screens (type at once),
    // the heading on phones (no keyboard popping up; screen readers announce where they are).
    afterRenderEffect(() => {
      const id = this.conversationId();
      const ta = this.composer()?.nativeElement;
      const h = this.heading()?.nativeElement;
      if (!ta || !h || id === this.focusedConv) return;
      this.focusedConv = id;
      const active = document.activeElement;
      if (active && active !== document.body && active.closest('dialog')) return;
      if (matchMedia('(min-width: 768px)').matches) ta.focus();
      else h.focus();
    });
  }

  private toBottom(el: HTMLElement): void {
    el.scrollTop = el.scrollHeight;
    this.atBottom.set(true);
    this.bottomSeq.set(this.conv()?.info.last_seq ?? 0);
  }

  protected onScroll(): void {
    const el = this.scroller()?.nativeElement;
    if (!el) return;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    const following = this.windowEnd() === null;
    const bottom = following && fromBottom < 80;
    if (bottom !== this.atBottom()) {
      this.atBottom.set(bottom);
      if (!bottom) this.bottomSeq.set(this.conv()?.info.last_seq ?? 0);
    }
    if (this.anchor) return; // a window move is still being rendered
    if (el.scrollTop < EDGE_PX) void this.older();
    else if (!following && fromBottom < EDGE_PX) this.newer();
    if (bottom) this.chat.markRead(this.conversationId());
  }

  protected jumpToLatest(): void {
    const el = this.scroller()?.nativeElement;
    if (!el) return;
    this.windowEnd.set(null);
    this.anchor = null;
    this.toBottom(el);
    this.chat.markRead(this.conversationId());
    this.composer()?.nativeElement.focus();
  }

  /** Remembers the first row on screen so the next render keeps it where it is. */
  private pin(el: HTMLElement): void {
    const top = el.getBoundingClientRect().top;
    for (const row of el.querySelectorAll<HTMLElement>('[data-key]')) {
      const r = row.getBoundingClientRect();
      if (r.bottom > top) {
        this.anchor = { key: row.dataset['key']!, offset: r.top - top, edges: edgeKeys(this.days()) };
        return;
      }
    }
  }

  /** Near the top: move the window up over loaded events, else fetch an older page. */
  protected async older(): Promise<void> {
    const c = this.conv();
    const el = this.scroller()?.nativeElement;
    if (!c || !el || c.loading || !c.loaded) return;
    const { start, end } = this.range();
    if (start > 0) {
      const newEnd = Math.max(Math.min(WINDOW_MAX, c.events.length), end - WINDOW_STEP);
      this.moveWindow(el, newEnd >= c.events.length ? null : c.events[newEnd - 1].seq);
      return;
    }
    if (!c.hasMore) return;
    this.pin(el);
    // The window keeps its newest row, so the older page lands above what is on screen.
    if (this.windowEnd() === null && c.events.length >= WINDOW_MAX) this.windowEnd.set(c.events[end - 1].seq);
    const got = await this.chat.loadOlder(c.info.id);
    if (!got) this.anchor = null;
  }

  /** Near the bottom of a window that does not reach the newest: move it down. */
  private newer(): void {
    const c = this.conv();
    const el = this.scroller()?.nativeElement;
    if (!c || !el) return;
    const newEnd = this.range().end + WINDOW_STEP;
    this.moveWindow(el, newEnd >= c.events.length ? null : c.events[newEnd - 1].seq);
  }

  private moveWindow(el: HTMLElement, endSeq: number | null): void {
    if (endSeq === this.windowEnd()) return;
    this.pin(el);
    this.windowEnd.set(endSeq);
  }

  protected onInput(e: Event): void {
    const text = (e.target as HTMLTextAreaElement).value;
    this.chat.setDraft(this.conversationId(), text);
    if (text.trim()) this.chat.typingNow(this.conversationId());
  }

  protected onKey(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.submit();
    }
  }

  protected submit(): void {
    const text = this.draft();
    if (!text.trim() || this.tooLong()) return;
    this.chat.send(this.conversationId(), text);
    this.chat.setDraft(this.conversationId(), '');
    const ta = this.composer()?.nativeElement;
    if (ta) ta.value = '';
    this.windowEnd.set(null);
    this.atBottom.set(true);
  }

  /** Parsed once per body (bodies never change once written). */
  protected rich(body: string): Piece[] {
    let p = this.richCache.get(body);
    if (!p) {
      p = parseRich(body);
      if (this.richCache.size > 5000) this.richCache.clear();
      this.richCache.set(body, p);
    }
    return p;
  }

  protected time(ts: number): string {
    return formatTime(ts);
  }

  protected iso(ts: number): string {
    return new Date(ts).toISOString();
  }

  protected describe(m: Msg): string {
    return describeEvent(m.kind, m.sender, m.subject, this.meId());
  }
}
