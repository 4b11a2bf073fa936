/**
 * What the node says about itself: interfaces, MACs, kinds and addresses, read from
 * `ip -j -d addr show` (one call: link details and addresses) plus /sys for what `ip`
 * does not say (wireless: /sys/class/net/<if>/wireless or phy80211). Also decides which
 * interfaces to capture on.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseIPv4, parseIPv6, parseMac } from '@neighwatch/packet';
import type { Interface, InterfaceKind } from '@neighwatch/proto';

const run = promisify(execFile);

export interface LocalAddress {
  ip: string;
  prefixLength: number;
}

export interface LocalInterface {
  name: string;
  index: number;
  /** Lower-case colon form; '' when the interface has no link-layer address. */
  mac: string;
  kind: InterfaceKind;
  /** The bridge this interface is a port of, or ''. */
  bridgeMaster: string;
  /** Administratively up (the UP flag). */
  up: boolean;
  mtu: number;
  addresses: LocalAddress[];
  vlanId: number;
  vlanParent: string;
  /** `ip`'s link_type: 'ether', 'loopback', 'none', … */
  linkType: string;
}

/** What the kind detection needs from /sys; swapped in tests. */
export interface SysProbe {
  isWireless(name: string): boolean;
  /** /sys/class/net/<if>/tun_flags, or undefined when the interface is not tun/tap. */
  tunFlags(name: string): number | undefined;
}

export const sysProbe: SysProbe = {
  isWireless: (name) => existsSync(`/sys/class/net/${name}/wireless`) || existsSync(`/sys/class/net/${name}/phy80211`),
  tunFlags: (name) => {
    try {
      return Number.parseInt(readFileSync(`/sys/class/net/${name}/tun_flags`, 'utf8').trim(), 16);
    } catch {
      return undefined;
    }
  },
};

/** IFF_TAP in tun_flags (linux/if_tun.h). */
const IFF_TAP = 0x0002;

interface IpLink {
  ifindex?: number;
  ifname?: string;
  flags?: string[];
  mtu?: number;
  link_type?: string;
  address?: string;
  link?: string | null;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { type?: string; id?: number }; info_slave_kind?: string };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

function kindOf(link: IpLink, name: string, sys: SysProbe): InterfaceKind {
  const info = link.linkinfo?.info_kind;
  if (link.link_type === 'loopback' || link.flags?.includes('LOOPBACK')) return 'INTERFACE_KIND_LOOPBACK';
  if (sys.isWireless(name)) return 'INTERFACE_KIND_WIRELESS';
  switch (info) {
    case 'bridge':
      return 'INTERFACE_KIND_BRIDGE';
    case 'veth':
      return 'INTERFACE_KIND_VETH';
    case 'vlan':
      return 'INTERFACE_KIND_VLAN';
    case 'tun': {
      const flags = sys.tunFlags(name);
      return link.linkinfo?.info_data?.type === 'tap' || (flags !== undefined && (flags & IFF_TAP) !== 0) ? 'INTERFACE_KIND_TAP' : 'INTERFACE_KIND_OTHER';
    }
    case undefined:
      // A tap created by a hypervisor may not report linkinfo to an unprivileged reader.
      if ((sys.tunFlags(name) ?? 0) & IFF_TAP) return 'INTERFACE_KIND_TAP';
      return link.link_type === 'ether' ? 'INTERFACE_KIND_PHYSICAL' : 'INTERFACE_KIND_OTHER';
    default:
      return 'INTERFACE_KIND_OTHER';
  }
}

/** Parses `ip -j -d addr show` output. */
export function parseIpAddr(json: unknown, sys: SysProbe = sysProbe): LocalInterface[] {
  if (!Array.isArray(json)) return [];
  const out: LocalInterface[] = [];
  for (const link of json as IpLink[]) {
    if (!link.ifname) continue;
    const name = link.ifname;
    const mac = link.address && link.link_type !== 'loopback' && parseMac(link.address) ? link.address.toLowerCase() : '';
    const kind = kindOf(link, name, sys);
    out.push({
      name,
      index: link.ifindex ?? 0,
      mac: mac === '00:00:00:00:00:00' ? '' : mac,
      kind,
      bridgeMaster: link.linkinfo?.info_slave_kind === 'bridge' && link.master ? link.master : '',
      up: link.flags?.includes('UP') ?? false,
      mtu: link.mtu ?? 0,
      addresses: (link.addr_info ?? [])
        .filter((a) => (a.family === 'inet' || a.family === 'inet6') && a.local)
        .map((a) => ({ ip: a.local!, prefixLength: a.prefixlen ?? 0 })),
      vlanId: kind === 'INTERFACE_KIND_VLAN' ? (link.linkinfo?.info_data?.id ?? 0) : 0,
      vlanParent: kind === 'INTERFACE_KIND_VLAN' && link.link ? link.link : '',
      linkType: link.link_type ?? '',
    });
  }
  return out;
}

/** Reads the interfaces now (runs `ip -j -d addr show`). */
export async function readInterfaces(sys: SysProbe = sysProbe): Promise<LocalInterface[]> {
  const { stdout } = await run('ip', ['-j', '-d', 'addr', 'show'], { maxBuffer: 16 * 2 ** 20, timeout: 10_000 });
  return parseIpAddr(JSON.parse(stdout), sys);
}

/**
 * The interfaces to capture on. Configured names: those that exist and are up. Otherwise
 * every interface that is up, has a MAC, carries Ethernet framing and is not loopback.
 */
export function captureCandidates(interfaces: LocalInterface[], configured: readonly string[]): string[] {
  if (configured.length > 0) return interfaces.filter((i) => configured.includes(i.name) && i.up).map((i) => i.name);
  return interfaces.filter((i) => i.up && i.mac !== '' && i.linkType === 'ether' && i.kind !== 'INTERFACE_KIND_LOOPBACK').map((i) => i.name);
}

export function ipBytes(text: string): Buffer | undefined {
  const bytes = text.includes(':') ? parseIPv6(text) : parseIPv4(text);
  return bytes ? Buffer.from(bytes) : undefined;
}

export function macBytes(text: string): Buffer {
  const bytes = text ? parseMac(text) : null;
  return bytes ? Buffer.from(bytes) : Buffer.alloc(0);
}

/** The Inventory's interface list (proto shape). */
export function toProtoInterfaces(interfaces: LocalInterface[]): Interface[] {
  return interfaces.map((i) => ({
    name: i.name,
    index: i.index,
    mac: macBytes(i.mac),
    kind: i.kind,
    bridgeMaster: i.bridgeMaster,
    up: i.up,
    mtu: i.mtu,
    addresses: i.addresses.flatMap((a) => {
      const ip = ipBytes(a.ip);
      return ip ? [{ ip, prefixLength: a.prefixLength }] : [];
    }),
    vlanId: i.vlanId,
    vlanParent: i.vlanParent,
  }));
}

/** A stable text of everything an Inventory reports, to notice changes. */
export function inventoryKey(interfaces: LocalInterface[]): string {
  return JSON.stringify([...interfaces].sort((a, b) => a.index - b.index));
}
