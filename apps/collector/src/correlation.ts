/**
 * The collector's use of @neighwatch/correlate: one single-vantage correlator per
 * (node, interface) and one cross-node correlator over every agent, fed with
 * clock-corrected observations, inventories and neighbor caches.
 */
import { CrossNodeCorrelator, VantageCorrelators, type VantageOptions } from '@neighwatch/correlate';
import type { Finding, NeighborObservation, NodeInventory } from '@neighwatch/model';
import type { InventoryRecord, NeighborCacheEntry, NeighborSnapshotRecord, NodeInfo } from '@neighwatch/store';
import type { CorrelationEngine } from './collector';

function nodeInventory(node: string, timeUs: number, interfaces: InventoryRecord['interfaces']): NodeInventory {
  return {
    node,
    timeUs,
    interfaces: interfaces.map((i) => ({
      name: i.name,
      mac: i.mac || null,
      kind: i.kind,
      bridgeMaster: i.bridgeMaster || null,
      addresses: i.addresses.map((a) => a.split('/')[0]),
    })),
  };
}

export class Correlation implements CorrelationEngine {
  private readonly vantage: VantageCorrelators;
  private readonly cross = new CrossNodeCorrelator();

  constructor(options: VantageOptions = {}) {
    this.vantage = new VantageCorrelators(options);
  }

  observe(observations: readonly NeighborObservation[]): Finding[] {
    const out: Finding[] = [];
    for (const obs of observations) {
      for (const f of this.vantage.observe(obs)) out.push(f);
      for (const f of this.cross.observe(obs)) out.push(f);
    }
    return out;
  }

  inventory(record: InventoryRecord): Finding[] {
    return [...this.cross.setInventory(nodeInventory(record.node, record.timeUs, record.interfaces))];
  }

  neighbors(snapshot: NeighborSnapshotRecord): Finding[] {
    const out: Finding[] = [];
    for (const e of snapshot.entries) {
      if (e.removed) continue;
      const entry = { observer: snapshot.node, iface: e.iface, ip: e.ip, mac: e.mac, state: e.state, timeUs: snapshot.timeUs };
      for (const f of this.cross.observeNeighbor(entry)) out.push(f);
    }
    return out;
  }

  /** What only the passing of time shows (PHANTOM_LLADDR), up to `nowUs`. */
  tick(nowUs: number): Finding[] {
    return this.vantage.flush(nowUs);
  }

  /** State held by the cross-node rules (sightings in the match window, observer bindings). */
  size(): ReturnType<CrossNodeCorrelator['size']> {
    return this.cross.size();
  }

  /** MAC → node name from the inventories, for explanations. */
  nodeNames(): Map<string, string> {
    return this.cross.nodeNames();
  }

  /**
   * Rebuilds state after a restart from what the store holds: inventories, neighbor
   * caches, then recent observations in capture order. The findings this replays were
   * stored before the restart, so they are dropped.
   */
  rebuild(nodes: readonly NodeInfo[], caches: readonly NeighborCacheEntry[], observations: readonly NeighborObservation[]): void {
    for (const n of nodes) this.cross.setInventory(nodeInventory(n.name, n.lastSeenUs, n.interfaces));
    for (const c of caches) this.cross.observeNeighbor({ observer: c.node, iface: c.iface, ip: c.ip, mac: c.mac, state: c.state, timeUs: c.updatedUs });
    for (const obs of observations) {
      this.vantage.observe(obs);
      this.cross.observe(obs);
    }
  }
}
