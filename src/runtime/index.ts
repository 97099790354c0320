/**
 * Tenant function execution: Fission's Node.js contract, each tenant in a sandboxed process of its own.
 */
export {
  createLocalRuntime,
  type FunctionRequest,
  type FunctionResponse,
  type FunctionRuntime,
  type FunctionSource,
  type InvocationResult,
  type RuntimeLimits,
  type DatabaseKind,
  type TenantDbAccess,
} from './host/runtime.ts';
export { FrameReader, FrameTooLargeError, type LogLine, type SandboxUser } from './protocol.ts';
/** The one bubblewrap recipe, shared with the db processes (tenantdb/) and the build workers (bundler/). */
export { addressSpaceLimit, bubblewrapArgs, detectIsolation, onlyChannelFds, type Isolation, type ReadOnlyBind } from './host/sandbox-process.ts';
/** Fission's request and response mapping, shared with the HTTP side of functions (server/). */
export { BadRequest, buildRequest } from './sandbox/request.ts';
export { mapReply, responseHeaders } from './sandbox/response.ts';
export type { FunctionLogRecord, FunctionMetrics } from './host/function-logs.ts';
