"""CPU time of a harness run, split between the harness and its adapter processes.

    python3 harness/benches/cpu.py HARNESS_BINARY ARG...

Runs the harness with ARG..., samples utime+stime of it and of every process below it from
/proc every few milliseconds until it exits (CPU time is robust to a loaded machine; wall
time is not), and prints one line of JSON: wall seconds, harness CPU seconds and minor page
faults, adapters' CPU seconds and the exit code.
"""

import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    """(ppid, pgrp, utime+stime in seconds, minor page faults) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK, int(fields[7])


def main():
    started = time.perf_counter()
    harness = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    own, faults, below = 0.0, 0, {}
    groups = set()
    while harness.poll() is None:
        seen = stat(harness.pid)
        if seen:
            own, faults = seen[2], seen[3]
        # Adapters lead process groups of their own; their children share the group.
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == harness.pid:
                continue
            seen = stat(int(entry))
            if seen is None:
                continue
            ppid, pgrp, cpu, _ = seen
            if ppid == harness.pid:
                groups.add(pgrp)
            if ppid == harness.pid or pgrp in groups:
                below[int(entry)] = max(cpu, below.get(int(entry), 0.0))
        time.sleep(0.005)
    wall = time.perf_counter() - started
    print(json.dumps({
        "wall_s": round(wall, 3),
        "harness_cpu_s": round(own, 3),
        "harness_page_faults": faults,
        "adapters_cpu_s": round(sum(below.values()), 3),
        "exit": harness.returncode,
    }))


if __name__ == "__main__":
    main()
