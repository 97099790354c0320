import type { CSSProperties, ReactNode } from 'react';

interface Props {
  children?: ReactNode;
  text?: unknown;
  gap?: number | string;
  level?: number;
  to?: string;
  maxWidth?: number | string;
  style?: CSSProperties;
}

const show = (text: unknown): ReactNode => (text === undefined || text === null ? null : typeof text === 'object' ? JSON.stringify(text) : String(text));
const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'] as const;
/** Tailwind's reset makes headings plain text: each level gets its size back here. */
const HEADING_CLASSES = [
  'text-3xl font-bold tracking-tight',
  'text-2xl font-semibold tracking-tight',
  'text-xl font-semibold',
  'text-lg font-semibold',
  'text-base font-semibold',
  'text-sm font-semibold uppercase tracking-wide',
] as const;

/** Layout primitives a blueprint uses without writing a component (names: BUILTIN_COMPONENTS in the blueprint schema). */
export const BUILTINS: Record<string, (props: Props) => ReactNode> = {
  Stack: ({ children, gap = 12, style }) => (
    <div className="flex flex-col" style={{ gap, ...style }}>
      {children}
    </div>
  ),
  Row: ({ children, gap = 12, style }) => (
    <div className="flex flex-row flex-wrap items-center" style={{ gap, ...style }}>
      {children}
    </div>
  ),
  Heading: ({ text, children, level = 1, style }) => {
    const index = Math.min(6, Math.max(1, Math.trunc(Number(level)) || 1)) - 1;
    const Tag = HEADINGS[index]!;
    return (
      <Tag className={`text-foreground ${HEADING_CLASSES[index]}`} style={style}>
        {show(text)}
        {children}
      </Tag>
    );
  },
  Text: ({ text, children, style }) => (
    <p className="leading-relaxed text-foreground" style={style}>
      {show(text)}
      {children}
    </p>
  ),
  Link: ({ to = '/', text, children, style }) => (
    <a href={to} className="font-medium text-primary underline-offset-4 hover:underline" style={style}>
      {show(text)}
      {children}
    </a>
  ),
  Container: ({ children, maxWidth = 960, style }) => (
    <div className="mx-auto px-4 py-6" style={{ maxWidth, ...style }}>
      {children}
    </div>
  ),
  Card: ({ children, style }) => (
    <div className="rounded-theme border border-border bg-surface p-4 shadow-sm" style={style}>
      {children}
    </div>
  ),
};
