// A tiny test runner for the suite that runs inside VS Code's extension host (code-server, or VS
// Code desktop through @vscode/test-electron). Test files call `suite` and `test` when they are
// loaded; `runRegistered` then runs everything in registration order, one test at a time.

export type TestFn = () => void | Promise<void>;

export interface TestOptions {
  /** Fails the test if it has not settled by then. Default 30 s. */
  timeoutMs?: number;
  skip?: boolean;
}

export interface TestResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  error?: string;
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  tests: TestResult[];
}

export type RunEvent =
  | { event: 'start'; total: number }
  | ({ event: 'test' } & TestResult)
  | ({ event: 'end' } & Omit<RunSummary, 'tests'>);

interface TestCase {
  name: string;
  fn: TestFn;
  timeoutMs: number;
  skip: boolean;
}

interface Suite {
  name: string;
  tests: TestCase[];
  setup: TestFn[];
  teardown: TestFn[];
}

// Hang guards, not speed checks: far above what a test takes on a busy machine.
const DEFAULT_TIMEOUT_MS = 120_000;
const suites: Suite[] = [];
let current: Suite | undefined;

/** Groups tests; `body` runs at once and registers them. Suites do not nest. */
export function suite(name: string, body: () => void): void {
  if (current) throw new Error(`suite "${name}" is inside suite "${current.name}": suites do not nest`);
  const s: Suite = { name, tests: [], setup: [], teardown: [] };
  suites.push(s);
  current = s;
  try {
    body();
  } finally {
    current = undefined;
  }
}

export function test(name: string, fn: TestFn, options: TestOptions = {}): void {
  const s = current ?? rootSuite();
  s.tests.push({ name: s.name ? `${s.name} > ${name}` : name, fn, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, skip: options.skip ?? false });
}

/** Runs once before the suite's first test; if it throws, every test of the suite fails. */
export function suiteSetup(fn: TestFn): void {
  (current ?? rootSuite()).setup.push(fn);
}

/** Runs once after the suite's last test, even when tests failed. */
export function suiteTeardown(fn: TestFn): void {
  (current ?? rootSuite()).teardown.push(fn);
}

function rootSuite(): Suite {
  let root = suites.find((s) => s.name === '');
  if (!root) {
    root = { name: '', tests: [], setup: [], teardown: [] };
    suites.unshift(root);
  }
  return root;
}

export function registeredTestCount(): number {
  return suites.reduce((n, s) => n + s.tests.length, 0);
}

/**
 * Runs the registered tests whose full name contains `grep` (all when it is empty), reporting
 * each step to `onEvent`. Never throws for a failing test: the summary says what failed.
 */
export async function runRegistered(options: { grep?: string; onEvent?: (event: RunEvent) => void } = {}): Promise<RunSummary> {
  const emit = options.onEvent ?? (() => {});
  const grep = options.grep ?? '';
  const selected = suites
    .map((s) => ({ ...s, tests: s.tests.filter((t) => t.name.includes(grep)) }))
    .filter((s) => s.tests.length > 0);
  const results: TestResult[] = [];
  const record = (r: TestResult) => {
    results.push(r);
    emit({ event: 'test', ...r });
  };
  const started = Date.now();
  emit({ event: 'start', total: selected.reduce((n, s) => n + s.tests.length, 0) });

  for (const s of selected) {
    const runnable = s.tests.filter((t) => !t.skip);
    let setupError: string | undefined;
    if (runnable.length > 0) {
      for (const fn of s.setup) {
        setupError = await settle(fn, DEFAULT_TIMEOUT_MS);
        if (setupError) break;
      }
    }
    for (const t of s.tests) {
      if (t.skip) {
        record({ name: t.name, status: 'skipped', durationMs: 0 });
        continue;
      }
      if (setupError) {
        record({ name: t.name, status: 'failed', durationMs: 0, error: `suite setup failed: ${setupError}` });
        continue;
      }
      const t0 = Date.now();
      const error = await settle(t.fn, t.timeoutMs);
      record({ name: t.name, status: error ? 'failed' : 'passed', durationMs: Date.now() - t0, ...(error ? { error } : {}) });
    }
    if (runnable.length > 0) {
      for (const fn of s.teardown) {
        const error = await settle(fn, DEFAULT_TIMEOUT_MS);
        if (error) record({ name: `${s.name || '(root)'} > suite teardown`, status: 'failed', durationMs: 0, error });
      }
    }
  }

  const summary: RunSummary = {
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    durationMs: Date.now() - started,
    tests: results,
  };
  emit({ event: 'end', passed: summary.passed, failed: summary.failed, skipped: summary.skipped, durationMs: summary.durationMs });
  return summary;
}

/** Runs `fn` and returns undefined when it succeeded, else a description of the failure. */
async function settle(fn: TestFn, timeoutMs: number): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`timed out after ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(fn)
        .then(() => undefined),
      timeout,
    ]);
  } catch (err) {
    return describeError(err);
  } finally {
    clearTimeout(timer);
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
