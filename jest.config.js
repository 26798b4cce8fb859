// Jest runs the TypeScript ESM sources through @swc/jest (see docs/adr/0001-esm-typescript-and-jest.md).
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022', experimental: { keepImportAttributes: true } },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{adapters,ai-gateway,cli,composition,controllers,crds-equivalent,embedded-ssm,policy,renderers,runtime,schemas,bench,lab,testing}/**/*.test.ts',
      ],
    },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/e2e/**/*.test.ts'] },
  ],
};
