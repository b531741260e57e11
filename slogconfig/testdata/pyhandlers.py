"""CPython side of slogconfig's comparisons for the buffering and rotating
handlers (classes_files_test.go).

Usage: python3 pyhandlers.py MODE < cases.json > results.json

MODE "timed": each case is {"when", "interval", "utc", "atTime" ("HH:MM[:SS]"
or null), "start" (Unix seconds), "n"}; the result is the first n rollover
times of a TimedRotatingFileHandler created at "start" (with no existing
file), each later one after a rollover made exactly at the previous one, as
CPython computes them (computeRollover, then doRollover). Set TZ for the
local time zone.

MODE "rotating": each case is {"maxBytes", "backupCount", "records": [str]};
each record is logged at INFO through a RotatingFileHandler with the format
%(message)s in a new temporary directory; the result is the contents of
the files, oldest backup first, the live file last.

MODE "handlers": each case is {"config": a dictConfig dictionary, "steps":
[{"logger", "level", "msg"}, {"shutdown": true} or {"config": a new
dictConfig dictionary}], "final": bool}. Every
logging.StreamHandler of the configuration writes to a buffer of its own;
the result is, after each step (or only after the last one when "final" is
set), the lines of every buffer by handler id. QueueHandler entries may use
Python 3.12's keys (queue with maxsize, handlers, respect_handler_level):
on older versions the handler and its QueueListener are built here with
the same meaning, and the listener is started, as slogconfig does.
"""

import datetime
import io
import json
import logging
import logging.config
import logging.handlers
import os
import queue
import sys
import tempfile
import time


def timed(cases):
    real = time.time
    now = [0]
    time.time = lambda: now[0]
    out = []
    d = tempfile.mkdtemp()
    try:
        for i, c in enumerate(cases):
            at = None
            if c.get("atTime"):
                parts = [int(p) for p in c["atTime"].split(":")] + [0]
                at = datetime.time(parts[0], parts[1], parts[2])
            now[0] = c["start"]
            h = logging.handlers.TimedRotatingFileHandler(
                os.path.join(d, "t%d.log" % i), when=c["when"], interval=c["interval"],
                utc=c["utc"], atTime=at, delay=True)
            seq = [h.rolloverAt]
            for _ in range(c["n"] - 1):
                now[0] = h.rolloverAt
                h.doRollover()
                seq.append(h.rolloverAt)
            h.close()
            out.append(seq)
    finally:
        time.time = real
    return out


def snapshot(buffers):
    return {k: v.getvalue().splitlines() for k, v in sorted(buffers.items())}


def apply(config, buffers):
    """dictConfig config, with its StreamHandlers writing to buffers (by
    handler id) and its queue listeners started; returns the listeners."""
    config = json.loads(json.dumps(config))
    pending = {}
    for hid, h in list(config.get("handlers", {}).items()):
        if h.get("class") != "logging.handlers.QueueHandler":
            continue
        spec = {
            "handlers": h.pop("handlers", []),
            "respect": h.pop("respect_handler_level", False),
        }
        q = h.pop("queue", None) or {}
        h.pop("listener", None)
        del h["class"]
        h["()"] = lambda maxsize=0: logging.handlers.QueueHandler(queue.Queue(maxsize))
        h["maxsize"] = q.get("maxsize", 0)
        pending[hid] = spec

    logging.config.dictConfig(config)
    for name, h in list(logging._handlers.items()):
        if type(h) is logging.StreamHandler:
            h.setStream(buffers.setdefault(name, io.StringIO()))
    listeners = []
    for hid, spec in pending.items():
        qh = logging._handlers[hid]
        targets = [logging._handlers[t] for t in spec["handlers"]]
        ql = logging.handlers.QueueListener(qh.queue, *targets, respect_handler_level=spec["respect"])
        ql.start()
        listeners.append(ql)
    return listeners


def run_handlers(case):
    buffers = {}
    listeners = apply(case["config"], buffers)
    snaps = []
    for step in case["steps"]:
        if step.get("shutdown") or step.get("config"):
            # slogconfig drains its queues before it closes what they feed.
            for ql in listeners:
                ql.stop()
            listeners = []
        if step.get("shutdown"):
            logging.shutdown(list(logging._handlerList))
        elif step.get("config"):
            listeners = apply(step["config"], buffers)
        else:
            logging.getLogger(step["logger"]).log(logging.getLevelName(step["level"]), step["msg"])
        if not case.get("final"):
            snaps.append(snapshot(buffers))
    for ql in listeners:
        ql.stop()
    if case.get("final"):
        snaps.append(snapshot(buffers))
    # Leave nothing for the next case: no handlers, and no loggers that
    # the next configuration would find existing.
    logging.shutdown(list(logging._handlerList))
    logging.config.dictConfig({"version": 1, "root": {"handlers": [], "level": "WARNING"}})
    logging.Logger.manager.loggerDict.clear()
    return snaps


def rotating(case):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "app.log")
        h = logging.handlers.RotatingFileHandler(path, maxBytes=case["maxBytes"], backupCount=case["backupCount"])
        h.setFormatter(logging.Formatter("%(message)s"))
        log = logging.Logger("rot")
        log.addHandler(h)
        for msg in case["records"]:
            log.info(msg)
        h.close()
        names = ["%s.%d" % (path, i) for i in range(case["backupCount"], 0, -1)] + [path]
        out = []
        for n in names:
            if os.path.exists(n):
                with open(n, encoding="utf-8") as f:
                    out.append(f.read())
        return out


def main():
    mode = sys.argv[1]
    cases = json.load(sys.stdin)
    if mode == "timed":
        result = timed(cases)
    elif mode == "handlers":
        result = [run_handlers(c) for c in cases]
    elif mode == "rotating":
        result = [rotating(c) for c in cases]
    else:
        raise SystemExit("unknown mode %r" % mode)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
