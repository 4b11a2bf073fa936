/**
 * Thresholds of the correlation rules. Each is a named constant with the reason for its
 * value; the correlators take overrides in their options (tests, a collector's config).
 */

const SECOND_US = 1_000_000;
const MINUTE_US = 60 * SECOND_US;
const HOUR_US = 60 * MINUTE_US;

/**
 * FLIP_FLOP: an IP going back to a MAC it had within this window. 24 h, as arpwatch:
 * long enough to catch two hosts fighting over an address across a working day.
 */
export const FLIP_FLOP_WINDOW_US = 24 * HOUR_US;

/**
 * DUPLICATE_ADDRESS: two MACs claiming one IP less than this apart are "at the same time".
 * A legitimate move (new NIC, DHCP lease handed to another host) leaves the old MAC quiet
 * for longer than this, while two live claimers answer the same ARP request or NUD probe
 * within milliseconds, and keep re-claiming every few seconds while both are up.
 * Failover pairs (VRRP, bonding balance-alb) are the known look-alikes.
 */
export const DUPLICATE_WINDOW_US = 10 * SECOND_US;

/**
 * A DAD probe (NS from ::, RFC 4862 §5.4; ARP probe, RFC 5227 §2.1) is "defended" when
 * another MAC claims the probed address within this time after it. RFC 5227 probing
 * lasts PROBE_WAIT (1 s) + 3 probes 1–2 s apart + ANNOUNCE_WAIT (2 s) ≈ 9 s at most;
 * RFC 4862 DAD waits RetransTimer (1 s) per probe. 10 s covers both.
 */
export const DAD_DEFENCE_WINDOW_US = 10 * SECOND_US;

/**
 * PHANTOM_LLADDR: a claimed link-layer address is a phantom when no frame on the link comes
 * from it within this window of the claim. Linux re-confirms a neighbor in use every
 * base_reachable_time (30 s, randomized to 15–45 s) with a unicast NS or ARP request, so a
 * live host that is being talked to sends an ARP/NDP frame of its own within about a minute,
 * even in a capture filtered to ARP/NDP only.
 */
export const PHANTOM_WINDOW_US = 60 * SECOND_US;

/**
 * How often (in capture time) the single-vantage correlator evicts old state and reports
 * phantoms whose window has passed. Small next to every window above.
 */
export const SWEEP_INTERVAL_US = 5 * SECOND_US;

/**
 * Bindings (IP → MAC) are forgotten after this long without a claim: nothing older can
 * still be a flip-flop, so keeping it would only grow memory.
 */
export const BINDING_RETENTION_US = FLIP_FLOP_WINDOW_US;

/** Hard bound on tracked IPs per vantage point (≈ 200 bytes each: ≈ 50 MB at the bound). */
export const MAX_TRACKED_IPS = 262_144;

/** Hard bound on MACs remembered per IP for FLIP_FLOP (a fight between more is rare). */
export const MAX_MACS_PER_IP = 8;

/**
 * REWRITTEN_IN_TRANSIT: two sightings of one fingerprint are the same packet only when
 * their (clock-corrected) times are this close. NUD and ARP retransmit identical bytes
 * every RetransTimer (1 s, RFC 4861 §10) or 1–2 s (RFC 5227), so the window stays well
 * under half of that: a retransmission never looks nearer than the original; among
 * several candidates the nearest in time is taken.
 */
export const SKEW_WINDOW_US = 300_000;

/**
 * Sightings are kept this long (behind the newest capture time seen) for matching against
 * other vantage points whose batches arrive later. Agents ship batches every second or
 * so; a batch later than this (a reconnect after an outage) is not matched.
 * At 50k observations/s this holds ≈ 500k sightings (≈ 35 MB in the compact window).
 */
export const MATCH_HORIZON_US = 10 * SECOND_US;

/**
 * Bound on the sightings held whatever their times (a burst from a reconnecting agent, a
 * clock far ahead): beyond it the oldest arrivals are dropped first. The compact window
 * (sightings.ts) needs 54 bytes per sighting plus 8 MB of hash buckets: ≈ 65 MB at this bound.
 */
export const MAX_QUEUED_SIGHTINGS = 1_000_000;

/** Sightings kept per fingerprint (retransmissions × vantage points); older ones drop. */
export const MAX_SIGHTINGS_PER_FINGERPRINT = 16;

/**
 * BINDING_CONFLICT / SPLIT_STACK: an observer's binding (wire or neighbor cache) counts for
 * this long after it was last seen. Neighbor caches garbage-collect stale entries after
 * gc_stale_time (60 s) plus gc_interval; 10 min keeps a quiet but still cached binding.
 */
export const OBSERVER_BINDING_WINDOW_US = 10 * MINUTE_US;

/** Evidence references kept per vantage point in an aggregated row, by default. */
export const EVIDENCE_PER_VANTAGE = 5;
