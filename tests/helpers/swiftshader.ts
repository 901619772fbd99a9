/**
 * Software WebGPU for the tests: SwiftShader's Vulkan driver from Debian's chromium, with
 * libvulkan. In CI its absence is an error (.ci/run installs both); elsewhere the tests that
 * need it are skipped, saying so.
 */
import fs from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const LIBVULKAN = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'];

/**
 * Whether SwiftShader can serve WebGPU here; points VK_ICD_FILENAMES at it (and gives Vulkan an
 * XDG_RUNTIME_DIR) unless already set.
 * `skipped` names the tests in the line printed when it is missing (none: nothing printed).
 */
export function useSwiftShader(skipped?: string): boolean {
  const available = fs.existsSync(SWIFTSHADER_ICD) && LIBVULKAN.some((f) => fs.existsSync(f));
  if (!available) {
    if (process.env.CI) throw new Error(`software WebGPU needs ${SWIFTSHADER_ICD} (Debian chromium) and libvulkan1; .ci/run installs both`);
    if (skipped) console.log(`SKIPPED ${skipped}: ${SWIFTSHADER_ICD} or libvulkan.so.1 is missing (apt-get install chromium libvulkan1)`);
  }
  process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  return available;
}

/** Chromium flags that make SwiftShader (software Vulkan) its WebGPU adapter. */
export const SWIFTSHADER_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/** The environment of such a Chromium: SwiftShader's driver unless VK_ICD_FILENAMES names one. */
export function swiftShaderChromiumEnv() {
  return { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
}
