"""Times CPython logging for the pattern benchmark of bench_test.go.

Logs n records (argv[1]) of 3 extras through a logger whose StreamHandler
writes to os.devnull with the format
"%(asctime)s %(levelname)-8s %(name)s: %(message)s", and prints the
nanoseconds per record.
"""
import logging
import os
import sys
import time

n = int(sys.argv[1])
stream = open(os.devnull, "w")
handler = logging.StreamHandler(stream)
handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s"))
logger = logging.getLogger("app.db")
logger.addHandler(handler)
logger.setLevel(logging.INFO)
logger.propagate = False
extra = {"user": "alice", "n": 7, "f": 3.25}
for _ in range(n // 10):  # warm up
    logger.info("hello world", extra=extra)
start = time.perf_counter_ns()
for _ in range(n):
    logger.info("hello world", extra=extra)
print((time.perf_counter_ns() - start) / n)
