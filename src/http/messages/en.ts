/**
 * Every text of the pages for people, in English. A translation is a file like this one (the
 * `Messages` type makes a missing text a compile error); `messagesFor` picks one by language.
 * Values are plain text: the pages escape them where they put them.
 */
export const en = {
  common: {
    serviceSignIn: (service: string) => `Sign in to ${service}`,
  },
};

export type Messages = typeof en;
