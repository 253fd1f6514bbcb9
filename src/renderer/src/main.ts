import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { API_KEY, createApi } from './api';
import type { ConnectionState } from './api/ws-client';
import { useSystemStore } from './stores/system';
import './styles.css';

let connection: ConnectionState = 'connecting';
let system: ReturnType<typeof useSystemStore> | undefined;
const api = createApi(window, (state) => {
  connection = state;
  if (system) system.connection = state;
});

const pinia = createPinia();
const app = createApp(App);
app.provide(API_KEY, api);
app.use(pinia);
system = useSystemStore(pinia);
system.connection = connection;
app.mount('#app');
