"""CPython's side of TestSMTPMatchesCPython.

Reads {"mailhost": [host, port], "fromaddr", "toaddrs", "subject",
"credentials", "secure", "format", "records": [[logger, level, message],
...]} on stdin, sends each record through one logging.handlers.SMTPHandler
with a logging.Formatter of format, and writes the handler errors as a
JSON list of strings on stdout. Level 25 is named NOTICE.
"""
import json
import logging
import logging.handlers
import sys

spec = json.load(sys.stdin)
errors = []
logging.addLevelName(25, "NOTICE")
secure = spec.get("secure")
h = logging.handlers.SMTPHandler(
    tuple(spec["mailhost"]), spec["fromaddr"], spec["toaddrs"], spec["subject"],
    credentials=spec.get("credentials"), secure=tuple(secure) if secure is not None else None, timeout=10.0)
h.setFormatter(logging.Formatter(spec["format"]))
h.handleError = lambda record: errors.append("%s: %r" % (record.getMessage(), sys.exc_info()[1]))
for name, level, msg in spec["records"]:
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.handlers = [h]
    logger.setLevel(1)
    logger.log(level, msg)
h.close()
json.dump(errors, sys.stdout)
