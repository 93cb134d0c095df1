// Entry of the suite that runs inside VS Code: both code-server (scripts/vscodeHost/runSuite.mjs)
// and @vscode/test-electron (scripts/vscodeHost/runDesktop.mjs) load the bundle of this file and
// call `run()` in the extension host. The bundle also imports every `*.vscodeTest.ts` beside it
// (scripts/vscodeHost/buildSuite.mjs), which register their tests with the harness.
//
// Environment: STEVEDORE_TEST_RESULTS  file to append one JSON line per event to (start, each test, end)
//              STEVEDORE_TEST_GREP     run only the tests whose full name contains this
import { appendFileSync } from 'node:fs';
import { runRegistered, registeredTestCount, type RunEvent } from './harness';

export async function run(): Promise<void> {
  const resultsFile = process.env.STEVEDORE_TEST_RESULTS;
  const onEvent = (event: RunEvent) => {
    if (resultsFile) appendFileSync(resultsFile, JSON.stringify(event) + '\n');
    if (event.event === 'test') {
      console.log(`${event.status === 'passed' ? 'ok' : event.status === 'skipped' ? 'skip' : 'FAIL'} ${event.name} (${event.durationMs} ms)`);
      if (event.error) console.log(event.error);
    } else if (event.event === 'end') {
      console.log(`${event.passed} passed, ${event.failed} failed`);
    }
  };
  if (registeredTestCount() === 0) {
    onEvent({ event: 'start', total: 0 });
    onEvent({ event: 'test', name: '(suite)', status: 'failed', durationMs: 0, error: 'no tests are registered: was the suite bundled by scripts/vscodeHost/buildSuite.mjs?' });
    onEvent({ event: 'end', passed: 0, failed: 1, skipped: 0, durationMs: 0 });
    throw new Error('no tests are registered');
  }
  const summary = await runRegistered({ grep: process.env.STEVEDORE_TEST_GREP ?? '', onEvent });
  if (summary.failed > 0) throw new Error(`${summary.failed} of ${summary.tests.length} tests failed`);
  if (summary.passed === 0) throw new Error(`no test ran (grep: ${JSON.stringify(process.env.STEVEDORE_TEST_GREP ?? '')})`);
}
