/**
 * Group commit: batches from every agent stream are coalesced into one database
 * transaction, and each submitter learns when the transaction holding its batch has
 * committed. One transaction is in flight at a time; what arrives meanwhile forms the
 * next one. A per-row (or per-batch) transaction would cap ingest at the disk's fsync rate.
 *
 * When the previous transaction has ended, the next starts as soon as `minRows` rows wait,
 * or when the oldest waiting item has waited `intervalMs`, whichever comes first: under a
 * light load an observation waits at most `intervalMs` (plus the running transaction);
 * under a heavy one transactions grow, and the per-transaction cost (BEGIN, COMMIT and
 * its WAL write and fsync, one row update per node) is spread over more rows.
 */
export interface GroupCommitOptions {
  /** Longest the oldest waiting item waits for companions (once no transaction runs). */
  intervalMs: number;
  /** Start at once when this many rows wait (default: maxRows). */
  minRows?: number;
  /** The most one transaction takes. */
  maxRows: number;
  /** Told each transaction's rows and how long its oldest item waited (ms), for metrics. */
  onStart?: (rows: number, waitedMs: number) => void;
}

interface Waiting<Item> {
  item: Item;
  /** performance.now() when submitted. */
  at: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<Item> {
  private queue: Waiting<Item>[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly write: (items: Item[]) => Promise<void>,
    private readonly rowsOf: (item: Item) => number,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Resolves once a committed transaction holds `item`; rejects if that transaction failed. */
  submit(item: Item): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the collector is shutting down'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, at: performance.now(), resolve, reject });
      this.queuedRows += this.rowsOf(item);
      this.schedule();
    });
  }

  /** Rows waiting for the next transaction. */
  get pendingRows(): number {
    return this.queuedRows;
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return; // the running transaction's end starts the next
    const waited = performance.now() - this.queue[0].at;
    if (this.queuedRows >= (this.options.minRows ?? this.options.maxRows) || waited >= this.options.intervalMs) {
      this.start();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.start(), this.options.intervalMs - waited);
    }
  }

  private start(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running || this.queue.length === 0) return;
    // At most maxRows per transaction (at least one item): a bounded transaction keeps
    // commit latency and memory bounded under a backlog.
    let rows = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || rows + this.rowsOf(this.queue[take].item) <= this.options.maxRows)) {
      rows += this.rowsOf(this.queue[take].item);
      take++;
    }
    const group = this.queue.splice(0, take);
    this.queuedRows -= rows;
    this.options.onStart?.(rows, performance.now() - group[0].at);
    this.running = this.write(group.map((w) => w.item)).then(
      () => {
        for (const w of group) w.resolve();
      },
      (error: unknown) => {
        for (const w of group) w.reject(error);
      },
    );
    void this.running.finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  /** Commits what is queued, waits for it, and refuses anything new. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running || this.queue.length > 0) {
      if (this.running) await this.running.catch(() => undefined);
      else this.start();
    }
  }
}
