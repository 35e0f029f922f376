export * from './ast.js';
export * from './limits.js';
export * from './tokenize.js';
export * from './parse.js';
export * from './evaluate.js';
export { FUNCTIONS, isFunctionName, type Value, type FunctionEnv } from './functions.js';
