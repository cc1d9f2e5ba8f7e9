export { UNLIMITED } from '../load/keys';

/** Every Store name access control uses, in one place (unchanged from load control's, so stored seats and suspensions carry over). */
export const keys = {
  /** Seat names as issue 6 gives them: seats:<resource>:<institution>:<licence index>. */
  seat: (resource: string, institution: string, licence: number) => `seats:${resource}:${institution}:${licence}`,
  /** Seats of a pooled roaming account: seats:<resource>:roaming:<account index>. */
  roamingSeat: (resource: string, account: number) => `seats:${resource}:roaming:${account}`,
  /** The seats one session holds ("<seat name>|<seats>"), so they can be renewed and released with it. */
  sessionSeats: (sessionId: string) => `load:session-seats:${sessionId}`,
  downloads: (resource: string, user: string, what: 'items' | 'bytes', window: number) => `load:downloads:${resource}:${user}:${what}:${window}`,
  suspended: (resource: string, user: string) => `load:suspended:${resource}:${user}`,
  suspensions: 'load:suspensions',
};
