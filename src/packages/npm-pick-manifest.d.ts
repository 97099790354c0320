// npm-pick-manifest ships no types; this is the part Tessera calls.
declare module 'npm-pick-manifest' {
  function pickManifest<M extends { version: string }>(
    packument: { name: string; 'dist-tags'?: Record<string, string>; versions: Record<string, M>; time?: Record<string, string> },
    wanted: string,
    options?: { defaultTag?: string; nodeVersion?: string },
  ): M;
  export default pickManifest;
}
