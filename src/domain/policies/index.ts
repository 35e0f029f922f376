export * from './versions.js';
export * from './diff.js';
export * from './new-in-defaults.js';
