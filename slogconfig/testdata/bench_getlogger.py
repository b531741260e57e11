"""Time CPython's logging.getLogger for BenchmarkNewLoggers100000FlatCPython.

Reads the number of logger names n from argv[1] and creates the flat
names n0 .. n<n-1>, as the Go benchmark does, in a fresh logging.Manager
(the manager of a fresh interpreter, which logging.getLogger uses):
timing only the loop, best of five managers.

Prints the nanoseconds the whole loop takes.
"""

import logging
import sys
import time


def main():
    n = int(sys.argv[1])
    names = ["n%d" % i for i in range(n)]
    best = None
    for _ in range(5):
        manager = logging.Manager(logging.RootLogger(logging.WARNING))
        get = manager.getLogger
        start = time.perf_counter_ns()
        for name in names:
            get(name)
        elapsed = time.perf_counter_ns() - start
        if len(manager.loggerDict) != n:
            sys.exit("wrong number of loggers: %d" % len(manager.loggerDict))
        best = elapsed if best is None else min(best, elapsed)
    print(best)


if __name__ == "__main__":
    main()
