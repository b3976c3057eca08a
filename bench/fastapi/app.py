"""The lean FastAPI peer of the read-path benchmark (bench/read-path.mjs, comparison
miniapp_me_vs_fastapi); app_orm.py is the same service written with SQLAlchemy's ORM.

NOT the original seed-000 FastAPI service: its code is not available here. This is a minimal
reconstruction of the service that the seed document miniapp-rest-api.md describes, written
with FastAPI at its leanest (raw asyncpg, no ORM), for the `GET /api/users/me` comparison only:

- envelope {success, data, error}; `Authorization: Bearer <initData>`;
- initData validated with the bot token as Telegram specifies (secret = HMAC-SHA256(key
  "WebAppData", bot token); hash = hex HMAC-SHA256(secret, data-check-string); constant-time
  compare), expired auth_date rejected;
- the user read by telegram_id through an asyncpg pool, returned as UserRead;
- 401 envelope on missing/invalid initData, 404 envelope when the user does not exist.

- `X-Process-Time` on every response (the seed documents it; the gateway sends it too), by
  an `@app.middleware("http")` function, the way FastAPI's documentation adds that header.

Left out: the other routes and the rate limiter (100/min per IP would reject the benchmark's
load; the gateway runs with its rate limits off too). It costs time per request, so leaving
it out can only favour this side.

Environment: BOT_TOKEN, DATABASE_URL (postgres://...; sslmode= honoured by asyncpg),
INIT_DATA_MAX_AGE (seconds, default 86400), DB_POOL_SIZE (default 10).
Run: uvicorn app:app --host 127.0.0.1 --port 8000
"""

import os
from contextlib import asynccontextmanager
from typing import Optional

import asyncpg
from fastapi import Depends, FastAPI, Header, HTTPException, Request

from common import ApiResponse, UserRead, install_common, telegram_user_of

BOT_TOKEN = os.environ["BOT_TOKEN"]
DATABASE_URL = os.environ["DATABASE_URL"]
INIT_DATA_MAX_AGE = int(os.environ.get("INIT_DATA_MAX_AGE", "86400"))
DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "10"))


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=DB_POOL_SIZE)
    yield
    await app.state.pool.close()


app = FastAPI(title="Mini App API", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
install_common(app)


async def get_telegram_user(authorization: Optional[str] = Header(None)) -> dict:
    return telegram_user_of(authorization, BOT_TOKEN, INIT_DATA_MAX_AGE)


@app.get("/api/users/me", response_model=ApiResponse[UserRead])
async def read_me(request: Request, tg_user: dict = Depends(get_telegram_user)):
    row = await request.app.state.pool.fetchrow(
        "SELECT id, telegram_id, username, first_name, last_name, language_code, bio, created_at, updated_at"
        " FROM users WHERE telegram_id = $1",
        tg_user["id"],
    )
    if row is None:
        raise HTTPException(status_code=404, detail="User not found")
    return ApiResponse[UserRead](success=True, data=UserRead(**dict(row)))
