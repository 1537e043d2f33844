//! `keydesk-server`: run the relying-party server, or administer its users.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use keydesk_server::clock::SystemClock;
use keydesk_server::{api, db, users, AppState, Argon2Params, Config, Policy, SmtpConfig};

#[derive(Parser, Debug)]
#[command(name = "keydesk-server", version, about = "KeyDesk reference relying-party server")]
struct Cli {
    /// Directory for the server's data (the default SQLite database lives here).
    #[arg(long, env = "KEYDESK_DATA_DIR", default_value = "keydesk-data", global = true)]
    data_dir: PathBuf,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: SQLite in the data dir.
    #[arg(long, env = "KEYDESK_DATABASE", global = true)]
    database: Option<String>,
    /// Suffix of every logon name (`<username>@<suffix>`).
    #[arg(long, env = "KEYDESK_LOGON_SUFFIX", default_value = "keydesk.local", global = true)]
    logon_suffix: String,
    /// WebAuthn relying-party ID.
    #[arg(long, env = "KEYDESK_RP_ID", default_value = "localhost", global = true)]
    rp_id: String,
    /// Origin the pages are served at (must fit the RP ID).
    #[arg(long, env = "KEYDESK_ORIGIN", default_value = "http://localhost:8080", global = true)]
    origin: String,
    /// Argon2id memory cost in KiB (default: OWASP's 19 MiB).
    #[arg(long, default_value_t = Argon2Params::default().memory_kib, global = true)]
    argon2_memory_kib: u32,
    /// Argon2id iterations (default: OWASP's 2).
    #[arg(long, default_value_t = Argon2Params::default().iterations, global = true)]
    argon2_iterations: u32,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// SMTP relay host for email codes (plain SMTP).
        #[arg(long)]
        smtp_host: Option<String>,
        /// SMTP relay port.
        #[arg(long, default_value_t = 25)]
        smtp_port: u16,
        /// Sender of email codes.
        #[arg(long, default_value = "KeyDesk <keydesk@localhost>")]
        smtp_from: String,
    },
    /// Administer users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand, Debug)]
enum UserAction {
    /// Add a user; the password comes from KEYDESK_PASSWORD or the first line of stdin.
    Add {
        /// User name (with or without @suffix).
        username: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// List users.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a user and everything bound to it.
    Delete {
        /// User name (with or without @suffix).
        username: String,
    },
}

fn config(cli: &Cli, smtp: Option<SmtpConfig>) -> anyhow::Result<Config> {
    let secure = cli.origin.starts_with("https:");
    Ok(Config {
        logon_suffix: cli.logon_suffix.to_ascii_lowercase(),
        rp_id: cli.rp_id.clone(),
        rp_origin: url::Url::parse(&cli.origin).context("--origin is not a URL")?,
        rp_name: "KeyDesk".to_owned(),
        admin_token: std::env::var("KEYDESK_ADMIN_TOKEN").ok().filter(|t| !t.is_empty()),
        argon2: Argon2Params {
            memory_kib: cli.argon2_memory_kib,
            iterations: cli.argon2_iterations,
            parallelism: 1,
        },
        smtp,
        policy: Policy::default(),
        secure_cookie: secure,
    })
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("KEYDESK_PASSWORD") {
        return Ok(p);
    }
    eprint!("Password: ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.is_empty() {
        bail!("no password given (set KEYDESK_PASSWORD or type it on stdin)");
    }
    Ok(p)
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let url = match &cli.database {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&cli.data_dir)
                .with_context(|| format!("creating data dir {}", cli.data_dir.display()))?;
            format!("sqlite://{}", cli.data_dir.join("keydesk.db").display())
        }
    };
    let pool = db::connect(&url).await?;
    match &cli.command {
        Command::Serve { listen, smtp_host, smtp_port, smtp_from } => {
            let smtp = smtp_host
                .as_ref()
                .map(|host| SmtpConfig { host: host.clone(), port: *smtp_port, from: smtp_from.clone() });
            let app = AppState::new(pool, config(&cli, smtp)?, Arc::new(SystemClock))?;
            let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
            tracing::info!(address = %listener.local_addr()?, origin = %cli.origin, "keydesk-server listening");
            keydesk_server::serve(listener, app, shutdown_signal()).await?;
        }
        Command::User { action } => {
            let app = AppState::new(pool, config(&cli, None)?, Arc::new(SystemClock))?;
            match action {
                UserAction::Add { username, admin } => {
                    let password = read_password()?;
                    let user = api::admin_add_user(&app, username, &password, *admin)
                        .await
                        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                    println!("added {}", user.logon_name);
                }
                UserAction::List { json } => {
                    let list = users::list(&app.db).await.map_err(|e| anyhow::anyhow!("{}", e.message))?;
                    if *json {
                        let rows: Vec<_> = list
                            .iter()
                            .map(|u| serde_json::json!({"user": u.logon_name, "id": u.id, "is_admin": u.is_admin,
                                "totp_bound": u.totp_secret.is_some(), "email": u.email, "created_at": u.created_at}))
                            .collect();
                        println!("{}", serde_json::to_string_pretty(&rows)?);
                    } else {
                        for u in list {
                            println!("{}{}", u.logon_name, if u.is_admin { " (admin)" } else { "" });
                        }
                    }
                }
                UserAction::Delete { username } => {
                    let name = users::normalize_logon_name(username, &app.config.logon_suffix)
                        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                    if !users::delete(&app.db, &name).await.map_err(|e| anyhow::anyhow!("{}", e.message))? {
                        bail!("no user {name}");
                    }
                    println!("deleted {name}");
                }
            }
        }
    }
    Ok(())
}
