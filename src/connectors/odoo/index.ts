export type { OdooClient, OdooKwargs, Many2one } from './client.js';
export { many2oneId, many2oneName, textOrNull } from './client.js';
export { createJson2Client, type Json2Config } from './json2.js';
export { createJsonRpcClient, type JsonRpcClient, type JsonRpcConfig } from './jsonrpc.js';
export {
  OdooError, OdooTransientError, OdooPermanentError, OdooAuthError, isOdooError,
  type OdooFailureKind, type OdooTransportName, type OdooFailureDetail,
} from './errors.js';
export { classifyOdooException, classifyHttpStatus } from './classify.js';
export { retryTransient, type RetryOptions } from './retry.js';
export * from './operations/index.js';
