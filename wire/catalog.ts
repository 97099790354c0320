/**
 * The catalog of `@tessera/ui`: every part of the kit with its props, as data. It is the one place
 * the kit is described: the blueprint schema takes the names a blueprint may place (`ui.<Part>`)
 * and the props that name functions from it, and the agent's system prompt lists it as text
 * (kitPromptText). A test checks that it matches the kit's exports, so the two cannot drift.
 * Pure data, no React, in wire/: the platform (Node) imports it without loading the kit, and web/
 * (web/ui/catalog.ts re-exports it) without reaching into src/.
 */

export interface KitProp {
  name: string;
  /** TypeScript-like type, as the model reads it. */
  type: string;
  required?: boolean;
  description?: string;
}

export interface KitPart {
  /** Export name in `@tessera/ui`; in a blueprint, `ui.<name>`. */
  name: string;
  summary: string;
  props: KitProp[];
  /** False for parts only a component can use (e.g. a function, or props that need code). */
  blueprint: boolean;
  /** Props whose value names a tenant function (checked against the app's functions, like data bindings). */
  functionProps?: string[];
}

const children: KitProp = { name: 'children', type: 'ReactNode', description: 'content; in a blueprint, a string prop or the child nodes' };

export const UI_KIT: readonly KitPart[] = [
  {
    name: 'AppLayout',
    summary: 'Page frame: header with the app title and navigation links (the current page marked), then the content.',
    blueprint: true,
    props: [
      { name: 'title', type: 'string', description: 'app name in the header' },
      { name: 'nav', type: 'Array<{ to: string; label: string }>', description: 'navigation links' },
      { name: 'actions', type: 'ReactNode', description: 'right side of the header (components only)' },
      { name: 'userMenu', type: 'boolean', description: 'a UserMenu at the right of the header (who is signed in, Sign out)' },
      { name: 'maxWidth', type: '"md" | "lg" | "xl" | "full"', description: 'content width; default "lg"' },
      children,
    ],
  },
  {
    name: 'Button',
    summary: 'A button; with `to` it is a link that looks like a button.',
    blueprint: true,
    props: [
      { name: 'variant', type: '"primary" | "secondary" | "outline" | "ghost" | "danger"', description: 'default "primary"' },
      { name: 'size', type: '"sm" | "md" | "lg"', description: 'default "md"' },
      { name: 'loading', type: 'boolean', description: 'shows a spinner and disables the button' },
      { name: 'to', type: 'string', description: 'makes it a link to this path' },
      { name: 'type', type: '"button" | "submit" | "reset"', description: 'default "button"' },
      { name: 'onClick', type: '() => void', description: 'components only' },
      children,
    ],
  },
  {
    name: 'Input',
    summary: 'A labelled text input with hint and error text (inside a Form, the error of the field with its `name` is shown).',
    blueprint: true,
    props: [
      { name: 'label', type: 'string', required: true },
      { name: 'name', type: 'string' },
      { name: 'type', type: '"text" | "email" | "number" | "password" | "date" | "search" | "url" | "tel"', description: 'default "text"' },
      { name: 'placeholder', type: 'string' },
      { name: 'hint', type: 'string' },
      { name: 'error', type: 'string' },
      { name: 'required', type: 'boolean' },
      { name: 'value / defaultValue / onChange', type: 'as on <input>', description: 'components only' },
    ],
  },
  {
    name: 'Textarea',
    summary: 'A labelled multi-line input, like Input.',
    blueprint: true,
    props: [
      { name: 'label', type: 'string', required: true },
      { name: 'name', type: 'string' },
      { name: 'rows', type: 'number', description: 'default 4' },
      { name: 'placeholder', type: 'string' },
      { name: 'hint', type: 'string' },
      { name: 'error', type: 'string' },
      { name: 'required', type: 'boolean' },
    ],
  },
  {
    name: 'Select',
    summary: 'A labelled native select.',
    blueprint: true,
    props: [
      { name: 'label', type: 'string', required: true },
      { name: 'name', type: 'string' },
      { name: 'options', type: 'Array<string | { value: string; label: string }>', required: true },
      { name: 'placeholder', type: 'string', description: 'an empty first option' },
      { name: 'hint', type: 'string' },
      { name: 'error', type: 'string' },
      { name: 'required', type: 'boolean' },
    ],
  },
  {
    name: 'Checkbox',
    summary: 'A checkbox with its label; its value in a Form is true or false.',
    blueprint: true,
    props: [
      { name: 'label', type: 'string', required: true },
      { name: 'name', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'defaultChecked / checked / onChange', type: 'as on <input type="checkbox">' },
    ],
  },
  {
    name: 'Form',
    summary:
      'A form that POSTs its values as JSON to /api/<action> and shows the field errors the function returns: answer 400 or 422 with { "errors": { "<field>": "<message>" }, "message"?: "<for the whole form>" }. On success it shows `successMessage`, clears the fields and refreshes the data of the page.',
    blueprint: true,
    functionProps: ['action'],
    props: [
      { name: 'action', type: 'string', description: 'function name to POST to' },
      {
        name: 'fields',
        type: 'Array<{ name: string; label: string; type?: "text" | "email" | "number" | "password" | "date" | "textarea" | "select" | "checkbox"; options?: string[]; required?: boolean; placeholder?: string; hint?: string }>',
        description: 'the fields; or put Input/Select/... as children',
      },
      { name: 'submitLabel', type: 'string', description: 'default "Save"' },
      { name: 'successMessage', type: 'string', description: 'a toast after success' },
      { name: 'title', type: 'string' },
      {
        name: 'onSubmit',
        type: '(values) => Promise<void | { errors?: Record<string, string>; message?: string }>',
        description: 'components only: instead of `action`',
      },
      { name: 'onSuccess', type: '(result) => void', description: 'components only: the JSON the function returned' },
      { name: 'errors', type: 'Record<string, string>', description: 'field errors to show (components)' },
      children,
    ],
  },
  {
    name: 'Table',
    summary: 'A data table: click a sortable column header to sort, pages of `pageSize` rows with previous/next.',
    blueprint: true,
    props: [
      {
        name: 'columns',
        type: 'Array<{ key: string; label: string; sortable?: boolean; align?: "left" | "right" | "center"; format?: "text" | "number" | "currency" | "date" | "boolean" }>',
        required: true,
      },
      { name: 'rows', type: 'Array<Record<string, unknown>>', required: true, description: 'usually a data binding' },
      { name: 'pageSize', type: 'number', description: 'default 10' },
      { name: 'caption', type: 'string' },
      { name: 'emptyMessage', type: 'string' },
      { name: 'rowKey', type: 'string', description: 'column with a unique value; default "id"' },
      { name: 'render', type: '{ [key]: (row) => ReactNode }', description: 'components only: custom cells' },
    ],
  },
  {
    name: 'Card',
    summary: 'A bordered surface with an optional title, description and footer.',
    blueprint: true,
    props: [{ name: 'title', type: 'string' }, { name: 'description', type: 'string' }, { name: 'footer', type: 'ReactNode' }, children],
  },
  {
    name: 'Stat',
    summary: 'A key figure for dashboards: label, value and an optional change.',
    blueprint: true,
    props: [
      { name: 'label', type: 'string', required: true },
      { name: 'value', type: 'string | number', required: true },
      { name: 'change', type: 'string', description: 'e.g. "+12%"; "-" first shows it in red' },
      { name: 'hint', type: 'string' },
    ],
  },
  {
    name: 'Badge',
    summary: 'A small label.',
    blueprint: true,
    props: [{ name: 'variant', type: '"neutral" | "primary" | "success" | "danger"', description: 'default "neutral"' }, children],
  },
  {
    name: 'Tabs',
    summary: 'Tabs (arrow keys move between them). Panel i is tabs[i].content, or else child i.',
    blueprint: true,
    props: [
      { name: 'tabs', type: 'Array<string | { label: string; content?: ReactNode }>', required: true },
      { name: 'defaultIndex', type: 'number' },
      children,
    ],
  },
  {
    name: 'Dialog',
    summary: 'A modal dialog (native <dialog>: focus is kept inside, Escape closes). Without `open` it renders a button (`triggerLabel`) that opens it.',
    blueprint: true,
    props: [
      { name: 'title', type: 'string', required: true },
      { name: 'description', type: 'string' },
      { name: 'triggerLabel', type: 'string', description: 'button that opens it (uncontrolled)' },
      { name: 'open', type: 'boolean', description: 'components only: controlled' },
      { name: 'onClose', type: '() => void', description: 'components only' },
      { name: 'footer', type: 'ReactNode' },
      children,
    ],
  },
  {
    name: 'toast',
    summary: 'Shows a short message at the bottom of the page: toast("Saved") or toast("Failed", { variant: "danger" }). The app shell shows the toasts.',
    blueprint: false,
    props: [
      { name: 'message', type: 'string', required: true },
      { name: 'options', type: '{ variant?: "neutral" | "success" | "danger"; duration?: number }' },
    ],
  },
  {
    name: 'EmptyState',
    summary: 'A friendly placeholder for an empty list, with an optional action link.',
    blueprint: true,
    props: [
      { name: 'title', type: 'string', required: true },
      { name: 'description', type: 'string' },
      { name: 'actionLabel', type: 'string' },
      { name: 'actionTo', type: 'string' },
      children,
    ],
  },
  {
    name: 'Spinner',
    summary: 'A loading indicator with an accessible label.',
    blueprint: true,
    props: [
      { name: 'label', type: 'string', description: 'default "Loading"' },
      { name: 'size', type: '"sm" | "md" | "lg"' },
    ],
  },
  {
    name: 'SignIn',
    summary:
      'The app\'s sign-in form (email, password) with a link to sign up and "Forgot your password?" (a reset link by mail); shows the server\'s errors (e.g. wrong email or password) on the form. A route with "access" shows it by itself to visitors; place it on a page of its own only for a /signin page.',
    blueprint: true,
    props: [
      { name: 'title', type: 'string', description: 'default "Sign in"' },
      { name: 'description', type: 'string' },
      { name: 'next', type: 'string', description: "path to go to after signing in; default the address's ?next=, else stay" },
      { name: 'signUpTo', type: 'string', description: 'path of a SignUp page; without it the link turns the form into SignUp in place' },
    ],
  },
  {
    name: 'SignUp',
    summary: 'The sign-up form (name, email, password of 8 or more characters) with a link to sign in; signs the new user in.',
    blueprint: true,
    props: [
      { name: 'title', type: 'string', description: 'default "Create an account"' },
      { name: 'description', type: 'string' },
      { name: 'next', type: 'string', description: 'path to go to after signing up' },
      { name: 'signInTo', type: 'string', description: 'path of a SignIn page; without it the link turns the form into SignIn in place' },
    ],
  },
  {
    name: 'UserMenu',
    summary:
      "The signed-in app user's name and email with a Sign out button; for a visitor, a Sign in button. AppLayout's userMenu prop puts it in the header.",
    blueprint: true,
    props: [{ name: 'signInTo', type: 'string', description: 'path of a SignIn page; without it Sign in opens the form in a dialog' }],
  },
  {
    name: 'useUser',
    summary:
      'Hook: const { user, loading, signOut, refresh } = useUser(); user is { id, email, name, role: "user" | "admin" } or null. Read once per page from /_tessera/auth/me and shared; updated by SignIn, SignUp and signOut(). For showing, not for protecting: data is protected by function access.',
    blueprint: false,
    props: [],
  },
];

/** Names a blueprint node may use for kit parts: `ui.Button`, `ui.Form`, ... */
export const UI_BLUEPRINT_PREFIX = 'ui.';
export const UI_BLUEPRINT_PARTS: readonly string[] = UI_KIT.filter((part) => part.blueprint).map((part) => part.name);

function propText(prop: KitProp): string {
  return `${prop.name}${prop.required ? '' : '?'}: ${prop.type}${prop.description ? ` (${prop.description})` : ''}`;
}

/** The kit as the agent's system prompt lists it: one line per part. */
export function kitPromptText(): string {
  return UI_KIT.map(
    (part) =>
      `- ${part.name}${part.blueprint ? '' : ' (components only)'}: ${part.summary}${part.props.length ? ` Props: ${part.props.map(propText).join('; ')}.` : ''}`,
  ).join('\n');
}
