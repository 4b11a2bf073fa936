/**
 * The cross-node rules: what only shows when several vantage points (node, interface) and
 * what nodes say about themselves are put side by side. Pure: the collector feeds
 * observations (clock-corrected), inventories and neighbor-cache entries; findings come
 * back. Single-vantage kinds are VantageCorrelator's job.
 *
 * State and its bounds:
 * - sightings (sightings.ts: a ring of typed arrays, 54 bytes each, no reference to the
 *   observation): MATCH_HORIZON_US of capture time behind the newest, at most
 *   MAX_QUEUED_SIGHTINGS in all (oldest arrivals dropped first), of which the
 *   MAX_SIGHTINGS_PER_FINGERPRINT newest of a fingerprint are matched; evicted in arrival
 *   order without scanning; when its table of vantage points (or of malformed MAC or
 *   fingerprint texts) reaches MAX_IDENTITIES, the window restarts empty;
 * - each observer's bindings (wire and neighbor cache): OBSERVER_BINDING_WINDOW_US, at most
 *   MAX_OBSERVER_BINDINGS per observer (the longest-held IP dropped first), updated in place;
 * - stations (agent-less nodes by MAC): MAX_STATIONS (oldest dropped), MAX_STATION_ADDRESSES
 *   addresses each; the address → stations index MAX_STATION_ADDRESS_ENTRIES (then cleared),
 *   MAX_STATIONS_PER_ADDRESS each; proxied (IP, MAC) pairs MAX_PROXIED (then cleared);
 * - inventories: one per node, replaced on update.
 */
import {
  MESSAGE_TYPE_LABELS,
  type EvidenceRef,
  type Finding,
  type NeighborCacheEntry,
  type NeighborObservation,
  type NodeInventory,
  type VantagePoint,
} from '@neighwatch/model';
import { boundIp, boundMac, claimedIp, isArp, isProxyAdvertisement, LLADDR_FIELD } from './binding';
import { MATCH_HORIZON_US, MAX_QUEUED_SIGHTINGS, MAX_SIGHTINGS_PER_FINGERPRINT, OBSERVER_BINDING_WINDOW_US, SKEW_WINDOW_US } from './constants';
import { Eui64Memo } from './eui64';
import { SightingWindow } from './sightings';
import { NO_FINDINGS } from './vantage';

export interface CrossNodeOptions {
  skewWindowUs?: number;
  matchHorizonUs?: number;
  maxSightingsPerFingerprint?: number;
  observerBindingWindowUs?: number;
  maxObserverBindings?: number;
  /** Bound on sightings held whatever their times (default MAX_QUEUED_SIGHTINGS). */
  maxSightings?: number;
}

/** Bound on the bindings remembered per observer (≈ 150 bytes each). */
const MAX_OBSERVER_BINDINGS = 65_536;
/** Bound on remembered proxy advertisements (target, MAC). */
const MAX_PROXIED = 65_536;
/** Bounds on agent-less stations: how many, addresses per station, stations per address. */
const MAX_STATIONS = 65_536;
const MAX_STATION_ADDRESSES = 16;
const MAX_STATIONS_PER_ADDRESS = 4;
/** Bound on addresses claimed by stations (the address → stations index); at it the index restarts empty. */
const MAX_STATION_ADDRESS_ENTRIES = 262_144;

/** What the REWRITTEN_IN_TRANSIT rule reads of a sighting (an observation, or a view of a held one). */
type Seen = Pick<NeighborObservation, 'node' | 'iface' | 'direction' | 'timeUs' | 'type' | 'ethSrc' | 'lladdr' | 'ref' | 'srcIp' | 'targetIp'>;

const NONE = -1;

/** What an observer believes about an IP: from a frame it received, or its neighbor cache. */
interface ObserverBinding {
  mac: string;
  iface: string;
  timeUs: number;
  /** Evidence reference (the frame's ref), or -1 for a neighbor-cache entry. */
  ref: number;
  /**
   * The stations claiming the IP (its `stationsOf` list, or undefined for none), as of
   * `stationsAt` (a `stationsGeneration`; -1: not known): spares the look-up when the same
   * binding is seen again and no IP gained or lost its list since.
   */
  stations: string[] | undefined;
  stationsAt: number;
}

interface OwnedAddress {
  node: string;
  iface: string;
  mac: string;
}

interface NodeIndex {
  macs: Set<string>;
  ipv4: string[];
  ipv6: string[];
}

function vantageText(point: VantagePoint): string {
  return `${point.node}/${point.iface}`;
}

export class CrossNodeCorrelator {
  private readonly skewWindowUs: number;
  private readonly matchHorizonUs: number;
  private readonly maxSightingsPerFingerprint: number;
  private readonly observerBindingWindowUs: number;
  private readonly maxObserverBindings: number;

  private readonly window: SightingWindow;
  private newestUs = -Infinity;

  private readonly nodes = new Map<string, NodeIndex>();
  private readonly owners = new Map<string, OwnedAddress[]>();
  private readonly macNodes = new Map<string, string>();
  private readonly observed = new Map<string, Map<string, ObserverBinding>>();
  private lastObserver = '';
  private lastBindings: Map<string, ObserverBinding> | null = null;
  private readonly proxied = new Map<string, number>();
  /**
   * Nodes without an agent, known by MAC ("stations"): the addresses each one claimed in
   * frames consistent with themselves (claimed address = Ethernet source) received by some
   * agent, plus IPv6 addresses whose EUI-64 interface ID names the MAC.
   */
  private readonly stations = new Map<string, NodeIndex>();
  private readonly stationsOf = new Map<string, string[]>();
  /** Bumped whenever `stationsOf` gains or loses an entry (see ObserverBinding.stations). */
  private stationsGeneration = 0;
  private readonly eui64 = new Eui64Memo();

  constructor(options: CrossNodeOptions = {}) {
    this.skewWindowUs = options.skewWindowUs ?? SKEW_WINDOW_US;
    this.matchHorizonUs = options.matchHorizonUs ?? MATCH_HORIZON_US;
    this.maxSightingsPerFingerprint = options.maxSightingsPerFingerprint ?? MAX_SIGHTINGS_PER_FINGERPRINT;
    this.observerBindingWindowUs = options.observerBindingWindowUs ?? OBSERVER_BINDING_WINDOW_US;
    this.maxObserverBindings = options.maxObserverBindings ?? MAX_OBSERVER_BINDINGS;
    this.window = new SightingWindow(options.maxSightings ?? MAX_QUEUED_SIGHTINGS);
  }

  /** MAC → node name, from every inventory (for explanations). */
  nodeNames(): Map<string, string> {
    return new Map(this.macNodes);
  }

  /** The node whose inventory lists `mac`, if any. */
  nodeOfMac(mac: string): string | null {
    return this.macNodes.get(mac) ?? null;
  }

  /**
   * Records what a node says about itself (replacing its previous inventory) and
   * re-checks what observers already bound to its addresses.
   */
  setInventory(inventory: NodeInventory): readonly Finding[] {
    this.dropInventory(inventory.node);
    const index: NodeIndex = { macs: new Set(), ipv4: [], ipv6: [] };
    for (const iface of inventory.interfaces) {
      if (iface.mac === null || iface.kind === 'loopback') continue;
      index.macs.add(iface.mac);
      if (!this.macNodes.has(iface.mac)) this.macNodes.set(iface.mac, inventory.node);
      for (const ip of iface.addresses) {
        const list = ip.indexOf(':') >= 0 ? index.ipv6 : index.ipv4;
        if (!list.includes(ip)) list.push(ip);
        let owned = this.owners.get(ip);
        if (owned === undefined) this.owners.set(ip, (owned = []));
        owned.push({ node: inventory.node, iface: iface.name, mac: iface.mac });
      }
    }
    this.nodes.set(inventory.node, index);

    let out: Finding[] | null = null;
    for (const [observer, bindings] of this.observed) {
      if (observer === inventory.node) continue;
      for (const ip of index.ipv4.concat(index.ipv6)) {
        const binding = bindings.get(ip);
        if (binding === undefined) continue;
        out = this.checkBinding(out, observer, ip, binding, null, this.owners.get(ip), bindings, undefined);
      }
    }
    return out ?? NO_FINDINGS;
  }

  /** Forgets a node's inventory (the node was removed). */
  dropInventory(node: string): void {
    const index = this.nodes.get(node);
    if (index === undefined) return;
    this.nodes.delete(node);
    for (const ip of index.ipv4.concat(index.ipv6)) {
      const owned = this.owners.get(ip);
      if (owned === undefined) continue;
      const kept = owned.filter((o) => o.node !== node);
      if (kept.length === 0) this.owners.delete(ip);
      else this.owners.set(ip, kept);
    }
    for (const mac of index.macs) {
      if (this.macNodes.get(mac) === node) this.macNodes.delete(mac);
    }
  }

  /**
   * One observation from any vantage point (timeUs clock-corrected): matches it against
   * the same packet seen elsewhere (REWRITTEN_IN_TRANSIT) and, when the observer received
   * it, records and checks the binding it teaches (BINDING_CONFLICT, SPLIT_STACK).
   */
  observe(obs: NeighborObservation, nowUs: number = obs.timeUs): readonly Finding[] {
    if (obs.timeUs > this.newestUs) this.newestUs = obs.timeUs;
    if (nowUs > this.newestUs) this.newestUs = nowUs;
    let out: Finding[] | null = this.matchSighting(obs);

    if (isProxyAdvertisement(obs) && obs.targetIp !== null) {
      if (this.proxied.size >= MAX_PROXIED) this.proxied.clear();
      this.proxied.set(`${obs.targetIp}|${boundMac(obs)}`, obs.timeUs);
    }
    // A frame the observer sent says what it claims, not what it believes: only frames it
    // received (or could not tell) teach it a binding.
    if (obs.direction !== 'sent') {
      const ip = boundIp(obs);
      if (ip !== null) {
        const owned = this.owners.get(ip);
        const bindings = this.bindingsOf(obs.node);
        const known = bindings.get(ip);
        let stations: string[] | undefined;
        if (owned === undefined) {
          const cached = known !== undefined && known.stationsAt === this.stationsGeneration;
          stations = this.noteStation(obs, ip, cached ? known.stations : this.stationsOf.get(ip));
        }
        const binding = this.remember(bindings, ip, known, boundMac(obs), obs.iface, obs.timeUs, obs.ref);
        if (owned === undefined) {
          binding.stations = stations;
          binding.stationsAt = this.stationsGeneration;
        }
        out = this.checkBinding(out, obs.node, ip, binding, obs, owned, bindings, stations);
      }
    }
    this.evict();
    return out ?? NO_FINDINGS;
  }

  /** One entry of an observer's neighbor cache (a full or delta snapshot). */
  observeNeighbor(entry: NeighborCacheEntry): readonly Finding[] {
    if (entry.mac === null || entry.state === 'incomplete' || entry.state === 'failed') return NO_FINDINGS;
    const bindings = this.bindingsOf(entry.observer);
    const binding = this.remember(bindings, entry.ip, bindings.get(entry.ip), entry.mac, entry.iface, entry.timeUs, -1);
    const owned = this.owners.get(entry.ip);
    const stations = owned === undefined ? this.stationsOf.get(entry.ip) : undefined;
    return this.checkBinding(null, entry.observer, entry.ip, binding, null, owned, bindings, stations) ?? NO_FINDINGS;
  }

  /** How much state is held (for metrics and the bounds tests). */
  size(): { fingerprints: number; queued: number; observers: number; bindings: number } {
    let bindings = 0;
    for (const map of this.observed.values()) bindings += map.size;
    return {
      fingerprints: this.window.fingerprints,
      queued: this.window.size,
      observers: this.observed.size,
      bindings,
    };
  }

  // ---- REWRITTEN_IN_TRANSIT ----------------------------------------------------------

  private matchSighting(obs: NeighborObservation): Finding[] | null {
    const window = this.window;
    window.makeRoom();
    const ethSrc = window.macId(obs.ethSrc);
    const lladdr = window.macId(obs.lladdr);
    window.key(obs.fingerprint);
    const vantage = window.vantageOf(obs.node, obs.iface);
    const timeUs = obs.timeUs;
    let out: Finding[] | null = null;

    // For every other vantage point, the sighting nearest in time within the skew window:
    // NUD and ARP retransmissions carry the same bytes about a second apart. At most
    // maxSightingsPerFingerprint - 1 earlier sightings are considered, newest first.
    const newest = window.first();
    let kept = 0;
    for (let s = newest; s !== NONE; s = window.after(s)) {
      if (kept >= this.maxSightingsPerFingerprint - 1) break;
      kept++;
      const otherVantage = window.vantageOfSighting(s);
      if (otherVantage === vantage) continue;
      const distance = Math.abs(window.timeOf(s) - timeUs);
      if (distance > this.skewWindowUs) continue;
      if (this.hasNearer(newest, s, otherVantage, timeUs, distance)) continue;
      // Same addresses at both points: nothing was rewritten (compare() would say so too).
      if (window.ethSrcOf(s) === ethSrc && window.lladdrOf(s) === lladdr) continue;
      out = this.compare(out, window.view(s, obs.srcIp, obs.targetIp), obs);
    }
    window.add(newest, vantage, timeUs, obs.ref, obs.type, obs.direction, ethSrc, lladdr);
    return out;
  }

  /**
   * Whether another sighting at `candidate`'s vantage point is nearer to `timeUs`, among the
   * fingerprint's maxSightingsPerFingerprint newest.
   */
  private hasNearer(newest: number, candidate: number, candidateVantage: number, timeUs: number, distance: number): boolean {
    const window = this.window;
    let n = 0;
    for (let s = newest; s !== NONE && n < this.maxSightingsPerFingerprint; s = window.after(s), n++) {
      if (s === candidate || window.vantageOfSighting(s) !== candidateVantage) continue;
      if (Math.abs(window.timeOf(s) - timeUs) < distance) return true;
    }
    return false;
  }

  /**
   * Orients a pair of sightings of one packet: which side carries the original addresses.
   * In order: the side whose Ethernet source is a MAC of the node owning the sender IP
   * (inventory); on one node, the earlier capture (one clock); the side that sent it;
   * the side whose claimed address agrees with its Ethernet source; the earlier one.
   */
  private isOriginal(a: Seen, b: Seen): boolean {
    const owners = this.owners.get(a.srcIp);
    if (owners !== undefined) {
      const aOwned = owners.some((o) => this.nodes.get(o.node)?.macs.has(a.ethSrc));
      const bOwned = owners.some((o) => this.nodes.get(o.node)?.macs.has(b.ethSrc));
      if (aOwned !== bOwned) return aOwned;
    }
    if (a.node === b.node && a.timeUs !== b.timeUs) return a.timeUs < b.timeUs;
    if ((a.direction === 'sent') !== (b.direction === 'sent')) return a.direction === 'sent';
    const aConsistent = a.lladdr === null || a.lladdr === a.ethSrc;
    const bConsistent = b.lladdr === null || b.lladdr === b.ethSrc;
    if (aConsistent !== bConsistent) return aConsistent;
    return a.timeUs <= b.timeUs;
  }

  private compare(out: Finding[] | null, a: Seen, b: Seen): Finding[] | null {
    const ethRewritten = a.ethSrc !== b.ethSrc;
    const lladdrRewritten = a.lladdr !== b.lladdr;
    if (!ethRewritten && !lladdrRewritten) return out;

    const [from, to] = this.isOriginal(a, b) ? [a, b] : [b, a];
    const lladdrField = LLADDR_FIELD[from.type];
    const rewritten: string[] = [];
    const stale: string[] = [];
    // "Stale": a field left unchanged that still carries an original MAC the element
    // rewrote elsewhere in the same packet (the field case's SLLAO).
    if (ethRewritten) rewritten.push('eth_src');
    if (lladdrRewritten) rewritten.push(lladdrField);
    if (!ethRewritten && lladdrRewritten && from.ethSrc === from.lladdr) stale.push('eth_src');
    if (ethRewritten && !lladdrRewritten && from.lladdr !== null && from.lladdr === from.ethSrc) stale.push(lladdrField);

    const macs: string[] = [from.ethSrc];
    for (const mac of [to.ethSrc, from.lladdr, to.lladdr]) if (mac !== null && !macs.includes(mac)) macs.push(mac);
    const fromPoint: VantagePoint = { node: from.node, iface: from.iface };
    const toPoint: VantagePoint = { node: to.node, iface: to.iface };
    const evidence: EvidenceRef[] = [
      { node: from.node, iface: from.iface, ref: from.ref, timeUs: from.timeUs },
      { node: to.node, iface: to.iface, ref: to.ref, timeUs: to.timeUs },
    ];
    const family = isArp(from.type) ? 'arp' : 'ndp';
    const where =
      from.node === to.node
        ? `inside ${from.node}, between ${from.iface} and ${to.iface}`
        : `between ${vantageText(fromPoint)} and ${vantageText(toPoint)}`;
    const changes: string[] = [];
    if (ethRewritten) changes.push(`Ethernet source ${from.ethSrc} → ${to.ethSrc}`);
    if (lladdrRewritten) changes.push(`${lladdrField} ${from.lladdr ?? 'none'} → ${to.lladdr ?? 'none'}`);
    const staleText = stale.length > 0 ? `; left stale: ${stale.join(', ')} (still ${from.ethSrc === from.lladdr ? from.ethSrc : from.lladdr})` : '';
    const ip = claimedIp(from);
    const finding: Finding = {
      kind: 'REWRITTEN_IN_TRANSIT',
      subject: `${family} ${from.ethSrc} ${vantageText(fromPoint)}>${vantageText(toPoint)}`,
      ip,
      macs,
      node: this.ownerNode(ip) ?? this.macNodes.get(from.ethSrc) ?? null,
      vantagePoints: [fromPoint, toPoint],
      timeUs: to.timeUs > from.timeUs ? to.timeUs : from.timeUs,
      evidence,
      rewrittenFields: rewritten,
      staleFields: stale,
      summary: `${MESSAGE_TYPE_LABELS[from.type]} from ${ip ?? from.srcIp} rewritten ${where}: ${changes.join(', ')}${staleText}`,
    };
    if (out === null) return [finding];
    out.push(finding);
    return out;
  }

  private evict(): void {
    this.window.evict(this.newestUs - this.matchHorizonUs);
  }

  // ---- BINDING_CONFLICT and SPLIT_STACK ------------------------------------------------

  /** An observer's bindings by IP (the last observer's map is at hand: batches come per node). */
  private bindingsOf(observer: string): Map<string, ObserverBinding> {
    if (observer === this.lastObserver && this.lastBindings !== null) return this.lastBindings;
    let bindings = this.observed.get(observer);
    if (bindings === undefined) this.observed.set(observer, (bindings = new Map()));
    this.lastObserver = observer;
    this.lastBindings = bindings;
    return bindings;
  }

  /**
   * Records what the observer binds `ip` to, updating its record in place (a binding seen
   * again allocates nothing). At maxObserverBindings the longest-held IP is dropped.
   */
  private remember(
    bindings: Map<string, ObserverBinding>,
    ip: string,
    known: ObserverBinding | undefined,
    mac: string,
    iface: string,
    timeUs: number,
    ref: number,
  ): ObserverBinding {
    if (known !== undefined) {
      known.mac = mac;
      known.iface = iface;
      known.timeUs = timeUs;
      known.ref = ref;
      return known;
    }
    if (bindings.size >= this.maxObserverBindings) {
      const oldest = bindings.keys().next().value;
      if (oldest !== undefined) bindings.delete(oldest);
    }
    const binding: ObserverBinding = { mac, iface, timeUs, ref, stations: undefined, stationsAt: -1 };
    bindings.set(ip, binding);
    return binding;
  }

  private ownerNode(ip: string | null): string | null {
    if (ip === null) return null;
    const owned = this.owners.get(ip);
    return owned === undefined ? null : owned[0].node;
  }

  /**
   * BINDING_CONFLICT: `observer` binds `ip` to a MAC that is none of the owner's MACs (a
   * node may answer for its addresses on any of its interfaces: Linux's default ARP
   * behavior, so any of the owner's MACs is fine). Proxy advertisements seen for the
   * (ip, MAC) pair excuse it.
   * SPLIT_STACK: the same observer binds the owner's addresses of the other family to a
   * different MAC, and the two MACs are not both the owner's own (a multi-homed node).
   */
  private checkBinding(
    out: Finding[] | null,
    observer: string,
    ip: string,
    binding: ObserverBinding,
    obs: NeighborObservation | null,
    owned: OwnedAddress[] | undefined,
    bindings: Map<string, ObserverBinding>,
    stations: string[] | undefined,
  ): Finding[] | null {
    if (owned === undefined) return this.checkStations(out, observer, ip, binding, bindings, stations);
    const mac = binding.mac;
    const point: VantagePoint = { node: observer, iface: binding.iface };
    const evidence: EvidenceRef[] = binding.ref >= 0 ? [{ node: observer, iface: binding.iface, ref: binding.ref, timeUs: binding.timeUs }] : [];
    const where = binding.ref >= 0 ? (obs !== null ? `on the wire (${MESSAGE_TYPE_LABELS[obs.type]})` : 'on the wire') : 'in its neighbor cache';

    for (const owner of owned) {
      if (owner.node === observer) continue;
      const index = this.nodes.get(owner.node);
      if (index === undefined) continue;
      if (!index.macs.has(mac) && !this.proxied.has(`${ip}|${mac}`)) {
        const finding: Finding = {
          kind: 'BINDING_CONFLICT',
          subject: ip,
          ip,
          macs: [owner.mac, mac],
          node: owner.node,
          vantagePoints: [point],
          timeUs: binding.timeUs,
          evidence,
          summary: `${owner.node} says ${ip} is its own, at ${owner.mac} (${owner.iface}), but ${observer} binds it to ${mac} ${where}`,
        };
        if (out === null) out = [];
        out.push(finding);
      }

      const otherFamily = ip.indexOf(':') >= 0 ? index.ipv4 : index.ipv6;
      for (const otherIp of otherFamily) {
        const other = bindings.get(otherIp);
        if (other === undefined || other.mac === mac) continue;
        if (Math.abs(other.timeUs - binding.timeUs) > this.observerBindingWindowUs) continue;
        if (index.macs.has(other.mac) && index.macs.has(mac)) continue;
        const v6 = ip.indexOf(':') >= 0;
        const [ip4, mac4, ip6, mac6] = v6 ? [otherIp, other.mac, ip, mac] : [ip, mac, otherIp, other.mac];
        const splitEvidence = evidence.slice();
        if (other.ref >= 0) splitEvidence.unshift({ node: observer, iface: other.iface, ref: other.ref, timeUs: other.timeUs });
        const finding: Finding = {
          kind: 'SPLIT_STACK',
          subject: owner.node,
          ip: ip4,
          macs: [mac4, mac6],
          node: owner.node,
          vantagePoints: [point],
          timeUs: binding.timeUs,
          evidence: splitEvidence,
          summary: `${observer} reaches ${owner.node}'s IPv4 ${ip4} at ${mac4} but its IPv6 ${ip6} at ${mac6}`,
        };
        if (out === null) out = [];
        out.push(finding);
        break;
      }
    }
    return out;
  }

  // ---- Agent-less nodes, grouped by MAC and EUI-64 --------------------------------------

  /** Records which station (MAC without an inventory) claims `ip`, from a received frame. */
  /** `stations`: the IP's `stationsOf` list (undefined: none); returns it as it is after. */
  private noteStation(obs: NeighborObservation, ip: string, stations: string[] | undefined): string[] | undefined {
    if (obs.lladdr === null || obs.lladdr === obs.ethSrc) stations = this.addStationAddress(obs.ethSrc, ip, stations);
    if (ip.indexOf(':') >= 0) {
      const derived = this.eui64.macOf(ip);
      if (derived !== null) stations = this.addStationAddress(derived, ip, stations);
    }
    return stations;
  }

  /** `owners`: the IP's `stationsOf` list (undefined: none); returns it as it is after. */
  private addStationAddress(mac: string, ip: string, owners: string[] | undefined): string[] | undefined {
    // Most frames repeat what is known: that test first.
    if (owners !== undefined && owners.includes(mac)) return owners;
    if (this.macNodes.has(mac)) return owners; // an agent's node: its inventory says what it owns
    let station = this.stations.get(mac);
    if (station === undefined) {
      if (this.stations.size >= MAX_STATIONS) {
        const oldest = this.stations.keys().next().value;
        if (oldest !== undefined) this.stations.delete(oldest);
      }
      this.stations.set(mac, (station = { macs: new Set([mac]), ipv4: [], ipv6: [] }));
    }
    const list = ip.indexOf(':') >= 0 ? station.ipv6 : station.ipv4;
    if (list.length >= MAX_STATION_ADDRESSES) list.shift();
    list.push(ip);
    if (owners === undefined) {
      if (this.stationsOf.size >= MAX_STATION_ADDRESS_ENTRIES) this.stationsOf.clear();
      this.stationsOf.set(ip, (owners = []));
      this.stationsGeneration++;
    }
    if (owners.length >= MAX_STATIONS_PER_ADDRESS) owners.shift();
    owners.push(mac);
    return owners;
  }

  /**
   * SPLIT_STACK for nodes without an agent: the same rule as for inventoried nodes, with the
   * station's addresses. No BINDING_CONFLICT: a station's addresses are only what was seen,
   * and a rewritten claim is seen as well (it makes the rewriting MAC a co-owner).
   */
  private checkStations(
    out: Finding[] | null,
    observer: string,
    ip: string,
    binding: ObserverBinding,
    bindings: Map<string, ObserverBinding>,
    owners: string[] | undefined,
  ): Finding[] | null {
    if (owners === undefined) return out;
    const v6 = ip.indexOf(':') >= 0;
    for (const station of owners) {
      const index = this.stations.get(station);
      if (index === undefined || this.macNodes.has(station)) continue;
      for (const otherIp of v6 ? index.ipv4 : index.ipv6) {
        const other = bindings.get(otherIp);
        if (other === undefined || other.mac === binding.mac) continue;
        if (Math.abs(other.timeUs - binding.timeUs) > this.observerBindingWindowUs) continue;
        // Only the station's own MAC on one side: the other side is where its traffic goes astray.
        if (other.mac !== station && binding.mac !== station) continue;
        const [ip4, mac4, ip6, mac6] = v6 ? [otherIp, other.mac, ip, binding.mac] : [ip, binding.mac, otherIp, other.mac];
        const evidence: EvidenceRef[] = [];
        if (other.ref >= 0) evidence.push({ node: observer, iface: other.iface, ref: other.ref, timeUs: other.timeUs });
        if (binding.ref >= 0) evidence.push({ node: observer, iface: binding.iface, ref: binding.ref, timeUs: binding.timeUs });
        const finding: Finding = {
          kind: 'SPLIT_STACK',
          subject: station,
          ip: ip4,
          macs: [mac4, mac6],
          node: null,
          vantagePoints: [{ node: observer, iface: binding.iface }],
          timeUs: binding.timeUs,
          evidence,
          summary: `${observer} reaches the node at ${station} (no agent) by IPv4 ${ip4} at ${mac4} but by IPv6 ${ip6} at ${mac6}`,
        };
        if (out === null) out = [];
        out.push(finding);
        break;
      }
    }
    return out;
  }
}
