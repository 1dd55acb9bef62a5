// Lint configuration (ESLint flat config with typescript-eslint): the recommended rules, plus the
// rules the codebase already keeps. `npm run lint` runs it with --max-warnings 0; `npm test` runs lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/explorer/fonts/**', 'snapshots/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `x == null` (null or undefined) is the one loose comparison the code uses.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      // Reports are Chinese text: U+3000 and other wide spaces in strings, templates and patterns are data.
      'no-irregular-whitespace': ['error', { skipStrings: true, skipTemplates: true, skipRegExps: true, skipComments: true }],
      // Noisy here: flags the `let x = default; try { x = … } catch { }` pattern used on purpose.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Imports point one way: the lower layers (parsers, decode, fetch, store, crawl, …) never import the
    // CLI, the explorer or the benchmarks (tests/boundaries.test.ts checks the same on every file).
    files: ['src/**/*.ts', 'parsers/**/*.ts'],
    ignores: ['src/cli/**', 'src/explorer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(src/)?cli(/|$)', message: 'lower layers never import the CLI (src/cli): move the code under src/cli or pass it in.' },
            { regex: '(^|/)(src/)?explorer(/|$)', message: 'lower layers never import the explorer (src/explorer).' },
            { regex: '(^|/)bench(/|$)', message: 'lower layers never import benchmark code (bench/).' },
          ],
          paths: [{ name: 'commander', message: 'command-line parsing belongs to src/cli.' }],
        },
      ],
    },
  },
);
