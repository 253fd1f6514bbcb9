// Lint rules, and the layer rules of src/: each folder may import only the layers below it.
//   shared   <- everything          (pure TypeScript: no Node, no DOM APIs by import, no Electron)
//   engine   <- main (thin parts), CLI, server, tests   (Node only, never Electron or Vue)
//   main     Electron main process (wires things; ORT stays in the engine process)
//   preload  electron + shared only
//   renderer Vue + Pinia + Chart.js + shared only
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const layerDir = (layer) => [`**/${layer}`, `**/${layer}/**`, `../${layer}`, `../${layer}/**`, `../../${layer}/**`, `../../../${layer}/**`];

const restrict = ({ paths = [], layers = [], message }) => [
  'error',
  {
    paths: paths.map((name) => ({ name, message })),
    patterns: layers.length ? [{ group: layers.flatMap(layerDir), message }] : [],
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.device/**', '.cache/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [...nodeBuiltins, 'electron', 'vue', 'pinia', 'chart.js', 'onnxruntime-node', 'ws'],
        layers: ['engine', 'main', 'preload', 'renderer'],
        message: 'src/shared is plain TypeScript shared by every layer: no Node, Electron, Vue or engine imports.',
      }),
    },
  },
  {
    files: ['src/engine/**'],
    rules: {
      'no-restricted-imports': restrict({
        paths: ['electron', 'vue', 'pinia', 'chart.js'],
        layers: ['main', 'preload', 'renderer'],
        message: 'src/engine is Node-only: it runs in the CLI, the server and the engine process, never imports Electron or the UI.',
      }),
    },
  },
  {
    files: ['src/main/**'],
    rules: {
      'no-restricted-imports': restrict({
        paths: ['vue', 'pinia', 'chart.js', 'onnxruntime-node'],
        layers: ['preload', 'renderer'],
        message: 'src/main stays thin: the engine (and ORT) runs in the engine process; the UI lives in src/renderer.',
      }),
    },
  },
  {
    files: ['src/preload/**'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [...nodeBuiltins, 'vue', 'pinia', 'chart.js', 'onnxruntime-node', 'ws'],
        layers: ['engine', 'main', 'renderer'],
        message: 'src/preload only bridges the typed API with contextBridge: electron and src/shared only.',
      }),
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict({
        paths: [...nodeBuiltins, 'electron', 'onnxruntime-node', 'ws'],
        layers: ['engine', 'main', 'preload'],
        message: 'src/renderer talks to the services only through the typed API (src/shared/ipc): no Node, Electron or engine imports.',
      }),
    },
  },
);
