import type { NextFunction, Request, Response } from 'express';
import { t, type Lang } from '../i18n';
import { messageBody } from '../pages/message';
import { page, sendRendered } from '../pages/layout';

export interface OverloadLimits {
  maxInFlight: number;
  maxEventLoopLagMs: number;
  /** Sustained event-loop utilisation (0–1) above which anonymous login starts are shed; 1 turns it off. */
  maxEventLoopUtilization: number;
  /** Signed-in readers' launches are shed only past this multiple of maxInFlight and maxEventLoopLagMs. */
  signedInLaunchHeadroom: number;
}

export interface Episode {
  startedAt: Date;
  /** Which limits were passed during the episode. */
  inFlightPassed: boolean;
  lagPassed: boolean;
  utilizationPassed: boolean;
  /** New logins and launches refused during the episode. */
  shed: number;
  peakInFlight: number;
  peakLagMs: number;
}

/** What the guard reads; the load control's monitors in production, fakes in tests. */
export interface OverloadSources {
  inFlight: () => number;
  lagMs: () => number;
  /** Sustained event-loop utilisation, 0–1. */
  utilization: () => number;
}

/**
 * Who asks: an anonymous login start or launch is the first thing shed (a storm of them is what overloads a
 * node at a class's start, and refusing one costs the reader nothing yet); a signed-in reader's launch is shed
 * only when the node is far past its limits, and their pages and proxied traffic never.
 */
export type Tier = 'anonymous' | 'signed-in';

/**
 * Overload state of one node. An episode opens at the first shed request and closes when the
 * node is back under its limits (checked as requests end and on the load timer); each closed
 * episode is reported once to onEpisodeEnd, with its counts.
 */
export class OverloadGuard {
  private episode: Episode | undefined;

  constructor(
    private readonly limits: OverloadLimits,
    private readonly sources: OverloadSources,
    private readonly onEpisodeEnd: (episode: Episode, endedAt: Date) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private inFlightPassed(factor = 1): boolean {
    return this.sources.inFlight() > this.limits.maxInFlight * factor;
  }

  private lagPassed(factor = 1): boolean {
    return this.sources.lagMs() > this.limits.maxEventLoopLagMs * factor;
  }

  private utilizationPassed(): boolean {
    return this.limits.maxEventLoopUtilization < 1 && this.sources.utilization() > this.limits.maxEventLoopUtilization;
  }

  /** More requests in progress than allowed (this one included), the event loop too slow or too busy: anonymous logins are shed. */
  overloaded(): boolean {
    return this.inFlightPassed() || this.lagPassed() || this.utilizationPassed();
  }

  /** Far past the limits (signedInLaunchHeadroom times): signed-in launches are shed too. */
  critical(): boolean {
    const headroom = this.limits.signedInLaunchHeadroom;
    return this.inFlightPassed(headroom) || this.lagPassed(headroom);
  }

  /** For a new login or launch: true when it must be refused (and counted in the open episode). */
  shouldShed(tier: Tier = 'anonymous'): boolean {
    if (!(tier === 'anonymous' ? this.overloaded() : this.critical())) {
      this.settle();
      return false;
    }
    const e = (this.episode ??= { startedAt: this.now(), inFlightPassed: false, lagPassed: false, utilizationPassed: false, shed: 0, peakInFlight: 0, peakLagMs: 0 });
    e.shed += 1;
    if (this.inFlightPassed()) e.inFlightPassed = true;
    if (this.lagPassed()) e.lagPassed = true;
    if (this.utilizationPassed()) e.utilizationPassed = true;
    e.peakInFlight = Math.max(e.peakInFlight, this.sources.inFlight());
    e.peakLagMs = Math.max(e.peakLagMs, Math.round(this.sources.lagMs()));
    return true;
  }

  /**
   * Back under the limits with room to spare (below 90% of maxInFlight and of the utilisation limit, 80% of
   * the lag limit), so an episode does not end and restart with every request finishing at the limit.
   */
  recovered(): boolean {
    const { maxInFlight, maxEventLoopLagMs, maxEventLoopUtilization } = this.limits;
    return (
      this.sources.inFlight() < maxInFlight * 0.9 &&
      this.sources.lagMs() <= maxEventLoopLagMs * 0.8 &&
      (maxEventLoopUtilization >= 1 || this.sources.utilization() < maxEventLoopUtilization * 0.9)
    );
  }

  /** Close the open episode when the node has recovered. */
  settle(): void {
    if (!this.episode || !this.recovered()) return;
    const ended = this.episode;
    this.episode = undefined;
    this.onEpisodeEnd(ended, this.now());
  }

  /** The open episode, if any (for /admin/load). */
  current(): Readonly<Episode> | undefined {
    return this.episode;
  }
}

/** Why an episode shed: the limits it passed, joined by "+" (in-flight, event-loop-lag, event-loop-utilization). */
export function episodeCause(episode: Episode): string {
  return [episode.inFlightPassed ? 'in-flight' : '', episode.lagPassed ? 'event-loop-lag' : '', episode.utilizationPassed ? 'event-loop-utilization' : ''].filter(Boolean).join('+');
}

/** New sign-ins and launches: what overload control sheds. Everything else keeps working. */
export function isNewLoginOrLaunch(path: string): boolean {
  return path === '/ds' || path.startsWith('/ds/') || path === '/login' || path.startsWith('/go/') || /^\/auth\/[^/]+\/login$/.test(path);
}

/**
 * Express middleware, after the session is loaded (its tier: signed in or not): a friendly bilingual 503 with
 * Retry-After for the new logins and launches the guard sheds.
 */
export function overloadShedding(guard: OverloadGuard, retryAfterSeconds: number, onShed: () => void) {
  // A shed request must cost less than the login start it replaces (a storm is hundreds a second): the page is
  // rendered once per language. "Try again" is href="": the current URL, query included.
  const pages = new Map<Lang, string>();
  const minutes = String(Math.max(1, Math.ceil(retryAfterSeconds / 60)));
  const pageIn = (lang: Lang) =>
    page({
      lang,
      title: t(lang, 'overloadTitle'),
      body: messageBody(lang, { title: 'overloadTitle', message: { key: 'overloadBody', vars: { count: minutes } }, tone: 'status', actions: [{ href: '', say: 'overloadRetry', button: true }] }),
    });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!isNewLoginOrLaunch(req.path) || !guard.shouldShed(req.session?.data.user ? 'signed-in' : 'anonymous')) {
      next();
      return;
    }
    onShed();
    const lang = req.lang;
    let body = pages.get(lang);
    if (body === undefined) pages.set(lang, (body = pageIn(lang)));
    res.set('Retry-After', String(retryAfterSeconds));
    res.set('Cache-Control', 'no-store');
    sendRendered(res, 503, lang, body);
  };
}
