"""Runs pydiff scenarios through CPython's logging.config.dictConfig.

Read by pydiff_test.go. Input on stdin, a JSON object:

    {"scenarios": [{"name": str, "streams": [handler ids],
                    "steps": [{"op": "get", "name": str}
                              | {"op": "config", "config": dict}
                              | {"op": "log", "name": str, "level": int, "msg": str}]}]}

Output on stdout, a JSON list with one entry per scenario:

    {"name": str, "events": [str], "notes": [str]}

Events, in order: "config ok", "config rejected", and one "<id>: <line>"
per line a handler wrote, where <id> is the handler's stream (ext://cap.<id>)
or "lastResort". A scenario stops at its first rejected config: Python is
then left half-configured, and slogtree is atomic. Notes hold the
rejection messages, for the reader of a failure.
"""

import json
import logging
import logging.config
import sys
import types

events = []


class Collector:
    """A stream that records each write as one event."""

    def __init__(self, ident):
        self.ident = ident

    def write(self, s):
        if s.endswith("\n"):
            s = s[:-1]
        events.append("%s: %s" % (self.ident, s))

    def flush(self):
        pass


cap = types.ModuleType("cap")
sys.modules["cap"] = cap

last_resort = logging.StreamHandler(Collector("lastResort"))
last_resort.setLevel(logging.WARNING)
last_resort.setFormatter(logging.Formatter("%(message)s"))


def reset():
    """Puts logging back in its import-time state."""
    root = logging.root
    for h in list(root.handlers):
        root.removeHandler(h)
    for f in list(root.filters):
        root.removeFilter(f)
    root.setLevel(logging.WARNING)
    root.disabled = False
    root.propagate = True
    manager = logging.Logger.manager
    manager.loggerDict.clear()
    manager.disable = 0
    manager.emittedNoHandlerWarning = False
    manager._clear_cache()
    logging._handlers.clear()
    del logging._handlerList[:]
    for name in list(vars(cap)):
        if not name.startswith("__"):
            delattr(cap, name)
    logging.lastResort = last_resort


def describe(exc):
    parts = []
    while exc is not None:
        parts.append("%s: %s" % (type(exc).__name__, exc))
        exc = exc.__cause__
    return " <- ".join(parts)


def run(scenario):
    reset()
    del events[:]
    notes = []
    for ident in scenario.get("streams") or []:
        setattr(cap, ident, Collector(ident))
    for step in scenario["steps"]:
        op = step["op"]
        if op == "get":
            logging.getLogger(step["name"])
        elif op == "log":
            logging.getLogger(step["name"]).log(step["level"], step["msg"])
        elif op == "config":
            try:
                logging.config.dictConfig(step["config"])
            except Exception as exc:  # every failure is a rejection
                events.append("config rejected")
                notes.append(describe(exc))
                break
            events.append("config ok")
        else:
            raise SystemExit("pydiff.py: unknown op %r" % op)
    return {"name": scenario["name"], "events": list(events), "notes": notes}


def main():
    data = json.load(sys.stdin)
    out = [run(s) for s in data["scenarios"]]
    reset()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
