import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'state/**', '.passway-state/**', 'jest.config.js', 'gateway/proxy/rewrite/assembly/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // bin/: plain CommonJS run before the TypeScript build exists (the Node version check).
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
