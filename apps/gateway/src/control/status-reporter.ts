import { GATEWAY_STATE_PATHS, type GatewayStatusReport } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import { sendToApi, type ApiCallOptions } from './api-calls';

/**
 * Sends the API the gateway's report of itself (`PUT /gateway/status`) at start, every `intervalMs`
 * and on request, so the dashboard and the API's `/health` know whether the gateway is alive, what
 * its sources do and what its continuity audit finds.
 */
export class StatusReporter {
  private timer: NodeJS.Timeout | null = null;
  private failing = false;

  constructor(private readonly deps: { api: ApiCallOptions; intervalMs: number; build: () => GatewayStatusReport; logger: Logger }) {}

  start(): void {
    if (this.timer) return;
    void this.reportNow();
    this.timer = setInterval(() => void this.reportNow(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async reportNow(): Promise<void> {
    try {
      const status = await sendToApi(this.deps.api, 'PUT', GATEWAY_STATE_PATHS.status, this.deps.build());
      if (status !== 200) throw new Error(`PUT /gateway/status answered ${status}`);
      if (this.failing) this.deps.logger.info('status report: the API takes it again');
      this.failing = false;
    } catch (error) {
      // Said once when reports start failing, not on every interval while they do.
      this.deps.logger.log(this.failing ? 'debug' : 'warn', 'status report: could not send it to the API', { error: (error as Error).message });
      this.failing = true;
    }
  }
}
