#!/usr/bin/env node
/**
 * The closing line of `npm test`: `N passed, N failed[, N skipped]`, counting every failure: a
 * failed check (lint, types, build), a failed test, a test file that failed outside its tests, an
 * error no test caught, a test run that left no summary (it crashed), and a run that exited non-zero
 * with nothing else counted. A run that fails can never print "0 failed". Exits 1 when any failed.
 *
 *   node scripts/test-summary.mjs --step NAME=EXIT … --run NAME=SUMMARY.json=EXIT …
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

function parse(argv) {
  const steps = [];
  const runs = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    const parts = value.split('=');
    if (flag === '--step' && parts.length === 2) steps.push({ name: parts[0], exit: Number(parts[1]) });
    else if (flag === '--run' && parts.length === 3)
      runs.push({ name: parts[0], file: parts[1], exit: Number(parts[2]) });
    else
      throw new Error(
        `test-summary: cannot read "${flag} ${value}" (give --step NAME=EXIT or --run NAME=SUMMARY.json=EXIT)`,
      );
  }
  return { steps, runs };
}

/** The counts and the lines that explain each failure not shown as a failed test. */
export function summarize({ steps, runs }, read = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null)) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const lines = [];
  for (const s of steps) {
    if (s.exit === 0) continue;
    failed++;
    lines.push(`failed: ${s.name} (exit ${s.exit})`);
  }
  for (const r of runs) {
    let summary;
    try {
      summary = read(r.file);
    } catch (err) {
      summary = null;
      lines.push(`failed: the ${r.name} tests' summary ${r.file} does not read (${err.message})`);
    }
    if (!summary) {
      failed++;
      lines.push(`failed: the ${r.name} tests left no summary (${r.file}): the run crashed (exit ${r.exit})`);
      continue;
    }
    passed += summary.passed;
    skipped += summary.skipped;
    let counted = summary.failed;
    for (const f of summary.failedFiles) lines.push(`failed: ${f.file} (${f.error})`);
    for (const e of summary.unhandledErrors)
      lines.push(`failed: an error no test caught in the ${r.name} tests (${e})`);
    counted += summary.failedFiles.length + summary.unhandledErrors.length;
    if (r.exit !== 0 && counted === 0) {
      counted = 1;
      lines.push(`failed: the ${r.name} tests exited ${r.exit} with no failure counted (see their output above)`);
    }
    failed += counted;
  }
  return {
    passed,
    failed,
    skipped,
    lines,
    line: `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const s = summarize(parse(process.argv.slice(2)));
  for (const l of s.lines) console.log(l);
  console.log(s.line);
  process.exit(s.failed ? 1 : 0);
}
