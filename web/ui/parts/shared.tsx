/** Helpers every part of the kit uses. */
import type { ReactNode } from 'react';

export const cx = (...classes: Array<string | false | null | undefined>): string => classes.filter(Boolean).join(' ');

/** Blueprint props arrive as JSON: text stays text, anything else is shown as JSON rather than crashing React. */
export const show = (value: unknown): ReactNode =>
  value === null || value === undefined || typeof value === 'boolean'
    ? null
    : typeof value === 'object' && !Array.isArray(value) && !('$$typeof' in value)
      ? JSON.stringify(value)
      : (value as ReactNode);
