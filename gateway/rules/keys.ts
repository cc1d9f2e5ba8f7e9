/** Every Store name the security rules use, in one place. Each value is one key, so every operation stays on one Cluster slot. */
export const keys = {
  /** A rule's sliding window for one subject (user, session or everyone) and scope (a resource or the platform). */
  window: (rule: string, subject: string, scope: string) => `rules:window:${rule}:${subject}:${scope}`,
  /** Set while the rule is tripped for the subject: it trips once per forMinutes. The trip record (JSON). */
  tripped: (rule: string, subject: string, scope: string) => `rules:tripped:${rule}:${subject}:${scope}`,
  /** One trip (JSON), kept for the admin page and the evidence export. */
  trip: (id: string) => `rules:trip:${id}`,
  /** Index of trip ids (semaphore holders expiring with their records), for /admin/security. */
  trips: 'rules:trips',
  /** A watched person's requests (a stream): the evidence of a trip, shared by every node. */
  evidence: (user: string) => `rules:evidence:${user}`,
  /** A suspension of a person from one resource, or from all ("*"). */
  suspended: (user: string, resource: string) => `rules:suspended:${user}:${resource}`,
  suspensions: 'rules:suspensions',
  /** Signed out everywhere: new sign-ins refused until lifted. */
  blocked: (user: string) => `rules:blocked:${user}`,
  blocks: 'rules:blocks',
  exempt: (user: string) => `rules:exempt:${user}`,
  exemptions: 'rules:exemptions',
};
