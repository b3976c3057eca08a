//! CLI entry point: `serve` (default), `migrate`, `print-schema`, `create-analytics-app`.

use clap::{Parser, Subcommand};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(all(feature = "jemalloc", not(feature = "mimalloc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use messenger_gateway::{app, config::Config, db::Db, graphql, telemetry};
use secrecy::ExposeSecret;

#[derive(Parser)]
#[command(name = "messenger-gateway", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (creates the database and applies migrations first).
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to stdout.
    PrintSchema,
    /// Register a Mini App analytics app and print its TGA-Auth-Token (shown once;
    /// only its hash is stored).
    CreateAnalyticsApp {
        /// The `app_name` its events must carry (1-64 characters, exact).
        #[arg(long)]
        name: String,
        /// Accept events only from pages on this host (Origin/Referer); omit for any.
        #[arg(long)]
        domain: Option<String>,
        /// The gateway user id who may read `analyticsSummary` for the app.
        #[arg(long)]
        owner_user_id: Option<i64>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", graphql::sdl());
        return Ok(());
    }
    // A missing .env is normal: the environment alone may configure everything.
    let _ = dotenvy::dotenv();
    let config = Config::from_env()?;
    let telemetry = telemetry::init(&config)?;
    let outcome = run(cli.command.unwrap_or(Command::Serve), config).await;
    // The last batch of spans goes out before exit (the exporter blocks while it sends).
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    outcome
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Migrate => {
            let db = Db::connect(config.database_url.expose_secret(), 2).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
        }
        Command::Serve => {
            let application = app::Application::build(config).await?;
            application.run_until(app::shutdown_signal()).await?;
        }
        Command::CreateAnalyticsApp {
            name,
            domain,
            owner_user_id,
        } => {
            let input = messenger_gateway::domain::analytics::NewApp {
                name,
                allowed_domain: domain,
                owner_user_id,
            };
            let created = messenger_gateway::cli::create_analytics_app(config, input).await?;
            eprintln!(
                "Created analytics app {:?} (id {}). Its token, shown only now:",
                created.app.name, created.app.id
            );
            println!("{}", created.token);
        }
        Command::PrintSchema => {}
    }
    Ok(())
}
