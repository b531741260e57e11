"""An http.server that records the requests it gets, and CPython's
HTTPHandler, for the tests of HTTPHandler.

usage: pyhttp.py

The first line on stdout is "ready PORT". Then each line on stdin is a JSON
command, answered by one line:

  {"emit": {"method": M, "url": U, "credentials": [user, password] or null,
            "records": [{"name": N, "level": L, "msg": M, "extra": [[k, v], ...]}]}}
      CPython's HTTPHandler("127.0.0.1:PORT", U, M, credentials=...) handles
      each record (made by Logger.makeRecord with no args); answers "done".
  {"dump": true}
      answers the requests received since the last dump, as a JSON list of
      {"method", "path", "fields" (parse_qsl of the query or body, in
      order), "headers" ([name, value] in order), "body"}.
"""
import http.server
import json
import logging
import logging.handlers
import sys
import threading
import urllib.parse

requests = []
lock = threading.Lock()


class Recorder(http.server.BaseHTTPRequestHandler):
    def record(self):
        body = b""
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            body = self.rfile.read(n)
        path, _, query = self.path.partition("?")
        data = query if self.command == "GET" else body.decode("ascii")
        with lock:
            requests.append({
                "method": self.command,
                "path": path,
                "query": query,
                "fields": urllib.parse.parse_qsl(data, keep_blank_values=True),
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("ascii"),
            })
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = record
    do_POST = record

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    t = threading.Thread(target=server.serve_forever)
    t.start()
    port = server.server_address[1]
    print("ready", port, flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if "emit" in cmd:
            e = cmd["emit"]
            creds = tuple(e["credentials"]) if e["credentials"] else None
            h = logging.handlers.HTTPHandler("127.0.0.1:%d" % port, e["url"], e["method"], credentials=creds)
            for r in e["records"]:
                logger = logging.getLogger(r["name"] if r["name"] != "root" else None)
                extra = dict(r["extra"]) if r["extra"] else None
                rec = logger.makeRecord(logger.name, r["level"], "x.py", 1, r["msg"], (), None, extra=extra)
                h.handle(rec)
            h.close()
            print("done", flush=True)
        elif "dump" in cmd:
            with lock:
                print(json.dumps(requests), flush=True)
                requests.clear()
    server.shutdown()
    t.join()


main()
