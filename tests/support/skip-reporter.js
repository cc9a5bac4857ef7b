/**
 * A Jest reporter that ends the run with how many tests did not run and why,
 * so that a skip is never mistaken for a pass. The reason is read from the
 * skipped suite's or test's title (tests/support/skip.ts puts it there as
 * "[skipped: <reason>]"). Runs beside Jest's default reporter.
 */
const SKIPPED = new Set(['pending', 'skipped', 'todo', 'disabled']);
const REASON = /\[skipped: (.+)\]$/;
const NO_REASON = 'no reason given (a .skip without tests/support/skip.ts)';

class SkipReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const byReason = new Map();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (!SKIPPED.has(test.status)) continue;
        const reason = [...test.ancestorTitles, test.title].map((title) => REASON.exec(title)?.[1]).find(Boolean) ?? NO_REASON;
        const entry = byReason.get(reason) ?? { tests: 0, files: new Set() };
        entry.tests += 1;
        entry.files.add(file.testFilePath.startsWith(`${this.rootDir}/`) ? file.testFilePath.slice(this.rootDir.length + 1) : file.testFilePath);
        byReason.set(reason, entry);
      }
    }
    const lines = [...byReason].map(([reason, { tests, files }]) => `did not run: ${tests} test(s), ${reason} (${[...files].join(', ')})`);
    process.stderr.write(`${lines.length > 0 ? lines.join('\n') : `did not run: 0 tests (all ${results.numTotalTests} ran)`}\n`);
  }
}

module.exports = SkipReporter;
