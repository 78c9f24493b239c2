// The checkout's embedded PostgreSQL server (.data/postgres) from the command line:
//   serve   run it in the foreground until SIGTERM/SIGINT (what scripts/start.sh runs in the background)
//   url     print the connection string of the running server
//   stop    stop the running server
//   migrate apply pending migrations to DATABASE_URL, else to this server (started for the run if needed)
import path from 'node:path';
import { Command } from 'commander';
import { findRunningServer, findWorkspaceRoot, localServerPaths, openLocalDatabase, runningServerUrl, startEmbeddedServer, stopRunningServer } from '@tp/db-schema/embedded';
import { localDatabaseEnv, openDatabase } from '@tp/db-schema';
import { loadEnv } from '@tp/service-kit';

const env = loadEnv(localDatabaseEnv);

const program = new Command('embedded-postgres')
  .description("the checkout's embedded PostgreSQL server")
  .option('--data-dir <dir>', 'data directory', localServerPaths(env.DATA_DIR ?? `${findWorkspaceRoot()}/.data`).dataDir)
  .option('--password-file <file>', 'password file (mode 0600); default <data-dir>.password');

const paths = () => {
  const { dataDir, passwordFile } = program.opts<{ dataDir: string; passwordFile?: string }>();
  return { dataDir, passwordFile };
};

program
  .command('serve')
  .description('start the server, apply the migrations, print its URL and run until SIGTERM or SIGINT')
  .option('--port <port>', 'TCP port on 127.0.0.1 (default: a free one)', (v) => Number.parseInt(v, 10))
  .action(async (options: { port?: number }) => {
    const server = await startEmbeddedServer({ ...paths(), port: options.port });
    const database = await openDatabase({ url: server.url, applicationName: 'migrate', attempts: 1 });
    await database.close();
    console.log(JSON.stringify({ status: 'ready', pid: server.pid, port: server.port, dataDir: server.dataDir }));
    const stop = async () => {
      await server.stop();
      process.exit(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

program
  .command('url')
  .description('print the connection string of the running server (exit 1 when none runs)')
  .action(() => {
    const url = runningServerUrl(paths());
    if (!url) {
      console.error(`no PostgreSQL runs in ${paths().dataDir}`);
      process.exit(1);
    }
    console.log(url);
  });

program
  .command('stop')
  .description('stop the running server (fast shutdown)')
  .action(async () => {
    const running = findRunningServer(paths().dataDir);
    await stopRunningServer(paths().dataDir);
    console.log(running ? `stopped PostgreSQL (pid ${running.pid})` : 'not running');
  });

program
  .command('migrate')
  .description('apply pending migrations to DATABASE_URL, else to this server (started for the run when none runs)')
  .action(async () => {
    const database = await openLocalDatabase({ applicationName: 'db-migrate', databaseUrl: env.DATABASE_URL, dataDir: path.dirname(paths().dataDir) });
    console.log(`migrations applied to ${database.target} (${database.origin})`);
    await database.close();
  });

program.parseAsync().catch((error: Error) => {
  console.error(`embedded-postgres: ${error.message}`);
  process.exit(1);
});
