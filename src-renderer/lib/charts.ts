import { ref } from 'vue';
import {
  Chart, LineController, LineElement, PointElement, LinearScale, CategoryScale, BarController, BarElement,
  ScatterController, Legend, Tooltip, Title, Filler,
} from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, BarController, BarElement, ScatterController, Legend, Tooltip, Title, Filler);
// Training streams points several times a second: animations would only cost main-thread time.
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.responsive = true;

/** Colours from the theme's CSS variables, so charts follow light and dark. */
export function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export const palette = ['#2f6fde', '#e0662b', '#2a9d5c', '#b34fc4', '#c9a227', '#1aa3b8', '#d14b6b', '#6b7a8f'];

/** bumped on every theme change; chart options read it so existing charts pick up the new colours */
export const themeVersion = ref(0);

export function applyThemeToCharts(): void {
  themeVersion.value++;
  Chart.defaults.color = themeColor('--fg-muted', '#555');
  Chart.defaults.borderColor = themeColor('--grid', 'rgba(0,0,0,0.1)');
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
}
