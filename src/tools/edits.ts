import { z } from 'zod';
import { TesseraError } from '../errors.ts';

/** `edits`: small changes to the current file instead of all of its code (fewer tokens, fewer slips). */
export const editsSchema = z
  .array(
    z
      .object({
        find: z.string().min(1, 'must not be empty').max(100_000).describe('Text that occurs exactly once in the current file.'),
        replace: z.string().max(500_000).describe('What replaces it ("" deletes it).'),
      })
      .strict(),
  )
  .min(1, 'give at least one edit')
  .max(50)
  .optional()
  .describe(
    'Instead of `code`: changes to the current file, applied in order, each `find` occurring exactly once in the file as the earlier edits left it. Prefer edits for small changes to an existing file; the result is checked like whole code.',
  );

export type Edit = { find: string; replace: string };

/** `find` shown in an error: short, one line. */
const quoted = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** How often `find` occurs in `text` (overlapping occurrences count: they are ambiguous too). */
function occurrences(text: string, find: string): number {
  let count = 0;
  for (let at = text.indexOf(find); at !== -1 && count < 2; at = text.indexOf(find, at + 1)) count++;
  return count;
}

/**
 * The file after `edits`. Each `find` must occur exactly once in the text the earlier edits left;
 * otherwise INVALID_ARGUMENTS names the edit, its `find` and how often it occurs (nothing is applied).
 */
export function applyEdits(file: string, current: string | null, edits: Edit[]): string {
  if (current === null) throw new TesseraError('INVALID_ARGUMENTS', `${file} does not exist yet: send its whole \`code\` instead of \`edits\`.`);
  let text = current;
  for (const [index, edit] of edits.entries()) {
    const found = occurrences(text, edit.find);
    if (found !== 1)
      throw new TesseraError(
        'INVALID_ARGUMENTS',
        `edits[${index}]: find ${quoted(edit.find)} occurs ${found === 0 ? 'nowhere' : 'more than once'} in ${file}${index > 0 ? ' (after the earlier edits)' : ''}; it must occur exactly once. ${found === 0 ? 'Read the file (readFile) and copy the text exactly.' : 'Include more of the surrounding text.'} Nothing was changed.`,
        { details: { problems: [{ message: `edits.${index}.find: occurs ${found === 0 ? '0 times' : 'more than once'} in ${file}` }] } },
      );
    const at = text.indexOf(edit.find);
    text = text.slice(0, at) + edit.replace + text.slice(at + edit.find.length);
  }
  return text;
}

/** `code` or `edits`, exactly one (a zod refinement of the tools' arguments). */
export function codeOrEdits(args: { code?: string | undefined; edits?: Edit[] | undefined }, ctx: z.RefinementCtx): void {
  if ((args.code === undefined) === (args.edits === undefined))
    ctx.addIssue({
      code: 'custom',
      path: ['code'],
      message: 'give either `code` (the whole file) or `edits` (changes to the current file), not both or neither',
    });
}
