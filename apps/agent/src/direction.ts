/**
 * Direction: did this node send the frame, or receive it?
 *
 * Rule: a frame whose Ethernet source is one of this node's MACs, or whose sender IP
 * (ARP sender protocol address, IPv6 source) is one of this node's addresses, was sent by
 * this node; anything else was received. The unspecified addresses (0.0.0.0 in an ARP
 * probe, :: in a DAD probe) identify nobody and never count.
 *
 * Bridge ports: a bridge forwards frames for other hosts (the VMs behind a tap, the
 * hosts behind an uplink) with *their* source MACs and IPs, so such a frame counts as
 * received even when captured on its way out of this node's port: the node relayed it,
 * it did not originate it. Only frames carrying this node's own MAC or IP count as sent.
 * A bridge that rewrites the source MAC to this node's (MAC NAT over Wi-Fi, ebtables
 * snat) therefore makes the rewritten frames "sent" on the uplink: exactly where the
 * rewriting happened, which the collector compares with the other vantage points.
 */
import type { NeighborFields } from '@neighwatch/packet';
import { parseIPv4, parseIPv6, parseMac } from '@neighwatch/packet';
import type { LocalInterface } from './interfaces';
import type { DirectionName } from './wire';

function macNumber(b: Uint8Array, o: number): number {
  return ((b[o] << 8) | b[o + 1]) * 2 ** 32 + (((b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]) >>> 0);
}

function ipv4Number(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** This node's MACs and addresses, as numbers and bytes: lookups allocate nothing. */
export class LocalAddresses {
  private macs = new Set<number>();
  private ipv4 = new Set<number>();
  private ipv6: Uint8Array[] = [];

  update(interfaces: LocalInterface[]): void {
    const macs = new Set<number>();
    const ipv4 = new Set<number>();
    const ipv6: Uint8Array[] = [];
    for (const i of interfaces) {
      const mac = i.mac ? parseMac(i.mac) : null;
      if (mac) macs.add(macNumber(mac, 0));
      for (const a of i.addresses) {
        if (a.ip.includes(':')) {
          const b = parseIPv6(a.ip);
          if (b) ipv6.push(b);
        } else {
          const b = parseIPv4(a.ip);
          if (b) ipv4.add(ipv4Number(b, 0));
        }
      }
    }
    this.macs = macs;
    this.ipv4 = ipv4;
    this.ipv6 = ipv6;
  }

  hasMac(bytes: Uint8Array, offset: number): boolean {
    return this.macs.has(macNumber(bytes, offset));
  }

  hasIPv4(bytes: Uint8Array, offset: number): boolean {
    const n = ipv4Number(bytes, offset);
    return n !== 0 && this.ipv4.has(n);
  }

  hasIPv6(bytes: Uint8Array, offset: number): boolean {
    outer: for (const a of this.ipv6) {
      for (let i = 0; i < 16; i++) if (a[i] !== bytes[offset + i]) continue outer;
      return true;
    }
    return false;
  }
}

export function frameDirection(bytes: Uint8Array, fields: NeighborFields, local: LocalAddresses): DirectionName {
  if (fields.ethSrcOffset >= 0 && fields.ethSrcLength === 6 && local.hasMac(bytes, fields.ethSrcOffset)) return 'DIRECTION_SENT';
  if (fields.srcIpOffset >= 0) {
    // hasIPv6 never matches :: because :: is never an interface address.
    const mine = fields.ipVersion === 4 ? local.hasIPv4(bytes, fields.srcIpOffset) : local.hasIPv6(bytes, fields.srcIpOffset);
    if (mine) return 'DIRECTION_SENT';
  }
  return 'DIRECTION_RECEIVED';
}
