/**
 * Is the WebGPU adapter that onnxruntime-node's Dawn will use a software one?
 *
 * onnxruntime-node does not expose the adapter's name, so the answer comes from the Vulkan
 * loader's configuration, which decides what Dawn can see on Linux:
 *  - VK_ICD_FILENAMES / VK_DRIVER_FILES set: the loader sees only those drivers; the
 *    adapter is software when every one of them is a CPU implementation (SwiftShader,
 *    lavapipe/llvmpipe), read from the ICD manifest's library_path;
 *  - otherwise the ICD manifests in the standard folders: only software drivers there
 *    means a software adapter; any hardware driver (NVIDIA, AMD, Intel, ...) means Dawn,
 *    which ranks discrete and integrated GPUs above CPU adapters, picks the hardware one.
 * On macOS (Metal) and Windows (D3D12) the adapter is the system's GPU; Windows can fall
 * back to WARP on a machine without a GPU driver, which this cannot see, so `auto` still
 * times the device before choosing it (src-main/runtime/select.ts).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SoftwareVerdict {
  software: boolean;
  /** plain words: why */
  reason: string;
}

const SOFTWARE_DRIVER = /swiftshader|lvp|lavapipe|llvmpipe|softpipe/i;

function manifestLibrary(file: string): string | null {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { ICD?: { library_path?: string } };
    return j.ICD?.library_path ?? null;
  } catch {
    return null;
  }
}

const isSoftware = (file: string): boolean => SOFTWARE_DRIVER.test(path.basename(file)) || SOFTWARE_DRIVER.test(manifestLibrary(file) ?? '');

export function vulkanIcdFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  const home = env.XDG_DATA_HOME || (env.HOME ? path.join(env.HOME, '.local/share') : null);
  return ['/etc/vulkan/icd.d', ...(home ? [path.join(home, 'vulkan/icd.d')] : []), ...dataDirs.map((d) => path.join(d, 'vulkan/icd.d'))];
}

export function softwareWebGpu(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): SoftwareVerdict {
  if (platform === 'darwin') return { software: false, reason: 'Metal on macOS uses the Mac’s GPU' };
  if (platform === 'win32') return { software: false, reason: 'Direct3D 12 on Windows uses the system GPU (a WARP fallback cannot be told apart; auto still times it)' };
  const listed = (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES || '').split(':').filter(Boolean);
  if (listed.length) {
    const soft = listed.filter(isSoftware);
    return soft.length === listed.length
      ? { software: true, reason: `the Vulkan driver is a software one (${soft.map((f) => path.basename(f)).join(', ')}, chosen by ${env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : 'VK_ICD_FILENAMES'})` }
      : { software: false, reason: `Vulkan drivers chosen by the environment include hardware ones (${listed.filter((f) => !isSoftware(f)).map((f) => path.basename(f)).join(', ')})` };
  }
  const manifests = vulkanIcdFolders(env).flatMap((dir) => {
    try {
      return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  });
  const hardware = manifests.filter((f) => !isSoftware(f));
  if (hardware.length) return { software: false, reason: `hardware Vulkan drivers are installed (${hardware.map((f) => path.basename(f)).join(', ')})` };
  if (manifests.length) return { software: true, reason: `the only Vulkan drivers installed are software ones (${manifests.map((f) => path.basename(f)).join(', ')})` };
  return { software: false, reason: 'no Vulkan driver manifest was found' };
}
