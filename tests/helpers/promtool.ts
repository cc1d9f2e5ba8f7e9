import { execFileSync } from 'node:child_process';

/** What `promtool check metrics` (Debian's prometheus package) says is wrong with a /metrics text: '' when nothing. */
export function promtoolProblems(metrics: string): string {
  try {
    execFileSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return '';
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
  }
}
