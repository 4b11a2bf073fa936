import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fastIsIPv6 } from './fast-ipv6';

describe('fastIsIPv6', () => {
  it('answers exactly as net.isIPv6', () => {
    const fast = fastIsIPv6(isIPv6);
    const inputs = [
      '127.0.0.1', '192.0.2.7', 'localhost', 'collector.example', '', '::', '::1', '2001:db8::1', 'fe80::1%eth0',
      '::ffff:192.0.2.1', '2001:db8:0:0:0:0:0:1', '1:2:3:4:5:6:7:8:9', 'gggg::1', '[::1]', ':', '2001:db8::1:50051', '50051',
    ];
    for (const input of inputs) expect(fast(input), input).toBe(isIPv6(input));
  });

  it('does not consult the regular expression for text without a colon', () => {
    let calls = 0;
    const fast = fastIsIPv6((input) => {
      calls++;
      return isIPv6(input);
    });
    expect(fast('127.0.0.1')).toBe(false);
    expect(calls).toBe(0);
    expect(fast('2001:db8::1')).toBe(true);
    expect(calls).toBe(1);
  });
});
