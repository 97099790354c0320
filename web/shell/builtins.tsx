import type { CSSProperties, ReactNode } from 'react';

type Props = { children?: ReactNode; text?: string; gap?: number; style?: CSSProperties; level?: number; to?: string };

/** Layout primitives a blueprint can use without writing a component (names: BUILTIN_COMPONENTS). */
export const BUILTINS: Record<string, (props: Props) => ReactNode> = {
  Stack: ({ children, gap = 12, style }) => <div style={{ display: 'flex', flexDirection: 'column', gap, ...style }}>{children}</div>,
  Row: ({ children, gap = 12, style }) => <div style={{ display: 'flex', flexDirection: 'row', flexWrap: 'wrap', alignItems: 'center', gap, ...style }}>{children}</div>,
  Heading: ({ text, children, level = 1 }) => {
    const Tag = `h${Math.min(6, Math.max(1, Number(level) || 1))}` as 'h1';
    return <Tag>{text}{children}</Tag>;
  },
  Text: ({ text, children }) => <p>{text}{children}</p>,
  Link: ({ to = '/', text, children }) => <a href={to}>{text}{children}</a>,
  Container: ({ children, style }) => <div style={{ maxWidth: 960, margin: '0 auto', padding: '1.5rem', ...style }}>{children}</div>,
  Card: ({ children, style }) => <div style={{ border: '1px solid #e5e7eb', borderRadius: 8, padding: '1rem', ...style }}>{children}</div>,
};
