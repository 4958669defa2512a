#!/usr/bin/env python3
"""Runs two commands alternately (A, B, A, B, ...) so that both see the same background load,
and reports wall and CPU (user + sys) seconds: min and median over the runs.

usage: alternate.py RUNS 'COMMAND A' 'COMMAND B'
"""
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(shlex.split(cmd), stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    runs, commands = int(sys.argv[1]), sys.argv[2:4]
    for cmd in commands:  # warm-up: page cache, Python bytecode
        run(cmd)
    times = {cmd: [] for cmd in commands}
    for _ in range(runs):
        for cmd in commands:
            times[cmd].append(run(cmd))
    print(f"{'command':<70} {'wall min':>9} {'wall med':>9} {'cpu min':>8} {'cpu med':>8}")
    for cmd in commands:
        wall = [w for w, _ in times[cmd]]
        cpu = [c for _, c in times[cmd]]
        print(f"{cmd[:70]:<70} {min(wall):9.3f} {statistics.median(wall):9.3f} {min(cpu):8.3f} {statistics.median(cpu):8.3f}")
    a, b = (statistics.median([w for w, _ in times[c]]) for c in commands)
    a_min, b_min = (min(w for w, _ in times[c]) for c in commands)
    print(f"ratio B/A: median wall {b / a:.2f}x, min wall {b_min / a_min:.2f}x  (load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
