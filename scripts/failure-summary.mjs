// A node:test reporter that prints nothing until the run ends, then every failed test with its file
// and the start of its error: CI keeps only the tail of a long TAP log, where a failure far above
// would otherwise be out of sight.
export default async function* failureSummary(source) {
  const failures = [];
  for await (const event of source) {
    if (event.type !== "test:fail" || event.data.details?.type === "suite") continue;
    failures.push(event.data);
  }
  if (failures.length === 0) return;
  yield `\n# ${failures.length} failed:\n`;
  for (const failure of failures) {
    const error = failure.details?.error;
    const cause = error?.cause ?? error;
    const text = String(cause?.stack ?? cause?.message ?? cause)
      .split("\n")
      .slice(0, 8);
    yield `# ✗ ${(failure.file ?? "?").replace(`${process.cwd()}/`, "")} › ${failure.name}\n${text.map((l) => `#     ${l}`).join("\n")}\n`;
  }
}
