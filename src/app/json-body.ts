import { HttpException } from '@nestjs/common';
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';

/** Structured-suffix JSON types (application/ld+json, application/merge-patch+json, …). */
const SUFFIXED_JSON = /^application\/[\w.+-]+\+json(?:\s*;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/** A body refused before it is read; the exception filter names `body` for these codes. */
function refused(code: 'MC_BODY_ENCODING' | 'MC_BODY_CHARSET', detail: string): HttpException {
  return new HttpException(detail, 415, { cause: { code } });
}

/** Why this body cannot be read as JSON text, or undefined when it can. */
function unreadable(request: FastifyRequest): HttpException | undefined {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
    return refused(
      'MC_BODY_ENCODING',
      'Request bodies are not accepted compressed (Content-Encoding); send it as is',
    );
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return refused('MC_BODY_CHARSET', `Request body must be UTF-8, not ${charset}`);
  return undefined;
}

/**
 * Request bodies as JSON, also under the structured-suffix types. Fastify's own parser, except that
 * an empty body is no body (as it was with Express): a client that labels every request
 * `application/json` may send a change without one. A `__proto__` key stays an ordinary key, which
 * validation refuses by name. Other types (plain text, forms), compressed bodies and charsets other
 * than UTF-8 are refused with 415.
 */
export function registerJsonParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('ignore', 'ignore');
  const parser: FastifyBodyParser<string> = (request, body, done) => {
    const refusal = unreadable(request);
    if (refusal) return done(refusal, undefined);
    if (body.trim() === '') return done(null, undefined);
    return parse(request, body, done);
  };
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
  fastify.addContentTypeParser(SUFFIXED_JSON, { parseAs: 'string' }, parser);
}
