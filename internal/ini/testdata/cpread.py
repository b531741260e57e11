"""Reads INI sources with CPython's configparser, for ini_test.go.

Input on stdin: a JSON list of {"src": str, "defaults": {str: str} | null}.
Output on stdout: a JSON list with, for each input, either
{"error": "<exception class>"} when reading fails, or
{"sections": [[name, [[option, value]]]]} where DEFAULT comes first and a
value that cannot be interpolated is "!<exception class>".
"""

import configparser
import io
import json
import sys


def read(case):
    try:
        cp = configparser.ConfigParser(case.get("defaults"))
        cp.read_file(io.StringIO(case["src"], newline=None))
    except Exception as exc:  # every failure is a refusal
        return {"error": type(exc).__name__}
    out = []
    for name in ["DEFAULT"] + cp.sections():
        opts = []
        keys = list(cp.defaults()) if name == "DEFAULT" else cp.options(name)
        for opt in keys:
            try:
                value = cp.get(name, opt)
            except Exception as exc:
                value = "!" + type(exc).__name__
            opts.append([opt, value])
        out.append([name, opts])
    return {"sections": out}


def main():
    json.dump([read(c) for c in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
