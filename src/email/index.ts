/**
 * Mail of the generated apps: `@tessera/email` in functions and the app users' reset mails go the
 * same way, by the app's SMTP server (secrets SMTP_URL, EMAIL_FROM; egress allowlist) or into its
 * outbox. See docs/app-users.md, "Email".
 */
export { AppMailer, type MailerOptions, type QueuedMail, sendFunctionMail } from './mailer.ts';
export { checkEmailArgs, type EmailMessage, MAX_BODY_BYTES, MAX_RECIPIENTS, MAX_SUBJECT_CHARS, parseSender } from './message.ts';
