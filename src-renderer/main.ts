import { createApp } from 'vue';
import App from './App.vue';
import './styles.css';
import { connectStudio } from './host/index';
import { messageOf } from './studio';

function showBootError(message: string): void {
  const el = document.getElementById('app');
  if (!el) return;
  el.innerHTML = '';
  const p = document.createElement('p');
  p.className = 'boot-message error';
  p.setAttribute('role', 'alert');
  p.textContent = message;
  el.append(p);
}

async function start(): Promise<void> {
  try {
    await connectStudio();
  } catch (err) {
    showBootError(messageOf(err));
    return;
  }
  createApp(App).mount('#app');
}

void start();
