#!/usr/bin/env python3
"""Small helpers for scripts/sandbox (standard library, plus boto3/bcrypt where noted).

  helper.py freeport
      Print a free TCP port on 127.0.0.1.
  helper.py wait-http URL TIMEOUT_SECONDS [--status 200,401] [--cafile F] [--pid PID]
      Poll URL until it answers with one of the statuses; fail early if PID dies.
  helper.py htpasswd MOTO_URL HTPASSWD_FILE PASSWORD_FILE
      Ask moto for the ECR login password (what `aws ecr get-login-password` prints),
      write it to PASSWORD_FILE and a bcrypt htpasswd line for user AWS to HTPASSWD_FILE.
"""
import argparse
import os
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request


def freeport(_args):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_http(args):
    wanted = {int(s) for s in args.status.split(",")}
    ctx = None
    if args.url.startswith("https:"):
        ctx = ssl.create_default_context(cafile=args.cafile) if args.cafile else ssl.create_default_context()
    deadline = time.monotonic() + args.timeout
    last = "no answer"
    while True:
        try:
            with urllib.request.urlopen(args.url, timeout=2, context=ctx) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        except (OSError, ssl.SSLError) as e:
            status = None
            last = str(e)
        if status in wanted:
            return 0
        if status is not None:
            last = f"HTTP {status}"
        if args.pid and not alive(args.pid):
            print(f"process {args.pid} exited ({last})", file=sys.stderr)
            return 1
        if time.monotonic() > deadline:
            print(f"{args.url} not ready after {args.timeout:g}s ({last})", file=sys.stderr)
            return 1
        time.sleep(0.1)


def htpasswd(args):
    import base64

    import bcrypt
    import boto3

    ecr = boto3.client(
        "ecr",
        endpoint_url=args.moto_url,
        region_name="us-west-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, password = base64.b64decode(token).decode().split(":", 1)
    if user != "AWS":
        print(f"unexpected ECR user {user!r}", file=sys.stderr)
        return 1
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
    for path, text in ((args.password_file, password), (args.htpasswd_file, f"AWS:{hashed}\n")):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("freeport").set_defaults(func=freeport)
    w = sub.add_parser("wait-http")
    w.add_argument("url")
    w.add_argument("timeout", type=float)
    w.add_argument("--status", default="200")
    w.add_argument("--cafile")
    w.add_argument("--pid", type=int)
    w.set_defaults(func=wait_http)
    h = sub.add_parser("htpasswd")
    h.add_argument("moto_url")
    h.add_argument("htpasswd_file")
    h.add_argument("password_file")
    h.set_defaults(func=htpasswd)
    args = p.parse_args()
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
