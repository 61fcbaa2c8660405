import { Injectable, computed, signal } from '@angular/core';
import * as r from './chat.reducers';
import { Conv, Convs, Msg, OutMsg, Typing } from './chat.reducers';
import { ChatEvent, ConversationInfo, UserRef } from './protocol';

/**
 * The chat state as signals. Every change is one pure reducer from chat.reducers.ts applied to a
 * signal; the store decides nothing and talks to nobody.
 */
@Injectable({ providedIn: 'root' })
export class ChatStore {
  readonly convs = signal<Convs>({});
  readonly presence = signal<Record<number, boolean>>({});
  readonly typing = signal<Typing>({});
  /** Conversations loaded at least once from the server (or from the offline copy). */
  readonly listed = signal(false);
  /** The signed-in user's id (0 when nobody is). */
  readonly me = signal(0);

  readonly totalUnread = computed(() => r.totalUnread(this.convs(), this.me()));

  reset(me: number): void {
    this.me.set(me);
    this.convs.set({});
    this.presence.set({});
    this.typing.set({});
    this.listed.set(false);
  }

  conv(id: number): Conv | undefined {
    return this.convs()[id];
  }

  list(list: ConversationInfo[], keep?: ReadonlySet<number>): void {
    this.convs.update((all) => r.applyList(all, list, keep));
    this.listed.set(true);
  }

  info(info: ConversationInfo): void {
    this.convs.update((all) => r.mergeInfo(all, info));
  }

  remove(id: number): void {
    this.convs.update((all) => r.removeConv(all, id));
  }

  event(e: ChatEvent): r.EventResult {
    const res = r.applyEvent(this.convs(), e, this.me());
    this.convs.set(res.convs);
    this.typing.update((t) => r.clearTyping(t, e.conversation, e.sender.id));
    return res;
  }

  ack(item: OutMsg, seq: number, ts: number, me: UserRef): void {
    this.convs.update((all) => r.applyAck(all, item, seq, ts, me));
  }

  read(conv: number, user: UserRef, seq: number): void {
    this.convs.update((all) => r.applyRead(all, conv, user, seq, this.me()));
  }

  markRead(conv: number, seq: number): void {
    this.patch(conv, (c) => r.markReadUpTo(c, seq));
  }

  loading(conv: number, on: boolean): void {
    this.patch(conv, (c) => ({ ...c, loading: on }));
  }

  newest(conv: number, events: Msg[], hasMore: boolean): void {
    this.patch(conv, (c) => r.applyNewest(c, events, hasMore));
  }

  older(conv: number, events: Msg[], hasMore: boolean): void {
    this.patch(conv, (c) => r.applyOlder(c, events, hasMore));
  }

  after(conv: number, events: Msg[]): void {
    this.patch(conv, (c) => r.applyAfter(c, events));
  }

  presenceOf(user: UserRef, online: boolean): void {
    this.presence.update((p) => ({ ...p, [user.id]: online }));
  }

  typingOf(conv: number, user: UserRef, until: number): void {
    this.typing.update((t) => r.addTyping(t, conv, user, until));
  }

  pruneTyping(now: number): void {
    this.typing.update((t) => r.pruneTyping(t, now));
  }

  private patch(id: number, fn: (c: Conv) => Conv): void {
    this.convs.update((all) => r.patchConv(all, id, fn));
  }
}
