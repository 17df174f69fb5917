import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { createHttpAdapter } from '../../src/app/http-adapter.js';

/** The server as main.ts configures it, answering what it made of the request. */
function serverWith(trustProxy: boolean | number): FastifyInstance {
  const fastify = createHttpAdapter({ TRUST_PROXY: trustProxy }).getInstance() as FastifyInstance;
  fastify.get('/whoami/:id', (request) => ({
    ip: request.ip,
    protocol: request.protocol,
    id: (request.params as { id: string }).id,
  }));
  return fastify;
}

const FORWARDED = {
  'x-forwarded-for': '198.51.100.1, 203.0.113.9',
  'x-forwarded-proto': 'https',
};

describe('the HTTP server', () => {
  let server: FastifyInstance | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const ask = async (trustProxy: boolean | number, path = '/whoami/x') => {
    server = serverWith(trustProxy);
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}${path}`, { headers: FORWARDED });
    return (await res.json()) as { ip: string; protocol: string; id: string };
  };

  it('ignores X-Forwarded-For unless TRUST_PROXY says a proxy is in front', async () => {
    expect(await ask(false)).toMatchObject({ ip: '127.0.0.1', protocol: 'http' });
  });

  it('takes the client one hop back behind one proxy, not an address the client wrote itself', async () => {
    expect(await ask(1)).toMatchObject({ ip: '203.0.113.9', protocol: 'https' });
  });

  it('counts hops as Express did: two proxies reach the second address from the right', async () => {
    expect((await ask(2)).ip).toBe('198.51.100.1');
  });

  it('trusts every hop with TRUST_PROXY=true', async () => {
    expect((await ask(true)).ip).toBe('198.51.100.1');
  });

  it('matches paths in any letter case and with a trailing slash, and passes long parameters on', async () => {
    const long = 'a'.repeat(500);
    expect((await ask(false, `/WHOAMI/${long}/`)).id).toBe(long);
  });
});
