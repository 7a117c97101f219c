// A Vitest reporter (beside the default one) that names every test which passed only on a retry. Retries are on
// for the browser journeys in CI only (vitest.config.ts); a journey that needed one is flaky and must not pass
// unnoticed: this prints it at the end of the run and writes test-results/flaky.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase } from 'vitest/node';

export default class FlakyReporter implements Reporter {
  private readonly flaky: { file: string; test: string; retries: number }[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const diagnostic = testCase.diagnostic();
    if (diagnostic?.flaky) {
      this.flaky.push({ file: path.relative(process.cwd(), testCase.module.moduleId), test: testCase.fullName, retries: diagnostic.retryCount });
    }
  }

  onTestRunEnd(): void {
    const dir = path.join(process.cwd(), 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'flaky.json'), `${JSON.stringify(this.flaky, null, 2)}\n`);
    if (this.flaky.length === 0) return;
    const lines = this.flaky.map((f) => `  ${f.file} > ${f.test} (passed after ${f.retries} ${f.retries === 1 ? 'retry' : 'retries'})`);
    process.stdout.write(`\n${this.flaky.length} flaky test(s), passed only on a retry:\n${lines.join('\n')}\n`);
  }
}
