// Lint keeps files and functions small and promises handled (see ../shared/conventions.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Plain-JS helpers (the test hosts' echo server, test fixtures) run outside the TypeScript project.
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'jest.config.js', 'eslint.config.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      complexity: ['error', 14],
      'max-depth': ['error', 3],
      'max-params': ['error', 5],
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  // Layering (docs/architecture.md): only the composition root (composition/) and the CLI build adapters and hand
  // them to controllers; the core never reaches outwards.
  {
    files: [
      'controllers/**/*.ts',
      'runtime/**/*.ts',
      'renderers/**/*.ts',
      'policy/**/*.ts',
      'crds-equivalent/**/*.ts',
      'schemas/**/*.ts',
    ],
    ignores: ['**/*.test.ts', '**/arbitraries.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(adapters|composition|cli)/',
              message:
                'Side effects arrive through ports built in composition/: import the port type, not the adapter.',
            },
            {
              regex: '^(\\.\\./)+(testing|e2e|integration|bench)/',
              message: 'Test support is not product code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['runtime/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(adapters|composition|cli)/', message: 'The runtime reaches side effects through ports.' },
            { regex: '(^|/)controllers/', message: 'The runtime knows controllers only by the Controller contract.' },
            { regex: '^(\\.\\./)+(testing|e2e|integration|bench)/', message: 'Test support is not product code.' },
          ],
        },
      ],
    },
  },
  {
    // A controller is independent: what two share lives in renderers/, policy/, runtime/ or a controllers/*-common/ library.
    files: ['controllers/*/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(adapters|composition|cli)/', message: 'Side effects arrive through ports.' },
            { regex: '^\\.\\./(?![a-z-]+-common/)[^./][^/]*/', message: 'Controllers never import each other.' },
            { regex: '^(\\.\\./)+(testing|e2e|integration|bench)/', message: 'Test support is not product code.' },
          ],
        },
      ],
    },
  },
  {
    // The AI gateway is its own process (csgw ai-gateway): it shares no code with the operator but the OpenAI-free
    // runtime helpers, and translations between wire formats are pure.
    files: ['ai-gateway/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(adapters|composition|cli|controllers)/', message: 'The data plane is not the operator.' },
            { regex: '^(\\.\\./)+(testing|e2e|integration|bench)/', message: 'Test support is not product code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['ai-gateway/**/translate*.ts', 'ai-gateway/**/canonical*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https'], patterns: ['@aws-sdk/*'] },
      ],
    },
  },
  {
    // Planners, renderers and decoders are pure: no I/O module may even be imported.
    files: [
      'renderers/**/*.ts',
      'policy/**/*.ts',
      'controllers/**/plan.ts',
      'controllers/**/decode.ts',
      'controllers/**/spec.ts',
    ],
    ignores: ['**/*.test.ts', '**/arbitraries.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['execa', 'node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:http', 'node:https'],
          patterns: [
            { regex: '^@aws-sdk/', message: 'Pure code makes no AWS calls.' },
            { regex: '(^|/)(adapters|composition|cli)/', message: 'Side effects arrive through ports.' },
            { regex: '^\\.\\./(?![a-z-]+-common/)[^./][^/]*/', message: 'Controllers never import each other.' },
          ],
        },
      ],
    },
  },
  {
    // Tests are tables of cases; long describe blocks are their natural shape.
    files: ['**/*.test.ts', 'e2e/**', 'integration/**', 'bench/**', 'testing/**'],
    rules: {
      'max-lines-per-function': 'off',
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // An xstate machine is declared as one configuration object: its size is its chart, not a long function.
    files: ['runtime/reconcile-machine.ts'],
    rules: {
      'max-lines-per-function': 'off',
      'max-lines': ['error', { max: 350, skipBlankLines: true, skipComments: true }],
    },
  },
);
