// The agent's events are wire types: the builder and the CLI read the same stream.
export type { AgentEvent, AgentEventOf, AppCheckOutcome, DoneReason, Usage } from '../../wire/agent-events.ts';
