import type { UserStore } from '../store/types';

const NOBODY: ReadonlySet<string> = new Set();

/**
 * Whom each user blocks, remembered so a message in a direct conversation costs no
 * database read for it (that read was 2–3 % of the event loop's time per message). Like
 * `Membership`: the instance that changes a block calls `forget` for the blocker, and every
 * other instance hears of it and forgets too before the change is answered (UsersService,
 * scale/index.ts), so a block takes effect at once wherever the blocked person sends.
 */
export class Blocks {
  private readonly byBlocker = new Map<string, ReadonlySet<string>>();
  /** Counts forgets: a read that spans one is not remembered. */
  private epoch = 0;

  constructor(
    private readonly store: Pick<UserStore, 'listBlocked'>,
    private readonly maxEntries = 20_000,
  ) {}

  async isBlocked(blockerId: string, blockedId: string): Promise<boolean> {
    return (await this.blockedBy(blockerId)).has(blockedId);
  }

  forget(blockerId: string): void {
    this.epoch += 1;
    this.byBlocker.delete(blockerId);
  }

  /** After a Redis outage, when changes on other instances may have been missed. */
  forgetAll(): void {
    this.epoch += 1;
    this.byBlocker.clear();
  }

  private async blockedBy(blockerId: string): Promise<ReadonlySet<string>> {
    const known = this.byBlocker.get(blockerId);
    if (known !== undefined) return known;
    const epoch = this.epoch;
    const ids = await this.store.listBlocked(blockerId);
    const blocked = ids.length === 0 ? NOBODY : new Set(ids);
    if (epoch === this.epoch) {
      // Starting over when full is cheaper than evicting one by one, and rare.
      if (this.byBlocker.size >= this.maxEntries) this.byBlocker.clear();
      this.byBlocker.set(blockerId, blocked);
    }
    return blocked;
  }
}
