// Unit tests: the pure parts (machine, validation, hashing, diff). Jest runs in ESM mode because
// @nestjs/* 12 are ESM-only and Node 20's Jest cannot require() them.
// A zone east of UTC and with summer time, so that code reading dates in local time fails here as it
// would on a server not set to UTC.
process.env.TZ = 'Europe/Prague';
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  testRegex: 'test/unit/.*\\.spec\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.jest.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};
