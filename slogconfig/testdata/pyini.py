"""Runs fileconfig_test.go's INI scenarios through CPython's logging.config.fileConfig.

Input on stdin, a JSON object:

    {"scenarios": [{"name": str, "streams": [ids],
                    "steps": [{"op": "get", "name": str}
                              | {"op": "config", "ini": str | null,
                                 "defaults": {str: str} | null,
                                 "disable_existing": bool}
                              | {"op": "log", "name": str, "level": int, "msg": str}
                              | {"op": "files"}]}]}

A config step writes "ini" to a file and calls fileConfig on it; "ini" null
names a file that does not exist. In "defaults" values, {logdir} is a
directory of the scenario's own, where FileHandlers write.

Output on stdout, a JSON list with one entry per scenario:

    {"name": str, "events": [str], "notes": [str]}

Events, in order: "config ok", "config rejected", one "<id>: <line>" per
line a stream wrote (streams are cap.<id>, which INI args name as
cap.<id>), "lastResort: <line>", and for "files" one "file <name>: <line>"
per line of each file in {logdir}, files in name order. A scenario stops at
its first rejected config, as the Go side is atomic and Python is not.
"""

import json
import logging
import logging.config
import logging.handlers
import os
import shutil
import sys
import tempfile
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


# INI args are evaluated in the logging module's namespace: cap.<id> names
# a collector there.
cap = types.ModuleType("cap")
logging.cap = cap

last_resort = logging.StreamHandler(Collector("lastResort"))
last_resort.setLevel(logging.WARNING)
last_resort.setFormatter(logging.Formatter("%(message)s"))


def reset():
    """Closes every handler and puts logging back in its import-time state."""
    logging.shutdown(logging._handlerList[:])
    del logging._handlerList[:]
    logging._handlers.clear()
    root = logging.root
    for h in list(root.handlers):
        root.removeHandler(h)
    root.setLevel(logging.WARNING)
    root.disabled = False
    manager = logging.Logger.manager
    manager.loggerDict.clear()
    manager.disable = 0
    manager.emittedNoHandlerWarning = False
    manager._clear_cache()
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


def run(scenario, workdir):
    reset()
    del events[:]
    notes = []
    logdir = os.path.join(workdir, "logs")
    os.mkdir(logdir)
    for ident in scenario.get("streams") or []:
        setattr(cap, ident, Collector(ident))
    for i, step in enumerate(scenario["steps"]):
        op = step["op"]
        if op == "get":
            logging.getLogger(step["name"])
        elif op == "log":
            logging.getLogger(step["name"]).log(step["level"], step["msg"])
        elif op == "files":
            for name in sorted(os.listdir(logdir)):
                with open(os.path.join(logdir, name), encoding="utf-8") as f:
                    for line in f.read().splitlines():
                        events.append("file %s: %s" % (name, line))
        elif op == "config":
            path = os.path.join(workdir, "config%d.ini" % i)
            if step.get("ini") is not None:
                with open(path, "w", encoding="utf-8", newline="") as f:
                    f.write(step["ini"])
            defaults = step.get("defaults")
            if defaults is not None:
                defaults = {k: v.replace("{logdir}", logdir) for k, v in defaults.items()}
            try:
                logging.config.fileConfig(
                    path, defaults=defaults,
                    disable_existing_loggers=step.get("disable_existing", True))
            except Exception as exc:  # every failure is a rejection
                events.append("config rejected")
                notes.append(describe(exc))
                break
            events.append("config ok")
        else:
            raise SystemExit("pyini.py: unknown op %r" % op)
    return {"name": scenario["name"], "events": list(events), "notes": notes}


def main():
    data = json.load(sys.stdin)
    out = []
    for scenario in data["scenarios"]:
        workdir = tempfile.mkdtemp(prefix="pyini")
        try:
            out.append(run(scenario, workdir))
        finally:
            reset()
            shutil.rmtree(workdir, ignore_errors=True)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
