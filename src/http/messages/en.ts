/**
 * Every text of the pages for people, in English; the account page's in `en-account.ts`. A
 * translation is a pair of files like these (the `Messages` type makes a missing text a compile
 * error); `messagesFor` picks one by language.
 * Values are plain text: the pages escape them where they put them. A section's `script` texts
 * travel to the browser as JSON (the page's script shows them), the rest is put in the markup.
 */
import { account } from './en-account.js';

export const en = {
  common: {
    serviceSignIn: (service: string) => `Sign in to ${service}`,
    needsScript: 'This page needs JavaScript.',
    orSeparator: 'or',
    redirectRefused: 'This page will not send you back to that address: it is not on the list of allowed redirects.',
    script: {
      signedInAs: 'Signed in as {name}.',
      signOut: 'Sign out',
      signedOut: 'You are signed out.',
      unreachable: 'The service could not be reached. Check your connection and try again.',
      failed: 'Something went wrong. Try again.',
      totpNeeded: 'Enter the code from your authenticator app.',
    },
  },
  login: {
    title: 'Sign in',
    passwordHeading: 'Username and password',
    usernameLabel: 'Username or email',
    passwordLabel: 'Password',
    totpLabel: 'Two-factor code',
    signIn: 'Sign in',
    forgotPassword: 'Forgot password?',
    createAccount: 'Create an account',
    noAccount: 'No account yet?',
    emailCodeHeading: 'Code by email',
    emailCodeIntro: 'We mail you a 6-digit code: no password needed.',
    emailLabel: 'Email address',
    sendCode: 'Mail me a code',
    codeLabel: 'The code from the mail',
    useCode: 'Sign in with the code',
    otherAddress: 'Use another address',
    passkeyHeading: 'Passkey',
    passkeyIntro: 'Use the passkey on this device, your phone or your password manager: no password to type.',
    passkeySignIn: 'Sign in with a passkey',
    passkeySignUp: 'New here? Make an account with a passkey',
    newUsername: 'Username',
    newEmail: 'Email (optional)',
    passkeyMake: 'Make my account with a passkey',
    lnurlHeading: 'Lightning wallet',
    lnurlScan: 'Scan with a wallet that supports LNURL-auth, or',
    lnurlOpen: 'open it in your wallet',
    continue: 'Continue',
    lnurlNew: 'New here?',
    lnurlSignUp: 'Sign up with a wallet',
    nostrHeading: 'Nostr',
    nostrIntro: 'Sign in with the Nostr key in your browser extension (NIP-07).',
    nostrSignIn: 'Sign in with Nostr',
    oauthHeading: 'Another account',
    oauthWith: (provider: string) => `Continue with ${provider}`,
    oauthTotpHeading: (provider: string) => `Finish signing in with ${provider}`,
    oauthTotpHint:
      'Your account asks for the code from your authenticator app. Lost it? Sign in with your password and a backup code instead.',
    totpHint:
      'The code from your authenticator app, or one of your backup codes (a backup code turns two-factor sign-in off).',
    script: {
      mustReset: 'Signed in as {name}. Choose a new password before you go on (PUT /api/v1/auth/update-password).',
      signInFailed: 'Sign-in failed.',
      continueOn: 'Continue',
      recovered:
        'Signed in with a backup code as {name}. That code is spent, and two-factor sign-in is now off: turn it on again on your account page.',
      oauthStartAgain: 'This sign-in has ended: start again with the button below.',
      captchaSignIn: 'Too many failed sign-ins for this name: show that you are a person below, and it signs in.',
      resetRequired:
        'A sign-in to this account was reported as not its owner: choose a new password first ("Forgot password?" mails you a link).',
      lnurlTotp: 'Wallet signed. Enter the code from your authenticator app.',
      lnurlExpired: 'This code has expired: reload the page for a new one.',
      noPasskeyUsed: 'No passkey was used.',
      passkeyTotp: 'Enter the code from your authenticator app, then use your passkey again.',
      captchaPasskey: 'Show that you are a person below; then your passkey is made.',
      signUpFailed: 'Sign-up failed.',
      noPasskeyMade: 'No passkey was made.',
      codeSent: 'If this address can sign in, a code is on its way to {email}. It is valid for 10 minutes.',
      captchaCode: 'Show that you are a person below; then the code is sent.',
      badCode: 'Enter the 6-digit code from the mail.',
      nostrRefused: 'The extension did not sign the sign-in.',
      captchaNostr: 'Show that you are a person below; then the sign-in goes on.',
    },
  },
  register: {
    title: 'Create an account',
    heading: (service: string) => `Create an account at ${service}`,
    closed: 'Registration is closed: new accounts are made by an administrator.',
    inviteOnly: 'Registration needs an invite: enter the code you were given.',
    usernameLabel: 'Username',
    usernameHint: '3 to 32 characters: letters, digits, dot, dash and underscore.',
    emailLabel: 'Email address (optional)',
    emailHint: 'For sign-in codes and password resets.',
    passwordLabel: 'Password',
    passwordHint: 'Long and not easily guessed: the meter below shows what this service makes of it.',
    strengthLabel: 'Password strength',
    inviteLabel: 'Invite code',
    submit: 'Create my account',
    haveAccount: 'Already have an account?',
    signIn: 'Sign in',
    script: {
      levels: ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'],
      strongEnough: '{level}: strong enough.',
      notStrongEnough: '{level}: not strong enough yet.',
      checking: 'Checking…',
      tooWeak: 'Choose another password.',
      taken: 'This name or address is taken: choose another, or sign in.',
      inviteNeeded: 'Registration needs a valid invite code.',
      captchaAsk: 'Show that you are a person below; then your account is made.',
      verifyEmail: 'Verify your email address',
    },
  },
  verifyEmail: {
    title: 'Verify your email address',
    intro: 'We mail a 6-digit code to the address of your account; enter it here to show that the address is yours.',
    signedOut: 'Sign in first: then this page mails you a code.',
    signInLink: 'Sign in',
    send: 'Mail me a code',
    codeLabel: 'The code from the mail',
    sessionLabel: 'otp_session (from the mail, if you asked for the code elsewhere)',
    verify: 'Verify',
    script: {
      sentTo: 'A code is on its way to {email}. It is valid for 10 minutes.',
      noEmail: 'Your account has no email address yet.',
      already: 'Your address {email} is already verified.',
      verified: 'Your email address is verified.',
      noSession: 'Ask for a code first, or paste the otp_session from the mail.',
      wrongCode: 'This code is not right: check the mail, or ask for a new code.',
      expired: 'This code has expired or was used: ask for a new one.',
    },
  },
  /** /forgot-password, /reset-password and /set-password (the pages a password mail links to). */
  passwords: {
    emailLabel: 'Email address',
    needsScript: 'This page needs JavaScript.',
    askNewLink: 'Ask for a new link',
    askNewLinkWhy: '(that page asks you to show that you are a person first).',
    newPasswordLabel: 'New password',
    newPasswordHint: '8 to 128 characters, and not a common or easily guessed one.',
    confirmLabel: 'The same password again',
    newLinkHeading: 'Send a new link',
    newLinkButton: 'Send a new link',
    reset: {
      title: 'Choose a new password',
      intro: (service: string) =>
        `For your account at ${service}. Setting it signs you out everywhere and ends your API keys, ACL tokens and user key.`,
      button: 'Set the new password',
      done: 'Your new password is set. Every session, API key and ACL token of your account has ended, and its user key was replaced.',
      doneLink: 'Sign in with it',
    },
    set: {
      title: 'Choose your password',
      intro: (service: string) =>
        `An administrator made you an account at ${service}. Choose the password you will sign in with; your username is in the mail.`,
      button: 'Set my password',
      done: 'Your password is set.',
      doneLink: 'Sign in',
    },
    forgot: {
      title: 'Forgot your password?',
      intro: (service: string) =>
        `Enter the email address of your ${service} account. If an account has it, we mail it a link to choose a new password.`,
      button: 'Mail me a link',
      back: 'Back to sign in',
    },
    script: {
      tooManyMinutes: 'Too many attempts from your network. Try again in {n} minutes.',
      tooManySeconds: 'Too many attempts from your network. Try again in {n} seconds.',
      tooManyLater: 'Too many attempts from your network. Try again later.',
      unreachable: 'The service could not be reached. Check your connection and try again.',
      failed: 'Something went wrong (HTTP {status}). Try again.',
      captchaAsk: 'Show that you are a person below; then the link is sent.',
      linkSent:
        'If an account has this address, a link to choose a new password is on its way. It is valid for {minutes} minutes and works once. Look in your spam folder if it does not arrive.',
      emailNeeded: 'Enter the email address of your account, such as name@example.com.',
      missingLink: 'This page needs the link from your mail: open it again from there, or ask for a new link below.',
      /** The answers that mean "this link will not work": each says why, and the page offers a new link. */
      linkWords: {
        invalid_credentials:
          'This link is not valid: it may have been cut short or changed on its way. Ask for a new link below.',
        challenge_expired: 'This link has expired. Ask for a new link below.',
        // Also what a link whose secret was damaged on its way gets: one wrong try spends it.
        challenge_used:
          'This link no longer works: it was already used, something newer replaced it (a newer link, password or email address), or it was damaged on its way. Ask for a new link below.',
      },
      notSame: 'The two passwords are not the same: type the same new password twice.',
      chooseAnother: 'Choose another password.',
    },
  },
  /** The page a new-device notice's "this wasn't me" link opens. */
  wasntMe: {
    title: 'Secure your account',
    heading: "This wasn't me",
    intro: (service: string) =>
      `Someone signed in to your ${service} account from a device it had not used before. If that was not you, secure the account now:`,
    consequences: [
      'every session is signed out, on every device;',
      'every trusted device is forgotten;',
      'your API keys and ACL tokens are revoked and your user key is replaced;',
      'signing in with your password needs a new one first, chosen through a link we mail you.',
    ],
    secure: 'Secure my account',
    newPasswordHeading: 'Choose a new password',
    newPasswordIntro: 'We mail a link to choose it to the address of your account.',
    mailLink: 'Mail me a link',
    script: {
      linkWords: {
        invalid_credentials:
          'This link is not valid, or was damaged on its way: it no longer works. If someone else is in your account, choose a new password below: that signs out every session too.',
        challenge_expired:
          'This link has expired. If someone else is in your account, choose a new password below: that signs out every session too.',
        challenge_used:
          'This link was already used: your account was secured then. Choose a new password below if you have not yet.',
        not_found: 'This account no longer exists.',
      },
      missingLink:
        'This page needs the link from your mail: open it again from there. If someone else is in your account, choose a new password below.',
      secured:
        'Your account is secured: {sessions} session(s) signed out, {devices} trusted device(s) forgotten, {credentials} API key(s) and ACL token(s) revoked. Now choose a new password.',
    },
  },
  account,
};

export type Messages = typeof en;
