import { Component, computed, effect, inject, input, signal } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { ChatService, Conv } from './chat.service';
import { GroupDialog, NewChatDialog } from './dialogs';
import { MessageView } from './message-view';
import { Avatar } from './avatar';
import { describeEvent, formatListTime } from './format';
import { plainText } from './rich';
import { attachmentSummary } from './attachments';
import { Search } from './search';
import { Switcher } from './switcher';
import { isNoise } from './timeline';

@Component({
  selector: 'app-chat-page',
  imports: [RouterLink, MessageView, NewChatDialog, GroupDialog, Switcher, Search, Avatar],
  host: { '(document:keydown)': 'onKey($event)' },
  template: `
    <div class="chat-layout" [class.has-active]="activeId() !== null">
      <aside class="sidebar" aria-label="Conversations">
        <header class="sidebar-head">
          <h1 class="brand"><span class="brand-mark" aria-hidden="true"></span>chatd</h1>
          <div class="me">
            <span class="me-name" title="Signed in as {{ me()?.username }}">
              <span class="sr-only">Signed in as </span>{{ me()?.username }}
            </span>
            <a class="btn btn-small btn-secondary" routerLink="/settings">Settings</a>
            <button type="button" class="btn btn-small btn-secondary" (click)="signOut()">Sign out</button>
          </div>
        </header>
        <div class="sidebar-actions">
          <button type="button" class="btn btn-primary" (click)="newChatOpen.set(true)">New chat</button>
          <button type="button" class="btn btn-secondary" (click)="newGroupOpen.set(true)">New group</button>
        </div>
        <div class="sidebar-search">
          <button type="button" class="btn btn-plain btn-block search-open" aria-keyshortcuts="Control+Shift+F" (click)="searchOpen.set(true)">Search messages</button>
        </div>
        <h2 class="sr-only" id="conv-list-head">Conversations</h2>
        @if (!chat.listed()) {
          <p class="empty">Loading conversations…</p>
        } @else if (list().length === 0) {
          <p class="empty">No conversations yet. Start one with <strong>New chat</strong>.</p>
        }
        <ul class="conv-list" aria-labelledby="conv-list-head">
          @for (c of list(); track c.info.id) {
            <li>
              <a class="conv-item" [routerLink]="['/c', c.info.id]" [class.active]="c.info.id === activeId()"
                [attr.aria-current]="c.info.id === activeId() ? 'page' : null">
                <app-avatar [name]="chat.titleOf(c)" [color]="chat.avatarOf(c).color" [image]="chat.avatarOf(c).image">
                  @if (peerOnline(c) !== null) {
                    <span class="presence" [class.online]="peerOnline(c)"></span>
                  }
                </app-avatar>
                <span class="conv-main">
                  <span class="conv-top">
                    <span class="conv-title" dir="auto">{{ chat.titleOf(c) }}</span>
                    @if (peerOnline(c) !== null) {
                      <span class="sr-only">({{ peerOnline(c) ? 'online' : 'offline' }})</span>
                    }
                    <span class="conv-time">{{ listTime(c) }}</span>
                  </span>
                  <span class="conv-bottom">
                    <span class="conv-preview" dir="auto">{{ preview(c) }}</span>
                    @if ((c.info.unread_mentions ?? 0) > 0) {
                      <span class="badge badge-mention"><span aria-hidden="true">@</span><span class="sr-only">mentioned you</span></span>
                    }
                    @if (chat.unread(c) > 0) {
                      <span class="badge"><span aria-hidden="true">{{ chat.unread(c) > 99 ? '99+' : chat.unread(c) }}</span><span class="sr-only">{{ chat.unread(c) }} unread</span></span>
                    }
                  </span>
                </span>
              </a>
            </li>
          }
        </ul>
      </aside>
      <main class="main-pane" id="main">
        @if (activeId() !== null) {
          <app-message-view [conversationId]="activeId()!" [focusSeq]="focusSeq()" (manage)="manageOpen.set(true)" />
        } @else {
          <div class="placeholder">
            <p>Select a conversation, or start a new one.</p>
          </div>
        }
      </main>
    </div>
    <app-new-chat-dialog [(open)]="newChatOpen" />
    <app-switcher [(open)]="switcherOpen" />
    <app-search [(open)]="searchOpen" />
    <app-group-dialog [(open)]="newGroupOpen" [conversation]="null" />
    <app-group-dialog [(open)]="manageOpen" [conversation]="activeId()" />
  `,
})
export class ChatPage {
  protected readonly chat = inject(ChatService);
  private readonly router = inject(Router);
  /** Route parameter (#/c/:id). */
  readonly id = input<string>();
  /** Query parameter ?m=SEQ (#/c/12?m=40): the message to show. */
  readonly m = input<string>();
  protected readonly focusSeq = computed(() => {
    const v = Number(this.m());
    return Number.isFinite(v) && v > 0 ? v : null;
  });
  protected readonly activeId = computed(() => {
    const v = Number(this.id());
    return Number.isFinite(v) && v > 0 ? v : null;
  });
  protected readonly me = this.chat.me;
  protected readonly list = this.chat.conversationList;
  protected readonly newChatOpen = signal(false);
  protected readonly newGroupOpen = signal(false);
  protected readonly manageOpen = signal(false);
  protected readonly switcherOpen = signal(false);
  protected readonly searchOpen = signal(false);

  constructor() {
    effect(() => this.chat.activeId.set(this.activeId()));
    this.chat.open = (id) => void this.router.navigate(['/c', id]);
    effect(() => {
      const id = this.activeId();
      const title = id === null ? 'Chats' : this.chat.titleOf(this.chat.convs()[id]) || 'Chat';
      const n = this.chat.totalUnread();
      document.title = `${n > 0 ? `(${n}) ` : ''}${title} – chatd`;
    });
  }

  protected peerOnline(c: Conv): boolean | null {
    const peer = this.chat.peerOf(c);
    if (!peer) return null;
    // Unknown until the server tells us (presence frames): then show no dot rather than "offline".
    const p = this.chat.presence()[peer.id];
    return p === undefined ? null : p;
  }

  /** Ctrl/Cmd+K opens the quick switcher; Alt+Up/Down moves to the previous/next conversation. */
  protected onKey(e: KeyboardEvent): void {
    if ((e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      if (!document.querySelector('dialog[open]')) this.searchOpen.set(true);
      return;
    }
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      if (!document.querySelector('dialog[open]')) this.switcherOpen.set(true);
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      if (document.querySelector('dialog[open]')) return;
      const list = this.list();
      if (!list.length) return;
      e.preventDefault();
      const at = list.findIndex((c) => c.info.id === this.activeId());
      const step = e.key === 'ArrowDown' ? 1 : -1;
      const next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
      void this.router.navigate(['/c', list[next].info.id]);
    }
  }

  protected preview(c: Conv): string {
    const out = this.chat.outbox().filter((o) => o.conversation === c.info.id);
    if (out.length) {
      const last = out[out.length - 1];
      return `You: ${plainText(last.body) || attachmentSummary(last.attachments)}`;
    }
    const e = c.info.last_event;
    const direct = c.info.kind === 'direct';
    if (!e || isNoise(e, direct)) return direct ? 'No messages yet' : 'New group';
    if (e.kind !== 'message') return describeEvent(e.kind, e.sender, e.subject, this.me()?.id ?? 0, { body: e.body, role: e.role, emoji: e.emoji });
    if (e.deleted) return 'Message deleted';
    const who = e.sender.id === this.me()?.id ? 'You' : direct ? '' : e.sender.username;
    const text = plainText(e.body) || attachmentSummary(e.attachments);
    return who ? `${who}: ${text}` : text;
  }

  protected listTime(c: Conv): string {
    const ts = c.info.last_event?.ts;
    return ts ? formatListTime(ts) : '';
  }

  protected async signOut(): Promise<void> {
    await this.chat.signOut();
    await this.router.navigateByUrl('/sign-in');
  }
}
