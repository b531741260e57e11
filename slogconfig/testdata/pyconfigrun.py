"""CPython's side of the network handler classes' comparisons.

usage: pyconfigrun.py CONFIG

Applies CONFIG with logging.config (dictConfig for .json, .yaml and .yml,
fileConfig otherwise), logs the records read as JSON from stdin
([[logger, level number, message], ...]; level 25 is named NOTICE), shuts
logging down, and writes the handler errors as a JSON list of strings on
stdout.
"""
import json
import logging
import logging.config
import sys

path = sys.argv[1]
errors = []


def handle_error(self, record):
    errors.append("%s: %s" % (self.name, sys.exc_info()[1]))


logging.Handler.handleError = handle_error
logging.addLevelName(25, "NOTICE")
if path.endswith(".json"):
    with open(path) as f:
        logging.config.dictConfig(json.load(f))
elif path.endswith((".yaml", ".yml")):
    import yaml

    with open(path) as f:
        logging.config.dictConfig(yaml.safe_load(f))
else:
    logging.config.fileConfig(path)
for name, level, msg in json.load(sys.stdin):
    logging.getLogger(name).log(level, msg)
logging.shutdown()
json.dump(errors, sys.stdout)
