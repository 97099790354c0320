/**
 * Tenant function execution: Fission's Node.js contract, each tenant in a sandboxed process of its own.
 */
export { createLocalRuntime, type FunctionRequest, type FunctionResponse, type FunctionRuntime, type FunctionSource, type InvocationResult, type RuntimeLimits, type TenantDbAccess } from './host/runtime.ts';
export type { LogLine } from './protocol.ts';
export type { Isolation } from './host/sandbox-process.ts';
export type { FunctionLogRecord, FunctionMetrics } from './host/function-logs.ts';
