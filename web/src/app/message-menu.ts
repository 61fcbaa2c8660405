import { Component, ElementRef, afterNextRender, computed, input, output, signal, viewChild } from '@angular/core';

/** The quick reactions: emoji and the name a screen reader says. */
export const EMOJI: readonly { e: string; name: string }[] = [
  { e: '👍', name: 'thumbs up' },
  { e: '❤️', name: 'heart' },
  { e: '😂', name: 'laughing' },
  { e: '😮', name: 'surprised' },
  { e: '😢', name: 'sad' },
  { e: '🎉', name: 'party' },
  { e: '🙏', name: 'thank you' },
  { e: '👀', name: 'eyes' },
  { e: '🔥', name: 'fire' },
  { e: '✅', name: 'done' },
  { e: '👎', name: 'thumbs down' },
  { e: '🤔', name: 'thinking' },
  { e: '😄', name: 'smile' },
  { e: '🚀', name: 'rocket' },
  { e: '💯', name: 'hundred' },
  { e: '👋', name: 'wave' },
];

export type MenuAction = 'reply' | 'react' | 'edit' | 'delete' | 'copy';

/**
 * The action menu of one message (a WAI-ARIA menu: arrows move, Enter picks, Escape or Tab
 * closes and the focus goes back to the button that opened it), and after "React…" the emoji
 * picker (a grid of buttons: arrows move, Enter picks). Positioned fixed next to its button.
 */
@Component({
  selector: 'app-message-menu',
  host: { '(document:pointerdown)': 'outside($event)', '(window:resize)': 'place()' },
  template: `
    <div #box class="popup" [style.top.px]="pos().top" [style.left.px]="pos().left" (keydown)="onKey($event)">
      @if (!picking()) {
        <div role="menu" class="menu" [attr.aria-label]="label()">
          @for (a of items(); track a.id) {
            <button type="button" role="menuitem" class="menu-item" tabindex="-1" (click)="pick(a.id)">{{ a.text }}</button>
          }
        </div>
      } @else {
        <div role="dialog" class="emoji-picker" aria-label="Choose a reaction">
          <div class="emoji-grid" role="group" aria-label="Reactions">
            @for (x of emoji; track x.e) {
              <button type="button" class="emoji-btn" tabindex="-1" [attr.aria-label]="'React with ' + x.name"
                [attr.aria-pressed]="mine().includes(x.e)" (click)="reacted.emit(x.e)">{{ x.e }}</button>
            }
          </div>
        </div>
      }
    </div>
  `,
})
export class MessageMenu {
  /** The button that opened the menu: the menu sits by it, and the focus returns to it. */
  readonly anchor = input.required<HTMLElement>();
  readonly label = input('Message actions');
  /** Reply and React (a server with message changes). */
  readonly canChange = input(true);
  readonly canEdit = input(false);
  readonly canDelete = input(false);
  /** Open straight on the emoji picker (the "+" next to reactions). */
  readonly startPicking = input(false);
  /** Emoji the user already reacted with (shown pressed; picking one again removes it). */
  readonly mine = input<string[]>([]);
  readonly action = output<MenuAction>();
  readonly reacted = output<string>();
  readonly closed = output<void>();
  protected readonly emoji = EMOJI;
  protected readonly picking = signal(false);
  private readonly box = viewChild.required<ElementRef<HTMLDivElement>>('box');

  protected readonly items = computed(() => {
    const out: { id: MenuAction; text: string }[] = [];
    if (this.canChange()) out.push({ id: 'reply', text: 'Reply' }, { id: 'react', text: 'React…' });
    if (this.canEdit()) out.push({ id: 'edit', text: 'Edit' });
    if (this.canDelete()) out.push({ id: 'delete', text: 'Delete' });
    out.push({ id: 'copy', text: 'Copy link' });
    return out;
  });

  /** Bumped on a resize (a phone turned, a window narrowed): the popup moves with its button. */
  private readonly placed = signal(0);

  protected readonly pos = computed(() => {
    this.placed();
    const r = this.anchor().getBoundingClientRect();
    const w = this.picking() ? 232 : 180;
    const h = this.picking() ? 200 : 44 * this.items().length + 12;
    const left = Math.max(8, Math.min(r.right - w, innerWidth - w - 8));
    const below = r.bottom + 4;
    const top = below + h <= innerHeight - 8 ? below : Math.max(8, r.top - h - 4);
    return { top, left };
  });

  constructor() {
    afterNextRender(() => {
      if (this.startPicking()) this.picking.set(true);
      setTimeout(() => this.focusAt(0));
    });
  }

  protected place(): void {
    this.placed.update((n) => n + 1);
  }

  private buttons(): HTMLButtonElement[] {
    return [...this.box().nativeElement.querySelectorAll<HTMLButtonElement>('button')];
  }

  private focusAt(i: number): void {
    const b = this.buttons();
    if (b.length) b[(i + b.length) % b.length].focus();
  }

  protected pick(a: MenuAction): void {
    if (a === 'react') {
      this.picking.set(true);
      setTimeout(() => this.focusAt(0));
      return;
    }
    this.action.emit(a);
  }

  protected onKey(e: KeyboardEvent): void {
    const b = this.buttons();
    const at = b.indexOf(document.activeElement as HTMLButtonElement);
    const cols = this.picking() ? 4 : 1;
    const moves: Record<string, number> = { ArrowDown: cols, ArrowUp: -cols, ArrowRight: 1, ArrowLeft: -1 };
    if (e.key in moves && (this.picking() || e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      this.focusAt(at + moves[e.key]);
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      this.focusAt(e.key === 'Home' ? 0 : b.length - 1);
    } else if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  }

  protected outside(e: PointerEvent): void {
    const t = e.target as Node;
    // A click elsewhere closes the menu and leaves the focus where the click put it.
    if (!this.box().nativeElement.contains(t) && !this.anchor().contains(t)) this.closed.emit();
  }

  close(): void {
    this.closed.emit();
    this.anchor().focus();
  }
}
