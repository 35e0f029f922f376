export * from './subjects.js';
export * from './policy.js';
export * from './condition.js';
export * from './required.js';
export * from './approval.js';
export * from './events.js';
export * from './decide.js';
export * from './tick.js';
