#!/usr/bin/env python3
"""Compares two `align --json` outputs (ours and numpy's): same n, d, noise; max |diff| of the
alignment curves, in percentage points. Exits non-zero if they disagree by more than 1e-6."""
import json
import sys

a, b = (json.load(open(p)) for p in sys.argv[1:3])
for key in ("n", "d", "noise"):
    assert a[key] == b[key], f"{key}: {a[key]} vs {b[key]}"
diff = max(abs(x - y) for x, y in zip(a["alignment"], b["alignment"], strict=True))
print(f"n={a['n']} d={a['d']} noise={a['noise']}: alignment(32) {a['alignment'][31]:.6f} vs {b['alignment'][31]:.6f}, max |diff| {diff:.3e} points")
sys.exit(0 if diff <= 1e-6 else 1)
