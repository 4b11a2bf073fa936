/**
 * Group commit: batches from every agent stream are coalesced into one database
 * transaction every few milliseconds (or as soon as enough rows wait), and each
 * submitter learns when the transaction holding its batch has committed. One
 * transaction is in flight at a time; what arrives meanwhile forms the next one. A
 * per-row (or per-batch) transaction would cap ingest at the disk's fsync rate.
 */
export interface GroupCommitOptions {
  /** Longest an item waits for companions before its transaction starts. */
  intervalMs: number;
  /** Start the transaction at once when this many rows wait; also the most one transaction takes. */
  maxRows: number;
}

interface Waiting<Item> {
  item: Item;
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
      this.queue.push({ item, resolve, reject });
      this.queuedRows += this.rowsOf(item);
      this.schedule();
    });
  }

  /** Rows waiting for the next transaction. */
  get pendingRows(): number {
    return this.queuedRows;
  }

  private schedule(): void {
    if (this.running) return; // the running transaction's end starts the next
    if (this.queuedRows >= this.options.maxRows) {
      this.start();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.start(), this.options.intervalMs);
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
