import { describe, expect, it } from 'vitest';
import type { Finding } from '@neighwatch/model';
import { Allowlist, parseAllowlist } from './allowlist';

const finding = (over: Partial<Finding> = {}): Finding => ({
  kind: 'LLADDR_MISMATCH',
  subject: '192.0.2.50',
  ip: '192.0.2.50',
  macs: ['02:bf:c0:00:02:32', '00:15:5d:01:02:03'],
  node: null,
  vantagePoints: [{ node: 'router', iface: 'br0' }],
  timeUs: 1,
  evidence: [],
  summary: 'x',
  ...over,
});

describe('allowlist', () => {
  it('matches only when every named field matches', () => {
    const list = new Allowlist(parseAllowlist([{ kind: 'LLADDR_MISMATCH', mac: '02-BF-C0-00-02-32', comment: 'Microsoft NLB cluster VIP' }]));
    expect(list.match(finding())?.comment).toBe('Microsoft NLB cluster VIP');
    expect(list.match(finding({ kind: 'DUPLICATE_ADDRESS' }))).toBeNull();
    expect(list.match(finding({ macs: ['00:11:22:33:44:55'] }))).toBeNull();
  });

  it('matches a node as subject or vantage point, and IPs in canonical form', () => {
    const list = new Allowlist(parseAllowlist([{ ip: '2001:DB8:0:0::1', node: 'router', comment: 'VRRP' }]));
    expect(list.match(finding({ ip: '2001:db8::1' }))).not.toBeNull();
    expect(list.match(finding({ ip: '2001:db8::1', vantagePoints: [{ node: 'host', iface: 'eth0' }] }))).toBeNull();
  });

  it('refuses entries without a comment, with unknown keys or bad values, naming them', () => {
    expect(() => parseAllowlist([{ kind: 'LLADDR_MISMATCH' }])).toThrow('[0].comment: required');
    expect(() => parseAllowlist([{ comment: 'x', macs: 'a' }])).toThrow('[0].macs: unknown key');
    expect(() => parseAllowlist([{ comment: 'x', kind: 'NOPE' }])).toThrow('[0].kind: "NOPE" is not one of');
    expect(() => parseAllowlist([{ comment: 'x', mac: 'zz' }])).toThrow('[0].mac: "zz" is not a MAC address');
    expect(() => parseAllowlist([{ comment: 'everything' }])).toThrow(/needs at least one of/);
  });

  it('reads the same entries from YAML text (environment, flags)', () => {
    expect(parseAllowlist('[{kind: SPLIT_STACK, node: vm, comment: "lab"}]')).toEqual([{ kind: 'SPLIT_STACK', node: 'vm', comment: 'lab' }]);
  });
});
