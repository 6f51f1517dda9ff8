import { ConfigError, loadConfig, type Config } from './config.js';

/** The configuration, or a clear message naming every bad variable and exit code 1. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * On SIGTERM or SIGINT: close once, and exit; forced after `graceMs` if closing hangs. Returns the
 * same stop, for another reason to stop.
 */
export function closeOnSignals(
  close: () => Promise<void>,
  options: { graceMs: number; what: string },
): (reason: string) => Promise<void> {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: ${options.what}`);
    setTimeout(() => process.exit(1), options.graceMs).unref();
    await close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return stop;
}
