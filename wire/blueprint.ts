/**
 * The blueprint as data: the shapes the app shell (web/shell) renders. The server's zod schema
 * (src/blueprint/schema.ts) is the check, and a compile-time test there keeps it equal to these.
 */

/** A data binding: the JSON a tenant function returns, passed to the component as one prop. */
export interface DataBinding {
  function: string;
  method?: 'GET' | 'POST';
  query?: Record<string, string | number | boolean>;
}

export interface BlueprintNode {
  component: string;
  props?: Record<string, unknown>;
  children?: BlueprintNode[];
  data?: Record<string, DataBinding>;
}

export interface Route {
  path: string;
  title?: string;
  /** Who may see the page: everyone (default), signed-in app users, or app users with the role admin. */
  access?: 'public' | 'user' | 'admin';
  root: BlueprintNode;
}

/** The tenant theme: CSS variables every component and the UI kit follow (docs/styling.md). */
export interface Theme {
  primary?: string;
  primaryForeground?: string;
  background?: string;
  surface?: string;
  foreground?: string;
  muted?: string;
  mutedForeground?: string;
  border?: string;
  accent?: string;
  accentForeground?: string;
  danger?: string;
  dangerForeground?: string;
  success?: string;
  radius?: string;
  font?: string;
  /** Older name of `primary`. */
  primaryColor?: string;
}

export interface Blueprint {
  version: 1;
  title?: string;
  routes: Route[];
  theme?: Theme;
}
