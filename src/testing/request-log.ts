import { diag } from '@opentelemetry/api';
import type { RequestRecord } from './types.js';

const RECENT_REJECTIONS_SHOWN = 5;

export class RequestLog {
  #records: RequestRecord[] = [];

  constructor(private readonly onRequest?: (record: RequestRecord) => void) {}

  add(record: RequestRecord): void {
    this.#records.push(record);
    try {
      this.onRequest?.(record);
    } catch (error) {
      diag.error('otel-langsmith local server: onRequest callback threw', error);
    }
  }

  all(): RequestRecord[] {
    return [...this.#records];
  }

  clear(): void {
    this.#records = [];
  }

  /** Why runs may be missing, for timeout messages: the latest rejected or faulted requests. */
  describeRecentRejections(): string {
    const rejected = this.#records.filter((r) => r.status === 0 || r.status >= 400);
    if (rejected.length === 0) return '; no request was rejected';
    const lines = rejected.slice(-RECENT_REJECTIONS_SHOWN).map(describeRequest);
    return `; ${rejected.length} rejected request(s), latest:\n  ${lines.join('\n  ')}`;
  }
}

export function describeRequest(record: RequestRecord): string {
  const status = record.status === 0 ? 'no response' : String(record.status);
  return `${status} ${record.method} ${record.path}${record.detail ? `: ${record.detail}` : ''}`;
}
