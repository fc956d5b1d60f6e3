#!/usr/bin/python3
"""The cost of AWS signing (docs/aws.md, "Overhead"): requests per second of the same calls
through the native API (bearer token) and through the AWS endpoints (SigV4, checked by the
server), against one fresh `labelloop serve`, in one run, on one connection each, with
botocore signing the AWS requests as boto3 does.

Rows: PutObject of a 100 KB image vs PUT /api/v1/objects/{key}; GetObject vs GET
/api/v1/objects/{key}; SSM GetParameter vs GET /api/v1/parameters/{name}.

    /usr/bin/python3 bench/aws_overhead.py BUILD/src/app/labelloop [REQUESTS]
"""
import http.client, os, subprocess, sys, tempfile, time

import boto3
from botocore.config import Config

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
        key = "images_for_detection/bench/{}.jpg"
        rows = [
            ("PutObject, 100 KB",
             rate(lambda i: native_call("PUT", "/api/v1/objects/" + key.format(f"n{i}"), body)),
             rate(lambda i: s3.put_object(Bucket="labelloop", Key=key.format(f"s{i}"), Body=body))),
            ("GetObject, 100 KB",
             rate(lambda i: native_call("GET", "/api/v1/objects/" + key.format(f"n{i}"))),
             rate(lambda i: s3.get_object(Bucket="labelloop", Key=key.format(f"s{i}"))["Body"].read())),
            ("GetParameter",
             rate(lambda i: native_call("GET", "/api/v1/parameters/Minimum-Untrained-Images")),
             rate(lambda i: ssm.get_parameter(Name="Minimum-Untrained-Images"))),
        ]
    finally:
        server.terminate()
        server.wait()

print(f"{requests} sequential requests per row, one connection each, client and server on this machine")
print("| call | native API (requests/s) | AWS endpoint, SigV4 (requests/s) | AWS / native |")
print("| --- | --- | --- | --- |")
for name, native_rate, aws_rate in rows:
    print(f"| {name} | {native_rate:.0f} | {aws_rate:.0f} | {aws_rate / native_rate:.2f} |")
