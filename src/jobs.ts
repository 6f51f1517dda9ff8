/** The names of the queue's jobs: the one list both the enqueuers and the workers use. */
export const JOBS = {
  sendMail: 'send-mail',
  expireChallenge: 'expire-challenge',
  requestPasswordReset: 'request-password-reset',
  requestLoginCode: 'request-login-code',
  newDeviceNotice: 'new-device-notice',
} as const;
