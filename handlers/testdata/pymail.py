"""CPython's side of TestMailMatchesCPython.

Reads [{"from", "to": [...], "subject", "body"}, ...] on stdin and writes,
for each, the mail CPython's SMTPHandler.emit would send (an EmailMessage
with From, To joined with ",", Subject, a fixed Date, set_content(body),
flattened as smtplib's send_message flattens it) with the recipients
send_message would use, or the error, as JSON: [{"mail": base64, "from":
addr, "to": [addr, ...]} or {"error": str}, ...].
"""
import base64
import datetime
import email.generator
import email.utils
import io
import json
import sys
from email.message import EmailMessage

date = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
out = []
for case in json.load(sys.stdin):
    try:
        msg = EmailMessage()
        msg["From"] = case["from"]
        msg["To"] = ",".join(case["to"])
        msg["Subject"] = case["subject"]
        msg["Date"] = date
        msg.set_content(case["body"])
        b = io.BytesIO()
        email.generator.BytesGenerator(b).flatten(msg, linesep="\r\n")
        sender = email.utils.getaddresses([msg["From"]])[0][1]
        rcpts = [a[1] for a in email.utils.getaddresses(msg.get_all("To", []))]
        out.append({"mail": base64.b64encode(b.getvalue()).decode(), "from": sender, "to": rcpts})
    except Exception as e:
        out.append({"error": "%s: %s" % (type(e).__name__, e)})
json.dump(out, sys.stdout)
