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
  portalSearchLabel: { en: 'Search databases', zh: '搜索数据库' },
  portalSearchButton: { en: 'Search', zh: '搜索' },
  portalSubject: { en: 'Subject', zh: '学科' },
  portalAllSubjects: { en: 'All subjects', zh: '全部学科' },
  portalNoMatch: { en: 'No database matches your search.', zh: '没有符合条件的数据库。' },
  portalShowAll: { en: 'Show all databases', zh: '显示全部数据库' },
  portalAvailable: { en: 'Available to you', zh: '您可以使用' },
  portalUnavailable: { en: 'Not available to you:', zh: '您暂不能使用：' },
  portalQr: { en: 'QR code and permanent link', zh: '二维码和永久链接' },
  portalQrAlt: { en: 'QR code for {title}', zh: '{title} 的二维码' },
  portalCount: { en: '{count} databases', zh: '共 {count} 个数据库' },
  linkTitle: { en: 'Make a library link', zh: '生成图书馆链接' },
  linkIntro: {
    en: 'Paste the address of an article or page at a vendor; you get a link that takes readers there through the library, on or off campus.',
    zh: '粘贴数据库中文章或页面的地址，即可生成经由图书馆访问的链接，校内外均可使用。',
  },
  linkUrlLabel: { en: 'Vendor address', zh: '数据库中的地址' },
  linkMake: { en: 'Make link', zh: '生成链接' },
  linkResult: { en: 'Library link for {title}:', zh: '{title} 的图书馆链接：' },
  linkNotCatalogued: { en: 'The address {host} does not belong to any database the library provides.', zh: '地址 {host} 不属于图书馆提供的任何数据库。' },
  linkInvalid: { en: 'That is not a web address (it should start with https://).', zh: '这不是有效的网址（应以 https:// 开头）。' },
  launchUnknownTitle: { en: 'No such database', zh: '没有这个数据库' },
  launchUnknownBody: { en: 'The library has no database "{id}". It may have been renamed or removed.', zh: '图书馆没有编号为"{id}"的数据库，它可能已改名或下架。' },
  launchNotCataloguedTitle: { en: 'Not a library database', zh: '不是图书馆订购的数据库' },
  launchNotCataloguedBody: {
    en: 'The address {host} does not belong to any database the library provides, so Passway will not open it.',
    zh: '地址 {host} 不属于图书馆提供的任何数据库，Passway 不会打开它。',
  },
  launchMissingUrl: { en: 'The link gives no address to open.', zh: '链接中没有要打开的地址。' },
  proxyPendingTitle: { en: 'Access granted', zh: '可以访问' },
  proxyPendingBody: {
    en: 'You may use {title}. It is reached through the library proxy, which is not built yet in this version of Passway.',
    zh: '您可以使用 {title}。该数据库需通过图书馆代理访问，而当前版本的 Passway 尚未实现代理。',
  },
  deniedTitle: { en: 'No access to {title}', zh: '无法访问 {title}' },
  'denied_not-subscribed': { en: 'Your institution does not subscribe to this database.', zh: '您所在的机构没有订购这个数据库。' },
  'denied_affiliation-not-licensed': {
    en: 'The licence covers other kinds of users (for example faculty and students), not your account type.',
    zh: '该数据库的许可只面向特定身份的用户（例如教师和学生），不包括您的账号类型。',
  },
  'denied_not-yet-available': { en: 'Access starts on {date}.', zh: '访问将于 {date} 开通。' },
  'denied_licence-ended': { en: 'The licence ended on {date}.', zh: '许可已于 {date} 到期。' },
  'denied_seats-full': {
    en: 'All licensed seats are in use right now. Please try again in a few minutes.',
    zh: '该数据库的并发名额已全部占用，请几分钟后再试。',
  },
  denied_suspended: {
    en: 'Your access to this database is suspended because of unusual download activity. The library can lift it.',
    zh: '由于下载行为异常，您对该数据库的访问已被暂停，图书馆可以为您恢复。',
  },
  'denied_no-access-method': {
    en: 'This database only accepts your institution\'s federated (SAML) sign-in. Sign out and sign in with it to continue.',
    zh: '该数据库只接受本机构的联合认证（SAML）登录。请退出后使用联合认证重新登录。',
  },
  deniedAsk: { en: 'Questions about access? Contact {contact}.', zh: '对访问权限有疑问？请联系 {contact}。' },
  deniedDelivery: { en: 'You can still request this article through {service}.', zh: '您仍可以通过 {service} 申请获取这篇文章。' },
  deniedTryAgain: { en: 'Try again', zh: '重试' },
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
  dsTitle: { en: 'Choose your institution', zh: '选择您的学校或机构' },
  dsIntro: {
    en: 'Sign in with the account of your university or institute. Search by Chinese or English name, or by your e-mail domain.',
    zh: '请使用您所在高校或机构的账号登录。可按中文名、英文名或邮箱域名搜索。',
  },
  dsSearchLabel: { en: 'Institution name or e-mail domain', zh: '机构名称或邮箱域名' },
  dsSearchButton: { en: 'Search', zh: '搜索' },
  dsShowAll: { en: 'Show all institutions', zh: '显示全部机构' },
  dsContinueWith: { en: 'Continue with {name}', zh: '继续使用 {name}' },
  dsLastUsed: { en: 'You used this last time.', zh: '您上次使用的是这个机构。' },
  dsChooseAnother: { en: 'Or choose another institution', zh: '或选择其他机构' },
  dsInstitutions: { en: 'Institutions', zh: '机构列表' },
  dsNoMatch: {
    en: 'No institution matches “{q}”. Try the Chinese or English name, or the part of your e-mail address after @.',
    zh: '没有与“{q}”匹配的机构。请尝试中文名、英文名，或邮箱地址中 @ 之后的部分。',
  },
  dsNoLogins: { en: 'No campus sign-in is configured yet.', zh: '尚未配置任何校园登录方式。' },
  dsUnknownIdp: {
    en: 'The institution you were sent with ({entityID}) is not set up in Passway. Please choose yours from the list.',
    zh: '链接中指定的机构（{entityID}）尚未在 Passway 中配置。请从列表中选择您的机构。',
  },
  dsUnknownLogin: {
    en: 'There is no campus sign-in called {login}. Please choose your institution from the list.',
    zh: '没有名为 {login} 的校园登录方式。请从列表中选择您的机构。',
  },
  dsKind_saml: { en: 'CARSI / Shibboleth campus sign-in', zh: 'CARSI / Shibboleth 联盟认证' },
  dsKind_cas: { en: 'Campus unified sign-in (CAS)', zh: '统一身份认证（CAS）' },
  dsKind_oidc: { en: 'Campus account (OpenID Connect)', zh: '校园账号（OpenID Connect）' },
  dsRefusedTitle: { en: 'Discovery request refused', zh: '无法处理机构选择请求' },
  dsBadReturn: {
    en: 'The address to return to ({url}) is not part of this gateway, so Passway will not send you there.',
    zh: '要返回的地址（{url}）不属于本网关，Passway 不会把您转到那里。',
  },
  dsMissingParam: { en: 'The discovery request is missing the parameter {param}.', zh: '机构选择请求缺少参数 {param}。' },
  dsBadPolicy: { en: 'The discovery policy {policy} is not supported.', zh: '不支持机构选择策略 {policy}。' },
  dsNotSetUpTitle: { en: 'Institution not set up', zh: '该机构尚未开通' },
  dsNotSetUpBody: {
    en: 'The institution you chose ({entityID}) is not set up in Passway, so you cannot sign in with it here. If you think it should be, ask the library.',
    zh: '您选择的机构（{entityID}）尚未在 Passway 中开通，因此无法在此登录。如您认为应当开通，请联系图书馆。',
  },
  dsNoneChosen: { en: 'No institution was chosen.', zh: '您尚未选择机构。' },
  dsChooseAgain: { en: 'Choose your institution again', zh: '重新选择机构' },
  // --- rewriting proxy (gateway/proxy) ---
  proxyUnknownHostTitle: { en: 'Unknown proxy address', zh: '未知的代理地址' },
  proxyUnknownHostBody: {
    en: 'The address {host} is not a library proxy address. Open the database from the library\'s list instead.',
    zh: '地址 {host} 不是图书馆代理地址。请从图书馆的数据库列表进入。',
  },
  proxyBadRequestTitle: { en: 'Request refused', zh: '请求被拒绝' },
  proxyBadRequestBody: { en: 'The library proxy only forwards ordinary requests for pages of a database.', zh: '图书馆代理只转发对数据库页面的普通请求。' },
  proxyPrivateTitle: { en: 'Address not allowed', zh: '不允许访问该地址' },
  proxyPrivateBody: {
    en: 'The database host {host} points to an internal network address, which the library proxy does not open.',
    zh: '数据库主机 {host} 指向内部网络地址，图书馆代理不会打开它。',
  },
  proxyUpstreamTitle: { en: 'The database is not answering', zh: '数据库没有响应' },
  proxyUpstreamBody: {
    en: '{host} did not answer the library proxy in time. Please try again in a minute (reference {id}).',
    zh: '{host} 没有及时响应图书馆代理。请稍后再试（编号 {id}）。',
  },
  proxyTooLargeTitle: { en: 'Upload too large', zh: '上传内容过大' },
  proxyTooLargeBody: { en: 'The library proxy forwards at most {limit} MB in one request.', zh: '图书馆代理每次请求最多转发 {limit} MB。' },
  proxyHandoffTitle: { en: 'Sign-in link expired', zh: '登录链接已失效' },
  proxyHandoffBody: { en: 'This sign-in link was already used or has expired.', zh: '此登录链接已被使用或已过期。' },
  proxyHandoffRetry: { en: 'Open the database again', zh: '重新打开数据库' },
  // --- end rewriting proxy ---
} satisfies Record<string, { en: string; zh: string }>;

export type MessageKey = keyof typeof messages;

export function t(lang: Lang, key: MessageKey, vars: Record<string, string> = {}): string {
  return messages[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}
