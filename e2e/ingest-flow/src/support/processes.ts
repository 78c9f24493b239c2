import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { waitForHealth } from '@tp/testing';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../../../..');
export const distMain = (app: string) => path.join(WORKSPACE_ROOT, 'dist/apps', app, 'main.js');

export interface ServiceProcess {
  name: string;
  baseUrl: string;
  child: ChildProcess;
  logFile: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ServiceProcess>();

/** Starts a built app as a real process and waits until its `/health` answers (any status). */
export async function startService(options: {
  /** Names its log file and its lines in failures; the app's name unless told. */
  name?: string;
  app: string;
  port: number;
  env: Record<string, string>;
  logDir: string;
  readyTimeoutMs?: number;
  /** The script to run instead of the app's dist/apps/<app>/main.js. */
  entry?: string;
}): Promise<ServiceProcess> {
  mkdirSync(options.logDir, { recursive: true });
  const name = options.name ?? options.app;
  const logFile = path.join(options.logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [options.entry ?? distMain(options.app)], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const service: ServiceProcess = {
    name,
    baseUrl,
    child,
    logFile,
    async stop(signal = 'SIGTERM') {
      running.delete(service);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      return child.exitCode;
    },
  };
  running.add(service);

  const exitedEarly = () => child.exitCode !== null && `${name} exited with ${child.exitCode} before it was ready (see ${logFile})`;
  try {
    await waitForHealth(baseUrl, { anyStatus: true, timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 200, giveUp: exitedEarly });
    return service;
  } catch (error) {
    const exited = exitedEarly();
    await service.stop('SIGKILL');
    throw new Error(exited || `${name} did not answer on ${baseUrl}/health in time (see ${logFile}): ${(error as Error).message}`);
  }
}

/** Kills whatever a failed test left running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop('SIGKILL')));
}
