//! `netcfg`: check, show, compare and explain configurations of the net stack.
//!
//! Exit codes: 0 ok, 1 configuration errors, 2 usage errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use net_config::board::{self, DEFAULT_BOARD};
use net_config::config::{Request, find_root};
use net_config::output;

const USAGE: &str = "\
netcfg: configuration tool of the net stack

USAGE:
    netcfg check   [OPTIONS] FILE...
    netcfg show    [OPTIONS] [--changed] [--format text|conf|json|values] FILE...
    netcfg diff    [OPTIONS] A B          (A and B: one file, or several joined by ',')
    netcfg explain [OPTIONS] SYMBOL [FILE...]
    netcfg boards  [OPTIONS]
    netcfg menuconfig [OPTIONS] FILE      (edit FILE with kconfiglib's menuconfig)

OPTIONS:
    -b, --board NAME       board whose defconfig applies first (default: the board a TOML
                           file names, else native_sim when the project has it)
    -D NAME=VALUE          override a symbol (applied after all files)
    --kconfig PATH         top Kconfig file (default: ./Kconfig of the project root)
    --boards-dir DIR       board folders (default: boards/ beside the top Kconfig)
    --no-board             apply no board defconfig
    --lenient              report configuration errors as warnings, as kconfiglib does
    -h, --help             this text

FILES are Zephyr .conf fragments or .toml files, applied in order (later wins).
Exit codes: 0 ok, 1 configuration errors, 2 usage errors.
";

struct Args {
    command: String,
    req: Request,
    positional: Vec<String>,
    format: String,
    changed: bool,
    no_board: bool,
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("netcfg: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}

fn parse_args(argv: Vec<String>) -> Result<Args, String> {
    let mut it = argv.into_iter();
    let command = it.next().ok_or("no command given")?;
    let mut a = Args {
        command,
        req: Request::default(),
        positional: Vec::new(),
        format: "text".into(),
        changed: false,
        no_board: false,
    };
    let mut kconfig: Option<PathBuf> = None;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-b" | "--board" => a.req.board = Some(value("--board")?),
            "-D" => a.req.defines.push(value("-D")?),
            "--kconfig" => kconfig = Some(PathBuf::from(value("--kconfig")?)),
            "--boards-dir" => a.req.boards_dir = Some(PathBuf::from(value("--boards-dir")?)),
            "--format" => a.format = value("--format")?,
            "--changed" => a.changed = true,
            "--lenient" => a.req.lenient = true,
            "--no-board" => a.no_board = true,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("-D") && s.len() > 2 => a.req.defines.push(s[2..].to_string()),
            s if s.starts_with("--board=") => a.req.board = Some(s["--board=".len()..].to_string()),
            s if s.starts_with("--format=") => a.format = s["--format=".len()..].to_string(),
            s if s.starts_with("--kconfig=") => {
                kconfig = Some(PathBuf::from(&s["--kconfig=".len()..]))
            }
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            _ => a.positional.push(arg),
        }
    }
    let project_root = std::env::current_dir().ok().and_then(|d| find_root(&d));
    a.req.kconfig = match (kconfig, &project_root) {
        (Some(k), _) => k,
        (None, Some(root)) => relative_to_cwd(&root.join("Kconfig")),
        (None, None) => return Err("no Kconfig found here or above; pass --kconfig PATH".into()),
    };
    if !a.no_board && a.req.board.is_none() {
        let boards_dir = a.req.boards_dir.clone().unwrap_or_else(|| {
            a.req
                .kconfig
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
                .join("boards")
        });
        if board::list(&boards_dir).iter().any(|b| b == DEFAULT_BOARD) {
            a.req.default_board = Some(DEFAULT_BOARD.to_string());
        }
    }
    if a.no_board {
        a.req.board = None;
    }
    Ok(a)
}

/// Shortens an absolute path below the current directory, so messages say `net-core/...`.
fn relative_to_cwd(p: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .filter(|r| !r.as_os_str().is_empty())
        .unwrap_or_else(|| p.to_path_buf())
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || matches!(argv[0].as_str(), "-h" | "--help" | "help") {
        print!("{USAGE}");
        return if argv.is_empty() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let args = match parse_args(argv) {
        Ok(a) => a,
        Err(msg) if msg.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => return usage_error(&msg),
    };
    match args.command.as_str() {
        "check" => check(args),
        "show" => show(args),
        "diff" => diff(args),
        "explain" => explain(args),
        "boards" => boards(args),
        "menuconfig" => menuconfig(args),
        other => usage_error(&format!("unknown command `{other}`")),
    }
}

/// Prints diagnostics to stderr; returns 1 when there were errors.
fn report(diags: &net_config::Diagnostics) -> u8 {
    for d in diags.iter() {
        eprintln!("{d}");
    }
    u8::from(diags.has_errors())
}

fn summary(diags: &net_config::Diagnostics) {
    let errors = diags.error_count();
    let warnings = diags.iter().count() - errors;
    if errors > 0 {
        eprintln!("netcfg: {errors} error(s), {warnings} warning(s)");
    }
}

fn check(mut args: Args) -> ExitCode {
    if args.positional.is_empty() {
        return usage_error("check needs at least one FILE");
    }
    args.req.files = args.positional.iter().map(PathBuf::from).collect();
    let loaded = match args.req.load() {
        Ok(l) => l,
        Err(d) => return ExitCode::from(report(&d)),
    };
    let res = loaded.resolve();
    let code = report(&res.diagnostics);
    summary(&res.diagnostics);
    if code == 0 {
        let kc = res.kconfig();
        let enabled = kc.defined_syms().filter(|&id| res.is_enabled(id)).count();
        let board = loaded
            .board
            .as_ref()
            .map_or("no board".to_string(), |b| format!("board {}", b.name));
        println!(
            "ok: {} ({}): {} symbols, {} enabled",
            args.positional.join(" "),
            board,
            kc.defined_syms().count(),
            enabled
        );
    }
    ExitCode::from(code)
}

fn show(mut args: Args) -> ExitCode {
    args.req.files = args.positional.iter().map(PathBuf::from).collect();
    let loaded = match args.req.load() {
        Ok(l) => l,
        Err(d) => return ExitCode::from(report(&d)),
    };
    let res = loaded.resolve();
    let code = report(&res.diagnostics);
    summary(&res.diagnostics);
    let base = args.changed.then(|| loaded.resolve_defaults());
    let text = match args.format.as_str() {
        "text" => output::text(&res, base.as_ref()),
        "conf" => output::dotconfig(&res),
        "values" => output::values(&res),
        "json" => {
            let mut v = output::json(&res, loaded.board.as_ref().map(|b| b.name.as_str()));
            let target = loaded
                .board
                .as_ref()
                .and_then(|b| b.spec.as_ref())
                .map_or("host", |s| s.target.as_str());
            v["ram"] = net_config::ram::json(&res, net_config::ram::pointer_width(target));
            if let Some(base) = &base
                && let Some(map) = v["symbols"].as_object_mut()
            {
                map.retain(|name, _| {
                    let id = res
                        .kconfig()
                        .defined(name)
                        .expect("listed symbols are defined");
                    base.str_value(id) != res.str_value(id)
                });
            }
            format!(
                "{}\n",
                serde_json::to_string_pretty(&v).expect("JSON values serialize")
            )
        }
        other => {
            return usage_error(&format!(
                "unknown format `{other}` (text, conf, json, values)"
            ));
        }
    };
    print!("{text}");
    ExitCode::from(code)
}

fn diff(args: Args) -> ExitCode {
    if args.positional.len() != 2 {
        return usage_error("diff needs two configurations");
    }
    let side = |spec: &str| {
        let mut req = args.req.clone();
        req.files = spec
            .split(',')
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect();
        req.load()
    };
    let (la, lb) = match (side(&args.positional[0]), side(&args.positional[1])) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(d), _) | (_, Err(d)) => return ExitCode::from(report(&d)),
    };
    let (ra, rb) = (la.resolve(), lb.resolve());
    let code = report(&ra.diagnostics).max(report(&rb.diagnostics));
    let groups = output::diff(&ra, &rb);
    if groups.is_empty() {
        println!("no differences");
    }
    let width = groups
        .values()
        .flatten()
        .map(|(n, _, _)| n.len())
        .max()
        .unwrap_or(0)
        + 7;
    println!(
        "{:width$}  {}  ->  {}",
        "", args.positional[0], args.positional[1]
    );
    for (menu, rows) in groups {
        println!("{menu}");
        for (name, a, b) in rows {
            println!("  {:width$}{a}  ->  {b}", format!("CONFIG_{name}"));
        }
    }
    ExitCode::from(code)
}

fn explain(mut args: Args) -> ExitCode {
    let Some(name) = args.positional.first().cloned() else {
        return usage_error("explain needs a SYMBOL");
    };
    let name = name.strip_prefix("CONFIG_").unwrap_or(&name).to_string();
    args.req.files = args.positional[1..].iter().map(PathBuf::from).collect();
    let loaded = match args.req.load() {
        Ok(l) => l,
        Err(d) => return ExitCode::from(report(&d)),
    };
    let res = loaded.resolve();
    let code = report(&res.diagnostics);
    let Some(id) = loaded.kconfig.defined(&name) else {
        let hint = net_config::diag::suggest(&name, loaded.kconfig.defined_names())
            .map(|s| format!("; did you mean {s}?"))
            .unwrap_or_default();
        eprintln!("netcfg: no symbol {name} is defined{hint}");
        return ExitCode::from(1);
    };
    print!("{}", output::explain(&res, id));
    ExitCode::from(code)
}

fn boards(args: Args) -> ExitCode {
    let dir = args.req.boards_dir.clone().unwrap_or_else(|| {
        args.req
            .kconfig
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
            .join("boards")
    });
    for name in board::list(&dir) {
        match board::find(&dir, &name) {
            Ok(b) => {
                let desc = b.spec.as_ref().map_or(String::new(), |s| {
                    format!("{} ({})", s.description, s.target)
                });
                println!("{name:20} {desc}");
            }
            Err(d) => eprintln!("{d}"),
        }
    }
    ExitCode::SUCCESS
}

fn menuconfig(args: Args) -> ExitCode {
    let Some(file) = args.positional.first() else {
        return usage_error("menuconfig needs the FILE to edit");
    };
    let kconfig = args
        .req
        .kconfig
        .canonicalize()
        .unwrap_or(args.req.kconfig.clone());
    let srctree = kconfig.parent().map(Path::to_path_buf).unwrap_or_default();
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, menuconfig; sys.argv[1:] = [sys.argv[1]]; menuconfig._main()",
        ])
        .arg(&kconfig)
        .env("KCONFIG_CONFIG", file)
        .env("srctree", &srctree)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!(
                "netcfg: cannot start python3 for menuconfig: {e}\n  help: python3 -m pip install kconfiglib==14.1.0"
            );
            ExitCode::from(2)
        }
    }
}
