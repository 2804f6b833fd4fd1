#!/usr/bin/env python3
"""Times one command for `make bench`: prints its wall seconds (to the
microsecond; GNU time's 10 ms steps are too coarse for the 2,000-resource
update) and its peak resident memory in KiB, like `time -f "%e %M"`.

    timeit.py OUT CMD [ARG...]     (appends "SECONDS KIB" to OUT)

The command's output is discarded; its exit status does not matter (check
exits 1 when it finds windows).
"""
import os
import resource
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, cmd = sys.argv[1], sys.argv[2:]
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=null, stderr=null)
        _, _, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - start
    with open(out, "a") as f:
        f.write("%.4f %d\n" % (secs, usage.ru_maxrss))


if __name__ == "__main__":
    main()
