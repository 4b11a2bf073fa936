/**
 * Health as Prometheus text (format 0.0.4) on a local port: `GET /metrics`. Off unless
 * `metricsListen` is set.
 *
 * Capture drops come from libpcap's pcap_stats() per interface (the patched cap's
 * `stats()`): `pcap_dropped_total` counts frames lost because the kernel ring was full (the
 * agent fell behind), `pcap_ifdropped_total` what the interface itself dropped. Each
 * captured interface's kernel `rx_dropped` / `tx_dropped` counters from
 * /sys/class/net/<if>/statistics are exported too.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Logger } from '@neighwatch/config';
import type { PcapStats } from './capture';

export class Metrics {
  readonly capturedByInterface = new Map<string, number>();
  readonly decodeErrors = new Map<string, number>();
  ignored = 0;
  spooled = 0;
  sent = 0;
  acked = 0;
  rejected = 0;
  reconnects = 0;
  connected = false;
  /** Filled in by the agent at scrape time. */
  spoolBytes = 0;
  spoolUnacknowledged = 0;
  spoolDropped = 0;
  spoolSegments = 0;
  capturing: string[] = [];
  pcapStats: ReadonlyMap<string, PcapStats> = new Map();
  captureErrors: ReadonlyMap<string, number> = new Map();

  countFrame(iface: string): void {
    this.capturedByInterface.set(iface, (this.capturedByInterface.get(iface) ?? 0) + 1);
  }

  countDecodeError(kind: string, layer: string): void {
    const key = `${kind}\u0000${layer}`;
    this.decodeErrors.set(key, (this.decodeErrors.get(key) ?? 0) + 1);
  }

  get captured(): number {
    let n = 0;
    for (const v of this.capturedByInterface.values()) n += v;
    return n;
  }

  render(): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]) => {
      lines.push(`# HELP neighwatch_agent_${name} ${help}`, `# TYPE neighwatch_agent_${name} ${type}`);
      for (const [labels, value] of samples) {
        const text = Object.entries(labels)
          .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`)
          .join(',');
        lines.push(`neighwatch_agent_${name}${text ? `{${text}}` : ''} ${value}`);
      }
    };
    metric('frames_captured_total', 'counter', 'Frames delivered by libpcap (after the kernel filter), per interface.', [
      ...[...this.capturedByInterface].map(([iface, n]): [Record<string, string>, number] => [{ interface: iface }, n]),
    ]);
    metric('decode_errors_total', 'counter', 'Frames that did not decode cleanly, by error kind and layer.', [
      ...[...this.decodeErrors].map(([key, n]): [Record<string, string>, number] => {
        const [kind, layer] = key.split('\u0000');
        return [{ kind, layer }, n];
      }),
    ]);
    metric('frames_ignored_total', 'counter', 'Frames that decoded but are not ARP request/reply or NDP.', [[{}, this.ignored]]);
    metric('observations_spooled_total', 'counter', 'Observations written to the spool.', [[{}, this.spooled]]);
    metric('observations_sent_total', 'counter', 'Observations sent to the collector (resends included).', [[{}, this.sent]]);
    metric('observations_acked_total', 'counter', 'Observations the collector acknowledged as committed.', [[{}, this.acked]]);
    metric('observations_rejected_total', 'counter', 'Observations the collector rejected as invalid (dropped).', [[{}, this.rejected]]);
    metric('spool_dropped_total', 'counter', 'Observations dropped from a full spool, ever (persisted).', [[{}, this.spoolDropped]]);
    metric('spool_bytes', 'gauge', 'Bytes of spool segments on disk.', [[{}, this.spoolBytes]]);
    metric('spool_segments', 'gauge', 'Spool segment files on disk.', [[{}, this.spoolSegments]]);
    metric('spool_unacknowledged', 'gauge', 'Observations on disk not yet acknowledged.', [[{}, this.spoolUnacknowledged]]);
    const pcap = (key: keyof PcapStats) => [...this.pcapStats].map(([iface, s]): [Record<string, string>, number] => [{ interface: iface }, s[key]]);
    metric('pcap_received_total', 'counter', 'Frames that passed the kernel filter, per interface (libpcap pcap_stats ps_recv, dropped ones included).', pcap('received'));
    metric('pcap_dropped_total', 'counter', 'Frames lost because the capture ring was full: the agent fell behind (pcap_stats ps_drop).', pcap('dropped'));
    metric('pcap_ifdropped_total', 'counter', 'Frames the interface or its driver dropped (pcap_stats ps_ifdrop).', pcap('ifdropped'));
    metric('capture_errors_total', 'counter', 'Captures that failed and were closed because their interface went down or away.', [
      ...[...this.captureErrors].map(([iface, n]): [Record<string, string>, number] => [{ interface: iface }, n]),
    ]);
    metric('collector_connected', 'gauge', '1 while the stream to the collector is up (after its HelloReply).', [[{}, this.connected ? 1 : 0]]);
    metric('collector_reconnects_total', 'counter', 'Stream (re)connection attempts after the first.', [[{}, this.reconnects]]);
    const drops: [Record<string, string>, number][] = [];
    for (const iface of this.capturing) {
      for (const dir of ['rx', 'tx']) {
        try {
          const n = Number(readFileSync(`/sys/class/net/${iface}/statistics/${dir}_dropped`, 'utf8'));
          drops.push([{ interface: iface, direction: dir }, n]);
        } catch {
          // The interface disappeared between scans.
        }
      }
    }
    metric('interface_dropped_total', 'counter', "The kernel's per-interface dropped counters (/sys/class/net/<if>/statistics/{rx,tx}_dropped).", drops);
    return lines.join('\n') + '\n';
  }
}

/** Starts the /metrics endpoint; resolves once listening. */
export function serveMetrics(listen: string, render: () => string, log: Logger): Promise<Server> {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen)!;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(render());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /metrics\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      log.info('metrics listening', { url: `http://${listen.replace(/:\d+$/, '')}:${typeof address === 'object' && address ? address.port : port}/metrics` });
      resolve(server);
    });
  });
}
