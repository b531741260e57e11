"""Time CPython's logging.config.dictConfig for BenchmarkDictConfigCPython.

Reads {"config": {...}, "names": [...]} as JSON on stdin: a dictConfig
dictionary as slogtree's benchmark applies it, and the logger names that
already exist when it is applied. Two things slogtree has and CPython has
not are mapped: a "json" or "text" formatter class becomes
logging.Formatter, and ext://bench.out becomes a stream on os.devnull.

Prints the nanoseconds one dictConfig call takes: timeit's autorange
number of calls, best of five more repeats unless one call takes more than
20 ms (CPython's dictConfig is quadratic in the number of existing
loggers, and a second of timing is plenty then).
"""

import copy
import json
import logging
import logging.config
import os
import sys
import timeit

STREAM = "ext://bench.out"


def prepare(config, stream):
    """Return config with slogtree's names mapped to CPython's."""
    config = copy.deepcopy(config)
    for f in config.get("formatters", {}).values():
        if f.get("class") in ("json", "text"):
            del f["class"]
    for h in config.get("handlers", {}).values():
        if h.get("stream") == STREAM:
            h["stream"] = stream
    return config


def main():
    spec = json.load(sys.stdin)
    with open(os.devnull, "w") as devnull:
        config = prepare(spec["config"], devnull)
        for name in spec.get("names") or []:
            logging.getLogger(name)
        logging.config.dictConfig(config)
        # dictConfig works on copies: the same dictionary can be applied
        # again, as the Go benchmark does.
        if config != prepare(spec["config"], devnull):
            sys.exit("dictConfig changed its configuration dictionary")
        timer = timeit.Timer(lambda: logging.config.dictConfig(config))
        number, total = timer.autorange()
        best = total / number
        if best < 0.02:
            best = min(best, min(timer.repeat(repeat=5, number=number)) / number)
        logging.shutdown()
    print(round(best * 1e9))


if __name__ == "__main__":
    main()
