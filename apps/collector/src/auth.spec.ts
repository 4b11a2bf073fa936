import { describe, expect, it } from 'vitest';
import { Authenticator, checkHelloNode, parseTokens } from './auth';

const tokens = parseTokens(
  { agents: { vm: 'vm-token-0123456789', host: 'host-token-0123456789' }, readTokens: ['read-token-0123456789'] },
  'tokens.yaml',
);
const auth = new Authenticator(tokens);

describe('Authenticator', () => {
  it('lets an agent token ingest as its node', () => {
    expect(auth.authorize(['Bearer vm-token-0123456789'], 'agent')).toEqual({ ok: true, principal: { role: 'agent', node: 'vm' } });
  });

  it('answers UNAUTHENTICATED for a missing, malformed or unknown token', () => {
    expect(auth.authorize([], 'agent')).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect(auth.authorize(['vm-token-0123456789'], 'agent')).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect(auth.authorize(['Bearer vm-token-012345678X'], 'agent')).toMatchObject({ ok: false, code: 'UNAUTHENTICATED', message: 'unknown token' });
    expect(auth.authorize(['Bearer a', 'Bearer b'], 'agent')).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
  });

  it('keeps the roles apart: agent tokens cannot query, read tokens cannot ingest', () => {
    expect(auth.authorize(['Bearer vm-token-0123456789'], 'reader')).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    expect(auth.authorize(['Bearer read-token-0123456789'], 'agent')).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    expect(auth.authorize(['Bearer read-token-0123456789'], 'reader')).toEqual({ ok: true, principal: { role: 'reader' } });
  });

  it("denies a Hello naming another node than the token's", () => {
    const decision = auth.authorize(['Bearer vm-token-0123456789'], 'agent');
    if (!decision.ok) throw new Error('expected ok');
    expect(checkHelloNode(decision.principal, 'vm').ok).toBe(true);
    expect(checkHelloNode(decision.principal, 'host')).toMatchObject({ ok: false, code: 'PERMISSION_DENIED', message: expect.stringContaining('"vm", not "host"') });
  });
});

describe('parseTokens', () => {
  it('names the offending key', () => {
    expect(() => parseTokens({ agents: { vm: 'short' } }, 't.yaml')).toThrow('t.yaml: agents.vm: the token is shorter than 16 characters');
    expect(() => parseTokens({ agent: {} }, 't.yaml')).toThrow('t.yaml: unknown key "agent"');
    expect(() => parseTokens({ readTokens: 'x' }, 't.yaml')).toThrow('t.yaml: readTokens: expected a list');
    expect(() => parseTokens({ agents: { a: 'same-token-0123456789', b: 'same-token-0123456789' } }, 't.yaml')).toThrow(/used twice/);
  });
});
