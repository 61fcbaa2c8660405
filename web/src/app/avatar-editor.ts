import { Component, ElementRef, input, output, signal, viewChild } from '@angular/core';
import { Avatar } from './avatar';
import { uploadAvatarImage } from './avatar-rules';

let editorCount = 0;

/**
 * The picture part of a profile or group: a preview, "Upload picture" (a button that opens the
 * file chooser, so it works from the keyboard) and "Remove picture". The parent stores the result
 * (set_profile or update_group): `picked` gives the new avatar id, `removed` asks for none.
 */
@Component({
  selector: 'app-avatar-editor',
  imports: [Avatar],
  template: `
    <div class="avatar-editor">
      <app-avatar size="large" [name]="name()" [color]="color()" [image]="image()" />
      <div>
        <div class="avatar-actions">
          <input #file type="file" class="sr-only" tabindex="-1" aria-hidden="true" accept="image/png,image/jpeg,image/gif,image/webp"
            (change)="chosen($event)" [attr.data-testid]="testid() + '-file'" />
          <button type="button" class="btn btn-secondary btn-small" [disabled]="busy()" (click)="file.click()"
            [attr.aria-describedby]="uid + '-status'">{{ busy() ? 'Uploading…' : 'Upload ' + what() }}</button>
          @if (image()) {
            <button type="button" class="btn btn-plain btn-small" [disabled]="busy()" (click)="removed.emit()">Remove {{ what() }}</button>
          }
        </div>
        <p class="hint" [id]="uid + '-status'" role="status">{{ status() }}</p>
        <p class="form-error" role="alert">{{ error() }}</p>
      </div>
    </div>
  `,
})
export class AvatarEditor {
  readonly name = input.required<string>();
  readonly color = input<string | undefined>('');
  readonly image = input<string | undefined>('');
  /** "picture" or "group picture": the buttons' words. */
  readonly what = input('picture');
  readonly testid = input('avatar');
  readonly picked = output<string>();
  readonly removed = output<void>();
  protected readonly uid = `avatar-editor-${++editorCount}`;
  protected readonly busy = signal(false);
  protected readonly error = signal('');
  protected readonly status = signal('PNG, JPEG, GIF or WebP, up to 5 MB; shown as a circle.');
  private readonly file = viewChild.required<ElementRef<HTMLInputElement>>('file');

  protected async chosen(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const f = input.files?.[0];
    if (!f) return;
    this.busy.set(true);
    this.error.set('');
    this.status.set('Uploading…');
    try {
      const id = await uploadAvatarImage(f);
      this.status.set('Picture uploaded.');
      this.picked.emit(id);
    } catch (err) {
      this.status.set('');
      this.error.set(err instanceof Error ? err.message : String(err));
    } finally {
      this.busy.set(false);
      this.file().nativeElement.value = '';
    }
  }

  /** For the parent: show a failure of storing the picture (set_profile / update_group). */
  fail(message: string): void {
    this.error.set(message);
    this.status.set('');
  }
}
