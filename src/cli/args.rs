//! Hand-rolled argument parsing: `recon-align COMMAND [--option VALUE]... [--flag]...`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A usage error, shown with a pointer to `--help`.
#[derive(Debug, PartialEq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How an option is written on the command line.
#[derive(Clone, Copy, PartialEq)]
pub enum Arity {
    /// `--json`: present or not.
    Flag,
    /// `--k 32`: exactly one value.
    One,
    /// `--lambdas 0.1 1 10` or `--lambdas 0.1,1,10`: one or more values.
    Many,
}

/// One option a command accepts.
pub struct OptionSpec {
    pub name: &'static str,
    pub arity: Arity,
    pub value: &'static str,
    pub help: &'static str,
}

/// The options given to one command, by name (without the leading `--`).
#[derive(Debug, Default)]
pub struct Options {
    values: BTreeMap<String, Vec<String>>,
    command: String,
}

/// Parses `args` (everything after the command) against `specs`.
pub fn parse(command: &str, args: &[String], specs: &[OptionSpec]) -> Result<Options, UsageError> {
    let mut options = Options {
        values: BTreeMap::new(),
        command: command.to_string(),
    };
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let Some(name) = arg.strip_prefix("--") else {
            return Err(UsageError(format!(
                "unexpected argument '{arg}' for '{command}'"
            )));
        };
        // `--k=32` is accepted too.
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (name, None),
        };
        let spec = specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| UsageError(format!("unknown option '--{name}' for '{command}'")))?;
        if options.values.contains_key(name) {
            return Err(UsageError(format!("option '--{name}' given twice")));
        }
        i += 1;
        let mut values = Vec::new();
        match spec.arity {
            Arity::Flag => {
                if inline.is_some() {
                    return Err(UsageError(format!("option '--{name}' takes no value")));
                }
            }
            Arity::One => match inline {
                Some(v) => values.push(v),
                None if i < args.len() && !args[i].starts_with("--") => {
                    values.push(args[i].clone());
                    i += 1;
                }
                None => {
                    return Err(UsageError(format!(
                        "option '--{name}' needs a value ({})",
                        spec.value
                    )))
                }
            },
            Arity::Many => {
                values.extend(inline);
                while i < args.len() && !args[i].starts_with("--") {
                    values.push(args[i].clone());
                    i += 1;
                }
                values = values
                    .iter()
                    .flat_map(|v| v.split(','))
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect();
                if values.is_empty() {
                    return Err(UsageError(format!(
                        "option '--{name}' needs at least one value ({})",
                        spec.value
                    )));
                }
            }
        }
        options.values.insert(name.to_string(), values);
    }
    Ok(options)
}

impl Options {
    /// Whether a flag (or any option) was given.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The single value of an option, parsed, if given.
    pub fn get<T: FromStr>(&self, name: &str) -> Result<Option<T>, UsageError>
    where
        T::Err: fmt::Display,
    {
        match self.values.get(name).and_then(|v| v.first()) {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|e| invalid(name, text, e)),
        }
    }

    /// The single value of an option that must be given.
    pub fn require<T: FromStr>(&self, name: &str) -> Result<T, UsageError>
    where
        T::Err: fmt::Display,
    {
        self.get(name)?
            .ok_or_else(|| UsageError(format!("'{}' needs '--{name}'", self.command)))
    }

    /// All values of a many-valued option, parsed, if given.
    pub fn list<T: FromStr>(&self, name: &str) -> Result<Option<Vec<T>>, UsageError>
    where
        T::Err: fmt::Display,
    {
        self.values
            .get(name)
            .map(|values| {
                values
                    .iter()
                    .map(|text| text.parse().map_err(|e| invalid(name, text, e)))
                    .collect()
            })
            .transpose()
    }
}

/// "invalid value 'X' for '--name': why", without repeating X when `why` already quotes it.
fn invalid(name: &str, text: &str, why: impl fmt::Display) -> UsageError {
    let why = why.to_string();
    if why.contains(&format!("'{text}'")) {
        UsageError(format!("invalid '--{name}': {why}"))
    } else {
        UsageError(format!("invalid value '{text}' for '--{name}': {why}"))
    }
}

/// The help text of one command's options, one line each.
pub fn options_help(specs: &[OptionSpec]) -> String {
    specs
        .iter()
        .map(|s| {
            let left = if s.arity == Arity::Flag {
                format!("--{}", s.name)
            } else {
                format!("--{} {}", s.name, s.value)
            };
            format!("  {left:<28} {}\n", s.help)
        })
        .collect()
}
