import os from 'node:os';
import path from 'node:path';

/**
 * Where the dataset library and the runs live: the OS's app-data folder, or
 * MLP_STUDIO_HOME when set (tests, CLI, portable installs). The CLI and the app share it.
 */
export function studioHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MLP_STUDIO_HOME) return path.resolve(env.MLP_STUDIO_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'MLP Studio');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'MLP Studio');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'mlp-studio');
  }
}

export const datasetsDir = (home: string): string => path.join(home, 'datasets');
export const runsDir = (home: string): string => path.join(home, 'runs');
