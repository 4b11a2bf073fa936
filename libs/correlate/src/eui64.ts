/**
 * Modified EUI-64 interface identifiers (RFC 4291 §2.5.1, Appendix A), memoized for the
 * hot path: observations carry IPv6 addresses as RFC 5952 text, and the same few addresses
 * repeat on a link. The MAC 00:03:ff:13:7d:75 gives the interface ID 0203:ffff:fe13:7d75.
 */
import { eui64MacFromIPv6 } from '@neighwatch/packet';

/** Bound on the memo: addresses on one link are few; the bound only stops growth. */
const MEMO_LIMIT = 65_536;

export class Eui64Memo {
  private readonly memo = new Map<string, string | null>();

  /** The MAC `ip`'s interface ID was made from, or null when it is not modified EUI-64. */
  macOf(ip: string): string | null {
    // RFC 5952 text of an EUI-64 ID always contains "ff:fe" (…xxff:fexx…): random and
    // stable-privacy IDs are rejected here without parsing or memoizing.
    if (ip.indexOf('ff:fe') < 0) return null;
    const known = this.memo.get(ip);
    if (known !== undefined) return known;
    const mac = eui64MacFromIPv6(ip);
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(ip, mac);
    return mac;
  }
}
