#!/usr/bin/env bash
# run.sh of the folder bench/gpu-pack.sh builds (.gpubench/): runs the GPU benchmark on a
# Linux x86-64 machine with no node, no npm and no network. It
#   1. checks the packed files against MANIFEST.txt and unpacks node, the bundles,
#      onnxruntime-node and MNIST into ${MLPBENCH_DIR:-/tmp/mlp-gpubench};
#   2. gives the machine a Vulkan loader where it has none: each shipped .deb whose shared
#      libraries the linker cache lacks is unpacked (to / as root, as the device README does,
#      else into the unpacked folder with LD_LIBRARY_PATH; GPUBENCH_DEBS=private unpacks
#      every one there, to try the shipped loader on a machine that has its own; dpkg-deb
#      reads them, or ar and tar where the machine has no dpkg-deb);
#   3. prints nvidia-smi and what the linker finds of Vulkan and the NVIDIA driver;
#   4. runs gpu-bench.sh --bundle (which picks the NVIDIA Vulkan driver, VK_DRIVER_FILES,
#      where it is mounted) with the arguments given here (--quick, --budget S,
#      --allow-software).
# Results: ${OUT:-./gpubench-out}/gpu-bench.md (the section for BENCHMARKS.md),
# gpu-bench.json, scaling-webgpu.json, to98-webgpu.json, and gpu-bench.log (all output).
# Usage: bash .gpubench/run.sh [--quick] [--budget S] [--allow-software]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$PWD/gpubench-out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [[ -z "${GPUBENCH_LOGGING:-}" ]]; then
  # everything this script and the benchmark print goes to the log as well
  GPUBENCH_LOGGING=1 bash "$0" "$@" 2>&1 | tee "$out/gpu-bench.log"
  exit "${PIPESTATUS[0]}"
fi
set -e
t0=$SECONDS
dest=${MLPBENCH_DIR:-${TMPDIR:-/tmp}/mlp-gpubench}
echo "run.sh: unpacking $here into $dest"

# xz, or Python's lzma where the machine has no xz
unxz_to_stdout() {
  if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
}
(cd "$here" && sed -n '/^$/q;p' MANIFEST.txt | sha256sum --quiet --strict -c -) || { echo "run.sh: the packed files do not match MANIFEST.txt: pack again (bench/gpu-pack.sh)" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
unxz_to_stdout "$here/app.tar.xz" | tar -x -C "$dest"
unxz_to_stdout "$here/mnist.tar.xz" | tar -x -C "$dest"
unxz_to_stdout "$here/node.xz" >"$dest/node"
chmod +x "$dest/node"
unxz_to_stdout "$here/libonnxruntime.so.1.xz" >"$dest/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
echo "run.sh: node $("$dest/node" --version), unpacked in $((SECONDS - t0)) s"

# `deb_data DEB`: the data.tar of a .deb, uncompressed, on stdout; dpkg-deb where the machine
# has it, else ar and xz (Python's lzma), gzip or zstd; says so and fails where none fits
deb_data() {
  if command -v dpkg-deb >/dev/null; then dpkg-deb --fsys-tarfile "$1"; return; fi
  local member
  command -v ar >/dev/null || { echo "run.sh: cannot unpack $(basename "$1"): neither dpkg-deb nor ar (binutils) on this machine" >&2; return 1; }
  member=$(ar t "$1" | grep -m1 '^data\.tar') || { echo "run.sh: $(basename "$1") holds no data.tar" >&2; return 1; }
  case "$member" in
    data.tar) ar p "$1" "$member" ;;
    data.tar.xz) ar p "$1" "$member" | unxz_to_stdout /dev/stdin ;;
    data.tar.gz) ar p "$1" "$member" | gzip -dc ;;
    data.tar.zst) command -v zstd >/dev/null || { echo "run.sh: cannot unpack $(basename "$1"): its $member needs zstd (or dpkg-deb), which this machine lacks" >&2; return 1; }
      ar p "$1" "$member" | zstd -dc ;;
    *) echo "run.sh: cannot unpack $(basename "$1"): its $member is compressed in a way this script does not know (install dpkg-deb)" >&2; return 1 ;;
  esac
}

# the Vulkan loader (and libglvnd, which the NVIDIA Vulkan driver links) where the machine lacks them
have=$(ldconfig -p 2>/dev/null || true)
private=0
[[ "${GPUBENCH_DEBS:-}" == private ]] && private=1 have=''
command -v dpkg-deb >/dev/null || echo "run.sh: no dpkg-deb on this machine: the shipped .deb files are read with ar and tar"
for deb in "$here"/debs/*.deb; do
  [[ -e "$deb" ]] || continue
  if ! list=$(deb_data "$deb" | tar -t); then
    echo "run.sh: WARNING: could not read $(basename "$deb"), so it is not installed: where the machine lacks its libraries, WebGPU will find no adapter" >&2
    continue
  fi
  libs=$(grep -o '[^/]*\.so\.[0-9]*$' <<<"$list" | sort -u || true)
  need=0
  for l in $libs; do grep -q "$l " <<<"$have" || need=1; done
  ((need)) || continue
  if [[ $(id -u) == 0 ]] && ((!private)); then
    to=/
  else
    to="$dest/sysroot"
  fi
  mkdir -p "$to"
  if command -v dpkg-deb >/dev/null; then
    dpkg-deb -x "$deb" "$to"
  else
    # over /, keep /lib -> usr/lib and the like, and the modes of folders that exist
    deb_data "$deb" | tar -x --keep-directory-symlink --no-overwrite-dir -C "$to" \
      || { echo "run.sh: WARNING: unpacking $(basename "$deb") into $to failed: WebGPU may find no adapter" >&2; continue; }
  fi
  if [[ "$to" != / ]]; then
    [[ ":${LD_LIBRARY_PATH:-}:" == *":$dest/sysroot/usr/lib/x86_64-linux-gnu:"* ]] \
      || export LD_LIBRARY_PATH="$dest/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  echo "run.sh: installed $(basename "$deb") ($(echo $libs))${LD_LIBRARY_PATH:+ (LD_LIBRARY_PATH=$LD_LIBRARY_PATH)}"
done
[[ $(id -u) == 0 ]] && ((!private)) && ldconfig

if command -v nvidia-smi >/dev/null; then nvidia-smi || true; else echo "run.sh: no nvidia-smi on this machine"; fi
echo "run.sh: the linker finds:"
ldconfig -p 2>/dev/null | grep -E 'libvulkan|libGLX_nvidia|libGLdispatch|libnvidia-gpucomp' | sed 's/^/  /' || echo "  none of libvulkan, libGLX_nvidia, libGLdispatch"
ls /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>/dev/null | sed 's/^/  /' || true

set +e
bash "$here/gpu-bench.sh" --bundle "$dest" --out "$out" "$@"
rc=$?
echo "run.sh: finished with status $rc after $((SECONDS - t0)) s; in $out:"
ls -l "$out" | sed 's/^/  /'
exit $rc
