/** One log record of a tenant's functions (`GET .../functions/:name/logs`, and each `log` event of `?follow=1`). */
export interface FunctionLogRecord {
  /** Increasing per platform process: `?since=<seq>` returns what came after. */
  seq: number;
  time: string;
  requestId: string;
  function: string;
  /** `console` lines come from the function; `platform` lines from the runtime (start, end, limits). */
  source: 'console' | 'platform';
  level: string;
  message: string;
  /** On `end` records: the answer's status and the call's duration. */
  status?: number;
  durationMs?: number;
}
