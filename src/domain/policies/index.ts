export * from './versions.js';
export * from './diff.js';
