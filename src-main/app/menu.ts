/** The application menu: standard roles plus the studio's own entries. */
import { Menu, shell, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';

export function buildMenu(opts: { getWindow(): BrowserWindow | null; openDataFolder(): void; isMac: boolean }): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(opts.isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Studio Data Folder', click: () => opts.openDataFolder() },
        { type: 'separator' },
        opts.isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'ONNX Format',
          click: () => void shell.openExternal('https://onnx.ai/'),
        },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
