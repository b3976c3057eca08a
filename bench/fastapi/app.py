"""FastAPI peer of the read-path benchmark (bench/read-path.mjs, comparison miniapp_me_vs_fastapi).

NOT the original seed-000 FastAPI service: its code is not available here. This is a minimal
reconstruction of the service that /work/shared/seeds/miniapp-rest-api.md documents, written
the way a typical FastAPI template writes it, for the `GET /api/users/me` comparison only:

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

import hashlib
import hmac
import json
import os
import time
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Generic, Optional, TypeVar
from urllib.parse import parse_qsl

import asyncpg
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

BOT_TOKEN = os.environ["BOT_TOKEN"]
DATABASE_URL = os.environ["DATABASE_URL"]
INIT_DATA_MAX_AGE = int(os.environ.get("INIT_DATA_MAX_AGE", "86400"))
DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "10"))

T = TypeVar("T")


class ApiResponse(BaseModel, Generic[T]):
    success: bool
    data: Optional[T] = None
    error: Optional[str] = None


class UserRead(BaseModel):
    id: int
    telegram_id: int
    username: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    language_code: str
    bio: Optional[str] = None
    created_at: datetime
    updated_at: Optional[datetime] = None


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=DB_POOL_SIZE)
    yield
    await app.state.pool.close()


app = FastAPI(title="Mini App API", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)


@app.middleware("http")
async def add_process_time_header(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Process-Time"] = f"{time.perf_counter() - started:.6f}"
    return response


@app.exception_handler(HTTPException)
async def http_exception_handler(request: Request, exc: HTTPException):
    return JSONResponse(status_code=exc.status_code, content={"success": False, "data": None, "error": exc.detail})


# ------------------------------------------------------------------ auth


def validate_init_data(init_data: str, bot_token: str, max_age: int) -> dict:
    """Telegram's initData check; returns the parsed fields or raises ValueError."""
    data = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    received_hash = data.pop("hash", None)
    if not received_hash:
        raise ValueError("hash missing")
    data_check_string = "\n".join(f"{k}={v}" for k, v in sorted(data.items()))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    computed_hash = hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(computed_hash, received_hash):
        raise ValueError("bad hash")
    auth_date = int(data.get("auth_date", "0"))
    if max_age > 0 and time.time() - auth_date > max_age:
        raise ValueError("expired")
    return data


async def get_telegram_user(authorization: Optional[str] = Header(None)) -> dict:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="Authorization required")
    try:
        data = validate_init_data(authorization[len("Bearer "):], BOT_TOKEN, INIT_DATA_MAX_AGE)
        user = json.loads(data["user"])
        if not isinstance(user.get("id"), int):
            raise ValueError("user.id")
    except (ValueError, KeyError, TypeError):
        raise HTTPException(status_code=401, detail="Invalid authorization data")
    return user


# ------------------------------------------------------------------ routes


@app.get("/api/health")
async def health():
    return {"status": "ok"}


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
