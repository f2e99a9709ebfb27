"""Warden vs the Cognito emulators (moto_server, cognito-local), side by side in one run.

Starts Warden on SQLite and on PostgreSQL, moto_server and cognito-local on loopback, sets each up
identically through boto3 (a pool, a public client, users with permanent passwords, one refresh
token per user), then measures with wrk, alternating servers round by round:
InitiateAuth USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH (requests/s, p50, p99), Warden's
REFRESH_TOKEN_AUTH p99 while a password flood saturates its hashing pool, and each server's idle
RSS. Writes RESULTS.md and throughput.png. Every load run is bounded in time and in requests.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid

import boto3
from botocore import UNSIGNED
from botocore.config import Config

REGION = "eu-west-2"
PASSWORD = "Bench-Passw0rd!"
PG = os.environ.get("WARDEN_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} never opened")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, name, cmd, env, port, admin_keys, workdir):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        self.admin_keys = admin_keys
        self.log = open(os.path.join(workdir, f"{name}.log"), "wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=self.log, stderr=self.log)
        wait_port(port, self.proc)
        time.sleep(0.5)
        self.rss_start_kib = rss_kib(self.proc.pid)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()

    def setup(self, users):
        admin = boto3.client("cognito-idp", region_name=REGION, endpoint_url=self.url,
                             aws_access_key_id=self.admin_keys[0], aws_secret_access_key=self.admin_keys[1])
        unsigned = boto3.client("cognito-idp", region_name=REGION, endpoint_url=self.url,
                                config=Config(signature_version=UNSIGNED))
        pool = admin.create_user_pool(PoolName="bench")["UserPool"]["Id"]
        self.pool_id = pool
        self.client_id = admin.create_user_pool_client(
            UserPoolId=pool, ClientName="bench", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        )["UserPoolClient"]["ClientId"]
        self.users, self.refresh = [], []
        for i in range(users):
            name = f"user{i}@example.com"
            admin.admin_create_user(UserPoolId=pool, Username=name, TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS")
            admin.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
            r = unsigned.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
            self.users.append(name)
            self.refresh.append(r["AuthenticationResult"]["RefreshToken"])

    def bodies(self, workload):
        if workload == "refresh":
            return [json.dumps({"ClientId": self.client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
                                "AuthParameters": {"REFRESH_TOKEN": t}}) for t in self.refresh]
        return [json.dumps({"ClientId": self.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                            "AuthParameters": {"USERNAME": u, "PASSWORD": PASSWORD}}) for u in self.users]


LUA = """
local bodies = {%s}
local i = math.random(#bodies)
local n = 0
local max = %d
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.InitiateAuth"
request = function()
  i = i %% #bodies + 1
  return wrk.format(nil, "/", nil, bodies[i])
end
response = function(status, headers, body)
  n = n + 1
  if n >= max then wrk.thread:stop() end
end
"""


def lua_file(workdir, server, workload, max_requests):
    path = os.path.join(workdir, f"{server.name}-{workload}.lua")
    quoted = ",".join("[==[" + b + "]==]" for b in server.bodies(workload))
    with open(path, "w") as f:
        f.write(LUA % (quoted, max_requests))
    return path


UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(text):
    out = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        out[f"p{pct}_ms"] = float(m.group(1)) * UNIT[m.group(2)] if m else None
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["errors"] = int(m.group(1)) if m else 0
    return out


def wrk(server, script, seconds, connections):
    before = cpu_seconds(server.proc.pid)
    text = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, server.url + "/"],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout
    result = parse_wrk(text)
    result["server_cpu_pct"] = round(100 * (cpu_seconds(server.proc.pid) - before) / seconds)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warden", required=True)
    ap.add_argument("--ceilings", required=True)
    ap.add_argument("--moto", required=True)
    ap.add_argument("--cognito-local", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--max-requests", type=int, default=200000)
    ap.add_argument("--gateway-only", action="store_true", help="measure only the gateway overhead")
    ap.add_argument("--baseline", help="another warden binary (an earlier commit): measure it beside --warden on both "
                    "stores, alternating, and write only baseline.json (no peers, flood, gateway or report)")
    args = ap.parse_args()
    for attr in ("warden", "ceilings", "moto", "cognito_local"):
        setattr(args, attr, os.path.abspath(getattr(args, attr)))
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="warden-bench-")
    key = ("AKIA" + uuid.uuid4().hex[:16].upper(), "bench-" + uuid.uuid4().hex)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    warden_env = dict(base_env, WARDEN_ADMIN_ACCESS_KEY_ID=key[0], WARDEN_ADMIN_SECRET_ACCESS_KEY=key[1],
                      WARDEN_THROTTLE_PER_SOURCE="1000000000", RUST_LOG="warn")
    if args.gateway_only:
        gateway = measure_gateway(args, key, warden_env, work_root=work)
        print(json.dumps(gateway, indent=2))
        write_gateway_report(args, gateway)
        return

    print("== ceilings")
    ceilings = json.loads(subprocess.run([args.ceilings], capture_output=True, text=True, check=True).stdout)
    print(ceilings)

    pg_db = "warden_bench_" + uuid.uuid4().hex[:10]
    subprocess.run(["psql", PG, "-q", "-c", f"CREATE DATABASE {pg_db}"], check=True, capture_output=True)
    servers = []
    try:
        p = free_port()
        servers.append(Server("warden-sqlite", [args.warden, "serve"],
                              dict(warden_env, WARDEN_LISTEN=f"127.0.0.1:{p}", WARDEN_DATA_DIR=os.path.join(work, "sqlite")), p, key, work))
        p = free_port()
        servers.append(Server("warden-postgres", [args.warden, "serve"],
                              dict(warden_env, WARDEN_LISTEN=f"127.0.0.1:{p}", WARDEN_DATA_DIR=os.path.join(work, "pg"),
                                   WARDEN_DATABASE_URL=PG.rsplit("/", 1)[0] + "/" + pg_db), p, key, work))
        if args.baseline:
            base_db = pg_db + "_base"
            subprocess.run(["psql", PG, "-q", "-c", f"CREATE DATABASE {base_db}"], check=True, capture_output=True)
            p = free_port()
            servers.append(Server("baseline-sqlite", [os.path.abspath(args.baseline), "serve"],
                                  dict(warden_env, WARDEN_LISTEN=f"127.0.0.1:{p}", WARDEN_DATA_DIR=os.path.join(work, "b-sqlite")), p, key, work))
            p = free_port()
            servers.append(Server("baseline-postgres", [os.path.abspath(args.baseline), "serve"],
                                  dict(warden_env, WARDEN_LISTEN=f"127.0.0.1:{p}", WARDEN_DATA_DIR=os.path.join(work, "b-pg"),
                                       WARDEN_DATABASE_URL=PG.rsplit("/", 1)[0] + "/" + base_db), p, key, work))
            return compare_with_baseline(args, servers, work, pg_db)
        p = free_port()
        servers.append(Server("moto_server", [args.moto, "-H", "127.0.0.1", "-p", str(p)], dict(base_env), p, ("test", "test"), work))
        p = free_port()
        cl_dir = os.path.join(work, "cognito-local")
        os.makedirs(cl_dir)
        servers.append(Server("cognito-local", ["node", args.cognito_local],
                              dict(base_env, HOST="127.0.0.1", PORT=str(p)), p, ("test", "test"), cl_dir))
        for s in servers:
            print("== set-up", s.name)
            s.setup(args.users)
        time.sleep(12)  # let hashing threads retire before reading idle memory
        for s in servers:
            s.rss_idle_kib = rss_kib(s.proc.pid)

        results = {s.name: {"refresh": [], "password": []} for s in servers}
        for r in range(args.rounds):
            for s in servers:
                for workload in ("refresh", "password"):
                    res = wrk(s, lua_file(work, s, workload, args.max_requests), args.seconds, args.connections)
                    results[s.name][workload].append(res)
                    print(f"round {r + 1} {s.name:16} {workload:8} {res}")

        print("== flood: Warden refresh while password sign-ins saturate the hashing pool")
        flood = {}
        for s in servers[:2]:
            flood_script = lua_file(work, s, "password", args.max_requests)
            flooder = subprocess.Popen(["wrk", "-t1", "-c32", f"-d{args.seconds + 4}s", "-s", flood_script, s.url + "/"],
                                       stdout=subprocess.PIPE, text=True)
            time.sleep(2)
            res = wrk(s, lua_file(work, s, "refresh", args.max_requests), args.seconds, 4)
            flood_out = parse_wrk(flooder.communicate(timeout=args.seconds + 30)[0])
            flood[s.name] = {"refresh": res, "password_flood": flood_out}
            print(s.name, flood[s.name])
    finally:
        for s in servers:
            s.stop()
        subprocess.run(["psql", PG, "-q", "-c", f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    print("== gateway overhead")
    gateway = measure_gateway(args, key, warden_env, work_root=tempfile.mkdtemp(prefix="warden-gw-"))
    print(gateway)
    write_report(args, ceilings, servers, results, flood, gateway)


def compare_with_baseline(args, servers, work, pg_db):
    """Warden and an earlier build of it, both stores, rounds alternating who goes first."""
    try:
        for s in servers:
            print("== set-up", s.name)
            s.setup(args.users)
        results = {s.name: {"refresh": [], "password": []} for s in servers}
        for r in range(args.rounds):
            order = servers[r % len(servers):] + servers[:r % len(servers)]
            for workload in ("refresh", "password"):
                for s in order:
                    res = wrk(s, lua_file(work, s, workload, args.max_requests), args.seconds, args.connections)
                    results[s.name][workload].append(res)
                    print(f"round {r + 1} {s.name:18} {workload:8} {res}", flush=True)
    finally:
        for s in servers:
            s.stop()
        for db in (pg_db, pg_db + "_base"):
            subprocess.run(["psql", PG, "-q", "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    summary = {}
    for store in ("sqlite", "postgres"):
        for workload in ("refresh", "password"):
            new = statistics.median(x["rps"] for x in results[f"warden-{store}"][workload])
            old = statistics.median(x["rps"] for x in results[f"baseline-{store}"][workload])
            summary[f"{workload}-{store}"] = {"rps_new": new, "rps_baseline": old, "change_pct": round(100 * (new - old) / old, 1)}
    print(json.dumps(summary, indent=2))
    with open(os.path.join(args.out, "baseline.json"), "w") as f:
        json.dump({"warden": args.warden, "baseline": args.baseline, "rounds": args.rounds, "seconds": args.seconds,
                   "connections": args.connections, "summary": summary, "results": results}, f, indent=2)


GW_LUA = """
wrk.method = "GET"
%s
local n = 0
response = function(status, headers, body)
  n = n + 1
  if n >= %d then wrk.thread:stop() end
end
"""


def measure_gateway(args, key, warden_env, work_root):
    """Added latency and throughput of `warden gateway` (SigV4 and bearer) over a direct call to
    the same upstream (Warden's own /health), all on loopback."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    port, gport, gport2 = free_port(), free_port(), free_port()
    env = dict(warden_env, WARDEN_LISTEN=f"127.0.0.1:{port}", WARDEN_DATA_DIR=os.path.join(work_root, "data"))
    role = "arn:aws:iam::000000000000:role/bench"
    config = os.path.join(work_root, "warden.toml")
    with open(config, "w") as f:
        f.write(f"""
[gateway]
listen = "127.0.0.1:{gport}"
upstream = "http://127.0.0.1:{port}"
routes = [{{ prefix = "/health", permission = "read" }}]
[gateway.roles]
"{role}" = ["read"]
[gateway.scopes]
"aws.cognito.signin.user.admin" = ["read"]
""")
    server = Server("warden-upstream", [args.warden, "serve"], env, port, key, work_root)
    # The default (one async worker), and two workers for comparison (WARDEN_GATEWAY_WORKERS).
    gw = Server("warden-gateway", [args.warden, "--config", config, "gateway"],
                dict(env, WARDEN_GATEWAY_WORKERS="1"), gport, key, work_root)
    gw2 = Server("warden-gateway-2", [args.warden, "--config", config, "gateway"],
                 dict(env, WARDEN_GATEWAY_WORKERS="2", WARDEN_GATEWAY_LISTEN=f"127.0.0.1:{gport2}"), gport2, key, work_root)
    try:
        server.setup(1)
        idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=server.url, config=Config(signature_version=UNSIGNED))
        admin_id = boto3.client("cognito-identity", region_name=REGION, endpoint_url=server.url,
                                aws_access_key_id=key[0], aws_secret_access_key=key[1])
        unsigned_id = boto3.client("cognito-identity", region_name=REGION, endpoint_url=server.url, config=Config(signature_version=UNSIGNED))
        auth = idp.initiate_auth(ClientId=server.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": server.users[0], "PASSWORD": PASSWORD})["AuthenticationResult"]
        provider = f"cognito-idp.eu-west-2.amazonaws.com/{server.pool_id}"
        ip = admin_id.create_identity_pool(IdentityPoolName="bench", AllowUnauthenticatedIdentities=False,
                                           CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": server.client_id}])["IdentityPoolId"]
        admin_id.set_identity_pool_roles(IdentityPoolId=ip, Roles={"authenticated": role})
        identity = unsigned_id.get_id(IdentityPoolId=ip, Logins={provider: auth["IdToken"]})["IdentityId"]
        c = unsigned_id.get_credentials_for_identity(IdentityId=identity, Logins={provider: auth["IdToken"]})["Credentials"]
        def signed_headers(target):
            request = AWSRequest(method="GET", url=target.url + "/health")
            request.context["payload_signing_enabled"] = False
            SigV4Auth(Credentials(c["AccessKeyId"], c["SecretKey"], c["SessionToken"]), "execute-api", REGION).add_auth(request)
            return "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in request.headers.items())
        bearer_headers = f'wrk.headers["Authorization"] = "Bearer {auth["AccessToken"]}"'
        paths = (("direct", server, ""), ("gateway sigv4", gw, signed_headers(gw)), ("gateway bearer", gw, bearer_headers),
                 ("gateway sigv4, 2 workers", gw2, signed_headers(gw2)), ("gateway bearer, 2 workers", gw2, bearer_headers))
        runs = {}
        for name, target, headers in paths:
            script = os.path.join(work_root, name.replace(" ", "-").replace(",", "") + ".lua")
            with open(script, "w") as f:
                # Not the refresh chains' cap: a fast path must not hit it within the run.
                f.write(GW_LUA % (headers, max(args.max_requests, 5_000_000)))
            samples = []
            for _ in range(args.rounds):
                before = cpu_seconds(target.proc.pid)
                text = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", script, target.url + "/health"],
                                      capture_output=True, text=True, timeout=args.seconds + 30, check=True).stdout
                r = parse_wrk(text)
                r["server_cpu_pct"] = round(100 * (cpu_seconds(target.proc.pid) - before) / args.seconds)
                samples.append(r)
            runs[name] = {k: med(samples, k) for k in ("rps", "p50_ms", "p99_ms", "server_cpu_pct")} | {"errors": sum(r["errors"] for r in samples)}
        # Latency added at low load (one connection), where queueing does not hide it: direct and
        # gateway interleaved, several rounds, medians.
        one = {name: [] for name in runs}
        for _ in range(max(3, args.rounds)):
            for name, target, headers in paths:
                script = os.path.join(work_root, name.replace(" ", "-").replace(",", "") + ".lua")
                text = subprocess.run(["wrk", "-t1", "-c1", "-d3s", "--latency", "-s", script, target.url + "/health"],
                                      capture_output=True, text=True, timeout=40, check=True).stdout
                one[name].append(parse_wrk(text)["p50_ms"])
        for name, values in one.items():
            runs[name]["p50_ms_one_connection"] = statistics.median(values)
            runs[name]["p50_ms_one_connection_rounds"] = values
        return runs
    finally:
        gw2.stop()
        gw.stop()
        server.stop()


def goal(ok):
    return "**met**" if ok else "**not met**"


def gateway_lines(gateway):
    """The gateway section of a report: the table and the two goals."""
    direct = gateway["direct"]
    lines = [
        "", "## Gateway overhead (`warden gateway` in front of Warden's /health, same machine)", "",
        "| path | requests/s | p50 ms | p99 ms | non-2xx | p50 ms, one connection |", "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in gateway.items():
        if not isinstance(r, dict):
            continue
        lines.append(f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['errors']} | {r['p50_ms_one_connection']:.3f} |")
    lines += ["", "The goals are for the gateway as shipped, with one async worker; the rows with 2 workers "
              "(`WARDEN_GATEWAY_WORKERS=2`) are for comparison."]
    for name in ("gateway sigv4", "gateway bearer"):
        if name not in gateway:
            continue
        added_us = 1000 * (gateway[name]["p50_ms_one_connection"] - direct["p50_ms_one_connection"])
        lines.append("")
        lines.append(f"- {name}: {added_us:.0f} µs added median latency (goal < 50 µs): {goal(added_us < 50)}; "
                     f"{gateway[name]['rps']:.0f} verified requests/s (goal >= 20,000): {goal(gateway[name]['rps'] >= 20000)}")
    return lines


def write_gateway_report(args, gateway):
    """`--gateway-only`: bench/results/GATEWAY.md and gateway.json."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark: `warden gateway` overhead", "",
        f"Run {when} on this machine ({os.cpu_count()} cores). Load from `wrk -t1 -c{args.connections}` on the same "
        f"machine, {args.rounds} rounds of {args.seconds} s per path, medians; the one-connection latency from "
        f"`wrk -t1 -c1 -d3s`, {max(3, args.rounds)} interleaved rounds, medians. The upstream is a Warden server's "
        "/health; SigV4 requests are signed by botocore with identity-pool credentials, bearer requests carry a "
        "Warden access token. Written by `bench/run.sh --gateway-only`; the full `bench/run.sh` puts the same "
        "section in RESULTS.md.",
    ]
    lines += gateway_lines(gateway) + [""]
    with open(os.path.join(args.out, "GATEWAY.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(args.out, "gateway.json"), "w") as f:
        json.dump(gateway, f, indent=2)


def med(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def write_report(args, ceilings, servers, results, flood, gateway):
    cores = ceilings["cores"]
    rs_ceiling = ceilings["rs256_signs_per_sec_all_cores"] / 2  # a refresh signs an access and an id token
    argon_ceiling = cores * 1000.0 / ceilings["argon2id_ms_per_hash"]
    summary = {name: {w: {k: med(runs, k) for k in ("rps", "p50_ms", "p99_ms", "server_cpu_pct")} | {"errors": sum(r["errors"] for r in runs)}
                      for w, runs in per.items()} for name, per in results.items()}
    emulators = [n for n in summary if not n.startswith("warden")]
    best_emulator = max(summary[n]["refresh"]["rps"] for n in emulators)
    warden_refresh = max(summary[n]["refresh"]["rps"] for n in summary if n.startswith("warden"))
    warden_password = max(summary[n]["password"]["rps"] for n in summary if n.startswith("warden"))
    flood_p99 = max(f["refresh"]["p99_ms"] for f in flood.values())
    idle = {s.name: s.rss_start_kib / 1024 for s in servers}
    idle_after = {s.name: s.rss_idle_kib / 1024 for s in servers}
    warden_idle = max(v for k, v in idle.items() if k.startswith("warden"))

    a = ceilings["argon2id_params"]
    lines = [
        "# Benchmark: Warden vs the Cognito emulators",
        "",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on this machine: {cores} cores, "
        f"{platform.processor() or platform.machine()}, Linux {platform.release()}. Load from `wrk -t1 -c{args.connections}` on "
        f"the same machine (it takes CPU from the server: the server CPU column says how much the server got), "
        f"{args.rounds} alternating rounds of {args.seconds} s per server and workload, medians shown, {args.users} users.",
        f"Warden: release build, argon2id m={a['memory_kib']} KiB, t={a['iterations']}, p={a['parallelism']} (OWASP), RS256 tokens. "
        "Peers: moto_server 5.2.5 (PyPI moto[server]), cognito-local 5.3.0 (npm).",
        "",
        "| server | workload | requests/s | p50 ms | p99 ms | non-2xx | server CPU % |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, per in summary.items():
        for w in ("refresh", "password"):
            r = per[w]
            lines.append(f"| {name} | {'REFRESH_TOKEN_AUTH' if w == 'refresh' else 'USER_PASSWORD_AUTH'} | {r['rps']:.0f} | "
                         f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {r['server_cpu_pct']:.0f} |")
    lines += ["", "Idle RSS (MiB), at start and after set-up plus 12 s idle:", "",
              "| server | at start | after set-up |", "|---|---:|---:|"]
    lines += [f"| {n} | {idle[n]:.1f} | {idle_after[n]:.1f} |" for n in idle]
    lines += ["", "Warden under a password flood (wrk -c32 of USER_PASSWORD_AUTH) while REFRESH_TOKEN_AUTH is measured at -c4:", "",
              "| server | refresh rps | refresh p50 ms | refresh p99 ms | refresh non-2xx | flood sign-ins/s |", "|---|---:|---:|---:|---:|---:|"]
    for n, f in flood.items():
        lines.append(f"| {n} | {f['refresh']['rps']:.0f} | {f['refresh']['p50_ms']:.2f} | {f['refresh']['p99_ms']:.2f} | "
                     f"{f['refresh']['errors']} | {f['password_flood']['rps']:.0f} |")
    lines += [
        "", "## Ceilings of this machine (bench/ceilings, same primitives as Warden)", "",
        f"- RS256 (RSA-2048, aws-lc-rs): {ceilings['rs256_signs_per_sec_1_thread']:.0f} signatures/s on one thread, "
        f"{ceilings['rs256_signs_per_sec_all_cores']:.0f}/s on {cores}; a refresh signs two tokens, so the ceiling is "
        f"{rs_ceiling:.0f} refreshes/s.",
        f"- argon2id with Warden's parameters: {ceilings['argon2id_ms_per_hash']:.2f} ms per hash (fresh memory), so "
        f"{argon_ceiling:.0f} password sign-ins/s on {cores} cores.",
        "", "## Goals", "",
        f"- REFRESH_TOKEN_AUTH at least 10x the faster emulator: {warden_refresh:.0f} vs {best_emulator:.0f} req/s "
        f"= {warden_refresh / best_emulator:.1f}x: {goal(warden_refresh >= 10 * best_emulator)}",
        f"- REFRESH_TOKEN_AUTH at least 80 % of the RS256 ceiling: {warden_refresh:.0f} of {rs_ceiling:.0f} "
        f"= {100 * warden_refresh / rs_ceiling:.0f} %: {goal(warden_refresh >= 0.8 * rs_ceiling)} "
        "(the load generator runs on the same cores)",
        f"- Password sign-ins at least 90 % of the argon2 ceiling: {warden_password:.0f} of {argon_ceiling:.0f} "
        f"= {100 * warden_password / argon_ceiling:.0f} %: {goal(warden_password >= 0.9 * argon_ceiling)}",
        f"- REFRESH p99 under 10 ms during the flood: {flood_p99:.2f} ms: {goal(flood_p99 < 10)}",
        f"- Idle RSS under 30 MB: {warden_idle:.1f} MiB at start: {goal(warden_idle < 30)}",
    ]
    lines += gateway_lines(gateway)
    lines += ["", "![throughput](throughput.png)", ""]
    with open(os.path.join(args.out, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"ceilings": ceilings, "summary": summary, "flood": flood, "gateway": gateway, "idle_rss_mib": idle,
                   "rss_after_setup_mib": idle_after}, f, indent=2)
    plot(args.out, summary)
    print("\n".join(lines))


def plot(out, summary):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.38
    for i, (w, label) in enumerate((("refresh", "REFRESH_TOKEN_AUTH"), ("password", "USER_PASSWORD_AUTH"))):
        values = [summary[n][w]["rps"] for n in names]
        bars = ax.bar([x + (i - 0.5) * width for x in range(len(names))], values, width, label=label)
        ax.bar_label(bars, fmt="%.0f", fontsize=8)
    ax.set_xticks(range(len(names)), names)
    ax.set_yscale("log")
    ax.set_ylabel("requests/s (log scale)")
    ax.set_title("InitiateAuth throughput on this machine (higher is better)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "throughput.png"), dpi=110)


if __name__ == "__main__":
    main()
