#!/usr/bin/env node
/**
 * Two builds of the engine, compared: `node bench/engine-ab.mjs <commit or dist dir> [<other>]`.
 *
 * On a shared machine a single `bench:engine` run varies by ±30 %, so one build against another is
 * only worth reading as runs interleaved in the same minutes. This script builds each commit in a
 * git worktree of its own (or takes a compiled `dist` directory as it is; the second defaults to
 * ./dist), then alternates `bench/engine-orders.mjs` between the two — A, B, B, A, A, B, … — and
 * prints, per build, the median of each per-order unit (SQL statements, KB handed to write(), CPU ms)
 * and of orders/s, with the B/A ratio of each. Statements and bytes move little from run to run;
 * CPU and rate are the noisy ones.
 *
 *   --rounds <n>   runs per build (default 6)
 *   --orders <n>   orders per run (default 4000)
 *   --keep         keep the worktrees (printed) instead of removing them
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { arg } from './lib.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = Number(arg('rounds', 6));
const ORDERS = Number(arg('orders', 4000));
const positional = [];
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--rounds' || a === '--orders') i++; // their values
  else if (!a.startsWith('--')) positional.push(a);
}
if (positional.length < 1) {
  console.error('usage: node bench/engine-ab.mjs <commit or dist dir> [<commit or dist dir>] [--rounds n] [--orders n] [--keep]');
  process.exit(2);
}

const worktrees = [];
/** A compiled build: a dist directory as given, or a commit built in a worktree of its own. */
function distOf(spec) {
  if (existsSync(join(spec, 'app.js'))) return resolve(spec);
  const dir = mkdtempSync(join(os.tmpdir(), 'omniops-ab-'));
  execFileSync('git', ['worktree', 'add', '--detach', '-f', dir, spec], { cwd: ROOT, stdio: 'ignore' });
  worktrees.push(dir);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  return join(dir, 'dist');
}

function runOnce(dist) {
  const out = execFileSync(process.execPath, [join(ROOT, 'bench', 'engine-orders.mjs'), '--runs', '1', '--orders', String(ORDERS), '--json'], {
    cwd: ROOT, env: { ...process.env, BENCH_DIST: dist }, encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').at(-1));
  return { rate: r.medianOrdersPerSec, ...r.perOrder };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const builds = [positional[0], positional[1] ?? join(ROOT, 'dist')].map((spec) => ({ spec, dist: distOf(spec), runs: [] }));
try {
  for (let i = 0; i < ROUNDS; i++) {
    // A B, then B A: neither build always runs first in a pair (the machine drifts within minutes).
    const order = i % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) {
      const r = runOnce(b.dist);
      b.runs.push(r);
      console.error(`${b.spec}: ${r.rate} orders/s, ${r.statements} statements, ${r.writtenKB} KB, ${r.cpuMs} ms CPU per order`);
    }
  }
  const keys = [['statements', 'SQL statements per order'], ['writtenKB', 'KB handed to write() per order'], ['cpuMs', 'CPU ms per order'], ['rate', 'orders/s']];
  console.log(`\n${ORDERS} orders a run, ${ROUNDS} runs each, interleaved; medians`);
  console.log(`| | ${builds.map((b) => b.spec).join(' | ')} | B/A |`);
  console.log('|---|---:|---:|---:|');
  for (const [k, label] of keys) {
    const [a, b] = builds.map((x) => median(x.runs.map((r) => r[k])));
    console.log(`| ${label} | ${a} | ${b} | ${(b / a).toFixed(3)} |`);
  }
} finally {
  for (const dir of worktrees) {
    if (has('keep')) console.error(`worktree kept in ${dir}`);
    else execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
  }
}

function has(name) {
  return process.argv.includes(`--${name}`);
}
