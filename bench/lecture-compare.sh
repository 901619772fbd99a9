#!/usr/bin/env bash
# Runs the lecture comparison (bench/lecture-compare.ts): the lecture's PyTorch code, then the
# studio's engine, 10 epochs each on MNIST, one after the other. Needs Debian's python3-torch
# and libopenblas0-pthread; pass --install to install them (apt-get, as root).
#   bench/lecture-compare.sh [--install] [--epochs N] [--threads T] [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--install" ]]; then
  shift
  apt-get update && apt-get install -y python3-torch libopenblas0-pthread
fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "lecture-compare: /usr/bin/python3 cannot import torch. Install it: apt-get update && apt-get install -y python3-torch libopenblas0-pthread (or run with --install)." >&2
  exit 1
fi
if ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  echo "lecture-compare: warning: OpenBLAS not found; torch will use a reference BLAS and be ~15x slower (apt-get install -y libopenblas0-pthread)." >&2
fi
exec npx tsx bench/lecture-compare.ts "$@"
