// Lint rules, and the layer rules of src/: each folder may import only the layers below it.
//   shared   <- everything          (pure TypeScript: no Node, no DOM APIs by import, no Electron)
//   engine   <- main (thin parts), CLI, server, tests   (Node only, never Electron or Vue), and
//            inside it the layers of ENGINE_LAYERS, each importing only those below it
//   main     Electron main process (wires things; ORT stays in the engine process)
//   preload  electron + shared only
//   renderer Vue + Pinia + Chart.js + shared only, and inside it components/steps -> stores -> model:
//            model (plain TypeScript view logic) imports no store, component, step or api/, nor
//            Vue, Pinia or Chart.js; a store imports no component or step
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// The engine's layers, lowest first: the graph core, the model, training and inference graphs,
// the runtime that executes them, data, evaluation, runs, the job queue, services, and the
// hosts. The top-level files (random.ts, paths.ts, app-meta.ts) sit below them all.
const ENGINE_LAYERS = [
  ['io', 'onnx'],
  ['graph'],
  ['models'],
  ['growth', 'train', 'inference'],
  ['runtime'],
  ['data'],
  ['eval'],
  ['runs', 'compare'],
  ['queue'],
  ['services'],
  ['host', 'cli', 'server'],
];
const ENGINE_PATHS = ['electron', 'vue', 'pinia', 'chart.js'];
const ENGINE_MESSAGE =
  'src/engine is Node-only: it runs in the CLI, the server and the engine process, never imports Electron or the UI.';
const layerDir = (layer) => [
  `**/${layer}`,
  `**/${layer}/**`,
  `../${layer}`,
  `../${layer}/**`,
  `../../${layer}/**`,
  `../../../${layer}/**`,
];

// An engine folder, as a relative import from another engine folder (or one below it, or a top-level
// file) reaches it: anchored, so that `../../shared/compare` is not taken for the engine's compare/.
const engineDir = (dir) => [
  `./${dir}`,
  `./${dir}/**`,
  `../${dir}`,
  `../${dir}/**`,
  `../../engine/${dir}`,
  `../../engine/${dir}/**`,
];

const restrict = ({ paths = [], layers = [], engineLayers = [], message }) => [
  'error',
  {
    paths: paths.map((name) => ({ name, message })),
    patterns:
      layers.length || engineLayers.length
        ? [{ group: [...layers.flatMap(layerDir), ...engineLayers.flatMap(engineDir)], message }]
        : [],
  },
];

// The renderer's own restrictions, which its model/ and stores/ rules repeat (a later rule replaces
// an earlier one for the same files, it does not add to it).
const RENDERER_PATHS = [...nodeBuiltins, 'electron', 'onnxruntime-node', 'ws'];
const RENDERER_LAYERS = ['engine', 'main', 'preload'];
const RENDERER_MESSAGE =
  'src/renderer talks to the services only through the typed API (src/shared/ipc): no Node, Electron or engine imports.';

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
        paths: ENGINE_PATHS,
        layers: ['main', 'preload', 'renderer'],
        message: ENGINE_MESSAGE,
      }),
    },
  },
  // Inside the engine, each folder may import its own layer and those below it (ENGINE_LAYERS);
  // the top-level files (random.ts, paths.ts, app-meta.ts) none of them.
  {
    files: ['src/engine/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: ENGINE_PATHS,
        layers: ['main', 'preload', 'renderer'],
        engineLayers: ENGINE_LAYERS.flat(),
        message: `${ENGINE_MESSAGE} Its top-level files sit below every engine folder: ${ENGINE_LAYERS.map((l) => l.join('/')).join(' < ')}.`,
      }),
    },
  },
  ...ENGINE_LAYERS.flatMap((layer, i) =>
    i === ENGINE_LAYERS.length - 1
      ? []
      : [
          {
            files: layer.map((dir) => `src/engine/${dir}/**`),
            rules: {
              'no-restricted-imports': restrict({
                paths: ENGINE_PATHS,
                layers: ['main', 'preload', 'renderer'],
                engineLayers: ENGINE_LAYERS.slice(i + 1).flat(),
                message: `${ENGINE_MESSAGE} Inside it, ${layer.join('/')} may import only the layers below it: ${ENGINE_LAYERS.map((l) => l.join('/')).join(' < ')}.`,
              }),
            },
          },
        ],
  ),
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
      'no-restricted-imports': restrict({ paths: RENDERER_PATHS, layers: RENDERER_LAYERS, message: RENDERER_MESSAGE }),
    },
  },
  // Inside the renderer: components and steps use stores and model/; stores use model/; model/ is
  // plain TypeScript (view logic the stores and components share) that uses neither.
  {
    files: ['src/renderer/src/stores/**'],
    rules: {
      'no-restricted-imports': restrict({
        paths: RENDERER_PATHS,
        layers: [...RENDERER_LAYERS, 'components', 'steps'],
        message: `${RENDERER_MESSAGE} Inside it, stores sit below components and steps: a store imports no component or step (shared view logic goes in model/).`,
      }),
    },
  },
  {
    files: ['src/renderer/src/model/**'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [...RENDERER_PATHS, 'vue', 'pinia', 'chart.js'],
        layers: [...RENDERER_LAYERS, 'stores', 'components', 'steps', 'api'],
        message: `${RENDERER_MESSAGE} Inside it, model/ is plain TypeScript below stores, components and steps: no Vue, Pinia, Chart.js or api/, and none of those folders.`,
      }),
    },
  },
  // Last: layout is Prettier's (npm run format), so no lint rule argues with it.
  prettier,
);
