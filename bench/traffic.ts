/**
 * The benchmarks' realistic traffic: what one agent on a busy link captures, ARP requests
 * and Neighbor Solicitations with a source link-layer address option from 200 hosts.
 * Frames are built once per agent; each use gives an observation its own sequence and
 * capture time (both left at 0 here).
 */
import { arpRequest, encodeNdp } from '../libs/packet/src/index.ts';
import type { Observation } from '../libs/proto/src/index.ts';
import { observationOf } from '../apps/collector/src/testing/frames.ts';

export function agentTraffic(agent: number): Observation[] {
  const out: Observation[] = [];
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  for (let h = 0; h < 200; h++) {
    const mac = `02:00:${hex(agent >> 8)}:${hex(agent & 255)}:00:${hex(h)}`;
    // RFC 2544's benchmarking range: room for every agent's hosts to be distinct.
    const host = agent * 200 + h;
    const v4 = `198.${18 + (host >> 16)}.${(host >> 8) & 255}.${host & 255}`;
    const v6 = `2001:db8:${agent.toString(16)}::${(h + 1).toString(16)}`;
    const where = { sequence: 0, timeUs: 0, iface: 'eth0', direction: 'received' as const };
    out.push(observationOf(arpRequest({ senderMac: mac, senderIp: v4, targetIp: `198.19.255.${agent & 255}` }), where));
    out.push(
      observationOf(
        encodeNdp({
          ethSrc: mac,
          ethDst: '33:33:ff:00:00:fe',
          src: v6,
          dst: 'ff02::1:ff00:fe',
          message: { type: 'NS', target: '2001:db8::fe' },
          options: [{ type: 'source-lladdr', mac }],
        }),
        where,
      ),
    );
  }
  return out;
}
