// A real OpenID provider (oidc-provider) for the sign-in tests, run as a child process over loopback.
// Env: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI. Prints "listening <issuer>" when ready.
// Test controls (this process only serves tests):
//   PUT /__test/accounts/<id>  body: the account's claims (email, email_verified, schac_home_organization, name)
//   PUT /__test/clock          body: { "offsetMs": -7200000 } shifts the provider's clock (tokens it issues)
// Interactions are automatic: the account to sign in is the `login_hint` of the authorization request.
import http from 'node:http';
import Provider from 'oidc-provider';

const { PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI } = process.env;
const issuer = `http://127.0.0.1:${PORT}`;
const accounts = new Map();

// The provider reads the time through Date.now(); a test may move it to make tokens that are already expired.
let offsetMs = 0;
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + offsetMs;

const SCOPES = 'openid email profile schac_home_organization';

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    schac_home_organization: ['schac_home_organization'],
  },
  scopes: SCOPES.split(' '),
  cookies: { keys: ['oidc-test-provider-cookie-key-0123456789'] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const claims = accounts.get(id);
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  // First-party test client: consent is granted for everything asked, so only the login step interacts.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
});

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body ? JSON.parse(body) : {};
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (req.method === 'PUT' && url.pathname.startsWith('/__test/accounts/')) {
      accounts.set(decodeURIComponent(url.pathname.slice('/__test/accounts/'.length)), await readJson(req));
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'PUT' && url.pathname === '/__test/clock') {
      offsetMs = Number((await readJson(req)).offsetMs) || 0;
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const hint = details.params.login_hint;
      const result =
        typeof hint === 'string' && accounts.has(hint)
          ? { login: { accountId: hint } }
          : { error: 'access_denied', error_description: 'unknown test account' };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      return;
    }
    callback(req, res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e?.stack ?? e));
  }
});
server.listen(Number(PORT), '127.0.0.1', () => console.log(`listening ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
