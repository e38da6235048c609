#!/usr/bin/env python3
"""Mirror pushes to the sandbox registry into moto's ECR.

The docker registry (distribution 2.x) POSTs notification envelopes here. For each
"push" of a tagged manifest, fetch the exact manifest bytes from the registry and
call ECR PutImage on moto with them, so `aws ecr describe-images` lists the tag
with the digest `docker push` printed (sha256 of those bytes).

Pushes whose host names another account, or whose repository moto does not have,
are logged and ignored. The handler always answers 200 so that one bad event cannot
block the registry's (blocking, retrying) notification queue.

GET /healthz answers 200 once boto3 is loaded. Logs go to stderr.
"""
import argparse
import base64
import hashlib
import json
import re
import ssl
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import botocore.exceptions

MANIFEST_TYPES = {
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
}
ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?::\d+)?$")
DEFAULT_REGION = "us-west-2"


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)


class Syncer:
    def __init__(self, args):
        self.moto_url = args.moto_url
        self.registry_url = args.registry_url.rstrip("/")
        self.password_file = args.password_file
        self.ssl = ssl.create_default_context(cafile=args.cafile)
        self.clients = {}
        self.account = None

    def ecr(self, region):
        if region not in self.clients:
            self.clients[region] = boto3.client(
                "ecr",
                endpoint_url=self.moto_url,
                region_name=region,
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
        return self.clients[region]

    def moto_account(self):
        if self.account is None:
            sts = boto3.client(
                "sts",
                endpoint_url=self.moto_url,
                region_name=DEFAULT_REGION,
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
            self.account = sts.get_caller_identity()["Account"]
        return self.account

    def fetch_manifest(self, repo, digest, media_type):
        with open(self.password_file) as f:
            password = f.read().strip()
        auth = base64.b64encode(f"AWS:{password}".encode()).decode()
        req = urllib.request.Request(
            f"{self.registry_url}/v2/{repo}/manifests/{digest}",
            headers={"Accept": media_type, "Authorization": f"Basic {auth}"},
        )
        with urllib.request.urlopen(req, timeout=10, context=self.ssl) as r:
            return r.read()

    def handle(self, event):
        if event.get("action") != "push":
            return
        target = event.get("target", {})
        media_type = target.get("mediaType", "")
        if media_type not in MANIFEST_TYPES:
            return
        repo, digest, tag = target.get("repository"), target.get("digest"), target.get("tag")
        host = event.get("request", {}).get("host", "")
        name = f"{host}/{repo}@{digest}"
        if not tag:
            log(f"skip untagged manifest push {name}")
            return
        region = DEFAULT_REGION
        m = ECR_HOST.match(host)
        if m:
            account, region = m.group(1), m.group(2)
            if account != self.moto_account():
                log(f"skip {name} tag {tag}: account {account} is not moto's ({self.moto_account()})")
                return
        ecr = self.ecr(region)
        try:
            ecr.describe_repositories(repositoryNames=[repo])
        except ecr.exceptions.RepositoryNotFoundException:
            log(f"skip {name} tag {tag}: moto has no ECR repository {repo!r} in {region}")
            return
        body = self.fetch_manifest(repo, digest, media_type)
        actual = "sha256:" + hashlib.sha256(body).hexdigest()
        if actual != digest:
            log(f"ERROR {name}: registry returned bytes with digest {actual}")
            return
        try:
            ecr.put_image(
                repositoryName=repo,
                imageManifest=body.decode("utf-8"),
                imageManifestMediaType=media_type,
                imageTag=tag,
                imageDigest=digest,
            )
        except ecr.exceptions.ImageAlreadyExistsException:
            log(f"already in ECR: {repo}:{tag} {digest}")
            return
        got = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])
        reported = got["imageDetails"][0]["imageDigest"]
        if reported != digest:
            log(f"ERROR {repo}:{tag}: describe-images reports {reported}, pushed {digest}")
            return
        log(f"put_image {region} {repo}:{tag} {digest}")


class Handler(BaseHTTPRequestHandler):
    syncer = None

    def log_message(self, fmt, *args):  # quiet access log
        pass

    def reply(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.reply(200 if self.path == "/healthz" else 404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        try:
            events = json.loads(data).get("events", [])
        except ValueError as e:
            log(f"ERROR bad envelope: {e}")
            events = []
        for event in events:
            for attempt in range(3):
                try:
                    self.syncer.handle(event)
                    break
                except (OSError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                    log(f"ERROR event {event.get('id')} attempt {attempt + 1}: {e}")
                    time.sleep(0.5)
                except Exception as e:  # never block the registry's queue
                    log(f"ERROR event {event.get('id')}: {e!r}")
                    break
        self.reply(200)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--moto-url", required=True)
    p.add_argument("--registry-url", default="https://127.0.0.1:443")
    p.add_argument("--cafile", required=True)
    p.add_argument("--password-file", required=True)
    args = p.parse_args()
    Handler.syncer = Syncer(args)
    server = HTTPServer(("127.0.0.1", args.port), Handler)
    log(f"listening on 127.0.0.1:{args.port}")
    server.serve_forever()


if __name__ == "__main__":
    main()
