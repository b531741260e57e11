"""Time CPython's logging on the scenarios of BenchmarkLog (bench_test.go).

Each scenario logs the record the Go loggers log, through a logger
"app.db" of a logging.Manager of its own at INFO, to a StreamHandler on a
stream whose write does nothing (Go's io.Discard), except where the
scenario says otherwise:

  disabled  logger.debug with the five attributes as extra
  attrs0    logger.info(msg)
  attrs5    logger.info(msg, extra=the five: str, int, float, bool, datetime)
  with10    a LoggerAdapter holding the ten, merging the call's extra
            (Python 3.13's merge_extra=True), .info(msg, extra={"status": 200})
  multi3    attrs5 through handlers on app.db, app and root, by propagation
  rotating  attrs5 to a RotatingFileHandler (maxBytes 10 MiB, backupCount 3)
  queue     attrs5 to a QueueHandler on a queue.Queue(10000), whose
            QueueListener writes to the stream; timed until the listener
            has written every record (listener.stop())
  parallel  attrs5 from two threads (the machine's two cores; the GIL lets
            one run at a time)
  text      attrs5 with logging.Formatter's %-style benchPattern, the extra
            attributes appended as key=value, as slogtree's pattern does

The JSON formatter is what a CPython program adds (the standard library
has none): the time as logging formats asctime, the level name, the
message, the logger name, then the record's extra attributes (found as
python-json-logger finds them: the record's attributes that a LogRecord
does not have), through json.dumps.

Timing is timeit's: statements compiled into a loop, the number of loops
grown until one measurement takes at least --min-time seconds, then
--repeat measurements; the median, in nanoseconds per record, is printed
as JSON: {"python": version, "ns_per_op": {scenario: ns}}. The garbage
collector stays on, as in a program (and as Go's is in the Go benchmarks).

With --check, each scenario logs one record to streams that keep what they
get, and the lines are printed as JSON, {scenario: [[line, ...] per
sink]}, for the Go test that checks them (TestCPythonOutput).
"""

import argparse
import datetime
import gc
import json
import logging
import logging.handlers
import os
import platform
import queue
import statistics
import sys
import tempfile
import threading
import time
import timeit

MSG = "request handled"
LOGGER = "app.db"
PATTERN = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
MAX_BYTES = 10 << 20
BACKUPS = 3
QUEUE_SIZE = 10000
AT = datetime.datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
TEN = {
    "service": "api", "version": "1.4.2", "host": "web-7", "pid": 4242,
    "region": "eu-west-1", "env": "prod", "request_id": "9f3c2a71",
    "user_id": 1001, "trace_id": "4bf92f3577b34da6", "sampled": True,
}

SCENARIOS = ["disabled", "attrs0", "attrs5", "with10", "multi3", "rotating",
             "queue", "parallel", "text"]

# The call of each scenario, as timeit compiles it into its loop.
CALL5 = ('log.%s(MSG, extra={"user": "alice", "status": 200, '
         '"latency_ms": 12.5, "cached": True, "at": AT})')
CALLS = {
    "disabled": CALL5 % "debug",
    "attrs0": "log.info(MSG)",
    "attrs5": CALL5 % "info",
    "with10": 'log.info(MSG, extra={"status": 200})',
}
for _name in ("multi3", "rotating", "queue", "parallel", "text"):
    CALLS[_name] = CALL5 % "info"

# The attributes every LogRecord has: the others came in extra.
RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def extras(record):
    return [(k, v) for k, v in record.__dict__.items() if k not in RESERVED]


def _default(o):
    if isinstance(o, datetime.datetime):
        return o.isoformat()
    return str(o)


class JSONFormatter(logging.Formatter):
    """One JSON object a record: time, level, msg, logger, the extras."""

    def format(self, record):
        d = {"time": self.formatTime(record), "level": record.levelname,
             "msg": record.getMessage(), "logger": record.name}
        d.update(extras(record))
        return json.dumps(d, default=_default)


class TextFormatter(logging.Formatter):
    """PATTERN, then the extra attributes as key=value."""

    def format(self, record):
        s = super().format(record)
        ex = extras(record)
        if ex:
            s += " " + " ".join("%s=%s" % kv for kv in ex)
        return s


class MergingAdapter(logging.LoggerAdapter):
    """A LoggerAdapter whose extra is merged with the call's."""

    def process(self, msg, kwargs):
        kwargs["extra"] = {**self.extra, **kwargs.get("extra", {})}
        return msg, kwargs


class NullStream:
    """A stream that keeps nothing: Go's io.Discard."""

    def write(self, s):
        return len(s)

    def flush(self):
        pass


class KeepStream:
    """A stream that keeps what it gets, for --check."""

    def __init__(self):
        self.parts = []

    def write(self, s):
        self.parts.append(s)
        return len(s)

    def flush(self):
        pass

    def lines(self):
        return "".join(self.parts).splitlines()


class Setup:
    """A scenario's logger and what stops it."""

    def __init__(self, name, new_stream, directory):
        self.name = name
        self.path = os.path.join(directory, "app.log")
        self.streams = []
        self.listener = None
        manager = logging.Manager(logging.RootLogger(logging.INFO))
        root = manager.root
        log = manager.getLogger(LOGGER)
        formatter = TextFormatter(PATTERN) if name == "text" else JSONFormatter()

        def stream_handler():
            s = new_stream()
            self.streams.append(s)
            h = logging.StreamHandler(s)
            h.setFormatter(formatter)
            return h

        if name == "multi3":
            log.addHandler(stream_handler())
            manager.getLogger("app").addHandler(stream_handler())
            root.addHandler(stream_handler())
        elif name == "rotating":
            h = logging.handlers.RotatingFileHandler(
                self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS)
            h.setFormatter(formatter)
            root.addHandler(h)
        elif name == "queue":
            q = queue.Queue(QUEUE_SIZE)
            root.addHandler(logging.handlers.QueueHandler(q))
            self.listener = logging.handlers.QueueListener(q, stream_handler())
            self.listener.start()
        else:
            root.addHandler(stream_handler())
        self.handlers = [h for lg in (log, manager.getLogger("app"), root) for h in lg.handlers]
        self.log = MergingAdapter(log, TEN) if name == "with10" else log

    def stop(self):
        """Flush and close: the queue's listener writes what it holds."""
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        for h in self.handlers:
            h.close()


def globals_of(setup):
    return {"log": setup.log, "MSG": MSG, "AT": AT, "gc": gc}


def run_plain(name, directory, n):
    """Log n records of scenario name in a loop compiled by timeit."""
    setup = Setup(name, NullStream, directory)
    timer = timeit.Timer(CALLS[name], setup="gc.enable()", globals=globals_of(setup))
    elapsed = timer.timeit(n)
    setup.stop()
    return elapsed


def run_queue(name, directory, n):
    """Log n records through the queue; the time includes its drain."""
    setup = Setup(name, NullStream, directory)
    timer = timeit.Timer(CALLS[name], setup="gc.enable()", globals=globals_of(setup))
    start = time.perf_counter()
    timer.timeit(n)
    setup.stop()
    return time.perf_counter() - start


def run_parallel(name, directory, n, threads=2):
    """Log n records, n/threads from each thread; wall time."""
    setup = Setup(name, NullStream, directory)
    timer = timeit.Timer(CALLS[name], setup="gc.enable()", globals=globals_of(setup))
    barrier = threading.Barrier(threads + 1)
    each = max(1, n // threads)

    def work():
        barrier.wait()
        timer.timeit(each)

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    start = time.perf_counter()
    barrier.wait()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - start
    setup.stop()
    return elapsed * n / (each * threads)


RUNNERS = {"queue": run_queue, "parallel": run_parallel}


def measure(name, directory, min_time, repeat):
    """Median nanoseconds per record of scenario name."""
    run = RUNNERS.get(name, run_plain)
    n = 100
    while True:
        elapsed = run(name, directory, n)
        if elapsed >= min_time:
            break
        n = max(n * 2, int(n * min_time / max(elapsed, 1e-9) * 1.2))
    times = [elapsed] + [run(name, directory, n) for _ in range(repeat - 1)]
    return statistics.median(times) / n * 1e9


def check(directory):
    """Log one record of each scenario; return the lines by sink."""
    out = {}
    for name in SCENARIOS:
        d = os.path.join(directory, name)
        os.makedirs(d)
        setup = Setup(name, KeepStream, d)
        exec(CALLS[name], globals_of(setup))
        setup.stop()
        if name == "rotating":
            lines = []
            for f in sorted(os.listdir(d)):
                with open(os.path.join(d, f), encoding="utf-8") as fh:
                    lines += fh.read().splitlines()
            out[name] = [lines]
        else:
            out[name] = [s.lines() for s in setup.streams]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="print one record of each scenario")
    p.add_argument("--dir", help="directory for the rotating files (default: a temporary one)")
    p.add_argument("--min-time", type=float, default=0.2, help="seconds of one measurement")
    p.add_argument("--repeat", type=int, default=5, help="measurements per scenario")
    p.add_argument("--scenario", action="append", help="only these scenarios")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or tmp
        if args.check:
            json.dump(check(directory), sys.stdout)
            return
        res = {}
        for name in args.scenario or SCENARIOS:
            d = os.path.join(directory, name)
            os.makedirs(d, exist_ok=True)
            res[name] = round(measure(name, d, args.min_time, args.repeat), 1)
    json.dump({"python": platform.python_version(), "ns_per_op": res}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
