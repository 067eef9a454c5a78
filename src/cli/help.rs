//! The command line's own words in Italian. clap writes its headings ("Usage", "Options"), the
//! help and version flags, the `help` command and its error messages in English; here the
//! command tree gets Italian headings, its own `-h/--help`, `-V/--version` and `help`, and
//! parse errors are told in Italian from the error's context.

use std::process::ExitCode;

use clap::error::{ContextKind, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, Command, CommandFactory, FromArgMatches};

/// Every command's help: what it does, how to call it, its commands and options.
const TEMPLATE: &str = "{before-help}{about-with-newline}\nUso: {usage}\n\n{all-args}{after-help}";

/// The Italian name of the `help` command's argument.
const HELP_PATH: &str = "comando";

/// Parses the process arguments; `Err` carries the exit code when the command line was only
/// a request for help or version (0) or was wrong (2: the message is already on stderr).
pub fn parse<T: CommandFactory + FromArgMatches>() -> Result<T, ExitCode> {
    parse_from::<T>(std::env::args_os())
}

fn parse_from<T: CommandFactory + FromArgMatches>(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<T, ExitCode> {
    let mut cmd = command::<T>();
    let matches: ArgMatches = cmd.clone().try_get_matches_from(args).map_err(|e| report(&e))?;
    if let Some(("help", sub)) = matches.subcommand() {
        let path: Vec<String> = sub.get_many::<String>(HELP_PATH).map(|v| v.cloned().collect()).unwrap_or_default();
        return Err(show_help(&mut cmd, &path));
    }
    T::from_arg_matches(&matches).map_err(|e| report(&e))
}

/// The command tree of `T` with Italian texts, built (usage lines computed).
pub fn command<T: CommandFactory>() -> Command {
    let help = italian(
        Command::new("help").about("Mostra l'aiuto del programma o di un comando").arg(
            Arg::new(HELP_PATH)
                .num_args(0..)
                .value_name("COMANDO")
                .help("Il comando (ed eventuale sottocomando) di cui mostrare l'aiuto"),
        ),
    );
    let mut cmd = italian(T::command())
        .disable_version_flag(true)
        .arg(
            Arg::new("versione")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Mostra la versione")
                .help_heading("Opzioni"),
        )
        .subcommand(help);
    cmd.build();
    italian_usage(&mut cmd);
    cmd
}

/// Headings, flags and settings of one command and, recursively, of its subcommands.
fn italian(cmd: Command) -> Command {
    cmd.help_template(TEMPLATE)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .subcommand_help_heading("Comandi")
        .subcommand_value_name("COMANDO")
        // Defaults and environment variables are said in each option's own text.
        .mut_args(|a| {
            let heading = if a.is_positional() { "Argomenti" } else { "Opzioni" };
            let takes_value = a.get_action().takes_values();
            let has_env = a.get_env().is_some();
            a.hide_env(has_env).hide_default_value(takes_value).help_heading(heading)
        })
        .arg(
            Arg::new("aiuto")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Mostra questo aiuto")
                .help_heading("Opzioni"),
        )
        .mut_subcommands(italian)
}

/// clap's usage line with its `[OPTIONS]` in Italian, fixed on each command (help and errors).
fn italian_usage(cmd: &mut Command) {
    let usage = cmd.render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim().replace("[OPTIONS]", "[OPZIONI]");
    let taken = std::mem::replace(cmd, Command::new("ricolloca"));
    *cmd = taken.override_usage(usage);
    for sub in cmd.get_subcommands_mut() {
        italian_usage(sub);
    }
}

/// `ricolloca help [COMANDO…]`: the help of that command, on stdout.
fn show_help(cmd: &mut Command, path: &[String]) -> ExitCode {
    let mut target = cmd;
    for name in path {
        match target.find_subcommand_mut(name) {
            Some(sub) => target = sub,
            None => {
                eprintln!("ricolloca: comando sconosciuto: {name}");
                eprintln!("\nPer l'elenco dei comandi: ricolloca help");
                return ExitCode::from(2);
            }
        }
    }
    // The same text as `COMANDO --help`: the long form when the command has one.
    let long = target.get_long_about().is_some() || target.get_arguments().any(|a| a.get_long_help().is_some());
    let help = if long { target.render_long_help() } else { target.render_help() }.to_string();
    println!("{}", help.trim_end());
    ExitCode::SUCCESS
}

fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    e.get(kind).map(ToString::to_string).filter(|s| !s.is_empty())
}

/// The error in Italian, from its kind and context (never clap's English sentence).
pub fn message(e: &clap::Error) -> String {
    let arg = context(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(e, ContextKind::InvalidValue).unwrap_or_default();
    let suggestion = context(e, ContextKind::SuggestedArg)
        .or_else(|| context(e, ContextKind::SuggestedSubcommand))
        .map(|s| format!(" (forse si intendeva {s}?)"))
        .unwrap_or_default();
    match e.kind() {
        ErrorKind::UnknownArgument => format!("argomento non previsto: {arg}{suggestion}"),
        ErrorKind::InvalidSubcommand => {
            format!(
                "comando sconosciuto: {}{suggestion}",
                context(e, ContextKind::InvalidSubcommand).unwrap_or_default()
            )
        }
        ErrorKind::MissingRequiredArgument => format!("manca un argomento obbligatorio: {arg}"),
        ErrorKind::MissingSubcommand => format!(
            "manca il comando: uno tra {}",
            context(e, ContextKind::ValidSubcommand).unwrap_or_else(|| "quelli elencati dall'aiuto".into())
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            if value.is_empty() {
                format!("manca il valore di {arg}")
            } else {
                format!("valore non valido per {arg}: {value}")
            }
        }
        ErrorKind::ArgumentConflict => match context(e, ContextKind::PriorArg) {
            Some(prior) if prior != arg => format!("{arg} non si può usare insieme a {prior}"),
            _ => format!("{arg} si può dare una volta sola"),
        },
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues | ErrorKind::NoEquals => {
            format!("numero di valori non corretto per {arg}")
        }
        ErrorKind::InvalidUtf8 => "un argomento non è testo UTF-8 valido".into(),
        _ => "argomenti non validi".into(),
    }
}

/// Prints what a failed parse means and returns the exit code (0 for help and version).
fn report(e: &clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            eprintln!("ricolloca: {}", message(e));
            if let Some(usage) = context(e, ContextKind::Usage) {
                eprintln!("\nUso: {}", usage.trim_start_matches("Usage:").trim());
            }
            eprintln!("\nPer l'aiuto: ricolloca help, oppure ricolloca COMANDO --help");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[derive(clap::Parser, Debug)]
    #[command(name = "prova", version = "1")]
    struct Prova {
        #[command(subcommand)]
        command: Sotto,
    }

    #[derive(clap::Subcommand, Debug)]
    enum Sotto {
        /// Fa una cosa.
        Fai {
            #[arg(long, value_name = "FILE")]
            out: String,
        },
    }

    fn args(list: &[&str]) -> Vec<std::ffi::OsString> {
        list.iter().map(Into::into).collect()
    }

    #[test]
    fn parses_as_clap_would() {
        let p: Prova = parse_from(args(&["prova", "fai", "--out", "x"])).unwrap();
        assert!(matches!(p.command, Sotto::Fai { ref out } if out == "x"));
    }

    #[test]
    fn help_has_no_english_heading() {
        let mut cmd = command::<Prova>();
        let root = cmd.render_help().to_string();
        let sub = cmd.find_subcommand_mut("fai").unwrap().render_help().to_string();
        for text in [&root, &sub] {
            for english in ["Usage:", "Options:", "Commands:", "Print help", "Print version", "[OPTIONS]"] {
                assert!(!text.contains(english), "{english} in {text}");
            }
        }
        assert!(root.contains("Comandi:") && root.contains("Mostra la versione"), "{root}");
        assert!(sub.contains("Uso: prova fai") && sub.contains("Opzioni:"), "{sub}");
    }

    #[test]
    fn errors_are_told_in_italian() {
        let e = command::<Prova>().try_get_matches_from(args(&["prova", "fai", "--fuori", "x"])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownArgument);
        let m = message(&e);
        assert!(m.starts_with("argomento non previsto: --fuori"), "{m}");
        let e = command::<Prova>().try_get_matches_from(args(&["prova", "fai"])).unwrap_err();
        assert!(message(&e).starts_with("manca un argomento obbligatorio: --out"), "{}", message(&e));
    }
}
