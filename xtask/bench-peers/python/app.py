"""The CKEditor token endpoint written the way CKEditor's documentation shows it for Flask:
flask-cors for cross-origin editors, PyJWT to sign, the token as the plain response body.

`cargo xtask bench` runs it under gunicorn (see gunicorn.conf.py) as the Python peer of the Rust
adapters; see ../README.md for the settings.
"""

import os
import time

import jwt
from flask import Flask, request
from flask_cors import CORS

# The editor pages' origin, allowed to fetch tokens across origins.
EDITOR_ORIGIN = "https://editor.example.com"
# Seconds from `iat` to `exp`, as in the Rust servers.
LIFETIME_SECONDS = 3600
TEXT = "text/plain; charset=utf-8"

ENVIRONMENT_ID = os.environ["CKEDITOR_ENVIRONMENT_ID"]
ACCESS_KEY = os.environ["CKEDITOR_ACCESS_KEY"]

# The app's users, and its sessions: session ID to user ID.
ACCOUNTS = {
    "user-4711": {
        "name": "Joe Doe",
        "email": "joe.doe@example.com",
        "avatar": "https://avatars.example.com/joe-doe.png",
    },
}
SESSIONS = {os.environ["BENCH_SESSION"]: "user-4711"}

app = Flask(__name__)
CORS(app, resources={r"/token": {"origins": [EDITOR_ORIGIN]}})


def signed_in_user():
    """The user ID behind the request's session cookie, or None."""
    return SESSIONS.get(request.cookies.get("session", ""))


@app.get("/token")
def token():
    user_id = signed_in_user()
    if user_id is None:
        return "Not signed in", 401, {"Content-Type": TEXT}
    account = ACCOUNTS[user_id]
    now = int(time.time())
    payload = {
        "aud": ENVIRONMENT_ID,
        "iat": now,
        "exp": now + LIFETIME_SECONDS,
        "sub": user_id,
        "user": {
            "name": account["name"],
            "email": account["email"],
            "avatar": account["avatar"],
        },
        "auth": {"collaboration": {"*": {"role": "writer"}}},
    }
    signed = jwt.encode(payload, ACCESS_KEY, algorithm="HS256")
    return signed, 200, {"Content-Type": TEXT, "Cache-Control": "no-store"}
