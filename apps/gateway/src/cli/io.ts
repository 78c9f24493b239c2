import type { ProgressStream } from '@tp/observability';
import type { Env } from '../config';

/** What a command reads and writes, passed in so specs run commands without touching the process. */
export interface CliIo {
  stdout: ProgressStream;
  /** Progress, prompts' errors and failures. */
  stderr: ProgressStream;
  stdin: NodeJS.ReadableStream;
  env: Env;
  /** Decides whether a tool runs inside the repository (for the token file `npm start` writes). */
  cwd: string;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() });

/** A failure the user can act on: printed as `gateway <command>: <message>`, no stack trace. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const println = (stream: ProgressStream, line: string) => stream.write(`${line}\n`);
