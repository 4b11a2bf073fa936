/** The agent's version, reported in Hello. Kept equal to the workspace's package.json by version.spec.ts. */
export const AGENT_VERSION = '0.1.0';
