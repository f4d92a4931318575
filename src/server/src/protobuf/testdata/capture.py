#!/usr/bin/env python3
"""Capture the protobuf request bodies a real kubectl sends, as test fixtures.

Runs a throwaway TLS server on 127.0.0.1 (self-signed certificate made with `openssl`), answers
kubectl's discovery requests with a minimal core/v1 + authorization.k8s.io/v1 discovery, records
every POST body, and points kubectl at it for each command below. The bodies are written next
to this script as `<name>.pb`; the decoder's tests read them with `include_bytes!`.

    python3 capture.py            # uses `kubectl` from PATH
    KUBECTL=/path/to/kubectl python3 capture.py

Nothing leaves the machine: the server listens on loopback only and stops when done.
"""

import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
KUBECTL = os.environ.get("KUBECTL", "kubectl")

# name -> kubectl arguments; the first POST with a protobuf body is kept.
COMMANDS = {
    "kubectl-create-configmap": ["create", "configmap", "x", "--from-literal=a=b"],
    "kubectl-auth-can-i": ["auth", "can-i", "list", "configmaps"],
    "kubectl-create-secret": ["create", "secret", "generic", "s", "--from-literal=password=s3cr3t"],
    "kubectl-auth-whoami": ["auth", "whoami"],
    "kubectl-create-namespace": ["create", "namespace", "team-a"],
    "kubectl-create-role": ["create", "role", "pod-reader", "--verb=get,list", "--resource=pods"],
    "kubectl-create-rolebinding": [
        "create", "rolebinding", "read-pods", "--role=pod-reader", "--user=jane",
        "--serviceaccount=default:builder",
    ],
    "kubectl-create-token": ["create", "token", "builder", "--duration=1h", "--audience=api"],
}

API_RESOURCES = {
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {
                "name": "configmaps",
                "singularName": "configmap",
                "namespaced": True,
                "kind": "ConfigMap",
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": ["cm"],
            },
            {
                "name": "pods",
                "singularName": "pod",
                "namespaced": True,
                "kind": "Pod",
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": ["po"],
            },
        ],
    },
    "/apis/authorization.k8s.io/v1": {
        "kind": "APIResourceList",
        "groupVersion": "authorization.k8s.io/v1",
        "resources": [
            {
                "name": "selfsubjectaccessreviews",
                "singularName": "selfsubjectaccessreview",
                "namespaced": False,
                "kind": "SelfSubjectAccessReview",
                "verbs": ["create"],
            }
        ],
    },
}

DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
    "/apis": {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": "authorization.k8s.io",
                "versions": [{"groupVersion": "authorization.k8s.io/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "authorization.k8s.io/v1", "version": "v1"},
            }
        ],
    },
    **API_RESOURCES,
}

captured = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in DISCOVERY:
            self.reply(200, DISCOVERY[path])
        else:
            self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                             "reason": "NotFound", "code": 404})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        captured.append((self.path, self.headers.get("Content-Type", ""), body))
        if "selfsubjectreviews" in self.path:
            self.reply(201, {"kind": "SelfSubjectReview",
                             "apiVersion": "authentication.k8s.io/v1",
                             "metadata": {}, "status": {"userInfo": {"username": "x"}}})
        elif "selfsubjectaccessreviews" in self.path:
            self.reply(201, {"kind": "SelfSubjectAccessReview",
                             "apiVersion": "authorization.k8s.io/v1",
                             "metadata": {}, "spec": {}, "status": {"allowed": True}})
        elif self.path.endswith("/token"):
            self.reply(201, {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                             "metadata": {}, "spec": {"audiences": ["api"]},
                             "status": {"token": "t", "expirationTimestamp": "2026-01-01T00:00:00Z"}})
        else:
            # Any other create: a canned object (kubectl only prints a line about it).
            self.reply(201, {"kind": "ConfigMap", "apiVersion": "v1",
                             "metadata": {"name": "x", "namespace": "default"}})


def main():
    with tempfile.TemporaryDirectory() as tmp:
        key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
            check=True, capture_output=True,
        )
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        version = subprocess.run([KUBECTL, "version", "--client"], capture_output=True, text=True)
        print(version.stdout.strip(), file=sys.stderr)
        env = dict(os.environ, KUBECONFIG=os.path.join(tmp, "none"), HOME=tmp)
        try:
            for name, argv in COMMANDS.items():
                captured.clear()
                run = subprocess.run(
                    [KUBECTL, f"--server=https://127.0.0.1:{port}", "--insecure-skip-tls-verify",
                     "--token=x", "--cache-dir", os.path.join(tmp, "cache"), *argv],
                    capture_output=True, text=True, timeout=60, env=env,
                )
                print(f"{name}: {run.stdout.strip()} {run.stderr.strip()}", file=sys.stderr)
                bodies = [c for c in captured if "protobuf" in c[1]]
                if not bodies:
                    sys.exit(f"{name}: no protobuf request body seen: {captured}")
                path, content_type, body = bodies[0]
                print(f"  POST {path} ({content_type}, {len(body)} bytes)", file=sys.stderr)
                with open(os.path.join(HERE, f"{name}.pb"), "wb") as f:
                    f.write(body)
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
