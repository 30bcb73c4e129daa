/**
 * Per-line problems of an import, for people: at most a few lines per error code (a file of 5,000
 * conflicting surveys must not bury the summary), then how many more of each there were.
 */
export interface LineReporter {
  /** Report a problem of input line `line`; `message` starts with its code (`SURVEY_CONFLICT: …`). */
  report(line: number, message: string): void;
  /** One line per code whose reports were cut short: `… and 4997 more SURVEY_CONFLICT lines`. */
  omitted(): string[];
}

/** Reports through `write`, at most `perCode` lines for each leading error code. */
export function cappedLineReporter(write: (text: string) => void, perCode = 10): LineReporter {
  const counts = new Map<string, number>();
  return {
    report(line, message) {
      const code = /^[A-Z][A-Z_]*/.exec(message)?.[0] ?? "OTHER";
      const count = (counts.get(code) ?? 0) + 1;
      counts.set(code, count);
      if (count <= perCode) write(`line ${line}: ${message}\n`);
    },
    omitted() {
      return [...counts]
        .filter(([, count]) => count > perCode)
        .map(
          ([code, count]) => `… and ${count - perCode} more ${code} line${count - perCode > 1 ? "s" : ""}`,
        );
    },
  };
}
