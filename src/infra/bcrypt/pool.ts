import { Piscina } from 'piscina';
import type { PasswordHasher } from '../../ports/password-hasher.js';

/** bcryptjs in a worker-thread pool (piscina), at the configured cost. */
export async function createBcryptPool(options: { cost: number; threads: number }): Promise<PasswordHasher> {
  const pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: options.threads,
    maxThreads: options.threads,
  });
  let operations = 0;
  const hash = (password: string): Promise<string> => {
    operations += 1;
    return pool.run({ op: 'hash', password, cost: options.cost });
  };
  // A real hash at the real cost, so that a login for nobody costs what a login for someone does.
  const dummy: string = await pool.run({ op: 'hash', password: `dummy-${Math.random()}`, cost: options.cost });
  return {
    hash,
    async verify(password, stored) {
      operations += 1;
      const valid: boolean = await pool.run({ op: 'compare', password, hash: stored ?? dummy });
      return stored !== null && valid;
    },
    get operations() {
      return operations;
    },
    async close() {
      await pool.destroy();
    },
  };
}
