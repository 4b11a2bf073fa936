/**
 * radvd configuration for the lab router: Router Advertisements with one on-link,
 * autonomous prefix (SLAAC, RFC 4862), fast enough for a demo.
 */
import { LAB_ADDRESSES, type LabTopology } from './topology';

/** radvd's lower bounds (radvd.conf(5)): MaxRtrAdvInterval ≥ 4 s, MinRtrAdvInterval ≥ 3 s. */
const MIN_RA_INTERVAL_S = 3;
const MAX_RA_INTERVAL_S = 4;

export function radvdConfig(topology: LabTopology, prefix: string = LAB_ADDRESSES.ipv6Prefix): string {
  return `# neighwatch lab router (${topology.namespaces.router}): SLAAC on ${prefix}
interface ${topology.interfaces.routerLan.name}
{
  AdvSendAdvert on;
  MinRtrAdvInterval ${MIN_RA_INTERVAL_S};
  MaxRtrAdvInterval ${MAX_RA_INTERVAL_S};
  AdvSourceLLAddress on;
  prefix ${prefix}
  {
    AdvOnLink on;
    AdvAutonomous on;
  };
};
`;
}
