// A live `warden serve` as a conformance target: its own data dir (and on PostgreSQL its own
// database, made and dropped with psql), set up with the operator CLI, stopped by its PID.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream, readFileSync, existsSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { waitUntil } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const WARDEN_BIN = resolve(process.env.WARDEN_BIN || join(here, '..', '..', 'target', 'debug', 'warden'));
export const PG_URL = process.env.WARDEN_TEST_POSTGRES_URL || '';

// Variables that must not leak from the developer's shell into the server or the CLI.
const LEAKS = /^(WARDEN_|AWS_)/;
const ANSI = /\x1b\[[0-9;]*m/g;

function run(cmd, args, env, timeout = 60_000) {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { env, timeout, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) {
        err.message = `${cmd} ${args.join(' ')} failed (${err.code ?? err.signal}): ${String(stderr).trim().slice(-2000) || String(stdout).trim().slice(-2000)}`;
        reject(err);
      } else resolvePromise({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export async function psql(url, sql) {
  await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], process.env);
}

function databaseUrl(base, name) {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The last JSON value printed on stdout (the CLI prints one with --json). */
function parseJsonOutput(stdout) {
  const text = stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    // Log lines before the JSON: take from the last line that starts a JSON value.
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      if (/^[{[]/.test(lines[i].trim())) {
        try {
          return JSON.parse(lines.slice(i).join('\n'));
        } catch {
          /* keep looking */
        }
      }
    }
    throw new Error(`no JSON in CLI output: ${text.slice(0, 500)}`);
  }
}

export class WardenServer {
  constructor(backend) {
    this.backend = backend;
    this.proc = null;
    this.database = null;
    this.logLines = [];
  }

  async start() {
    try {
      accessSync(WARDEN_BIN, constants.X_OK);
    } catch {
      throw new Error(`no warden binary at ${WARDEN_BIN} (cargo build -p warden-server, or set WARDEN_BIN)`);
    }
    if (this.backend === 'postgres' && !PG_URL) throw new Error('warden-postgres needs WARDEN_TEST_POSTGRES_URL');
    this.dataDir = mkdtempSync(join(tmpdir(), `warden-conformance-${this.backend}-`));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !LEAKS.test(k)));
    Object.assign(env, {
      WARDEN_LISTEN: '127.0.0.1:0',
      WARDEN_DATA_DIR: this.dataDir,
      RUST_LOG: process.env.RUST_LOG || 'info',
      NO_COLOR: '1',
      // Every sign-in here comes from 127.0.0.1: do not let the per-source limit interfere.
      WARDEN_THROTTLE_PER_SOURCE: '100000',
    });
    if (this.backend === 'postgres') {
      this.database = `warden_conf_${randomBytes(6).toString('hex')}`;
      await psql(PG_URL, `CREATE DATABASE "${this.database}"`);
      env.WARDEN_DATABASE_URL = databaseUrl(PG_URL, this.database);
    }
    this.env = env;
    this.logPath = join(this.dataDir, 'server.log');
    const log = createWriteStream(this.logPath);
    this.log = log;
    this.proc = spawn(WARDEN_BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((r) => this.proc.once('exit', (code, signal) => r({ code, signal })));
    let found;
    const scan = (chunk) => {
      log.write(chunk);
      const text = String(chunk).replace(ANSI, '');
      for (const line of text.split('\n')) {
        if (line) this.logLines.push(line);
        const m = !found && line.match(/listen"?\s*[=:]\s*"?(127\.0\.0\.1:\d+)/);
        if (m) found = m[1];
      }
    };
    this.proc.stdout.on('data', scan);
    this.proc.stderr.on('data', scan);
    let dead = false;
    this.exited.then(() => { dead = true; });
    await waitUntil(() => {
      if (dead) throw new Error('exited');
      return found;
    }, { ms: 60_000, what: `warden serve (${this.backend}) to log listen=` }).catch((e) => {
      const how = dead ? `warden serve (${this.backend}) exited (code ${this.proc.exitCode}, signal ${this.proc.signalCode}) before logging listen=` : e.message;
      throw new Error(`${how}\n${this.logTail()}`);
    });
    this.url = `http://${found}`;
    await waitUntil(async () => {
      if (dead) throw new Error('exited');
      const r = await fetch(`${this.url}/ready`);
      return r.status === 200;
    }, { ms: 60_000, what: `warden serve (${this.backend}) /ready` }).catch((e) => {
      throw new Error(`${e.message}\n${this.logTail()}`);
    });
    return this;
  }

  logTail(n = 40) {
    return this.logLines.slice(-n).join('\n');
  }

  /** Runs `warden <args> --json` against this server's store; returns the parsed JSON. */
  async cli(args) {
    const { stdout } = await run(WARDEN_BIN, [...args, '--json'], this.cliEnv());
    return parseJsonOutput(stdout);
  }

  /** Runs `warden <args>` (no --json added) and returns raw stdout. */
  async cliRaw(args) {
    return (await run(WARDEN_BIN, args, this.cliEnv())).stdout;
  }

  /** The server's environment plus its public URL (the CLI cannot know the port bound for :0). */
  cliEnv() {
    return { ...this.env, WARDEN_PUBLIC_URL: this.url };
  }

  /** Stops by PID; returns a list of problems (crash, panic, refusal to stop). */
  async stop() {
    const problems = [];
    if (this.proc) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        problems.push(`warden serve (${this.backend}) died during the tests (code ${this.proc.exitCode}, signal ${this.proc.signalCode})`);
      } else {
        process.kill(this.proc.pid, 'SIGTERM');
        let timer;
        const done = await Promise.race([this.exited, new Promise((r) => { timer = setTimeout(() => r(null), 20_000); })]);
        clearTimeout(timer);
        if (!done) {
          problems.push(`warden serve (${this.backend}) ignored SIGTERM for 20 s`);
          process.kill(this.proc.pid, 'SIGKILL');
          await this.exited;
        }
      }
    }
    await new Promise((r) => (this.log ? this.log.end(r) : r()));
    const text = existsSync(this.logPath ?? '') ? readFileSync(this.logPath, 'utf8') : '';
    const at = text.indexOf('panicked at');
    if (at >= 0) problems.push(`warden serve (${this.backend}) panicked:\n${text.slice(Math.max(0, at - 200), at + 3000)}`);
    if (this.database) {
      try {
        await psql(PG_URL, `DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
      } catch {
        await psql(PG_URL, `DROP DATABASE IF EXISTS "${this.database}"`).catch((e) => problems.push(`drop database: ${e.message}`));
      }
    }
    if (problems.length || process.env.CONFORMANCE_KEEP) {
      problems.length && problems.push(`(server log kept at ${this.logPath})`);
    } else if (this.dataDir) {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
    return problems;
  }
}
