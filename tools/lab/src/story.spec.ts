import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import type { PingResult } from './ping';
import { conclusion, macOwners, toMismatchView, toNodeView } from './story';

// Real `neighwatch mismatches|nodes --format json` output from a field-variant demo run.
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>[];
const mismatches = fixture('field-mismatches.json').map(toMismatchView);
const nodes = fixture('field-nodes.json').map(toNodeView);

const ping = (family: 'IPv4' | 'IPv6', lossPercent: number): PingResult => ({
  family,
  from: family === 'IPv4' ? '192.0.2.104' : '2001:db8::203:ffff:fe13:7d75',
  to: family === 'IPv4' ? '192.0.2.1' : '2001:db8::1',
  transmitted: 3,
  received: lossPercent ? 0 : 3,
  lossPercent,
});
const fieldPings = [ping('IPv4', 0), ping('IPv6', 100)];

describe('reading the CLI JSON', () => {
  it('splits "node/interface" vantage points', () => {
    const inHost = mismatches.find((m) => m.kind === 'REWRITTEN_IN_TRANSIT' && m.vantagePoints[0].node === 'host');
    expect(inHost?.vantagePoints).toEqual([
      { node: 'host', interface: 'vmport0' },
      { node: 'host', interface: 'uplink0' },
    ]);
  });

  it('also reads object vantage points and prefixed kinds', () => {
    const view = toMismatchView({ kind: 'MISMATCH_KIND_SPLIT_STACK', vantage_points: [{ node: 'router', iface: 'lan0' }], macs: [] });
    expect(view.kind).toBe('SPLIT_STACK');
    expect(view.vantagePoints).toEqual([{ node: 'router', interface: 'lan0' }]);
  });

  it('knows which node owns which MAC from the inventories', () => {
    const owners = macOwners(nodes);
    expect(owners.get('c4:17:fe:12:7d:75')).toEqual({ node: 'host', ifaces: ['br0', 'uplink0'] });
    expect(owners.get('00:03:ff:13:7d:75')).toEqual({ node: 'vm', ifaces: ['eth0'] });
  });
});

describe('conclusion', () => {
  const text = conclusion(fieldPings, mismatches, nodes).join('\n');

  it('says where the rewrite happens, what it changes and what it leaves stale', () => {
    expect(text).toContain('inside host, between its vmport0 and its uplink0');
    expect(text).toContain('Ethernet source and ARP sender hardware address');
    expect(text).toContain('from 00:03:ff:13:7d:75 (vm: eth0) to c4:17:fe:12:7d:75 (host: br0, uplink0)');
    expect(text).toMatch(/NDP source link-layer address option is left alone: it still says 00:03:ff:13:7d:75/);
  });

  it('explains each family from the router’s bindings', () => {
    expect(text).toMatch(/IPv4: router binds vm's 192\.0\.2\.104 to c4:17:fe:12:7d:75/);
    expect(text).toMatch(/IPv6: router was told inside NDP that 2001:db8::203:ffff:fe13:7d75 is at 00:03:ff:13:7d:75/);
    expect(text.split('\n')[0]).toBe('IPv4 works; IPv6 (100 % loss) does not. From what neighwatch stored:');
  });

  it('leaves out what was not found', () => {
    const withoutPhantom = conclusion(fieldPings, mismatches.filter((m) => m.kind !== 'PHANTOM_LLADDR'), nodes).join('\n');
    expect(withoutPhantom).not.toContain('no frame on its link');
    expect(withoutPhantom).toMatch(/IPv6: router reaches vm's IPv4/);
  });

  it('says so when there is nothing to report', () => {
    expect(conclusion([ping('IPv4', 0), ping('IPv6', 0)], [], nodes)).toEqual([
      'IPv4 and IPv6 work, and neighwatch has nothing to report: every node is reached at the MAC it owns.',
    ]);
    expect(conclusion([ping('IPv4', 0), ping('IPv6', 100)], [], nodes)[0]).toMatch(/^IPv6 \(100 % loss\) failed, but neighwatch found no contradiction/);
  });
});
