/**
 * The lab on its own (no agent, collector or CLI): the field variant shows the field
 * symptom, the wired variant does not, and `down` leaves nothing behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';

import { labDown, labStatus, labTraffic, labUp, namespacesWithPrefix, neighbors, stateDir } from './lab';
import { LAB_ADDRESSES, LAB_MACS, labTopology } from './topology';

const prefix = `nwl${process.pid}-`;
const topology = labTopology(prefix);

afterAll(async () => {
  await labDown({ prefix });
  expect(await namespacesWithPrefix(prefix)).toEqual([]);
});

const lossByFamily = (results: Awaited<ReturnType<typeof labTraffic>>) =>
  Object.fromEntries(results.map((r) => [r.family, r.lossPercent]));

const lladdrOf = async (ip: string) => (await neighbors(topology.namespaces.router)).find((n) => n.dst === ip)?.lladdr;

describe('lab (field variant: Wi-Fi bridge on the host)', () => {
  it('comes up idempotently with the fixed MACs and the rules in the host namespace only', async () => {
    await labUp({ prefix, variant: 'field' });
    await labUp({ prefix, variant: 'field' });
    const status = await labStatus({ prefix });
    expect(status.up).toBe(true);
    expect(status.variant).toBe('field');
    expect(status.radvdRunning).toBe(true);
    const macs = Object.fromEntries(status.namespaces.map((ns) => [ns.role, Object.fromEntries(ns.links.map((l) => [l.name, l.mac]))]));
    expect(macs).toEqual({
      router: { lan0: LAB_MACS.router },
      host: { uplink0: LAB_MACS.host, vmport0: LAB_MACS.hostVmPort, br0: LAB_MACS.host },
      vm: { eth0: LAB_MACS.vm },
    });
    expect(status.rules).toContain('ether saddr set c4:17:fe:12:7d:75');
    const vm = status.namespaces.find((ns) => ns.role === 'vm');
    expect(vm?.links[0].addresses).toContain(`${LAB_ADDRESSES.vmIPv6}/64`);
  });

  it('IPv4 from the VM works, IPv6 does not', async () => {
    expect(lossByFamily(await labTraffic({ prefix }))).toEqual({ IPv4: 0, IPv6: 100 });
  });

  it("leaves the router with the VM's IPv4 at the host's MAC and its IPv6 at the VM's MAC", async () => {
    expect(await lladdrOf(LAB_ADDRESSES.vmIPv4)).toBe(LAB_MACS.host);
    expect(await lladdrOf(LAB_ADDRESSES.vmIPv6)).toBe(LAB_MACS.vm);
  });
});

describe('lab (wired variant: plain bridge)', () => {
  it('replaces the field lab, carries no rules, and everything works', async () => {
    await labUp({ prefix, variant: 'wired' });
    const status = await labStatus({ prefix });
    expect(status.variant).toBe('wired');
    expect(status.rules).not.toContain('neighwatch_lab');
    expect(lossByFamily(await labTraffic({ prefix }))).toEqual({ IPv4: 0, IPv6: 0 });
    expect(await lladdrOf(LAB_ADDRESSES.vmIPv4)).toBe(LAB_MACS.vm);
    expect(await lladdrOf(LAB_ADDRESSES.vmIPv6)).toBe(LAB_MACS.vm);
  });

  it('down cleans up after a crash: processes left in the namespaces, state directory gone', async () => {
    // What a killed demo leaves behind: a process inside a lab namespace, no state to go by.
    const orphan = spawn('ip', ['netns', 'exec', topology.namespaces.vm, 'sleep', '300'], { stdio: 'ignore', detached: true });
    const exited = new Promise((resolve) => orphan.once('exit', resolve));
    await rm(stateDir(prefix), { recursive: true, force: true });
    expect((await labDown({ prefix })).sort()).toEqual(Object.values(topology.namespaces).sort());
    await exited;
    expect(orphan.exitCode ?? orphan.signalCode).toBe('SIGTERM');
    expect(await namespacesWithPrefix(prefix)).toEqual([]);
    expect(existsSync(stateDir(prefix))).toBe(false);
  });

  it('down is idempotent', async () => {
    expect(await labDown({ prefix })).toEqual([]);
    expect(await namespacesWithPrefix(prefix)).toEqual([]);
  });
});
