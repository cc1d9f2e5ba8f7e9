import type { NextFunction, Request, Response } from 'express';
import { negotiateLang, t } from '../i18n';
import { messageBody } from '../pages/message';
import { sendPage } from '../pages/layout';

export interface OverloadLimits {
  maxInFlight: number;
  maxEventLoopLagMs: number;
}

export interface Episode {
  startedAt: Date;
  /** Which limits were passed during the episode. */
  inFlightPassed: boolean;
  lagPassed: boolean;
  /** New logins and launches refused during the episode. */
  shed: number;
  peakInFlight: number;
  peakLagMs: number;
}

export interface OverloadSources {
  inFlight: () => number;
  lagMs: () => number;
}

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

  /** More requests in progress than allowed (this one included), or the event loop too slow. */
  overloaded(): boolean {
    return this.sources.inFlight() > this.limits.maxInFlight || this.sources.lagMs() > this.limits.maxEventLoopLagMs;
  }

  /** For a new login or launch: true when it must be refused (and counted in the open episode). */
  shouldShed(): boolean {
    if (!this.overloaded()) {
      this.settle();
      return false;
    }
    this.episode ??= { startedAt: this.now(), inFlightPassed: false, lagPassed: false, shed: 0, peakInFlight: 0, peakLagMs: 0 };
    this.episode.shed += 1;
    if (this.sources.inFlight() > this.limits.maxInFlight) this.episode.inFlightPassed = true;
    if (this.sources.lagMs() > this.limits.maxEventLoopLagMs) this.episode.lagPassed = true;
    this.episode.peakInFlight = Math.max(this.episode.peakInFlight, this.sources.inFlight());
    this.episode.peakLagMs = Math.max(this.episode.peakLagMs, Math.round(this.sources.lagMs()));
    return true;
  }

  /**
   * Back under the limits with room to spare (below 90% of maxInFlight and 80% of the lag limit),
   * so an episode does not end and restart with every request finishing at the limit.
   */
  recovered(): boolean {
    return this.sources.inFlight() < this.limits.maxInFlight * 0.9 && this.sources.lagMs() <= this.limits.maxEventLoopLagMs * 0.8;
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

/** New sign-ins and launches: what overload control sheds. Everything else keeps working. */
export function isNewLoginOrLaunch(path: string): boolean {
  return path === '/ds' || path.startsWith('/ds/') || path === '/login' || path.startsWith('/go/') || /^\/auth\/[^/]+\/login$/.test(path);
}

/** Express middleware: a friendly bilingual 503 with Retry-After for new logins and launches while overloaded. */
export function overloadShedding(guard: OverloadGuard, retryAfterSeconds: number, onShed: () => void) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!isNewLoginOrLaunch(req.path) || !guard.shouldShed()) {
      next();
      return;
    }
    onShed();
    const lang = negotiateLang(req);
    res.set('Retry-After', String(retryAfterSeconds));
    res.set('Cache-Control', 'no-store');
    const minutes = String(Math.max(1, Math.ceil(retryAfterSeconds / 60)));
    sendPage(res, 503, {
      lang,
      title: t(lang, 'overloadTitle'),
      body: messageBody(lang, { title: 'overloadTitle', message: { key: 'overloadBody', vars: { count: minutes } }, tone: 'status', actions: [{ href: req.originalUrl, say: 'overloadRetry', button: true }] }),
    });
  };
}
