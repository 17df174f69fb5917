import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { AppConfig } from '../../src/config/app-config.js';
import { linksOutside } from '../support/markdown-links.js';

const ROOT = process.cwd();
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('the repository stands on its own', () => {
  const files = [
    'README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];

  it('has the API contract and the OpenAPI document in docs/', () => {
    expect(files).toContain('docs/contract.md');
    expect(JSON.parse(read('docs/openapi.json')).openapi).toMatch(/^3\./);
  });

  it.each(files)('%s links only to files inside the repository and to localhost', (file) => {
    expect(linksOutside(read(file), file, ROOT)).toEqual([]);
  });

  it('notices each way a page can point outside the repository', () => {
    const page = [
      'See [the design](../shared/DESIGN.md), [a spec](https://www.rfc-editor.org/rfc/rfc8785),',
      '<https://example.org/x>, https://example.com/bare, [ref]: http://other.example/ and',
      '[gone](docs/missing.md) or [up](../../etc/passwd) or [mail](mailto:someone@example.org).',
      'Fine: [readme](README.md#tests), [contract](docs/contract.md), <http://localhost:3000/api/docs>,',
      '`https://in-code.example`, and',
      '```sh',
      'curl https://fenced.example/',
      '```',
    ].join('\n');
    const problems = linksOutside(page, 'README.md', ROOT).join('\n');
    for (const bad of [
      '../shared/DESIGN.md',
      'rfc-editor.org',
      'https://example.org/x',
      'https://example.com/bare',
      'http://other.example/',
      'docs/missing.md does not exist',
      '../../etc/passwd points outside',
      'mailto:someone@example.org',
    ])
      expect(problems).toContain(bad);
    for (const fine of ['README.md#tests', 'docs/contract.md', 'localhost', 'in-code', 'fenced'])
      expect(problems).not.toContain(fine);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { ports?: string[]; environment?: Record<string, string> }>;
  };

  it('publishes every port on the loopback interface only', () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('runs development settings, with no secret or admin password written into it', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      const env = s.environment ?? {};
      expect([name, env.NODE_ENV ?? 'development']).toEqual([name, 'development']);
      expect([name, env.JWT_SECRET, env.ADMIN_PASSWORD, env.SIGNING_KEY]).toEqual([
        name,
        undefined,
        undefined,
        undefined,
      ]);
    }
  });

  it('lists every configuration variable in .env.example and in the README', () => {
    const example = read('.env.example');
    const readme = read('README.md');
    const names = [
      ...Object.keys(new AppConfig()),
      'JWT_SECRET',
      'ADMIN_PASSWORD',
      'SMTP_URL',
      'SIGNING_KEY',
      'PUBLIC_URL',
      'OIDC_ISSUER',
      'OIDC_CLIENT_ID',
      'OIDC_CLIENT_SECRET',
    ];
    for (const name of names) {
      expect([name, new RegExp(`^#? ?${name}=`, 'm').test(example)]).toEqual([name, true]);
      expect([name, readme.includes(`\`${name}\``)]).toEqual([name, true]);
    }
  });
});
