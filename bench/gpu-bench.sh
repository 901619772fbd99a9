#!/usr/bin/env bash
# GPU benchmark for MLP Studio, for a machine with an NVIDIA GPU (about 3 minutes on a
# data-centre GPU; under 5 in all). It runs, in one process per part:
#   1. bench/gpu-bench.ts: lecture-net step (ms, GFLOP/s) on webgpu, cuda (when its
#      libraries load) and cpu, the ratio to the bare matmuls of the same step on the same
#      device, and one lecture epoch per device;
#   2. bench/scaling.ts --quick on webgpu: how the step cost grows with batch and width;
#   3. bench/scaling.ts --no-grid on webgpu: time to 98% MNIST test accuracy ('small', the
#      fastest preset, then 'accurate'), in the time left.
# Each part has a deadline inside the budget (--budget, default 290 s) and a `timeout` just
# after it; what does not fit is skipped or cut, and the results say so. If WebGPU is
# unavailable in a container, give it the driver's graphics part
# (NVIDIA_DRIVER_CAPABILITIES=all); CUDA is measured when onnxruntime-node was installed
# with --onnxruntime-node-install=cuda12.
#
# Two ways to run it:
#  - in this repository (node 20 and its node_modules): `bench/gpu-bench.sh`; the markdown
#    is appended to BENCHMARKS.md, the JSON goes to bench/results/ (gitignored);
#  - from the folder bench/gpu-pack.sh builds (a machine with no node, no npm, no network):
#    its run.sh unpacks it and calls this script with `--bundle DIR` (the esbuild bundles,
#    node_modules and node binary it unpacked) and `--out DIR`: then everything (gpu-bench.md,
#    the markdown section to fold into BENCHMARKS.md, and the JSON) goes to that folder.
#
# Needs: the NVIDIA driver with its Vulkan ICD (nvidia_icd.json; Dawn reaches the GPU
# through Vulkan) and the Vulkan loader (libvulkan1).
# Usage: bench/gpu-bench.sh [--allow-software] [--quick] [--budget S] [--bundle DIR [--node FILE]] [--out DIR]
#   --allow-software  run even when the only WebGPU adapter is a software one (SwiftShader);
#                     the numbers are then labelled as software, and the scaling parts use
#                     a tiny grid and whatever time is left
#   --quick           a fifth of an epoch, fewer steps
#   --budget S        seconds for the three parts together (default 290; at least 60)
set -euo pipefail

usage='usage: bench/gpu-bench.sh [--allow-software] [--quick] [--budget SECONDS] [--bundle DIR [--node FILE]] [--out DIR]'
allow_software=0
quick=()
budget=290
bundle=''
node_bin=''
out=''
while (($#)); do
  case "$1" in
    --allow-software) allow_software=1 ;;
    --quick) quick=(--quick) ;;
    --budget | --bundle | --node | --out)
      [[ $# -ge 2 && -n "$2" ]] || { echo "gpu-bench.sh: $1 needs a value ($usage)" >&2; exit 2; }
      case "$1" in --budget) budget=$2 ;; --bundle) bundle=$2 ;; --node) node_bin=$2 ;; --out) out=$2 ;; esac
      shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "gpu-bench.sh: unknown argument $1 ($usage)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$budget" =~ ^[0-9]+$ ]] && ((budget >= 60)) || { echo "gpu-bench.sh: --budget takes whole seconds, at least 60 (got '$budget')" >&2; exit 2; }
# relative paths are meant from where the script was called: the repository mode `cd`s below
[[ -z "$out" || "$out" == /* ]] || out=$PWD/$out
[[ "$node_bin" != */* || "$node_bin" == /* ]] || node_bin=$PWD/$node_bin

# How each part is started: the bundle's .mjs with its node, or the TypeScript through tsx
# (one node process, no npx wrapper in between, so that `timeout`'s SIGTERM reaches it)
if [[ -n "$bundle" ]]; then
  bundle=$(cd "$bundle" && pwd)
  node_bin=${node_bin:-$bundle/node}
  [[ -x "$node_bin" && -f "$bundle/gpu-bench.mjs" && -f "$bundle/scaling.mjs" ]] \
    || { echo "gpu-bench.sh: $bundle is not an unpacked bench/gpu-pack.sh folder (needs node, gpu-bench.mjs, scaling.mjs)" >&2; exit 2; }
  runner=("$node_bin")
  part_file() { echo "$bundle/$1.mjs"; }
  out=${out:-$PWD/gpubench-out}
else
  cd "$(dirname "$0")/.."
  node_bin=${node_bin:-node}
  runner=("$node_bin" --import tsx)
  part_file() { echo "bench/$1.ts"; }
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [[ -n "$out" ]]; then
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  md="$out/gpu-bench.md"
  : >"$md"
  result() { echo "$out/$1.json"; }
else
  mkdir -p bench/results
  md=BENCHMARKS.md
  result() { echo "bench/results/$1-$stamp.json"; }
fi
# `timed_part S NAME ARGS...`: runs part NAME (gpu-bench or scaling) with --deadline-s S,
# killed by `timeout` 20 s after that deadline
timed_part() {
  local deadline=$1 name=$2
  shift 2
  timeout --kill-after=10 $((deadline + 20)) "${runner[@]}" "$(part_file "$name")" "$@" --deadline-s "$deadline"
}

export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

# `has_lib NAME`: whether the dynamic linker finds library NAME: in its cache, or in a folder
# of LD_LIBRARY_PATH (where run.sh puts the shipped Vulkan loader when it is not root).
# The cache is read once, whole: `ldconfig -p | grep -q` can die of SIGPIPE under pipefail
linker_cache=$(ldconfig -p 2>/dev/null || true)
has_lib() {
  local d dirs=()
  grep -qF "$1 (" <<<"$linker_cache" && return 0
  IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do [[ -n "$d" && -e "$d/$1" ]] && return 0; done
  return 1
}

software=0
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  # Dawn sees the GPU through the NVIDIA Vulkan driver; a SwiftShader ICD in the environment would hide it
  if [[ "${VK_ICD_FILENAMES:-}" == *swiftshader* ]]; then unset VK_ICD_FILENAMES; fi
  if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
    # the standard folders, then where NVIDIA's container toolkit mounts the driver; the first found wins
    icd=''
    for f in /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json \
      /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
      [[ -f "$f" ]] && { icd=$f; break; }
    done
    if [[ -n "$icd" ]]; then
      export VK_DRIVER_FILES=$icd
      echo "Vulkan driver: $icd (VK_DRIVER_FILES)"
      lib=$(grep -o '"library_path"[^,}]*' "$icd" | sed -n 's/.*"\([^"]*\)"[[:space:]]*$/\1/p' | head -n 1) || true
      if [[ -z "$lib" ]]; then
        echo "  $icd names no \"library_path\" this script can read: the Vulkan loader looks for the driver's library itself" >&2
      # a driver mounted outside the loader's search path: let the loader find its library
      elif [[ "$lib" != /* ]] && ! has_lib "$lib"; then
        for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
          [[ -f "$d/$lib" ]] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" && echo "  $lib from $d (LD_LIBRARY_PATH)" && break
        done
      fi
    else
      echo "warning: no nvidia_icd.json found: WebGPU may not see the GPU (install the driver's Vulkan part, e.g. libnvidia-gl-<version>)" >&2
    fi
  fi
  has_lib libvulkan.so.1 \
    || echo "warning: no Vulkan loader (libvulkan.so.1) in the linker cache or on LD_LIBRARY_PATH: WebGPU will find no adapter (install libvulkan1)" >&2
elif [[ $allow_software == 1 ]]; then
  software=1
  echo "no NVIDIA GPU: running on the software adapter (numbers are NOT GPU numbers)" >&2
  if [[ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" && -f /usr/lib/chromium/vk_swiftshader_icd.json ]]; then
    export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
  fi
else
  echo "gpu-bench.sh: no NVIDIA GPU found (nvidia-smi fails). Run it on a GPU machine, or pass --allow-software to measure the software adapter." >&2
  exit 1
fi

start=$SECONDS
left() { echo $((budget - (SECONDS - start))); }

# 1. lecture net on every device (hardware GPUs first), two thirds of the budget at most
json1=$(result gpu-bench)
timed_part $((budget * 2 / 3)) gpu-bench --json "${quick[@]}" --markdown "$md" >"$json1" \
  || echo "gpu-bench part 1 ended with status $? (what it measured is in $json1 and $md)" >&2
"$node_bin" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const d of r.devices) console.log(d.error ? `${d.device}: ${d.error}` : `${d.label}: ${d.msPerStep} ms/step, ${d.gflops} GFLOP/s, ratio to bare matmul ${d.ratioToBareMatmul}, epoch ${d.epoch ? d.epoch.seconds + " s" : "-"}${d.notes && d.notes.length ? " (" + d.notes.join("; ") + ")" : ""}`);
  const gpu = r.devices.find((d) => d.device === "webgpu" && !d.error);
  if (gpu && !gpu.software && gpu.epoch && gpu.epoch.samples === 60000) console.log(`goal: lecture epoch <= 0.5 s on a data-centre GPU: ${gpu.epoch.seconds <= 0.5 ? "met" : "NOT met"} (${gpu.epoch.seconds} s)`);
' "$json1" || echo "gpu-bench part 1 wrote no result" >&2

# 2. how the cost grows on the GPU: the quick grid, in a third of the time left (a software
#    adapter gets a tiny grid: the quick one would take many minutes there)
grid=("${quick[@]}")
((${#grid[@]})) || grid=(--quick)
((software)) && grid=(--widths 64,256 --batches 32,128)
if (($(left) > 40)); then
  json2=$(result scaling-webgpu)
  chart=()
  [[ -z "$out" && -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] && chart=(--chart "${json2%.json}.png")
  timed_part $(($(left) / 3)) scaling "${grid[@]}" --no-mnist --device webgpu --out "$json2" "${chart[@]}" \
    || echo "scaling on webgpu ended with status $?" >&2
  if [[ -f "$json2" ]]; then
    "$node_bin" -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const rows = r.grid.map((p) => `| ${p.width} | ${p.batch} | ${p.msPerStep} | ${p.stepsPerSec} | ${p.gflops} |`);
      const cut = r.gridPointsSkipped ? ` ${r.gridPointsSkipped} points not measured: the deadline passed.` : "";
      require("fs").appendFileSync(process.argv[2], `\nScaling on ${r.device} (784-H-H-10, ${r.grid.length} points in ${r.gridSeconds} s).${cut}\n\n| H | batch | ms/step | steps/s | GFLOP/s |\n|---:|---:|---:|---:|---:|\n${rows.join("\n")}\n`);
    ' "$json2" "$md"
  fi
else
  echo "scaling on webgpu skipped: $(left) s left" >&2
fi

# 3. time to 98% MNIST test accuracy from a cold start on the GPU, in the time left
if (($(left) > 30)); then
  json3=$(result to98-webgpu)
  timed_part $(($(left) - 5)) scaling --no-grid "${quick[@]}" --presets small,accurate --device webgpu --out "$json3" \
    || echo "time to 98% on webgpu ended with status $?" >&2
  if [[ -f "$json3" ]]; then
    "$node_bin" -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const rows = r.timeTo98.map((t) => `| ${t.preset} | ${t.reached ? t.epochs : `not reached in ${t.epochs}${t.stoppedBy ? " (deadline)" : ""}`} | ${(100 * t.testAccuracy).toFixed(2)}% | ${t.reached || t.epochs ? t.coldSeconds : "–"} | ${t.perEpochSeconds.join(", ")} |`);
      require("fs").appendFileSync(process.argv[2], `\nTime to 98% MNIST test accuracy from a cold start on ${r.device}:\n\n| preset | epochs | test accuracy | seconds from cold | seconds per epoch |\n|---|---:|---:|---:|---|\n${rows.join("\n")}\n`);
    ' "$json3" "$md"
  fi
else
  echo "time to 98% on webgpu skipped: $(left) s left" >&2
fi
echo "gpu-bench.sh: done in $((SECONDS - start)) s; markdown in $md; JSON: ${out:-bench/results/*-$stamp.json}"
