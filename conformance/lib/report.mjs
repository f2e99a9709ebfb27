// Reads the summary written by summary-reporter.mjs and the observations the tests recorded
// (util.observe) and prints: pass/fail/skip per target, every failure with its message, and
// where the targets answered differently (status codes, `error` values). Exits 1 when a test
// failed or none ran.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const summaryPath = join(dir, 'summary.json');
const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, 'utf8') || '{"tests":[]}') : { tests: [] };
const { tests } = summary;
const suites = summary.suites || [];
const TARGETS = ['warden-sqlite', 'warden-postgres', 'oidc-provider'];
const targetOf = (t) => t.path.find((p) => TARGETS.includes(p)) || '(no target)';

const byTarget = new Map();
for (const t of tests) {
  const k = targetOf(t);
  if (!byTarget.has(k)) byTarget.set(k, { pass: 0, fail: 0, skip: 0, todo: 0 });
  byTarget.get(k)[t.outcome] += 1;
}

const out = [];
out.push('', '== conformance summary');
for (const [k, c] of byTarget) out.push(`  ${k.padEnd(16)} ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped${c.todo ? `, ${c.todo} todo` : ''}`);

if (suites.length) {
  out.push('', '== setup/teardown failures (hooks)');
  for (const s of suites) {
    out.push(`- [${targetOf(s)}] ${s.path.filter((p) => !TARGETS.includes(p)).join(' › ') || '(file)'}`);
    out.push(`    ${String(s.error).split('\n').slice(0, 25).join('\n    ')}`);
  }
}

const failed = tests.filter((t) => t.outcome === 'fail');
if (failed.length) {
  out.push('', '== failures');
  for (const t of failed) {
    out.push(`- [${targetOf(t)}] ${t.path.filter((p) => !TARGETS.includes(p)).join(' › ')}`);
    out.push(`    ${String(t.error).split('\n').slice(0, 12).join('\n    ')}`);
  }
}
const skipped = tests.filter((t) => t.outcome === 'skip');
if (skipped.length) {
  out.push('', '== skipped');
  for (const t of skipped) out.push(`- [${targetOf(t)}] ${t.path.filter((p) => !TARGETS.includes(p)).join(' › ')}: ${t.reason ?? ''}`);
}

// Differences between the targets' observed answers.
const obsPath = join(dir, 'observations.jsonl');
if (existsSync(obsPath)) {
  const seen = new Map(); // key -> Map(target -> value json)
  for (const line of readFileSync(obsPath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line);
    if (!seen.has(o.key)) seen.set(o.key, new Map());
    seen.get(o.key).set(o.target, JSON.stringify(o.value));
  }
  const diffs = [];
  for (const [key, vals] of seen) {
    if (vals.size > 1 && new Set(vals.values()).size > 1) diffs.push(`- ${key}: ${[...vals].map(([t, v]) => `${t}=${v}`).join('  ')}`);
  }
  out.push('', `== differences between targets (${diffs.length} of ${seen.size} observed answers)`);
  out.push(...(diffs.length ? diffs : ['  none']));
}

const total = { pass: 0, fail: 0, skip: 0 };
for (const t of tests) if (t.outcome in total) total[t.outcome] += 1;
out.push('');
if (tests.length === 0) out.push('conformance: no test ran; that is a failure here');
out.push(`${total.pass} passed, ${total.fail} failed, ${total.skip} skipped`);
console.log(out.join('\n'));
process.exit(tests.length === 0 || total.fail > 0 || total.pass === 0 || suites.length > 0 ? 1 : 0);
