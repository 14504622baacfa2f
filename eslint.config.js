// One lint setup for the whole repository. Type-aware rules catch the promise
// mistakes that lose messages in a chat app (an unawaited store write, an async
// handler passed where a sync callback is expected).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

// An import source naming the API's test support (esquery regex: no '/' inside).
const TEST_SUPPORT = String.raw`/^@chat.api.testing|(^|[.]{2}.)(api.)?test.(helpers|api-process|fixtures|index|cluster|clients)/`;

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/out/**',
      '**/release/**',
      '.tsbuild/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', '*.ts', 'scripts/*.mjs'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': [
        'error',
        { allowConstantLoopConditions: true },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The desktop client core and the bridge contract run in Electron's main process, in
    // Node and in a browser page: nothing environment-specific may leak in. Files are named
    // by where they run: an adapter beside a core port (`core/storage/outbox.main.ts`,
    // `outbox.web.ts`) follows the rules of its environment below, and the core may not
    // import it.
    files: ['desktop/src/core/**', 'desktop/src/shared/**'],
    ignores: [
      'desktop/src/core/**/*.test.ts',
      'desktop/src/shared/**/*.test.ts',
      'desktop/src/core/testing/**',
      'desktop/src/**/*.main.ts',
      'desktop/src/**/*.web.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'electron/*', 'node:*'],
              message: 'The client core is environment-neutral.',
            },
            {
              group: ['**/main', '**/main/**', '**/renderer', '**/renderer/**'],
              message: 'The client core may not import shell or UI code.',
            },
            {
              group: ['**/preload', '**/preload/**', '**/web', '**/web/**'],
              message: 'The client core may not import bridge implementations.',
            },
            {
              group: ['**/*.main', '**/*.web', '**/*.preload'],
              message:
                'The client core may not import an environment adapter; the shell injects it.',
            },
          ],
          paths: builtinModules.map((name) => ({
            name,
            message: 'Node built-ins are not available in the browser.',
          })),
        },
      ],
    },
  },
  {
    // The renderer is an untrusted web page: it reaches the app only through window.chat
    // (the types in desktop/src/shared/bridge.ts), never main-process, preload or core code.
    files: ['desktop/src/renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'electron/*', 'node:*'],
              message: 'The renderer runs sandboxed; use window.chat.',
            },
            {
              group: [
                '**/main',
                '**/main/**',
                '**/preload',
                '**/preload/**',
                '**/core',
                '**/core/**',
                '**/*.main',
                '**/*.preload',
              ],
              message: 'The renderer talks only to window.chat (types: shared/bridge).',
            },
          ],
        },
      ],
    },
  },
  {
    // The Electron main process and the preload never import UI code; the preload (a
    // sandboxed script) imports neither main-process code nor the core. `*.main.ts` adapters
    // beside a core port run in the main process too.
    files: ['desktop/src/main/**', 'desktop/src/**/*.main.ts', 'desktop/src/**/*.main.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/renderer',
                '**/renderer/**',
                '**/preload',
                '**/preload/**',
                '**/web',
                '**/web/**',
                '**/*.web',
                '**/*.preload',
              ],
              message: 'The main process may not import renderer, preload or web-bridge code.',
            },
          ],
        },
      ],
    },
  },
  {
    // The web bridge and `*.web.ts` adapters run in a browser page: no Electron, no Node,
    // no main-process or preload code (their tests run in Node and are exempt).
    files: ['desktop/src/web/**', 'desktop/src/**/*.web.ts'],
    ignores: ['desktop/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'electron/*', 'node:*'],
              message: 'The web client runs in a browser page.',
            },
            {
              group: [
                '**/main',
                '**/main/**',
                '**/*.main',
                '**/preload',
                '**/preload/**',
                '**/*.preload',
                '**/renderer',
                '**/renderer/**',
              ],
              message: 'The web bridge may not import main-process, preload or UI code.',
            },
          ],
          paths: builtinModules.map((name) => ({
            name,
            message: 'Node built-ins are not available in the browser.',
          })),
        },
      ],
    },
  },
  {
    files: ['desktop/src/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/renderer',
                '**/renderer/**',
                '**/main',
                '**/main/**',
                '**/core',
                '**/core/**',
                '**/web',
                '**/web/**',
              ],
              message: 'The preload only forwards window.chat calls over IPC (shared/bridge).',
            },
            { group: ['node:*'], message: 'The preload runs sandboxed: no Node.' },
          ],
        },
      ],
    },
  },
  {
    // What ships (the API image runs api/src; the desktop bundles are built from
    // desktop/src) never loads test support: the testing entry of @chat/api, or api/test.
    files: ['api/src/**', 'desktop/src/**', 'protocol/src/**'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          'ImportDeclaration',
          'ImportExpression',
          'ExportAllDeclaration',
          'ExportNamedDeclaration',
        ].map((node) => ({
          selector: `${node}[source.value=${TEST_SUPPORT}]`,
          message: 'Test support (@chat/api/testing, api/test) is for tests only.',
        })),
      ],
    },
  },
  prettier,
);
