# messenger-gateway container image.
#   docker build -t messenger-gateway .
#   docker compose up --build        (see docker-compose.yml)

# ---------------------------------------------------------------- builder
FROM rust:1-bookworm AS builder
# sqlx checks queries against the committed .sqlx/ cache: no database needed.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0
WORKDIR /app

# 1) Dependencies only: this layer is reused until Cargo.toml/Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src

# 2) The crate itself. schema.graphql* tolerates the file being absent.
COPY .sqlx ./.sqlx
COPY migrations ./migrations
COPY schema.graphql* ./
# The consoles (GraphiQL, Swagger UI, ReDoc) that src/http/consoles.rs embeds.
COPY assets/consoles ./assets/consoles
COPY src ./src
# Make the real sources newer than the dummy build so cargo rebuilds the crate.
RUN find src -type f -exec touch {} + \
 && cargo build --release --locked \
 && install -m 0755 target/release/messenger-gateway /usr/local/bin/messenger-gateway

# ---------------------------------------------------------------- runtime
FROM debian:bookworm-slim AS runtime
# curl is used by the compose healthcheck (GET /health/ready).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=builder /usr/local/bin/messenger-gateway /usr/local/bin/messenger-gateway
USER 10001:10001
ENV BIND_ADDR=0.0.0.0:8000 \
    RUST_LOG=info
EXPOSE 8000
ENTRYPOINT ["messenger-gateway"]
CMD ["serve"]
