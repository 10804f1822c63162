// One JSON object per line on stdout: structured, and client-controlled text can never forge a line
// (JSON.stringify escapes control characters and line separators).

export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
}

/** Writes info and above; debug too when LOG_LEVEL=debug. */
export function consoleLogger(category: string, write: (line: string) => void = (line) => process.stdout.write(line + "\n"), debug = process.env.LOG_LEVEL === "debug"): Logger {
  return {
    log(level, message, fields) {
      if (level === "debug" && !debug) {
        return;
      }
      write(JSON.stringify({ time: new Date().toISOString(), level, category, message, ...fields }));
    },
  };
}

/** A logger that keeps what it is told (tests). */
export function memoryLogger(): Logger & { lines: { level: Level; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: Level; message: string; fields?: Record<string, unknown> }[] = [];
  return { lines, log: (level, message, fields) => lines.push({ level, message, fields }) };
}
