import type { Messages } from '../../messages/index.js';
import { coreScript } from '../shared.js';
import { ACCESS_SCRIPT } from './script-access.js';
import { CORE_SCRIPT } from './script-core.js';
import { DATA_SCRIPT } from './script-data.js';
import { KEYS_SCRIPT } from './script-keys.js';
import { PROFILE_SCRIPT } from './script-profile.js';

/** The page's one script: the pages' common helpers, the account's own, then each section's, and the first load last. */
export const accountScript = (m: Messages): string =>
  coreScript(m.account.script, m.common) + CORE_SCRIPT + PROFILE_SCRIPT + ACCESS_SCRIPT + KEYS_SCRIPT + DATA_SCRIPT;
