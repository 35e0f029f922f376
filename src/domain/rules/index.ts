export * from './expression/index.js';
export * from './rule.js';
export * from './trigger.js';
export * from './schedule.js';
export * from './evaluate-rule.js';
export * from './validate-rule.js';
