#!/usr/bin/python3
"""The client of bench/transfer.sh: signs the demo physician in (one-time password -> own
password -> TOTP, as post-to-trabecula.py does), opens an order and an imaging dataset, then
 (b) uploads FILE through tus the way the order page does (POST /api/uploads, then PATCH pieces
     of --chunk-mib until the last one is answered: the blob is sealed, fsynced and committed),
     and ingests the finished upload into the dataset (the UI's next request, timed apart);
 (c) asks for a download link of the stored instance (Features/Downloads) and reads it to the
     last byte, discarding it.
Body bytes go out with sendfile and come in with readinto into one buffer, so that the client
costs little CPU on the 2 cores it shares with the server. Prints one JSON line.

With --warm N the file is first uploaded N more times (each deleted after), so that the measured
upload meets a warm server, as a running one is; their times are printed too (warm_upload_s).

Usage: transfer-client.py FILE --port 5193 --one-time-password XXXX [--chunk-mib 64] [--warm 0]
"""
import argparse, base64, hashlib, hmac, http.client, json, os, struct, sys, time

PASSWORD = "trabeculae grow along the lines of stress"


def totp(secret_b32, step):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


class Session:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookies = {}
        self.csrf = None

    def headers(self, extra=None):
        headers = {"Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.csrf:
            headers["X-CSRF-TOKEN"] = self.csrf
        headers.update(extra or {})
        return headers

    def keep_cookies(self, resp):
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                k, v = value.split(";", 1)[0].split("=", 1)
                if v:
                    self.cookies[k] = v
                else:
                    self.cookies.pop(k, None)

    def call(self, method, path, body=None, extra=None):
        headers = self.headers(extra)
        if isinstance(body, (dict, list)):
            headers["Content-Type"] = "application/json"
            body = json.dumps(body).encode()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        self.keep_cookies(resp)
        return resp.status, data, resp

    def antiforgery(self):
        status, data, _ = self.call("GET", "/api/auth/antiforgery")
        self.csrf = json.loads(data)["token"]

    def patch_from_file(self, path, fh, offset, count):
        """One tus PATCH whose body is sent from the file by the kernel."""
        self.conn.putrequest("PATCH", path, skip_accept_encoding=True)
        for k, v in self.headers({"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
                                  "Content-Type": "application/offset+octet-stream",
                                  "Content-Length": str(count)}).items():
            self.conn.putheader(k, v)
        self.conn.endheaders()
        sent = 0
        while sent < count:
            sent += self.conn.sock.sendfile(fh, offset + sent, count - sent)
        self.sent_at = time.perf_counter()
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data, resp

    def get_discard(self, path):
        self.conn.putrequest("GET", path, skip_accept_encoding=True)
        for k, v in self.headers().items():
            self.conn.putheader(k, v)
        self.conn.endheaders()
        resp = self.conn.getresponse()
        if resp.status != 200:
            sys.exit("download: HTTP %d: %s" % (resp.status, resp.read()[:300]))
        buffer = memoryview(bytearray(1 << 20))
        total = 0
        while True:
            n = resp.readinto(buffer)
            if not n:
                break
            total += n
        return total


def must(result, *ok):
    status, data, _ = result
    if status not in ok:
        sys.exit("HTTP %d: %s" % (status, data[:300]))
    return json.loads(data) if data else None


def sign_in(s, otp):
    must(s.call("POST", "/api/auth/login", {"userName": "demo.physician", "password": otp}), 200)
    s.antiforgery()
    must(s.call("POST", "/api/me/password", {"currentPassword": otp, "newPassword": PASSWORD}), 204)
    s.cookies.clear(); s.csrf = None
    must(s.call("POST", "/api/auth/login", {"userName": "demo.physician", "password": PASSWORD}), 200)
    s.antiforgery()
    secret = must(s.call("POST", "/api/me/mfa/setup"), 200)["secret"]
    step = int(time.time()) // 30
    must(s.call("POST", "/api/me/mfa/confirm", {"code": totp(secret, step)}), 200)
    s.cookies.clear(); s.csrf = None
    must(s.call("POST", "/api/auth/login", {"userName": "demo.physician", "password": PASSWORD, "totpCode": totp(secret, step + 1)}), 200)
    s.antiforgery()


def upload(s, path, size, chunk, answers=None):
    """One tus upload of the file: creation, then PATCH pieces; returns its location and seconds.
    answers, if given, gets the seconds each PATCH waited for its answer after its last byte was
    sent (the server's sealing of the rest, its fsync and its commit)."""
    name = base64.b64encode(os.path.basename(path).encode()).decode()
    t0 = time.perf_counter()
    status, data, resp = s.call("POST", "/api/uploads", extra={"Tus-Resumable": "1.0.0", "Upload-Length": str(size), "Upload-Metadata": "filename " + name})
    if status != 201:
        sys.exit("tus creation: HTTP %d: %s" % (status, data[:300]))
    location = resp.getheader("Location")
    offset = 0
    with open(path, "rb") as fh:
        while offset < size:
            count = min(chunk, size - offset)
            status, data, resp = s.patch_from_file(location, fh, offset, count)
            if answers is not None:
                answers.append(time.perf_counter() - s.sent_at)
            if status != 204:
                sys.exit("tus PATCH at %d: HTTP %d: %s" % (offset, status, data[:300]))
            offset = int(resp.getheader("Upload-Offset"))
    return location, time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--one-time-password", required=True)
    p.add_argument("--chunk-mib", type=int, default=64)
    p.add_argument("--warm", type=int, default=0)
    a = p.parse_args()
    size = os.path.getsize(a.file)
    chunk = a.chunk_mib << 20
    s = Session(a.port)
    sign_in(s, a.one_time_password)
    order = must(s.call("POST", "/api/orders", {"patient": {"name": "基准患者"}, "requirement": {"deviceCategory": "CranialPlate", "clinicalRequirement": "bench"}}), 201)
    dataset = must(s.call("POST", "/api/orders/%s/datasets" % order["id"], {"kind": "MedicalImaging", "description": "bench"}), 201)

    # (b) upload: creation, then the pieces; the clock stops when the last PATCH is answered.
    warm_s = []
    for _ in range(a.warm):
        location, seconds = upload(s, a.file, size, chunk)
        warm_s.append(round(seconds, 3))
        must(s.call("DELETE", location, extra={"Tus-Resumable": "1.0.0"}), 204)
    answers = []
    location, upload_s = upload(s, a.file, size, chunk, answers)
    answers.sort()

    upload_id = location.rsplit("/", 1)[1]
    t1 = time.perf_counter()
    instance = must(s.call("POST", "/api/orders/%s/datasets/%s/uploads/%s" % (order["id"], dataset["id"], upload_id)), 201)
    ingest_s = time.perf_counter() - t1

    # (c) download through a link, to the last byte.
    link = must(s.call("POST", "/api/orders/%s/downloads" % order["id"], {"kind": "dicom-instance", "fileId": instance["id"]}), 200)
    t2 = time.perf_counter()
    got = s.get_discard(link["url"])
    download_s = time.perf_counter() - t2
    if got != size:
        sys.exit("download: %d bytes, expected %d" % (got, size))
    print(json.dumps({"bytes": size, "chunk_bytes": chunk, "upload_s": round(upload_s, 3), "ingest_s": round(ingest_s, 3),
                      "download_s": round(download_s, 3), "warm_upload_s": warm_s,
                      "patch_answer_ms": {"sum": round(1000 * sum(answers)), "median": round(1000 * answers[len(answers) // 2], 1), "max": round(1000 * answers[-1], 1)},
                      "sha256": instance["sha256"]}))


main()
