import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';

export type Lang = 'zh' | 'en';

/** The cookie that keeps a reader's choice from the language switch (GET /lang/:lang). */
export const LANG_COOKIE = 'passway_lang';

export const isLang = (value: unknown): value is Lang => value === 'zh' || value === 'en';

/** The reader's own choice (the language switch) first; else zh-CN when the browser prefers Chinese over English (by Accept-Language q-values), else en. */
export function negotiateLang(req: Pick<IncomingMessage, 'headers'>): Lang {
  const chosen = req.headers.cookie ? parseCookie(req.headers.cookie)[LANG_COOKIE] : undefined;
  if (isLang(chosen)) return chosen;
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
  signOutConfirmTitle: { en: 'Sign out?', zh: '退出登录？' },
  signOutConfirmBody: { en: 'Press the button to sign out of Passway on this browser.', zh: '点击下面的按钮，在此浏览器上退出 Passway。' },
  signOutRefused: {
    en: 'This sign-out request did not come from a Passway page, so you are still signed in. To sign out, press the button.',
    zh: '此退出请求并非来自 Passway 页面，您仍处于登录状态。如要退出，请点击下面的按钮。',
  },
  signOutNotSignedIn: { en: 'You are not signed in.', zh: '您尚未登录。' },
  signedOutTitle: { en: 'Signed out', zh: '已退出登录' },
  signedOutPassway: { en: 'You are signed out of Passway.', zh: '您已退出 Passway。' },
  signedOutCampusEnded: {
    en: 'Your campus sign-in at {campus} was ended too: the next sign-in asks for your password again.',
    zh: '您在{campus}的校园统一身份认证登录也已退出：下次登录需要重新输入密码。',
  },
  signedOutCampusNotEnded: {
    en: 'Your campus sign-in at {campus} could not be ended from here and may still be active: anyone using this browser could sign in again as you without a password.',
    zh: '无法从这里退出您在{campus}的校园统一身份认证登录，它可能仍然有效：使用此浏览器的任何人都可能无需密码即以您的身份再次登录。',
  },
  signedOutCampusLink: { en: 'Sign out at {campus}', zh: '前往{campus}退出登录' },
  signedOutCloseBrowser: { en: 'On a shared computer, also close every browser window.', zh: '在公用电脑上，请同时关闭所有浏览器窗口。' },
  signOutContinueTitle: { en: 'Signing out of your campus account', zh: '正在退出校园账号' },
  signOutContinueBody: { en: 'You are signed out of Passway; now signing you out at {campus} too. If nothing happens, press the button.', zh: '您已退出 Passway，正在同时退出{campus}的登录。如页面没有跳转，请点击下面的按钮。' },
  signOutContinue: { en: 'Continue', zh: '继续' },
  campusLogoutRefusedTitle: { en: 'Sign-out message refused', zh: '退出登录消息被拒绝' },
  campusLogoutRefusedBody: {
    en: 'A sign-out message from your campus could not be accepted (request {id}). If you meant to sign out, sign out here.',
    zh: '来自学校的退出登录消息无法被接受（请求编号 {id}）。如您要退出，请在此退出登录。',
  },
  databases: { en: 'Databases', zh: '数据库' },
  noDatabases: { en: 'No databases are configured yet.', zh: '尚未配置任何数据库。' },
  open: { en: 'Open', zh: '进入' },
  howWayfless: { en: 'Sign in with your campus account at the publisher', zh: '在出版商网站用校园账号登录' },
  howProxy: { en: 'Through the library proxy', zh: '通过图书馆代理访问' },
  howIdp: { en: 'Signed in by the library, under a pseudonym', zh: '由图书馆代为登录（使用匿名编号）' },
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
  demoCasBody: {
    en: 'Demo College signs its people in with CAS only (no SAML); Passway is its SAML IdP toward the Demo Science Database. Its accounts:',
    zh: '演示学院只用 CAS 统一身份认证（没有 SAML）；Passway 作为它的 SAML 身份提供者登录演示科学数据库。它的账号：',
  },
  username: { en: 'Username', zh: '用户名' },
  demoAdmin: { en: 'Library staff pages (usage reports, load):', zh: '图书馆员页面（使用统计、负载）：' },
  password: { en: 'Password', zh: '密码' },
  affiliation: { en: 'Affiliation', zh: '身份' },
  language: { en: '中文', zh: 'English' },
  wechatHint: {
    en: 'You are in WeChat, where campus sign-in and PDF downloads often fail. Tap ··· at the top right and choose "Open in Browser".',
    zh: '您正在微信中浏览，校园账号登录和 PDF 下载常会失败。请点击右上角「···」，选择「在浏览器打开」。',
  },
  linkCopy: { en: 'Copy', zh: '复制' },
  linkCopied: { en: 'Copied.', zh: '已复制。' },
  languageSwitch: { en: 'Language', zh: '语言' },
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
  portalCount: { en: { one: '{count} database', other: '{count} databases' }, zh: '共 {count} 个数据库' },
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
  deniedTitle: { en: 'No access to {title}', zh: '无法访问 {title}' },
  deniedReasonCode: { en: 'Reason code, for the library:', zh: '原因代码（供图书馆查询）：' },
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
  'denied_sign-in-required': {
    en: 'Sign in through your library to open this page.',
    zh: '请通过图书馆登录后再打开此页面。',
  },
  deniedAsk: { en: 'Questions about access? Contact {contact}.', zh: '对访问权限有疑问？请联系 {contact}。' },
  deniedDelivery: { en: 'You can still request this article through {service}.', zh: '您仍可以通过 {service} 申请获取这篇文章。' },
  deniedTryAgain: { en: 'Try again', zh: '重试' },
  'denied_mfa-required': {
    en: 'Needs two-step sign-in: your campus will ask for a second step when you open it.',
    zh: '需要两步验证登录：打开时学校会要求您完成第二步验证。',
  },
  portalNeedsMfa: { en: 'Needs two-step sign-in (you are asked for it when you open it)', zh: '需要两步验证登录（打开时会要求您完成）' },
  stepUpTitle: { en: '{title} needs two-step sign-in', zh: '{title} 需要两步验证登录' },
  stepUpWhy: {
    en: 'The licence for this database requires two-step sign-in (multi-factor authentication): your password and a second step, such as a code from an authenticator app or a text message.',
    zh: '该数据库的许可要求两步验证登录（多因素认证）：除密码外，还需要完成第二步验证，例如身份验证器应用或短信中的验证码。',
  },
  stepUpNotDelivered: {
    en: 'Your campus sign-in did not confirm a second step, so the database was not opened.',
    zh: '您的校园登录没有确认第二步验证，因此没有打开该数据库。',
  },
  stepUpNotDeliveredHelp: {
    en: 'Try again and complete the second step when your campus asks for it. If you have not set up two-step sign-in yet, set it up with your campus IT service first.',
    zh: '请重试，并在学校要求时完成第二步验证。如果您还没有开通两步验证，请先到学校信息化部门开通。',
  },
  stepUpCampusCannot: {
    en: 'Your campus sign-in ({login}) does not offer two-step sign-in to the library, so this database cannot be opened with it.',
    zh: '您的校园登录（{login}）目前不向图书馆提供两步验证，因此无法用它打开该数据库。',
  },
  stepUpCampusCannotHelp: {
    en: 'Ask the library for another way in (for example from the campus network), or ask your campus IT service to offer two-step sign-in.',
    zh: '请向图书馆咨询其他访问方式（例如在校园网内访问），或请学校信息化部门提供两步验证。',
  },
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
  loginReason_accountBlocked: {
    en: 'this account was signed out everywhere by the library or IT (for example after a report that its password was stolen); ask them to restore it',
    zh: '图书馆或信息中心已将此账号在所有设备上退出（例如接到密码被盗的报告后）；请联系他们恢复',
  },
  loginReason_expired: { en: 'the sign-in took too long or the clocks disagree', zh: '登录耗时过长或时钟不一致' },
  loginReason_unknownRequest: { en: 'this sign-in was already used or has expired', zh: '此次登录已被使用或已过期' },
  loginReason_notStartedHere: {
    en: 'this sign-in was not started in this browser; start again from the library page, in the same browser',
    zh: '此次登录不是在本浏览器中发起的；请在同一浏览器中从图书馆页面重新登录',
  },
  loginReason_weakAlgorithm: {
    en: 'your campus signed its answer with an outdated algorithm (SHA-1) that is no longer accepted',
    zh: '学校使用已淘汰的算法（SHA-1）签名其登录信息，已不再接受',
  },
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
  proxyWebSocketSignIn: {
    en: 'Sign in through the library first: open the database from the library\'s list, then reload this page.',
    zh: '请先通过图书馆登录：从图书馆的数据库列表打开该数据库，然后刷新本页。',
  },
  proxyWebSocketRoaming: {
    en: 'This database is used through the library\'s shared account, which does not allow live connections (WebSocket): reload the page to continue.',
    zh: '该数据库通过图书馆的共享账号使用，不支持实时连接（WebSocket）：请刷新页面继续。',
  },
  proxyWebSocketDenied: { en: 'Your library account may not use this database through the library proxy now.', zh: '您的图书馆账户目前无权通过图书馆代理使用该数据库。' },
  proxyCredentialLessTitle: { en: 'Sign in to open this', zh: '请登录后打开' },
  proxyCredentialLessBody: {
    en: 'This address was asked for without your library sign-in, and it is not a stylesheet or font the database may show without one.',
    zh: '此地址的请求未带图书馆登录信息，且它不是数据库无需登录即可提供的样式表或字体。',
  },
  proxyHandoffTitle: { en: 'Sign-in link expired', zh: '登录链接已失效' },
  proxyHandoffBody: { en: 'This sign-in link was already used or has expired.', zh: '此登录链接已被使用或已过期。' },
  proxyHandoffRetry: { en: 'Open the database again', zh: '重新打开数据库' },
  // --- end rewriting proxy ---
  // --- admin and usage reports (gateway/admin, gateway/usage/reports) ---
  adminTitle: { en: 'Library administration', zh: '图书馆管理' },
  adminRoleAdmin: { en: 'You are an administrator: you may read reports and act.', zh: '您是管理员：可以查看报表并执行管理操作。' },
  adminRoleLibrarian: { en: 'You are a librarian: you may read usage reports.', zh: '您是馆员：可以查看使用统计报表。' },
  adminForbiddenTitle: { en: 'Not allowed', zh: '无权访问' },
  adminForbiddenBody: {
    en: 'Your account does not have a library administration role. If you need one, ask the library\'s e-resources team.',
    zh: '您的账号没有图书馆管理权限。如需开通，请联系图书馆电子资源部。',
  },
  adminActForbiddenBody: { en: 'Librarians may read reports; only administrators may do this.', zh: '馆员可以查看报表；只有管理员可以执行此操作。' },
  adminSignedOutBody: { en: 'Your session has ended. Please sign in again.', zh: '您的会话已结束，请重新登录。' },
  adminCsrfBody: {
    en: 'This form was not sent from this session\'s admin page (missing or wrong security token), so nothing was done. Open the page again and retry.',
    zh: '此表单不是从本次会话的管理页面提交的（安全令牌缺失或错误），因此未执行任何操作。请重新打开页面再试。',
  },
  adminLoginTitle: { en: 'Administrator sign-in', zh: '管理员登录' },
  adminUsername: { en: 'User name', zh: '用户名' },
  adminPassword: { en: 'Password', zh: '密码' },
  adminSignIn: { en: 'Sign in', zh: '登录' },
  adminLoginFailed: { en: 'The user name or password is not right.', zh: '用户名或密码不正确。' },
  adminLoginThrottled: {
    en: { one: 'Too many failed sign-ins from this address. Please try again in {count} minute.', other: 'Too many failed sign-ins from this address. Please try again in {count} minutes.' },
    zh: '此地址登录失败次数过多，请 {count} 分钟后再试。',
  },
  loginStartsThrottledTitle: { en: 'Too many sign-ins started', zh: '登录请求过多' },
  loginStartsThrottledBody: {
    en: {
      one: 'Too many sign-ins were started from your network address in the last minute, so this one was not. Please try again in {count} second. If you are on a shared campus or mobile network and this keeps happening, tell the library.',
      other: 'Too many sign-ins were started from your network address in the last minute, so this one was not. Please try again in {count} seconds. If you are on a shared campus or mobile network and this keeps happening, tell the library.',
    },
    zh: '您所在的网络地址在过去一分钟内发起的登录过多，本次登录未能开始。请 {count} 秒后重试。如果您使用的是校园或移动网络的共享地址且经常遇到此提示，请联系图书馆。',
  },
  qrSheetTitle: { en: 'QR codes to print', zh: '打印二维码' },
  qrSheetIntro: {
    en: 'Choose the databases, then print this page (A4, six codes per sheet). Each code opens the database\'s permanent link; readers off campus are asked to sign in first.',
    zh: '选择数据库后打印本页（A4 纸，每页六个二维码）。扫码即打开数据库的永久链接，校外读者会先被要求登录。',
  },
  qrSheetChoose: { en: 'Databases on the sheet', zh: '要打印的数据库' },
  qrSheetShow: { en: 'Show the sheet', zh: '生成打印页' },
  qrSheetPoster: { en: 'Poster', zh: '海报' },
  qrSheetScan: { en: 'Scan to open', zh: '扫码访问' },
  qrSheetNone: { en: 'No databases are in the catalog yet.', zh: '目录中还没有数据库。' },
  adminUsageTitle: { en: 'Usage reports', zh: '使用统计' },
  usageFrom: { en: 'From', zh: '开始日期' },
  usageTo: { en: 'To', zh: '结束日期' },
  usageInstitution: { en: 'Institution', zh: '机构' },
  usageAffiliation: { en: 'Affiliation', zh: '身份' },
  usageResource: { en: 'Database', zh: '数据库' },
  usageAll: { en: 'All', zh: '全部' },
  usageShow: { en: 'Show', zh: '查询' },
  usageExports: { en: 'Download:', zh: '下载：' },
  usageTotals: { en: 'Totals, {from} to {to}', zh: '合计（{from} 至 {to}）' },
  usageLogins: { en: 'Campus sign-ins', zh: '校园账号登录' },
  usageLaunches: { en: 'Database launches', zh: '数据库访问次数' },
  usageUniqueUsers: { en: 'Unique users', zh: '独立用户数' },
  usageDenials: { en: 'Denials', zh: '拒绝访问' },
  usageBytes: { en: 'Data transferred', zh: '传输数据量' },
  usageOffCampus: { en: 'Off campus', zh: '校外' },
  usageOnCampus: { en: 'On campus', zh: '校内' },
  usagePerDay: { en: 'Launches per database per day', zh: '各数据库每日访问次数' },
  usagePerDayDesc: { en: 'Line chart of daily launches from {from} to {to} for the most used databases. Totals:', zh: '{from} 至 {to} 使用最多的数据库每日访问次数折线图。合计：' },
  usageTopResources: { en: 'Most used databases', zh: '使用最多的数据库' },
  usageDenialsByReason: { en: 'Denials by reason', zh: '拒绝访问原因' },
  usageCampusSplit: { en: 'Off campus and on campus', zh: '校外与校内访问' },
  usageByResource: { en: 'By database', zh: '按数据库' },
  usageNone: { en: 'No usage in this period.', zh: '该时段没有使用记录。' },
  counterBadTitle: { en: 'COUNTER report not available', zh: '无法生成 COUNTER 报表' },
  usageCounterReports: { en: 'COUNTER R5.1 reports for {month}:', zh: '{month} 的 COUNTER R5.1 报表：' },
  counterBadBody: {
    en: 'Ask for /admin/usage/counter/dr, dr_d1, dr_d2, pr or pr_p1 with month=YYYY-MM (a month that has begun), format=json or tsv and, for one institution, institution=<id>.',
    zh: '请使用 /admin/usage/counter/dr、dr_d1、dr_d2、pr 或 pr_p1，并提供 month=YYYY-MM（已开始的月份）与 format=json 或 tsv；单个机构的报表再加 institution=<机构 id>。',
  },
  adminCatalog: { en: 'Resource catalog', zh: '资源目录' },
  adminCatalogCount: { en: { one: '{count} database is in the catalog now.', other: '{count} databases are in the catalog now.' }, zh: '目录中现有 {count} 个数据库。' },
  adminCatalogReload: { en: 'Reload the catalog files', zh: '重新加载目录文件' },
  adminCatalogReloaded: { en: { one: 'Catalog reloaded: {count} database.', other: 'Catalog reloaded: {count} databases.' }, zh: '目录已重新加载：{count} 个数据库。' },
  adminCatalogKept: { en: 'The catalog files have problems, so the current catalog was kept:', zh: '目录文件有问题，因此保留了当前目录：' },
  // --- end admin and usage reports ---
  // --- load control (gateway/load) ---
  overloadTitle: { en: 'Very busy right now', zh: '当前访问人数过多' },
  overloadBody: {
    en: {
      one: 'Passway is very busy, so new sign-ins and database launches are paused for a moment. If you are already reading, carry on. Please try again in about {count} minute.',
      other: 'Passway is very busy, so new sign-ins and database launches are paused for a moment. If you are already reading, carry on. Please try again in about {count} minutes.',
    },
    zh: 'Passway 当前访问量过大，新的登录和数据库访问暂时暂停。已经在使用数据库的读者不受影响。请约 {count} 分钟后重试。',
  },
  overloadRetry: { en: 'Try again', zh: '重试' },
  suspendedTitle: { en: 'Access to {title} is suspended', zh: '{title} 的访问已暂停' },
  suspendedBody: {
    en: 'So many downloads came from your account in a short time that the library\'s licence limits were passed, so your access to this database is suspended until {until}. Other databases are not affected. If this is a mistake, contact the library: they can lift it.',
    zh: '您的账号在短时间内下载过多，超过了图书馆许可协议的限制，因此您对该数据库的访问已暂停至 {until}。其他数据库不受影响。如有误会，请联系图书馆，图书馆可以为您恢复。',
  },
  loadTitle: { en: 'Load and overload', zh: '负载与过载' },
  loadNow: { en: 'Now', zh: '当前' },
  loadNode: { en: 'Node', zh: '节点' },
  loadInFlight: { en: 'Requests in progress', zh: '处理中的请求' },
  loadLag: { en: 'Event-loop lag (ms)', zh: '事件循环延迟（毫秒）' },
  loadSessions: { en: 'Active sessions (all nodes)', zh: '活跃会话（所有节点）' },
  loadOverloaded: { en: 'Shedding new logins', zh: '是否暂停新登录' },
  loadOverloadedYes: { en: 'yes, since {since} ({shed} refused)', zh: '是，自 {since} 起（已拒绝 {shed} 次）' },
  loadOverloadedNo: { en: 'no', zh: '否' },
  loadResource: { en: 'Database', zh: '数据库' },
  loadActiveUsers: { en: 'Active users', zh: '活跃用户' },
  loadSeats: { en: 'Seats in use', zh: '已占用席位' },
  loadNoSeatLimit: { en: 'no seat limit', zh: '不限并发' },
  loadPeakToday: { en: 'Peak today', zh: '今日峰值' },
  loadPeaks: { en: 'Peaks on {day}, per node', zh: '{day} 各节点峰值' },
  loadHistory: { en: 'Overload and suspension history (14 days)', zh: '过载与暂停记录（14 天）' },
  loadHistoryNone: { en: 'Nothing in the last 14 days.', zh: '最近 14 天没有记录。' },
  historyOverload: {
    en: 'Overload on {node}: {shed} new logins or launches refused; up to {inFlight} requests in progress, lag up to {lag} ms; ended {until}',
    zh: '{node} 过载：拒绝新登录或访问 {shed} 次；处理中请求最多 {inFlight} 个，延迟最高 {lag} 毫秒；结束于 {until}',
  },
  historySuspension: { en: '{user} suspended from {resource} ({items} items, {bytes} bytes)', zh: '{user} 被暂停访问 {resource}（{items} 篇，{bytes} 字节）' },
  historyLifted: { en: 'Suspension of {user} from {resource} lifted', zh: '已恢复 {user} 对 {resource} 的访问' },
  suspensionsTitle: { en: 'Download suspensions', zh: '下载暂停' },
  unproxiedTitle: { en: 'Unproxied hosts', zh: '未代理的主机' },
  unproxiedIntro: {
    en: 'Hosts seen in vendor pages, scripts and styles that no resource claims (last {days} days). Readers\' browsers reach them directly, not through the gateway: add them to the resource\'s hosts if they belong to the vendor.',
    zh: '数据库页面、脚本和样式中出现、但没有任何资源认领的主机（最近 {days} 天）。读者的浏览器会直接访问它们而不经过网关：如果属于该供应商，请把它们加入该资源的 hosts。',
  },
  unproxiedNone: { en: 'None seen.', zh: '暂无。' },
  unproxiedHost: { en: 'Host', zh: '主机' },
  unproxiedSeen: { en: 'Responses it was seen in', zh: '出现次数' },
  suspensionsNone: { en: 'Nobody is suspended.', zh: '目前没有被暂停的用户。' },
  suspensionUser: { en: 'User (pseudonymous)', zh: '用户（匿名编号）' },
  suspensionCounts: { en: 'Downloads in the window', zh: '时间窗内下载量' },
  suspensionCountsValue: { en: '{items} items, {bytes} bytes', zh: '{items} 篇，{bytes} 字节' },
  suspensionUntil: { en: 'Until', zh: '暂停至' },
  suspensionLift: { en: 'Lift', zh: '恢复访问' },
  csrfRefusedTitle: { en: 'Form expired', zh: '表单已失效' },
  csrfRefusedBody: { en: 'This form has expired or did not come from Passway. Open the page again and retry.', zh: '此表单已失效或并非来自 Passway。请重新打开页面后重试。' },
  // --- end load control ---
  // --- federation metadata status (/admin/federations) ---
  fedTitle: { en: 'Federation metadata', zh: '联盟元数据' },
  fedIntro: {
    en: 'Where each federation\'s IdPs come from and whether that metadata is fresh: its signature is checked against the pinned certificate at every fetch, and a refused or failed fetch keeps the last good copy. An alert appears when metadata expires within a day.',
    zh: '各联盟的 IdP 元数据来源及其是否新鲜：每次获取都会用固定的证书验证签名，获取被拒绝或失败时继续使用上一份有效副本。元数据将在一天内过期时会显示警告。',
  },
  fedNone: { en: 'No federation is configured (config: federations).', zh: '尚未配置联盟（配置项 federations）。' },
  fedSourceAggregate: { en: 'Signed aggregate', zh: '签名聚合元数据' },
  fedSourceMdq: { en: 'MDQ service (one IdP per query)', zh: 'MDQ 查询服务（按需逐个查询 IdP）' },
  fedSource: { en: 'Source', zh: '来源' },
  fedAlertSourceAggregate: { en: 'signed aggregate', zh: '签名聚合元数据' },
  fedAlertSourceMdq: { en: 'MDQ answers', zh: 'MDQ 查询结果' },
  fedLastFetch: { en: 'Last fetch', zh: '最近获取' },
  fedLastGood: { en: 'Last good', zh: '最近成功' },
  fedFromCache: { en: '(from the copy on disk)', zh: '（来自磁盘副本）' },
  fedSignature: { en: 'Signature check', zh: '签名验证' },
  fedSignatureVerified: { en: 'verified', zh: '通过' },
  fedSignatureRefused: { en: 'refused', zh: '未通过（已拒绝）' },
  fedValidUntil: { en: 'Valid until', zh: '有效期至' },
  fedIdps: { en: 'IdPs', zh: 'IdP 数量' },
  fedIdpsMdq: { en: '{count} answers cached', zh: '已缓存 {count} 个' },
  fedNextRefresh: { en: 'Next refresh', zh: '下次刷新' },
  fedLastError: { en: 'Last error', zh: '最近错误' },
  fedErrorAt: { en: '{when}: {reason}', zh: '{when}：{reason}' },
  fedFailures: { en: 'Refused or failed fetches', zh: '被拒绝或失败的获取' },
  fedFailuresValue: { en: '{count} since start', zh: '启动以来 {count} 次' },
  fedAnswers: { en: 'Cached answers ({count})', zh: '已缓存的查询结果（{count} 个）' },
  fedAnswerEntity: { en: 'IdP (entityID)', zh: 'IdP（entityID）' },
  fedNever: { en: 'not yet', zh: '尚无' },
  fedNoError: { en: 'none', zh: '无' },
  fedAlertExpiring: {
    en: 'The {source} of {federation} expires at {until}, within a day. Check that the federation still publishes newer metadata and that Passway can fetch it.',
    zh: '{federation} 的{source}将于 {until} 过期（不足一天）。请检查联盟是否仍在发布新的元数据，以及 Passway 能否获取。',
  },
  fedAlertExpired: {
    en: 'The {source} of {federation} expired at {until}: sign-ins that need it fail until a newer verified copy is fetched.',
    zh: '{federation} 的{source}已于 {until} 过期：在获取到新的有效副本之前，依赖它的登录都会失败。',
  },
  fedAlertUnavailable: {
    en: 'No verified {source} of {federation} is loaded ({reason}): sign-ins that need it fail until one is.',
    zh: '{federation} 的{source}尚无有效副本（{reason}）：在加载成功之前，依赖它的登录都会失败。',
  },
  // --- end federation metadata status ---
  // --- security rules (issue 18, gateway/rules) ---
  securityTitle: { en: 'Security rules', zh: '安全规则' },
  securityIntro: {
    en: 'Rules count what each person does across every gateway node (networks, countries, downloads, bytes…). A tripped rule is listed here; suspensions and sign-out-everywhere blocks can be lifted, exemptions granted. Every action is audited.',
    zh: '规则在所有网关节点上统计每个人的行为（网络、国家、下载量、流量等）。触发的规则列在这里；可以解除暂停和“全部退出”封锁，也可以设置豁免。所有操作均记入审计日志。',
  },
  securityRules: { en: 'Rules in force', zh: '生效的规则' },
  securityRule: { en: 'Rule', zh: '规则' },
  securityCriterion: { en: 'Counts', zh: '统计' },
  securityOver: { en: 'More than', zh: '超过' },
  securityWindow: { en: 'Window (minutes)', zh: '时间窗（分钟）' },
  securityAction: { en: 'Action', zh: '处理' },
  securityTrips: { en: 'Tripped rules (14 days)', zh: '已触发的规则（14 天）' },
  securityTripsNone: { en: 'No rule has tripped.', zh: '尚无规则被触发。' },
  securityWhen: { en: 'When', zh: '时间' },
  securityValue: { en: 'Count', zh: '计数' },
  securityOutcome: { en: 'Done', zh: '结果' },
  securityEvidence: { en: 'Evidence', zh: '证据' },
  securitySuspensions: { en: 'Suspended by a rule', zh: '被规则暂停的用户' },
  securityAllResources: { en: 'all resources', zh: '全部资源' },
  securityBlocks: { en: 'Signed out everywhere', zh: '已全部退出的账号' },
  securityBlocksNone: { en: 'No account is blocked.', zh: '没有被封锁的账号。' },
  securityUnblock: { en: 'Allow sign-in again', zh: '允许重新登录' },
  securityExemptions: { en: 'Exemptions', zh: '豁免' },
  securityExemptionsNone: { en: 'No exemptions.', zh: '没有豁免。' },
  securityReason: { en: 'Reason', zh: '原因' },
  securityRemove: { en: 'Remove', zh: '移除' },
  securityAccount: { en: 'Account (institution:user name, or the pseudonymous id)', zh: '账号（机构:用户名，或匿名编号）' },
  securitySignOutTitle: { en: 'Sign out everywhere', zh: '在所有设备上退出' },
  securitySignOutHelp: {
    en: 'Ends every session of the account on every node and refuses new sign-ins until you allow them again: the first step when a campus account is reported stolen.',
    zh: '结束该账号在所有节点上的全部会话，并拒绝新的登录，直到您重新允许：接到校园账号被盗报告时的第一步。',
  },
  securitySignOutButton: { en: 'Sign out everywhere', zh: '全部退出' },
  securitySignedOut: { en: '{sessions} sessions ended; sign-ins refused until allowed again.', zh: '已结束 {sessions} 个会话；在重新允许之前拒绝登录。' },
  securityExemptTitle: { en: 'Exempt an account', zh: '豁免账号' },
  securityExemptDays: { en: 'For days', zh: '天数' },
  securityExemptButton: { en: 'Exempt', zh: '豁免' },
  securityUnknownAccount: { en: 'Write the account as institution:user name (e.g. uni:alice), or paste the pseudonymous id.', zh: '请写成 机构:用户名（例如 uni:alice），或粘贴匿名编号。' },
  securityRuleSuspendedBody: { en: 'A security rule suspended your access until {until}. If you think this is wrong, contact the library.', zh: '安全规则已暂停您的访问，至 {until}。如有疑问，请联系图书馆。' },
  securityDemoTitle: { en: 'Demo: a stolen account', zh: '演示：被盗账号' },
  securityDemoHelp: {
    en: 'Signs a made-up account in from six networks in China, Japan and the USA within a minute, through the real rules and store: the networks and countries rules trip below.',
    zh: '让一个虚构账号在一分钟内从中国、日本和美国的六个网络登录，经过真实的规则和存储：下面会出现“网络”和“国家”规则被触发。',
  },
  securityDemoButton: { en: 'Simulate a stolen account', zh: '模拟被盗账号' },
  securityFromConfig: { en: 'in the configuration', zh: '配置文件中' },
  securitySuspendFor: { en: '{scope}, {minutes} min', zh: '{scope}，{minutes} 分钟' },
  securityOutcomeSuspended: { en: 'suspended from {resource}', zh: '已暂停访问{resource}' },
  securityOutcomeSessionsEnded: { en: { one: '{count} session ended', other: '{count} sessions ended' }, zh: '已结束 {count} 个会话' },
  // --- end security rules ---
  // --- roaming accounts (gateway/proxy/roaming) ---
  roamingFailedTitle: { en: 'Could not sign you in at {vendor}', zh: '未能为您登录{vendor}' },
  roamingFailedBody: {
    en: 'The library signs readers in at {vendor} with its own account, and that sign-in did not work just now. The library\'s IT staff have been told. Please try again later, or ask the library for help.',
    zh: '图书馆使用自己的账号为读者登录{vendor}，但刚才的登录没有成功。图书馆技术人员已收到通知。请稍后再试，或联系图书馆。',
  },
  roamingEchoTitle: { en: 'This page is not shown', zh: '此页面不予显示' },
  roamingEchoBody: {
    en: 'This page of {vendor} shows details of the library\'s shared account, so the library does not show it. Go back and carry on reading.',
    zh: '{vendor}的这个页面显示了图书馆共享账号的信息，因此图书馆不予显示。请返回继续阅读。',
  },
  roamingBlockedTitle: { en: 'Account pages are not available', zh: '账号页面不可用' },
  roamingBlockedBody: {
    en: 'You read {vendor} with an account the library shares: its account, password and sign-out pages are not available through the library.',
    zh: '您通过图书馆共享的账号使用{vendor}：该账号的账号设置、密码和退出页面无法通过图书馆访问。',
  },
  roamingCapTitle: { en: 'Too many sign-ins today', zh: '今日登录次数已达上限' },
  roamingCapBody: {
    en: 'You have used today\'s sign-ins at {vendor} with the library\'s account. Please try again tomorrow, or ask the library.',
    zh: '您今天通过图书馆账号登录{vendor}的次数已用完。请明天再试，或联系图书馆。',
  },
  roamingAdminTitle: { en: 'Vendor sign-ins (roaming accounts)', zh: '数据库账号登录（漫游账号）' },
  roamingAdminIntro: {
    en: 'Databases the gateway signs readers in to with a library account. A failed sign-in is listed with its reason; the account itself is never shown.',
    zh: '网关使用图书馆账号为读者登录的数据库。登录失败时列出原因；账号本身从不显示。',
  },
  roamingAdminResource: { en: 'Database', zh: '数据库' },
  roamingAdminMode: { en: 'Mode', zh: '方式' },
  roamingAdminLast: { en: 'Last sign-in', zh: '最近登录' },
  roamingAdminFailure: { en: 'Last failure', zh: '最近失败' },
  roamingAdminFailures: { en: 'Failures since the last success', zh: '上次成功后的失败次数' },
  roamingAdminPooled: { en: 'pooled (readers share the account\'s session)', zh: '共享（读者共用账号会话）' },
  roamingAdminPerReader: { en: 'per reader (each reader signed in separately)', zh: '每位读者（分别登录）' },
  roamingAdminOk: { en: 'succeeded', zh: '成功' },
  roamingAdminFailed: { en: 'failed', zh: '失败' },
  roamingAdminNever: { en: 'none yet', zh: '暂无' },
  roamingAdminNone: { en: 'No database uses a roaming account.', zh: '没有数据库使用漫游账号。' },
  // --- end roaming accounts ---
  // --- Passway as IdP toward vendors (gateway/saml-idp) ---
  idpErrorTitle: { en: 'The database\'s sign-in request was refused', zh: '数据库的登录请求被拒绝' },
  idpErrorBody: {
    en: 'Passway did not sign you in to {vendor}: {why}. Go back to the database and start again; if it happens again, give the library the reason code.',
    zh: 'Passway 没有为您登录 {vendor}：{why}。请回到数据库重新开始；如果再次出现，请把原因代码告诉图书馆。',
  },
  idpErrorUnknownVendor: { en: 'an unknown service', zh: '未知的服务' },
  idpWhy_unknownInstitution: { en: 'this library has no such institution', zh: '本馆没有这个机构' },
  idpWhy_malformed: { en: 'the request could not be read', zh: '请求无法读取' },
  idpWhy_spUnknown: { en: 'the service is not one of the library\'s databases', zh: '该服务不是图书馆的数据库' },
  idpWhy_refused: { en: 'the request did not pass the checks', zh: '请求没有通过检查' },
  idpWhy_expired: { en: 'the request is too old, or was already used', zh: '请求已过期或已被使用' },
  idpWhy_unavailable: { en: 'the database\'s registration could not be read just now', zh: '暂时无法读取该数据库的注册信息' },
  idpOtherInstitutionTitle: { en: 'Signed in with another institution', zh: '已用其他机构的账号登录' },
  idpOtherInstitutionBody: {
    en: 'You are signed in as a member of {signedIn}, but {vendor} asked to sign you in through {wanted}. Sign out, then open the database again.',
    zh: '您当前以 {signedIn} 成员身份登录，但 {vendor} 要求通过 {wanted} 登录。请先退出，再重新打开数据库。',
  },
  idpPostTitle: { en: 'Continuing to {vendor}', zh: '正在前往 {vendor}' },
  idpPostBody: { en: 'Passway is signing you in to {vendor} for your library.', zh: 'Passway 正在代表图书馆为您登录 {vendor}。' },
  idpPostButton: { en: 'Continue', zh: '继续' },
} satisfies Record<string, { en: string | Plural; zh: string }>;

/** English forms by count (CLDR: "one" and "other"); Chinese has one form. The count is the `count` variable. */
interface Plural {
  one: string;
  other: string;
}
const englishPlural = new Intl.PluralRules('en');

export type MessageKey = keyof typeof messages;

export function t(lang: Lang, key: MessageKey, vars: Record<string, string> = {}): string {
  const message: string | Plural = messages[key][lang];
  const text = typeof message === 'string' ? message : message[englishPlural.select(Number(vars.count)) === 'one' ? 'one' : 'other'];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}
