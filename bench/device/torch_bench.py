"""The yardstick for bench/device/run.sh: the Gram, GEMM and DAE-epoch work of gpu_bench in PyTorch.

fp32 with TF32 off, on the first CUDA device. Each timing repeats the work until at least 50 ms
have passed (after a warm-up) and synchronises before reading the clock. One JSON object per line:
{"part": "torch", "work": ..., "seconds": ..., "rate": ..., "unit": ...}.

Usage: python3 torch_bench.py N [N ...]   (MNIST-shaped random bytes, D = 784)
"""
import json
import sys
import time

import torch


def timed(fn, min_seconds=0.05):
    fn()
    torch.cuda.synchronize()
    reps, start = 0, time.perf_counter()
    while True:
        fn()
        reps += 1
        torch.cuda.synchronize()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / reps


def emit(work, seconds, rate, unit):
    print(json.dumps({"part": "torch", "work": work, "seconds": seconds, "rate": rate, "unit": unit}))


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    print(f"# torch {torch.__version__} on {torch.cuda.get_device_name(0)}", file=sys.stderr)
    d = 784
    gen = torch.Generator(device=dev).manual_seed(0)
    for n in [int(a) for a in sys.argv[1:]] or [10000, 60000]:
        raw = torch.randint(0, 256, (n, d), device=dev, generator=gen, dtype=torch.uint8)
        x = raw.float() / 255.0
        x = (x - x.mean(0)) / x.std()
        t = timed(lambda: x.T @ x)
        emit(f"gram N={n}", t, 2.0 * n * d * d / t / 1e12, "TFLOP/s")
        # One DAE epoch: K = 64, 2x2 mask at p = 0.5, Adam, batch 128 (as gpu_bench).
        k, batch = 64, 128
        w_enc = (torch.randn(d, k, device=dev, generator=gen) * 0.1).requires_grad_()
        w_dec = (torch.randn(k, d, device=dev, generator=gen) * 0.1).requires_grad_()
        opt = torch.optim.Adam([w_enc, w_dec], lr=1e-3)

        def epoch():
            order = torch.randperm(n, device=dev, generator=gen)
            for b in range(0, n, batch):
                xb = x[order[b:b + batch]]
                keep = (torch.rand(xb.shape[0], 1, 14, 14, device=dev, generator=gen) >= 0.5).float()
                keep = keep.repeat_interleave(2, 2).repeat_interleave(2, 3).reshape(xb.shape[0], d)
                loss = ((xb * keep) @ w_enc @ w_dec - xb).pow(2).sum(1).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()

        t = timed(epoch, 0.0)
        emit(f"dae epoch N={n} K=64 mask", t, n / t / 1e3, "k samples/s")
    for side in (d, 2048):
        g = torch.randn(side, side, device=dev, generator=gen)
        t = timed(lambda: g @ g)
        emit(f"gemm {side}^3", t, 2.0 * side ** 3 / t / 1e12, "TFLOP/s")


if __name__ == "__main__":
    main()
