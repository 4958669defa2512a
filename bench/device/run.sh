#!/usr/bin/env bash
# The device check: recon-align on a real GPU, beside PyTorch on the same GPU, in one run.
# Built by `cargo xtask device-pack` into one folder (this script at its top); needs only a Linux
# x86-64 machine with a GPU driver and xz: no network, no Rust, no Node (a Node binary travels
# compressed in the folder). It ends within 5 minutes on one NVIDIA H200.
#
#   ./run.sh            everything, and fail unless a real GPU (not an emulator) did the GPU work
#   ./run.sh --smoke    the same steps, small, on whatever adapter there is (lavapipe in CI):
#                       checks that every piece of the folder runs; `cargo xtask test` runs it
#
# Steps: (1) the GPU test binaries, (2) gpu_bench (Gram, GEMM, a DAE epoch; WGSL against faer),
# (3) the CLI's GPU commands, (4) the same work in PyTorch when `import torch` works, (5) the
# page's wasm on WebGPU through Dawn (npm `webgpu`) in Node. Then one table on stdout.
# Exit status: 0 when every step that could run passed, 1 otherwise.
set -uo pipefail
PACK=$(cd "$(dirname "$0")" && pwd)
SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
WORK=$(mktemp -d -t recon-align-device.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ROWS="$WORK/rows.jsonl"
: >"$ROWS"
FAILED=0
note() { printf '%s\n' "$*" >&2; }
fail() { note "FAILED: $*"; FAILED=1; printf '{"part": "check", "work": "%s", "rate": "FAILED", "unit": ""}\n' "$1" >>"$ROWS"; }
pass() { printf '{"part": "check", "work": "%s", "rate": "%s", "unit": ""}\n' "$1" "$2" >>"$ROWS"; }

command -v xz >/dev/null || { note "run.sh needs xz to unpack the binaries"; exit 1; }
mkdir -p "$WORK/bin"
for f in "$PACK"/bin/*.xz; do xz -dc "$f" >"$WORK/bin/$(basename "$f" .xz)"; done
chmod +x "$WORK"/bin/*

# The Vulkan loader and GL dispatch libraries from Debian's packages travel in lib/; the
# system's loader wins when it has one. NVIDIA containers often register their driver under
# /usr/local/nvidia only.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
    export LD_LIBRARY_PATH="$PACK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ]; then
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
    export XDG_RUNTIME_DIR="$WORK/xdg"
    mkdir -m 700 "$XDG_RUNTIME_DIR"
fi
command -v nvidia-smi >/dev/null && note "$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"
cd "$PACK" # the binaries find the bundled data in www/data/
export RECON_ALIGN_REQUIRE_GPU=1 RECON_ALIGN_REQUIRE_DATA=1

# Which adapter wgpu picks; the GPU steps below need a real one unless --smoke.
adapter() { "$WORK/bin/gpu_bench" --adapter 2>/dev/null | sed -n 's/^adapter: //p'; }
ADAPTER=$(adapter)
# Some drivers find the dispatch libraries only through the linker's cache, not LD_LIBRARY_PATH
# (NVIDIA's Vulkan driver in a bare container did): as root, register lib/ there for this run.
LDCONF=/etc/ld.so.conf.d/zz-recon-align-device.conf
if [ -z "$ADAPTER" ] && [ "$(id -u)" = 0 ] && [ -d /etc/ld.so.conf.d ]; then
    note "no adapter through LD_LIBRARY_PATH; registering $PACK/lib with ldconfig for this run"
    echo "$PACK/lib" >"$LDCONF" && ldconfig
    trap 'rm -f "$LDCONF"; ldconfig; rm -rf "$WORK"' EXIT
    ADAPTER=$(adapter)
fi
note "adapter: ${ADAPTER:-none}"
case "$ADAPTER" in
    "") fail "gpu adapter" ;;
    *llvmpipe* | *lavapipe* | *SwiftShader*) [ $SMOKE = 1 ] && pass "gpu adapter" "emulator" || fail "gpu adapter is an emulator" ;;
    *) pass "gpu adapter" "found" ;;
esac

# (1) GPU tests. Smoke: list them (the binaries load and link).
for t in "$WORK"/bin/gpu_*; do
    name=$(basename "$t")
    [ "$name" = gpu_bench ] && continue
    if [ $SMOKE = 1 ]; then
        count=$("$t" --list 2>/dev/null | grep -c ': test$') && [ "$count" -gt 0 ] \
            && pass "tests $name" "$count listed" || fail "tests $name"
    else
        out=$(timeout 120 "$t" --test-threads=4 2>&1)
        summary=$(printf '%s\n' "$out" | grep '^test result:' | tail -1)
        if printf '%s' "$summary" | grep -q '^test result: ok'; then
            pass "tests $name" "$(printf '%s' "$summary" | sed 's/^test result: ok. \([0-9]*\) passed.*/\1 passed/')"
        else
            printf '%s\n' "$out" | grep -E 'panicked|FAILED|failed|error' | head -20 >&2
            fail "tests $name"
        fi
    fi
done

# (2) Kernels: WGSL against faer on this machine's CPU cores.
SIZES="10000 60000"
[ $SMOKE = 1 ] && SIZES="256"
GEMM=""
[ $SMOKE = 0 ] && GEMM="--gemm 2048" # a product large enough that the kernel sets its time
timeout 180 "$WORK/bin/gpu_bench" --json $GEMM $SIZES >>"$ROWS" || fail "gpu_bench"

# (3) The CLI's GPU commands, timed end to end (device start-up included).
EPOCHS=""
[ $SMOKE = 1 ] && EPOCHS="--epochs 1"
clock() { # clock <work> <command...>: one row with the wall time
    local work=$1; shift
    local start end
    start=$(date +%s.%N)
    if timeout 120 "$@" >"$WORK/cli.out" 2>"$WORK/cli.err"; then
        end=$(date +%s.%N)
        awk -v w="$work" -v a="$start" -v b="$end" 'BEGIN {
            printf "{\"part\": \"cli\", \"work\": \"%s\", \"seconds\": %.3f, \"rate\": %.3f, \"unit\": \"s wall\"}\n", w, b - a, b - a
        }' >>"$ROWS"
    else
        tail -5 "$WORK/cli.err" >&2
        fail "cli $work"
    fi
}
clock "train --backend gpu" "$WORK/bin/recon-align" train --data mnist --backend gpu --json $EPOCHS
clock "train --backend cpu" "$WORK/bin/recon-align" train --data mnist --backend cpu --json $EPOCHS
clock "align --gram gpu" "$WORK/bin/recon-align" align --data mnist --gram gpu --json
clock "align --gram cpu" "$WORK/bin/recon-align" align --data mnist --gram cpu --json

# (4) PyTorch on the same GPU, when it is there.
if [ $SMOKE = 0 ] && python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    timeout 120 python3 "$PACK/torch_bench.py" $SIZES >>"$ROWS" || fail "torch_bench"
else
    pass "torch" "not run (no torch with CUDA here$([ $SMOKE = 1 ] && echo ', smoke'))"
fi

# (5) The page's wasm on WebGPU through Dawn, in Node.
NODE=$(command -v node || true)
if [ -z "$NODE" ]; then
    xz -dc "$PACK/web/node.xz" >"$WORK/node" && chmod +x "$WORK/node" && NODE="$WORK/node"
fi
cp -r "$PACK/web" "$WORK/web"
xz -d "$WORK/web/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
N_DAWN=10000 # the bundled digits are sorted by class: 10,000 hold all ten
timeout 150 "$NODE" "$WORK/web/dawn.mjs" "$WORK/web/pkg" "$PACK/www/data/mnist.bin" $N_DAWN >"$WORK/dawn.jsonl"
code=$?
cat "$WORK/dawn.jsonl" >>"$ROWS"
if [ $code != 0 ]; then
    fail "dawn (exit $code)"
elif grep -q '"work":"adapter".*"found":false' "$WORK/dawn.jsonl"; then
    [ $SMOKE = 1 ] && pass "dawn adapter" "none (CPU path ran)" || fail "dawn: no WebGPU adapter"
else
    pass "dawn adapter" "found"
fi

# The table: each work's rate on every part, and ours against PyTorch where both ran.
echo
awk -f "$PACK/table.awk" "$ROWS"
exit $FAILED
