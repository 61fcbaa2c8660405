import { Component, ElementRef, effect, input, signal, viewChild } from '@angular/core';
import { Attachment, attachmentUrl, describeAttachment, formatSize, isImage, thumbBox } from './attachments';

/**
 * A message's files: images as thumbnails (a button that opens the lightbox), other files as a
 * download chip with name and size. The server checks membership on every fetch.
 */
@Component({
  selector: 'app-attachments',
  template: `
    <ul class="attachments" [attr.aria-label]="items().length === 1 ? 'Attachment' : items().length + ' attachments'">
      @for (a of items(); track a.id) {
        <li>
          @if (image(a)) {
            @let box = thumb(a);
            <button type="button" class="thumb" aria-haspopup="dialog" [attr.aria-label]="'Open image ' + a.name" (click)="show(a, $event)">
              <img [src]="url(a.id, true)" alt="" [width]="box.width" [height]="box.height" loading="lazy" decoding="async" />
            </button>
          } @else {
            <a class="file-chip" [href]="url(a.id)" [attr.download]="a.name" [title]="describe(a)">
              <span class="file-icon" aria-hidden="true">📄</span>
              <span class="sr-only">Download </span>
              <span class="file-name" dir="auto">{{ a.name }}</span>
              <span class="file-size">{{ size(a.size) }}</span>
            </a>
          }
        </li>
      }
    </ul>
    <dialog #dlg class="lightbox" [attr.aria-label]="open()?.name ?? 'Image'" (close)="closed()" (click)="$event.target === dlg && dlg.close()">
      @if (open(); as a) {
        <div class="lightbox-head">
          <p class="lightbox-name" dir="auto">{{ a.name }} <span class="file-size">{{ size(a.size) }}</span></p>
          <a class="btn btn-small btn-secondary" [href]="url(a.id)" [attr.download]="a.name">Download</a>
          <button type="button" class="icon-btn" aria-label="Close" data-autofocus (click)="dlg.close()">✕</button>
        </div>
        <img class="lightbox-img" [src]="url(a.id)" [alt]="a.name" [width]="a.width || null" [height]="a.height || null" />
      }
    </dialog>
  `,
})
export class AttachmentView {
  readonly items = input.required<Attachment[]>();
  protected readonly open = signal<Attachment | null>(null);
  private readonly dlg = viewChild.required<ElementRef<HTMLDialogElement>>('dlg');
  /** The thumbnail that opened the lightbox: the focus goes back to it. */
  private opener: HTMLElement | null = null;

  constructor() {
    effect(() => {
      const a = this.open();
      const d = this.dlg().nativeElement;
      if (a && !d.open) {
        d.showModal();
        setTimeout(() => d.querySelector<HTMLElement>('[data-autofocus]')?.focus());
      }
    });
  }

  protected show(a: Attachment, e: Event): void {
    this.opener = e.currentTarget as HTMLElement;
    this.open.set(a);
  }

  /** Escape, the Close button or the backdrop: the focus returns to the thumbnail. */
  protected closed(): void {
    this.open.set(null);
    this.opener?.focus();
    this.opener = null;
  }

  protected image(a: Attachment): boolean {
    return isImage(a);
  }

  protected thumb(a: Attachment): { width: number; height: number } {
    return thumbBox(a);
  }

  protected url(id: string, thumbnail = false): string {
    return attachmentUrl(id, thumbnail);
  }

  protected size(n: number): string {
    return formatSize(n);
  }

  protected describe(a: Attachment): string {
    return describeAttachment(a);
  }
}
