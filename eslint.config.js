import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'dist-cli', 'bench/out', 'public'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Function']", message: 'no new Function: the CSP forbids it' },
        { selector: "CallExpression[callee.name='eval']", message: 'no eval: the CSP forbids it' },
      ],
    },
  },
  {
    // The engine is framework-free and layered kql -> bind -> plan -> execute (docs/style.md).
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react-dom', '**/components/**'],
              message: 'the engine must not depend on React or the UI',
            },
          ],
        },
      ],
    },
  },
  {
    // The engine runs in a browser worker too: Node built-ins only in the Node file source.
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/ingest/node-source.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react-dom', '**/components/**'],
              message: 'the engine must not depend on React or the UI',
            },
            {
              group: ['node:*', 'fs', 'path', 'os'],
              message: 'the engine runs in the browser: Node built-ins only in ingest/node-source.ts',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/engine/kql/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../bind/**', '../plan/**', '../execute/**', '../ingest/**', 'react', 'node:*'],
              message: 'kql is the bottom layer',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/engine/bind/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../plan/**', '../execute/**', '../ingest/**', 'react', 'node:*'],
              message: 'bind may only use kql',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/components/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/*/**', '!**/engine/worker/client*'],
              message: 'components reach the engine only through the worker client',
            },
          ],
        },
      ],
    },
  },
);
