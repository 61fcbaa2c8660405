#!/usr/bin/env python3
"""Peak memory of chatd while N clients upload M-byte attachments at once.

Starts the given chatd on a private SQLite database and a free port, registers a user, then sends
N concurrent POST /api/attachments of random bytes (each its own connection, written in 256 KiB
pieces) and reads chatd's peak resident set (VmHWM, reset after the warm-up; also sampled every 20 ms). Prints the resident set before, its peak during
the uploads, and the statuses.

    bench/attachments/upload_rss.py build/apps/chatd/chatd --clients 4 --mib 20
"""
import argparse, http.client, json, os, socket, subprocess, sys, tempfile, threading, time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    """Linux: writing 5 to clear_refs resets VmHWM (the peak resident set) to the current one."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("chatd")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--mib", type=int, default=20)
    ap.add_argument("--chunked", action="store_true", help="no Content-Length (chunked)")
    args = ap.parse_args()
    size = args.mib * 1024 * 1024
    work = tempfile.mkdtemp(prefix="upload-rss-")
    port = free_port()
    proc = subprocess.Popen(
        [args.chatd, "--listen", f"127.0.0.1:{port}", "--db", f"sqlite://{work}/chat.db",
         "--attachments-dir", f"{work}/files", "--max-attachment-bytes", str(size + 1024)],
        stdout=subprocess.DEVNULL, stderr=open(f"{work}/chatd.log", "w"))
    try:
        for _ in range(200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/api/register",
                  json.dumps({"username": "rss", "password": "correct horse battery"}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        cookie = r.getheader("Set-Cookie").split(";")[0]
        r.read()
        payloads = [os.urandom(size) for _ in range(args.clients)]
        # One small upload first: libmagic's database and the pool threads are loaded once per
        # process (about 16 MiB), not per upload.
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/api/attachments?name=warm.txt", b"warm up", {"Cookie": cookie})
        c.getresponse().read()
        time.sleep(0.5)
        before = rss_kib(proc.pid)
        reset_peak(proc.pid)
        peak = before
        stop = threading.Event()

        def sample():
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, rss_kib(proc.pid))
                time.sleep(0.02)

        statuses = []

        def upload(data):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            hdrs = {"Cookie": cookie}
            if args.chunked:
                hdrs["Transfer-Encoding"] = "chunked"
            else:
                hdrs["Content-Length"] = str(len(data))
            conn.putrequest("POST", "/api/attachments?name=blob.bin")
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.endheaders()
            for i in range(0, len(data), 256 * 1024):
                piece = data[i:i + 256 * 1024]
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece) if args.chunked else piece)
            if args.chunked:
                conn.send(b"0\r\n\r\n")
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)

        sampler = threading.Thread(target=sample)
        sampler.start()
        t0 = time.time()
        workers = [threading.Thread(target=upload, args=(p,)) for p in payloads]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        took = time.time() - t0
        stop.set()
        sampler.join()
        peak = max(peak, rss_kib(proc.pid, "VmHWM"))
        print(f"{args.clients} x {args.mib} MiB{' chunked' if args.chunked else ''}: "
              f"RSS before {before / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB "
              f"(+{(peak - before) / 1024:.1f} MiB), {took:.1f} s, statuses {sorted(statuses)}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    sys.exit(main())
