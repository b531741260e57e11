"""Formats the cases of pydiff_test.go with CPython's logging.Formatter.

Reads a JSON list of cases on stdin and prints a JSON list of
{"out": text, "err": message} in the same order. Records are built by
LogRecord itself at a fixed time, so created and msecs follow CPython's
own arithmetic; times are converted with time.gmtime.
"""
import datetime
import json
import logging
import sys
import time
import types


def value(a):
    t, v = a["t"], a.get("v")
    if t == "float":
        return float(v)
    if t == "none":
        return None
    if t == "time":
        # [Unix seconds, nanoseconds, UTC offset in seconds]: an aware
        # datetime, to the microsecond as Python keeps it.
        sec, nsec, off = v
        tz = datetime.timezone(datetime.timedelta(seconds=off))
        return datetime.datetime.fromtimestamp(sec, tz) + datetime.timedelta(microseconds=nsec // 1000)
    return v


def record(c):
    real_time = time.time
    time.time = lambda: c["created"]
    try:
        levelno = c["levelno"]
        rec = logging.LogRecord(c["name"], levelno, "/src/app/main.py", 42, c["msg"], None, None, "handler")
    finally:
        time.time = real_time
    rec.process = c["process"]
    for a in c["attrs"] or []:
        # A slog group member g.k is both the key "g.k" (for %(g.k)s) and
        # the attribute k of an object g (for {g.k}).
        rec.__dict__[a["k"]] = value(a)
        if "." in a["k"]:
            group, key = a["k"].split(".", 1)
            ns = rec.__dict__.setdefault(group, types.SimpleNamespace())
            setattr(ns, key, value(a))
    return rec


def main():
    out = []
    for c in json.load(sys.stdin):
        try:
            f = logging.Formatter(c["fmt"] or None, c["datefmt"] or None, style=c["style"],
                                  validate=c["validate"], defaults=c["defaults"] or None)
            f.converter = time.gmtime
            out.append({"out": f.format(record(c)), "err": ""})
        except (ValueError, TypeError, KeyError, OverflowError) as e:
            out.append({"out": "", "err": str(e)})
    print(json.dumps(out))


main()
