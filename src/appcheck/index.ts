/** The app check: an app's draft opened in headless Chromium, every route visited (docs/agent.md, "The app check"). */
export { AppChecker, samplePath, SAMPLE_PARAM, type AppCheckMode, type AppCheckReport, type AppProblem, type DraftAccess } from './checker.ts';
