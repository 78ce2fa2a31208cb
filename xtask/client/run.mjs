// Drives the published CKEditor 5 `Token` client (bundled into dist/token-client.js by
// `npm run bundle`) in headless Chromium against running token endpoints, and prints what the
// client did as JSON on stdout, with one line per scenario and a closing count on stderr.
//
// Who serves what: this script starts no server. The caller (`cargo xtask client`) starts the
// example apps and also serves the two test page origins, `pages.allowed` and
// `pages.disallowed`: plain HTML pages on 127.0.0.1, on ports other than any app's, so a page
// there talking to an app is a real cross-origin request. The caller binds those two listeners
// before it starts the apps, so it can list the allowed origin in each app's CORS
// configuration. Every URL this script visits comes from its input; any request the browser
// makes to another host is reported as a failure.
//
// Input: a JSON object, given as the first argument (inline, or the path of a file) or on
// standard input:
//
//   {
//     "pages": { "allowed": "http://127.0.0.1:P1", "disallowed": "http://127.0.0.1:P2" },
//     "paths": { "login": "/login", "token": "/token" },          (optional, these defaults)
//     "targets": [{
//       "adapter": "axum",
//       "app": "http://127.0.0.1:A",        an app with a fixed clock: every token is the same
//       "user": "alice",                    user id posted to the login route
//       "expectedToken": "eyJ...",          the token that app issues to that user
//       "refresh": {                        an app with a short lifetime and the real clock
//         "app": "http://127.0.0.1:B",
//         "lifetimeSeconds": 4,
//         "windowMs": 7000,
//         "users": [{ "user": "alice" }, { "user": "zoe", "atobHazard": true }]
//       }
//     }]
//   }
//
// `atobHazard` marks a user whose payload, written as compact JSON, would put `-` or `_` in the
// base64url segment; the run then also checks that this is really so, and that the served
// payload nevertheless decodes with `atob()`.
//
// Output: { chromium, client, results: [{ adapter, scenario, pass, problems, observed }],
// foreignRequests, passed, failed }. Exit status 0 when every scenario passed, 1 when one
// failed, 2 when the run itself could not be carried out.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const BUNDLE = join(here, 'dist', 'token-client.js');
const CLIENT_PACKAGE = '@ckeditor/ckeditor5-cloud-services';
const CHROMIUM = '/usr/bin/chromium';

// Chromium for a closed network: nothing but the pages and apps named in the input.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-pings',
  // Every host name but 127.0.0.1 resolves to nothing.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

// How late a refresh may fire after the moment the client's schedule names, and how early.
const REFRESH_LATE_MS = 400;
const REFRESH_EARLY_MS = 50;

const CKEDITOR_ERROR = 'CKEditorError';
const CANNOT_DOWNLOAD = 'token-cannot-download-new-token';
const NETWORK_ERROR = 'Network Error';
// The header value sent by the scenario that forces a preflight. The apps authenticate by
// session cookie; the header only makes the request non-simple.
const AUTHORIZATION = 'Bearer ckeditor-token-harness';

async function main() {
  const input = parseInput(await readInput());
  const bundle = readFileSync(BUNDLE, 'utf8');
  const clientVersion = JSON.parse(
    readFileSync(join(here, 'node_modules', CLIENT_PACKAGE, 'package.json'), 'utf8'),
  ).version;

  const profile = mkdtempSync(join(tmpdir(), 'ckeditor-token-chromium-'));
  const foreignRequests = [];
  const results = [];
  let context;
  let browserVersion = null;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: input.chromium ?? CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    browserVersion = context.browser()?.version() ?? null;
    const allowedHosts = new Set(['127.0.0.1']);
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol !== 'about:' && url.protocol !== 'data:' && !allowedHosts.has(url.hostname)) {
        foreignRequests.push(request.url());
      }
    });

    const run = { input, bundle, context };
    for (const target of input.targets) {
      for await (const result of runTarget(run, target)) {
        results.push(result);
        report(result);
      }
    }
  } finally {
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }

  const failed = results.filter((r) => !r.pass).length + (foreignRequests.length ? 1 : 0);
  if (foreignRequests.length) {
    process.stderr.write(`FAIL requests to hosts outside the run: ${foreignRequests.join(', ')}\n`);
  }
  const passed = results.filter((r) => r.pass).length;
  const output = {
    chromium: browserVersion,
    client: `${CLIENT_PACKAGE}@${clientVersion}`,
    results,
    foreignRequests,
    passed,
    failed,
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  process.stderr.write(`run.mjs: ${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

async function readInput() {
  const arg = process.argv[2];
  if (arg === undefined || arg === '-') {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  return arg.trimStart().startsWith('{') ? arg : readFileSync(arg, 'utf8');
}

function parseInput(text) {
  const input = JSON.parse(text);
  const need = (value, what) => {
    if (typeof value !== 'string' || !value.startsWith('http://127.0.0.1:')) {
      throw new Error(`input: ${what} must be an http://127.0.0.1:PORT URL, got ${value}`);
    }
    return value.replace(/\/+$/, '');
  };
  input.pages = {
    allowed: need(input.pages?.allowed, 'pages.allowed'),
    disallowed: need(input.pages?.disallowed, 'pages.disallowed'),
  };
  input.paths = { login: '/login', token: '/token', ...input.paths };
  if (!Array.isArray(input.targets) || input.targets.length === 0) {
    throw new Error('input: targets must be a non-empty array');
  }
  for (const target of input.targets) {
    target.app = need(target.app, `${target.adapter}.app`);
    if (target.refresh) target.refresh.app = need(target.refresh.app, `${target.adapter}.refresh.app`);
  }
  return input;
}

function report(result) {
  const head = `${result.pass ? 'PASS' : 'FAIL'} ${result.adapter} ${result.scenario}`;
  const tail = result.pass ? '' : `: ${result.problems.join('; ')}`;
  process.stderr.write(`${head}${tail}\n`);
}

/// Every scenario for one adapter, each result as soon as it is known.
async function* runTarget(run, target) {
  const { input } = run;
  const tokenUrl = `${target.app}${input.paths.token}`;
  await run.context.clearCookies();
  const page = await run.context.newPage();
  const console = collectConsole(page);
  const result = (scenario, problems, observed) => ({
    adapter: target.adapter,
    scenario,
    pass: problems.length === 0,
    problems,
    observed: { ...observed, console: console.take() },
  });

  try {
    await openPage(run, page, target.app);
    const login = await logIn(page, input.paths.login, target.user);
    const same = await initToken(page, { url: input.paths.token });
    yield result('same-origin', [...login.problems, ...expectValue(same, target)], same);

    await openPage(run, page, input.pages.allowed);
    const plain = await initToken(page, { url: tokenUrl });
    yield result('cross-origin-default', expectError(plain, CKEDITOR_ERROR, CANNOT_DOWNLOAD), plain);

    await openPage(run, page, input.pages.disallowed);
    const plainOther = await initToken(page, { url: tokenUrl });
    yield result(
      'cross-origin-default-disallowed',
      expectError(plainOther, 'Error', NETWORK_ERROR),
      plainOther,
    );

    await openPage(run, page, input.pages.allowed);
    const credentialed = await initToken(page, { url: tokenUrl, credentials: true });
    yield result('credentials-allowed', expectValue(credentialed, target), credentialed);

    await openPage(run, page, input.pages.disallowed);
    const credentialedOther = await initToken(page, { url: tokenUrl, credentials: true });
    yield result(
      'credentials-disallowed',
      expectError(credentialedOther, 'Error', NETWORK_ERROR),
      credentialedOther,
    );

    await openPage(run, page, input.pages.allowed);
    const preflights = await watchPreflights(run.context, page);
    const authorized = await initToken(page, {
      url: tokenUrl,
      credentials: true,
      headers: { Authorization: AUTHORIZATION },
    });
    authorized.preflights = preflights.take().filter((url) => url === tokenUrl).length;
    const authorizedProblems = expectValue(authorized, target);
    if (authorized.preflights === 0) {
      authorizedProblems.push(`the browser sent no preflight to ${tokenUrl}`);
    }
    yield result('authorization-header', authorizedProblems, authorized);
  } finally {
    await page.close();
  }

  if (target.refresh) {
    for (const user of target.refresh.users) {
      yield await refreshScenario(run, target, user);
    }
  }
}

/// Loads `origin`'s root page and the client bundle into it.
async function openPage(run, page, origin) {
  const response = await page.goto(`${origin}/`);
  if (!response || !response.ok()) {
    throw new Error(`GET ${origin}/ answered ${response?.status()}`);
  }
  await page.addScriptTag({ content: run.bundle });
}

/// Logs in from the page, the way the app's own login form would: a same-origin form POST.
async function logIn(page, path, user) {
  const status = await page.evaluate(
    async ({ path, user }) => {
      const response = await fetch(path, {
        method: 'POST',
        body: new URLSearchParams({ user }),
        redirect: 'manual',
      });
      return response.type === 'opaqueredirect' ? 303 : response.status;
    },
    { path, user },
  );
  const ok = (status >= 200 && status < 300) || (status >= 300 && status < 400);
  return { status, problems: ok ? [] : [`POST ${path} as ${user} answered ${status}`] };
}

/// Creates the client's `Token` in the page and awaits its `init()`.
///
/// With only `url`, the client's own default download is used (a plain XHR `GET`). With
/// `credentials` or `headers`, the page passes a function `tokenUrl` that sends the request
/// itself, as an integrator does for a cross-origin endpoint behind a session cookie.
async function initToken(page, { url, credentials = false, headers = null }) {
  return page.evaluate(
    async ({ url, credentials, headers }) => {
      const Token = window.CKEditorCloudServicesToken;
      const download = () =>
        new Promise((resolve, reject) => {
          const xhr = new XMLHttpRequest();
          xhr.open('GET', url);
          xhr.withCredentials = credentials;
          for (const [name, value] of Object.entries(headers ?? {})) {
            xhr.setRequestHeader(name, value);
          }
          xhr.addEventListener('load', () => {
            if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
            else reject(new Error(`status ${xhr.status}`));
          });
          xhr.addEventListener('error', () => reject(new Error('Network Error')));
          xhr.send();
        });
      const custom = credentials || headers;
      try {
        const token = await new Token(custom ? download : url, { autoRefresh: false }).init();
        return { value: token.value };
      } catch (error) {
        return { error: { name: error?.name ?? null, message: String(error?.message ?? error) } };
      }
    },
    { url, credentials, headers },
  );
}

function expectValue(outcome, target) {
  if (outcome.error) {
    return [`the client failed: ${outcome.error.name}: ${outcome.error.message}`];
  }
  if (typeof outcome.value !== 'string' || outcome.value.split('.').length !== 3) {
    return [`the client's value is not a JWT: ${JSON.stringify(outcome.value)}`];
  }
  if (target.expectedToken !== undefined && outcome.value !== target.expectedToken) {
    return [`the client's token differs from the expected one: ${outcome.value}`];
  }
  return [];
}

/// The client failed with an error named `name` whose message's first word is `code`.
function expectError(outcome, name, code) {
  if (!outcome.error) return [`the client accepted a token where it must fail with ${code}`];
  const { name: actualName, message } = outcome.error;
  const actualCode = message.split(/\s/)[0];
  const wanted = code.includes(' ') ? message === code : actualCode === code;
  if (actualName !== name || !wanted) {
    return [`expected ${name} ${code}, got ${actualName}: ${message}`];
  }
  return [];
}

/// Records the URLs of CORS preflights the page sends, through the DevTools protocol (the
/// browser reports preflights there as requests of type `Preflight`).
async function watchPreflights(context, page) {
  const session = await context.newCDPSession(page);
  await session.send('Network.enable');
  const seen = [];
  session.on('Network.requestWillBeSent', (event) => {
    if (event.request.method === 'OPTIONS') seen.push(event.request.url);
  });
  return {
    take: () => {
      session.detach().catch(() => {});
      return seen.splice(0);
    },
  };
}

function collectConsole(page) {
  const lines = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      lines.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => lines.push(`pageerror: ${error.message}`));
  return { take: () => lines.splice(0) };
}

/// Refresh: the client with its defaults (auto refresh, plain XHR to a same-origin URL) runs
/// for a time window; every request it makes is recorded in the page and compared with the
/// schedule the client must derive from each token's `exp`.
async function refreshScenario(run, target, { user, atobHazard = false }) {
  const { app, lifetimeSeconds, windowMs } = target.refresh;
  const scenario = `refresh ${user}${atobHazard ? ' (atob hazard)' : ''}`;
  await run.context.clearCookies();
  const page = await run.context.newPage();
  const console = collectConsole(page);
  try {
    await openPage(run, page, app);
    const login = await logIn(page, run.input.paths.login, user);
    const observed = await page.evaluate(
      async ({ path, windowMs }) => {
        // Records every XHR the client opens; `loadend` fires after the client's own `load`
        // handler has stored the token and set its refresh timer.
        const requests = [];
        const Native = window.XMLHttpRequest;
        window.XMLHttpRequest = class extends Native {
          open(method, url, ...rest) {
            const entry = { method, url: String(url), start: Date.now() };
            requests.push(entry);
            this.addEventListener('loadend', () => {
              entry.end = Date.now();
              entry.status = this.status;
              entry.body = typeof this.response === 'string' ? this.response : null;
            });
            return super.open(method, url, ...rest);
          }
        };
        const token = new window.CKEditorCloudServicesToken(path);
        let error = null;
        try {
          await token.init();
        } catch (e) {
          error = `${e?.name}: ${e?.message}`;
        }
        const windowStart = requests[0]?.start ?? Date.now();
        await new Promise((resolve) => setTimeout(resolve, windowStart + windowMs - Date.now()));
        token.destroy();
        // A request the client opened just before the window closed may still be running.
        for (let waited = 0; requests.some((r) => r.end === undefined) && waited < 2000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return { error, windowStart, windowEnd: windowStart + windowMs, requests };
      },
      { path: run.input.paths.token, windowMs },
    );
    const decoded = await page.evaluate(decodePayloads, observed.requests.map((r) => r.body));
    observed.requests.forEach((request, i) => Object.assign(request, decoded[i]));
    const problems = [
      ...login.problems,
      ...checkSchedule(observed, lifetimeSeconds, atobHazard),
    ];
    return {
      adapter: target.adapter,
      scenario,
      pass: problems.length === 0,
      problems,
      observed: { ...observed, console: console.take() },
    };
  } finally {
    await page.close();
  }
}

/// For each token body, in the page: whether its payload segment decodes with the browser's
/// `atob()` (as the client decodes it), the `exp` found there, and whether the compact JSON of
/// the same claims would have needed `-` or `_` in base64url.
function decodePayloads(bodies) {
  return bodies.map((body) => {
    if (typeof body !== 'string' || body.split('.').length !== 3) return { atob: null };
    const segment = body.split('.')[1];
    let binary;
    try {
      binary = atob(segment);
    } catch (error) {
      return { atob: `throws ${error.name}` };
    }
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    const compact = new TextEncoder().encode(JSON.stringify(claims));
    const standard = btoa(String.fromCharCode(...compact));
    return { atob: 'ok', exp: claims.exp, compactNeedsUrlChars: /[+/]/.test(standard) };
  });
}

/// Compares the recorded requests with the schedule the client derives from `exp`: after each
/// token arrives, the next request comes `floor((exp * 1000 - now) / 2)` ms later by the
/// client's clock, so the number of requests in the window follows from the tokens' `exp`.
function checkSchedule(observed, lifetimeSeconds, atobHazard) {
  const problems = [];
  const { requests, windowStart, windowEnd } = observed;
  const inWindow = (t) => t <= windowEnd;
  const counted = requests.filter((r) => inWindow(r.start)).length;
  if (observed.error) problems.push(`init() failed: ${observed.error}`);
  const hazardShown = (r) => r.compactNeedsUrlChars || r.atob?.startsWith('throws');
  if (atobHazard && !requests.some(hazardShown)) {
    problems.push('the user is meant to be an atob hazard, but compact JSON would be safe too');
  }

  // Independently of the tokens: a lifetime of L seconds with `iat` floored leaves between
  // L - 1 and L seconds when a token arrives, so each refresh comes after half of that, and the
  // window holds at least this many requests.
  if (lifetimeSeconds !== undefined) {
    const longest = (lifetimeSeconds * 1000) / 2 + REFRESH_LATE_MS;
    const shortest = ((lifetimeSeconds - 1) * 1000) / 2 - REFRESH_EARLY_MS;
    const minimum = 1 + Math.floor((windowEnd - windowStart) / longest);
    if (counted < minimum) {
      problems.push(
        `${counted} requests in the window, a ${lifetimeSeconds} s lifetime needs at least ${minimum}`,
      );
    }
    for (let i = 0; i + 1 < requests.length; i += 1) {
      const gap = requests[i + 1].start - requests[i].end;
      if (gap < shortest || gap > longest) {
        problems.push(`refresh ${i + 1} came ${gap} ms after the previous token, not in [${shortest}, ${longest}]`);
      }
    }
  }

  const unreadable = requests.filter(
    (r) => r.status !== 200 || r.atob !== 'ok' || !Number.isInteger(r.exp),
  );
  for (const r of unreadable) {
    problems.push(`request at ${r.start}: status ${r.status}, atob ${r.atob}, exp ${r.exp}`);
  }
  if (unreadable.length) return problems;

  // The client's own schedule, derived from each token's exp and the time it arrived.
  const due = requests.map((r) => r.end + Math.floor((r.exp * 1000 - r.end) / 2));
  for (let i = 0; i + 1 < requests.length; i += 1) {
    const early = due[i] - requests[i + 1].start;
    const late = requests[i + 1].start - due[i];
    if (early > REFRESH_EARLY_MS || late > REFRESH_LATE_MS) {
      problems.push(`request ${i + 1} came at ${requests[i + 1].start}, the schedule says ${due[i]}`);
    }
  }
  const dueInWindow = due.filter(inWindow).length;
  const nearEnd = due.filter((t) => Math.abs(t - windowEnd) <= REFRESH_LATE_MS).length;
  if (counted < 1 + dueInWindow - nearEnd || counted > 1 + dueInWindow + nearEnd) {
    problems.push(`${counted} requests in the window, the schedule from exp says ${1 + dueInWindow}`);
  }
  observed.schedule = { due, counted, dueInWindow };
  return problems;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`client: the run could not be carried out: ${error?.stack ?? error}\n`);
    process.exit(2);
  },
);
