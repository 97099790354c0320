/** `@tessera/ui`: the "Forgot your password?" step of SignIn: asks for a reset link by mail. */
import { useState, type FormEvent } from 'react';
import { Button } from './button.tsx';
import { Input } from './fields.tsx';

/** The link in the mail opens the platform's own page (`/_tessera/auth/reset?token=`), which sets the new password and signs in. */
export function ResetRequest({ onBack, linkClass }: { onBack(): void; linkClass: string }) {
  const [pending, setPending] = useState(false);
  const [sent, setSent] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email') ?? '').trim();
    setPending(true);
    setProblem(null);
    try {
      const res = await fetch('/_tessera/auth/reset', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ email }),
      });
      if (res.ok) setSent(true);
      else {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        setProblem(body?.error?.message ?? `Asking for a reset link failed (${res.status}).`);
      }
    } catch {
      setProblem('The app could not be reached; check your connection and try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="flex flex-col gap-4">
      {sent ? (
        // The same words whether or not the email has an account: the server does not say, and neither do we.
        <p role="status" className="rounded-theme border border-border bg-muted px-3 py-2 text-sm text-foreground">
          If an account uses that email, a link to set a new password is on its way. It works for an hour.
        </p>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-4" aria-busy={pending || undefined} aria-label="Reset your password">
          <p className="text-sm text-muted-foreground">Enter your email and we will send you a link to set a new password.</p>
          {problem && (
            <div role="alert" className="rounded-theme border border-danger/30 bg-danger/10 px-3 py-2 text-sm font-medium text-danger">
              {problem}
            </div>
          )}
          <Input label="Email" name="email" type="email" required autoComplete="username" disabled={pending} />
          <Button type="submit" loading={pending} className="w-full">
            Send the link
          </Button>
        </form>
      )}
      <p className="text-center text-sm">
        <button type="button" onClick={onBack} className={`${linkClass} cursor-pointer`}>
          Back to sign in
        </button>
      </p>
    </div>
  );
}
