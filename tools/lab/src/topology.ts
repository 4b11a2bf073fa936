/**
 * The field case as a lab: names, MACs and addresses of every namespace and interface.
 * Pure data, derived from a namespace prefix, so several labs (and test runs) can exist
 * side by side without sharing a single name.
 *
 *   router ns                host ns                                   vm ns
 *   lan0 ─────────────────── uplink0 ─┐                     ┌─ vmport0 ─────── eth0
 *   58:6d:8f:78:ad:40        c4:17:fe:12:7d:75 (the "Wi-Fi") br0 02:4e:57:00:00:02 00:03:ff:13:7d:75
 *   192.0.2.1/24             br0: c4:17:fe:12:7d:75, 192.0.2.2/24       192.0.2.104/24
 *   2001:db8::1/64 + radvd   2001:db8::/64 by SLAAC                     2001:db8::/64 by SLAAC
 *
 * MACs are the field case's (`/work/shared/fixtures/seed-capture.json`), except the host's
 * VM-facing bridge port, which a real host has as a virtual switch port and which gets a
 * locally administered address here.
 */

export type LabVariant = 'field' | 'wired';
export type LabRole = 'router' | 'host' | 'vm';
export const LAB_ROLES: readonly LabRole[] = ['router', 'host', 'vm'];

export const DEFAULT_PREFIX = 'nwlab-';

/** Field-case MACs; fixed so that every finding is reproducible to the byte. */
export const LAB_MACS = {
  router: '58:6d:8f:78:ad:40',
  host: 'c4:17:fe:12:7d:75',
  vm: '00:03:ff:13:7d:75',
  hostVmPort: '02:4e:57:00:00:02',
} as const;

/** Documentation ranges only (RFC 5737, RFC 3849). */
export const LAB_ADDRESSES = {
  ipv4Prefix: '192.0.2.0/24',
  ipv4PrefixLength: 24,
  ipv6Prefix: '2001:db8::/64',
  routerIPv4: '192.0.2.1',
  hostIPv4: '192.0.2.2',
  vmIPv4: '192.0.2.104',
  routerIPv6: '2001:db8::1',
  /** What SLAAC gives each node: the prefix plus the modified EUI-64 of its MAC (RFC 4291 §2.5.1). */
  hostIPv6: '2001:db8::c617:feff:fe12:7d75',
  vmIPv6: '2001:db8::203:ffff:fe13:7d75',
  routerLinkLocal: 'fe80::5a6d:8fff:fe78:ad40',
  hostLinkLocal: 'fe80::c617:feff:fe12:7d75',
  vmLinkLocal: 'fe80::203:ffff:fe13:7d75',
} as const;

export interface LabInterface {
  role: LabRole;
  name: string;
  mac: string;
  /** What it is in the story, for `status` and the docs. */
  description: string;
}

export interface LabTopology {
  prefix: string;
  namespaces: Record<LabRole, string>;
  interfaces: {
    routerLan: LabInterface;
    hostUplink: LabInterface;
    hostBridge: LabInterface;
    hostVmPort: LabInterface;
    vmEth: LabInterface;
  };
  /** The nft table the host namespace carries in the field variant. */
  nftTable: string;
}

const PREFIX_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,30}-$/i;

export class LabUsageError extends Error {
  override name = 'LabUsageError';
}

/** A prefix names only this lab's namespaces: letters, digits, `_`, `.`, `-`, ending in `-`. */
export function validatePrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new LabUsageError(
      `invalid lab prefix ${JSON.stringify(prefix)}: use 1–31 letters, digits, '_', '.' or '-', ending with '-' (e.g. ${DEFAULT_PREFIX})`,
    );
  }
  return prefix;
}

export function labTopology(prefix: string = DEFAULT_PREFIX): LabTopology {
  validatePrefix(prefix);
  return {
    prefix,
    namespaces: { router: `${prefix}router`, host: `${prefix}host`, vm: `${prefix}vm` },
    interfaces: {
      routerLan: { role: 'router', name: 'lan0', mac: LAB_MACS.router, description: 'router LAN port, sends Router Advertisements' },
      hostUplink: { role: 'host', name: 'uplink0', mac: LAB_MACS.host, description: 'host uplink (the Wi-Fi adapter), bridge port' },
      hostBridge: { role: 'host', name: 'br0', mac: LAB_MACS.host, description: "host bridge, carries the host's addresses" },
      hostVmPort: { role: 'host', name: 'vmport0', mac: LAB_MACS.hostVmPort, description: 'host bridge port to the VM' },
      vmEth: { role: 'vm', name: 'eth0', mac: LAB_MACS.vm, description: "VM's network adapter" },
    },
    nftTable: 'neighwatch_lab',
  };
}
