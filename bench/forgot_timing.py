#!/usr/bin/env python3
"""ForgotPassword's answer time for a real user against a name no user has (issue #20): with
user-existence errors prevented, the two answers look alike, and must take as long.

Starts `warden serve` (the given binary) on SQLite in a temporary directory, makes a pool, a
client (PreventUserExistenceErrors ENABLED, the default) and N confirmed users with an address,
then sends N ForgotPassword calls for the users and N for unknown names, interleaved, over
keep-alive connections from several loopback addresses (ForgotPassword is limited per source
address), and reports the medians and the difference. Every real user is asked once, so each
call is one that stores and sends a code. Loopback only; bounded by N.

    python3 bench/forgot_timing.py --warden target/release/warden [--tries 200] [--out FILE]
"""
import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

TARGET = "AWSCognitoIdentityProviderService.ForgotPassword"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(binary, env, *args, stdin=None):
    r = subprocess.run([binary, *args, "--json"], env=env, input=stdin, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"warden {' '.join(args)}: {r.stderr}")
    return json.loads(r.stdout) if r.stdout.strip() else None


def call(conn, client_id, username):
    body = json.dumps({"ClientId": client_id, "Username": username})
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET}
    start = time.perf_counter()
    conn.request("POST", "/", body, headers)
    resp = conn.getresponse()
    data = resp.read()
    elapsed = (time.perf_counter() - start) * 1000
    if resp.status != 200:
        raise RuntimeError(f"ForgotPassword {username}: {resp.status} {data[:200]!r}")
    return elapsed, json.loads(data)["CodeDeliveryDetails"]["Destination"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warden", required=True)
    ap.add_argument("--tries", type=int, default=200, help="calls of each kind")
    ap.add_argument("--sources", type=int, default=20, help="loopback addresses to call from (30 calls an hour each)")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args()
    if 2 * args.tries + args.sources > 30 * args.sources:  # the calls and one warm-up per address
        ap.error("more calls than the per-source quota lets through: raise --sources")
    binary = os.path.abspath(args.warden)
    work = tempfile.mkdtemp(prefix="warden-forgot-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WARDEN_"))}
    env.update(WARDEN_LISTEN=f"127.0.0.1:{port}", WARDEN_DATA_DIR=os.path.join(work, "data"), RUST_LOG="warn")
    log = open(os.path.join(work, "serve.log"), "wb")
    server = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=log)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("warden did not start")
                time.sleep(0.2)
        time.sleep(1)  # the server may still be migrating the new database: the CLI migrates it too
        pool = cli(binary, env, "pool", "create", "--name", "forgot")["Id"]
        client = cli(binary, env, "client", "create", "--pool-id", pool, "--name", "app")
        client_id = client.get("ClientId") or client["UserPoolClient"]["ClientId"]
        users = [f"user{i}" for i in range(args.tries)]
        for u in users:
            cli(binary, env, "user", "create", "--pool-id", pool, "--username", u, "--email", f"{u}@example.com",
                "--password-stdin", stdin="Bench-Passw0rd!\n")
        unknown = [f"nobody{i}" for i in range(args.tries)]
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(f"127.0.1.{i + 1}", 0))
                 for i in range(args.sources)]
        # Warm up each connection (and the caches) with names outside the measured sets.
        for i, c in enumerate(conns):
            call(c, client_id, f"warmup{i}")
        calls = [("real", u) for u in users] + [("unknown", u) for u in unknown]
        random.Random(7).shuffle(calls)
        times = {"real": [], "unknown": []}
        for i, (kind, name) in enumerate(calls):
            ms, _ = call(conns[i % len(conns)], client_id, name)
            times[kind].append(ms)
        for c in conns:
            c.close()
        real, fake = statistics.median(times["real"]), statistics.median(times["unknown"])
        q = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1]
        result = {
            "warden": binary, "tries": args.tries, "sources": args.sources,
            "real_ms": {"median": round(real, 3), "p10": round(q(times["real"], 10), 3), "p90": round(q(times["real"], 90), 3)},
            "unknown_ms": {"median": round(fake, 3), "p10": round(q(times["unknown"], 10), 3),
                           "p90": round(q(times["unknown"], 90), 3)},
            "difference_pct": round(100 * (real - fake) / fake, 1),
        }
        print(json.dumps(result, indent=2))
        if args.out:
            with open(args.out, "w") as f:
                json.dump(result, f, indent=2)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
