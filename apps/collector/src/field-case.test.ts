/**
 * The field case end to end through a real collector: three agents (vm, host with two
 * ports, router with a clock 5 s ahead) stream what they saw through Ingest; the Query
 * service then shows every mismatch kind the case produces, with evidence and history.
 */
import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ListMismatchesResponse__Output,
  ListNodesResponse__Output,
  ListBindingsResponse__Output,
  Mismatch__Output,
  MismatchDetail__Output,
  MismatchEvent__Output,
  QueryClient,
} from '@neighwatch/proto';
import { ROOT, TOKENS, TestAgent, ask, bearer, queryClient, startCollector, tempDir, type CollectorProcess } from './testing/harness';
import { FIELD, inventories, observations, routerNeighbors } from './testing/field-case';

const SKEW_US: Record<string, number> = { vm: 0, host: 0, router: 5_000_000 };
const EXPECTED = ['REWRITTEN_IN_TRANSIT', 'LLADDR_MISMATCH', 'EUI64_MISMATCH', 'PHANTOM_LLADDR', 'BINDING_CONFLICT', 'SPLIT_STACK'];

let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess;
let query: QueryClient;
const watched: MismatchEvent__Output[] = [];
let watch: grpc.ClientReadableStream<MismatchEvent__Output>;
const agents: TestAgent[] = [];
let all: Mismatch__Output[] = [];

const kindOf = (m: Mismatch__Output) => String(m.kind).replace('MISMATCH_KIND_', '');

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'tools/build.mjs'), 'collector'], { cwd: ROOT });
  tmp = tempDir();
  collector = await startCollector({ dir: tmp.dir, args: ['--maintenance-interval', '200ms'] });
  query = queryClient(collector.address);

  // Watch before anything happens: every mismatch must arrive as an event.
  const seenKinds = new Set<string>();
  let allSeen!: () => void;
  const everyKind = new Promise<void>((resolve) => (allSeen = resolve));
  watch = query.Watch({}, bearer(TOKENS.read));
  watch.on('error', () => undefined);
  watch.on('data', (e: MismatchEvent__Output) => {
    watched.push(e);
    if (e.mismatch) seenKinds.add(kindOf(e.mismatch));
    if (EXPECTED.every((k) => seenKinds.has(k))) allSeen();
  });

  const now = Date.now() * 1000;
  // Captured 90 s ago: long enough for the phantom rule's 60 s window to pass.
  const at = now - 90_000_000;
  const agentTime = (node: string) => Date.now() * 1000 + SKEW_US[node];
  const inv = inventories(agentTime);
  const nextSequence: Record<string, number> = { vm: 1, host: 1, router: 1 };
  const frames = observations(at, SKEW_US, nextSequence);
  for (const node of ['vm', 'host', 'router'] as const) {
    const agent = new TestAgent(collector.address, TOKENS[node]);
    agents.push(agent);
    agent.hello(node, agentTime(node));
    await agent.next((m) => m.body === 'helloReply');
    agent.send({ inventory: inv[node] });
  }
  for (const [i, node] of (['vm', 'host', 'router'] as const).entries()) {
    agents[i].send({ observations: { agentTimeUs: agentTime(node), observations: frames[node] } });
  }
  await Promise.all((['vm', 'host', 'router'] as const).map((node, i) => agents[i].acked(nextSequence[node] - 1)));
  agents[2].send({ neighbors: routerNeighbors(agentTime('router')) });
  await everyKind;
  all = (await ask<ListMismatchesResponse__Output>(query, 'ListMismatches', { state: 'MISMATCH_STATE_ALL', page: { limit: 1000 } })).mismatches;
});

afterAll(async () => {
  watch?.cancel();
  for (const a of agents) a.close();
  query?.close();
  await collector?.stop();
  tmp?.remove();
});

describe('cross-node detection of the field case', () => {
  it('finds every kind the case produces, queryable through the Query service', () => {
    if (process.env.NEIGHWATCH_TEST_DUMP) console.log(all.map((m) => `${kindOf(m)} ${m.subject} ${m.vantagePoints.map((v) => `${v.node}/${v.interface}`).join(',')} rw=${m.rewrittenFields} stale=${m.staleFields} ${m.summary}`).join('\n'));
    for (const kind of EXPECTED) expect(all.map(kindOf), kind).toContain(kind);
  });

  it('locates the NDP rewrite between the VM and the router, with the SLLAO left stale', () => {
    const rewrites = all.filter((m) => kindOf(m) === 'REWRITTEN_IN_TRANSIT' && m.staleFields.includes('ndp_sllao'));
    expect(rewrites.length).toBeGreaterThan(0);
    for (const m of rewrites) expect(m.rewrittenFields).toContain('eth_src');
    const pairs = rewrites.map((m) => m.vantagePoints.map((v) => `${v.node}/${v.interface}`).sort().join(' '));
    expect(pairs.some((p) => p.includes('router/eth0') && (p.includes('vm/eth0') || p.includes('host/vnet0')))).toBe(true);
    // Inside the host: between its VM-facing port and its uplink.
    expect(pairs).toContain('host/eth0 host/vnet0');
  });

  it('sees the ARP rewrite with both the Ethernet source and the ARP sender rewritten', () => {
    const arp = all.filter((m) => kindOf(m) === 'REWRITTEN_IN_TRANSIT' && m.rewrittenFields.includes('arp_sha'));
    expect(arp.length).toBeGreaterThan(0);
    expect(arp[0].rewrittenFields).toContain('eth_src');
    expect(arp[0].macs).toEqual(expect.arrayContaining([FIELD.vmMac, FIELD.hostMac]));
  });

  it("flags the router's split view of the VM and the conflict with the VM's inventory", () => {
    const split = all.find((m) => kindOf(m) === 'SPLIT_STACK')!;
    expect(split.macs).toEqual(expect.arrayContaining([FIELD.vmMac, FIELD.hostMac]));
    expect(split.vantagePoints.map((v) => v.node)).toContain('router');
    const conflict = all.find((m) => kindOf(m) === 'BINDING_CONFLICT' && m.ip === FIELD.vmIpv4)!;
    expect(conflict.macs).toEqual(expect.arrayContaining([FIELD.vmMac, FIELD.hostMac]));
  });

  it('streamed every stored mismatch through Watch as it was stored', () => {
    const streamed = new Set(watched.filter((e) => e.mismatch).map((e) => e.mismatch!.id));
    for (const m of all) expect(streamed).toContain(m.id);
  });

  it("corrects the router's clock and shows the offset in ListNodes", async () => {
    const { nodes } = await ask<ListNodesResponse__Output>(query, 'ListNodes', {});
    const router = nodes.find((n) => n.name === 'router')!;
    expect(router.connected).toBe(true);
    expect(router.clockOffsetUs).toBeLessThan(-4_900_000);
    expect(router.clockOffsetUs).toBeGreaterThan(-5_100_000);
    expect(router.interfaces.map((i) => i.name)).toEqual(['eth0']);
  });

  it('returns evidence frames, an explanation and history for one mismatch, and acknowledges it', async () => {
    const target = all.find((m) => kindOf(m) === 'LLADDR_MISMATCH')!;
    const detail = await ask<MismatchDetail__Output>(query, 'GetMismatch', { id: target.id });
    expect(detail.explanation.length).toBeGreaterThan(40);
    expect(detail.evidence.length).toBeGreaterThan(0);
    expect(detail.evidence[0].frame.length).toBeGreaterThan(14);
    expect(detail.history[0].state).toBe('MISMATCH_STATE_OPEN');
    const acked = await ask<Mismatch__Output>(query, 'AcknowledgeMismatch', { id: target.id, by: 'alice', note: 'known' });
    expect(acked.state).toBe('MISMATCH_STATE_ACKNOWLEDGED');
    const unnamed = all.find((m) => m.id !== target.id)!;
    await ask<Mismatch__Output>(query, 'AcknowledgeMismatch', { id: unnamed.id });
    const after = await ask<MismatchDetail__Output>(query, 'GetMismatch', { id: unnamed.id });
    expect(after.history.at(-1)).toMatchObject({ state: 'MISMATCH_STATE_ACKNOWLEDGED', by: 'unknown' });
  });

  it('answers NOT_FOUND for an unknown id and INVALID_ARGUMENT naming a bad filter', async () => {
    await expect(ask(query, 'GetMismatch', { id: 999_999 })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(ask(query, 'AcknowledgeMismatch', { id: 999_999 })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(ask(query, 'ListMismatches', { ip: '192.0.2.300' })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^ip: "192\.0\.2\.300" is not/),
    });
    await expect(ask(query, 'ListBindings', { mac: 'zz:zz' })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^mac: /),
    });
  });

  it('lists the bindings each observer learnt, filtered by IP', async () => {
    const { bindings } = await ask<ListBindingsResponse__Output>(query, 'ListBindings', { ip: FIELD.vmIpv4 });
    const router = bindings.filter((b) => b.observer === 'router').map((b) => `${b.source} ${b.mac}`);
    expect(router).toContain(`BINDING_SOURCE_NEIGHBOR_CACHE ${FIELD.hostMac}`);
  });

  it('filters mismatches by kind and node', async () => {
    const { mismatches } = await ask<ListMismatchesResponse__Output>(query, 'ListMismatches', {
      kinds: ['MISMATCH_KIND_SPLIT_STACK'],
      node: 'router',
      state: 'MISMATCH_STATE_ALL',
    });
    expect(mismatches.length).toBeGreaterThan(0);
    expect(mismatches.every((m) => kindOf(m) === 'SPLIT_STACK')).toBe(true);
  });
});
