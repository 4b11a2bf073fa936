import { describe, expect, it } from 'vitest';
import { GroupCommitter, type GroupCommitOptions } from './group-commit';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A committer over numbers (each number its own row count) whose first transaction waits for `gate`. */
function gatedCommitter(options: GroupCommitOptions) {
  const transactions: number[][] = [];
  const gate = deferred();
  const committer = new GroupCommitter<number>(
    async (items) => {
      transactions.push(items);
      if (transactions.length === 1) await gate.promise;
    },
    (n) => n,
    options,
  );
  return { committer, transactions, gate };
}

describe('GroupCommitter', () => {
  it('coalesces items submitted close together into one transaction', async () => {
    const transactions: number[][] = [];
    const committer = new GroupCommitter<number>(async (items) => void transactions.push(items), () => 1, { intervalMs: 5, maxRows: 1000 });
    await Promise.all([1, 2, 3, 4].map((n) => committer.submit(n)));
    expect(transactions).toEqual([[1, 2, 3, 4]]);
  });

  it('starts at once when enough rows wait, and queues the rest behind the running transaction', async () => {
    const { committer, transactions, gate } = gatedCommitter({ intervalMs: 60_000, maxRows: 10 });
    const first = committer.submit(10); // reaches maxRows: no 60 s wait
    const second = committer.submit(4);
    const third = committer.submit(6);
    await Promise.resolve();
    expect(transactions).toEqual([[10]]);
    gate.resolve();
    await Promise.all([first, second, third]);
    expect(transactions).toEqual([[10], [4, 6]]);
  });

  it('caps a transaction at maxRows and commits the rest next', async () => {
    const { committer, transactions, gate } = gatedCommitter({ intervalMs: 1, maxRows: 10 });
    const all = [committer.submit(1), committer.submit(4), committer.submit(5), committer.submit(3), committer.submit(12)];
    await new Promise((r) => setTimeout(r, 5));
    gate.resolve();
    await Promise.all(all);
    expect(transactions).toEqual([[1, 4, 5], [3], [12]]);
  });

  it('tells every submitter of a failed transaction, and goes on with the next', async () => {
    let fail = true;
    const committer = new GroupCommitter<string>(
      async () => {
        if (fail) throw new Error('disk full');
      },
      () => 1,
      { intervalMs: 1, maxRows: 100 },
    );
    const results = await Promise.allSettled([committer.submit('a'), committer.submit('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(committer.submit('c')).resolves.toBeUndefined();
  });

  it('close() commits what waits and refuses new items', async () => {
    const seen: string[] = [];
    const committer = new GroupCommitter<string>(async (items) => void seen.push(...items), () => 1, { intervalMs: 60_000, maxRows: 100 });
    const pending = committer.submit('last');
    await committer.close();
    await pending;
    expect(seen).toEqual(['last']);
    await expect(committer.submit('late')).rejects.toThrow(/shutting down/);
  });

  it('after a transaction, waits for minRows rows or until the oldest item has waited intervalMs', async () => {
    const started: number[] = [];
    const { committer, transactions, gate } = gatedCommitter({ intervalMs: 40, minRows: 10, maxRows: 100, onStart: (rows) => started.push(rows) });
    const first = committer.submit(10); // minRows: starts at once
    await Promise.resolve();
    expect(transactions).toEqual([[10]]);
    // Items that waited behind the running transaction for longer than intervalMs go as soon as it ends.
    const second = committer.submit(2);
    await new Promise((r) => setTimeout(r, 60));
    gate.resolve();
    await second;
    expect(transactions).toEqual([[10], [2]]);
    // A lone small item waits intervalMs for companions, measured from its own arrival.
    const t0 = performance.now();
    const third = committer.submit(3);
    const fourth = committer.submit(4);
    await Promise.all([first, third, fourth]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    expect(transactions).toEqual([[10], [2], [3, 4]]);
    // …unless minRows rows gather first.
    const t1 = performance.now();
    await Promise.all([committer.submit(6), committer.submit(5)]);
    expect(performance.now() - t1).toBeLessThan(35);
    expect(transactions.at(-1)).toEqual([6, 5]);
    expect(started).toEqual([10, 2, 7, 11]);
  });
});
