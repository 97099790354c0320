/**
 * What a mail of an app may be: checked before anything is recorded or sent, so a function's bad
 * arguments fail with a message naming the field, and nothing a function writes can add a header
 * (a recipient, a sender) through a line break.
 */
import { z } from 'zod';
import { TesseraError } from '../errors.ts';

/** Recipients of one mail (to, as one address or a list). */
export const MAX_RECIPIENTS = 20;
/** RFC 5322's longest line, the subject being one. */
export const MAX_SUBJECT_CHARS = 998;
/** Each of `text` and `html`, in UTF-8 bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

const address = z.email({ error: 'must be an email address like "ada@example.com"' }).max(254);
const body = (what: string) =>
  z
    .string({ error: `must be a string (the ${what} of the mail)` })
    .refine((value) => Buffer.byteLength(value) <= MAX_BODY_BYTES, `is larger than ${MAX_BODY_BYTES} bytes`);

export const emailArgsSchema = z
  .strictObject(
    {
      // One address is a list of one, so every error names the list's rule or the address at fault.
      to: z.preprocess(
        (value) => (typeof value === 'string' ? [value] : value),
        z
          .array(address, { error: `must be an email address, or a list of 1 to ${MAX_RECIPIENTS} of them` })
          .min(1, 'must name at least one address')
          .max(MAX_RECIPIENTS, `names more than ${MAX_RECIPIENTS} addresses`),
      ),
      subject: z
        .string({ error: 'must be a string' })
        .min(1, 'must not be empty')
        .max(MAX_SUBJECT_CHARS, `is longer than ${MAX_SUBJECT_CHARS} characters`)
        // One line: a line break would start a header of the function's making (Bcc:, From:).
        .regex(/^[^\0-\x08\n-\x1f\x7f]*$/, 'must be one line, without line breaks or control characters'),
      text: body('plain text').optional(),
      html: body('HTML').optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'must be an object { to, subject, text, html }') },
  )
  .refine((mail) => mail.text !== undefined || mail.html !== undefined, { message: 'needs a text or an html body (or both)', path: ['text'] });

/** A mail as checked: `to` always a list. */
export interface EmailMessage {
  to: string[];
  subject: string;
  text?: string;
  html?: string;
}

/** Checks `send()`'s argument; INVALID_ARGUMENTS naming the field (and what is allowed) otherwise. */
export function checkEmailArgs(value: unknown): EmailMessage {
  const parsed = emailArgsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // `to` given as one address: its error is the field's, not "to.0"'s.
    const path = typeof (value as { to?: unknown } | null)?.to === 'string' && issue.path[0] === 'to' ? ['to'] : issue.path;
    const field = path.length
      ? `"${path.map((part) => (typeof part === 'number' ? `[${part}]` : String(part))).join('.')}"`.replace('.[', '[')
      : 'the argument';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: a mail has to, subject, text and html (the sender is the app's EMAIL_FROM secret)`
        : `${field} ${issue.message}`;
    throw new TesseraError('INVALID_ARGUMENTS', `@tessera/email send(): ${message}.`);
  }
  const mail = parsed.data;
  return {
    to: mail.to,
    subject: mail.subject,
    ...(mail.text !== undefined ? { text: mail.text } : {}),
    ...(mail.html !== undefined ? { html: mail.html } : {}),
  };
}

/** The sender of EMAIL_FROM: `ada@example.com` or `Ada <ada@example.com>`; null when it is neither. */
export function parseSender(value: string): { name: string; address: string } | null {
  const named = /^([^<>\0-\x1f\x7f"]{0,100})<([^<>\s]+)>$/.exec(value.trim());
  const name = named ? named[1]!.trim() : '';
  const candidate = named ? named[2]! : value.trim();
  return address.safeParse(candidate).success ? { name, address: candidate } : null;
}
