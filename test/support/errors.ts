import { TesseraError } from '../../src/errors.ts';

/** Awaits a promise that must reject with a TesseraError, and returns that error. */
export async function tesseraFailure(promise: Promise<unknown>): Promise<TesseraError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a TesseraError, but the call succeeded');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof TesseraError)) throw err;
  return err;
}
