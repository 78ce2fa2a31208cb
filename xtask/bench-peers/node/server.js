// The CKEditor token endpoint written the way CKEditor's documentation shows it for Node.js:
// express, the cors middleware for cross-origin editors, jsonwebtoken to sign, the token as the
// plain response body. `cargo xtask bench` runs it as the Node.js peer of the Rust adapters;
// see ../README.md for the settings.

'use strict';

const express = require('express');
const cors = require('cors');
const cookieParser = require('cookie-parser');
const jwt = require('jsonwebtoken');

// The editor pages' origin, allowed to fetch tokens across origins.
const EDITOR_ORIGIN = 'https://editor.example.com';
// Seconds from `iat` to `exp`, as in the Rust servers.
const LIFETIME_SECONDS = 3600;

const environmentId = requiredSetting('CKEDITOR_ENVIRONMENT_ID');
const accessKey = requiredSetting('CKEDITOR_ACCESS_KEY');

// The app's users, and its sessions: session ID to user ID.
const accounts = new Map([
  ['user-4711', {
    name: 'Joe Doe',
    email: 'joe.doe@example.com',
    avatar: 'https://avatars.example.com/joe-doe.png',
  }],
]);
const sessions = new Map([[requiredSetting('BENCH_SESSION'), 'user-4711']]);

const app = express();
app.use(cookieParser());

app.get('/token', cors({ origin: [EDITOR_ORIGIN] }), (req, res) => {
  const userId = sessions.get(req.cookies.session);
  if (userId === undefined) {
    res.status(401).type('text/plain').send('Not signed in');
    return;
  }
  const account = accounts.get(userId);
  const payload = {
    aud: environmentId,
    sub: userId,
    user: { name: account.name, email: account.email, avatar: account.avatar },
    auth: { collaboration: { '*': { role: 'writer' } } },
  };
  // jsonwebtoken adds `iat` itself, and `exp` from `expiresIn`.
  const token = jwt.sign(payload, accessKey, { algorithm: 'HS256', expiresIn: LIFETIME_SECONDS });
  res.set('Cache-Control', 'no-store').type('text/plain').send(token);
});

const [host, port] = listenAddress(process.argv.slice(2));
const server = app.listen(port, host, () => {
  const { address, port: bound } = server.address();
  console.log(`listening on http://${address}:${bound}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

function requiredSetting(name) {
  const value = process.env[name];
  if (!value || !value.trim()) {
    console.error(`cannot start: ${name} must be set`);
    process.exit(1);
  }
  return value.trim();
}

// `--listen HOST:PORT`, as the Rust servers take it; 127.0.0.1:8080 without it.
function listenAddress(args) {
  const at = args.indexOf('--listen');
  const address = at >= 0 ? args[at + 1] : '127.0.0.1:8080';
  const colon = address ? address.lastIndexOf(':') : -1;
  if (colon < 0) {
    console.error('cannot start: --listen takes HOST:PORT');
    process.exit(1);
  }
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}
