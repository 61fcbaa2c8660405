import {
  Component,
  ElementRef,
  afterRenderEffect,
  computed,
  effect,
  inject,
  input,
  output,
  untracked,
  viewChild,
} from '@angular/core';
import { RouterLink } from '@angular/router';
import { ChatService, Msg } from './chat.service';
import { dayKey, describeEvent, formatDay, formatTime, isNoise } from './format';
import { LIMITS } from './protocol';

interface DayGroup {
  key: string;
  label: string;
  msgs: Msg[];
}

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
        @if (c.loaded && c.hasMore) {
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
              @for (m of g.msgs; track m.key) {
                @if (m.kind === 'message') {
                  <li class="msg" [class.own]="m.sender.id === meId()" [class.pending]="m.status === 'pending'"
                    [class.failed]="m.status === 'failed'" [attr.data-seq]="m.seq" [attr.data-cmid]="m.client_msg_id">
                    <span class="msg-author" [class.sr-only]="m.sender.id === meId() || c.info.kind === 'direct'">{{ m.sender.id === meId() ? 'You' : m.sender.username }}</span>
                    <p class="msg-body">{{ m.body }}</p>
                    <span class="msg-meta">
                      <time [attr.datetime]="iso(m.ts)">{{ time(m.ts) }}</time>
                      @if (m.sender.id === meId()) {
                        @switch (m.status) {
                          @case ('pending') { <span class="msg-state">Sending…</span> }
                          @case ('failed') {
                            <span class="msg-state">Not sent{{ m.error ? ': ' + m.error : '' }}</span>
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
                  <li class="msg-event" [attr.data-seq]="m.seq">
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

  /** Confirmed events, then this conversation's unacknowledged messages, grouped by day. */
  protected readonly days = computed<DayGroup[]>(() => {
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
    const groups: DayGroup[] = [];
    for (const m of [...c.events, ...out]) {
      if (isNoise(m.kind, m.sender.id, m.subject?.id)) continue;
      const k = dayKey(m.ts);
      let g = groups[groups.length - 1];
      if (!g || g.key !== k) {
        g = { key: k, label: formatDay(m.ts), msgs: [] };
        groups.push(g);
      }
      g.msgs.push(m);
    }
    return groups;
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

  private atBottom = true;
  private anchor: { height: number; top: number; firstKey: string } | null = null;
  private lastConv = -1;

  constructor() {
    // Opening a conversation loads its newest page and marks it read.
    effect(() => {
      const id = this.conversationId();
      const c = this.conv();
      const online = this.chat.status() === 'online';
      if (c && !c.loaded && online) untracked(() => void this.chat.loadNewest(id));
      if (c?.loaded) untracked(() => this.chat.markRead(id));
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
    // After the list re-renders: keep the reading position when older pages are prepended, follow
    // the bottom when the reader was there (or just switched conversation).
    afterRenderEffect(() => {
      const groups = this.days();
      const id = this.conversationId();
      const el = this.scroller()?.nativeElement;
      if (!el) return;
      const firstKey = groups[0]?.msgs[0]?.key ?? '';
      if (id !== this.lastConv) {
        this.lastConv = id;
        this.anchor = null;
        el.scrollTop = el.scrollHeight;
        this.atBottom = true;
        return;
      }
      if (this.anchor && this.anchor.firstKey !== firstKey) {
        el.scrollTop = this.anchor.top + (el.scrollHeight - this.anchor.height);
        this.anchor = null;
        return;
      }
      if (this.atBottom) el.scrollTop = el.scrollHeight;
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

  protected onScroll(): void {
    const el = this.scroller()?.nativeElement;
    if (!el) return;
    this.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 120) void this.older();
    if (this.atBottom) this.chat.markRead(this.conversationId());
  }

  protected async older(): Promise<void> {
    const c = this.conv();
    const el = this.scroller()?.nativeElement;
    if (!c || !el || c.loading || !c.hasMore || !c.loaded) return;
    this.anchor = { height: el.scrollHeight, top: el.scrollTop, firstKey: this.days()[0]?.msgs[0]?.key ?? '' };
    const got = await this.chat.loadOlder(c.info.id);
    if (!got) this.anchor = null;
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
    this.atBottom = true;
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
