import { describe, expect, it } from '@jest/globals';
import { isApiDocsUrl, isApiUrl } from '../../src/app/no-store.middleware.js';

describe('isApiUrl', () => {
  it('takes the API root, its paths and its query strings, in any letter case', () => {
    for (const url of ['/api', '/api/', '/api/me', '/API/me/notifications', '/Api?x=1', '/api/catalogue?q=a'])
      expect(isApiUrl(url)).toBe(true);
  });

  it('leaves the web application, health, well-known documents and look-alike paths alone', () => {
    for (const url of [
      '',
      '/',
      '/apis',
      '/api-docs',
      '/apiary/x',
      '/health',
      '/.well-known/did.json',
      '/catalogue',
    ])
      expect(isApiUrl(url)).toBe(false);
  });
});

describe('isApiDocsUrl', () => {
  it('takes Swagger UI and the OpenAPI document, and no other API path', () => {
    for (const url of [
      '/api/docs',
      '/api/docs/',
      '/API/docs/swagger-ui.css',
      '/api/docs-json',
      '/api/docs-yaml',
    ])
      expect(isApiDocsUrl(url)).toBe(true);
    for (const url of ['/api', '/api/doc', '/api/me', '/api/proposals?docs=1'])
      expect(isApiDocsUrl(url)).toBe(false);
  });
});
