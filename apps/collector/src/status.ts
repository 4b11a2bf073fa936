/**
 * Every error a handler can meet becomes a gRPC status here, in one place, so the same
 * problem always gets the same code wherever it happens.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { StoreConflictError, StoreNotFoundError } from '@neighwatch/store';
import { FieldError } from './validate';

/** A request the caller must fix (bad filter text, unknown enum). */
export class InvalidArgument extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The caller may not do this: wrong token, wrong role, token of another node. */
export class AccessError extends Error {
  constructor(
    readonly code: 'UNAUTHENTICATED' | 'PERMISSION_DENIED',
    message: string,
  ) {
    super(message);
  }
}

/** The collector cannot serve now (shutting down, database unavailable). */
export class Unavailable extends Error {}

/** The caller is using more than its share (a Watch client that does not read). */
export class Overloaded extends Error {}

export interface StatusObject {
  code: status;
  details: string;
}

export function toStatus(error: unknown): StatusObject {
  if (error instanceof FieldError || error instanceof InvalidArgument) return { code: status.INVALID_ARGUMENT, details: error.message };
  if (error instanceof AccessError) return { code: status[error.code], details: error.message };
  if (error instanceof StoreNotFoundError) return { code: status.NOT_FOUND, details: error.message };
  if (error instanceof StoreConflictError) return { code: status.ALREADY_EXISTS, details: error.message };
  if (error instanceof Unavailable) return { code: status.UNAVAILABLE, details: error.message };
  if (error instanceof Overloaded) return { code: status.RESOURCE_EXHAUSTED, details: error.message };
  return { code: status.INTERNAL, details: `internal error: ${error instanceof Error ? error.message : String(error)}` };
}

export function serviceError(s: StatusObject): Partial<ServiceError> {
  return { code: s.code, details: s.details, message: s.details };
}
