import Transport from 'winston-transport';

/** A winston transport that keeps every log entry, so specs can assert what was logged. */
export class LogCapture extends Transport {
  lines: Array<{ level: string; message: string; [key: string]: unknown }> = [];
  override log(info: { level: string; message: string }, next: () => void) {
    this.lines.push(info);
    next();
  }
}
