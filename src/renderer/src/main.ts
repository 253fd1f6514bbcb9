import { createPinia } from 'pinia';
import { createApp, ref } from 'vue';
import App from './App.vue';
import { API_KEY, CONNECTION_KEY, createApi } from './api';
import type { ConnectionState } from './api/ws-client';
import './styles.css';

const connection = ref<ConnectionState>('connecting');
const app = createApp(App);
app.provide(
  API_KEY,
  createApi(window, (state) => (connection.value = state)),
);
app.provide(CONNECTION_KEY, connection);
app.use(createPinia());
app.mount('#app');
