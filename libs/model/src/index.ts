/**
 * The names every part of neighwatch shares: message types, mismatch kinds and states,
 * and the shape of one ARP/NDP observation as the correlator sees it. Kept free of any
 * I/O so the agent, the collector, the CLI and the correlator agree at compile time.
 */

/** What an ARP or NDP frame is. Closed union; labels below stay in sync by type. */
export type MessageType =
  | 'ARP_REQUEST'
  | 'ARP_REPLY'
  | 'ARP_PROBE' // sender IP 0.0.0.0 (RFC 5227 §2.1.1)
  | 'ARP_ANNOUNCEMENT' // sender IP == target IP (RFC 5227 §2.3)
  | 'NDP_RS'
  | 'NDP_RA'
  | 'NDP_NS' // a DAD probe is an NS from :: (RFC 4862 §5.4.2)
  | 'NDP_NA'
  | 'NDP_REDIRECT';

export const MESSAGE_TYPE_LABELS: Record<MessageType, string> = {
  ARP_REQUEST: 'ARP request',
  ARP_REPLY: 'ARP reply',
  ARP_PROBE: 'ARP probe',
  ARP_ANNOUNCEMENT: 'ARP announcement',
  NDP_RS: 'Router Solicitation',
  NDP_RA: 'Router Advertisement',
  NDP_NS: 'Neighbor Solicitation',
  NDP_NA: 'Neighbor Advertisement',
  NDP_REDIRECT: 'Redirect',
};

export const MESSAGE_TYPES = Object.keys(MESSAGE_TYPE_LABELS) as MessageType[];

/** Stable names (proto enum, CLI `--kind`, JSON output): see DESIGN.md. */
export type MismatchKind =
  | 'LLADDR_MISMATCH'
  | 'EUI64_MISMATCH'
  | 'PHANTOM_LLADDR'
  | 'MAC_CHANGED'
  | 'FLIP_FLOP'
  | 'DUPLICATE_ADDRESS'
  | 'REWRITTEN_IN_TRANSIT'
  | 'BINDING_CONFLICT'
  | 'SPLIT_STACK';

export const MISMATCH_KIND_LABELS: Record<MismatchKind, string> = {
  LLADDR_MISMATCH: 'link-layer address in the packet differs from the Ethernet source',
  EUI64_MISMATCH: 'EUI-64 interface ID derived from another MAC than the frame’s source',
  PHANTOM_LLADDR: 'a claimed link-layer address that no frame ever comes from',
  MAC_CHANGED: 'an IP moved to a MAC not seen with it before',
  FLIP_FLOP: 'an IP went back to a MAC it had within the last 24 h',
  DUPLICATE_ADDRESS: 'two MACs claim the same IP at the same time',
  REWRITTEN_IN_TRANSIT: 'the same packet carries different addresses at two vantage points',
  BINDING_CONFLICT: 'a node’s own IP is bound to another MAC elsewhere',
  SPLIT_STACK: 'a node’s IPv4 and IPv6 are bound to different MACs by the same observer',
};

export const MISMATCH_KINDS = Object.keys(MISMATCH_KIND_LABELS) as MismatchKind[];

/** Kinds one capture (one vantage point) can show; `neighwatch analyze` reports these. */
export const SINGLE_VANTAGE_KINDS: readonly MismatchKind[] = [
  'LLADDR_MISMATCH',
  'EUI64_MISMATCH',
  'PHANTOM_LLADDR',
  'MAC_CHANGED',
  'FLIP_FLOP',
  'DUPLICATE_ADDRESS',
];

/** Kinds only the collector can find, from two or more agents. */
export const CROSS_NODE_KINDS: readonly MismatchKind[] = ['REWRITTEN_IN_TRANSIT', 'BINDING_CONFLICT', 'SPLIT_STACK'];

export type MismatchState = 'open' | 'acknowledged' | 'resolved';

/** Whether the capturing node sent the frame or received it. */
export type Direction = 'sent' | 'received' | 'unknown';

export interface VantagePoint {
  node: string;
  iface: string;
}

/**
 * What one ARP/NDP frame says, in text (MACs lower-case with colons, IPv4 dotted quad,
 * IPv6 in RFC 5952 form): libs/packet's classification of a frame, and the part of an
 * observation that comes from the frame itself.
 */
export interface FrameClaims {
  type: MessageType;
  ethSrc: string;
  /** '' when the link layer has no destination (Linux cooked capture). */
  ethDst: string;
  /** Outermost VLAN id, or null for an untagged frame. */
  vlan: number | null;
  /** ARP sender IP or IPv6 source. */
  srcIp: string;
  /** ARP target IP; NS/NA/Redirect target; null otherwise. */
  targetIp: string | null;
  /** The link-layer address the packet claims: ARP sender HW, SLLAO (RS/RA/NS), TLLAO (NA/Redirect). */
  lladdr: string | null;
  /** NA flags: 0x4 router, 0x2 solicited, 0x1 override (0 for other types). */
  naFlags: number;
  /** ICMPv6 checksum verdict; null for ARP. */
  checksumOk: boolean | null;
  /** 16 hex digits: FNV-1a 64 of the bytes that L2 rewriting leaves alone (see libs/packet). */
  fingerprint: string;
}

/**
 * One ARP/NDP frame as the correlator sees it: what the frame claims, where and when it
 * was captured. Addresses are text because every rule keys maps by them.
 */
export interface NeighborObservation extends FrameClaims {
  /** Vantage point: the node that captured the frame and its interface. */
  node: string;
  iface: string;
  direction: Direction;
  /** Capture time, microseconds since the epoch (clock-corrected at the collector). */
  timeUs: number;
  /** Evidence reference: frame number in a file, or the agent's sequence number. */
  ref: number;
}

/** Where a finding's proof lives: a frame (by ref) seen at a vantage point. */
export interface EvidenceRef extends VantagePoint {
  ref: number;
  timeUs: number;
}

/** One occurrence of a mismatch, as a correlation rule emits it. */
export interface Finding {
  kind: MismatchKind;
  /** With `kind`, identifies the mismatch row (e.g. "fe80::203:ffff:fe13:7d75"). */
  subject: string;
  ip: string | null;
  macs: string[];
  /** The node the subject belongs to, when known (from inventory). */
  node: string | null;
  vantagePoints: VantagePoint[];
  timeUs: number;
  evidence: EvidenceRef[];
  /** REWRITTEN_IN_TRANSIT: which fields changed between the points, which stayed stale. */
  rewrittenFields?: string[];
  staleFields?: string[];
  /** One line in plain words. */
  summary: string;
}

/** Kind of a network interface, as an agent's inventory reports it. */
export type InterfaceKind = 'physical' | 'wireless' | 'bridge' | 'veth' | 'tap' | 'vlan' | 'loopback' | 'other';

/** One interface of a node, as the node says it is (its inventory). */
export interface InventoryInterface {
  name: string;
  /** Lower-case with colons; null for interfaces without a link-layer address (loopback, tun). */
  mac: string | null;
  kind: InterfaceKind;
  /** Non-null: this interface is a port of that bridge. */
  bridgeMaster: string | null;
  /** IPv4 dotted quads and IPv6 in RFC 5952 form, without prefix length. */
  addresses: string[];
}

/**
 * What a node says about itself. The correlator uses it for node identity: which MACs
 * and addresses belong together (BINDING_CONFLICT, SPLIT_STACK, names in explanations).
 */
export interface NodeInventory {
  node: string;
  /** When the inventory was taken, microseconds since the epoch. */
  timeUs: number;
  interfaces: InventoryInterface[];
}

/** Neighbor cache state (Linux `ip neigh` NUD states). */
export type NeighborCacheState =
  | 'incomplete'
  | 'reachable'
  | 'stale'
  | 'delay'
  | 'probe'
  | 'failed'
  | 'noarp'
  | 'permanent'
  | 'unknown';

/** One entry of a node's ARP / neighbor cache: what `observer` believes about `ip`. */
export interface NeighborCacheEntry {
  /** The node holding the cache, and the interface the entry is on. */
  observer: string;
  iface: string;
  ip: string;
  /** Null while unresolved (incomplete, failed). */
  mac: string | null;
  state: NeighborCacheState;
  /** When the snapshot holding the entry was taken, microseconds since the epoch. */
  timeUs: number;
}

/**
 * Occurrences of one mismatch folded into one row per (kind, subject), as `analyze` prints
 * them and the collector stores them.
 */
export interface AggregatedFinding {
  kind: MismatchKind;
  subject: string;
  ip: string | null;
  node: string | null;
  /** Every MAC involved, in the order first seen. */
  macs: string[];
  vantagePoints: VantagePoint[];
  firstSeenUs: number;
  lastSeenUs: number;
  /** Every occurrence, even those whose evidence was not kept. */
  count: number;
  /** Bounded: the first few references per vantage point. */
  evidence: EvidenceRef[];
  rewrittenFields: string[];
  staleFields: string[];
  /** The first occurrence's summary. */
  summary: string;
}
