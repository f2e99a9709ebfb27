"""Warden's OAuth 2.0 / OIDC door vs npm oidc-provider, side by side in one run (issue #3).

Starts Warden on SQLite, Warden on PostgreSQL (a fresh database, dropped at the end) and
oidc-provider (bench/oidc_provider.mjs, in-memory adapter) on 127.0.0.1, sets each up the same way
(a resource server `api` with scope `read`, service clients signing ES256 and RS256, confidential
code-flow clients with refresh-token rotation whose tokens are RS256 or ES256, one user), then
measures with wrk, alternating servers within each workload and round:

  cc_es256 / cc_rs256   POST token, client_credentials, client_secret_basic, JWT access token
  refresh_rs256/_es256  POST token, refresh_token with rotation: each token used once, the new one
                        next (lua/oidc_refresh.lua); a fresh pool of token families per run
  userinfo              GET userinfo with the user's bearer access token
  introspect            POST introspection (client_secret_basic) of the user's access token
  discovery             GET <issuer>/.well-known/openid-configuration

For every run: requests/s, p50, p99, non-2xx, and the CPU split over the run's wall time: the
server's utime+stime (/proc/<pid>/stat), wrk's own (rusage of the child), PostgreSQL's backends
serving Warden's database, and the whole machine (/proc/stat), so what else ran shows. Writes
OIDC.md, oidc.json and oidc.png. Every load run is bounded in time (wrk -d, and a timeout) and
sends traffic to 127.0.0.1 only.
"""

import argparse
import base64
import datetime
import http.cookiejar
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

PG = os.environ.get("WARDEN_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIRECT = "http://127.0.0.1:9/cb"
PASSWORD = "Passw0rd!x"
SECRET = "bench-client-secret-0" + uuid.uuid4().hex
HERE = os.path.dirname(os.path.abspath(__file__))
CLK = os.sysconf("SC_CLK_TCK")

WORKLOADS = {
    "cc_es256": "client_credentials, ES256 access token",
    "cc_rs256": "client_credentials, RS256 access token",
    "refresh_rs256": "refresh_token + rotation, RS256 tokens",
    "refresh_es256": "refresh_token + rotation, ES256 tokens",
    "userinfo": "userinfo (GET, bearer)",
    "introspect": "introspection (POST, Basic)",
    "discovery": "discovery (GET)",
}


# ---------------------------------------------------------------- processes and CPU accounting

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


def proc_cpu(pid):
    """utime+stime of a process, in seconds (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK


def machine_busy():
    """(busy, total) jiffies of all cores, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def busy_processes(exclude=(), seconds=2.0, threshold=5.0):
    """Processes other than ours that used at least `threshold` % of a core over `seconds` (sampled
    from /proc), busiest first: what else shares the machine (other agents' compilers...)."""
    def sample():
        out = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        text = f.read()
                except OSError:
                    continue
                comm = text[text.index("(") + 1:text.rindex(")")]
                fields = text.rsplit(")", 1)[1].split()
                out[int(entry)] = (comm, int(fields[11]) + int(fields[12]))
        return out

    a = sample()
    time.sleep(seconds)
    b = sample()
    mine = {os.getpid(), *exclude}
    busy = []
    for pid, (comm, ticks) in b.items():
        if pid in mine or pid not in a:
            continue
        used = 100 * (ticks - a[pid][1]) / CLK / seconds
        if used >= threshold:
            busy.append((used, f"{comm} ({pid}) {used:.0f} %"))
    return [text for _, text in sorted(busy, reverse=True)]


# ---------------------------------------------------------------- a small browser for the code flow

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """Cookies kept, redirects handed back: enough to drive a hosted login page."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def call(self, method, url, form=None, auth=None):
        if url.startswith("/"):
            url = self.base + url
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        if auth:
            req.add_header("Authorization", auth)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def code_from(location):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    if "code" not in q:
        raise RuntimeError(f"no code in {location}")
    return q["code"][0]


def hidden(html, name):
    m = re.search(r'<input[^>]*name="%s"[^>]*value="([^"]*)"' % re.escape(name), html)
    return m.group(1) if m else None


# ---------------------------------------------------------------- the servers

class Server:
    kind = ""

    def __init__(self, name, cmd, env, port, workdir, cwd=None):
        self.name, self.port = name, port
        self.failed_redemptions = []
        self.url = f"http://127.0.0.1:{port}"
        self.env = env
        self.log = open(os.path.join(workdir, f"{name}.log"), "wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd or workdir, stdout=self.log, stderr=self.log)
        wait_port(port, self.proc)
        time.sleep(0.5)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.log.close()

    def db_pids(self):
        return []

    def idle_in_transaction(self):
        return None

    def code_tokens(self, client, n):
        """n token responses of the code flow for `client` (one family each), via one browser session."""
        browser = Browser(self.url)
        out = []
        while len(out) < n:
            code = self.authorize(browser, client)
            status, _, body = browser.call("POST", self.token_path, {
                "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
                auth=basic(client["id"], client["secret"]))
            if status == 200:
                out.append(json.loads(body))
                continue
            # A code the server just issued and then does not know: counted and reported (see
            # OIDC.md: Warden on PostgreSQL, writes lost in a pooled connection left inside a
            # transaction); the set-up tries again with a new code, a few times.
            self.failed_redemptions.append(f"{status} {body[:200]}")
            if len(self.failed_redemptions) > 200:
                raise RuntimeError(f"{self.name}: code redemption keeps failing: {status} {body}")
        return out

    def request(self, workload, tokens):
        """(path, env for lua/oidc_static.lua) of a static workload."""
        cc = {"cc_es256": self.svc_es, "cc_rs256": self.svc_rs}.get(workload)
        if cc:
            return self.token_path, {"BENCH_METHOD": "POST", "BENCH_BODY": self.cc_body(workload),
                                     "BENCH_AUTH": basic(cc["id"], cc["secret"])}
        if workload == "userinfo":
            return self.userinfo_path, {"BENCH_METHOD": "GET", "BENCH_AUTH": "Bearer " + tokens["access_token"]}
        if workload == "introspect":
            return self.introspect_path, {
                "BENCH_METHOD": "POST", "BENCH_AUTH": basic(self.web["id"], self.web["secret"]),
                "BENCH_BODY": "token=" + tokens["access_token"] + "&token_type_hint=access_token"}
        if workload == "discovery":
            return self.discovery_path, {"BENCH_METHOD": "GET"}
        raise KeyError(workload)

    def check(self, workload, path, env):
        """One request as wrk will send it, answered as it should be."""
        b = Browser(self.url)
        form = urllib.parse.parse_qsl(env.get("BENCH_BODY", "")) if env.get("BENCH_METHOD") == "POST" else None
        status, _, body = b.call(env["BENCH_METHOD"], path, form, auth=env.get("BENCH_AUTH"))
        ok = status == 200
        data = json.loads(body) if ok else {}
        if workload.startswith("cc_"):
            alg = json.loads(base64.urlsafe_b64decode(data["access_token"].split(".")[0] + "=="))["alg"]
            ok = alg == workload[3:].upper()
        elif workload == "introspect":
            ok = ok and data.get("active") is True
        elif workload == "userinfo":
            ok = ok and bool(data.get("sub")) and bool(data.get("email"))
        elif workload == "discovery":
            ok = ok and data.get("issuer") == self.issuer
        if not ok:
            raise RuntimeError(f"{self.name} {workload}: unexpected answer {status} {body[:300]}")


class Warden(Server):
    kind = "warden"
    token_path = "/oauth2/token"
    userinfo_path = "/oauth2/userInfo"
    introspect_path = "/oauth2/introspect"

    def __init__(self, name, binary, env, workdir, db=None):
        self.binary = binary
        self.db = db
        port = free_port()
        data = os.path.join(workdir, name)
        env = dict(env, WARDEN_LISTEN=f"127.0.0.1:{port}", WARDEN_DATA_DIR=data)
        if db:
            env["WARDEN_DATABASE_URL"] = PG.rsplit("/", 1)[0] + "/" + db
        super().__init__(name, [binary, "serve"], env, port, workdir)

    def cli(self, *args):
        r = subprocess.run([self.binary, *args, "--json"], env=self.env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"warden {' '.join(args)}: {r.stderr}")
        return json.loads(r.stdout)

    def setup(self):
        pool = self.cli("pool", "create", "--name", "bench")["Id"]
        self.pool = pool
        self.issuer = f"{self.url}/{pool}"
        self.discovery_path = f"/{pool}/.well-known/openid-configuration"
        self.cli("resource-server", "create", "--pool-id", pool, "--identifier", "api", "--name", "API", "--scopes", "read")

        def client(name, *flags):
            c = self.cli("client", "create", "--pool-id", pool, "--name", name, *flags)
            return {"id": c["ClientId"], "secret": c["ClientSecret"]}

        self.svc_es = client("svc-es", "--service", "--oauth-scopes", "api/read", "--signing-alg", "ES256")
        self.svc_rs = client("svc-rs", "--service", "--oauth-scopes", "api/read", "--signing-alg", "RS256")
        web = ("--secret", "--oauth-flows", "code", "--oauth-scopes", "openid email", "--callback-urls", REDIRECT,
               "--rotate-refresh-tokens")
        self.web = client("web", *web, "--signing-alg", "RS256")
        self.web_es = client("web-es", *web, "--signing-alg", "ES256")
        self.cli("user", "create", "--pool-id", pool, "--username", "u", "--password", PASSWORD, "--email", "u@example.com")

    def cc_body(self, workload):
        return "grant_type=client_credentials&scope=api%2Fread"

    def authorize(self, browser, client):
        query = urllib.parse.urlencode({"client_id": client["id"], "response_type": "code", "redirect_uri": REDIRECT,
                                        "scope": "openid email", "state": "s"})
        status, headers, body = browser.call("GET", "/oauth2/authorize?" + query)
        if status == 200:  # the login page: sign in once, the session cookie does the rest
            form = {"request": hidden(body, "request"), "csrf": hidden(body, "csrf"), "username": "u", "password": PASSWORD}
            status, headers, body = browser.call("POST", "/login", form)
        if status not in (302, 303) or not headers.get("Location", "").startswith(REDIRECT):
            raise RuntimeError(f"{self.name}: authorize gave {status} {headers.get('Location')} {body[:300]}")
        return code_from(headers["Location"])

    def idle_in_transaction(self):
        """Pooled connections of Warden's database left inside a transaction (none, if all is well)."""
        if not self.db:
            return None
        out = subprocess.run(["psql", PG, "-Atq", "-c", "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                              f"'{self.db}' AND state LIKE 'idle in transaction%'"], capture_output=True, text=True, timeout=30).stdout
        return int(out.strip() or 0)

    def db_pids(self):
        if not self.db:
            return []
        out = subprocess.run(["psql", PG, "-Atq", "-c", f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.db}'"],
                             capture_output=True, text=True, timeout=30).stdout
        return [int(p) for p in out.split()]


class OidcProvider(Server):
    kind = "oidc-provider"
    token_path = "/token"
    userinfo_path = "/me"
    introspect_path = "/token/introspection"
    discovery_path = "/.well-known/openid-configuration"

    def __init__(self, node_dir, env, workdir):
        port = free_port()
        script = os.path.join(node_dir, "oidc_provider.mjs")  # beside node_modules, so `import` resolves
        shutil.copyfile(os.path.join(HERE, "oidc_provider.mjs"), script)
        env = dict(env, PORT=str(port), CLIENT_SECRET=SECRET, REDIRECT_URI=REDIRECT, NODE_ENV="production")
        super().__init__("oidc-provider", ["node", script], env, port, workdir, cwd=node_dir)
        self.issuer = self.url
        with open(os.path.join(node_dir, "node_modules", "oidc-provider", "package.json")) as f:
            self.version = json.load(f)["version"]
        self.node_version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()

    def setup(self):
        self.svc_es = self.svc_rs = {"id": "svc", "secret": SECRET}
        self.web = {"id": "web", "secret": SECRET}
        self.web_es = {"id": "web-es", "secret": SECRET}

    def cc_body(self, workload):
        alg = workload[3:]
        return f"grant_type=client_credentials&scope=api%3Aread&resource=https%3A%2F%2F{alg}.api.test"

    def authorize(self, browser, client):
        query = urllib.parse.urlencode({"client_id": client["id"], "response_type": "code", "redirect_uri": REDIRECT,
                                        "scope": "openid email", "state": "s"})
        method, url, form = "GET", "/auth?" + query, None
        for _ in range(12):
            status, headers, body = browser.call(method, url, form)
            location = headers.get("Location", "")
            if status in (302, 303) and location.startswith(REDIRECT):
                return code_from(location)
            if status in (302, 303):
                method, url, form = "GET", location, None
                continue
            prompt = hidden(body, "prompt")  # devInteractions: the login form, then the consent form
            action = re.search(r'<form[^>]*action="([^"]+)"', body)
            if status != 200 or prompt not in ("login", "consent") or not action:
                break
            form = {"prompt": prompt}
            if prompt == "login":
                form.update(login="u", password=PASSWORD)
            method, url = "POST", action.group(1)
        raise RuntimeError(f"{self.name}: authorize gave {status} {headers.get('Location')} {body[:300]}")


# ---------------------------------------------------------------- wrk

UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(text):
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m:
        raise RuntimeError("wrk printed no result:\n" + text)
    out = {"rps": float(m.group(1))}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        out[f"p{pct}_ms"] = float(m.group(1)) * UNIT[m.group(2)] if m else None
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(int(g) for g in m.groups()) if m else 0
    m = re.search(r"lost chains: (\d+)", text)
    if m:
        out["lost_chains"] = int(m.group(1))
    return out


class Bench:
    def __init__(self, args, work):
        self.args, self.work = args, work

    def prepare(self, server, workload, connections):
        """What a run needs, made just before it (oidc-provider's in-memory adapter is a 1000-entry
        LRU: tokens made earlier would be evicted by the runs in between)."""
        if workload.startswith("refresh"):
            client = server.web if workload == "refresh_rs256" else server.web_es
            n = connections + 2 * self.args.threads  # one per connection, spares for wrk's start-up call
            tokens = [t["refresh_token"] for t in server.code_tokens(client, n)]
            path = os.path.join(self.work, f"{server.name}-{workload}.tokens")
            with open(path, "w") as f:
                f.write("\n".join(tokens) + "\n")
            return server.token_path, {"BENCH_TOKENS": path, "BENCH_AUTH": basic(client["id"], client["secret"]),
                                       "BENCH_THREADS": str(self.args.threads), "BENCH_MAX": str(self.args.max_requests)}, "oidc_refresh.lua"
        tokens = server.code_tokens(server.web, 1)[0] if workload in ("userinfo", "introspect") else None
        path, env = server.request(workload, tokens)
        server.check(workload, path, env)
        return path, env, "oidc_static.lua"

    def run(self, server, workload, seconds, connections=None, perf=None):
        connections = connections or self.args.connections
        path, env, script = self.prepare(server, workload, connections)
        cmd = ["wrk", f"-t{self.args.threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
               "-s", os.path.join(HERE, "lua", script), server.url + path]
        db = server.db_pids()
        time.sleep(0.3)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        s0, d0, (b0, t0), w0 = proc_cpu(server.proc.pid), sum(proc_cpu(p) for p in db), machine_busy(), time.monotonic()
        prof = None
        if perf:
            prof = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-o", perf, "-p", str(server.proc.pid),
                                     "--", "sleep", str(max(1, seconds - 2))],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proc = subprocess.Popen(cmd, env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = []
        if seconds >= 4:  # who else used the CPU, sampled for a second in mid-run
            exclude = [server.proc.pid, proc.pid, *db] + ([prof.pid] if prof else [])
            spy = threading.Thread(target=lambda: (time.sleep(seconds / 2 - 0.5),
                                                   seen.extend(busy_processes(exclude, 1.0, 10.0))), daemon=True)
            spy.start()
        try:
            stdout, stderr = proc.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        if seconds >= 4:
            spy.join(timeout=10)
        r = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
        wall = time.monotonic() - w0
        s1, d1, (b1, t1) = proc_cpu(server.proc.pid), sum(proc_cpu(p) for p in db), machine_busy()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if prof:
            prof.wait(timeout=seconds + 60)
        if r.returncode != 0:
            raise RuntimeError(f"wrk failed: {r.stderr}")
        out = parse_wrk(r.stdout)
        wrk_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        if perf:
            wrk_cpu = None  # perf is a child too
        ncpu = os.cpu_count()
        out.update(
            server_cpu_pct=100 * (s1 - s0) / wall,
            db_cpu_pct=100 * (d1 - d0) / wall if db else None,
            wrk_cpu_pct=100 * wrk_cpu / wall if wrk_cpu is not None else None,
            machine_busy_pct=100 * ncpu * (b1 - b0) / max(1, t1 - t0),
            wall_s=wall,
            others=seen,
        )
        out["idle_in_tx"] = server.idle_in_transaction()
        out["other_cpu_pct"] = (out["machine_busy_pct"] - out["server_cpu_pct"] - (out["db_cpu_pct"] or 0)
                                - (out["wrk_cpu_pct"] or 0)) if wrk_cpu is not None else None
        return out


def crypto_speed():
    """What one core of this machine gives right now: `openssl speed` RSA-2048 and P-256 signatures
    per second, one thread (this VM's speed moves with its neighbours' load)."""
    out = {}
    for alg, key in (("rsa2048", "rs256"), ("ecdsap256", "es256")):
        text = subprocess.run(["openssl", "speed", "-seconds", "2", alg], capture_output=True, text=True, timeout=120).stdout
        m = re.search(r"^(?:rsa 2048 bits|\s*256 bits ecdsa \(nistp256\))\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", text, re.M)
        if m:
            out[key + "_sign_per_s"] = float(m.group(1))
            out[key + "_verify_per_s"] = float(m.group(2))
    return out


# ---------------------------------------------------------------- main

def wait_for_quiet(max_wait, every=30):
    """Wait until no cargo/rustc runs (other agents compile on these 2 cores); give up after max_wait."""
    deadline = time.time() + max_wait
    while True:
        busy = [p for name in ("cargo", "rustc")
                for p in subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split()]
        if not busy:
            return None
        if time.time() >= deadline:
            return f"cargo/rustc still running after waiting {max_wait:.0f} s (pids {' '.join(busy)})"
        print(f"waiting: cargo/rustc running ({' '.join(busy)})", flush=True)
        time.sleep(every)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warden")
    ap.add_argument("--node-dir", help="directory holding node_modules/oidc-provider")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=2, help="seconds of unrecorded load per server and workload first")
    ap.add_argument("--max-requests", type=int, default=2_000_000, help="cap per wrk thread (refresh script)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--servers", default="warden-sqlite,warden-postgres,oidc-provider")
    ap.add_argument("--baseline", help="another warden binary (an earlier commit), run beside --warden on both stores "
                    "as baseline-sqlite and baseline-postgres, alternating with the others")
    ap.add_argument("--wait-quiet", type=int, default=0, help="wait up to this many seconds for no cargo/rustc")
    ap.add_argument("--profile", type=int, default=0, help="after the rounds, perf-record Warden (--profile-server) for this many seconds per workload")
    ap.add_argument("--profile-server", default="warden-sqlite", help="which Warden --profile records")
    ap.add_argument("--no-report", action="store_true", help="print results only (smoke runs)")
    ap.add_argument("--from-json", help="only write OIDC.md and oidc.png again from a run's oidc.json")
    args = ap.parse_args()
    if args.from_json:
        os.makedirs(args.out, exist_ok=True)
        with open(args.from_json) as f:
            saved = json.load(f)
        run_args = argparse.Namespace(**dict(saved["args"], out=args.out))
        write_report(run_args, [w for w in run_args.workloads.split(",") if w], saved["runs"], saved["meta"], saved["profiles"])
        return
    if not args.warden or not args.node_dir:
        ap.error("--warden and --node-dir are needed for a run")
    args.warden = os.path.abspath(args.warden)
    workloads = [w for w in args.workloads.split(",") if w]
    wanted = args.servers.split(",")
    os.makedirs(args.out, exist_ok=True)

    quiet_note = wait_for_quiet(args.wait_quiet) if args.wait_quiet else None
    if quiet_note:
        print("running anyway:", quiet_note)
    others_before = busy_processes()
    speed_before = crypto_speed()
    print("crypto speed before:", speed_before, flush=True)

    work = tempfile.mkdtemp(prefix="warden-oidc-bench-")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WARDEN_", "BENCH_"))}
    warden_env = dict(base, RUST_LOG="warn", WARDEN_THROTTLE_PER_SOURCE="1000000000", WARDEN_THROTTLE_PER_USER="1000000000")
    pg_db = "warden_oidc_bench_" + uuid.uuid4().hex[:10]
    servers, created_db = [], False
    results = {}
    profiles = {}
    try:
        if "warden-sqlite" in wanted:
            servers.append(Warden("warden-sqlite", args.warden, warden_env, work))
        if "warden-postgres" in wanted:
            subprocess.run(["psql", PG, "-q", "-c", f"CREATE DATABASE {pg_db}"], check=True, capture_output=True, timeout=60)
            created_db = True
            servers.append(Warden("warden-postgres", args.warden, warden_env, work, db=pg_db))
        if args.baseline:
            servers.append(Warden("baseline-sqlite", os.path.abspath(args.baseline), warden_env, work))
            subprocess.run(["psql", PG, "-q", "-c", f"CREATE DATABASE {pg_db}_base"], check=True, capture_output=True, timeout=60)
            servers.append(Warden("baseline-postgres", os.path.abspath(args.baseline), warden_env, work, db=pg_db + "_base"))
        if "oidc-provider" in wanted:
            servers.append(OidcProvider(os.path.abspath(args.node_dir), base, work))
        for s in servers:
            print("== set-up", s.name, flush=True)
            s.setup()
        bench = Bench(args, work)
        if args.warmup:
            for w in workloads:
                for s in servers:
                    bench.run(s, w, args.warmup)
        results = {s.name: {w: [] for w in workloads} for s in servers}
        for r in range(args.rounds):
            for w in workloads:
                order = servers[r % len(servers):] + servers[:r % len(servers)]  # who goes first rotates
                for s in order:
                    res = bench.run(s, w, args.seconds)
                    results[s.name][w].append(res)
                    print(f"round {r + 1} {w:14} {s.name:16} {res['rps']:9.0f} req/s  p50 {res['p50_ms']:.2f} ms  "
                          f"p99 {res['p99_ms']:.2f} ms  non2xx {res['non2xx']}  server {res['server_cpu_pct']:.0f}%  "
                          f"wrk {res['wrk_cpu_pct']:.0f}%  db {res['db_cpu_pct'] or 0:.0f}%  other {res['other_cpu_pct']:.0f}%"
                          + (f"  lost {res['lost_chains']}" if "lost_chains" in res else "")
                          + (f"  idle-in-tx {res['idle_in_tx']}" if res["idle_in_tx"] else ""),
                          flush=True)
        others_after = busy_processes(exclude=[s.proc.pid for s in servers])
        speed_after = crypto_speed()
        print("crypto speed after:", speed_after, flush=True)
        rss = {s.name: rss_mib(s.proc.pid) for s in servers}
        for s in servers:
            s.log.flush()
            with open(os.path.join(work, f"{s.name}.log"), errors="replace") as f:
                text = f.read()
            s.tx_warnings = text.count("transaction in progress")
            s.errors_logged = len(re.findall(r"\bERROR\b", text))
        if args.profile:
            target = next((s for s in servers if s.name == args.profile_server), None)
            if target:
                for w in ("cc_es256", "refresh_rs256", "refresh_es256", "userinfo", "introspect"):
                    if w in workloads:
                        profiles[w] = profile(bench, target, w, args.profile, work)
    except Exception:
        for s in servers:  # the servers' own words on what went wrong
            s.log.flush()
            with open(os.path.join(work, f"{s.name}.log"), errors="replace") as f:
                print(f"---- {s.name} log (tail)\n" + f.read()[-2000:])
        raise
    finally:
        for s in servers:
            s.stop()
        for db in [pg_db] * created_db + [pg_db + "_base"] * bool(args.baseline):
            subprocess.run(["psql", PG, "-q", "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"],
                           capture_output=True, timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    meta = {
        "when": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Linux {platform.release()}",
        "quiet_note": quiet_note, "others_before": others_before, "others_after": others_after,
        "oidc_provider": next((f"oidc-provider {s.version} on Node {s.node_version}" for s in servers if s.kind == "oidc-provider"), ""),
        "rss_mib_end": rss,
        "crypto_speed": {"before": speed_before, "after": speed_after},
        "build": build_info(args.warden),
        "health": {s.name: {"failed_code_redemptions": len(s.failed_redemptions),
                            "failed_redemption_samples": s.failed_redemptions[:3],
                            "tx_warnings_logged": getattr(s, "tx_warnings", None),
                            "errors_logged": getattr(s, "errors_logged", None)} for s in servers},
        "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("Copyright")[0].strip(),
    }
    if args.baseline:
        summary = {}
        for w in workloads:
            for store in ("sqlite", "postgres"):
                new, old = results.get(f"warden-{store}", {}).get(w), results.get(f"baseline-{store}", {}).get(w)
                if new and old:
                    n, o = med([x["rps"] for x in new]), med([x["rps"] for x in old])
                    summary[f"{w}-{store}"] = {"rps_new": n, "rps_baseline": o, "change_pct": round(100 * (n - o) / o, 1),
                                               "p50_ms_new": med([x["p50_ms"] for x in new]),
                                               "p50_ms_baseline": med([x["p50_ms"] for x in old])}
        print(json.dumps(summary, indent=2))
        with open(os.path.join(args.out, "baseline-oidc.json"), "w") as f:
            json.dump({"meta": meta, "baseline": args.baseline, "summary": summary, "results": results}, f, indent=2)
    if args.no_report:
        print(json.dumps({"meta": meta, "profiles": profiles}, indent=2))
        return
    write_report(args, workloads, results, meta, profiles)


def build_info(binary):
    """Which Warden was measured: when the binary was built, and the last commit before that (the
    build takes the work tree as it was, uncommitted changes included)."""
    root = os.path.dirname(HERE)
    built = datetime.datetime.fromtimestamp(os.path.getmtime(binary), datetime.timezone.utc)
    head = subprocess.run(["git", "-C", root, "log", "-1", f"--before={built.isoformat()}", "--format=%h"],
                          capture_output=True, text=True).stdout.strip()
    return f"binary built {built:%Y-%m-%d %H:%M} UTC from the work tree; last commit before the build: {head or 'unknown'}"


def profile(bench, server, workload, seconds, work):
    data = os.path.join(work, f"perf-{workload}.data")
    res = bench.run(server, workload, seconds, perf=data)
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--percent-limit", "1.5",
                             "--stdio", "-g", "none"], capture_output=True, text=True, timeout=300).stdout
    dsos = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso", "--stdio", "-g", "none"],
                          capture_output=True, text=True, timeout=300).stdout
    comms = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "comm", "--stdio", "-g", "none"],
                           capture_output=True, text=True, timeout=300).stdout

    def rows(text, limit):
        out = []
        for line in text.splitlines():
            if line.strip() and not line.startswith("#") and "%" in line:
                out.append(re.sub(r"(\s+-)+$", "", re.sub(r"\s+", " ", line.strip())))
        return out[:limit]

    return {"rps": res["rps"], "server_cpu_pct": res["server_cpu_pct"], "symbols": rows(report, 18), "dsos": rows(dsos, 6),
            "threads": rows(comms, 6)}


# ---------------------------------------------------------------- report

def write_report(args, workloads, results, meta, profiles):
    keys = ("rps", "p50_ms", "p99_ms", "server_cpu_pct", "wrk_cpu_pct", "db_cpu_pct", "other_cpu_pct", "machine_busy_pct")
    summary = {}
    for name, per in results.items():
        summary[name] = {}
        for w, runs in per.items():
            s = {k: med([r[k] for r in runs]) for k in keys}
            s["rps_all"] = [round(r["rps"]) for r in runs]
            s["rps_min"], s["rps_max"] = min(s["rps_all"]), max(s["rps_all"])
            for k in ("p50_ms", "p99_ms", "server_cpu_pct", "wrk_cpu_pct"):
                vals = [r[k] for r in runs if r[k] is not None]
                s[k + "_range"] = (min(vals), max(vals)) if vals else None
            s["non2xx"] = sum(r["non2xx"] for r in runs)
            s["socket_errors"] = sum(r["socket_errors"] for r in runs)
            s["lost_chains"] = sum(r.get("lost_chains", 0) for r in runs)
            summary[name][w] = s

    def spread(s):
        lo, hi, m = s["rps_min"], s["rps_max"], s["rps"]
        return f"{lo:,.0f}–{hi:,.0f} (±{100 * (hi - lo) / 2 / m:.0f} %)" if m else "–"

    def rng(s, k, fmt="{:.2f}"):
        r = s.get(k + "_range")
        return (fmt.format(r[0]) + "–" + fmt.format(r[1])) if r else "–"

    def pct(v):
        return "–" if v is None else f"{v:.0f}"

    names = list(summary)
    lines = [
        "# Benchmark: Warden's OAuth 2.0 / OIDC door vs oidc-provider",
        "",
        f"Run {meta['when']} on this machine ({meta['machine']}). {meta['oidc_provider']}, in-memory adapter; "
        f"Warden release build ({meta['build']}) on SQLite and on PostgreSQL (a fresh database on 127.0.0.1:5432). Load: {meta['wrk']}, "
        f"`-t{args.threads} -c{args.connections} -d{args.seconds}s`, on the same 2 cores as the servers. "
        f"{args.rounds} rounds; in each round every workload runs on every server back to back (who goes first "
        f"rotates), after a {args.warmup} s unrecorded warm-up of each. Medians of the rounds; the spread is the "
        "range over the rounds.",
        "",
    ]
    if meta["quiet_note"]:
        lines += [f"**Not a quiet machine:** {meta['quiet_note']}; the run went ahead. "
                  f"Busy processes seen before: {', '.join(meta['others_before']) or 'none'}; after: "
                  f"{', '.join(meta['others_after']) or 'none'}. The *other* CPU column shows what they took.", ""]
    else:
        lines += ["No cargo/rustc was running when the run started. Other busy processes seen before it: "
                  f"{', '.join(meta['others_before']) or 'none'}; after it: {', '.join(meta['others_after']) or 'none'}. "
                  "The *other* CPU column shows what was taken by anything else during each run.", ""]
    all_runs = [r for per in results.values() for runs in per.values() for r in runs]
    other = sorted(r["other_cpu_pct"] for r in all_runs if r.get("other_cpu_pct") is not None)
    if other:
        noisy = sum(1 for o in other if o >= 20)
        lines += [f"**Machine load from others during the runs:** the *other* CPU column (busy time not from the server, "
                  f"wrk or PostgreSQL's backends) was {statistics.median(other):.0f} % of a core in the median run "
                  f"(range {other[0]:.0f}–{other[-1]:.0f} %; ≥ 20 % in {noisy} of {len(other)} runs). "
                  + ("Every server lost CPU to it, so absolute numbers are below this machine's quiet capacity; "
                     "the servers ran back to back in each round, so ratios are fairer than absolutes, but not exact."
                     if noisy > len(other) / 4 else "The runs were mostly undisturbed."), ""]
    sp = meta.get("crypto_speed", {})
    if sp.get("before"):
        b, a = sp["before"], sp.get("after") or {}
        lines += ["One core's signing speed (`openssl speed`, one thread) before / after the rounds: RSA-2048 "
                  f"{b.get('rs256_sign_per_s', 0):,.0f} / {a.get('rs256_sign_per_s', 0):,.0f} signatures/s, P-256 "
                  f"{b.get('es256_sign_per_s', 0):,.0f} / {a.get('es256_sign_per_s', 0):,.0f}/s (on a quiet machine of "
                  "this kind: about 4,800 and 72,000, shared/reference/verification-perf.md §4.1).", ""]
    seen = {}
    nruns = 0
    for per in results.values():
        for runs in per.values():
            for r in runs:
                nruns += 1
                for name in {re.sub(r" \(\d+\).*", "", o) for o in r.get("others", [])}:
                    seen[name] = seen.get(name, 0) + 1
    if seen:
        lines += ["Other processes using ≥ 10 % of a core in the mid-run samples: " + ", ".join(
            f"{name} in {count} of {nruns} runs" for name, count in sorted(seen.items(), key=lambda kv: -kv[1])) + ".", ""]
    else:
        lines += [f"No other process used ≥ 10 % of a core in any of the {nruns} mid-run samples.", ""]
    lines += [
        "| workload | server | req/s (median) | req/s per round | run-to-run spread | p50 ms | p99 ms | p50 range | p99 range | non-2xx | server CPU % | wrk CPU % | PostgreSQL CPU % | other CPU % |",
        "|---|---|---:|---|---|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for w in workloads:
        for n in names:
            s = summary[n][w]
            errors = s["non2xx"] + s["socket_errors"]
            lines.append(
                f"| {WORKLOADS[w]} | {n} | {s['rps']:,.0f} | {' / '.join(f'{v:,}' for v in s['rps_all'])} | {spread(s)} | "
                f"{s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {rng(s, 'p50_ms')} | {rng(s, 'p99_ms')} | {errors} | "
                f"{pct(s['server_cpu_pct'])} | {pct(s['wrk_cpu_pct'])} | {pct(s['db_cpu_pct'])} | {pct(s['other_cpu_pct'])} |")
    lines += ["", "CPU columns are percent of one core over the run's wall time (the machine has "
              f"{os.cpu_count()} cores, so 200 % is all of it): the server process (`/proc/<pid>/stat` utime+stime), "
              "wrk (its rusage as a child), PostgreSQL (the backends serving Warden's database, from `pg_stat_activity`), "
              "and *other*: the rest of the machine's busy time (`/proc/stat`), i.e. other processes on the box; in the "
              "PostgreSQL rows it also holds PostgreSQL's background processes (WAL writer...) and the kernel's I/O "
              "work for them.", ""]

    # goals
    op = "oidc-provider"
    wardens = [n for n in names if n.startswith("warden")]

    def goal(ok):
        return "**met**" if ok else "**not met**"

    lines += ["## Goals", ""]
    if op in summary:
        for w, factor, label in (("cc_es256", 6, "client_credentials ES256 ≥ 6× oidc-provider"),
                                 ("refresh_rs256", 8, "refresh with rotation ≥ 8× oidc-provider's in-memory refresh (RS256)"),
                                 ("refresh_es256", 8, "refresh with rotation ≥ 8× oidc-provider's in-memory refresh (ES256; same goal, the other algorithm)")):
            if w not in workloads:
                continue
            base = summary[op][w]["rps"]
            parts = [f"{n} {summary[n][w]['rps']:,.0f} req/s = {summary[n][w]['rps'] / base:.1f}× "
                     f"(worst round vs best peer round {summary[n][w]['rps_min'] / summary[op][w]['rps_max']:.1f}×): "
                     f"{goal(summary[n][w]['rps'] >= factor * base)}" for n in wardens]
            lines.append(f"- {label}: oidc-provider {base:,.0f} req/s; " + "; ".join(parts))
    for w, label in (("userinfo", "userinfo ≥ 30k req/s"), ("introspect", "introspection ≥ 30k req/s")):
        if w in workloads:
            parts = [f"{n} {summary[n][w]['rps']:,.0f} req/s ({summary[n][w]['rps_min']:,}–{summary[n][w]['rps_max']:,}): "
                     f"{goal(summary[n][w]['rps'] >= 30000)}" for n in wardens]
            lines.append(f"- {label}: " + "; ".join(parts))
    lines.append("")

    lines += ["## Correctness seen during the run", ""]
    for n in names:
        h = meta["health"].get(n, {})
        idle = [r.get("idle_in_tx") for runs in results[n].values() for r in runs if r.get("idle_in_tx") is not None]
        lost = sum(summary[n][w]["lost_chains"] for w in workloads)
        errors = sum(summary[n][w]["non2xx"] + summary[n][w]["socket_errors"] for w in workloads)
        text = (f"- {n}: {errors} non-2xx answers or socket errors, {lost} refresh chains lost, "
                f"{h.get('failed_code_redemptions', 0)} codes it had just issued refused at redemption during set-up")
        if h.get("tx_warnings_logged") is not None and n.startswith("warden"):
            text += f", {h['tx_warnings_logged']} PostgreSQL \"transaction in progress\" warnings in its log"
        if idle:
            text += f", pooled connections left *idle in transaction* after a run: max {max(idle)} (after {sum(1 for i in idle if i)} of {len(idle)} runs)"
        if h.get("failed_redemption_samples"):
            text += f" (e.g. `{h['failed_redemption_samples'][0]}`)"
        lines.append(text + ".")
    lines.append("")

    if profiles:
        lines += ["## Where Warden's time goes (perf, SQLite)", "",
                  "`perf record -F 499 -g -p <warden pid>` during an extra run of each workload (not one of the "
                  "measured rounds; perf takes some CPU itself). Samples by thread, by shared object, then by "
                  "symbol (self time, entries ≥ 1.5 %).", ""]
        for w, p in profiles.items():
            lines += [f"### {WORKLOADS[w]} ({p['rps']:,.0f} req/s under perf, server {p['server_cpu_pct']:.0f} %)", "", "```"]
            lines += p["threads"] + [""] + p["dsos"] + [""] + p["symbols"] + ["```", ""]

    lines += [
        "## Method", "",
        "- One command: `bench/oidc.sh` (release build of `warden-server`, `npm install oidc-provider` pinned, then "
        "`bench/oidc.py`). Options: `--rounds`, `--seconds`, `--connections`, `--threads`, `--workloads`, `--wait-quiet`, `--profile`.",
        "- Set-up is what an operator does: Warden through its CLI against the running server's data dir or database "
        "(`warden pool create`, `resource-server create --identifier api --scopes read`, service clients `svc-es` "
        "(`--signing-alg ES256`) and `svc-rs` (RS256), code-flow clients `web` (RS256) and `web-es` (ES256) with "
        "`--secret --rotate-refresh-tokens`, `user create`); oidc-provider by its configuration "
        "(`bench/oidc_provider.mjs`: the same clients, resource indicators giving ES256 or RS256 `at+jwt` access tokens "
        "per resource, `rotateRefreshToken: true`, in-memory adapter).",
        "- client_credentials: `client_secret_basic`, scope `api/read` (Warden) or `api:read` with "
        "`resource=https://es256.api.test` / `rs256` (oidc-provider). One JWT signed per request on both.",
        "- refresh with rotation: before each run, a pool of fresh token families (one per connection plus spares) is "
        "made through each server's own hosted login: one sign-in, then the browser session's cookie for every further "
        "authorization, and a code redemption each. `lua/oidc_refresh.lua` uses each refresh token once and the "
        "`refresh_token` of each answer next; a failed refresh would lose its chain (counted). Rotation is persisted by "
        "Warden (SQLite WAL or PostgreSQL: a committed statement, shared by the refreshes that arrive together, "
        "updates each family's token hash and records the retired one, for reuse detection) and kept in memory by oidc-provider (a 1000-entry LRU; nothing is durable). Per refresh, Warden "
        "signs two JWTs (an RFC 9068 access token and an ID token, both with the client's algorithm); oidc-provider "
        "signs one (the ID token) and stores an opaque access token in memory — its userinfo tokens are always opaque. "
        "So with RS256 Warden does twice the RSA work per refresh.",
        "- userinfo and introspection: the user's access token from the code flow (Warden: an RS256 JWT checked "
        "against its family in the store; oidc-provider: an opaque token looked up in memory), introspected with the "
        "`web` client's Basic credentials and `token_type_hint=access_token`.",
        "- What Warden's store does per request (at the measured commit): client_credentials nothing (client, pool "
        "and resource server come from a 5 s cache); userinfo and introspection verify the JWT (its claims are kept "
        "60 s) and check the token's family with its user (kept for the current second); a refresh reads the family "
        "with its user and the user's groups and writes the rotation. Rotations are group-committed: those that "
        "arrive while one is being written go out together in one statement. On SQLite the reads run on the async "
        "worker through rusqlite and the writes through sqlx, whose driver runs each connection on its own thread "
        "(the `sqlx-sqlite-wor` thread in the profile).",
        "- Before every run one request is checked by hand (200, the expected `alg`, `active: true`, a `sub` and "
        "`email`, the issuer). wrk counts non-2xx answers; the refresh script also counts lost chains "
        f"({sum(summary[n][w]['lost_chains'] for n in names for w in workloads)} in all).",
        f"- Idle-ish RSS at the end: " + ", ".join(f"{n} {v:.0f} MiB" for n, v in meta["rss_mib_end"].items()) + ".",
        "- Loopback only; every wrk run is bounded by `-d` and a timeout; the PostgreSQL database is created for the "
        "run and dropped after it.",
        "", "![throughput](oidc.png)", "",
    ]
    with open(os.path.join(args.out, "OIDC.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(args.out, "oidc.json"), "w") as f:
        json.dump({"meta": meta, "args": vars(args), "summary": summary, "runs": results, "profiles": profiles}, f, indent=2)
    plot(args.out, workloads, summary)
    print("\n".join(lines))


def plot(out, workloads, summary):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    colors = {"warden-sqlite": "#2b6cb0", "warden-postgres": "#38a169", "oidc-provider": "#dd6b20"}
    fig, ax = plt.subplots(figsize=(11, 5))
    width = 0.8 / len(names)
    for i, n in enumerate(names):
        xs = [x + (i - (len(names) - 1) / 2) * width for x in range(len(workloads))]
        med_ = [summary[n][w]["rps"] for w in workloads]
        lo = [max(0, summary[n][w]["rps"] - summary[n][w]["rps_min"]) for w in workloads]
        hi = [max(0, summary[n][w]["rps_max"] - summary[n][w]["rps"]) for w in workloads]
        bars = ax.bar(xs, med_, width, label=n, color=colors.get(n), yerr=[lo, hi], capsize=2, error_kw={"lw": 0.8})
        ax.bar_label(bars, labels=[f"{v / 1000:.1f}k" for v in med_], fontsize=7, padding=2)
    short = {"cc_es256": "client_credentials\nES256", "cc_rs256": "client_credentials\nRS256",
             "refresh_rs256": "refresh + rotation\nRS256", "refresh_es256": "refresh + rotation\nES256",
             "userinfo": "userinfo\n(GET, bearer)", "introspect": "introspection\n(POST, Basic)", "discovery": "discovery\n(GET)"}
    ax.set_xticks(range(len(workloads)), [short.get(w, w) for w in workloads], fontsize=8)
    if {"userinfo", "introspect"} & set(workloads):
        ax.axhline(30000, color="grey", ls="--", lw=0.8)
        near = [i for i, w in enumerate(workloads) if w in ("userinfo", "introspect")]
        ax.text(sum(near) / len(near), 30000 * 1.08, "goal for userinfo and introspection: 30k req/s", ha="center",
                fontsize=7, color="grey")
    ax.set_yscale("log")
    lowest = min(summary[n][w]["rps_min"] for n in names for w in workloads)
    ax.set_ylim(max(1, lowest * 0.5), max(70000, 2.5 * max(summary[n][w]["rps_max"] for n in names for w in workloads)))
    ax.set_ylabel("requests/s (log scale; bars: median, whiskers: range over rounds)")
    ax.set_title("OAuth 2.0 / OIDC endpoints on 2 shared cores (higher is better)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "oidc.png"), dpi=110)


if __name__ == "__main__":
    main()
