/** The platform's read path (bundle versions, blueprint, releases) as Fission-contract functions. */
export {
  readPathHandlers,
  READ_PATH_NAMES,
  type ReadPathName,
  type ReadPathStore,
  type FissionHandler,
  type FissionContext,
  type FissionReply,
} from './handlers.ts';
