//! `netcfg`: check, show, compare and explain configurations of the net stack; build, run
//! and create applications.
//!
//! Exit codes: 0 ok, 1 configuration or build errors, 2 usage errors.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use net_config::board::{self, DEFAULT_BOARD};
use net_config::config::{Request, find_root};
use net_config::firmware::{self, App, Build, Flavor, NetBackend};
use net_config::{elf, output, scaffold, size};

const USAGE: &str = "\
netcfg: configuration tool of the net stack

USAGE:
    netcfg check   [OPTIONS] FILE...
    netcfg show    [OPTIONS] [--changed] [--format text|conf|json|values] FILE...
    netcfg diff    [OPTIONS] A B          (A and B: one file, or several joined by ',')
    netcfg explain [OPTIONS] SYMBOL [FILE...]
    netcfg boards  [OPTIONS]
    netcfg menuconfig [OPTIONS] FILE      (edit FILE with kconfiglib's menuconfig)
    netcfg build   -b BOARD [-c FILE]... [-D NAME=VALUE]... APP_DIR
    netcfg run     -b BOARD [-c FILE]... [-D NAME=VALUE]... APP_DIR
                   [--eth-if TAP | --netdev BACKEND] [-- ARGS...]
    netcfg new     [-b BOARD] [--add-to-workspace] APP_DIR
    netcfg size    -b BOARD [--app APP_DIR] [--format text|markdown|json|html] [--tree]
                   [--smoltcp] CONFIG...   (CONFIG: one file, or several joined by ',')

OPTIONS:
    -b, --board NAME       board whose defconfig applies first (default: the board a TOML
                           file names, else native_sim when the project has it)
    -D NAME=VALUE          override a symbol (applied after all files)
    --kconfig PATH         top Kconfig file (default: ./Kconfig of the project root)
    --boards-dir DIR       board folders (default: boards/ beside the top Kconfig)
    --no-board             apply no board defconfig
    --lenient              report configuration errors as warnings, as kconfiglib does
    -h, --help             this text

BUILD, RUN AND NEW:
    -c, --config FILE      a configuration file applied after APP_DIR/prj.conf and the
                           board overlay (repeatable)
    --eth-if TAP           run: the host TAP of the board's Ethernet interface
    --netdev BACKEND       run (QEMU boards): connect the NIC to this QEMU -netdev backend
                           instead, e.g. socket,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556
    -- ARGS...             run: arguments for the application (QEMU boards: extra QEMU
                           options, the firmware takes no command line)
    --add-to-workspace     new: add APP_DIR to the workspace members in Cargo.toml

SIZE:
    --app APP_DIR          the application to build (default: examples/echo_server)
    --format FMT           text (default), markdown, json or html (one self-contained page)
    --tree                 text: also print Zephyr-style ROM and RAM trees (path/size/%)
    --smoltcp              also build examples/smoltcp_echo (smoltcp 0.12 with the features
                           matching each CONFIG) and compare ROM/RAM (qemu_cortex_m3)
    Each CONFIG replaces APP_DIR/prj.conf as the application's configuration (board
    defconfig, CONFIG's files, the board overlay, -D); each is built like `build`, and
    every symbol of the image is attributed to a module of the stack by its demangled path
    (net_core::ip::ipv4::... is IPv4). Firmware is built with LTO and one codegen unit, so
    code inlined into a caller counts in the caller's row; bytes no symbol covers are
    \"other\". Every column adds up to the ELF section totals to the byte. See docs/size.md.

FILES are Zephyr .conf fragments or .toml files, applied in order (later wins).
An application (APP_DIR) is a Cargo package of the workspace with a prj.conf (or prj.toml);
its configuration is the board's defconfig, then prj.conf, then the board overlay
APP_DIR/boards/<board>.conf if there is one (as in Zephyr), then each -c FILE, then -D.
`build` resolves it, builds the release firmware into target/netcfg/<board>-<hash> (one
directory per board and resolved configuration), and prints the artifact and its ROM/RAM;
`run` builds, then runs the firmware (native_sim: as a host process) with its exit status.
Exit codes: 0 ok, 1 configuration or build errors, 2 usage errors.
";

#[derive(Clone)]
struct Args {
    command: String,
    req: Request,
    positional: Vec<String>,
    format: String,
    changed: bool,
    no_board: bool,
    /// `-c` files (build, run).
    config_files: Vec<String>,
    /// `size`: the files that replace APP_DIR/prj.conf for one build.
    app_config: Option<Vec<String>>,
    /// `--app` (size).
    app: Option<String>,
    /// `--tree` (size).
    tree: bool,
    /// `--smoltcp` (size).
    smoltcp: bool,
    /// `--eth-if` (run).
    eth_if: Option<String>,
    /// `--netdev` (run, QEMU boards).
    netdev: Option<String>,
    /// `--add-to-workspace` (new).
    add_to_workspace: bool,
    /// The arguments after `--` (run).
    passthrough: Vec<String>,
    /// Options that change the tree or its strictness (`--kconfig`, `--boards-dir`,
    /// `--lenient`, `--no-board`), which firmware builds cannot honour.
    tree_options: Vec<&'static str>,
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
        config_files: Vec::new(),
        app_config: None,
        app: None,
        tree: false,
        smoltcp: false,
        eth_if: None,
        netdev: None,
        add_to_workspace: false,
        passthrough: Vec::new(),
        tree_options: Vec::new(),
    };
    let mut kconfig: Option<PathBuf> = None;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-b" | "--board" => a.req.board = Some(value("--board")?),
            "-D" => a.req.defines.push(value("-D")?),
            "-c" | "--config" => a.config_files.push(value("--config")?),
            "--eth-if" => a.eth_if = Some(value("--eth-if")?),
            "--netdev" => a.netdev = Some(value("--netdev")?),
            "--add-to-workspace" => a.add_to_workspace = true,
            "--app" => a.app = Some(value("--app")?),
            "--tree" => a.tree = true,
            "--smoltcp" => a.smoltcp = true,
            "--" => {
                a.passthrough = it.by_ref().collect();
                break;
            }
            "--kconfig" => {
                kconfig = Some(PathBuf::from(value("--kconfig")?));
                a.tree_options.push("--kconfig");
            }
            "--boards-dir" => {
                a.req.boards_dir = Some(PathBuf::from(value("--boards-dir")?));
                a.tree_options.push("--boards-dir");
            }
            "--format" => a.format = value("--format")?,
            "--changed" => a.changed = true,
            "--lenient" => {
                a.req.lenient = true;
                a.tree_options.push("--lenient");
            }
            "--no-board" => {
                a.no_board = true;
                a.tree_options.push("--no-board");
            }
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("-D") && s.len() > 2 => a.req.defines.push(s[2..].to_string()),
            s if s.starts_with("--board=") => a.req.board = Some(s["--board=".len()..].to_string()),
            s if s.starts_with("--format=") => a.format = s["--format=".len()..].to_string(),
            s if s.starts_with("--kconfig=") => {
                kconfig = Some(PathBuf::from(&s["--kconfig=".len()..]));
                a.tree_options.push("--kconfig");
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
    let firmware = matches!(a.command.as_str(), "build" | "run" | "new");
    if !firmware && !a.config_files.is_empty() {
        return Err("-c is for build and run; other commands take the files as arguments".into());
    }
    if a.eth_if.is_some() && a.command != "run" {
        return Err("--eth-if is for run".into());
    }
    if a.netdev.is_some() && a.command != "run" {
        return Err("--netdev is for run".into());
    }
    if a.eth_if.is_some() && a.netdev.is_some() {
        return Err("--eth-if and --netdev both connect the NIC: give one".into());
    }
    if let Some(spec) = &a.netdev {
        let kind = spec.split(',').next().unwrap_or_default();
        if kind.is_empty() || kind.contains('=') {
            return Err(format!(
                "--netdev {spec}: expected a QEMU -netdev backend such as socket,udp=HOST:PORT,localaddr=HOST:PORT"
            ));
        }
        if spec.split(',').any(|opt| opt.starts_with("id=")) {
            return Err(format!(
                "--netdev {spec}: leave out id=, netcfg names the backend itself"
            ));
        }
    }
    if !a.passthrough.is_empty() && a.command != "run" {
        return Err("arguments after `--` are for run".into());
    }
    if a.command != "size" && (a.app.is_some() || a.tree || a.smoltcp) {
        return Err("--app, --tree and --smoltcp are for size".into());
    }
    if a.command == "size"
        && let Some(opt) = a.tree_options.first()
    {
        return Err(format!(
            "{opt} is not for size: firmware builds use the project's own tree, strictly"
        ));
    }
    if a.add_to_workspace && a.command != "new" {
        return Err("--add-to-workspace is for new".into());
    }
    if firmware && let Some(opt) = a.tree_options.first() {
        return Err(format!(
            "{opt} is not for {}: firmware builds use the project's own tree, strictly",
            a.command
        ));
    }
    if a.command == "new" && (!a.config_files.is_empty() || !a.req.defines.is_empty()) {
        return Err("-c and -D are for build and run".into());
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
        "build" => build_cmd(args),
        "run" => run_cmd(args),
        "new" => new_cmd(args),
        "size" => size_cmd(args),
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

/// Prints `netcfg: error: MSG` and gives exit code 1.
fn fail(msg: &str) -> ExitCode {
    eprintln!("netcfg: error: {msg}");
    ExitCode::from(1)
}

/// A firmware that [`build_app`] produced.
struct Built {
    board: board::Board,
    flavor: Flavor,
    artifact: PathBuf,
    /// The configuration files, in order (for `size`).
    files: Vec<PathBuf>,
    /// The static instance's RAM by component (for `size`).
    ram: Vec<net_config::ram::RamItem>,
    /// The enabled bool symbols among those `size --smoltcp` maps to smoltcp features.
    enabled: Vec<&'static str>,
    /// The application package.
    package: String,
    /// Cargo's opt-level the firmware was built with (for the smoltcp build of `size`).
    opt_level: &'static str,
}

/// `netcfg build`/`run`: resolves the application's configuration in-process (printing
/// diagnostics as `check` does), builds it with cargo into its own build directory, and
/// prints the artifact and its size to stdout (`build`) or stderr (`run`, whose stdout is
/// the firmware's console). `Err` holds the exit code.
fn build_app(args: &Args) -> Result<Built, ExitCode> {
    let [app_dir] = args.positional.as_slice() else {
        return Err(usage_error(&format!(
            "{} needs one APP_DIR (a Cargo package with a prj.conf)",
            args.command
        )));
    };
    let cwd = std::env::current_dir().map_err(|e| fail(&format!("no current directory: {e}")))?;
    let app_abs = scaffold::absolute(&cwd, Path::new(app_dir));
    let app = App::open(&relative_to_cwd(&app_abs)).map_err(|e| fail(&e))?;
    let Some(root) = find_root(&app_abs) else {
        return Err(fail(&format!(
            "{app_dir} is not inside the project (no Kconfig and boards/ above it)"
        )));
    };
    let rel = app_abs
        .strip_prefix(&root)
        .map(|r| r.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    if !firmware::is_workspace_member(&workspace, &rel) {
        return Err(fail(&format!(
            "{app_dir} is not a member of the workspace, so cargo cannot build it\n  help: add \"{rel}\" to `members` in {}",
            relative_to_cwd(&root.join("Cargo.toml")).display()
        )));
    }

    // The configuration, as the build scripts will see it: board, prj.conf, -c, -D.
    // `size` names the application's configuration itself (it replaces prj.conf).
    let mut files: Vec<PathBuf> = match &args.app_config {
        Some(list) => list
            .iter()
            .map(|f| scaffold::absolute(&cwd, Path::new(f)))
            .collect(),
        None => vec![scaffold::absolute(&cwd, &app.config)],
    };
    let app_files = files.len();
    files.extend(
        args.config_files
            .iter()
            .map(|f| scaffold::absolute(&cwd, Path::new(f))),
    );
    let mut req = args.req.clone();
    req.kconfig = relative_to_cwd(&root.join("Kconfig"));
    req.boards_dir = None;
    req.default_board = Some(DEFAULT_BOARD.to_string());
    req.files = files.iter().map(|f| relative_to_cwd(f)).collect();
    let mut loaded = req.load().map_err(|d| ExitCode::from(report(&d)))?;
    // Zephyr's board overlay: APP_DIR/boards/<board>.conf, right after prj.conf.
    let overlay = loaded
        .board
        .as_ref()
        .and_then(|b| firmware::board_overlay(&app_abs, &b.name));
    if let Some(overlay) = overlay {
        eprintln!(
            "netcfg: board overlay {}",
            relative_to_cwd(&overlay).display()
        );
        files.insert(app_files, overlay);
        req.files = files.iter().map(|f| relative_to_cwd(f)).collect();
        loaded = req.load().map_err(|d| ExitCode::from(report(&d)))?;
    }
    let res = loaded.resolve();
    let code = report(&res.diagnostics);
    summary(&res.diagnostics);
    if code != 0 {
        return Err(ExitCode::from(code));
    }
    // The build scripts' own checks on top of resolution (e.g. no negative sizes).
    if let Err(e) = net_config::build::configure(&req) {
        eprint!("{e}");
        return Err(ExitCode::from(1));
    }
    let board = loaded
        .board
        .clone()
        .expect("a default board is always set for builds");
    let flavor = Flavor::of(&board).map_err(|e| fail(&e))?;

    let target_dir = firmware::build_dir(&root, &board.name, &output::dotconfig(&res));
    let build = Build {
        root: root.clone(),
        package: app.package.clone(),
        board: board.name.clone(),
        flavor: flavor.clone(),
        files,
        defines: args.req.defines.clone(),
        target_dir: target_dir.clone(),
        opt_level: firmware::opt_level(&res),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = build.cargo_command(cargo).map_err(|e| fail(&e))?;
    eprintln!(
        "netcfg: building {} for {} in {}",
        app.package,
        board.name,
        relative_to_cwd(&target_dir).display()
    );
    let out = cmd
        .output()
        .map_err(|e| fail(&format!("cannot run cargo: {e}")))?;
    if !out.status.success() {
        return Err(fail(&format!(
            "cargo build of {} for {} failed",
            app.package, board.name
        )));
    }
    let messages = String::from_utf8_lossy(&out.stdout);
    let Some(artifact) = firmware::artifact_from_messages(&messages, &app.package) else {
        return Err(fail(&format!(
            "cargo built {} but named no executable for it",
            app.package
        )));
    };
    let sizes = elf::read(&artifact).map_err(|e| fail(&e))?;
    let memory = board.spec.as_ref().and_then(|s| s.memory.as_ref());
    let line = firmware::fit(&sizes, &board.name, memory).map_err(|e| fail(&e))?;
    let artifact_shown = relative_to_cwd(&artifact);
    if args.command == "build" {
        println!("artifact: {}", artifact_shown.display());
        println!("size: {line}");
    } else {
        eprintln!("netcfg: artifact: {}", artifact_shown.display());
        eprintln!("netcfg: size: {line}");
    }
    let target = board.spec.as_ref().map_or("host", |s| s.target.as_str());
    let ram = net_config::ram::instance(&res, net_config::ram::pointer_width(target));
    let enabled = [
        "NET_L2_ETHERNET",
        "NET_IPV4",
        "NET_IPV6",
        "NET_UDP",
        "NET_TCP",
    ]
    .into_iter()
    .filter(|n| res.get(n) == Some("y"))
    .collect();
    Ok(Built {
        board,
        flavor,
        artifact,
        files: build.files.clone(),
        ram,
        enabled,
        package: app.package.clone(),
        opt_level: build.opt_level,
    })
}

fn build_cmd(args: Args) -> ExitCode {
    match build_app(&args) {
        Ok(_) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn run_cmd(args: Args) -> ExitCode {
    let built = match build_app(&args) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let net = match (&args.eth_if, &args.netdev) {
        (Some(tap), _) => Some(NetBackend::Tap(tap.clone())),
        (None, Some(spec)) => Some(NetBackend::Netdev(spec.clone())),
        (None, None) => None,
    };
    if args.netdev.is_some() {
        let nic = built
            .board
            .spec
            .as_ref()
            .and_then(|s| s.run.nic_model.as_deref());
        if built.flavor == Flavor::Native || nic.is_none() {
            return usage_error(&format!(
                "--netdev is for QEMU boards with a NIC; {} has none (native_sim: use --eth-if)",
                built.board.name
            ));
        }
    }
    let cmd = built.flavor.run_command(
        &built.board,
        &built.artifact,
        net.as_ref(),
        &args.passthrough,
    );
    exec(cmd, &built.artifact)
}

/// Replaces this process with `cmd` (Unix), so the firmware's exit status and signals are
/// the caller's; elsewhere waits for it and passes its exit code on.
fn exec(mut cmd: Command, what: &Path) -> ExitCode {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = cmd.exec();
        fail(&format!("cannot run {}: {err}", what.display()))
    }
    #[cfg(not(unix))]
    match cmd.status() {
        Ok(s) => ExitCode::from(s.code().map_or(1, |c| c as u8)),
        Err(e) => fail(&format!("cannot run {}: {e}", what.display())),
    }
}

fn new_cmd(args: Args) -> ExitCode {
    let [app_dir] = args.positional.as_slice() else {
        return usage_error("new needs one APP_DIR");
    };
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => return fail(&format!("no current directory: {e}")),
    };
    let app_abs = scaffold::absolute(&cwd, Path::new(app_dir));
    let name = app_abs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !scaffold::valid_package_name(&name) {
        return usage_error(&format!(
            "`{name}` cannot name a Cargo package: use letters, digits, `-` and `_`, not starting with a digit"
        ));
    }
    if app_abs.is_file()
        || std::fs::read_dir(&app_abs).is_ok_and(|mut entries| entries.next().is_some())
    {
        eprintln!("netcfg: {app_dir} exists and is not empty; refusing to overwrite it");
        return ExitCode::from(2);
    }
    let mut existing = app_abs.as_path();
    while !existing.exists() {
        existing = existing.parent().unwrap_or(Path::new("/"));
    }
    let Some(root) = find_root(existing).or_else(|| find_root(&cwd)) else {
        return fail("no project (Kconfig and boards/) above APP_DIR or here");
    };
    let in_workspace = app_abs
        .strip_prefix(&root)
        .ok()
        .map(|r| r.to_string_lossy().replace('\\', "/"));
    if args.add_to_workspace && in_workspace.is_none() {
        return usage_error(&format!(
            "--add-to-workspace: {app_dir} is outside the workspace at {}",
            root.display()
        ));
    }
    let board_name = args
        .req
        .board
        .clone()
        .unwrap_or_else(|| DEFAULT_BOARD.to_string());
    let board = match board::find(&root.join("boards"), &board_name) {
        Ok(b) => b,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(1);
        }
    };
    match Flavor::of(&board) {
        Ok(Flavor::Native) => {}
        Ok(Flavor::Qemu { .. }) => {
            return fail(&format!(
                "scaffolding for {} is not available yet (netcfg new makes native_sim applications)",
                board.name
            ));
        }
        Err(e) => return fail(&e),
    }

    let app_shown = relative_to_cwd(&app_abs)
        .to_string_lossy()
        .replace('\\', "/");
    let to_root = scaffold::relative(&app_abs, &root);
    for (rel, text) in scaffold::files(&name, &to_root, &app_shown, &board.name) {
        let path = app_abs.join(&rel);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        if let Err(e) = written {
            return fail(&format!("cannot write {}: {e}", path.display()));
        }
    }
    println!("created {app_shown}: Cargo.toml, prj.conf, src/main.rs (package {name})");

    let manifest_path = root.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap_or_default();
    let manifest_shown = relative_to_cwd(&manifest_path);
    match in_workspace {
        Some(rel) if firmware::is_workspace_member(&manifest, &rel) => {
            println!("{rel} is already a workspace member");
        }
        Some(rel) if args.add_to_workspace => {
            let updated = scaffold::add_member(&manifest, &rel)
                .filter(|m| firmware::is_workspace_member(m, &rel));
            let Some(updated) = updated else {
                return fail(&format!(
                    "cannot find `members` in {}; add \"{rel}\" to it by hand",
                    manifest_shown.display()
                ));
            };
            if let Err(e) = std::fs::write(&manifest_path, updated) {
                return fail(&format!("cannot write {}: {e}", manifest_shown.display()));
            }
            println!(
                "added \"{rel}\" to the workspace members in {}",
                manifest_shown.display()
            );
        }
        Some(rel) => {
            println!(
                "next: add \"{rel}\" to `members` in {} (or run netcfg new with --add-to-workspace)",
                manifest_shown.display()
            );
        }
        None => {
            println!(
                "note: {app_shown} is outside the workspace at {}; `netcfg build` builds workspace members only",
                root.display()
            );
        }
    }
    println!("then: netcfg build -b {} {app_shown}", board.name);
    println!(
        "      netcfg run -b {} {app_shown} --eth-if zeth",
        board.name
    );
    ExitCode::SUCCESS
}

/// `netcfg size`: builds the application once per CONFIG (each replacing its prj.conf),
/// attributes every byte of each image to a module of the stack, and prints the comparison.
fn size_cmd(args: Args) -> ExitCode {
    if args.positional.is_empty() {
        return usage_error("size needs at least one CONFIG (a file, or several joined by ',')");
    }
    if !matches!(args.format.as_str(), "text" | "markdown" | "json" | "html") {
        return usage_error(&format!(
            "unknown format `{}` (text, markdown, json, html)",
            args.format
        ));
    }
    if args.tree && args.format != "text" {
        return usage_error("--tree is for --format text");
    }
    let app_dir = match &args.app {
        Some(dir) => dir.clone(),
        None => {
            let root = std::env::current_dir().ok().and_then(|d| find_root(&d));
            let dir = root.map_or(PathBuf::from("examples/echo_server"), |r| {
                relative_to_cwd(&r.join("examples/echo_server"))
            });
            dir.to_string_lossy().into_owned()
        }
    };
    let mut report: Option<size::Report> = None;
    for spec in &args.positional {
        let files: Vec<String> = spec
            .split(',')
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect();
        if files.is_empty() {
            return usage_error(&format!("`{spec}` names no configuration file"));
        }
        let mut one = args.clone();
        one.app_config = Some(files);
        one.positional = vec![app_dir.clone()];
        let built = match build_app(&one) {
            Ok(b) => b,
            Err(code) => {
                eprintln!("netcfg: size: building {spec} failed");
                return code;
            }
        };
        let img = match elf::read_image(&built.artifact) {
            Ok(i) => i,
            Err(e) => return fail(&e),
        };
        let shown: Vec<String> = built
            .files
            .iter()
            .map(|f| relative_to_cwd(f).to_string_lossy().into_owned())
            .collect();
        let mut m = size::measure(spec, shown, &img, &built.package.replace('-', "_"));
        m.instance = built.ram.clone();
        m.artifact = relative_to_cwd(&built.artifact)
            .to_string_lossy()
            .into_owned();
        if args.smoltcp {
            let tcp = m.rows.get("TCP").is_some_and(|b| b.rom > 0);
            let features = size::smoltcp_features(&|n| built.enabled.contains(&n), tcp);
            match build_smoltcp(&built, &features) {
                Ok(sizes) => m.smoltcp = Some(size::Smoltcp { features, sizes }),
                Err(e) => return fail(&e),
            }
        }
        let r = report.get_or_insert_with(|| {
            let mem = built.board.spec.as_ref().and_then(|s| s.memory.as_ref());
            size::Report {
                board: built.board.name.clone(),
                flash: mem.and_then(|m| m.flash_size),
                ram: mem.map(|m| m.ram_size),
                app: built.package.clone(),
                configs: Vec::new(),
            }
        });
        r.configs.push(m);
    }
    let Some(report) = report else {
        return ExitCode::from(1);
    };
    match args.format.as_str() {
        "markdown" => print!("{}", report.markdown()),
        "json" => println!(
            "{}",
            serde_json::to_string_pretty(&report.json()).expect("JSON values serialize")
        ),
        "html" => print!("{}", report.html()),
        _ => {
            print!("{}", report.text());
            if args.tree {
                println!();
                print!("{}", report.tree(4));
            }
        }
    }
    ExitCode::SUCCESS
}

/// Builds `examples/smoltcp_echo` with `features` for the board of `built`, with the same
/// target and profile; its section totals.
fn build_smoltcp(built: &Built, features: &[String]) -> Result<elf::Sizes, String> {
    let Flavor::Qemu { target } = &built.flavor else {
        return Err("--smoltcp compares firmware: use a bare-metal board (qemu_cortex_m3)".into());
    };
    if built.board.name != "qemu_cortex_m3" {
        return Err(format!(
            "--smoltcp: the smoltcp firmware drives the LM3S6965's Stellaris MAC, so it is for qemu_cortex_m3, not {}",
            built.board.name
        ));
    }
    let root = find_root(&built.artifact).ok_or("the artifact is outside the project")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = size::smoltcp_command(
        &root,
        &built.board.name,
        target,
        features,
        built.opt_level,
        cargo,
    );
    eprintln!(
        "netcfg: building smoltcp_echo for {} with {}",
        built.board.name,
        features.join(",")
    );
    let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err("cargo build of smoltcp_echo failed".into());
    }
    let messages = String::from_utf8_lossy(&out.stdout);
    let artifact = firmware::artifact_from_messages(&messages, "smoltcp_echo")
        .ok_or("cargo built smoltcp_echo but named no executable for it")?;
    let sizes = elf::read(&artifact)?;
    eprintln!("netcfg: smoltcp_echo: {sizes}");
    Ok(sizes)
}
