import { describe, expect, it } from '@jest/globals';
import { loggerParams, prettyTransport } from '../../src/app/logging.js';
import { loggableUrl } from '../../src/common/loggable-url.js';
import { loadAppConfig } from '../../src/config/app-config.js';

describe('log format', () => {
  it('is pino-pretty, one line an entry, when stdout is a terminal', () => {
    expect(prettyTransport(true)).toMatchObject({
      transport: { target: 'pino-pretty', options: { singleLine: true } },
    });
  });

  it('is JSON lines (no transport) when stdout is a pipe or a file', () => {
    expect(prettyTransport(false)).toEqual({});
  });

  it('keeps the level and redaction whichever format is chosen, and mounts no request middleware of its own', () => {
    const all = loggerParams(loadAppConfig({ LOG_LEVEL: 'warn' }));
    const params = all.pinoHttp as Record<string, unknown>;
    expect(params.level).toBe('warn');
    expect(params.redact).toEqual(
      expect.objectContaining({ paths: ['req.headers.authorization', 'req.headers.cookie'] }),
    );
    // Request ids and request logs come from requestLogMiddleware (request-log.spec.ts).
    expect(all.forRoutes).toEqual([]);
  });
});

describe('logged request URLs', () => {
  it('keep the path and the query parameters that name things', () => {
    expect(loggableUrl('/api/proposals?state=draft&limit=20')).toBe('/api/proposals?state=draft&limit=20');
    expect(loggableUrl('/api/proposals')).toBe('/api/proposals');
  });

  it('hide free-text searches, whatever they hold', () => {
    expect(loggableUrl('/api/users?q=Nov%C3%A1k&limit=abc')).toBe('/api/users?q=[redacted]&limit=abc');
    expect(loggableUrl('/api/catalogue?q=data+ethics')).toBe('/api/catalogue?q=[redacted]');
  });

  it('hide any value or path segment holding an e-mail address, plain or percent-encoded', () => {
    expect(loggableUrl('/api/users?institutionId=cuni&email=jan.novak@cuni.cz')).toBe(
      '/api/users?institutionId=cuni&email=[redacted]',
    );
    expect(loggableUrl('/api/users/jan.novak%40cuni.cz')).toBe('/api/users/[redacted]');
    expect(loggableUrl('/api/x?a%40b=1')).toBe('/api/x?[redacted]=[redacted]');
  });

  it('never throw on malformed URLs', () => {
    expect(loggableUrl('/api/x?%E0%A4%A=1&&=')).toMatch(/^\/api\/x\?/);
    expect(loggableUrl('')).toBe('');
  });
});
