#!/usr/bin/python3
"""The cost of AWS signing (docs/aws.md, "Overhead"): requests per second of the same calls
through the native API (bearer token) and through the AWS endpoints (SigV4, checked by the
server), against one fresh `labelloop serve`, in one run, on one connection each. Two AWS
columns: boto3 itself (its own signing and parsing in Python included), and the same
request signed once by botocore and sent again and again with http.client (SigV4 accepts a
replay within its 15 minutes), which leaves the server's own cost.

Rows: PutObject of a 100 KB image vs PUT /api/v1/objects/{key}; GetObject vs GET
/api/v1/objects/{key}; SSM GetParameter vs GET /api/v1/parameters/{name}.

    /usr/bin/python3 bench/aws_overhead.py BUILD/src/app/labelloop [REQUESTS]
"""
import http.client, os, subprocess, sys, tempfile, time

import boto3
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
import hashlib

binary = os.path.abspath(sys.argv[1])
requests = int(sys.argv[2]) if len(sys.argv) > 2 else 300
body = os.urandom(100 * 1024)


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return r.stdout


def rate(call):
    call(0)  # a first call opens the connection and warms the caches
    start = time.perf_counter()
    for i in range(1, requests + 1):
        call(i)
    return requests / (time.perf_counter() - start)


with tempfile.TemporaryDirectory() as scratch:
    data = os.path.join(scratch, "data")
    run([binary, "--data", data, "init"])
    token = run([binary, "--data", data, "tokens", "create", "bench", "--role", "admin"]).strip()
    server = subprocess.Popen([binary, "--data", data, "serve", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "LABELLOOP_ADMIN_PASSWORD": "bench-admin-password-1"})
    try:
        url = next(line.split(" at ")[-1].strip() for line in server.stdout if " at http" in line)
        host = url.split("//")[1]
        native = http.client.HTTPConnection(host)
        headers = {"Authorization": "Bearer " + token}

        def native_call(method, path, payload=None):
            native.request(method, path, body=payload, headers=headers)
            r = native.getresponse()
            r.read()
            assert r.status == 200, (method, path, r.status)

        aws = dict(aws_access_key_id="bench", aws_secret_access_key=token, region_name="us-east-1",
                   config=Config(retries={"max_attempts": 1}))
        s3 = boto3.client("s3", endpoint_url=url + "/s3", **aws)
        ssm = boto3.client("ssm", endpoint_url=url + "/aws", **aws)
        credentials = Credentials("bench", token)
        signed_conn = http.client.HTTPConnection(host)

        def presigned(method, path, payload, signer, extra=None):
            headers = dict(extra or {})
            if signer is S3SigV4Auth:
                headers["x-amz-content-sha256"] = hashlib.sha256(payload or b"").hexdigest()
            request = AWSRequest(method=method, url=url + path, data=payload, headers=headers)
            signer(credentials, "s3" if signer is S3SigV4Auth else "ssm", "us-east-1").add_auth(request)
            signed = dict(request.headers.items())

            def send(i):
                signed_conn.request(method, path, body=payload, headers=signed)
                r = signed_conn.getresponse()
                r.read()
                assert r.status == 200, (method, path, r.status)
            return send

        key = "images_for_detection/bench/{}.jpg"
        ssm_body = b'{"Name": "Minimum-Untrained-Images"}'
        ssm_headers = {"X-Amz-Target": "AmazonSSM.GetParameter", "Content-Type": "application/x-amz-json-1.1"}
        rows = [
            ("PutObject, 100 KB",
             rate(lambda i: native_call("PUT", "/api/v1/objects/" + key.format("n"), body)),
             rate(lambda i: s3.put_object(Bucket="labelloop", Key=key.format("s"), Body=body)),
             rate(presigned("PUT", "/s3/labelloop/" + key.format("p"), body, S3SigV4Auth))),
            ("GetObject, 100 KB",
             rate(lambda i: native_call("GET", "/api/v1/objects/" + key.format("n"))),
             rate(lambda i: s3.get_object(Bucket="labelloop", Key=key.format("s"))["Body"].read()),
             rate(presigned("GET", "/s3/labelloop/" + key.format("s"), None, S3SigV4Auth))),
            ("GetParameter",
             rate(lambda i: native_call("GET", "/api/v1/parameters/Minimum-Untrained-Images")),
             rate(lambda i: ssm.get_parameter(Name="Minimum-Untrained-Images")),
             rate(presigned("POST", "/aws", ssm_body, SigV4Auth, ssm_headers))),
        ]
    finally:
        server.terminate()
        server.wait()

print(f"{requests} sequential requests per row, one connection each, client and server on this machine")
print("| call | native API | AWS, boto3 | AWS, signed once, sent by http.client | that / native |")
print("| --- | --- | --- | --- | --- |")
for name, native_rate, boto_rate, signed_rate in rows:
    print(f"| {name} | {native_rate:.0f} | {boto_rate:.0f} | {signed_rate:.0f} | {signed_rate / native_rate:.2f} |")
