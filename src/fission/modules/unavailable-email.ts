/*
 * `@tessera/email` on Fission: not available yet (mail goes out through the Tessera platform: its
 * SMTP check against the app's egress allowlist, its budget, its outbox). The module is in the
 * archive so that a function that sends mail only sometimes still loads; `send` says why it cannot.
 */
export async function send(): Promise<never> {
  throw Object.assign(
    new Error(
      '@tessera/email is not available to functions exported to Fission yet: an app sends mail through the Tessera platform (SMTP_URL, EMAIL_FROM, the egress allowlist, the outbox). Keep this function on Tessera, or call an HTTP mail API with fetch.',
    ),
    { code: 'EMAIL_FAILED' },
  );
}

export default { send };
