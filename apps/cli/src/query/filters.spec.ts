import { describe, expect, it } from 'vitest';
import { CliError } from './errors';
import {
  kindFromProto,
  kindToProto,
  parseIpFilter,
  parseKinds,
  parseLimit,
  parseMacFilter,
  parseMismatchId,
  parseStateFilter,
  stateFilterToProto,
  stateFromProto,
} from './filters';

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(2);
    return (e as CliError).message;
  }
  throw new Error('expected a usage error');
};

describe('filters', () => {
  it('reads kinds in any case, comma-separated or repeated, without duplicates', () => {
    expect(parseKinds(['lladdr-mismatch,SPLIT_STACK', 'split_stack'])).toEqual(['LLADDR_MISMATCH', 'SPLIT_STACK']);
    expect(usage(() => parseKinds(['LLADDR']))).toContain('LLADDR_MISMATCH, EUI64_MISMATCH');
  });
  it('reads states', () => {
    expect(parseStateFilter('ALL')).toBe('all');
    expect(parseStateFilter('ack')).toBe('acknowledged');
    expect(usage(() => parseStateFilter('closed'))).toContain('open, acknowledged, resolved, all');
  });
  it('normalizes addresses to the stored form', () => {
    expect(parseIpFilter('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(parseIpFilter('192.0.2.10')).toBe('192.0.2.10');
    expect(usage(() => parseIpFilter('192.0.2.300'))).toContain('not an IPv4 or IPv6 address');
    expect(parseMacFilter('00-03-FF-13-7D-75')).toBe('00:03:ff:13:7d:75');
    expect(usage(() => parseMacFilter('00:03:ff:13:7d'))).toContain('not a MAC address');
  });
  it('reads ids and limits', () => {
    expect(parseMismatchId('42')).toBe(42);
    expect(parseMismatchId('#42')).toBe(42);
    usage(() => parseMismatchId('0'));
    usage(() => parseMismatchId('abc'));
    expect(parseLimit('0')).toBe(0);
    usage(() => parseLimit('-1'));
  });
  it('maps to and from the wire names', () => {
    expect(kindToProto('SPLIT_STACK')).toBe('MISMATCH_KIND_SPLIT_STACK');
    expect(kindFromProto('MISMATCH_KIND_SPLIT_STACK')).toBe('SPLIT_STACK');
    expect(stateFilterToProto(undefined)).toBe('MISMATCH_STATE_UNSPECIFIED');
    expect(stateFilterToProto('all')).toBe('MISMATCH_STATE_ALL');
    expect(stateFromProto('MISMATCH_STATE_ACKNOWLEDGED')).toBe('acknowledged');
  });
});
