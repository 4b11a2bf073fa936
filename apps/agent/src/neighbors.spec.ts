import { describe, expect, it } from 'vitest';
import { NeighborTracker, parseIpNeigh } from './neighbors';

const table = [
  { dst: '192.0.2.1', dev: 'br0', lladdr: 'C4:17:FE:12:7D:75', state: ['REACHABLE'] },
  { dst: '192.0.2.104', dev: 'br0', lladdr: 'c4:17:fe:12:7d:75', state: ['STALE'] },
  { dst: 'fe80::5a6d:8fff:fe78:ad40', dev: 'br0', lladdr: '58:6d:8f:78:ad:40', router: null, state: ['REACHABLE'] },
  { dst: '2001:db8::9', dev: 'br0', state: ['FAILED'] },
  { dst: 'not-an-ip', dev: 'br0', state: ['STALE'] },
];

describe('neighbors', () => {
  it('parses `ip -j neigh` with states and the router flag', () => {
    const n = parseIpNeigh(table);
    expect(n).toHaveLength(4);
    expect(n[0]).toEqual({ interface: 'br0', ip: '192.0.2.1', mac: 'c4:17:fe:12:7d:75', state: 'NEIGHBOR_STATE_REACHABLE', router: false });
    expect(n[2].router).toBe(true);
    expect(n[3]).toMatchObject({ mac: '', state: 'NEIGHBOR_STATE_FAILED' });
  });

  it('sends everything first, then only changes and removals', () => {
    const tracker = new NeighborTracker();
    const first = tracker.full(parseIpNeigh(table));
    expect(first).toHaveLength(4);
    expect(first[0].ip).toEqual(Buffer.from([192, 0, 2, 1]));
    expect(tracker.delta(parseIpNeigh(table))).toEqual([]);

    const next = parseIpNeigh([
      { ...table[0], state: ['STALE'] },
      { ...table[1], lladdr: '00:03:ff:13:7d:75' },
      table[2],
      { dst: '192.0.2.7', dev: 'br0', lladdr: '02:00:00:00:00:07', state: ['REACHABLE'] },
    ]);
    const delta = tracker.delta(next);
    expect(delta.map((e) => [Buffer.from(e.ip as Buffer).toString('hex'), e.removed, e.state])).toEqual([
      ['c0000201', false, 'NEIGHBOR_STATE_STALE'],
      ['c0000268', false, 'NEIGHBOR_STATE_STALE'],
      ['c0000207', false, 'NEIGHBOR_STATE_REACHABLE'],
      ['20010db8000000000000000000000009', true, 'NEIGHBOR_STATE_FAILED'],
    ]);
    expect(delta[1].mac).toEqual(Buffer.from('0003ff137d75', 'hex'));
  });
});
