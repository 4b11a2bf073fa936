/**
 * The capture helper: a child process that owns every libpcap handle.
 *
 * Why a separate process: cap 0.2.1 asserts (`binding.cc:190: status == 0`, abort())
 * when libuv reports an error on the pcap socket, which the kernel raises as soon as a
 * captured interface goes down or is deleted (a VM's tap when the VM stops). In-process,
 * that would abort the agent and lose its unflushed work; in a child, the agent notices
 * the exit, re-reads the interfaces and starts a new helper on those still there.
 *
 * The helper is one self-contained function (no imports, no outer references) that the
 * agent runs with `node -e "(<its source>)(…)"`, so the single bundled main.js carries it
 * and the helper does not load gRPC or protobuf.
 *
 * Protocol. Agent → helper, stdin, one JSON object per line:
 *   {"set":[{"name":"eth0","filter":"…","bufferSize":2097152}, …]}   the interfaces to capture
 * Helper → agent, stdout, length-prefixed messages: u32 LE length of the rest, u8 kind, then
 *   kind 1 (frame):  u16 LE interface id, u32 LE wire length, f64 LE capture time (µs since
 *                    the epoch), then the captured bytes
 *   kind 2 (status): UTF-8 JSON: {"opened":name,"id":n,"linkType":"ETHERNET"} |
 *                    {"failed":name,"error":"…"} | {"closed":name} | {"overflow":n}
 * A frame's bytes are copied into the output buffer inside the packet callback, before
 * anything asynchronous happens: cap reuses its one buffer for every packet.
 */

export const HELPER_FRAME = 1;
export const HELPER_STATUS = 2;
/** Frame message header after the length: kind, interface id, wire length, time. */
export const HELPER_FRAME_HEADER = 1 + 2 + 4 + 8;

export interface HelperInterface {
  name: string;
  filter: string;
  bufferSize: number;
}

export type HelperStatus =
  | { opened: string; id: number; linkType: string }
  | { failed: string; error: string }
  | { closed: string }
  | { overflow: number };

/**
 * Runs the helper. `capPath` is the resolved path of the `cap` module; `maxQueued` bounds
 * the bytes waiting for the agent to read (beyond it frames are dropped and counted);
 * frames are handed over at most `coalesceMs` after capture.
 */
export function captureHelperMain(nodeRequire: (id: string) => unknown, capPath: string, maxQueued: number, coalesceMs: number): void {
  // `ps` shows this instead of the whole source passed with -e.
  process.title = 'neighwatch-agent: capture helper';
  const cap = nodeRequire(capPath) as {
    Cap: new () => {
      open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
      close(): void;
      on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
    };
  };
  const stdout = process.stdout;
  const CHUNK = 256 * 1024;
  let out = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  const queued: Buffer[] = [];
  let queuedBytes = 0;
  let writing = false;
  let overflow = 0;
  let scheduled = false;
  let nextId = 1;
  const open = new Map<string, { id: number; close(): void }>();

  function pump(): void {
    scheduled = false;
    if (used > 0) {
      queued.push(out.subarray(0, used));
      queuedBytes += used;
      out = Buffer.allocUnsafe(CHUNK);
      used = 0;
    }
    while (!writing && queued.length > 0) {
      const chunk = queued.shift()!;
      queuedBytes -= chunk.length;
      if (!stdout.write(chunk)) {
        writing = true;
        stdout.once('drain', () => {
          writing = false;
          pump();
        });
      }
    }
    if (overflow > 0) {
      const n = overflow;
      overflow = 0;
      status({ overflow: n });
    }
  }

  function reserve(bytes: number): boolean {
    if (queuedBytes + used + bytes > maxQueued) return false;
    if (used + bytes > out.length) {
      queued.push(out.subarray(0, used));
      queuedBytes += used;
      out = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
      used = 0;
    }
    // Coalesce: one pipe write per `coalesceMs` instead of one per packet (each packet is
    // its own event-loop turn in immediate mode), which halves the CPU of both processes.
    if (!scheduled) {
      scheduled = true;
      setTimeout(pump, coalesceMs);
    }
    return true;
  }

  function status(value: unknown): void {
    const json = Buffer.from(JSON.stringify(value));
    if (!reserve(5 + json.length)) return;
    out.writeUInt32LE(1 + json.length, used);
    out[used + 4] = 2;
    json.copy(out, used + 5);
    used += 5 + json.length;
  }

  function openOne(spec: { name: string; filter: string; bufferSize: number }): void {
    const handle = new cap.Cap();
    const buffer = Buffer.alloc(65535);
    const id = nextId++;
    let linkType: string;
    try {
      linkType = handle.open(spec.name, spec.filter, spec.bufferSize, buffer);
    } catch (error) {
      status({ failed: spec.name, error: (error as Error).message });
      return;
    }
    handle.on('packet', (nbytes: number) => {
      const time = (performance.timeOrigin + performance.now()) * 1000;
      const size = 4 + 15 + nbytes;
      if (!reserve(size)) {
        overflow++;
        return;
      }
      out.writeUInt32LE(size - 4, used);
      out[used + 4] = 1;
      out.writeUInt16LE(id, used + 5);
      out.writeUInt32LE(nbytes, used + 7);
      out.writeDoubleLE(Math.round(time), used + 11);
      buffer.copy(out, used + 19, 0, nbytes);
      used += size;
    });
    open.set(spec.name, { id, close: () => handle.close() });
    status({ opened: spec.name, id, linkType });
  }

  function apply(wanted: { name: string; filter: string; bufferSize: number }[]): void {
    const names = new Set(wanted.map((w) => w.name));
    for (const [name, entry] of open) {
      if (!names.has(name)) {
        entry.close();
        open.delete(name);
        status({ closed: name });
      }
    }
    for (const spec of wanted) if (!open.has(spec.name)) openOne(spec);
  }

  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text: string) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() === '') continue;
      const command = JSON.parse(line) as { set?: { name: string; filter: string; bufferSize: number }[] };
      if (command.set) apply(command.set);
    }
  });
  // The agent is gone (or closed our stdin to stop us): release the handles and leave.
  process.stdin.on('end', () => {
    for (const entry of open.values()) entry.close();
    process.exit(0);
  });
  process.on('SIGTERM', () => {
    for (const entry of open.values()) entry.close();
    process.exit(0);
  });
}
