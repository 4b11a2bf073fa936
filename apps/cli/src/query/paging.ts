/** Follows the collector's `next_cursor` until `limit` rows (0 = all) or the last page. */
export interface PageResult<T> {
  items: T[];
  /** The collector has more rows than were fetched. */
  more: boolean;
}

/** Largest page the collector serves (query.proto: at most 10000). */
export const MAX_PAGE = 10_000;

export async function collectPages<T>(
  limit: number,
  fetch: (page: { limit: number; cursor: string }) => Promise<{ items: T[]; nextCursor: string }>,
): Promise<PageResult<T>> {
  const wanted = limit === 0 ? Infinity : limit;
  const items: T[] = [];
  let cursor = '';
  for (;;) {
    const pageLimit = Math.min(wanted - items.length, MAX_PAGE);
    const page = await fetch({ limit: pageLimit, cursor });
    for (const item of page.items) {
      if (items.length < wanted) items.push(item);
    }
    cursor = page.nextCursor;
    if (!cursor || page.items.length === 0) return { items, more: false };
    if (items.length >= wanted) return { items, more: true };
  }
}
