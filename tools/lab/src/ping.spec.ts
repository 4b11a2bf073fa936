import { describe, expect, it } from 'vitest';

import { parseArgs } from './args';
import { formatPingResults, parsePingSummary } from './ping';

describe('parsePingSummary', () => {
  it('reads a clean IPv4 run', () => {
    const out = '--- 192.0.2.1 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 405ms\n';
    expect(parsePingSummary(out)).toEqual({ transmitted: 3, received: 3, lossPercent: 0 });
  });

  it('reads a failed IPv6 run with errors', () => {
    const out = '--- 2001:db8::1 ping statistics ---\n3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2041ms\n';
    expect(parsePingSummary(out)).toEqual({ transmitted: 3, received: 0, lossPercent: 100 });
  });

  it('reads partial loss with decimals', () => {
    expect(parsePingSummary('3 packets transmitted, 2 received, 33.3333% packet loss, time 2ms')?.lossPercent).toBeCloseTo(33.33, 2);
  });

  it('returns null when ping never got to send', () => {
    expect(parsePingSummary('ping: connect: Network is unreachable\n')).toBeNull();
  });

  it('prints one line per family', () => {
    const text = formatPingResults([
      { family: 'IPv4', from: '192.0.2.104', to: '192.0.2.1', transmitted: 3, received: 3, lossPercent: 0 },
      { family: 'IPv6', from: '2001:db8::203:ffff:fe13:7d75', to: '2001:db8::1', transmitted: 3, received: 0, lossPercent: 100 },
    ]);
    expect(text.split('\n')).toEqual([
      'IPv4 from 192.0.2.104 to 192.0.2.1: 0 % loss (3/3 replies)',
      'IPv6 from 2001:db8::203:ffff:fe13:7d75 to 2001:db8::1: 100 % loss (0/3 replies)',
    ]);
  });
});

describe('parseArgs', () => {
  it('reads a command, --wired and --prefix in any order', () => {
    expect(parseArgs(['--prefix', 'nwt9-', 'up', '--wired'])).toMatchObject({ command: 'up', prefix: 'nwt9-', wired: true });
    expect(parseArgs(['status', '--prefix=x-', '--json'])).toMatchObject({ command: 'status', prefix: 'x-', json: true });
  });

  it('rejects unknown commands and flags with a usage error', () => {
    expect(() => parseArgs(['launch'])).toThrow(/unknown command "launch"/);
    expect(() => parseArgs(['up', '--fast'])).toThrow(/unexpected argument "--fast"/);
    expect(() => parseArgs([])).toThrow(/missing command/);
    expect(() => parseArgs(['up', '--prefix'])).toThrow(/--prefix needs a value/);
  });
});
