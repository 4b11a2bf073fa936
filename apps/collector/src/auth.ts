/**
 * Who may do what. Agents present a per-node token, bound to one node name; the CLI
 * presents a read token. Tokens are compared in constant time against every known
 * token (no early exit), so response timing says nothing about how close a guess was.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface TokenSet {
  /** node name → that node's agent token */
  agents: Record<string, string>;
  readTokens: string[];
}

export type Principal = { role: 'agent'; node: string } | { role: 'reader' };

export type AuthDecision =
  | { ok: true; principal: Principal }
  | { ok: false; code: 'UNAUTHENTICATED' | 'PERMISSION_DENIED'; message: string };

/** Shortest token accepted in configuration: 128 bits of hex or base64. */
export const MIN_TOKEN_LENGTH = 16;

interface Entry {
  digest: Buffer;
  principal: Principal;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export class Authenticator {
  private readonly entries: Entry[];

  constructor(tokens: TokenSet) {
    this.entries = [
      ...Object.entries(tokens.agents).map(([node, token]) => ({ digest: digest(token), principal: { role: 'agent', node } as Principal })),
      ...tokens.readTokens.map((token) => ({ digest: digest(token), principal: { role: 'reader' } as Principal })),
    ];
  }

  /** The principal a bearer token stands for, or null. Constant time in the token. */
  identify(token: string): Principal | null {
    const presented = digest(token);
    let found: Principal | null = null;
    for (const entry of this.entries) {
      // Hashing first gives equal lengths, which timingSafeEqual requires.
      if (timingSafeEqual(presented, entry.digest) && !found) found = entry.principal;
    }
    return found;
  }

  /** Decides from the `authorization` metadata value(s) whether `role` may go on. */
  authorize(authorization: readonly unknown[], role: Principal['role']): AuthDecision {
    const token = bearerToken(authorization);
    if (token === null) {
      return { ok: false, code: 'UNAUTHENTICATED', message: 'missing token: send "authorization: Bearer <token>" metadata' };
    }
    const principal = this.identify(token);
    if (!principal) return { ok: false, code: 'UNAUTHENTICATED', message: 'unknown token' };
    if (principal.role !== role) {
      const message =
        role === 'agent' ? 'a read token cannot ingest: use the node\'s agent token' : 'an agent token cannot query: use a read token';
      return { ok: false, code: 'PERMISSION_DENIED', message };
    }
    return { ok: true, principal };
  }
}

/** An agent's token is bound to one node: its Hello must name that node. */
export function checkHelloNode(principal: Principal, helloNode: string): AuthDecision {
  if (principal.role !== 'agent') return { ok: false, code: 'PERMISSION_DENIED', message: 'not an agent token' };
  if (principal.node !== helloNode) {
    return {
      ok: false,
      code: 'PERMISSION_DENIED',
      message: `this token belongs to node "${principal.node}", not "${helloNode}"`,
    };
  }
  return { ok: true, principal };
}

function bearerToken(values: readonly unknown[]): string | null {
  if (values.length !== 1 || typeof values[0] !== 'string') return null;
  const match = /^Bearer +(\S+)\s*$/i.exec(values[0]);
  return match ? match[1] : null;
}

/**
 * Parses the tokens document (YAML or JSON, already decoded):
 * `{ agents: { <node>: <token> }, readTokens: [<token>, …] }`. Throws naming the key.
 */
export function parseTokens(doc: unknown, where: string): TokenSet {
  if (doc === null || doc === undefined) return { agents: {}, readTokens: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${where}: expected a mapping with "agents" and "readTokens"`);
  const out: TokenSet = { agents: {}, readTokens: [] };
  const seen = new Set<string>();
  const take = (key: string, token: unknown) => {
    if (typeof token !== 'string') throw new Error(`${where}: ${key}: the token must be a string`);
    if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${where}: ${key}: the token is shorter than ${MIN_TOKEN_LENGTH} characters`);
    if (/\s/.test(token)) throw new Error(`${where}: ${key}: the token contains white space`);
    if (seen.has(token)) throw new Error(`${where}: ${key}: the same token is used twice; every node and reader needs its own`);
    seen.add(token);
    return token;
  };
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key === 'agents') {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: agents: expected a mapping of node name to token`);
      for (const [node, token] of Object.entries(value as Record<string, unknown>)) {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(node)) throw new Error(`${where}: agents.${node}: not a node name`);
        out.agents[node] = take(`agents.${node}`, token);
      }
    } else if (key === 'readTokens') {
      if (value === null || value === undefined) continue;
      if (!Array.isArray(value)) throw new Error(`${where}: readTokens: expected a list of tokens`);
      value.forEach((token, i) => out.readTokens.push(take(`readTokens[${i}]`, token)));
    } else {
      throw new Error(`${where}: unknown key "${key}" (expected agents, readTokens)`);
    }
  }
  return out;
}
