/**
 * Node's `net.isIPv6` matches a large regular expression that V8 compiles on first use
 * (~6 ms of CPU, twice: once to bytecode, once to machine code), and grpc-js asks it about
 * every collector address, IPv4 ones included. Text without a colon is never an IPv6
 * address, so that answer is given without the regular expression; anything else still
 * goes to Node's own check. The CLI installs this once at start-up.
 */
import net from 'node:net';

/** `isIPv6` with the colon-less fast path. */
export function fastIsIPv6(original: (input: string) => boolean): (input: string) => boolean {
  return (input: string) => (typeof input === 'string' && !input.includes(':') ? false : original(input));
}

let installed = false;

/** Replaces `require('node:net').isIPv6` (what grpc-js calls) with the fast path. */
export function installFastIsIPv6(): void {
  if (installed) return;
  installed = true;
  const target = net as unknown as { isIPv6: (input: string) => boolean };
  target.isIPv6 = fastIsIPv6(target.isIPv6);
}
