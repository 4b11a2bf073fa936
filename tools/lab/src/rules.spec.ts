import { describe, expect, it } from 'vitest';

import { radvdConfig } from './radvd';
import { wifiBridgeRuleset } from './rules';
import { labTopology } from './topology';

const ruleset = wifiBridgeRuleset(labTopology('nwt1-'));
const rulesOf = (chain: string) => {
  const body = ruleset.slice(ruleset.indexOf(`chain ${chain}`));
  return body.slice(0, body.indexOf('}')).split('\n').map((l) => l.trim()).filter((l) => l.includes('iifname') || l.includes('oifname'));
};

describe('wifiBridgeRuleset', () => {
  it('rewrites the ARP sender before the Ethernet source, only on the uplink, leaving NDP alone', () => {
    const egress = rulesOf('wifi_egress');
    expect(egress).toHaveLength(2);
    expect(egress[0]).toMatch(/^oifname "uplink0" arp saddr ether 00:03:ff:13:7d:75 arp saddr ether set c4:17:fe:12:7d:75/);
    expect(egress[1]).toMatch(/^oifname "uplink0" ether saddr 00:03:ff:13:7d:75 ether saddr set c4:17:fe:12:7d:75/);
    expect(ruleset).not.toMatch(/icmpv6|nd-neighbor/);
  });

  it('drops unicast for foreign MACs before mapping IPv4 back to the VM', () => {
    const ingress = rulesOf('ap_ingress');
    expect(ingress[0]).toMatch(/ether daddr & 01:00:00:00:00:00 == 00:00:00:00:00:00 ether daddr != c4:17:fe:12:7d:75 .*drop/);
    expect(ingress.slice(1).every((r) => r.includes('ether daddr c4:17:fe:12:7d:75') && r.includes('ether daddr set 00:03:ff:13:7d:75'))).toBe(true);
    expect(ingress.find((r) => r.includes('arp operation reply'))).toMatch(/arp daddr ip 192\.0\.2\.104 arp daddr ether set 00:03:ff:13:7d:75/);
    expect(ingress.find((r) => r.includes(' ip daddr'))).toMatch(/ip daddr 192\.0\.2\.104/);
  });

  it('hooks prerouting before destination NAT and postrouting at source NAT', () => {
    expect(ruleset).toMatch(/hook prerouting priority dstnat - 10;/);
    expect(ruleset).toMatch(/hook postrouting priority srcnat;/);
    expect(ruleset.startsWith('table bridge neighwatch_lab {')).toBe(true);
  });
});

describe('radvdConfig', () => {
  it('advertises the documentation prefix for SLAAC on the router LAN port', () => {
    const conf = radvdConfig(labTopology());
    expect(conf).toMatch(/^interface lan0$/m);
    expect(conf).toMatch(/AdvSendAdvert on;/);
    expect(conf).toMatch(/prefix 2001:db8::\/64\s*\{\s*AdvOnLink on;\s*AdvAutonomous on;/);
  });
});
