import { execFileSync } from 'node:child_process';

/** Tests that run the service as a child process use the compiled code: build it once, fresh. */
export default function setup() {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
