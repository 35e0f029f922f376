export * from './categories.js';
export * from './exception-item.js';
export * from './transitions.js';
