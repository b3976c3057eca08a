"""What both FastAPI peers share (app.py: asyncpg; app_orm.py: SQLAlchemy ORM): the seed's
envelope and UserRead, Telegram's initData check, the `X-Process-Time` middleware and the
error handler that answers in the envelope. See app.py for what the peers are and are not."""

import hashlib
import hmac
import json
import time
from datetime import datetime
from typing import Generic, Optional, TypeVar
from urllib.parse import parse_qsl

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class ApiResponse(BaseModel, Generic[T]):
    success: bool
    data: Optional[T] = None
    error: Optional[str] = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    telegram_id: int
    username: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    language_code: str
    bio: Optional[str] = None
    created_at: datetime
    updated_at: Optional[datetime] = None


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


def telegram_user_of(authorization: Optional[str], bot_token: str, max_age: int) -> dict:
    """The `user` of a `Bearer <initData>` header; 401 in the seed's words otherwise."""
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="Authorization required")
    try:
        data = validate_init_data(authorization[len("Bearer "):], bot_token, max_age)
        user = json.loads(data["user"])
        if not isinstance(user.get("id"), int):
            raise ValueError("user.id")
    except (ValueError, KeyError, TypeError):
        raise HTTPException(status_code=401, detail="Invalid authorization data")
    return user


def install_common(app: FastAPI) -> None:
    """`X-Process-Time` on every response (an `@app.middleware("http")` function, as FastAPI's
    documentation adds that header) and errors in the envelope."""

    @app.middleware("http")
    async def add_process_time_header(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Process-Time"] = f"{time.perf_counter() - started:.6f}"
        return response

    @app.exception_handler(HTTPException)
    async def http_exception_handler(request: Request, exc: HTTPException):
        return JSONResponse(status_code=exc.status_code, content={"success": False, "data": None, "error": exc.detail})

    @app.get("/api/health")
    async def health():
        return {"status": "ok"}
