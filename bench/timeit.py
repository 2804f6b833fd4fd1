#!/usr/bin/env python3
"""Times one command for `make bench`: appends its wall seconds, to the
microsecond (GNU time's 10 ms steps are too coarse for the 2,000-resource
update), to OUT.  Peak memory is measured by run.sh with GNU time: a child
of this interpreter would count the interpreter's own memory in its peak.

    timeit.py OUT CMD [ARG...]

The command's output is discarded; its exit status does not matter (check
exits 1 when it finds windows).
"""
import os
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, cmd = sys.argv[1], sys.argv[2:]
    null = os.open(os.devnull, os.O_WRONLY)
    acts = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
    start = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=acts)
    os.waitpid(pid, 0)
    secs = time.perf_counter() - start
    os.close(null)
    with open(out, "a") as f:
        f.write("%.4f\n" % secs)


if __name__ == "__main__":
    main()
