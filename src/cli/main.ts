#!/usr/bin/env node
import { buildProgram } from './program.js';
import { fail } from './output.js';

// The command tree lives in program.ts (tests walk it without running it). An error no command
// caught still leaves as a code, not a stack trace.
await buildProgram().parseAsync(process.argv).catch((e: unknown) => fail(e, process.argv.includes('--json')));
