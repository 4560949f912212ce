/**
 * Structured logs: one JSON object a line on the console, which Workers Logs and `wrangler tail`
 * index by field. Used for start-up, artifact loads and unexpected errors, never per item.
 */

/** Severity of a log line. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Writes `{ level, event, time, ...fields }` as one JSON line. */
export function logEvent(level: LogLevel, event: string, fields: Record<string, unknown> = {}) {
  const line = JSON.stringify({ level, event, time: new Date().toISOString(), ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.info(line);
}
