/** The lab as a library, for the demo and the end-to-end tests. */
export * from './topology';
export { wifiBridgeRuleset } from './rules';
export { radvdConfig } from './radvd';
export { parsePingSummary, formatPingResults, type PingResult } from './ping';
export {
  labUp,
  labDown,
  labStatus,
  labTraffic,
  formatStatus,
  neighbors,
  namespacesWithPrefix,
  killProcessesIn,
  stateDir,
  STATE_ROOT,
  type LabOptions,
  type LabStatus,
  type NamespaceStatus,
  type NeighborEntry,
} from './lab';
export { run, runIn, CommandError, type CommandResult } from './exec';
export { LabStack, buildBinaries, agentFinalCounts, observationCount, nodeName, REPO_ROOT, type LabStackOptions, type MismatchRow } from './stack';
export { FIELD_KINDS, WIRED_KINDS } from './expectations';
export { conclusion, toMismatchView, toNodeView, type MismatchView, type NodeView } from './story';
export { captureInterfaces, generateTokens, renderAgentConfig, renderCollectorConfig, renderTokensFile } from './configs';
