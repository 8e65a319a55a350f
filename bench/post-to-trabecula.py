#!/usr/bin/python3
"""Post every DICOM file of a folder to Trabecula, one file per request, over one keep-alive
connection, the way ../shared/bench/post-instances.py posts to Orthanc. Signs the demo physician
in first (one-time password -> own password -> TOTP enrolment, codes computed here with the
standard library), opens an order and a dataset. Prints one JSON line like post-instances.py.

With --warm-up N the series is first posted N times into orders of its own (a server that has
been running: the JIT has compiled the request path) and the JSON also gives the first pass's rate.

Usage: post-to-trabecula.py DIR --port 5191 --one-time-password XXXX [--warm-up N]
"""
import argparse, base64, hashlib, hmac, http.client, json, os, struct, sys, time

def totp(secret_b32, step):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)

class Session:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}
        self.csrf = None
    def call(self, method, path, body=None, content_type="application/json"):
        headers = {"Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.csrf:
            headers["X-CSRF-TOKEN"] = self.csrf
        if body is not None:
            headers["Content-Type"] = content_type
            if content_type == "application/json":
                body = json.dumps(body).encode()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                k, v = value.split(";", 1)[0].split("=", 1)
                if v:
                    self.cookies[k] = v
                else:
                    self.cookies.pop(k, None)
        return resp.status, data
    def antiforgery(self):
        status, data = self.call("GET", "/api/auth/antiforgery")
        self.csrf = json.loads(data)["token"]

def must(result, *ok):
    status, data = result
    if status not in ok:
        sys.exit("HTTP %d: %s" % (status, data[:300]))
    return json.loads(data) if data else None

def post_series(s, files):
    """Posts every file once into a new order's dataset: (stored, errors, bytes, seconds)."""
    order = must(s.call("POST", "/api/orders", {"patient": {"name": "基准患者"}, "requirement": {"deviceCategory": "CranialPlate", "clinicalRequirement": "bench"}}), 201)
    dataset = must(s.call("POST", "/api/orders/%s/datasets" % order["id"], {"kind": "MedicalImaging", "description": "bench"}), 201)
    path = "/api/orders/%s/datasets/%s/instances" % (order["id"], dataset["id"])
    ok = err = nbytes = 0
    t0 = time.perf_counter()
    for f in files:
        with open(f, "rb") as fh:
            body = fh.read()
        status, data = s.call("POST", path, body, "application/dicom")
        if status == 201:
            ok += 1
        else:
            err += 1
            if err <= 3:
                print("HTTP %d for %s: %s" % (status, f, data[:200]), file=sys.stderr)
        nbytes += len(body)
    return ok, err, nbytes, time.perf_counter() - t0

def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--one-time-password", required=True)
    p.add_argument("--warm-up", type=int, default=0)
    a = p.parse_args()
    password = "trabeculae grow along the lines of stress"
    s = Session(a.port)
    must(s.call("POST", "/api/auth/login", {"userName": "demo.physician", "password": a.one_time_password}), 200)
    s.antiforgery()
    must(s.call("POST", "/api/me/password", {"currentPassword": a.one_time_password, "newPassword": password}), 204)
    s.cookies.clear(); s.csrf = None
    must(s.call("POST", "/api/auth/login", {"userName": "demo.physician", "password": password}), 200)
    s.antiforgery()
    secret = must(s.call("POST", "/api/me/mfa/setup"), 200)["secret"]
    step = int(time.time()) // 30
    must(s.call("POST", "/api/me/mfa/confirm", {"code": totp(secret, step)}), 200)
    s.cookies.clear(); s.csrf = None
    must(s.call("POST", "/api/auth/login", {"userName": "demo.physician", "password": password, "totpCode": totp(secret, step + 1)}), 200)
    s.antiforgery()
    files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir) if f.endswith(".dcm"))
    first = None
    for _ in range(a.warm_up):
        ok, err, nbytes, dt = post_series(s, files)
        if first is None:
            first = round(ok / dt, 1)
    ok, err, nbytes, dt = post_series(s, files)
    result = {"files": ok, "errors": err, "bytes": nbytes, "seconds": round(dt, 4),
              "instances_per_s": round(ok / dt, 1), "mib_per_s": round(nbytes / dt / 1048576, 1)}
    if first is not None:
        result["warm_up_passes"] = a.warm_up
        result["first_pass_instances_per_s"] = first
    print(json.dumps(result))

main()
