import { coreAccounts } from './accounts.js';
import { emailFlows } from './email-flows.js';
import { createKit, type AccountsDeps } from './kit.js';
import { totpAccounts } from './totp.js';

export type { AccountsDeps, Caller, Issued, RequestInfo } from './kit.js';

/** The application's account services, built once from their dependencies. */
export function createAccounts(deps: AccountsDeps) {
  const kit = createKit(deps);
  const core = coreAccounts(kit);
  return { ...core, ...emailFlows(kit), ...totpAccounts(kit, core.findAccount, core.refuseUnknown) };
}

export type Accounts = ReturnType<typeof createAccounts>;
