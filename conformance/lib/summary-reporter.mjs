// A node:test reporter that writes one JSON summary of the leaf tests (path, outcome, error)
// for report.mjs: per-target counts and the failures, whatever the spec reporter printed.
export default async function* summaryReporter(source) {
  const stack = [];
  const tests = [];
  const suites = []; // failed suites: a failing before/after hook shows up only here
  for await (const event of source) {
    const { type, data } = event;
    if (type === 'test:start') {
      stack.length = data.nesting;
      stack[data.nesting] = data.name;
    } else if (type === 'test:pass' || type === 'test:fail') {
      if (data.details?.type === 'suite') {
        const err = data.details?.error;
        const cause = err?.cause ?? err;
        const msg = String(cause?.message ?? cause ?? '');
        if (type === 'test:fail' && msg && !/subtests? failed/.test(msg)) {
          suites.push({ file: data.file, path: [...stack.slice(0, data.nesting), data.name], error: msg.slice(0, 6000) });
        }
        continue;
      }
      const path = [...stack.slice(0, data.nesting), data.name];
      let outcome = type === 'test:pass' ? 'pass' : 'fail';
      if (data.skip !== undefined && data.skip !== false) outcome = 'skip';
      if (data.todo !== undefined && data.todo !== false) outcome = 'todo';
      const err = data.details?.error;
      const cause = err?.cause ?? err;
      tests.push({
        file: data.file,
        path,
        outcome,
        reason: typeof data.skip === 'string' ? data.skip : undefined,
        error: outcome === 'fail' ? String(cause?.message ?? cause ?? err?.message ?? 'failed').slice(0, 4000) : undefined,
      });
    }
  }
  yield `${JSON.stringify({ tests, suites }, null, 1)}\n`;
}
