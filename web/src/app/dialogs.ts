import { Component, ElementRef, computed, effect, inject, input, model, signal, untracked, viewChild } from '@angular/core';
import { Router } from '@angular/router';
import { Avatar } from './avatar';
import { AvatarEditor } from './avatar-editor';
import { ChatService, RequestError } from './chat.service';
import { AVATAR_COLORS } from './format';
import { roleOf } from './message-changes';
import { LIMITS, MAX_DESCRIPTION_CHARS, UserRef } from './protocol';
import { UserSearch } from './user-search';

/** Opens/closes a native modal <dialog> from a boolean model (focus trap, Esc and focus return for free). */
export function bindDialog(open: () => boolean, el: () => ElementRef<HTMLDialogElement>, onOpen: () => void): void {
  effect(() => {
    const d = el().nativeElement;
    if (open() && !d.open) {
      onOpen();
      d.showModal();
      // The content renders with this change detection pass: focus its first field afterwards.
      setTimeout(() => d.querySelector<HTMLElement>('[data-autofocus]')?.focus());
    } else if (!open() && d.open) d.close();
  });
}

let dialogCount = 0;

function explain(e: unknown): string {
  if (e instanceof RequestError) {
    switch (e.code) {
      case 'not_found':
        return 'No such user.';
      case 'forbidden':
        return 'You are not allowed to do that.';
      case 'too_many_members':
        return `A group has at most ${LIMITS.maxGroupMembers} members.`;
      case 'disconnected':
      case 'timeout':
        return 'Not connected. Try again in a moment.';
      default:
        return e.message || e.code;
    }
  }
  return 'Something went wrong.';
}

@Component({
  selector: 'app-new-chat-dialog',
  imports: [UserSearch],
  template: `
    <dialog #dlg class="dialog" aria-labelledby="new-chat-title" (close)="open.set(false)">
      <div class="dialog-head">
        <h2 id="new-chat-title">New chat</h2>
        <button type="button" class="icon-btn" aria-label="Close" (click)="open.set(false)">✕</button>
      </div>
      @if (open()) {
        <app-user-search action="start a chat" [autofocus]="true" (picked)="start($event)" />
      }
      <p class="form-error" role="alert">{{ error() }}</p>
    </dialog>
  `,
})
export class NewChatDialog {
  private readonly chat = inject(ChatService);
  private readonly router = inject(Router);
  readonly open = model(false);
  protected readonly error = signal('');
  private readonly dlg = viewChild.required<ElementRef<HTMLDialogElement>>('dlg');

  constructor() {
    bindDialog(() => this.open(), () => this.dlg(), () => this.error.set(''));
  }

  protected async start(u: UserRef): Promise<void> {
    try {
      const id = await this.chat.openDirect(u.username);
      this.open.set(false);
      await this.router.navigate(['/c', id]);
    } catch (e) {
      this.error.set(explain(e));
    }
  }
}

/** Create a group (no conversation given) or manage an existing group's members. */
@Component({
  selector: 'app-group-dialog',
  imports: [UserSearch, Avatar, AvatarEditor],
  template: `
    <dialog #dlg class="dialog" [attr.aria-labelledby]="uid + '-title'" (close)="open.set(false)">
      <div class="dialog-head">
        <h2 [id]="uid + '-title'">{{ conversation() === null ? 'New group' : 'Group members' }}</h2>
        <button type="button" class="icon-btn" aria-label="Close" (click)="open.set(false)">✕</button>
      </div>
      @if (open()) {
        @if (conversation() === null) {
          <form (submit)="$event.preventDefault(); create()">
            <div class="field">
              <label [for]="uid + '-name'">Group name</label>
              <input [id]="uid + '-name'" data-autofocus [value]="title()" (input)="title.set($any($event.target).value)"
                [attr.maxlength]="maxTitle" required />
            </div>
            <app-user-search label="Add people by username" action="add to the group" [exclude]="selectedNames()" (picked)="select($event)" />
            <h3 class="small-head" [id]="uid + '-selected'">Members ({{ selected().length + 1 }})</h3>
            <ul class="member-list" [attr.aria-labelledby]="uid + '-selected'">
              <li><span>{{ me()?.username }} (you)</span></li>
              @for (u of selected(); track u.id) {
                <li>
                  <span>{{ u.username }}</span>
                  <button type="button" class="btn btn-small btn-plain" (click)="unselect(u)" [attr.aria-label]="'Remove ' + u.username">Remove</button>
                </li>
              }
            </ul>
            <p class="form-error" role="alert">{{ error() }}</p>
            <div class="dialog-actions">
              <button type="button" class="btn btn-secondary" (click)="open.set(false)">Cancel</button>
              <button type="submit" class="btn btn-primary" [disabled]="busy()">Create group</button>
            </div>
          </form>
        } @else {
          @if (hasRoles() && myRole() !== 'member') {
            <form class="group-settings" (submit)="$event.preventDefault(); save()">
              <div class="field">
                <label [for]="uid + '-rename'">Group name</label>
                <input [id]="uid + '-rename'" [value]="title()" (input)="title.set($any($event.target).value)" [attr.maxlength]="maxTitle" required />
              </div>
              <div class="field">
                <label [for]="uid + '-desc'">Description</label>
                <textarea [id]="uid + '-desc'" rows="2" [value]="description()" (input)="description.set($any($event.target).value)"
                  [attr.maxlength]="maxDescription"></textarea>
              </div>
              <fieldset class="colours">
                <legend>Colour</legend>
                @for (col of colours; track col) {
                  <label class="colour" [style.background-color]="col || null">
                    <input type="radio" [name]="uid + '-colour'" [value]="col" [checked]="colour() === col" (change)="colour.set(col)" />
                    <span class="sr-only">{{ col ? 'Colour ' + col : 'From the name' }}</span>
                    @if (!col) {<span aria-hidden="true">Auto</span>}
                  </label>
                }
              </fieldset>
              <button type="submit" class="btn btn-secondary" [disabled]="busy()">Save changes</button>
            </form>
            <section class="group-picture" [attr.aria-labelledby]="uid + '-picture'">
              <h3 class="small-head" [id]="uid + '-picture'">Group picture</h3>
              <app-avatar-editor #picture testid="group-avatar" what="group picture" [name]="info()?.title ?? ''" [color]="info()?.avatar_color" [image]="info()?.avatar"
                (picked)="setPicture($event)" (removed)="setPicture('')" />
            </section>
          } @else if (info()?.description) {
            <p class="group-description" dir="auto">{{ info()?.description }}</p>
          }
          <h3 class="small-head" [id]="uid + '-members'">Members ({{ members().length }})</h3>
          <ul class="member-list" [attr.aria-labelledby]="uid + '-members'">
            @for (u of members(); track u.id) {
              <li>
                <span class="member-name"><app-avatar size="small" [name]="u.username" [color]="chat.profileOf(u).avatar_color" [image]="chat.profileOf(u).avatar" />{{ u.username }}{{ u.id === me()?.id ? ' (you)' : '' }}@if (roleOf(u.id) !== 'member') {<span class="role-tag">{{ roleOf(u.id) }}</span>}</span>
                @if (u.id !== me()?.id && myRole() === 'owner' && roleOf(u.id) !== 'owner') {
                  <button type="button" class="btn btn-small btn-plain" [disabled]="busy()" (click)="toggleAdmin(u)"
                    [attr.aria-label]="(roleOf(u.id) === 'admin' ? 'Remove admin: ' : 'Make admin: ') + u.username">
                    {{ roleOf(u.id) === 'admin' ? 'Remove admin' : 'Make admin' }}</button>
                }
                @if (u.id !== me()?.id && mayManage() && roleOf(u.id) !== 'owner') {
                  <button type="button" class="btn btn-small btn-plain" [disabled]="busy()" (click)="remove(u)" [attr.aria-label]="'Remove ' + u.username + ' from the group'">Remove</button>
                }
              </li>
            }
          </ul>
          @if (mayManage()) {
            <app-user-search label="Add people by username" action="add to the group" [autofocus]="true" [exclude]="memberNames()" (picked)="add($event)" />
          }
          <p class="form-error" role="alert">{{ error() }}</p>
          <div class="dialog-actions">
            <button type="button" class="btn btn-danger" [disabled]="busy()" (click)="leave()">Leave group</button>
            <button type="button" class="btn btn-secondary" (click)="open.set(false)">Done</button>
          </div>
        }
      }
    </dialog>
  `,
})
export class GroupDialog {
  protected readonly chat = inject(ChatService);
  private readonly router = inject(Router);
  readonly open = model(false);
  readonly conversation = input<number | null>(null);
  protected readonly uid = `group-dialog-${++dialogCount}`;
  protected readonly maxTitle = LIMITS.maxTitleChars;
  protected readonly title = signal('');
  protected readonly selected = signal<UserRef[]>([]);
  protected readonly error = signal('');
  protected readonly busy = signal(false);
  protected readonly me = this.chat.me;
  protected readonly selectedNames = computed(() => this.selected().map((u) => u.username));
  protected readonly members = computed(() => {
    const id = this.conversation();
    return id === null ? [] : (this.chat.convs()[id]?.info.members ?? []);
  });
  protected readonly memberNames = computed(() => this.members().map((u) => u.username));
  protected readonly info = computed(() => {
    const id = this.conversation();
    return id === null ? undefined : this.chat.convs()[id]?.info;
  });
  /** A server with roles names an owner; an older one has none and lets every member manage. */
  protected readonly hasRoles = computed(() => !!this.info()?.owner);
  protected readonly myRole = computed(() => (this.info() ? roleOf(this.info()!, this.me()?.id ?? 0) : 'member'));
  protected readonly mayManage = computed(() => !this.hasRoles() || this.myRole() !== 'member');
  protected readonly description = signal('');
  protected readonly colour = signal('');
  protected readonly colours = ['', ...AVATAR_COLORS];
  protected readonly maxDescription = MAX_DESCRIPTION_CHARS;
  private readonly dlg = viewChild.required<ElementRef<HTMLDialogElement>>('dlg');
  private readonly picture = viewChild<AvatarEditor>('picture');

  constructor() {
    bindDialog(() => this.open(), () => this.dlg(), () => {
      const info = untracked(() => this.info());
      this.error.set('');
      this.title.set(info?.title ?? '');
      this.description.set(info?.description ?? '');
      this.colour.set(info?.avatar_color ?? '');
      this.selected.set([]);
    });
  }

  protected roleOf(user: number): string {
    const info = this.info();
    return info ? roleOf(info, user) : 'member';
  }

  protected async save(): Promise<void> {
    const info = this.info();
    const title = this.title().trim();
    if (!info) return;
    if (!title) {
      this.error.set('Give the group a name.');
      return;
    }
    const fields: { title?: string; description?: string; avatar_color?: string } = {};
    if (title !== info.title) fields.title = title;
    if (this.description().trim() !== (info.description ?? '')) fields.description = this.description().trim();
    if (this.colour() !== (info.avatar_color ?? '')) fields.avatar_color = this.colour();
    if (!Object.keys(fields).length) return;
    await this.act(() => this.chat.updateGroup(info.id, fields));
  }

  protected async setPicture(avatar: string): Promise<void> {
    const info = this.info();
    if (!info) return;
    this.busy.set(true);
    try {
      await this.chat.updateGroup(info.id, { avatar });
    } catch (e) {
      this.picture()?.fail(explain(e));
    } finally {
      this.busy.set(false);
    }
  }

  protected async toggleAdmin(u: UserRef): Promise<void> {
    const role = this.roleOf(u.id) === 'admin' ? 'member' : 'admin';
    await this.act(() => this.chat.setRole(this.conversation()!, u.username, role));
  }

  protected select(u: UserRef): void {
    if (!this.selected().some((s) => s.id === u.id)) this.selected.update((s) => [...s, u]);
  }

  protected unselect(u: UserRef): void {
    this.selected.update((s) => s.filter((x) => x.id !== u.id));
  }

  protected async create(): Promise<void> {
    const title = this.title().trim();
    if (!title) {
      this.error.set('Give the group a name.');
      return;
    }
    this.busy.set(true);
    try {
      const id = await this.chat.createGroup(title, this.selectedNames());
      this.open.set(false);
      await this.router.navigate(['/c', id]);
    } catch (e) {
      this.error.set(explain(e));
    } finally {
      this.busy.set(false);
    }
  }

  protected async add(u: UserRef): Promise<void> {
    await this.act(() => this.chat.addMember(this.conversation()!, u.username));
  }

  protected async remove(u: UserRef): Promise<void> {
    await this.act(() => this.chat.removeMember(this.conversation()!, u.username));
  }

  protected async leave(): Promise<void> {
    const ok = await this.act(() => this.chat.leave(this.conversation()!));
    if (ok) {
      this.open.set(false);
      await this.router.navigateByUrl('/');
    }
  }

  private async act(fn: () => Promise<void>): Promise<boolean> {
    this.busy.set(true);
    this.error.set('');
    try {
      await fn();
      return true;
    } catch (e) {
      this.error.set(explain(e));
      return false;
    } finally {
      this.busy.set(false);
    }
  }
}
