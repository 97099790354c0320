import { colorSchema, type Theme } from '../blueprint/index.ts';

type ColorKey = Exclude<keyof Theme, 'radius' | 'font' | 'primaryColor'>;

/** The look of an app whose blueprint sets no theme (slate and indigo). */
export const DEFAULT_THEME: Required<Omit<Theme, 'primaryColor'>> = {
  primary: '#4f46e5',
  primaryForeground: '#ffffff',
  background: '#f8fafc',
  surface: '#ffffff',
  foreground: '#0f172a',
  muted: '#f1f5f9',
  mutedForeground: '#64748b',
  border: '#e2e8f0',
  accent: '#eef2ff',
  accentForeground: '#3730a3',
  danger: '#dc2626',
  dangerForeground: '#ffffff',
  success: '#16a34a',
  radius: '0.5rem',
  font: 'ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
};

const COLOR_KEYS = Object.keys(DEFAULT_THEME).filter((key) => key !== 'radius' && key !== 'font') as ColorKey[];

/** `primaryForeground` -> `primary-foreground`: the CSS variable and Tailwind colour name. */
const kebab = (key: string): string => key.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);

/** The theme with every default filled in (`primaryColor`, the older name, stands in for `primary`). */
export function resolveTheme(theme: Theme | undefined): Required<Omit<Theme, 'primaryColor'>> {
  const legacy = theme?.primaryColor && colorSchema.safeParse(theme.primaryColor).success ? { primary: theme.primaryColor } : {};
  const given = Object.fromEntries(Object.entries(theme ?? {}).filter(([key, value]) => key !== 'primaryColor' && value !== undefined));
  return { ...DEFAULT_THEME, ...legacy, ...given };
}

/**
 * Tailwind tokens over the theme's CSS variables. `inline` makes utilities read the variable itself
 * (`.bg-primary{background-color:var(--primary)}`), so the theme block below can change without a
 * new Tailwind build, and a component may still override a variable on any element.
 */
export const THEME_TOKENS_CSS = [
  '@theme inline {',
  ...COLOR_KEYS.map((key) => `  --color-${kebab(key)}: var(--${kebab(key)});`),
  '  --radius-theme: var(--radius);',
  '  --font-sans: var(--font);',
  '}',
  '@layer base {',
  '  html, :host { font-family: var(--font); }',
  '  body { background-color: var(--background); color: var(--foreground); }',
  '}',
].join('\n');

/** The theme's CSS variables on `:root`, in the base layer (utilities and inline styles win). */
export function themeVariablesCss(theme: Theme | undefined): string {
  const resolved = resolveTheme(theme);
  const declarations = [...COLOR_KEYS.map((key) => `--${kebab(key)}:${resolved[key]}`), `--radius:${resolved.radius}`, `--font:${resolved.font}`];
  return `@layer base{:root,:host{${declarations.join(';')}}}`;
}
