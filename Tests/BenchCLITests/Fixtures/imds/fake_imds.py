#!/usr/bin/env python3
"""Test fixture: a fake EC2 instance metadata service (IMDSv2 shape) on 127.0.0.1.

    fake_imds.py MODE [INSTANCE_TYPE [REGION [LIFE_CYCLE]]]

Prints the port it listens on (one line), then serves until killed. MODE:
  ok       PUT /latest/api/token gives a token; GETs of /latest/meta-data/instance-type,
           placement/region and instance-life-cycle need it (X-aws-ec2-metadata-token), else 401
  slow     accepts, then answers nothing for 30 s (a black-holed address)
  refuse   answers 403 to the token request (IMDS disabled or IMDSv1 only)
"""
import http.server
import signal
import sys
import threading

signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])  # a test runner may block it

MODE = sys.argv[1]
VALUES = {"instance-type": sys.argv[2] if len(sys.argv) > 2 else "c7i.48xlarge",
          "placement/region": sys.argv[3] if len(sys.argv) > 3 else "us-east-1",
          "instance-life-cycle": sys.argv[4] if len(sys.argv) > 4 else "on-demand"}
TOKEN = "fake-token-123"


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body=""):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if MODE == "slow":
            threading.Event().wait()  # never answers; the test kills the server
        if MODE == "refuse" or self.path != "/latest/api/token" \
                or "X-aws-ec2-metadata-token-ttl-seconds" not in self.headers:
            return self.reply(403, "Forbidden")
        self.reply(200, TOKEN)

    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            return self.reply(401, "Unauthorized")
        key = self.path.removeprefix("/latest/meta-data/")
        self.reply(200, VALUES[key]) if key in VALUES else self.reply(404, "Not Found")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
