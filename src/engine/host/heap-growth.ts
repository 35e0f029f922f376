import v8 from 'node:v8';

/**
 * How far V8 lets a server's heaps grow past what was live at the last full collection before it
 * collects again, in percent.
 *
 * Why: the server's main isolate (HTTP intake) has no heap ceiling of its own — a worker's
 * `resourceLimits` cannot be given to the main thread — so V8 sizes it for the whole machine and,
 * on a machine with many GB, lets the old generation grow to ~4× its live set before a full
 * collection. Under a sustained load on PostgreSQL the intake's live set is ~35 MB and the isolate
 * went ~90 s without a full collection, growing to ~110 MB used (138 MB reserved): the ~60–75 MB of
 * garbage that took the server's RSS from ~190 MB to 224–271 MB after a load that left a backlog
 * (the "bimodal" RSS of round 17; `--trace-gc` through `BENCH_SERVER_NODE_ARGS`, docs/performance.md
 * round 18). With this factor the isolate collects at ~1.4× its live set, as the engine thread's
 * isolate already does under its own ceiling (src/engine/host/engine-thread.ts), for a few full
 * collections of ~20–100 ms on the HTTP thread per minute of load.
 *
 * V8 reads the flag at every full collection, so setting it at start applies to every isolate of
 * the process, the engine thread's included (whose own ceiling gives about the same factor).
 */
export const SERVER_HEAP_GROWING_PERCENT = 40;

/** Node options that already say how the heap grows: the operator's choice is kept. */
const OPERATOR_HEAP_FLAGS = /--(heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size)\b/;

/** Whether the process was started with a heap-sizing flag of the operator's own (argv or NODE_OPTIONS). */
export function operatorSizedHeap(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((a) => OPERATOR_HEAP_FLAGS.test(a)) || OPERATOR_HEAP_FLAGS.test(nodeOptions ?? '');
}

/** Sets the server's heap growth, unless the operator sized the heap; returns the flag set, if any. */
export function keepServerHeapTight(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env.NODE_OPTIONS): string | undefined {
  if (operatorSizedHeap(execArgv, nodeOptions)) return undefined;
  const flag = `--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`;
  v8.setFlagsFromString(flag);
  return flag;
}
