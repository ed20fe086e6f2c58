"""moto's server with one log line per AWS request, so both audited tools are counted the same way.

    python counting_moto.py PORT LOGFILE

Each request becomes a JSON line in LOGFILE: {"region", "service", "action", "agent"}. The region and
service come from the SigV4 credential scope of the Authorization header (what the client signed for), the
action from X-Amz-Target (JSON protocols), the form's Action (query protocols) or METHOD PATH (REST APIs).
`agent` is the first token of the User-Agent, which tells boto3/botocore (Prowler) from the Rust SDK
(trailwarden). Requests to /moto-api/ (seeding helpers, health checks) are not logged.
"""

import io
import json
import sys
import threading
import urllib.parse

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


class Counting:
    def __init__(self, app, log_path):
        self.app = app
        self.lock = threading.Lock()
        self.log = open(log_path, "a", buffering=1, encoding="utf-8")

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/moto-api"):
            self.record(environ, path)
        return self.app(environ, start_response)

    def record(self, environ, path):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        region = service = "?"
        if "Credential=" in auth:
            scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
            if len(scope) >= 4:
                region, service = scope[2], scope[3]
        action = environ.get("HTTP_X_AMZ_TARGET", "")
        if "." in action:
            action = action.rsplit(".", 1)[1]
        if not action:
            action = self.form_action(environ)
        if not action:
            action = f"{environ.get('REQUEST_METHOD', '?')} {path}"
        agent = environ.get("HTTP_USER_AGENT", "").split(" ", 1)[0].split("/", 1)[0]
        line = json.dumps({"region": region, "service": service, "action": action, "agent": agent})
        with self.lock:
            self.log.write(line + "\n")

    @staticmethod
    def form_action(environ):
        """The Action of a query-protocol request; the body is read and put back for moto."""
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        if "Action" in query:
            return query["Action"][0]
        if "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
            return ""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return ""
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return form.get("Action", [""])[0]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: counting_moto.py PORT LOGFILE")
    port, log_path = int(sys.argv[1]), sys.argv[2]
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, Counting(app, log_path), threaded=True)


if __name__ == "__main__":
    main()
