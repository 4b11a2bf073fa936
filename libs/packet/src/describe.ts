/**
 * Human-readable frames for `neighwatch mismatch show` and evidence: `describeFrame` prints
 * a frame the way `tcpdump -v -e` does (one line per layer, each ND option on its own line),
 * `hexDump` the way `tcpdump -XX` does. Works on any bytes: a frame that fails to decode is
 * described up to the problem, followed by a line naming it.
 */
import * as addrModule from './addr';
import * as decodeModule from './decode';
import * as typesModule from './types';
import { type DecodedFrame, type NdpOptionLayer } from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest).
const { formatIPv4, formatIPv6, formatLinkAddress, formatMac, hexByte } = addrModule;
const { FrameDecoder } = decodeModule;
const { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN, LINKTYPE_ETHERNET, ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT, ND_OPT_MTU, ND_OPT_PREFIX_INFORMATION, ND_OPT_RDNSS, ND_OPT_REDIRECTED_HEADER, ND_OPT_SOURCE_LINKADDR, ND_OPT_TARGET_LINKADDR, ND_REDIRECT, ND_ROUTER_ADVERT, ND_ROUTER_SOLICIT } = typesModule;

const ETHERTYPE_NAMES: Record<number, string> = {
  [ETHERTYPE_IPV4]: 'IPv4',
  [ETHERTYPE_ARP]: 'ARP',
  [ETHERTYPE_IPV6]: 'IPv6',
  [ETHERTYPE_VLAN]: '802.1Q',
  [ETHERTYPE_QINQ]: '802.1Q-QinQ',
  [ETHERTYPE_QINQ_OLD]: '802.1Q-9100',
};

const ICMP6_NAMES: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded in-transit',
  4: 'parameter problem',
  128: 'echo request',
  129: 'echo reply',
  130: 'multicast listener query',
  131: 'multicast listener report',
  132: 'multicast listener done',
  [ND_ROUTER_SOLICIT]: 'router solicitation',
  [ND_ROUTER_ADVERT]: 'router advertisement',
  [ND_NEIGHBOR_SOLICIT]: 'neighbor solicitation',
  [ND_NEIGHBOR_ADVERT]: 'neighbor advertisement',
  [ND_REDIRECT]: 'redirect',
  143: 'multicast listener report v2',
};

const OPTION_NAMES: Record<number, string> = {
  [ND_OPT_SOURCE_LINKADDR]: 'source link-address option',
  [ND_OPT_TARGET_LINKADDR]: 'destination link-address option',
  [ND_OPT_PREFIX_INFORMATION]: 'prefix info option',
  [ND_OPT_REDIRECTED_HEADER]: 'redirected header option',
  [ND_OPT_MTU]: 'mtu option',
  [ND_OPT_RDNSS]: 'rdnss option',
};

const EXT_NAMES: Record<number, string> = {
  0: 'hop-by-hop options',
  43: 'routing',
  44: 'fragment',
  51: 'authentication',
  60: 'destination options',
  135: 'mobility',
  139: 'HIP',
  140: 'shim6',
};

/** Default router preference (RFC 4191 §2.2), bits 0x18 of the RA flags. */
const ROUTER_PREFERENCE = ['medium', 'high', 'reserved', 'low'];

const SLL_DIRECTIONS = ['In', 'B', 'M', 'P', 'Out'];

function hex4(v: number): string {
  return '0x' + v.toString(16).padStart(4, '0');
}

function etherTypeText(t: number): string {
  return `ethertype ${ETHERTYPE_NAMES[t] ?? 'Unknown'} (${hex4(t)})`;
}

function describeOption(f: DecodedFrame, o: NdpOptionLayer): string {
  const b = f.bytes;
  const head = `${OPTION_NAMES[o.type] ?? 'unknown option'} (${o.type}), length ${o.length} (${o.length / 8})`;
  switch (o.type) {
    case ND_OPT_SOURCE_LINKADDR:
    case ND_OPT_TARGET_LINKADDR:
      return `${head}: ${formatLinkAddress(b, o.addrOffset, o.addrLength)}`;
    case ND_OPT_PREFIX_INFORMATION: {
      const flags = [o.prefixFlags & 0x80 ? 'onlink' : '', o.prefixFlags & 0x40 ? 'auto' : ''].filter(Boolean).join(', ');
      return `${head}: ${formatIPv6(b, o.prefixOffset)}/${o.prefixLength}, Flags [${flags || 'none'}], valid time ${lifetime(o.validLifetime)}, pref. time ${lifetime(o.preferredLifetime)}`;
    }
    case ND_OPT_MTU:
      return `${head}:  ${o.mtu}`;
    case ND_OPT_RDNSS: {
      const addrs: string[] = [];
      for (let i = 0; i < o.addressCount; i++) addrs.push(`addr: ${formatIPv6(b, o.addressesOffset + 16 * i)}`);
      return `${head}:  lifetime ${lifetime(o.lifetime)}, ${addrs.join(' ')}`;
    }
    default:
      return head;
  }
}

function lifetime(s: number): string {
  return s === 0xffffffff ? 'infinity' : `${s}s`;
}

function naFlags(flags: number): string {
  const names = [flags & 4 ? 'router' : '', flags & 2 ? 'solicited' : '', flags & 1 ? 'override' : ''].filter(Boolean);
  return names.length > 0 ? names.join(', ') : 'none';
}

const decoder = new FrameDecoder();

/** Multi-line text like `tcpdump -v -e` for one frame (any bytes; never throws). */
export function describeFrame(bytes: Uint8Array, linkType: number = LINKTYPE_ETHERNET): string {
  const f = decoder.decode(bytes, linkType);
  const b = f.bytes;
  const lines: string[] = [];
  const eth = f.ethernet;
  const sll = f.sll;
  if (eth) {
    lines.push(`${formatMac(b, eth.srcOffset)} > ${formatMac(b, eth.dstOffset)}, ${etherTypeText(eth.etherType)}, length ${b.length}`);
  } else if (sll) {
    const dir = SLL_DIRECTIONS[sll.packetType] ?? `packet type ${sll.packetType}`;
    const addr = sll.addrLength > 0 ? formatLinkAddress(b, sll.addrOffset, Math.min(sll.addrLength, 8)) : '(no address)';
    const ifindex = sll.name === 'sll2' ? `ifindex ${sll.interfaceIndex} ` : '';
    lines.push(`Linux cooked ${sll.name === 'sll2' ? 'v2 ' : ''}${ifindex}${dir} ${addr} ${etherTypeText(sll.protocol)}, length ${b.length}`);
  }
  for (const v of f.vlans) {
    lines.push(`  vlan ${v.id}, p ${v.pcp}${v.dei ? ', DEI' : ''}, ${etherTypeText(v.etherType)}${v.tpid !== ETHERTYPE_VLAN ? ` (tag ${hex4(v.tpid)})` : ''}`);
  }
  const arp = f.arp;
  if (arp) {
    const s = formatIPv4(b, arp.senderIpOffset);
    const t = formatIPv4(b, arp.targetIpOffset);
    const sha = formatMac(b, arp.senderHwOffset);
    const tha = formatMac(b, arp.targetHwOffset);
    let what: string;
    if (arp.operation === 1) {
      const kind = s === '0.0.0.0' ? ' (probe)' : s === t ? ' (announcement)' : '';
      what = `Request who-has ${t}${tha !== '00:00:00:00:00:00' ? ` (${tha})` : ''} tell ${s}${kind}, sender ${sha}`;
    } else if (arp.operation === 2) {
      what = `Reply ${s} is-at ${sha}${s === t ? ' (announcement)' : ''}, to ${t} (${tha})`;
    } else {
      what = `operation ${arp.operation}, sender ${s} (${sha}), target ${t} (${tha})`;
    }
    lines.push(`  ARP, Ethernet (len 6), IPv4 (len 4), ${what}, length 28`);
  }
  const ip4 = f.ipv4;
  if (ip4) {
    lines.push(
      `  IP (ttl ${ip4.ttl}, proto ${ip4.protocol}, length ${ip4.totalLength}${ip4.fragmentOffset || ip4.moreFragments ? `, offset ${ip4.fragmentOffset}${ip4.moreFragments ? ', flags [+]' : ''}` : ''}) ${formatIPv4(b, ip4.srcOffset)} > ${formatIPv4(b, ip4.dstOffset)}`,
    );
    if (f.icmpv4) {
      const t = f.icmpv4.type;
      const name = t === 8 ? 'echo request' : t === 0 ? 'echo reply' : `type ${t}, code ${f.icmpv4.code}`;
      lines.push(`  ICMP ${name} (not neighbor discovery)`);
    }
  }
  const ip6 = f.ipv6;
  if (ip6) {
    lines.push(
      `  IPv6 (hlim ${ip6.hopLimit}, next-header ${ip6.nextHeader}, payload length: ${ip6.payloadLength}${ip6.flowLabel ? `, flowlabel ${'0x' + ip6.flowLabel.toString(16).padStart(5, '0')}` : ''}) ${formatIPv6(b, ip6.srcOffset)} > ${formatIPv6(b, ip6.dstOffset)}`,
    );
    for (const e of f.ipv6Extensions) {
      const frag = e.headerType === 44 ? `: offset ${e.fragmentOffset}${e.moreFragments ? ', more fragments' : ''}, id 0x${e.identification.toString(16)}` : '';
      lines.push(`  ${EXT_NAMES[e.headerType] ?? `extension ${e.headerType}`} header, length ${e.length}, next-header ${e.nextHeader}${frag}`);
    }
    if (ip6.nonFirstFragment) lines.push('  (non-first fragment: no ICMPv6 header)');
    const c = f.icmpv6;
    if (c) {
      const sum = c.checksumOk ? '[icmp6 sum ok]' : `[bad icmp6 cksum ${hex4(c.checksum)} -> ${hex4(c.computedChecksum)}!]`;
      let what = `ICMP6, ${ICMP6_NAMES[c.type] ?? `type ${c.type}`}, length ${c.length}`;
      const n = f.ndp;
      if (n) {
        if (n.type === ND_NEIGHBOR_SOLICIT) what += `, who has ${formatIPv6(b, n.targetOffset)}`;
        else if (n.type === ND_NEIGHBOR_ADVERT) what += `, tgt is ${formatIPv6(b, n.targetOffset)}, Flags [${naFlags(n.naFlags)}]`;
        else if (n.type === ND_REDIRECT) what += `, ${formatIPv6(b, n.destinationOffset)} to ${formatIPv6(b, n.targetOffset)}`;
      } else if (c.type === 128 || c.type === 129) {
        if (c.length >= 8) what += `, id ${(b[c.offset + 4] << 8) | b[c.offset + 5]}, seq ${(b[c.offset + 6] << 8) | b[c.offset + 7]}`;
      }
      if (c.code !== 0) what += `, code ${c.code}`;
      lines.push(`  ${sum} ${what}${n ? '' : ' (not neighbor discovery)'}`);
      if (n && n.type === ND_ROUTER_ADVERT) {
        const flags = [n.raFlags & 0x80 ? 'managed' : '', n.raFlags & 0x40 ? 'other stateful' : ''].filter(Boolean).join(', ');
        const pref = ROUTER_PREFERENCE[(n.raFlags >> 3) & 3];
        lines.push(
          `    hop limit ${n.curHopLimit}, Flags [${flags || 'none'}], pref ${pref}, router lifetime ${n.routerLifetime}s, reachable time ${n.reachableTime}ms, retrans timer ${n.retransTimer}ms`,
        );
      }
      for (const o of f.ndpOptions) lines.push(`    ${describeOption(f, o)}`);
    }
  }
  if (f.error) {
    const e = f.error;
    lines.push(`  [${e.kind} ${e.layer} at byte ${e.offset}: ${e.message}]`);
  }
  if (lines.length === 0) lines.push(`(${b.length} bytes)`);
  return lines.join('\n');
}

/**
 * Hex and ASCII dump like `tcpdump -XX`: one line per 16 bytes, offset, eight groups of two
 * bytes, then the bytes as ASCII ('.' for non-printable).
 */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const end = Math.min(off + 16, bytes.length);
    let hex = '';
    let ascii = '';
    for (let i = off; i < off + 16; i++) {
      if (i < end) {
        hex += ((i - off) % 2 === 0 ? ' ' : '') + hexByte(bytes[i]);
        const c = bytes[i];
        ascii += c > 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
      } else {
        hex += (i - off) % 2 === 0 ? '   ' : '  ';
      }
    }
    lines.push(`\t0x${off.toString(16).padStart(4, '0')}: ${hex}  ${ascii}`);
  }
  return lines.join('\n');
}
