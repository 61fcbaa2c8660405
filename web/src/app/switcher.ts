import { Component, ElementRef, computed, inject, model, signal, viewChild } from '@angular/core';
import { Router } from '@angular/router';
import { ChatService } from './chat.service';
import { bindDialog } from './dialogs';

/** Ctrl/Cmd+K: type part of a name, arrows to choose, Enter to open. */
@Component({
  selector: 'app-switcher',
  template: `
    <dialog #dlg class="dialog switcher" aria-labelledby="switcher-title" (close)="open.set(false)">
      <div class="dialog-head">
        <h2 id="switcher-title">Go to conversation</h2>
        <button type="button" class="icon-btn" aria-label="Close" (click)="open.set(false)">✕</button>
      </div>
      @if (open()) {
        <label class="sr-only" for="switcher-input">Conversation name</label>
        <input id="switcher-input" type="text" data-autofocus autocomplete="off" spellcheck="false" role="combobox"
          aria-autocomplete="list" aria-controls="switcher-list" [attr.aria-expanded]="matches().length > 0"
          [attr.aria-activedescendant]="matches().length ? 'switch-' + matches()[sel()].id : null"
          placeholder="Type a name…" [value]="query()" (input)="onInput($event)" (keydown)="onKey($event)" />
        <ul id="switcher-list" class="switch-list" role="listbox" aria-label="Conversations">
          @for (m of matches(); track m.id; let i = $index) {
            <li role="option" [id]="'switch-' + m.id" [attr.aria-selected]="i === sel()" [class.selected]="i === sel()"
              (click)="go(m.id)">{{ m.title }}</li>
          }
        </ul>
        @if (!matches().length) {
          <p class="empty">No conversation matches.</p>
        }
      }
    </dialog>
  `,
})
export class Switcher {
  private readonly chat = inject(ChatService);
  private readonly router = inject(Router);
  readonly open = model(false);
  protected readonly query = signal('');
  protected readonly sel = signal(0);
  private readonly dlg = viewChild.required<ElementRef<HTMLDialogElement>>('dlg');

  protected readonly matches = computed(() => {
    const q = this.query().trim().toLowerCase();
    return this.chat
      .conversationList()
      .map((c) => ({ id: c.info.id, title: this.chat.titleOf(c) }))
      .filter((m) => !q || m.title.toLowerCase().includes(q))
      .slice(0, 20);
  });

  constructor() {
    bindDialog(
      () => this.open(),
      () => this.dlg(),
      () => {
        this.query.set('');
        this.sel.set(0);
      },
    );
  }

  protected onInput(e: Event): void {
    this.query.set((e.target as HTMLInputElement).value);
    this.sel.set(0);
  }

  protected onKey(e: KeyboardEvent): void {
    const n = this.matches().length;
    if (e.key === 'ArrowDown' && n) {
      e.preventDefault();
      this.sel.set((this.sel() + 1) % n);
    } else if (e.key === 'ArrowUp' && n) {
      e.preventDefault();
      this.sel.set((this.sel() - 1 + n) % n);
    } else if (e.key === 'Enter' && n) {
      e.preventDefault();
      this.go(this.matches()[this.sel()].id);
    }
  }

  protected go(id: number): void {
    this.open.set(false);
    void this.router.navigate(['/c', id]);
  }
}
