/**
 * @neighwatch/correlate: the mismatch rules, pure (no I/O). `analyze` and the collector
 * share them.
 *
 *   const vantage = new VantageCorrelator();        // one capture / one (node, interface)
 *   for (const obs of observations) aggregator.addAll(vantage.observe(obs));
 *   aggregator.addAll(vantage.flush());             // time-based kinds at end of input
 *
 *   const cross = new CrossNodeCorrelator();        // collector: every vantage point
 *   cross.setInventory(inv); cross.observe(obs); cross.observeNeighbor(entry);
 *
 * Thresholds and bounds: constants.ts. Rules, look-alikes: docs/correlation.md.
 */
export * from './constants';
export {
  LLADDR_FIELD,
  LLADDR_FIELD_LABELS,
  boundIp,
  boundMac,
  claimedIp,
  isProbe,
  isProxyAdvertisement,
  type LladdrField,
} from './binding';
export { Eui64Memo } from './eui64';
export { VantageCorrelator, VantageCorrelators, NO_FINDINGS, type VantageOptions, type BindingSummary } from './vantage';
export { CrossNodeCorrelator, type CrossNodeOptions } from './cross-node';
export { FindingAggregator, type AggregatorOptions } from './aggregate';
export { explain, kindMeaning, type Explainable } from './explain';
