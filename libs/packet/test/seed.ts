/** Loads the field case's frames (fixtures/seed-capture.json) and tcpdump's text of them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixturePath = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface SeedFile {
  about: string;
  frames: { name: string; description: string; hex: string }[];
}

export const seed: SeedFile = JSON.parse(readFileSync(fixturePath('seed-capture.json'), 'utf8'));

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

/** Seed frames by name. */
export function seedFrame(name: string): Uint8Array {
  const f = seed.frames.find((x) => x.name === name);
  if (!f) throw new Error(`no seed frame ${name}`);
  return hex(f.hex);
}

export const SEED = {
  ipv4Request: seedFrame('ipv4-echo-request-from-vm'),
  ipv4Reply: seedFrame('ipv4-echo-reply-to-vm'),
  ns: seedFrame('ndp-ns-vm-to-router-rewritten'),
  echo6: seedFrame('ipv6-echo-request-from-vm'),
};

/** tcpdump -nn -tt -v -e -XX output, one block of lines per frame, in fixture order. */
export function tcpdumpBlocks(file = 'seed-capture.tcpdump.txt'): string[][] {
  const lines = readFileSync(fixturePath(file), 'utf8').split('\n');
  const blocks: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('#') || line === '') continue;
    if (/^\d/.test(line)) blocks.push([line]);
    else blocks[blocks.length - 1].push(line);
  }
  return blocks;
}
