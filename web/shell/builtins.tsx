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

/** Layout primitives a blueprint uses without writing a component (names: BUILTIN_COMPONENTS in the blueprint schema). */
export const BUILTINS: Record<string, (props: Props) => ReactNode> = {
  Stack: ({ children, gap = 12, style }) => <div style={{ display: 'flex', flexDirection: 'column', gap, ...style }}>{children}</div>,
  Row: ({ children, gap = 12, style }) => <div style={{ display: 'flex', flexDirection: 'row', flexWrap: 'wrap', alignItems: 'center', gap, ...style }}>{children}</div>,
  Heading: ({ text, children, level = 1, style }) => {
    const Tag = HEADINGS[Math.min(6, Math.max(1, Math.trunc(Number(level)) || 1)) - 1]!;
    return <Tag style={style}>{show(text)}{children}</Tag>;
  },
  Text: ({ text, children, style }) => <p style={style}>{show(text)}{children}</p>,
  Link: ({ to = '/', text, children, style }) => <a href={to} style={style}>{show(text)}{children}</a>,
  Container: ({ children, maxWidth = 960, style }) => <div style={{ maxWidth, margin: '0 auto', padding: '1.5rem 1rem', ...style }}>{children}</div>,
  Card: ({ children, style }) => <div style={{ border: '1px solid #e5e7eb', borderRadius: 8, padding: '1rem', background: '#fff', boxShadow: '0 1px 2px rgba(0,0,0,.04)', ...style }}>{children}</div>,
};
