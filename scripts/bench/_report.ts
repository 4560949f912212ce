/**
 * Writes one suite's section of BENCHMARKS.md, between `<!-- bench:NAME -->` and
 * `<!-- /bench:NAME -->`, leaving the other suites' sections as they are.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

export const BENCHMARKS_PATH = new URL('../../BENCHMARKS.md', import.meta.url);

/** One line naming the machine and the date, for the head of a section. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return (
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpu}, ` +
    `Node ${process.version}.`
  );
}

/** Replaces (or appends) the section `name` with `markdown`, headed by the command that ran. */
export function writeSection(name: string, title: string, command: string, markdown: string) {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const body = [
    begin,
    `## ${title}`,
    '',
    `Command: \`${command}\``,
    '',
    machineLine(),
    '',
    markdown.trim(),
    end,
  ].join('\n');
  const text = existsSync(BENCHMARKS_PATH) ? readFileSync(BENCHMARKS_PATH, 'utf8') : '';
  const at = text.indexOf(begin);
  const stop = text.indexOf(end);
  const next =
    at >= 0 && stop > at
      ? text.slice(0, at) + body + text.slice(stop + end.length)
      : `${text.trimEnd()}\n\n${body}\n`;
  writeFileSync(BENCHMARKS_PATH, next);
}
