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
import { bindDialog } from './dialogs';
import { describeEvent, formatTime } from './format';
import { allowed, changedMessages, excerpt, reacted, roleOf } from './message-changes';
import { Avatar } from './avatar';
import { AttachmentView } from './attachment-view';
import { attachmentSummary, formatSize } from './attachments';
import { MenuAction, MessageMenu } from './message-menu';
import { Incoming, Uploads } from './uploads';
import { LIMITS, Reaction } from './protocol';
import { Piece, parseRich, plainText, withMentions } from './rich';
import { Day, buildTimeline } from './timeline';

/** The open action menu: which message, opened from which button. */
interface OpenMenu {
  msg: Msg;
  anchor: HTMLElement;
  picking: boolean;
}

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

/** The event with this seq in a list sorted by seq (binary search). */
function bySeq(events: Msg[], seq: number): Msg | undefined {
  let lo = 0;
  let hi = events.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = events[mid].seq!;
    if (s === seq) return events[mid];
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** What went wrong with an edit, a delete or a reaction, in words. */
function explainChange(e: unknown): string {
  const code = (e as { code?: string })?.code;
  switch (code) {
    case 'forbidden':
      return 'You are not allowed to do that.';
    case 'not_found':
      return 'That message is gone.';
    case 'not_member':
      return 'You are no longer in this conversation.';
    case 'disconnected':
    case 'timeout':
      return 'Not connected. Try again in a moment.';
    default:
      return (e as { message?: string })?.message || 'Something went wrong.';
  }
}

/** Pixels from an end of the list at which the window moves (or an older page is fetched). */
const EDGE_PX = 300;

@Component({
  selector: 'app-message-view',
  imports: [RouterLink, MessageMenu, AttachmentView, Avatar],
  host: {
    '(dragenter)': 'onDrag($event, 1)',
    '(dragover)': 'onDrag($event, 0)',
    '(dragleave)': 'onDrag($event, -1)',
    '(drop)': 'onDrop($event)',
  },
  template: `
    @if (conv(); as c) {
      <header class="conv-head">
        <a class="icon-btn back" routerLink="/" aria-label="Back to conversations">←</a>
        <app-avatar [name]="title()" [color]="chat.avatarOf(c).color" [image]="chat.avatarOf(c).image" />
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
                  <li class="msg" [class.flash]="m.seq === flashSeq()" [attr.data-key]="m.key" [class.own]="m.sender.id === meId()" [class.pending]="m.status === 'pending'"
                    [class.failed]="m.status === 'failed'" [class.cont]="!r.first" [class.run-end]="r.last"
                    [attr.data-seq]="m.seq" [attr.data-cmid]="m.client_msg_id">
                    <span class="msg-author" [class.sr-only]="!r.first || m.sender.id === meId() || c.info.kind === 'direct'">@if (r.first && m.sender.id !== meId() && c.info.kind !== 'direct') {<app-avatar size="small" [name]="m.sender.username" [color]="chat.profileOf(m.sender).avatar_color" [image]="chat.profileOf(m.sender).avatar" />}{{ m.sender.id === meId() ? 'You' : m.sender.username }}</span>
                    @if (m.reply_to) {
                      @let q = quoted(m.reply_to);
                      <button type="button" class="quote" (click)="jumpTo(m.reply_to)" aria-describedby="quote-hint">
                        <span class="sr-only">Reply to </span><span class="quote-who">{{ q ? q.who : 'an earlier message' }}</span><span class="sr-only">: </span>
                        <span class="quote-text" dir="auto">{{ q ? q.text : 'Show the quoted message' }}</span>
                      </button>
                    }
                    @if (m.deleted) {
                      <p class="msg-body msg-deleted"><em>Message deleted</em></p>
                    } @else if (m.body || !m.attachments?.length) {
                      <p class="msg-body" dir="auto">@for (p of rich(m); track $index) {@switch (p.k) {@case ('link') {<a [href]="p.href" target="_blank" rel="noopener noreferrer nofollow">{{ p.t }}</a>}@case ('b') {<strong>{{ p.t }}</strong>}@case ('i') {<em>{{ p.t }}</em>}@case ('code') {<code>{{ p.t }}</code>}@case ('pre') {<code class="block">{{ p.t }}</code>}@case ('mention') {<span class="mention" [class.mention-me]="p.me">{{ p.t }}</span>}@default {{{ p.t }}}}}</p>
                    }
                    @if (m.attachments?.length && !m.deleted) {
                      <app-attachments [items]="m.attachments!" />
                    }
                    <span class="msg-meta">
                      <time [attr.datetime]="iso(m.ts)" [class.sr-only]="!r.last && m.status === 'sent' && !m.edited_ts">{{ time(m.ts) }}</time>
                      @if (m.edited_ts && !m.deleted) {
                        <span class="msg-edited">edited</span>
                      }
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
                      @if (m.seq !== null && !m.deleted) {
                        <button type="button" class="msg-more" aria-haspopup="menu" [attr.aria-expanded]="menu()?.msg?.seq === m.seq"
                          [attr.aria-label]="'Actions for the message from ' + (m.sender.id === meId() ? 'you' : m.sender.username) + ' at ' + time(m.ts)"
                          (click)="openMenu(m, $event)">⋯</button>
                      }
                    </span>
                    @if (m.reactions?.length && !m.deleted) {
                      <div class="reactions" role="group" aria-label="Reactions">
                        @for (x of m.reactions; track x.emoji) {
                          <button type="button" class="reaction" [class.mine]="mine(x)" [attr.aria-pressed]="mine(x)"
                            [attr.aria-label]="x.emoji + ' ' + x.count + ': ' + names(x)" [title]="names(x)"
                            (click)="toggle(m, x.emoji)">{{ x.emoji }} {{ x.count }}</button>
                        }
                        <button type="button" class="reaction add-reaction" aria-label="Add a reaction" aria-haspopup="dialog"
                          (click)="openMenu(m, $event, true)">+</button>
                      </div>
                    }
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
      @if (mode(); as md) {
        <div class="compose-mode" role="status">
          <span class="compose-mode-text" dir="auto">{{ md.kind === 'edit' ? 'Editing your message' : 'Replying to ' + md.who + ': ' + md.text }}</span>
          <button type="button" class="btn btn-small btn-plain" (click)="cancelMode()">{{ md.kind === 'edit' ? 'Cancel edit' : 'Cancel reply' }}</button>
        </div>
      }
      @if (uploads().length || uploadNotes().length) {
        <div class="upload-tray">
          @if (uploads().length) {
            <ul class="uploads" aria-label="Files to send" aria-live="polite">
              @for (u of uploads(); track u.key) {
                <li class="upload" [class.failed]="u.status === 'failed'">
                  @if (u.preview) {
                    <img class="upload-preview" [src]="u.preview" alt="" width="40" height="40" />
                  } @else {
                    <span class="file-icon" aria-hidden="true">📄</span>
                  }
                  <span class="upload-main">
                    <span class="upload-name" dir="auto">{{ u.name }}</span>
                    @switch (u.status) {
                      @case ('uploading') {
                        <progress [max]="u.size || 1" [value]="u.sent" [attr.aria-label]="'Uploading ' + u.name"></progress>
                      }
                      @case ('failed') {
                        <span class="upload-error" role="alert">{{ u.error }}</span>
                      }
                      @default {
                        <span class="upload-state">{{ size(u.size) }} · ready to send</span>
                      }
                    }
                  </span>
                  @if (u.status === 'failed' && u.canRetry) {
                    <button type="button" class="btn btn-small btn-secondary" (click)="uploader.retry(u.key)" [attr.aria-label]="'Try again: ' + u.name">Retry</button>
                  }
                  <button type="button" class="icon-btn upload-remove" [attr.aria-label]="'Remove ' + u.name" (click)="removeUpload(u.key)">✕</button>
                </li>
              }
            </ul>
          }
          @for (n of uploadNotes(); track $index) {
            <p class="upload-error" role="alert">{{ n }}</p>
          }
        </div>
      }
      @if (dragging()) {
        <div class="drop-zone" aria-hidden="true"><p>Drop files to send them to {{ title() }}</p></div>
      }
      <form class="composer" (submit)="$event.preventDefault(); submit()">
        <button type="button" class="icon-btn attach-btn" aria-label="Attach files" title="Attach files (or drop or paste them here)" (click)="filePick.click()">📎</button>
        <input #filePick type="file" multiple hidden data-testid="file-input" (change)="onPicked($event)" />
        <label class="sr-only" for="composer-input">Message to {{ title() }}</label>
        <textarea id="composer-input" #composer rows="1" placeholder="Write a message…" [value]="draft()"
          (input)="onInput($event)" (keydown)="onKey($event)" (paste)="onPaste($event)" aria-describedby="composer-hint"
          enterkeyhint="send"></textarea>
        <span id="quote-hint" class="sr-only">Shows the quoted message.</span>
        <span id="composer-hint" class="sr-only">Enter sends, Shift+Enter starts a new line, Up edits your last message, Escape cancels a reply or an edit.</span>
        <button type="submit" class="btn btn-primary" [disabled]="!canSend()">{{ mode()?.kind === 'edit' ? 'Save' : 'Send' }}</button>
      </form>
      @if (actionError()) {
        <p class="form-error" role="alert">{{ actionError() }}</p>
      }
      @if (menu(); as mm) {
        <app-message-menu [anchor]="mm.anchor" [startPicking]="mm.picking" [canChange]="chat.changes()" [canEdit]="chat.changes() && can(mm.msg).edit"
          [canDelete]="chat.changes() && can(mm.msg).remove"
          [mine]="myEmoji(mm.msg)" (action)="onAction(mm.msg, $event)" (reacted)="onReacted(mm.msg, $event)" (closed)="menu.set(null)" />
      }
      <dialog #confirmDlg class="dialog" aria-labelledby="confirm-delete-title" (close)="confirming.set(null)">
        <h2 id="confirm-delete-title">Delete this message?</h2>
        <p>It is removed for everyone in the conversation.</p>
        <div class="dialog-actions">
          <button type="button" class="btn btn-secondary" data-autofocus (click)="confirming.set(null)">Cancel</button>
          <button type="button" class="btn btn-danger" (click)="confirmDelete()">Delete</button>
        </div>
      </dialog>
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
  protected readonly uploader = inject(Uploads);
  readonly conversationId = input.required<number>();
  /** A message to show (a link, a search hit): loaded, scrolled to and focused. */
  readonly focusSeq = input<number | null>(null);
  readonly manage = output<void>();
  protected readonly maxChars = LIMITS.maxBodyChars;
  private readonly scroller = viewChild<ElementRef<HTMLDivElement>>('scroller');
  private readonly composer = viewChild<ElementRef<HTMLTextAreaElement>>('composer');
  private readonly heading = viewChild<ElementRef<HTMLHeadingElement>>('heading');
  private readonly confirmDlg = viewChild<ElementRef<HTMLDialogElement>>('confirmDlg');
  protected readonly menu = signal<OpenMenu | null>(null);
  /** Reply to or edit of a message: the composer says which, Escape cancels. */
  protected readonly mode = signal<{ kind: 'reply' | 'edit'; seq: number; who: string; text: string; saved: string } | null>(null);
  protected readonly confirming = signal<Msg | null>(null);
  protected readonly actionError = signal('');
  protected readonly flashSeq = signal<number | null>(null);
  /** A row to scroll to and focus after the next render. */
  private readonly pendingFocus = signal<number | null>(null);
  private jumped = '';
  private modeConv = -1;
  private focusedConv = -1;

  protected readonly conv = computed(() => this.chat.convs()[this.conversationId()]);
  protected readonly meId = computed(() => this.chat.me()?.id ?? 0);
  protected readonly title = computed(() => this.chat.titleOf(this.conv()));
  protected readonly draft = computed(() => this.chat.drafts()[this.conversationId()] ?? '');
  protected readonly tooLong = computed(() => [...this.draft()].length > LIMITS.maxBodyChars);
  protected readonly uploads = computed(() => this.uploader.items().filter((u) => u.conversation === this.conversationId()));
  protected readonly uploadNotes = computed(() => this.uploader.notes()[this.conversationId()] ?? []);
  /** Files being dragged over the conversation. */
  protected readonly dragging = signal(false);
  private dragDepth = 0;
  /** Text, or uploaded files (none still uploading or failed); an edit needs text. */
  protected readonly canSend = computed(() => {
    const text = !!this.draft().trim();
    if (this.mode()?.kind === 'edit') return text;
    const u = this.uploads();
    if (u.some((x) => x.status !== 'done')) return false;
    return text || u.length > 0;
  });
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
        ...(o.reply_to ? { reply_to: o.reply_to } : {}),
        ...(o.attachments?.length ? { attachments: o.attachments } : {}),
      }));
    const { start, end } = this.range();
    const shown = start === 0 && end === c.events.length ? c.events : c.events.slice(start, end);
    // Unsent messages sit after the newest event: only when the window reaches it.
    const tail = end === c.events.length ? out : [];
    const changed = changedMessages(c.events);
    const current = changed.size ? shown.map((m) => changed.get(m.seq!) ?? m) : shown;
    return buildTimeline([...current, ...tail], c.info.kind === 'direct', this.unreadFrom());
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
    // Another conversation: no menu, no reply or edit (an edit gives its draft back).
    effect(() => {
      const id = this.conversationId();
      untracked(() => {
        const md = this.mode();
        if (md && this.modeConv !== id) {
          if (md.kind === 'edit') this.chat.setDraft(this.modeConv, md.saved);
          this.mode.set(null);
        }
        this.menu.set(null);
        this.actionError.set('');
      });
    });
    // A message named by the URL (a copied link, a search hit): load back to it and show it.
    effect(() => {
      const id = this.conversationId();
      const seq = this.focusSeq();
      const c = this.conv();
      const online = this.chat.status() === 'online';
      if (seq === null || !c || (!c.loaded && !online)) return;
      const key = `${id}/${seq}`;
      if (this.jumped === key) return;
      this.jumped = key;
      untracked(() => void this.jumpTo(seq));
    });
    effect(() => {
      const open = this.confirming() !== null;
      const d = this.confirmDlg()?.nativeElement;
      if (!d) return;
      if (open && !d.open) {
        d.showModal();
        setTimeout(() => d.querySelector<HTMLElement>('[data-autofocus]')?.focus());
      } else if (!open && d.open) d.close();
    });
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
      const focus = this.pendingFocus();
      if (id !== this.lastConv) {
        this.lastConv = id;
        this.anchor = null;
        this.toBottom(el);
      }
      if (focus !== null) {
        const row = el.querySelector<HTMLElement>(`li[data-seq="${focus}"]`);
        if (row) {
          untracked(() => this.showRow(el, row, focus));
          this.dividerShown = id;
          return;
        }
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

  /** Scrolls a row to the upper third of the list, focuses it and flashes it for 2 s. */
  private showRow(el: HTMLElement, row: HTMLElement, seq: number): void {
    this.pendingFocus.set(null);
    this.anchor = null;
    el.scrollTop += row.getBoundingClientRect().top - el.getBoundingClientRect().top - el.clientHeight / 3;
    row.tabIndex = -1;
    row.focus({ preventScroll: true });
    this.flashSeq.set(seq);
    setTimeout(() => this.flashSeq.update((s) => (s === seq ? null : s)), 2000);
    this.onScroll();
  }

  /** Loads back to a message (a quoted one, a link, a search hit), renders it and shows it. */
  protected async jumpTo(seq: number): Promise<void> {
    const id = this.conversationId();
    this.actionError.set('');
    const ok = await this.chat.reach(id, seq);
    const c = this.conv();
    if (!ok || !c || id !== this.conversationId()) {
      if (id === this.conversationId()) this.actionError.set('That message is no longer available.');
      return;
    }
    const i = c.events.findIndex((e) => e.seq === seq);
    const end = Math.min(c.events.length, i + 1 + WINDOW_STEP);
    this.anchor = null;
    this.windowEnd.set(end >= c.events.length ? null : c.events[end - 1].seq);
    this.atBottom.set(false);
    this.pendingFocus.set(seq);
  }

  /** A quoted message as the quote shows it ("Earlier message" when it is not loaded). */
  protected quoted(seq: number): { who: string; text: string } | null {
    const c = this.conv();
    if (!c) return null;
    const m = changedMessages(c.events).get(seq) ?? bySeq(c.events, seq);
    if (!m || m.kind !== 'message') return null;
    const who = m.sender.id === this.meId() ? 'You' : m.sender.username;
    return { who, text: m.deleted ? 'Message deleted' : excerpt(plainText(m.body) || attachmentSummary(m.attachments)) };
  }

  protected can(m: Msg): { edit: boolean; remove: boolean } {
    const c = this.conv();
    if (!c) return { edit: false, remove: false };
    return allowed(m, this.meId(), c.info.kind, roleOf(c.info, this.meId()));
  }

  protected mine(r: Reaction): boolean {
    return reacted(r, this.meId());
  }

  protected myEmoji(m: Msg): string[] {
    return (m.reactions ?? []).filter((r) => this.mine(r)).map((r) => r.emoji);
  }

  protected names(r: Reaction): string {
    const me = this.meId();
    return r.users.map((u) => (u.id === me ? 'you' : u.username)).join(', ');
  }

  protected openMenu(m: Msg, e: Event, picking = false): void {
    const anchor = e.currentTarget as HTMLElement;
    const open = this.menu();
    if (open && open.anchor === anchor) {
      this.menu.set(null);
      return;
    }
    this.menu.set({ msg: m, anchor, picking });
  }

  protected onAction(m: Msg, a: MenuAction): void {
    const anchor = this.menu()?.anchor;
    this.menu.set(null);
    const id = this.conversationId();
    const ta = this.composer()?.nativeElement;
    switch (a) {
      case 'reply':
      case 'edit': {
        const prev = this.mode();
        const saved = prev?.kind === 'edit' ? prev.saved : this.draft();
        this.modeConv = id;
        if (a === 'edit') {
          this.mode.set({ kind: 'edit', seq: m.seq!, who: '', text: '', saved });
          this.chat.setDraft(id, m.body);
        } else {
          if (prev?.kind === 'edit') this.chat.setDraft(id, saved);
          const who = m.sender.id === this.meId() ? 'yourself' : m.sender.username;
          this.mode.set({ kind: 'reply', seq: m.seq!, who, text: excerpt(plainText(m.body) || attachmentSummary(m.attachments), 60), saved: '' });
        }
        setTimeout(() => {
          ta?.focus();
          ta?.setSelectionRange(ta.value.length, ta.value.length);
        });
        return;
      }
      case 'delete':
        this.confirming.set(m);
        return;
      case 'copy': {
        const url = `${location.origin}${location.pathname}#/c/${id}?m=${m.seq}`;
        anchor?.focus();
        navigator.clipboard?.writeText(url).then(
          () => this.chat.announcement.set('Link copied.'),
          () => this.actionError.set(`Could not copy the link: ${url}`),
        ) ?? this.actionError.set(`Could not copy the link: ${url}`);
        return;
      }
      default:
        return;
    }
  }

  protected onReacted(m: Msg, emoji: string): void {
    const anchor = this.menu()?.anchor;
    this.menu.set(null);
    anchor?.focus();
    this.toggle(m, emoji);
  }

  protected toggle(m: Msg, emoji: string): void {
    const on = !this.myEmoji(m).includes(emoji);
    this.actionError.set('');
    this.chat.react(this.conversationId(), m.seq!, emoji, on).catch((e) => this.actionError.set(explainChange(e)));
  }

  protected confirmDelete(): void {
    const m = this.confirming();
    this.confirming.set(null);
    this.composer()?.nativeElement.focus();
    if (!m || m.seq === null) return;
    this.actionError.set('');
    this.chat.deleteMessage(this.conversationId(), m.seq).catch((e) => this.actionError.set(explainChange(e)));
  }

  protected cancelMode(): void {
    const md = this.mode();
    if (!md) return;
    if (md.kind === 'edit') {
      this.chat.setDraft(this.conversationId(), md.saved);
      const ta = this.composer()?.nativeElement;
      if (ta) ta.value = md.saved;
    }
    this.mode.set(null);
    this.composer()?.nativeElement.focus();
  }

  /** Up in an empty composer edits the newest own message (as in most chat apps). */
  private editLast(): boolean {
    const c = this.conv();
    const seq = this.lastOwnSeq();
    if (!c || seq === null) return false;
    const m = changedMessages(c.events).get(seq) ?? bySeq(c.events, seq);
    if (!m || !this.can(m).edit) return false;
    this.onAction(m, 'edit');
    return true;
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
    const plain = !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey;
    if (e.key === 'Enter' && plain) {
      e.preventDefault();
      this.submit();
    } else if (e.key === 'Escape' && this.mode()) {
      e.preventDefault();
      this.cancelMode();
    } else if (e.key === 'ArrowUp' && plain && !this.draft() && !this.mode() && this.chat.changes() && this.editLast()) {
      e.preventDefault();
    }
  }

  protected submit(): void {
    const text = this.draft();
    if (!this.canSend() || this.tooLong()) return;
    const id = this.conversationId();
    const md = this.mode();
    const ta = this.composer()?.nativeElement;
    this.mode.set(null);
    if (md?.kind === 'edit') {
      this.actionError.set('');
      this.chat.edit(id, md.seq, text).catch((e) => this.actionError.set(explainChange(e)));
      this.chat.setDraft(id, md.saved);
      if (ta) ta.value = md.saved;
      return;
    }
    this.chat.send(id, text, md?.kind === 'reply' ? md.seq : undefined, this.uploader.take(id));
    this.chat.setDraft(id, '');
    if (ta) ta.value = '';
    this.windowEnd.set(null);
    this.atBottom.set(true);
  }

  protected onPicked(e: Event): void {
    const input = e.target as HTMLInputElement;
    this.attach([...(input.files ?? [])]);
    input.value = ''; // the same file may be picked again
  }

  /** Pasted files (a screenshot, a copied image) are attached; pasted text stays text. */
  protected onPaste(e: ClipboardEvent): void {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!files.length) return;
    e.preventDefault();
    this.attach(files);
  }

  protected onDrag(e: DragEvent, step: number): void {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    if (step === 0) e.dataTransfer.dropEffect = 'copy';
    this.dragDepth = Math.max(0, this.dragDepth + step);
    this.dragging.set(this.dragDepth > 0 || step === 0);
  }

  protected onDrop(e: DragEvent): void {
    this.dragDepth = 0;
    this.dragging.set(false);
    const dt = e.dataTransfer;
    if (!dt?.types.includes('Files')) return;
    e.preventDefault();
    const items = [...dt.items].filter((i) => i.kind === 'file');
    const got: Incoming[] = [];
    for (const [n, f] of [...dt.files].entries()) {
      // A dropped folder comes as a File without content: its entry says it is a directory.
      const entry = items[n]?.webkitGetAsEntry?.();
      got.push(entry?.isDirectory ? { name: f.name, size: 0, folder: true } : f);
    }
    this.attach(got);
  }

  private attach(files: Incoming[]): void {
    if (!this.conv() || !files.length) return;
    this.uploader.add(this.conversationId(), files);
    this.composer()?.nativeElement.focus();
  }

  protected removeUpload(key: string): void {
    this.uploader.remove(key);
    this.uploader.clearNotes(this.conversationId());
    this.composer()?.nativeElement.focus();
  }

  protected size(n: number): string {
    return formatSize(n);
  }

  /** Parsed once per body and mentions (an edit is a new body). */
  protected rich(m: Msg): Piece[] {
    const body = m.body;
    const key = m.mentions?.length ? `${body}\u0000${m.mentions.map((u) => u.username).join(',')}` : body;
    let p = this.richCache.get(key);
    if (!p) {
      p = withMentions(parseRich(body), m.mentions, (this.chat.me()?.username ?? '').toLowerCase());
      if (this.richCache.size > 5000) this.richCache.clear();
      this.richCache.set(key, p);
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
    return describeEvent(m.kind, m.sender, m.subject, this.meId(), { body: m.body, role: m.role, emoji: m.emoji });
  }
}
