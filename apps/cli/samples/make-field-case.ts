/**
 * Writes apps/cli/samples/field-case.pcap: the four frames of the field case's report
 * (shared fixture seed-capture.json: a VM bridged over a host's Wi-Fi adapter, captured on
 * the host), with fixed timestamps so the file is byte-for-byte reproducible.
 *
 *   npx tsx apps/cli/samples/make-field-case.ts [-o FILE]
 *
 * Frame 3 is the Neighbor Solicitation whose Ethernet source is the host's MAC while its
 * source link-layer option and EUI-64 source address still name the VM.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodePcap } from '@neighwatch/packet';

/** The report's frames, in capture order (hex as published). */
export const FIELD_CASE_FRAMES: readonly { name: string; hex: string; timeUs: number }[] = [
  {
    name: 'ipv4-echo-request-from-vm',
    hex: '586d8f78ad40c417fe127d7508004500003c4cf400008001f3eec0a80a684a7de4500800fe5a02004d016162636465666768696a6b6c6d6e6f7071727374757677616263646566676869',
    timeUs: Date.UTC(2012, 2, 14, 20, 15, 1) * 1000 + 103_215,
  },
  {
    name: 'ipv4-echo-reply-to-vm',
    hex: 'c417fe127d75586d8f78ad4008004520003cf2ec0000340199d64a7de450c0a80a680000065b02004d016162636465666768696a6b6c6d6e6f7071727374757677616263646566676869',
    timeUs: Date.UTC(2012, 2, 14, 20, 15, 1) * 1000 + 131_870,
  },
  {
    name: 'ndp-ns-vm-to-router-rewritten',
    hex: '586d8f78ad40c417fe127d7586dd6000000000203afffe800000000000000203fffffe137d75fe800000000000005a6d8ffffe78ad40870055bb00000000fe800000000000005a6d8ffffe78ad4001010003ff137d75',
    timeUs: Date.UTC(2012, 2, 14, 20, 15, 2) * 1000 + 480_112,
  },
  {
    name: 'ipv6-echo-request-from-vm',
    hex: '586d8f78ad40c417fe127d7586dd6000000000283a8020010db8019201680203fffffe137d752607f8b0400c0c03000000000000006880009157000001f26162636465666768696a6b6c6d6e6f7071727374757677616263646566676869',
    timeUs: Date.UTC(2012, 2, 14, 20, 15, 2) * 1000 + 481_955,
  },
];

/** The whole pcap file (microsecond timestamps, Ethernet, little-endian as libpcap on x86). */
export function fieldCaseCapture(): Uint8Array {
  return encodePcap(FIELD_CASE_FRAMES.map((f) => ({ data: Uint8Array.from(Buffer.from(f.hex, 'hex')), timestampUs: f.timeUs })));
}

export const FIELD_CASE_PATH = fileURLToPath(new URL('./field-case.pcap', import.meta.url));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const flag = process.argv.indexOf('-o');
  const path = flag >= 0 && process.argv[flag + 1] !== undefined ? process.argv[flag + 1] : FIELD_CASE_PATH;
  writeFileSync(path, fieldCaseCapture());
  process.stdout.write(`wrote ${path} (${FIELD_CASE_FRAMES.length} frames)\n`);
}
