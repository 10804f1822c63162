// One JSON object per line on stdout: structured, and client-controlled text can never forge a line
// (JSON.stringify escapes control characters and line separators).

export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
}

export function consoleLogger(category: string, write: (line: string) => void = (line) => process.stdout.write(line + "\n")): Logger {
  return {
    log(level, message, fields) {
      write(JSON.stringify({ time: new Date().toISOString(), level, category, message, ...fields }));
    },
  };
}

/** A logger that keeps what it is told (tests). */
export function memoryLogger(): Logger & { lines: { level: Level; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: Level; message: string; fields?: Record<string, unknown> }[] = [];
  return { lines, log: (level, message, fields) => lines.push({ level, message, fields }) };
}
