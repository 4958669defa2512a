#!/usr/bin/env bash
# Times `recon-align align --json` against bench/align_numpy.py on the same data, side by side,
# and checks that both give the same alignment curve.
#
# usage: bench/align_bench.sh [DATA_DIR] [NOISE] [RUNS]
#   DATA_DIR defaults to /usr/share/datasets/fashion-mnist (60,000 images, D = 784).
# Needs: cargo, python3 with numpy and scipy; hyperfine (apt-get install hyperfine) is optional.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-/usr/share/datasets/fashion-mnist}
noise=${2:-none}
runs=${3:-10}
target=${CARGO_TARGET_DIR:-target}
cargo build --release --bin recon-align
bin="$target/release/recon-align"
ours="$bin align --data $data --noise $noise --json"
theirs="python3 bench/align_numpy.py $data --noise $noise"
out=$(mktemp -d)
$ours >"$out/ours.json"
# OpenBLAS tuning variables of this environment are dropped for the reference, as documented.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $theirs >"$out/numpy.json"
python3 bench/compare_alignment.py "$out/ours.json" "$out/numpy.json"
# Alternating runs first (robust on a shared machine), then hyperfine's usual report if present.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/alternate.py "$runs" "$ours" "$theirs"
if command -v hyperfine >/dev/null; then
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE hyperfine --warmup 2 --runs "$runs" \
        --export-markdown "$out/hyperfine.md" -n recon-align "$ours" -n numpy+scipy "$theirs"
    cat "$out/hyperfine.md"
else
    echo "(hyperfine not installed: its report is skipped; the alternating runs above are the result)"
fi
rm -r "$out"
