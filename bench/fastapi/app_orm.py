"""The FastAPI peer as FastAPI templates write it (bench/read-path.mjs, comparison
miniapp_me_vs_fastapi_orm): the same `GET /api/users/me` as app.py, but with the parts a
project template brings instead of raw asyncpg.

NOT the original seed-000 service either (its code is not available here). What the seed
document (miniapp-rest-api.md) shows of that service points at a template: settings with
nested environment names (`API__DEBUG`), interactive docs at /api/docs when debugging,
`UserRead` / `UserUpdate` schemas. This reconstruction uses the stack such templates use:

- pydantic-settings for the configuration (`env_nested_delimiter="__"`, so `API__DEBUG`);
- SQLAlchemy 2 with its asyncio extension over asyncpg: a declarative `User` model, an
  `async_sessionmaker`, one `AsyncSession` per request from a `Depends` generator, a small
  repository that runs `select(User).where(User.telegram_id == ...)`; the session begins a
  transaction on its first statement and rolls it back when it closes (SQLAlchemy's
  default), and the pool is SQLAlchemy's (`pool_size` = DB_POOL_SIZE, no overflow, no
  pre-ping);
- the user of the initData as a pydantic model, `UserRead.model_validate(user)` from the
  ORM object (`from_attributes`), the envelope as the route's `response_model`;
- the rest as in app.py (common.py): Telegram's initData check, 401/404 envelopes,
  `X-Process-Time`; the rate limiter left out, as there.

Environment: BOT_TOKEN, DATABASE_URL (postgres://...; sslmode= passed to asyncpg as `ssl`),
INIT_DATA_MAX_AGE (seconds, default 86400), DB_POOL_SIZE (default 10), API__DEBUG.
Run: uvicorn app_orm:app --host 127.0.0.1 --port 8000
"""

from contextlib import asynccontextmanager
from datetime import datetime
from typing import AsyncIterator, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import BigInteger, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common import ApiResponse, UserRead, install_common, telegram_user_of


class ApiSettings(BaseModel):
    debug: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    bot_token: str
    database_url: str
    init_data_max_age: int = 86400
    db_pool_size: int = 10
    api: ApiSettings = ApiSettings()

    def engine_url_and_args(self) -> tuple[str, dict]:
        """postgres://...?sslmode=x as SQLAlchemy's asyncpg URL plus asyncpg's `ssl`."""
        parts = urlsplit(self.database_url)
        query = dict(parse_qsl(parts.query))
        ssl = query.pop("sslmode", None)
        url = urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, urlencode(query), ""))
        return url, ({"ssl": ssl} if ssl else {})


settings = Settings()


# ------------------------------------------------------------------ database


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    telegram_id: Mapped[Optional[int]] = mapped_column(BigInteger, unique=True)
    username: Mapped[Optional[str]] = mapped_column(String)
    first_name: Mapped[Optional[str]] = mapped_column(String)
    last_name: Mapped[Optional[str]] = mapped_column(String)
    language_code: Mapped[str] = mapped_column(String)
    bio: Mapped[Optional[str]] = mapped_column(String)
    created_at: Mapped[datetime]
    updated_at: Mapped[Optional[datetime]]


_url, _connect_args = settings.engine_url_and_args()
engine = create_async_engine(_url, pool_size=settings.db_pool_size, max_overflow=0, connect_args=_connect_args)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


class UserRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get_by_telegram_id(self, telegram_id: int) -> Optional[User]:
        return await self.session.scalar(select(User).where(User.telegram_id == telegram_id))


# ------------------------------------------------------------------ auth


class WebAppUser(BaseModel):
    id: int
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    username: Optional[str] = None
    language_code: Optional[str] = None


async def get_web_app_user(authorization: Optional[str] = Header(None)) -> WebAppUser:
    return WebAppUser.model_validate(telegram_user_of(authorization, settings.bot_token, settings.init_data_max_age))


# ------------------------------------------------------------------ app


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    await engine.dispose()


docs = settings.api.debug
app = FastAPI(
    title="Mini App API",
    lifespan=lifespan,
    docs_url="/api/docs" if docs else None,
    redoc_url="/api/redoc" if docs else None,
    openapi_url="/api/openapi.json" if docs else None,
)
install_common(app)
router = APIRouter(prefix="/api")


@router.get("/users/me", response_model=ApiResponse[UserRead])
async def read_me(
    tg_user: WebAppUser = Depends(get_web_app_user),
    session: AsyncSession = Depends(get_session),
):
    user = await UserRepository(session).get_by_telegram_id(tg_user.id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return ApiResponse[UserRead](success=True, data=UserRead.model_validate(user))


app.include_router(router)
