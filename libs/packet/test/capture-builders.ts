/** Test helpers that write pcap/pcapng bytes by hand, in either byte order. */

export class Bytes {
  private parts: number[] = [];
  constructor(private readonly le: boolean) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >> 8) : this.u8(v >> 8).u8(v);
  }
  u32(v: number): this {
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function pcapFile(opts: { le: boolean; ns: boolean; linkType?: number; records: { sec: number; frac: number; data: Uint8Array; orig?: number }[] }): Uint8Array {
  const b = new Bytes(opts.le);
  b.u32(opts.ns ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(opts.linkType ?? 1);
  for (const r of opts.records) b.u32(r.sec).u32(r.frac).u32(r.data.length).u32(r.orig ?? r.data.length).bytes(r.data);
  return b.done();
}

function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const padded = Math.ceil(body.length / 4) * 4;
  const total = 12 + padded;
  const b = new Bytes(le).u32(type).u32(total).bytes(body).pad4().u32(total);
  return b.done();
}

export function shb(le: boolean): Uint8Array {
  return block(le, 0x0a0d0d0a, new Bytes(le).u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).done());
}

export function idb(le: boolean, linkType: number, opts: { tsresol?: number; tsoffset?: number; snaplen?: number } = {}): Uint8Array {
  const b = new Bytes(le).u16(linkType).u16(0).u32(opts.snaplen ?? 0);
  if (opts.tsresol !== undefined) b.u16(9).u16(1).u8(opts.tsresol).pad4();
  if (opts.tsoffset !== undefined) {
    b.u16(14).u16(8);
    if (le) b.u32(opts.tsoffset).u32(0);
    else b.u32(0).u32(opts.tsoffset);
  }
  b.u16(0).u16(0);
  return block(le, 1, b.done());
}

export function epb(le: boolean, iface: number, ts: bigint, data: Uint8Array, orig?: number): Uint8Array {
  const body = new Bytes(le)
    .u32(iface)
    .u32(Number(ts >> 32n))
    .u32(Number(ts & 0xffffffffn))
    .u32(data.length)
    .u32(orig ?? data.length)
    .bytes(data)
    .pad4()
    .done();
  return block(le, 6, body);
}

export function spb(le: boolean, data: Uint8Array): Uint8Array {
  return block(le, 3, new Bytes(le).u32(data.length).bytes(data).pad4().done());
}

export function unknownBlock(le: boolean, type: number, size: number): Uint8Array {
  return block(le, type, new Uint8Array(size));
}
