/**
 * What neighwatch must find on each lab variant (docs/lab.md): the demo waits for these,
 * the end-to-end tests assert them.
 */
import type { MismatchKind } from '@neighwatch/model';

/** The field variant: the Wi-Fi bridge's MAC NAT, seen from every side. */
export const FIELD_KINDS: readonly MismatchKind[] = [
  'REWRITTEN_IN_TRANSIT',
  'LLADDR_MISMATCH',
  'EUI64_MISMATCH',
  'PHANTOM_LLADDR',
  'BINDING_CONFLICT',
  'SPLIT_STACK',
];

/** The wired variant: nothing. */
export const WIRED_KINDS: readonly MismatchKind[] = [];
