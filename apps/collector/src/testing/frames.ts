/**
 * Observations as an agent would send them, made from real frames: encoded with
 * @neighwatch/packet, decoded and classified by the same code the agent runs.
 */
export { observationOf } from '@neighwatch/proto';
