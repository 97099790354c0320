import { z } from 'zod';
import { defineTool } from './tool.ts';

/**
 * The app check as a tool: the model looks at its draft as a browser does. The platform runs the
 * same check itself after a run changed the app (src/agent/loop.ts).
 */
export const checkApp = defineTool({
  name: 'checkApp',
  description:
    'Open the app\'s draft in a headless browser and visit every route of the blueprint (":param" segments get the sample value "1"). Reports uncaught exceptions and unhandled rejections, console errors, requests to the app\'s functions that failed (network error or 5xx), components whose error boundary caught an error, and pages that show nothing; each problem names the route, the component or function, and the message. Returns { ok, problems, mode }; mode "server-render" means the machine has no browser and only the server render (done when each component was created) checked the app.',
  parameters: z.object({}).strict(),
  readOnly: true,
  async run(_args, { tenant, appCheck }) {
    const report = await appCheck.check(
      tenant.id,
      tenant.state.blueprint.routes.map((route) => route.path),
    );
    return {
      ok: report.ok,
      problems: report.problems,
      mode: report.mode,
      visited: report.visited,
      ms: report.ms,
      ...(report.note ? { note: report.note } : {}),
    };
  },
});
