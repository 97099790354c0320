import { TesseraError } from '../errors.ts';
import { AttemptWindows } from './throttle.ts';

/** Sign-in attempts per client address per minute before 429. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

/** Failed sign-ins per client address, and wrong passwords per account, each within a minute. */
export class SignInThrottle {
  private readonly attempts = new AttemptWindows(SIGN_IN_ATTEMPTS_PER_MINUTE);
  private readonly wrongPasswords = new AttemptWindows(SIGN_IN_ATTEMPTS_PER_MINUTE);

  /**
   * Refuses a client that failed to sign in 10 times within a minute (wrong links, tokens, passwords):
   * its 11th attempt gets TOO_MANY_ATTEMPTS, right or wrong. Successful sign-ins do not count.
   */
  check(client: string): void {
    if (this.attempts.locked(client)) {
      throw new TesseraError('TOO_MANY_ATTEMPTS', `Too many failed sign-in attempts from this address; wait a minute and try again.`);
    }
  }

  /** Counts a failed sign-in of a client. */
  failed(client: string): void {
    this.attempts.fail(client);
  }

  /** Refuses an account that got 10 wrong passwords within a minute, whatever the address. */
  checkAccount(login: string): void {
    if (this.wrongPasswords.locked(login)) {
      throw new TesseraError('TOO_MANY_ATTEMPTS', 'Too many wrong passwords for this account; wait a minute and try again.');
    }
  }

  wrongPassword(login: string): void {
    this.wrongPasswords.fail(login);
  }

  rightPassword(login: string): void {
    this.wrongPasswords.forget(login);
  }
}
