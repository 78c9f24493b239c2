// `npx nx run gateway:login`: interactive Telegram login (phone, code, 2FA password); writes the
// session to SESSION_DIR as a 0600 file in a 0700 folder, encrypted when a key is configured.
import { createInterface } from 'node:readline/promises';
import { TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions';
import { ConfigError, loadConfig } from '../config';
import { parseEncryptionKey, saveSession } from '../session/session-store';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`login: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (!config.userClient) {
    console.error('login needs TELEGRAM_API_ID and TELEGRAM_API_HASH (from https://my.telegram.org)');
    return 1;
  }
  const key = config.userClient.sessionEncryptionKey ? parseEncryptionKey(config.userClient.sessionEncryptionKey) : undefined;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const client = new TelegramClient(new StringSession(''), config.userClient.apiId, config.userClient.apiHash, { connectionRetries: 5 });
  client.setLogLevel('error' as never);
  try {
    await client.start({
      phoneNumber: () => rl.question('Phone number (international format): '),
      phoneCode: () => rl.question('Code Telegram sent you: '),
      password: () => rl.question('Two-step verification password (empty if none): '),
      onError: (error) => console.error(`login error: ${error.message}`),
    });
    const file = await saveSession(config.sessionDir, (client.session as StringSession).save(), key);
    console.log(`logged in; session written to ${file} (mode 0600${key ? ', AES-256-GCM encrypted' : ''})`);
    return 0;
  } finally {
    rl.close();
    await client.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`login failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
