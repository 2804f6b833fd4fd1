#!/usr/bin/env python3
"""TCP helpers for tests/suites/netns-e2e.sh (run inside network namespaces).

  tcp.py listen ADDR PORT PIDFILE   a listener that stands for sshd: it detaches,
                                    accepts and closes connections, and returns once
                                    it listens (its pid in PIDFILE)
  tcp.py stop PIDFILE               stops that listener and returns once it is gone
  tcp.py probe ADDR PORT LOG STOP   connects again and again (0.1 s timeout) until
                                    the file STOP exists; one line per attempt in LOG:
                                    "ok MS" (got in) or "no MS", MS since the start
  tcp.py once ADDR PORT             exit status 0 when a connection succeeds
"""
import errno
import os
import socket
import sys
import time


def listen(addr, port, pidfile):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((addr, int(port)))
    sock.listen(64)
    rd, wr = os.pipe()
    if os.fork():  # the parent returns once the child is detached and listening
        os.close(wr)
        os.read(rd, 1)
        return 0
    os.close(rd)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    os.write(wr, b"x")
    os.close(wr)
    while True:
        conn, _ = sock.accept()
        conn.close()


def alive(pid):
    """Running: a zombie (exited, waiting for a parent that may never reap
    it, as in some containers) has closed its sockets already."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop(pidfile):
    try:
        pid = int(open(pidfile).read())
    except (OSError, ValueError):
        return 0
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        pass
    for _ in range(400):  # wait until it is gone (its socket closes with it)
        if not alive(pid):
            break
        time.sleep(0.01)
    os.unlink(pidfile)
    return 0


def attempt(addr, port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, int(port)))
        return True
    except OSError:
        return False
    finally:
        s.close()


def probe(addr, port, log, stopfile):
    start = time.monotonic()
    with open(log, "w", buffering=1) as out:
        while not os.path.exists(stopfile):
            ok = attempt(addr, port, 0.1)
            out.write("%s %d\n" % ("ok" if ok else "no", (time.monotonic() - start) * 1000))
            if not ok:
                time.sleep(0.002)  # refused comes back at once: do not spin
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "listen" and len(argv) == 5:
        return listen(argv[2], argv[3], argv[4])
    if cmd == "stop" and len(argv) == 3:
        return stop(argv[2])
    if cmd == "probe" and len(argv) == 6:
        return probe(argv[2], argv[3], argv[4], argv[5])
    if cmd == "once" and len(argv) == 4:
        return 0 if attempt(argv[2], argv[3], 0.5) else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
