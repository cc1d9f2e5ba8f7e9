import type { IncomingMessage } from 'node:http';

export type Lang = 'zh' | 'en';

/** zh-CN when the browser prefers Chinese over English (by Accept-Language q-values), else en. */
export function negotiateLang(req: Pick<IncomingMessage, 'headers'>): Lang {
  const header = req.headers['accept-language'];
  if (!header) return 'en';
  let best: { lang: Lang; q: number } | undefined;
  for (const part of header.split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.find((p) => p.trim().startsWith('q='));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    const lang: Lang | undefined = tag.startsWith('zh') ? 'zh' : tag.startsWith('en') ? 'en' : undefined;
    if (lang && Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}

/** Pick the text for a language from a bilingual value; English is the fallback. */
export function pick(text: { en: string; zh?: string }, lang: Lang): string {
  return lang === 'zh' && text.zh ? text.zh : text.en;
}

const messages = {
  appName: { en: 'Passway', zh: 'Passway 校外访问' },
  tagline: { en: 'Library databases from anywhere, with your campus account', zh: '用校园账号，在任何地方使用图书馆数据库' },
  skipToContent: { en: 'Skip to content', zh: '跳到正文' },
  signIn: { en: 'Sign in with your campus account', zh: '使用校园账号登录' },
  signOut: { en: 'Sign out', zh: '退出登录' },
  signedInAs: { en: 'Signed in as', zh: '已登录：' },
  databases: { en: 'Databases', zh: '数据库' },
  noDatabases: { en: 'No databases are configured yet.', zh: '尚未配置任何数据库。' },
  open: { en: 'Open', zh: '进入' },
  howWayfless: { en: 'Sign in with your campus account at the publisher', zh: '在出版商网站用校园账号登录' },
  howProxy: { en: 'Through the library proxy', zh: '通过图书馆代理访问' },
  howDirect: { en: 'Open access, no sign-in needed', zh: '开放获取，无需登录' },
  notBuiltTitle: { en: 'Not built yet', zh: '尚未实现' },
  notBuiltBody: {
    en: 'This part of Passway is not built yet ({feature}). Nothing was done on your behalf.',
    zh: 'Passway 的这一部分尚未实现（{feature}）。系统没有替您执行任何操作。',
  },
  notFoundTitle: { en: 'Page not found', zh: '页面不存在' },
  notFoundBody: { en: 'There is no page at {path}.', zh: '没有找到页面 {path}。' },
  errorTitle: { en: 'Something went wrong', zh: '出错了' },
  errorBody: {
    en: 'Passway could not complete your request. Please try again; if it keeps happening, tell the library and quote reference {id}.',
    zh: 'Passway 未能完成您的请求。请重试；如果问题持续，请联系图书馆并提供编号 {id}。',
  },
  unavailableTitle: { en: 'Temporarily unavailable', zh: '暂时无法使用' },
  unavailableBody: {
    en: 'Passway cannot reach its session store right now. Please try again in a minute (reference {id}).',
    zh: 'Passway 暂时无法连接会话存储。请稍后再试（编号 {id}）。',
  },
  backHome: { en: 'Back to the library databases', zh: '返回数据库列表' },
  askLibrary: { en: 'Questions? Contact', zh: '有问题？请联系' },
  demoTitle: { en: 'Demo mode', zh: '演示模式' },
  demoBody: {
    en: 'This gateway runs with a demo campus IdP and two demo vendors on this machine. Demo accounts:',
    zh: '本网关正在演示模式下运行，本机同时运行演示校园身份提供者和两个演示数据库。演示账号：',
  },
  username: { en: 'Username', zh: '用户名' },
  password: { en: 'Password', zh: '密码' },
  affiliation: { en: 'Affiliation', zh: '身份' },
  language: { en: '中文', zh: 'English' },
  loginFailedTitle: { en: 'Sign-in did not complete', zh: '登录未完成' },
  loginFailedBody: {
    en: 'Your campus sign-in could not be accepted ({reason}). Nothing was signed in. Please try again; if it keeps happening, tell the library and quote reference {id}.',
    zh: '无法接受您的校园登录（{reason}），您尚未登录。请重试；如果问题持续，请联系图书馆并提供编号 {id}。',
  },
  loginTryAgain: { en: 'Try signing in again', zh: '重新登录' },
  loginUnknownTitle: { en: 'Unknown sign-in method', zh: '未知的登录方式' },
  loginUnknownBody: { en: 'There is no campus sign-in called {login}.', zh: '没有名为 {login} 的校园登录方式。' },
  loginReason_metadataUnavailable: {
    en: 'your campus identity provider cannot be reached right now',
    zh: '暂时无法连接您学校的身份认证系统',
  },
  loginReason_expired: { en: 'the sign-in took too long or the clocks disagree', zh: '登录耗时过长或时钟不一致' },
  loginReason_unknownRequest: { en: 'this sign-in was already used or has expired', zh: '此次登录已被使用或已过期' },
  loginReason_other: { en: 'the answer from your campus failed a security check', zh: '学校返回的登录信息未通过安全检查' },
} satisfies Record<string, { en: string; zh: string }>;

export type MessageKey = keyof typeof messages;

export function t(lang: Lang, key: MessageKey, vars: Record<string, string> = {}): string {
  return messages[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}
