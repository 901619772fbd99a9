#!/usr/bin/env bash
# GPU benchmark for MLP Studio, for a machine with an NVIDIA GPU (about 3 minutes on a
# data-centre GPU; under 5 in all). It runs, in one process per part:
#   1. bench/gpu-bench.ts: lecture-net step (ms, GFLOP/s) on webgpu, cuda (when its
#      libraries load) and cpu, the ratio to the bare matmuls of the same step on the same
#      device, and one lecture epoch per device; appended to BENCHMARKS.md;
#   2. bench/scaling.ts --quick on webgpu: how the step cost grows with batch and width;
#   3. bench/scaling.ts --no-grid on webgpu: time to 98% MNIST test accuracy, in the time left.
# Each part has a deadline so the whole stays under 5 minutes; what does not fit is skipped
# with a message. If WebGPU is unavailable in a container, give it the driver's graphics
# part (NVIDIA_DRIVER_CAPABILITIES=all); CUDA is measured when onnxruntime-node was
# installed with --onnxruntime-node-install=cuda12.
# JSON results go to bench/results/ (gitignored).
#
# Needs: node 20 with this repository's node_modules, the NVIDIA driver with its Vulkan ICD
# (nvidia_icd.json; Dawn reaches the GPU through Vulkan) and the Vulkan loader (libvulkan1).
# Usage: bench/gpu-bench.sh [--allow-software] [--quick]
#   --allow-software  run even when the only WebGPU adapter is a software one (SwiftShader);
#                     the numbers are then labelled as software in BENCHMARKS.md
#   --quick           a fifth of an epoch, fewer steps
set -euo pipefail
cd "$(dirname "$0")/.."

allow_software=0
quick=()
for a in "$@"; do
  case "$a" in
    --allow-software) allow_software=1 ;;
    --quick) quick=(--quick) ;;
    *) echo "gpu-bench.sh: unknown argument $a (usage: bench/gpu-bench.sh [--allow-software] [--quick])" >&2; exit 2 ;;
  esac
done

mkdir -p bench/results
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  # Dawn sees the GPU through the NVIDIA Vulkan driver; a SwiftShader ICD in the environment would hide it
  if [[ "${VK_ICD_FILENAMES:-}" == *swiftshader* ]]; then unset VK_ICD_FILENAMES; fi
  ls /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json 2>/dev/null \
    || echo "warning: no nvidia_icd.json found: WebGPU may not see the GPU (install the driver's Vulkan part, e.g. libnvidia-gl-<version>)" >&2
elif [[ $allow_software == 1 ]]; then
  echo "no NVIDIA GPU: running on the software adapter (numbers are NOT GPU numbers)" >&2
  if [[ -z "${VK_ICD_FILENAMES:-}" && -f /usr/lib/chromium/vk_swiftshader_icd.json ]]; then
    export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
  fi
else
  echo "gpu-bench.sh: no NVIDIA GPU found (nvidia-smi fails). Run it on a GPU machine, or pass --allow-software to measure the software adapter." >&2
  exit 1
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
start=$SECONDS

# 1. lecture net on every device, appended to BENCHMARKS.md
timeout 240 npx --no-install tsx bench/gpu-bench.ts --json "${quick[@]}" --markdown BENCHMARKS.md > "bench/results/gpu-bench-$stamp.json"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const d of r.devices) console.log(d.error ? `${d.device}: ${d.error}` : `${d.label}: ${d.msPerStep} ms/step, ${d.gflops} GFLOP/s, ratio to bare matmul ${d.ratioToBareMatmul}, epoch ${d.epoch ? d.epoch.seconds + " s" : "-"}`);
  const gpu = r.devices.find((d) => d.device === "webgpu" && !d.error);
  if (gpu && !gpu.software && gpu.epoch && gpu.epoch.samples === 60000) console.log(`goal: lecture epoch <= 0.5 s on a data-centre GPU: ${gpu.epoch.seconds <= 0.5 ? "met" : "NOT met"} (${gpu.epoch.seconds} s)`);
' "bench/results/gpu-bench-$stamp.json"

# 2. how the cost grows on the GPU (quick grid; skipped on a software adapter: it would take many minutes)
if [[ $allow_software == 0 ]]; then
  left=$(( 290 - (SECONDS - start) ))
  if (( left > 30 )); then
    chart=()
    [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] && chart=(--chart "bench/results/scaling-webgpu-$stamp.png")
    timeout "$left" npx --no-install tsx bench/scaling.ts --quick --no-mnist --device webgpu --out "bench/results/scaling-webgpu-$stamp.json" \
      "${chart[@]}" || echo "scaling on webgpu did not finish in the time left ($left s)" >&2
    if [[ -f "bench/results/scaling-webgpu-$stamp.json" ]]; then
      node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const rows = r.grid.map((p) => `| ${p.width} | ${p.batch} | ${p.msPerStep} | ${p.stepsPerSec} | ${p.gflops} |`);
        require("fs").appendFileSync("BENCHMARKS.md", `\nScaling on ${r.device} (--quick grid, 784-H-H-10):\n\n| H | batch | ms/step | steps/s | GFLOP/s |\n|---:|---:|---:|---:|---:|\n${rows.join("\n")}\n`);
      ' "bench/results/scaling-webgpu-$stamp.json"
    fi
  fi
fi
# 3. time to 98% MNIST test accuracy from a cold start on the GPU ('small' and 'accurate' presets), in the time left
if [[ $allow_software == 0 ]]; then
  left=$(( 295 - (SECONDS - start) ))
  if (( left > 40 )); then
    timeout "$left" npx --no-install tsx bench/scaling.ts --no-grid --device webgpu --out "bench/results/to98-webgpu-$stamp.json" \
      || echo "time to 98% on webgpu did not finish in the time left ($left s)" >&2
    if [[ -f "bench/results/to98-webgpu-$stamp.json" ]]; then
      node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const rows = r.timeTo98.map((t) => `| ${t.preset} | ${t.reached ? t.epochs : "not reached"} | ${(100 * t.testAccuracy).toFixed(2)}% | ${t.coldSeconds} |`);
        require("fs").appendFileSync("BENCHMARKS.md", `\nTime to 98% MNIST test accuracy from a cold start on ${r.device}:\n\n| preset | epochs | test accuracy | seconds from cold |\n|---|---:|---:|---:|\n${rows.join("\n")}\n`);
      ' "bench/results/to98-webgpu-$stamp.json"
    fi
  fi
fi
echo "gpu-bench.sh: done in $(( SECONDS - start )) s; results in BENCHMARKS.md and bench/results/*-$stamp.*"
