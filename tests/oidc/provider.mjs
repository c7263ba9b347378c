// A stand-in for ID-porten and Ansattporten in tests: a real OpenID Connect provider (panva's
// oidc-provider 9.x) with its own login page, where the tester types the person and chooses the
// security level, and, when the client asked for representation (Rich Authorization Requests,
// as Ansattporten does), the organisation.
//
//   node tests/oidc/provider.mjs
//
// Environment:
//   PORT         port to listen on; 0 (the default) lets the system choose one
//   HOST         address to listen on (default 127.0.0.1); the issuer is http://HOST:PORT
//   CLIENTS      JSON list of clients: {client_id, client_secret, redirect_uris,
//                post_logout_redirect_uris, and optionally client_name,
//                token_endpoint_auth_method (default client_secret_post) and sso: false (no
//                single sign-on, as in Ansattporten)}. Without it: `idporten` and `ansattporten`
//                with the secret `dev-secret` for a runserver on port 8000.
//   ADMIN_TOKEN  when set, `PUT /__admin/clients` with `Authorization: Bearer <token>` and a
//                body like CLIENTS replaces the clients (tests add the live server's URLs).
//
// It prints one line `ready <issuer>` on stdout once it listens, and exits on SIGTERM or SIGINT.
// Two processes (one per issuer, as the real services are) can run side by side: the cookie
// names carry the port, so their sessions never mix.
//
// What it asserts, like the real services: `acr` is the level chosen on the login page (also
// when the client asked for more, so tests can get a too-low level), `amr` is ["TestID"], `pid`
// (the national identity number) and `locale` are always in the ID token, `sub` is an opaque
// identifier derived from the pid (never the pid itself), and names and e-mail when typed in.
// With `authorization_details` in the authorization request, the ID token, the userinfo
// response and the token response carry Ansattporten's representation structure.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

// oidc-provider 9 warns at import time that it wants Node.js 22; it works on the 20 we have.
const consoleWarn = console.warn;
console.warn = (...args) => {
  if (!String(args[0]).includes('Unsupported runtime')) consoleWarn(...args);
};
const { default: Provider, errors, interactionPolicy } = await import('oidc-provider');
// The package's own in-memory store (no "exports" map, so this path is importable; pinned ~9.13).
const { default: MemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js');
console.warn = consoleWarn;

export const ACR_LEVELS = ['idporten-loa-low', 'idporten-loa-substantial', 'idporten-loa-high'];
const ACR_LABELS = {
  'idporten-loa-low': 'Lav (idporten-loa-low)',
  'idporten-loa-substantial': 'Betydelig (idporten-loa-substantial)',
  'idporten-loa-high': 'Høy (idporten-loa-high)',
};
const DEFAULT_ACR = 'idporten-loa-substantial';
const AMR = ['TestID'];
// Ansattporten's RAR types (docs.digdir.no, "RAR-typer i Ansattporten").
const ALTINN_SERVICE = 'ansattporten:altinn:service';
const ALTINN_RESOURCE = 'ansattporten:altinn:resource';
const RAR_TYPES = [ALTINN_SERVICE, ALTINN_RESOURCE];
const SERVICE_RIGHTS = ['Read', 'Write', 'Sign'];

const host = process.env.HOST || '127.0.0.1';
const adminToken = process.env.ADMIN_TOKEN || '';

// --- clients: held here and served to oidc-provider through its adapter, so they can change ---

const clientRegistry = new Map();
const ssoClients = new Set();

function defaultClients() {
  return ['idporten', 'ansattporten'].map((name) => ({
    client_id: name,
    client_secret: 'dev-secret',
    redirect_uris: ['127.0.0.1', 'localhost'].map(
      (h) => `http://${h}:8000/konto/oidc/${name}/login/callback/`,
    ),
    post_logout_redirect_uris: ['http://127.0.0.1:8000/', 'http://localhost:8000/'],
    sso: name !== 'ansattporten',
  }));
}

function setClients(list) {
  if (!Array.isArray(list) || list.some((c) => !c || typeof c.client_id !== 'string')) {
    throw new TypeError('clients must be a JSON list of objects with a client_id');
  }
  clientRegistry.clear();
  ssoClients.clear();
  for (const { sso = true, ...metadata } of list) {
    clientRegistry.set(metadata.client_id, {
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...metadata,
    });
    if (sso) ssoClients.add(metadata.client_id);
  }
}

setClients(process.env.CLIENTS ? JSON.parse(process.env.CLIENTS) : defaultClients());

class Adapter extends MemoryAdapter {
  async find(id) {
    if (this.model === 'Client') {
      const metadata = clientRegistry.get(id);
      return metadata && structuredClone(metadata);
    }
    return super.find(id);
  }
}

// --- accounts: what the tester typed, per login (grant), and the latest per person ---

const people = new Map(); // accountId -> person
const logins = new Map(); // grantId -> {person, authorizationDetails}

function subjectFor(pid) {
  return crypto.createHash('sha256').update(`tilskot-oidc-stand-in:${pid}`).digest('base64url');
}

function claimsFor(accountId, login) {
  const person = login?.person ?? people.get(accountId);
  const name = [person.given_name, person.family_name].filter(Boolean).join(' ');
  const claims = {
    sub: accountId,
    pid: person.pid,
    locale: 'nb',
    name: name || undefined,
    given_name: person.given_name || undefined,
    family_name: person.family_name || undefined,
    email: person.email || undefined,
    email_verified: person.email ? true : undefined,
    authorization_details: login?.authorizationDetails,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

function parseAuthorizationDetails(value) {
  if (value === undefined || value === '') return undefined;
  let details;
  try {
    details = JSON.parse(value);
  } catch {
    throw new errors.InvalidAuthorizationDetails('authorization_details is not valid JSON');
  }
  if (!Array.isArray(details) || details.length === 0) {
    throw new errors.InvalidAuthorizationDetails('authorization_details must be a non-empty list');
  }
  for (const detail of details) {
    if (!RAR_TYPES.includes(detail?.type)) {
      throw new errors.InvalidAuthorizationDetails(
        `authorization_details type must be one of ${RAR_TYPES.join(', ')}`,
      );
    }
    if (typeof detail.resource !== 'string' || !detail.resource) {
      throw new errors.InvalidAuthorizationDetails('authorization_details needs a resource');
    }
  }
  return details;
}

// The representation Ansattporten returns for each requested detail: the chosen organisation
// (none when the person represents only themselves).
function representation(requested, org) {
  return requested.map((detail) => {
    const base = {
      type: detail.type,
      resource: detail.resource,
      resource_name: `Testressurs ${detail.resource}`,
    };
    const id = org && `0192:${org.number}`;
    if (detail.type === ALTINN_SERVICE) {
      return {
        ...base,
        reportees: org
          ? [{ Rights: SERVICE_RIGHTS, Authority: 'iso6523-actorid-upis', ID: id, Name: org.name }]
          : [],
      };
    }
    return {
      ...base,
      authorized_parties: org
        ? [{
          orgno: { authority: 'iso6523-actorid-upis', ID: id },
          resource: detail.resource.replace(/^urn:altinn:resource:/, ''),
          name: org.name,
          unit_type: 'AS',
        }]
        : [],
    };
  });
}

// --- interaction policy: ID-porten keeps single sign-on per client; Ansattporten has none ---

const { Check, base } = interactionPolicy;
const policy = base();
policy.get('login').checks.add(new Check(
  'stand_in_fresh_login',
  'this client needs a fresh login',
  (ctx) => {
    const { oidc } = ctx;
    if (oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
    const clientId = oidc.client.clientId;
    if (!ssoClients.has(clientId) || !oidc.session.grantIdFor(clientId)) {
      return Check.REQUEST_PROMPT;
    }
    if (oidc.params.authorization_details) return Check.REQUEST_PROMPT; // the org picker
    // Step-up: a session below the lowest level asked for logs in again.
    const asked = String(oidc.params.acr_values || '').split(' ')
      .map((acr) => ACR_LEVELS.indexOf(acr)).filter((rank) => rank >= 0);
    if (asked.length && ACR_LEVELS.indexOf(oidc.session.acr) < Math.min(...asked)) {
      return Check.REQUEST_PROMPT;
    }
    return Check.NO_NEED_TO_PROMPT;
  },
));

// --- pages: plain HTML, in Norwegian like the real login, accessible (lang, labels, landmarks) ---

function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[char]);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="nb">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function field(id, label, values, problems, { type = 'text', hint = '', extra = '' } = {}) {
  const problem = problems[id];
  const described = [hint && `${id}-hint`, problem && `${id}-error`].filter(Boolean).join(' ');
  return `<p>
  <label for="${id}">${escapeHtml(label)}</label><br>
  ${hint ? `<span id="${id}-hint">${escapeHtml(hint)}</span><br>` : ''}
  ${problem ? `<strong id="${id}-error">${escapeHtml(problem)}</strong><br>` : ''}
  <input type="${type}" id="${id}" name="${id}" value="${escapeHtml(values[id])}"${
  described ? ` aria-describedby="${described}"` : ''}${problem ? ' aria-invalid="true"' : ''} ${extra}>
</p>`;
}

function loginPage(details, client, values = {}, problems = {}) {
  const { params } = details;
  const chosenAcr = values.acr || DEFAULT_ACR;
  const askedRepresentation = Boolean(params.authorization_details);
  const serviceName = client.clientName || client.clientId;
  const summary = Object.keys(problems).length
    ? `<div role="alert"><h2>Rett opp dette</h2><ul>${Object.entries(problems)
      .map(([id, text]) => `<li><a href="#${id}">${escapeHtml(text)}</a></li>`).join('')}</ul></div>`
    : '';
  const options = ACR_LEVELS.map((acr) => `<option value="${acr}"${
    acr === chosenAcr ? ' selected' : ''}>${escapeHtml(ACR_LABELS[acr])}</option>`).join('');
  const organisation = askedRepresentation ? `<fieldset>
  <legend>Virksomhet du representerer</legend>
  ${field('org_number', 'Organisasjonsnummer (9 siffer)', values, problems, {
    hint: 'Tomt: du representerer bare deg selv.', extra: 'inputmode="numeric" autocomplete="off"',
  })}
  ${field('org_name', 'Organisasjonsnavn', values, problems, { extra: 'autocomplete="off"' })}
</fieldset>` : '';
  return page(`Logg inn – ${serviceName}`, `<h1>Logg inn – ${escapeHtml(serviceName)}</h1>
<p>Testinnlogging. Tjenesten ba om nivå: ${escapeHtml(params.acr_values || 'ikke oppgitt')}.</p>
${summary}
<form method="post" action="/interaction/${escapeHtml(details.uid)}" novalidate>
  ${field('pid', 'Fødselsnummer (11 siffer)', values, problems, {
    extra: 'inputmode="numeric" autocomplete="off" required',
  })}
  ${field('given_name', 'Fornavn', values, problems, { extra: 'autocomplete="given-name"' })}
  ${field('family_name', 'Etternavn', values, problems, { extra: 'autocomplete="family-name"' })}
  ${field('email', 'E-post', values, problems, { type: 'email', extra: 'autocomplete="email"' })}
  <p>
  <label for="acr">Sikkerhetsnivå</label><br>
  <select id="acr" name="acr">${options}</select>
  </p>
  ${organisation}
  <p>
  <button type="submit" name="login" value="yes">Logg inn</button>
  <button type="submit" name="cancel" value="yes">Avbryt</button>
  </p>
</form>`);
}

function checkLogin(form, askedRepresentation) {
  const values = Object.fromEntries(
    ['pid', 'given_name', 'family_name', 'email', 'acr', 'org_number', 'org_name']
      .map((name) => [name, String(form.get(name) ?? '').trim()]),
  );
  values.pid = values.pid.replace(/\s/g, '');
  values.org_number = values.org_number.replace(/\s/g, '');
  const problems = {};
  if (!/^\d{11}$/.test(values.pid)) problems.pid = 'Fødselsnummeret må ha 11 siffer.';
  if (values.email && !/^[^@\s]+@[^@\s]+$/.test(values.email)) {
    problems.email = 'E-postadressen er ikke gyldig.';
  }
  if (!ACR_LEVELS.includes(values.acr)) problems.acr = 'Velg et sikkerhetsnivå.';
  if (askedRepresentation && values.org_number && !/^\d{9}$/.test(values.org_number)) {
    problems.org_number = 'Organisasjonsnummeret må ha 9 siffer.';
  }
  return { values, problems };
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 100_000) throw new errors.InvalidRequest('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function grantFor(details, accountId) {
  const { params, prompt } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const missingClaims = prompt.details.missingOIDCClaims;
  if (missingClaims?.length) grant.addOIDCClaims(missingClaims);
  if (params.claims) {
    const requested = JSON.parse(params.claims);
    grant.addOIDCClaims([...new Set([
      ...Object.keys(requested.id_token ?? {}), ...Object.keys(requested.userinfo ?? {}),
    ])]);
  }
  return grant.save();
}

function sendHtml(ctx, status, html) {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}

async function interaction(ctx, uid) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
  const client = await provider.Client.find(details.params.client_id);
  const finish = async (result) => {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: false,
    });
    ctx.status = 303;
    ctx.redirect(returnTo);
  };

  if (details.prompt.name === 'consent') {
    // Consent is implied, as in ID-porten: grant what was asked and carry on.
    return finish({ consent: { grantId: await grantFor(details, details.session.accountId) } });
  }
  if (ctx.method === 'GET') return sendHtml(ctx, 200, loginPage(details, client));
  if (ctx.method !== 'POST') return sendHtml(ctx, 405, page('Ikke tillatt', '<h1>Ikke tillatt</h1>'));

  const form = new URLSearchParams(await readBody(ctx.req));
  if (form.has('cancel')) {
    return finish({ error: 'access_denied', error_description: 'End-User aborted interaction' });
  }
  const requested = parseAuthorizationDetails(details.params.authorization_details);
  const { values, problems } = checkLogin(form, Boolean(requested));
  if (Object.keys(problems).length) return sendHtml(ctx, 400, loginPage(details, client, values, problems));

  const accountId = subjectFor(values.pid);
  const person = {
    pid: values.pid,
    given_name: values.given_name,
    family_name: values.family_name,
    email: values.email,
  };
  people.set(accountId, person);
  const org = values.org_number
    ? { number: values.org_number, name: values.org_name || `TESTORGANISASJON ${values.org_number}` }
    : undefined;
  const grantId = await grantFor({ ...details, grantId: undefined }, accountId);
  logins.set(grantId, { person, authorizationDetails: requested && representation(requested, org) });
  return finish({
    login: { accountId, acr: values.acr, amr: AMR, remember: false },
    consent: { grantId },
  });
}

async function replaceClients(ctx) {
  const expected = Buffer.from(`Bearer ${adminToken}`);
  const given = Buffer.from(ctx.get('authorization'));
  if (!adminToken || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    ctx.status = 403;
    return;
  }
  try {
    setClients(JSON.parse(await readBody(ctx.req)));
  } catch (error) {
    ctx.status = 400;
    ctx.body = { error: String(error.message) };
    return;
  }
  ctx.status = 204;
}

// --- the provider ---

const server = http.createServer();
await new Promise((resolve) => { server.listen(Number(process.env.PORT || 0), host, resolve); });
const { port } = server.address();
const issuer = `http://${host}:${port}`;

const cookieKeys = [crypto.randomBytes(32).toString('base64url')];
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `stand-in-${port}`, alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  adapter: Adapter,
  jwks: { keys: [signingKey] },
  cookies: {
    keys: cookieKeys,
    names: {
      session: `_session_${port}`,
      interaction: `_interaction_${port}`,
      resume: `_interaction_resume_${port}`,
    },
  },
  acrValues: ACR_LEVELS,
  claims: {
    amr: null,
    // ID-porten always sends acr, amr and auth_time, not only when acr was asked for.
    openid: [
      'sub', 'acr', 'amr', 'auth_time', 'pid', 'locale', 'name', 'given_name', 'family_name', 'email', 'email_verified',
      'authorization_details',
    ],
    profile: ['name', 'given_name', 'family_name', 'locale'],
    email: ['email', 'email_verified'],
  },
  // Claims of the granted scopes go into the ID token too (ID-porten puts pid there).
  conformIdTokenClaims: false,
  extraParams: {
    authorization_details(ctx, value) {
      parseAuthorizationDetails(value);
    },
  },
  responseTypes: ['code'],
  pkce: { required: () => true },
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  },
  interactions: {
    policy,
    url: (ctx, interactionSession) => `/interaction/${interactionSession.uid}`,
  },
  async findAccount(ctx, accountId, token) {
    if (!people.has(accountId)) return undefined;
    const login = token?.grantId ? logins.get(token.grantId) : undefined;
    return {
      accountId,
      claims: async () => claimsFor(accountId, login),
    };
  },
  features: {
    devInteractions: { enabled: false },
    // On by default; it would ask for a resource whenever authorization_details is present.
    resourceIndicators: { enabled: false },
    userinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // ID-porten asks nothing on logout: the form submits itself (and has a button without JS).
      async logoutSource(ctx, form) {
        ctx.body = page('Logg ut', `<h1>Logg ut</h1>
${form}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout">Logg ut</button></p>
<script>document.getElementById('logout').click();</script>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Logget ut', '<h1>Du er logget ut</h1>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Feil ved innlogging', `<h1>Feil ved innlogging</h1>
<dl>${Object.entries(out).map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`);
  },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 3600,
    Session: 8 * 3600,
    Grant: 8 * 3600,
  },
});

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (match) {
    try {
      await interaction(ctx, match[1]);
    } catch (error) {
      const status = error.statusCode || 500;
      if (status >= 500) console.error(error);
      sendHtml(ctx, status, page('Feil ved innlogging', `<h1>Feil ved innlogging</h1>
<p>${escapeHtml(error.error || 'server_error')}: ${escapeHtml(error.error_description || error.message)}</p>`));
    }
    return;
  }
  if (ctx.path === '/__admin/clients' && ctx.method === 'PUT') {
    await replaceClients(ctx);
    return;
  }
  await next();
  // Ansattporten returns the representation in the token response as well as in the ID token.
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    const payload = JSON.parse(Buffer.from(ctx.body.id_token.split('.')[1], 'base64url'));
    if (payload.authorization_details) {
      ctx.body = { ...ctx.body, authorization_details: payload.authorization_details };
    }
  }
  // oidc-provider's own self-submitting forms have no language; axe wants one.
  if (typeof ctx.body === 'string' && ctx.body.includes('<html>')) {
    ctx.body = ctx.body.replace('<html>', '<html lang="en">');
  }
});

provider.on('server_error', (ctx, error) => console.error(error));

server.on('request', provider.callback());

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}

console.log(`ready ${issuer}`);
