/** The Compare, Export and Settings stores and steps on the fake API of ./compare, and a download recorder. */
import { mount } from '@vue/test-utils';
import type { ChartConfiguration } from 'chart.js';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { afterEach, beforeEach, vi } from 'vitest';
import { createApp, type Component } from 'vue';
import App from '../../../src/renderer/src/App.vue';
import { API_KEY } from '../../../src/renderer/src/api';
import ChartCanvas from '../../../src/renderer/src/components/ChartCanvas.vue';
import { useCompareStore } from '../../../src/renderer/src/stores/compare';
import { useSettingsStore } from '../../../src/renderer/src/stores/settings';
import { useWizardStore } from '../../../src/renderer/src/stores/wizard';
import { CompareFakeApi, JOB_DIR } from './compare';

/** A store of a fresh pinia inside an app that provides `api` (as the real app does). */
export function storesWith(api: CompareFakeApi) {
  const app = createApp({ render: () => null });
  app.provide(API_KEY, api);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { compare: useCompareStore(), settings: useSettingsStore() };
}

/** `component` mounted on `api`, showing `jobDir` (the comparison's job unless said). */
export function mountStep(
  component: Component,
  api: CompareFakeApi,
  opts: { jobDir?: string | null; stubs?: Record<string, Component> } = {},
) {
  const pinia: Pinia = createPinia();
  setActivePinia(pinia);
  useWizardStore(pinia).jobDir = opts.jobDir === undefined ? JOB_DIR : opts.jobDir;
  const w = mount(component, {
    attachTo: document.body,
    global: { plugins: [pinia], provide: { [API_KEY as symbol]: api }, stubs: opts.stubs ?? {} },
  });
  return { w, compare: useCompareStore(pinia) };
}

/** The whole app on `api`. */
export function mountApp(api = new CompareFakeApi()) {
  return mount(App, {
    attachTo: document.body,
    global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } },
  });
}

/** The config passed to the chart whose figure has `data-chart=id`. */
export function chartConfig(w: ReturnType<typeof mount>, id: string): ChartConfiguration {
  const canvas = w.findAllComponents(ChartCanvas).find((c) => c.element.closest(`[data-chart="${id}"]`));
  if (!canvas) throw new Error(`no chart ${id}`);
  return canvas.props('config') as ChartConfiguration;
}
export const labels = (cfg: ChartConfiguration) => cfg.data.datasets.map((d) => d.label);

/** Records the downloads the renderer starts (object URLs and clicks on <a download>). */
export function captureDownloads() {
  const blobs: Blob[] = [];
  const clicks: { name: string; href: string }[] = [];
  const create = vi.fn((b: Blob) => {
    blobs.push(b);
    return `blob:stacklab/${blobs.length}`;
  });
  const revoke = vi.fn();
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: revoke }));
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicks.push({ name: this.download, href: this.getAttribute('href') ?? '' });
  });
  return { blobs, clicks, create };
}

/** A clean localStorage, theme, body and mocks for every test of a compare/settings spec. */
export function compareSpecHooks(): void {
  beforeEach(() => {
    localStorage.clear();
    document.documentElement.removeAttribute('data-theme');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
  });
}
