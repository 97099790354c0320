/** `@tessera/ui`: SignIn and SignUp, the app's own sign-in forms over `/_tessera/auth/*`. */
import { useEffect, useState, type FormEvent } from 'react';
import { Button } from './button.tsx';
import { Input } from './fields.tsx';
import { ResetRequest } from './reset-request.tsx';
import { cx } from './shared.tsx';
import { goTo, nextFromAddress, sameOriginPath, setSignedInUser, useUser, type AppUser } from './user.tsx';

interface AuthFormProps {
  title?: string;
  description?: string;
  /** Path to go to afterwards; default: the address's `?next=`, else stay on this page. */
  next?: string;
  className?: string;
}

export interface SignInProps extends AuthFormProps {
  /** Path of the app's sign-up page; without it, "Create an account" turns this form into SignUp in place. */
  signUpTo?: string;
}

export interface SignUpProps extends AuthFormProps {
  /** Path of the app's sign-in page; without it, "Sign in" turns this form into SignIn in place. */
  signInTo?: string;
}

type Mode = 'signin' | 'signup';

/** The server's codes that belong to one field; the rest show above the form. */
const FIELD_OF_CODE: Record<string, string> = { EMAIL_TAKEN: 'email', WEAK_PASSWORD: 'password' };

interface Problem {
  field?: string;
  message: string;
}

async function post(mode: Mode, values: Record<string, string>): Promise<{ user: AppUser } | Problem> {
  let res: Response;
  try {
    res = await fetch(`/_tessera/auth/${mode}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(values),
    });
  } catch {
    return { message: 'The app could not be reached; check your connection and try again.' };
  }
  const body = (await res.json().catch(() => null)) as { user?: AppUser; error?: { code?: string; message?: string } } | null;
  if (res.ok && body?.user) return { user: body.user };
  const code = body?.error?.code ?? '';
  const message = body?.error?.message ?? `${mode === 'signin' ? 'Signing in' : 'Signing up'} failed (${res.status}).`;
  return { field: FIELD_OF_CODE[code], message };
}

function withNext(path: string, next: string | null): string {
  return next ? `${path}${path.includes('?') ? '&' : '?'}next=${encodeURIComponent(next)}` : path;
}

const LINK = 'font-medium text-primary underline-offset-4 hover:underline';

/** SignIn and SignUp in one (each can turn into the other); `framed={false}` drops the card and heading (inside UserMenu's dialog). */
export function AuthForm({
  initialMode,
  title,
  description,
  next,
  className,
  signUpTo,
  signInTo,
  framed = true,
}: AuthFormProps & { initialMode: Mode; signUpTo?: string; signInTo?: string; framed?: boolean }) {
  const [mode, setMode] = useState<Mode>(initialMode);
  const [resetting, setResetting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [pending, setPending] = useState(false);
  // Read after mounting, never while rendering: the same markup renders on the server.
  const [addressNext, setAddressNext] = useState<string | null>(null);
  useEffect(() => setAddressNext(nextFromAddress()), []);
  const { user } = useUser();
  const target = (next ? sameOriginPath(next) : null) ?? addressNext;
  const signingUp = mode === 'signup';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const values: Record<string, string> = { email: String(data.get('email') ?? '').trim(), password: String(data.get('password') ?? '') };
    const name = String(data.get('name') ?? '').trim();
    if (signingUp && name) values.name = name;
    setPending(true);
    setProblem(null);
    const answer = await post(mode, values);
    setPending(false);
    if ('user' in answer) {
      setSignedInUser(answer.user);
      if (target) goTo(target);
      return;
    }
    setProblem(answer);
  }

  function switchTo(other: Mode) {
    setMode(other);
    setProblem(null);
  }

  const other: Mode = signingUp ? 'signin' : 'signup';
  const otherPath = signingUp ? signInTo : signUpTo;
  const heading = resetting ? 'Reset your password' : title && mode === initialMode ? title : signingUp ? 'Create an account' : 'Sign in';
  return (
    <section
      className={cx(
        'flex w-full flex-col gap-5 text-foreground',
        framed && 'mx-auto max-w-sm rounded-theme border border-border bg-surface p-6 shadow-sm',
        className,
      )}
    >
      {framed && (
        <header className="flex flex-col gap-1">
          <h2 className="text-xl font-semibold tracking-tight">{heading}</h2>
          {description && mode === initialMode && !resetting && <p className="text-sm text-muted-foreground">{description}</p>}
        </header>
      )}
      {resetting && !user ? (
        <ResetRequest linkClass={LINK} onBack={() => setResetting(false)} />
      ) : user ? (
        <p className="text-sm text-muted-foreground">
          You are signed in as <strong className="font-medium text-foreground">{user.email}</strong>.{' '}
          <a href={target ?? '/'} className={LINK}>
            Continue
          </a>
        </p>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-4" aria-busy={pending || undefined} aria-label={heading}>
          {problem && !problem.field && (
            <div role="alert" className="rounded-theme border border-danger/30 bg-danger/10 px-3 py-2 text-sm font-medium text-danger">
              {problem.message}
            </div>
          )}
          {signingUp && <Input key="name" label="Name" name="name" autoComplete="name" disabled={pending} />}
          <Input
            label="Email"
            name="email"
            type="email"
            required
            autoComplete={signingUp ? 'email' : 'username'}
            disabled={pending}
            error={problem?.field === 'email' ? problem.message : undefined}
          />
          <Input
            label="Password"
            name="password"
            type="password"
            required
            minLength={signingUp ? 8 : undefined}
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            hint={signingUp ? 'At least 8 characters.' : undefined}
            disabled={pending}
            error={problem?.field === 'password' ? problem.message : undefined}
          />
          {!signingUp && (
            <button type="button" onClick={() => setResetting(true)} className={cx(LINK, '-mt-2 cursor-pointer self-end text-sm')}>
              Forgot your password?
            </button>
          )}
          <Button type="submit" loading={pending} className="w-full">
            {signingUp ? 'Create account' : 'Sign in'}
          </Button>
        </form>
      )}
      {!user && !resetting && (
        <p className="text-center text-sm text-muted-foreground">
          {signingUp ? 'Already have an account? ' : 'New here? '}
          {otherPath ? (
            <a href={withNext(otherPath, target)} className={LINK}>
              {signingUp ? 'Sign in' : 'Create an account'}
            </a>
          ) : (
            <button type="button" onClick={() => switchTo(other)} className={cx(LINK, 'cursor-pointer')}>
              {signingUp ? 'Sign in' : 'Create an account'}
            </button>
          )}
        </p>
      )}
    </section>
  );
}

/** Email and password; on success the visitor is signed in and goes to `next` (or stays, when this page is the one they asked for). */
export function SignIn({ signUpTo, ...props }: SignInProps) {
  return <AuthForm {...props} initialMode="signin" signUpTo={sameOriginPath(signUpTo) ?? undefined} />;
}

/** Name, email and password; on success the new user is signed in and goes to `next`. */
export function SignUp({ signInTo, ...props }: SignUpProps) {
  return <AuthForm {...props} initialMode="signup" signInTo={sameOriginPath(signInTo) ?? undefined} />;
}
