/** The app data the server inlines into the shell page (`#tessera-app`). */
export interface AppData {
  blueprint: { version: 1; title?: string; routes: RouteSpec[] };
  components: Record<string, string>;
  mode: string;
}

export interface RouteSpec {
  path: string;
  title?: string;
  root: NodeSpec;
}

export interface NodeSpec {
  component: string;
  props?: Record<string, unknown>;
  children?: NodeSpec[];
  data?: Record<string, { function: string; method?: 'GET' | 'POST'; query?: Record<string, string | number | boolean> }>;
}

/** The `tessera` prop every tenant component receives. */
export interface TesseraProp {
  params: Record<string, string>;
  navigate(path: string): void;
  reload(): void;
}
