import { ApiError } from '../http/errors';

/**
 * At most `concurrency` jobs at once and at most `waitingMax` more in line; a job
 * beyond that is refused at once (429) instead of piling up work and memory that the
 * rest of the server (message delivery) would pay for.
 */
export class BoundedQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly waitingMax: number,
    private readonly retryAfterSeconds = 2,
  ) {}

  /** The 429 a refused job gets. */
  busy(): ApiError {
    return new ApiError(
      'rate_limited',
      'The server is busy with other uploads. Try again shortly.',
      undefined,
      this.retryAfterSeconds,
    );
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Whether a job offered now would be refused. */
  get full(): boolean {
    return this.active >= this.concurrency && this.waiting.length >= this.waitingMax;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.full) throw this.busy();
    if (this.active >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next in line, so `active` never drops below what runs.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
