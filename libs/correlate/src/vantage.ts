/**
 * The single-vantage rules (arpwatch's `ent_add`, without its side effects): one instance
 * holds the state of one vantage point (a capture file, or one (node, interface) at the
 * collector) and turns each observation into zero or more findings.
 *
 * Hot path: `observe` does a handful of Map look-ups keyed by strings and allocates only
 * when it finds something. State is bounded by time (see each window in constants.ts) and
 * by MAX_TRACKED_IPS.
 */
import { MESSAGE_TYPE_LABELS, type EvidenceRef, type Finding, type MismatchKind, type NeighborObservation } from '@neighwatch/model';
import {
  boundIp,
  boundMac,
  claimedIp,
  isArp,
  isProbe,
  isProxyAdvertisement,
  LLADDR_FIELD,
  LLADDR_FIELD_LABELS,
  NA_FLAG_OVERRIDE,
  UNSPECIFIED_IPV6,
} from './binding';
import {
  BINDING_RETENTION_US,
  DAD_DEFENCE_WINDOW_US,
  DUPLICATE_WINDOW_US,
  FLIP_FLOP_WINDOW_US,
  MAX_MACS_PER_IP,
  MAX_TRACKED_IPS,
  PHANTOM_WINDOW_US,
  SWEEP_INTERVAL_US,
} from './constants';
import { Eui64Memo } from './eui64';

/** Returned when an observation finds nothing: shared, never mutated. */
export const NO_FINDINGS: readonly Finding[] = Object.freeze([]) as readonly Finding[];

export interface VantageOptions {
  flipFlopWindowUs?: number;
  duplicateWindowUs?: number;
  dadDefenceWindowUs?: number;
  phantomWindowUs?: number;
  bindingRetentionUs?: number;
  maxTrackedIps?: number;
  sweepIntervalUs?: number;
}

/** How often and when an IP was claimed with one MAC. */
interface MacStats {
  firstUs: number;
  lastUs: number;
  count: number;
}

/** One IP's binding at this vantage point: the current MAC inline (the hot path), others aside. */
interface IpState {
  ip: string;
  vlan: number | null;
  mac: string;
  firstUs: number;
  lastUs: number;
  lastRef: number;
  count: number;
  /** Other MACs this IP had (for FLIP_FLOP and the bindings table); null until it changes. */
  others: Map<string, MacStats> | null;
}

/** A DAD or ARP probe waiting to see whether another MAC defends the address. */
interface Probe {
  vlan: number | null;
  mac: string;
  timeUs: number;
  ref: number;
}

/** A claimed link-layer address not (yet) seen as a frame source on this link. */
interface PhantomClaim {
  mac: string;
  ip: string | null;
  claimedBy: string;
  firstUs: number;
  lastUs: number;
  count: number;
  evidence: EvidenceRef[];
}

/** Evidence kept per phantom claim. */
const PHANTOM_EVIDENCE = 4;

/** One binding as `bindings()` reports it (for summaries). */
export interface BindingSummary {
  ip: string;
  vlan: number | null;
  mac: string;
  firstSeenUs: number;
  lastSeenUs: number;
  count: number;
}

function seconds(us: number): string {
  const s = us / 1_000_000;
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 360) / 10} h`;
}


export class VantageCorrelator {
  private readonly flipFlopWindowUs: number;
  private readonly duplicateWindowUs: number;
  private readonly dadDefenceWindowUs: number;
  private readonly phantomWindowUs: number;
  private readonly bindingRetentionUs: number;
  private readonly maxTrackedIps: number;
  private readonly sweepIntervalUs: number;

  /**
   * Bindings by IP, one map per VLAN (untagged: `ips`): the same IP on two VLANs is two
   * hosts, and nesting avoids building a "vlan/ip" key string per tagged frame.
   */
  private readonly ips = new Map<string, IpState>();
  private readonly vlanIps = new Map<number, Map<string, IpState>>();
  private trackedIps = 0;
  private readonly probes = new Map<string, Probe>();
  /**
   * Every MAC seen as a frame source, with the last time. The time sits in a box updated in
   * place: a microsecond timestamp is no small integer, and storing it as a Map value would
   * allocate a heap number for every frame.
   */
  private readonly sources = new Map<string, { us: number }>();
  private readonly phantoms = new Map<string, PhantomClaim>();
  private readonly eui64 = new Eui64Memo();

  private nowUs = -Infinity;
  private nextSweepUs = -Infinity;
  private nextBindingSweepUs = -Infinity;
  /** Vantage point of the last observation, for findings made at sweep time. */
  private node = '';
  private iface = '';

  constructor(options: VantageOptions = {}) {
    this.flipFlopWindowUs = options.flipFlopWindowUs ?? FLIP_FLOP_WINDOW_US;
    this.duplicateWindowUs = options.duplicateWindowUs ?? DUPLICATE_WINDOW_US;
    this.dadDefenceWindowUs = options.dadDefenceWindowUs ?? DAD_DEFENCE_WINDOW_US;
    this.phantomWindowUs = options.phantomWindowUs ?? PHANTOM_WINDOW_US;
    this.bindingRetentionUs = options.bindingRetentionUs ?? BINDING_RETENTION_US;
    this.maxTrackedIps = options.maxTrackedIps ?? MAX_TRACKED_IPS;
    this.sweepIntervalUs = options.sweepIntervalUs ?? SWEEP_INTERVAL_US;
  }

  /**
   * Applies the single-vantage rules to one observation. `nowUs` is the current time
   * (defaults to the capture time); state older than the windows is evicted as it passes.
   */
  observe(obs: NeighborObservation, nowUs: number = obs.timeUs): readonly Finding[] {
    if (nowUs > this.nowUs) this.nowUs = nowUs;
    this.node = obs.node;
    this.iface = obs.iface;
    this.noteSource(obs.ethSrc, obs.timeUs);

    let out: Finding[] | null = null;
    out = this.checkLladdr(obs, out);
    if (!isArp(obs.type)) out = this.checkEui64(obs, out);
    this.notePhantomClaim(obs);
    out = this.bind(obs, out);
    if (this.nowUs >= this.nextSweepUs) out = this.sweep(out);
    return out ?? NO_FINDINGS;
  }

  /**
   * A frame of any protocol came from `mac` on this link: it is not a phantom. `analyze`
   * calls this for the frames that are not ARP/NDP; an agent's capture only has ARP/NDP.
   */
  noteSource(mac: string, timeUs: number): void {
    const seen = this.sources.get(mac);
    if (seen === undefined) this.sources.set(mac, { us: timeUs });
    else seen.us = timeUs;
    if (this.phantoms.size !== 0) this.phantoms.delete(mac);
  }

  /**
   * Advances time to `nowUs` (default: the latest time seen) and reports what only the
   * passing of time shows (PHANTOM_LLADDR). Call at the end of a file, or periodically.
   */
  flush(nowUs: number = this.nowUs): readonly Finding[] {
    if (nowUs > this.nowUs) this.nowUs = nowUs;
    return this.sweep(null) ?? NO_FINDINGS;
  }

  /**
   * The IP → MAC bindings still tracked (see BINDING_RETENTION_US and MAX_TRACKED_IPS):
   * one row per (IP, MAC) with how often and when the IP was claimed with that MAC.
   */
  bindings(): BindingSummary[] {
    const rows: BindingSummary[] = [];
    for (const state of this.allIpStates()) {
      rows.push({ ip: state.ip, vlan: state.vlan, mac: state.mac, firstSeenUs: state.firstUs, lastSeenUs: state.lastUs, count: state.count });
      if (state.others === null) continue;
      for (const [mac, stats] of state.others) {
        rows.push({ ip: state.ip, vlan: state.vlan, mac, firstSeenUs: stats.firstUs, lastSeenUs: stats.lastUs, count: stats.count });
      }
    }
    return rows;
  }

  /** Claimed MACs waiting for a frame from them: when 0, `noteSource` has nothing to clear. */
  get pendingPhantoms(): number {
    return this.phantoms.size;
  }

  /** How much state is held (for metrics and the bounds tests). */
  size(): { ips: number; probes: number; sources: number; phantoms: number } {
    return { ips: this.trackedIps, probes: this.probes.size, sources: this.sources.size, phantoms: this.phantoms.size };
  }

  /**
   * LLADDR_MISMATCH: the link-layer address inside the packet is not the frame's source.
   * Per message:
   * - ARP (any op): the sender hardware address names the sender itself (RFC 826), so it
   *   must equal the Ethernet source; a proxy ARP reply carries the proxy's own MAC in both.
   * - RS, RA, NS: the SLLAO is the sender's own address (RFC 4861 §4.1–4.3).
   * - NA: the TLLAO is the address of the target, and the sender is the target, except for
   *   proxy and anycast advertisements (O flag clear, §7.2.7–7.2.8), which may name the
   *   node that will take the traffic: those are skipped.
   * - Redirect: the TLLAO is the *better first hop's* address, not the sender's (§4.5):
   *   never compared with the Ethernet source.
   */
  private checkLladdr(obs: NeighborObservation, out: Finding[] | null): Finding[] | null {
    const lladdr = obs.lladdr;
    if (lladdr === null || lladdr === obs.ethSrc) return out;
    if (obs.type === 'NDP_REDIRECT' || isProxyAdvertisement(obs)) return out;
    const ip = claimedIp(obs);
    const field = LLADDR_FIELD_LABELS[LLADDR_FIELD[obs.type]];
    return this.emit(
      out,
      'LLADDR_MISMATCH',
      ip ?? lladdr,
      ip,
      [obs.ethSrc, lladdr],
      obs,
      null,
      `${MESSAGE_TYPE_LABELS[obs.type]} for ${ip ?? '?'} comes from ${obs.ethSrc} but its ${field} says ${lladdr}`,
    );
  }

  /**
   * EUI64_MISMATCH: the IPv6 source (or an NA's target) has a modified EUI-64 interface ID
   * derived from MAC X (RFC 4291 §2.5.1), in a frame from MAC Y ≠ X: the address was made by
   * one interface and the frame left through another MAC (or was rewritten on the way).
   * A proxy NA (O clear) speaks for another node's target: its target is not checked.
   */
  private checkEui64(obs: NeighborObservation, out: Finding[] | null): Finding[] | null {
    const src = obs.srcIp;
    if (src !== UNSPECIFIED_IPV6) {
      const derived = this.eui64.macOf(src);
      if (derived !== null && derived !== obs.ethSrc) out = this.eui64Finding(out, obs, src, derived);
    }
    const target = obs.targetIp;
    if (obs.type === 'NDP_NA' && (obs.naFlags & NA_FLAG_OVERRIDE) !== 0 && target !== null && target !== src) {
      const derived = this.eui64.macOf(target);
      if (derived !== null && derived !== obs.ethSrc) out = this.eui64Finding(out, obs, target, derived);
    }
    return out;
  }

  private eui64Finding(out: Finding[] | null, obs: NeighborObservation, ip: string, derived: string): Finding[] {
    return this.emit(
      out,
      'EUI64_MISMATCH',
      ip,
      ip,
      [obs.ethSrc, derived],
      obs,
      null,
      `${ip} has an EUI-64 interface ID made from ${derived}, but its ${MESSAGE_TYPE_LABELS[obs.type]} comes from ${obs.ethSrc}`,
    );
  }

  /** Records a claimed link-layer address that no recent frame came from (PHANTOM_LLADDR). */
  private notePhantomClaim(obs: NeighborObservation): void {
    const mac = obs.lladdr;
    if (mac === null || mac === obs.ethSrc) return;
    const seen = this.sources.get(mac);
    if (seen !== undefined && Math.abs(obs.timeUs - seen.us) <= this.phantomWindowUs) return;
    const claim = this.phantoms.get(mac);
    const ref: EvidenceRef = { node: obs.node, iface: obs.iface, ref: obs.ref, timeUs: obs.timeUs };
    if (claim === undefined) {
      this.phantoms.set(mac, {
        mac,
        ip: claimedIp(obs),
        claimedBy: obs.ethSrc,
        firstUs: obs.timeUs,
        lastUs: obs.timeUs,
        count: 1,
        evidence: [ref],
      });
    } else {
      claim.count++;
      if (obs.timeUs > claim.lastUs) claim.lastUs = obs.timeUs;
      if (claim.evidence.length < PHANTOM_EVIDENCE) claim.evidence.push(ref);
    }
  }

  /**
   * MAC_CHANGED, FLIP_FLOP, DUPLICATE_ADDRESS: folds the observation's binding (if any)
   * into the IP's state. Probes bind nothing but are remembered, so that another MAC
   * defending the probed address shows as a DUPLICATE_ADDRESS.
   */
  private bind(obs: NeighborObservation, out: Finding[] | null): Finding[] | null {
    const t = obs.timeUs;
    if (isProbe(obs)) {
      if (obs.targetIp !== null) {
        // Keyed by IP alone: two probes for one IP on two VLANs at once are rare enough.
        this.probes.set(obs.targetIp, { vlan: obs.vlan, mac: boundMac(obs), timeUs: t, ref: obs.ref });
      }
      return out;
    }
    const ip = boundIp(obs);
    if (ip === null) return out;
    const mac = boundMac(obs);

    let reportedDuplicate = false;
    if (this.probes.size !== 0) {
      const probe = this.probes.get(ip);
      if (probe !== undefined && probe.vlan === obs.vlan && probe.mac !== mac && Math.abs(t - probe.timeUs) <= this.dadDefenceWindowUs) {
        this.probes.delete(ip);
        reportedDuplicate = true;
        out = this.emit(
          out,
          'DUPLICATE_ADDRESS',
          ip,
          ip,
          [probe.mac, mac],
          obs,
          { node: obs.node, iface: obs.iface, ref: probe.ref, timeUs: probe.timeUs },
          `${probe.mac} probed for ${ip} and ${mac} defended it: both want the address`,
        );
      }
    }

    let ips = this.ips;
    if (obs.vlan !== null) {
      const tagged = this.vlanIps.get(obs.vlan);
      if (tagged === undefined) this.vlanIps.set(obs.vlan, (ips = new Map()));
      else ips = tagged;
    }
    const state = ips.get(ip);
    if (state === undefined) {
      if (this.trackedIps >= this.maxTrackedIps) {
        // Map iteration order is insertion order: the first key is the longest-tracked IP
        // (of this VLAN's map; of the untagged one when this map is still empty).
        const victims = ips.size > 0 ? ips : this.ips.size > 0 ? this.ips : (this.vlanIps.values().next().value ?? ips);
        const oldest = victims.keys().next().value;
        if (oldest !== undefined && victims.delete(oldest)) this.trackedIps--;
      }
      ips.set(ip, { ip, vlan: obs.vlan, mac, firstUs: t, lastUs: t, lastRef: obs.ref, count: 1, others: null });
      this.trackedIps++;
      return out;
    }
    if (state.mac === mac) {
      state.count++;
      if (t > state.lastUs) state.lastUs = t;
      else if (t < state.firstUs) state.firstUs = t;
      state.lastRef = obs.ref;
      return out;
    }

    const previous = state.mac;
    const previousUs = state.lastUs;
    const previousRef: EvidenceRef = { node: obs.node, iface: obs.iface, ref: state.lastRef, timeUs: previousUs };
    if (Math.abs(t - previousUs) <= this.duplicateWindowUs) {
      if (!reportedDuplicate) {
        out = this.emit(
          out,
          'DUPLICATE_ADDRESS',
          ip,
          ip,
          [previous, mac],
          obs,
          previousRef,
          `${ip} is claimed by ${previous} and ${mac} within ${seconds(Math.abs(t - previousUs))}`,
        );
      }
    } else {
      const hadUs = state.others?.get(mac)?.lastUs;
      if (hadUs !== undefined && Math.abs(t - hadUs) <= this.flipFlopWindowUs) {
        out = this.emit(
          out,
          'FLIP_FLOP',
          ip,
          ip,
          [previous, mac],
          obs,
          previousRef,
          `${ip} went back from ${previous} to ${mac}, which it had ${seconds(Math.abs(t - hadUs))} before`,
        );
      } else {
        out = this.emit(out, 'MAC_CHANGED', ip, ip, [previous, mac], obs, previousRef, `${ip} moved from ${previous} to ${mac}`);
      }
    }

    let others = state.others;
    if (others === null) others = state.others = new Map();
    const had = others.get(mac);
    others.delete(mac);
    if (others.size >= MAX_MACS_PER_IP) {
      const oldest = others.keys().next().value;
      if (oldest !== undefined) others.delete(oldest);
    }
    others.set(previous, { firstUs: state.firstUs, lastUs: previousUs, count: state.count });
    state.mac = mac;
    state.firstUs = had === undefined ? t : had.firstUs;
    state.count = had === undefined ? 1 : had.count + 1;
    state.lastUs = t;
    state.lastRef = obs.ref;
    return out;
  }

  /** Reports phantoms whose window has passed and evicts state older than every window. */
  private sweep(out: Finding[] | null): Finding[] | null {
    const now = this.nowUs;
    if (now === -Infinity) return out;
    this.nextSweepUs = now + this.sweepIntervalUs;

    for (const [mac, claim] of this.phantoms) {
      if (now - claim.firstUs < this.phantomWindowUs) continue;
      this.phantoms.delete(mac);
      if (out === null) out = [];
      const first = claim.evidence[0];
      out.push({
        kind: 'PHANTOM_LLADDR',
        subject: mac,
        ip: claim.ip,
        macs: [mac, claim.claimedBy],
        node: null,
        vantagePoints: [{ node: first.node, iface: first.iface }],
        timeUs: claim.lastUs,
        evidence: claim.evidence,
        summary: `${claim.claimedBy} says ${claim.ip ?? 'an address'} is at ${mac} (${claim.count}×), but no frame came from ${mac} within ${seconds(this.phantomWindowUs)}`,
      });
    }
    for (const [key, probe] of this.probes) {
      if (now - probe.timeUs > this.dadDefenceWindowUs) this.probes.delete(key);
    }
    for (const [mac, seen] of this.sources) {
      if (now - seen.us > this.phantomWindowUs) this.sources.delete(mac);
    }
    if (now >= this.nextBindingSweepUs) {
      // Bindings live for a day: sweeping them once a minute keeps the cost negligible.
      this.nextBindingSweepUs = now + 60 * this.sweepIntervalUs;
      this.trackedIps -= this.evictBindings(this.ips, now);
      for (const [vlan, ips] of this.vlanIps) {
        this.trackedIps -= this.evictBindings(ips, now);
        if (ips.size === 0) this.vlanIps.delete(vlan);
      }
    }
    return out;
  }

  private evictBindings(ips: Map<string, IpState>, now: number): number {
    let evicted = 0;
    for (const [ip, state] of ips) {
      if (now - state.lastUs > this.bindingRetentionUs) {
        ips.delete(ip);
        evicted++;
      }
    }
    return evicted;
  }

  private *allIpStates(): Generator<IpState> {
    yield* this.ips.values();
    for (const ips of this.vlanIps.values()) yield* ips.values();
  }

  private emit(
    out: Finding[] | null,
    kind: MismatchKind,
    subject: string,
    ip: string | null,
    macs: string[],
    obs: NeighborObservation,
    earlier: EvidenceRef | null,
    summary: string,
  ): Finding[] {
    const here: EvidenceRef = { node: obs.node, iface: obs.iface, ref: obs.ref, timeUs: obs.timeUs };
    const finding: Finding = {
      kind,
      subject,
      ip,
      macs,
      node: null,
      vantagePoints: [{ node: obs.node, iface: obs.iface }],
      timeUs: obs.timeUs,
      evidence: earlier === null ? [here] : [earlier, here],
      summary,
    };
    if (out === null) return [finding];
    out.push(finding);
    return out;
  }
}

/**
 * One VantageCorrelator per (node, interface): how the collector applies the
 * single-vantage rules to every agent's captures.
 */
export class VantageCorrelators {
  private readonly byNode = new Map<string, Map<string, VantageCorrelator>>();
  /** The last vantage point asked for: batches come per node, so most frames repeat it. */
  private lastNode = '';
  private lastIface = '';
  private last: VantageCorrelator | null = null;

  constructor(private readonly options: VantageOptions = {}) {}

  observe(obs: NeighborObservation, nowUs: number = obs.timeUs): readonly Finding[] {
    return this.at(obs.node, obs.iface).observe(obs, nowUs);
  }

  /** Runs every vantage point's time-based rules up to `nowUs`. */
  flush(nowUs: number): Finding[] {
    const out: Finding[] = [];
    for (const ifaces of this.byNode.values()) {
      for (const correlator of ifaces.values()) {
        for (const finding of correlator.flush(nowUs)) out.push(finding);
      }
    }
    return out;
  }

  /** Forgets a vantage point (an interface that went away). */
  forget(node: string, iface?: string): void {
    this.last = null;
    if (iface === undefined) this.byNode.delete(node);
    else this.byNode.get(node)?.delete(iface);
  }

  at(node: string, iface: string): VantageCorrelator {
    if (this.last !== null && node === this.lastNode && iface === this.lastIface) return this.last;
    let ifaces = this.byNode.get(node);
    if (ifaces === undefined) this.byNode.set(node, (ifaces = new Map()));
    let correlator = ifaces.get(iface);
    if (correlator === undefined) ifaces.set(iface, (correlator = new VantageCorrelator(this.options)));
    this.lastNode = node;
    this.lastIface = iface;
    this.last = correlator;
    return correlator;
  }
}
