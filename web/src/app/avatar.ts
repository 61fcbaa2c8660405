import { Component, computed, input, signal } from '@angular/core';
import { avatarColours, avatarUrl, initialsOf } from './avatar-rules';

export { avatarUrl, uploadAvatarImage } from './avatar-rules';

/**
 * A person's or group's avatar: the image when there is one (and it loads), else initials on the
 * colour. Decorative (aria-hidden): the name is always written next to it.
 */
@Component({
  selector: 'app-avatar',
  host: {
    class: 'avatar',
    'aria-hidden': 'true',
    '[class.avatar-small]': 'size() === "small"',
    '[class.avatar-large]': 'size() === "large"',
    '[style.background-color]': 'showImage() ? null : colours().bg',
    '[style.color]': 'colours().fg',
    '[attr.data-avatar]': 'showImage() ? "image" : "initials"',
  },
  template: `@if (showImage()) {<img class="avatar-img" [src]="src()" alt="" (error)="failed.set(image())" />} @else {<span class="avatar-initials">{{ initials() }}</span>}<ng-content />`,
})
export class Avatar {
  readonly name = input.required<string>();
  readonly color = input<string | undefined>('');
  /** An avatar image id, or "" / undefined for none. */
  readonly image = input<string | undefined>('');
  readonly size = input<'small' | 'normal' | 'large'>('normal');
  /** The image id that failed to load (403 after leaving a group, 404): show initials instead. */
  protected readonly failed = signal<string | undefined>(undefined);
  protected readonly src = computed(() => avatarUrl(this.image() ?? ''));
  protected readonly showImage = computed(() => !!this.image() && this.failed() !== this.image());
  protected readonly initials = computed(() => initialsOf(this.name()));
  protected readonly colours = computed(() => avatarColours(this.name(), this.color()));
}

