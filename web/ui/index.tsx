/**
 * `@tessera/ui`: the built-in UI kit. Tenant components `import { Button } from '@tessera/ui'`; the
 * blueprint places the same parts as `ui.Button`. Served once per app (a vendor bundle in the import
 * map, React external), so the shell and every component share one copy (one toast list, one
 * React). Styled with Tailwind classes over the theme's tokens (bg-primary, rounded-theme, ...):
 * every class here is scanned into each app's stylesheet, so class names must be written out whole.
 * Safe to render on the server (no window access while rendering). Props: wire/catalog.ts.
 */
export { type ButtonProps, Button } from './parts/button.tsx';
export {
  type InputProps,
  Input,
  type TextareaProps,
  Textarea,
  type SelectOption,
  type SelectProps,
  Select,
  type CheckboxProps,
  Checkbox,
} from './parts/fields.tsx';
export { type FormField, type FormValues, type FormProblems, type FormProps, RELOAD_EVENT, Form } from './parts/form.tsx';
export { type TableColumn, type TableProps, Table } from './parts/table.tsx';
export { type CardProps, Card, type StatProps, Stat, Badge } from './parts/card.tsx';
export { type TabsProps, Tabs } from './parts/tabs.tsx';
export { type DialogProps, Dialog } from './parts/dialog.tsx';
export { toast, Toaster } from './parts/toast.tsx';
export { type EmptyStateProps, EmptyState } from './parts/empty-state.tsx';
export { Spinner } from './parts/spinner.tsx';
export { type AppLayoutProps, AppLayout } from './parts/app-layout.tsx';
export { type SignInProps, SignIn, type SignUpProps, SignUp } from './parts/sign-in.tsx';
export { type UserMenuProps, UserMenu } from './parts/user-menu.tsx';
export { type AppUser, type UseUserResult, useUser } from './parts/user.tsx';
