import { ConversationInfo } from './protocol';

/** One page of list_conversations: its conversations and the cursor of the next page, if any. */
export interface ListPage {
  list: ConversationInfo[];
  next: string | null;
}

/** More pages than any user has (200 a page): a server that never ends its cursor stops here. */
const MAX_PAGES = 100;

/**
 * A page answered `rate_limited` was not executed: ask for the same page again after a pause
 * (docs/protocol.md: at least 1 s). Paging through thousands of conversations spends the
 * user's database budget (one for all of the user's tabs and devices), so this is expected, not
 * a failure. Other errors end the listing.
 */
const RATE_LIMIT_PAUSE_MS = 1000;
const MAX_RATE_LIMITED = 30;

function isRateLimited(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'rate_limited';
}

/**
 * Loads the whole conversation list (every page of list_conversations), one listing at a time.
 * The server answers requests from parallel database workers, so two listings in flight may be
 * answered out of order: an older list applied after a newer one would drop a conversation that
 * was just created. Here a listing asked for while one runs starts when that one ends, and a
 * conversation touched live while a listing runs (an event, a reply naming it) is kept even if the
 * listing lacks it: its pages were read before the change. Pure: no Angular, no socket.
 */
export class ListLoader {
  private running: Promise<void> | null = null;
  private again = false;
  private touched = new Set<number>();
  private generation = 0;

  constructor(
    private readonly fetchPage: (cursor: string | undefined) => Promise<ListPage>,
    private readonly apply: (list: ConversationInfo[], keep: ReadonlySet<number>) => void,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((ok) => setTimeout(ok, ms)),
  ) {}

  /** A conversation was seen live: the listing running now must not drop it. */
  touch(id: number): void {
    this.touched.add(id);
  }

  /** Resolves once a listing that started after this call has been applied (or rejects with its error). */
  load(): Promise<void> {
    this.again = true;
    if (!this.running) {
      const run: Promise<void> = this.run().finally(() => {
        if (this.running === run) this.running = null;
      });
      this.running = run;
    }
    return this.running;
  }

  /** Forgets everything (another user, signed out): an answer still in flight is not applied. */
  reset(): void {
    this.generation++;
    this.again = false;
    this.touched.clear();
    this.running = null;
  }

  private async run(): Promise<void> {
    const generation = this.generation;
    while (this.again && generation === this.generation) {
      this.again = false;
      this.touched.clear();
      const list: ConversationInfo[] = [];
      const seen = new Set<number>();
      let cursor: string | undefined;
      let limited = 0;
      for (let i = 0; i < MAX_PAGES; i++) {
        let page: ListPage;
        try {
          page = await this.fetchPage(cursor);
        } catch (e) {
          if (!isRateLimited(e) || ++limited > MAX_RATE_LIMITED) throw e;
          await this.pause(RATE_LIMIT_PAUSE_MS);
          if (generation !== this.generation) return;
          i--; // the same page again
          continue;
        }
        if (generation !== this.generation) return;
        // A conversation active while we page moves to the front: the first copy is the newest.
        for (const c of page.list) {
          if (seen.has(c.id)) continue;
          seen.add(c.id);
          list.push(c);
        }
        if (!page.next || page.next === cursor) break;
        cursor = page.next;
      }
      this.apply(list, new Set(this.touched));
    }
  }
}
