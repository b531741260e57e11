"""Prints CPython's logger tree, as logging_tree 1.9 prints its loggers.

Read by snapshot_test.go (TestTreeMatchesCPython). Input on stdin, a JSON
object:

    {"scenarios": [{"name": str, "steps": [{"get": [names]} | {"config": dict}]}]}

Output on stdout, a JSON list with one entry per scenario:

    {"name": str, "events": [the lines of the tree], "notes": []}

logging_tree cannot be installed here, so its describe() is reproduced
from brandon-rhodes/logging_tree 1.9 (logging_tree/nodes.py tree() and
logging_tree/format.py _describe), for the lines about loggers: the
arrows, placeholders, "Broken .parent", Level, Propagate OFF and
Disabled. Filters and handlers are left out: slogtree's differ from
Python's objects. Each scenario starts from a fresh logging module.
"""

import importlib
import json
import logging
import logging.config
import sys


def tree():
    # logging_tree.nodes.tree(), a name under the name before its last
    # dot; a name whose parent name is not in loggerDict (".x" in CPython)
    # goes under root, where logging_tree would fail.
    root = ("", logging.root, [])
    nodes = {}
    for name, logger in sorted(logging.root.manager.loggerDict.items()):
        nodes[name] = node = (name, logger, [])
        i = name.rfind(".", 0, len(name) - 1)
        parent = root if i <= 0 else nodes.get(name[:i], root)
        parent[2].append(node)
    return root


def describe(node, parent):
    # logging_tree.format._describe, without Filter and Handler lines.
    name, logger, children = node
    is_placeholder = isinstance(logger, logging.PlaceHolder)
    if is_placeholder:
        yield "<--[%s]" % name
    else:
        parent_is_correct = (parent is None) or (logger.parent is parent)
        if not logger.propagate:
            arrow = "   "
        elif parent_is_correct:
            arrow = "<--"
        else:
            arrow = " !-"
        yield '%s"%s"' % (arrow, name)
        if not parent_is_correct:
            if logger.parent is None:
                yield "   Broken .parent is None, so messages stop here"
            else:
                yield "   Broken .parent redirects messages to %r instead" % (logger.parent.name,)
        if logger.level == logging.NOTSET:
            yield "   Level NOTSET so inherits level " + logging.getLevelName(logger.getEffectiveLevel())
        else:
            yield "   Level " + logging.getLevelName(logger.level)
        if not logger.propagate:
            yield "   Propagate OFF"
        if logger.disabled:
            yield "   Disabled"
    if children:
        if not is_placeholder:
            parent = logger
        last_child = children[-1]
        for child in children:
            g = describe(child, parent)
            yield "   |"
            yield "   o" + next(g)
            prefix = "    " if child is last_child else "   |"
            for line in g:
                yield prefix + line


def run(sc):
    importlib.reload(logging)
    importlib.reload(logging.config)
    for step in sc["steps"]:
        if "get" in step:
            for n in step["get"]:
                logging.getLogger(n)
        else:
            logging.config.dictConfig(step["config"])
    return [line.rstrip() for line in describe(tree(), None)]


def main():
    scenarios = json.load(sys.stdin)["scenarios"]
    out = [{"name": sc["name"], "events": run(sc), "notes": []} for sc in scenarios]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
