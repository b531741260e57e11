"""CPython's side of TestSyslogMatchesCPython.

Reads {"runs": [{"address": [host, port] or path, "socktype": null, "udp"
or "tcp", "cases": [...]}]} on stdin. Each case is one SysLogHandler
(facility, "ident" and "append_nul" properties when given, a formatter
when "format" is given) on logger "logger", which logs "records" ([level
number, message] pairs) and is closed. Level 25 is named NOTICE. Writes
the handler errors as a JSON list of strings on stdout.
"""
import json
import logging
import logging.handlers
import socket
import sys

spec = json.load(sys.stdin)
logging.addLevelName(25, "NOTICE")
errors = []
socktypes = {None: None, "udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}
for run in spec["runs"]:
    address = run["address"]
    if isinstance(address, list):
        address = tuple(address)
    for case in run["cases"]:
        h = logging.handlers.SysLogHandler(address, case["facility"], socktypes[run["socktype"]])
        if "ident" in case:
            h.ident = case["ident"]
        if "append_nul" in case:
            h.append_nul = case["append_nul"]
        if case.get("format") is not None:
            h.setFormatter(logging.Formatter(case["format"]))
        h.handleError = lambda record: errors.append("%s: %s" % (record.getMessage(), sys.exc_info()[1]))
        logger = logging.getLogger(case["logger"])
        logger.propagate = False
        logger.handlers = [h]
        logger.setLevel(1)
        for level, msg in case["records"]:
            logger.log(level, msg)
        h.close()
json.dump(errors, sys.stdout)
