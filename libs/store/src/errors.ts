/** Domain errors the repository throws; the collector maps them to gRPC status codes. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** A row that must be unique already exists (a unique constraint refused the write). */
export class StoreConflictError extends StoreError {
  override name = 'StoreConflictError';
  constructor(
    message: string,
    /** The columns of the unique key that refused the row, when SQLite names them. */
    readonly fields: string[] = [],
  ) {
    super(message);
  }
}

/** The row a call names does not exist (e.g. acknowledging an unknown mismatch id). */
export class StoreNotFoundError extends StoreError {
  override name = 'StoreNotFoundError';
}
