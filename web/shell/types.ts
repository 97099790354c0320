import type { Blueprint, BlueprintNode, DataBinding, Route } from '../../wire/blueprint.ts';

export type { Blueprint, BlueprintNode, DataBinding, Route };

/** The app data the server inlines into the page (`<script id="tessera-app">`). */
export interface AppData {
  blueprint: Blueprint;
  /** Tenant component name -> URL of its ES module bundle. */
  components: Record<string, string>;
  mode?: string;
}

/** The `tessera` prop every tenant component receives. */
export interface TesseraProp {
  /** Route parameters (`/items/:id` -> `{ id }`). */
  params: Record<string, string>;
  /** Client-side navigation to a path of this app. */
  navigate(path: string): void;
  /** Fetches this node's data bindings again (a node without bindings: every binding on the page). */
  reload(): void;
}
