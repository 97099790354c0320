/**
 * Styling: one Tailwind CSS stylesheet per app, built in process from the class names its
 * components (and the UI kit) use, plus the theme of its blueprint as CSS variables. See docs/styling.md.
 */
export { StyleBuilder, scanCandidates, type Stylesheet, type StyleInput } from './stylesheets.ts';
export { DEFAULT_THEME, resolveTheme } from './theme.ts';
