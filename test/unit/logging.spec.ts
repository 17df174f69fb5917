import { describe, expect, it } from '@jest/globals';
import { loggerParams, prettyTransport } from '../../src/app/logging.js';
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

  it('keeps the level, request ids and redaction whichever format is chosen', () => {
    const params = loggerParams(loadAppConfig({ LOG_LEVEL: 'warn' })).pinoHttp as Record<string, unknown>;
    expect(params.level).toBe('warn');
    expect(params.redact).toEqual(
      expect.objectContaining({ paths: ['req.headers.authorization', 'req.headers.cookie'] }),
    );
    expect(typeof params.genReqId).toBe('function');
  });
});
