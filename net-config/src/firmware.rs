//! Firmware builds: what `netcfg build` and `netcfg run` do once the configuration has
//! resolved.
//!
//! An application is a Cargo package of the workspace holding a `prj.conf` (or
//! `prj.toml`). Its firmware for one board and one resolved configuration is built with
//! `cargo build --release -p <package>` into `target/netcfg/<board>-<hash>`, where `<hash>`
//! is [`config_hash`] of the board name and the resolved `.config`: each distinct
//! board+configuration keeps its own build directory, so switching between them rebuilds
//! nothing. The configuration reaches the build scripts through `NET_CONFIG`, `NET_BOARD`
//! and `NET_CONFIG_DEFINES` (see [`crate::build`]).
//!
//! How a board is built and run is its [`Flavor`], chosen from `board.toml`'s `[run] kind`:
//! `native` (the `native_sim` host process) and `qemu` for the boards whose firmware exists
//! ([`QEMU_BOARDS`]: `qemu_cortex_m3`, `qemu_cortex_m0`, `mps2_an385`, `qemu_riscv32`), built
//! for the board's target and run under the board's QEMU machine with semihosting. Other
//! QEMU boards are refused until their firmware exists.
//!
//! The NIC of a QEMU board is attached to a host network backend ([`NetBackend`]): a TAP
//! (`--eth-if`) or any QEMU `-netdev` backend (`--netdev`, e.g. `socket,udp=...`). On-board
//! NICs take it as `-nic BACKEND,model=M`; NICs that are devices of their own
//! ([`DEVICE_NICS`]: `virtio-net-device` on `virt`) as `-netdev BACKEND,id=net0 -device
//! M,netdev=net0` ([`qemu_nic_args`]).

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::board::{Board, Memory};
use crate::elf::Sizes;

/// Where the per-board, per-configuration build directories live, below the workspace root.
pub const BUILD_ROOT: &str = "target/netcfg";

/// The configuration files an application directory may hold, in order of preference.
pub const APP_CONFIG_FILES: [&str; 2] = ["prj.conf", "prj.toml"];

/// FNV-1a, 64 bits: a small, stable hash (the same on every host and Rust release).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// 12 hex digits naming one board + resolved configuration (`dotconfig` is
/// [`crate::output::dotconfig`] of the resolution).
pub fn config_hash(board: &str, dotconfig: &str) -> String {
    let mut bytes = Vec::with_capacity(board.len() + 1 + dotconfig.len());
    bytes.extend_from_slice(board.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(dotconfig.as_bytes());
    format!("{:012x}", fnv1a64(&bytes) >> 16)
}

/// The build directory of `board` with the resolved configuration `dotconfig`, below the
/// workspace root `root`.
pub fn build_dir(root: &Path, board: &str, dotconfig: &str) -> PathBuf {
    root.join(BUILD_ROOT)
        .join(format!("{board}-{}", config_hash(board, dotconfig)))
}

/// The QEMU boards whose firmware (board support in the application, a driver for the NIC)
/// exists: `netcfg build`/`run` accept these and refuse the other QEMU boards.
pub const QEMU_BOARDS: [&str; 4] = [
    "qemu_cortex_m3",
    "qemu_cortex_m0",
    "mps2_an385",
    "qemu_riscv32",
];

/// NIC models that are not built into the machine but plugged in as a device of their own
/// (`-netdev ... -device`): QEMU refuses `-nic ...,model=` for them.
pub const DEVICE_NICS: [&str; 1] = ["virtio-net-device"];

/// Where a QEMU board's NIC is connected on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetBackend {
    /// An existing TAP device (`--eth-if TAP`).
    Tap(String),
    /// A QEMU `-netdev` backend as QEMU spells it without `id=` (`--netdev`), e.g.
    /// `socket,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556`.
    Netdev(String),
}

impl NetBackend {
    /// The backend as QEMU's `-nic`/`-netdev` option value begins.
    pub fn qemu_spec(&self) -> String {
        match self {
            NetBackend::Tap(tap) => format!("tap,ifname={tap},script=no,downscript=no"),
            NetBackend::Netdev(spec) => spec.clone(),
        }
    }
}

/// The QEMU arguments that attach a NIC of model `model` (board.toml's `nic_model`) to
/// `backend`, with the MAC address [`QEMU_MAC`].
pub fn qemu_nic_args(model: &str, backend: &NetBackend) -> Vec<String> {
    let spec = backend.qemu_spec();
    if DEVICE_NICS.contains(&model) {
        vec![
            "-netdev".to_string(),
            format!("{spec},id=net0"),
            "-device".to_string(),
            format!("{model},netdev=net0,mac={QEMU_MAC}"),
        ]
    } else {
        vec![
            "-nic".to_string(),
            format!("{spec},model={model},mac={QEMU_MAC}"),
        ]
    }
}

/// The MAC address QEMU gives the NIC (`-nic ...,mac=`): the one the firmware programs.
pub const QEMU_MAC: &str = "52:54:00:12:34:56";

/// How firmware for a board is built and run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// A host process (`native_sim`): built for the host, run directly.
    Native,
    /// Bare-metal firmware for `target` (a Rust target triple), run under QEMU with
    /// semihosting: the console goes to stdout and the exit status is the firmware's.
    Qemu {
        /// The Rust target triple of the board.
        target: String,
    },
}

impl Flavor {
    /// The flavor of `board`, or why its firmware cannot be built yet.
    pub fn of(board: &Board) -> Result<Flavor, String> {
        let spec = board.spec.as_ref();
        match spec.map(|s| s.run.kind.as_str()) {
            Some("native") => Ok(Flavor::Native),
            Some("qemu") if QEMU_BOARDS.contains(&board.name.as_str()) => Ok(Flavor::Qemu {
                target: spec.map(|s| s.target.clone()).unwrap_or_default(),
            }),
            _ => Err(format!(
                "firmware for {} is not available yet (native_sim and {} build and run today)",
                board.name,
                QEMU_BOARDS.join(", ")
            )),
        }
    }

    /// Extra `cargo build` arguments (target, features) for this flavor.
    pub fn cargo_args(&self) -> Vec<String> {
        match self {
            // The host is cargo's default target.
            Flavor::Native => Vec::new(),
            // The application selects `net-core` without `std` for bare-metal targets
            // (`[target.'cfg(target_os = "none")'.dependencies]`).
            Flavor::Qemu { target } => vec!["--target".to_string(), target.clone()],
        }
    }

    /// The command that runs `artifact` on `board`: `net` is where the first Ethernet
    /// interface is connected (native_sim takes a TAP only), `args` go to the program.
    pub fn run_command(
        &self,
        board: &Board,
        artifact: &Path,
        net: Option<&NetBackend>,
        args: &[String],
    ) -> Command {
        match self {
            Flavor::Native => {
                let mut cmd = Command::new(artifact);
                if let Some(spec) = &board.spec {
                    cmd.args(&spec.run.args);
                }
                if let Some(NetBackend::Tap(tap)) = net {
                    cmd.args(["--eth-if", tap]);
                }
                cmd.args(args);
                cmd
            }
            Flavor::Qemu { .. } => {
                let run = board.spec.as_ref().map(|s| &s.run);
                let qemu = run
                    .and_then(|r| r.qemu.clone())
                    .unwrap_or_else(|| "qemu-system-arm".to_string());
                let mut cmd = Command::new(qemu);
                if let Some(machine) = run.and_then(|r| r.machine.as_deref()) {
                    cmd.args(["-machine", machine]);
                }
                if let Some(r) = run {
                    cmd.args(&r.args);
                }
                match (net, run.and_then(|r| r.nic_model.as_deref())) {
                    (Some(backend), Some(model)) => {
                        cmd.args(qemu_nic_args(model, backend));
                    }
                    // No backend named: no NIC at all (QEMU's default would be SLIRP).
                    _ => {
                        cmd.args(["-nic", "none"]);
                    }
                }
                cmd.arg("-kernel").arg(artifact);
                // Firmware takes no command line: arguments after `--` go to QEMU.
                cmd.args(args);
                cmd
            }
        }
    }
}

/// An application: a Cargo package with its configuration file.
#[derive(Clone, Debug)]
pub struct App {
    /// The package directory.
    pub dir: PathBuf,
    /// The package name, from its `Cargo.toml`.
    pub package: String,
    /// `prj.conf` or `prj.toml` in the directory.
    pub config: PathBuf,
}

impl App {
    /// Reads the application in `dir`.
    pub fn open(dir: &Path) -> Result<App, String> {
        if !dir.is_dir() {
            return Err(format!("{}: no such application directory", dir.display()));
        }
        let manifest = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).map_err(|e| {
            format!(
                "{}: cannot read {}: {e} (an application is a Cargo package)",
                dir.display(),
                manifest.display()
            )
        })?;
        let package = package_name(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let config = APP_CONFIG_FILES
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "{}: no prj.conf or prj.toml (the application's configuration)",
                    dir.display()
                )
            })?;
        Ok(App {
            dir: dir.to_path_buf(),
            package,
            config,
        })
    }
}

/// The application's board overlay for `board`: `APP_DIR/boards/<board>.conf`, when it
/// exists. As in Zephyr, it applies right after `prj.conf` (before the `-c` files), so an
/// application can size itself for one board (e.g. smaller pools for 16 KiB of RAM).
pub fn board_overlay(app_dir: &Path, board: &str) -> Option<PathBuf> {
    let path = app_dir.join("boards").join(format!("{board}.conf"));
    path.is_file().then_some(path)
}

/// The `[package] name` of a `Cargo.toml`.
pub fn package_name(manifest: &str) -> Result<String, String> {
    let v: toml::Table = toml::from_str(manifest).map_err(|e| e.message().to_string())?;
    v.get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(String::from)
        .ok_or_else(|| "no [package] name: an application is a Cargo package".to_string())
}

/// Whether `rel` (a path relative to the workspace root, `/`-separated) is a member of the
/// workspace whose root `Cargo.toml` is `manifest`. Members may use `*` in a component.
pub fn is_workspace_member(manifest: &str, rel: &str) -> bool {
    let Ok(v) = toml::from_str::<toml::Table>(manifest) else {
        return false;
    };
    let list = |key: &str| -> Vec<String> {
        v.get("workspace")
            .and_then(|w| w.get(key))
            .and_then(|m| m.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str())
                    .map(|s| s.trim_end_matches('/').to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let rel = rel.trim_end_matches('/');
    list("members").iter().any(|m| path_glob(m, rel)) && !list("exclude").iter().any(|e| e == rel)
}

/// `*` matches within one path component.
fn path_glob(pattern: &str, path: &str) -> bool {
    let (p, s): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == s.len() && p.iter().zip(&s).all(|(p, s)| glob(p, s))
}

fn glob(p: &str, s: &str) -> bool {
    match p.split_once('*') {
        None => p == s,
        Some((head, tail)) => {
            s.starts_with(head)
                && (0..=s.len() - head.len())
                    .any(|i| s.is_char_boundary(head.len() + i) && glob(tail, &s[head.len() + i..]))
        }
    }
}

/// One firmware build.
#[derive(Clone, Debug)]
pub struct Build {
    /// The workspace root (holding `Cargo.toml`, `Kconfig` and `boards/`).
    pub root: PathBuf,
    /// The package to build.
    pub package: String,
    /// The board name.
    pub board: String,
    /// How the board's firmware is built.
    pub flavor: Flavor,
    /// Configuration files, lowest precedence first, as absolute paths.
    pub files: Vec<PathBuf>,
    /// `NAME=VALUE` overrides.
    pub defines: Vec<String>,
    /// The build directory ([`build_dir`]).
    pub target_dir: PathBuf,
    /// Cargo's opt-level for bare-metal firmware ([`opt_level`]).
    pub opt_level: &'static str,
}

/// The configuration's optimization level (Zephyr's `COMPILER_OPTIMIZATIONS` choice) as
/// cargo's opt-level: `SIZE_OPTIMIZATIONS` "s" (the default), `SIZE_OPTIMIZATIONS_AGGRESSIVE`
/// "z", `SPEED_OPTIMIZATIONS` "2", `DEBUG_OPTIMIZATIONS` "1", `NO_OPTIMIZATIONS` "0".
pub fn opt_level(res: &crate::Resolution) -> &'static str {
    const LEVELS: [(&str, &str); 5] = [
        ("SIZE_OPTIMIZATIONS", "s"),
        ("SIZE_OPTIMIZATIONS_AGGRESSIVE", "z"),
        ("SPEED_OPTIMIZATIONS", "2"),
        ("DEBUG_OPTIMIZATIONS", "1"),
        ("NO_OPTIMIZATIONS", "0"),
    ];
    LEVELS
        .iter()
        .find(|(sym, _)| res.get(sym) == Some("y"))
        .map_or("s", |(_, level)| level)
}

impl Build {
    /// The `cargo build` command: release profile (for bare-metal boards with
    /// [`crate::size::FIRMWARE_PROFILE`] and the configuration's opt-level), the
    /// board's target, JSON messages on stdout (to find the artifact) with rendered
    /// diagnostics on stderr, stdin closed.
    /// Fails when a file name or override cannot travel in the `;`-separated variables.
    pub fn cargo_command(&self, cargo: impl Into<OsString>) -> Result<Command, String> {
        let mut files = Vec::new();
        for f in &self.files {
            let s = f.to_string_lossy();
            if s.contains(';') {
                return Err(format!(
                    "{}: a configuration file name cannot contain `;` (NET_CONFIG separates files with it)",
                    f.display()
                ));
            }
            files.push(s.into_owned());
        }
        if let Some(d) = self.defines.iter().find(|d| d.contains(';')) {
            return Err(format!(
                "-D {d}: an override cannot contain `;` (NET_CONFIG_DEFINES separates overrides with it)"
            ));
        }
        let mut cmd = Command::new(cargo.into());
        cmd.current_dir(&self.root)
            .args(["build", "--release", "-p", &self.package, "--target-dir"])
            .arg(&self.target_dir)
            .arg("--message-format=json-render-diagnostics")
            .args(self.flavor.cargo_args())
            .env("NET_CONFIG", files.join(";"))
            .env("NET_BOARD", &self.board)
            .env("NET_CONFIG_DEFINES", self.defines.join(";"))
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // Bare-metal firmware: the release profile tuned as configured (the host keeps it).
        if let Flavor::Qemu { .. } = self.flavor {
            cmd.envs(crate::size::FIRMWARE_PROFILE.iter().copied())
                .env(crate::size::OPT_LEVEL_VAR, self.opt_level);
        }
        Ok(cmd)
    }
}

/// The executable of `package` among cargo's JSON messages (`--message-format=json*`): the
/// binary target named after the package, else the package's only binary.
pub fn artifact_from_messages(messages: &str, package: &str) -> Option<PathBuf> {
    let mut bins = Vec::new();
    for line in messages.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-artifact" {
            continue;
        }
        let Some(exe) = v["executable"].as_str() else {
            continue;
        };
        let id = v["package_id"].as_str().unwrap_or_default();
        // `path+file:///dir#name@0.1.0`, or `...#0.1.0` when the dir is named after the package.
        let id_name = id
            .rsplit_once('#')
            .map_or("", |(head, tail)| match tail.split_once('@') {
                Some((name, _)) => name,
                None => head.rsplit('/').next().unwrap_or_default(),
            });
        if id_name != package {
            continue;
        }
        let target = v["target"]["name"].as_str().unwrap_or_default().to_string();
        bins.push((target, PathBuf::from(exe)));
    }
    match bins.iter().find(|(t, _)| t == package) {
        Some((_, p)) => Some(p.clone()),
        None if bins.len() == 1 => bins.pop().map(|(_, p)| p),
        None => None,
    }
}

/// `65536` → `64 KiB`, `4194304` → `4 MiB`, other values in bytes.
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

fn percent(part: u64, whole: u64) -> String {
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// The one-line size summary of an image on `board`, or the reason it does not fit the
/// board's flash and RAM. A board without `[memory]` (the host) has nothing to fit: the
/// line gives just the sizes. A board without flash loads the whole image into RAM, so
/// there ROM + bss must fit RAM.
pub fn fit(sizes: &Sizes, board: &str, memory: Option<&Memory>) -> Result<String, String> {
    let mut line = sizes.to_string();
    let Some(mem) = memory else {
        return Ok(line);
    };
    let mut errors = Vec::new();
    let over = |what: &str, used: u64, size: u64, region: &str| {
        format!(
            "{what} {used} B exceeds the {} ({size} B) {region} of {board} by {} B",
            human(size),
            used - size
        )
    };
    match mem.flash_size {
        Some(flash) => {
            let _ = write!(
                line,
                "; {} of {} flash, {} of {} RAM",
                percent(sizes.rom(), flash),
                human(flash),
                percent(sizes.ram(), mem.ram_size),
                human(mem.ram_size)
            );
            if sizes.rom() > flash {
                errors.push(over("ROM", sizes.rom(), flash, "flash"));
            }
            if sizes.ram() > mem.ram_size {
                errors.push(over("RAM", sizes.ram(), mem.ram_size, "RAM"));
            }
        }
        None => {
            let used = sizes.rom() + sizes.bss;
            let _ = write!(
                line,
                "; {} of {} RAM (no flash: the whole image loads into RAM)",
                percent(used, mem.ram_size),
                human(mem.ram_size)
            );
            if used > mem.ram_size {
                errors.push(over("ROM + bss", used, mem.ram_size, "RAM"));
            }
        }
    }
    if errors.is_empty() {
        Ok(line)
    } else {
        Err(format!(
            "the firmware does not fit {board}: {}\n  note: {line}\n  help: turn features off or shrink pools and tables \
             (`netcfg show --format json` lists the RAM by component)",
            errors.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem(flash: Option<u64>, ram: u64) -> Memory {
        Memory {
            flash_origin: flash.map(|_| 0),
            flash_size: flash,
            ram_origin: 0x2000_0000,
            ram_size: ram,
        }
    }

    #[test]
    fn fnv_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn hash_is_short_and_separates_board_and_config() {
        let h = config_hash("native_sim", "CONFIG_X=y\n");
        assert_eq!(h.len(), 12);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(h, config_hash("native_sim", "CONFIG_X=y\n"));
        assert_ne!(h, config_hash("native_sim", "CONFIG_X=n\n"));
        assert_ne!(h, config_hash("qemu_cortex_m3", "CONFIG_X=y\n"));
        let d = build_dir(Path::new("/w"), "native_sim", "");
        assert!(d.starts_with("/w/target/netcfg"));
        assert!(
            d.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("native_sim-")
        );
    }

    #[test]
    fn fit_without_memory_prints_sizes() {
        let s = Sizes {
            text: 1000,
            rodata: 200,
            data: 30,
            bss: 4,
        };
        assert_eq!(fit(&s, "native_sim", None).unwrap(), s.to_string());
    }

    #[test]
    fn fit_against_flash_and_ram() {
        let s = Sizes {
            text: 20 * 1024,
            rodata: 4 * 1024,
            data: 0,
            bss: 16 * 1024,
        };
        let line = fit(
            &s,
            "qemu_cortex_m3",
            Some(&mem(Some(256 * 1024), 64 * 1024)),
        )
        .unwrap();
        assert!(
            line.ends_with("; 9.4% of 256 KiB flash, 25.0% of 64 KiB RAM"),
            "{line}"
        );
    }

    #[test]
    fn too_big_fails_with_the_overflow() {
        let s = Sizes {
            text: 300_000,
            rodata: 0,
            data: 100,
            bss: 70_000,
        };
        let e = fit(&s, "qemu_cortex_m3", Some(&mem(Some(262_144), 65_536))).unwrap_err();
        assert!(
            e.starts_with("the firmware does not fit qemu_cortex_m3: "),
            "{e}"
        );
        assert!(
            e.contains(
                "ROM 300100 B exceeds the 256 KiB (262144 B) flash of qemu_cortex_m3 by 37956 B"
            ),
            "{e}"
        );
        assert!(
            e.contains("RAM 70100 B exceeds the 64 KiB (65536 B) RAM of qemu_cortex_m3 by 4564 B"),
            "{e}"
        );
        // Only RAM too small.
        let s = Sizes {
            text: 1000,
            bss: 70_000,
            ..Sizes::default()
        };
        let e = fit(&s, "b", Some(&mem(Some(262_144), 65_536))).unwrap_err();
        assert!(!e.contains("ROM 1000 B exceeds"), "{e}");
        assert!(e.contains("RAM 70000 B exceeds"), "{e}");
    }

    #[test]
    fn ram_loaded_board_counts_the_whole_image_in_ram() {
        let s = Sizes {
            text: 60_000,
            rodata: 0,
            data: 0,
            bss: 10_000,
        };
        assert!(fit(&s, "r", Some(&mem(None, 65_536))).is_err());
        assert!(fit(&s, "r", Some(&mem(None, 131_072))).is_ok());
    }

    fn repo_board(name: &str) -> Board {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        crate::board::find(&boards, name).unwrap()
    }

    /// The opt-level of the repository's tree on qemu_cortex_m3 with `defines`.
    fn repo_opt_level(defines: &[&str]) -> &'static str {
        let req = crate::Request {
            kconfig: Path::new(env!("CARGO_MANIFEST_DIR")).join("../Kconfig"),
            board: Some("qemu_cortex_m3".into()),
            defines: defines.iter().map(|d| d.to_string()).collect(),
            ..Default::default()
        };
        let loaded = req.load().unwrap();
        let res = loaded.resolve();
        assert!(!res.has_errors(), "{}", res.diagnostics);
        opt_level(&res)
    }

    #[test]
    fn optimization_choice_sets_the_opt_level() {
        assert_eq!(repo_opt_level(&[]), "s");
        for (sym, level) in [
            ("SIZE_OPTIMIZATIONS_AGGRESSIVE", "z"),
            ("SPEED_OPTIMIZATIONS", "2"),
            ("DEBUG_OPTIMIZATIONS", "1"),
            ("NO_OPTIMIZATIONS", "0"),
        ] {
            assert_eq!(repo_opt_level(&[&format!("{sym}=y")]), level, "{sym}");
        }
        let build = |flavor: Flavor| Build {
            root: PathBuf::from("/w"),
            package: "app".into(),
            board: "b".into(),
            flavor,
            files: Vec::new(),
            defines: Vec::new(),
            target_dir: PathBuf::from("/w/t"),
            opt_level: "z",
        };
        let envs = |cmd: Command| -> Vec<(String, String)> {
            cmd.get_envs()
                .filter_map(|(k, v)| Some((k.to_str()?.to_string(), v?.to_str()?.to_string())))
                .collect()
        };
        let qemu = Flavor::of(&repo_board("qemu_cortex_m3")).unwrap();
        let fw = envs(build(qemu).cargo_command("cargo").unwrap());
        assert!(fw.contains(&("CARGO_PROFILE_RELEASE_OPT_LEVEL".into(), "z".into())));
        assert!(fw.contains(&("CARGO_PROFILE_RELEASE_LTO".into(), "fat".into())));
        let host = envs(build(Flavor::Native).cargo_command("cargo").unwrap());
        assert!(!host.iter().any(|(k, _)| k.starts_with("CARGO_PROFILE_")));
    }

    #[test]
    fn flavors_of_the_boards() {
        assert_eq!(Flavor::of(&repo_board("native_sim")), Ok(Flavor::Native));
        let m3 = Flavor::of(&repo_board("qemu_cortex_m3")).unwrap();
        assert_eq!(
            m3,
            Flavor::Qemu {
                target: "thumbv7m-none-eabi".into()
            }
        );
        assert_eq!(m3.cargo_args(), ["--target", "thumbv7m-none-eabi"]);
        let rv = Flavor::of(&repo_board("qemu_riscv32")).unwrap();
        assert_eq!(
            rv.cargo_args(),
            ["--target", "riscv32imac-unknown-none-elf"]
        );
        // A QEMU board without firmware is refused.
        let mut other = repo_board("qemu_riscv32");
        other.name = "qemu_x86".into();
        let e = Flavor::of(&other).unwrap_err();
        assert!(
            e.contains("firmware for qemu_x86 is not available yet"),
            "{e}"
        );
    }

    #[test]
    fn qemu_run_command() {
        let board = repo_board("qemu_cortex_m3");
        let flavor = Flavor::of(&board).unwrap();
        let args = |cmd: &Command| -> Vec<String> {
            cmd.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let tap = NetBackend::Tap("qtap0".into());
        let cmd = flavor.run_command(&board, Path::new("/fw.elf"), Some(&tap), &[]);
        assert_eq!(cmd.get_program(), "qemu-system-arm");
        let a = args(&cmd);
        let joined = a.join(" ");
        assert!(joined.contains("-machine lm3s6965evb"), "{joined}");
        assert!(
            joined.contains("-semihosting-config enable=on,target=native"),
            "{joined}"
        );
        assert!(
            joined.contains(
                "-nic tap,ifname=qtap0,script=no,downscript=no,model=stellaris,mac=52:54:00:12:34:56"
            ),
            "{joined}"
        );
        assert!(joined.ends_with("-kernel /fw.elf"), "{joined}");
        // Without a TAP: no NIC rather than QEMU's default SLIRP; `--` arguments go to QEMU.
        let cmd = flavor.run_command(&board, Path::new("/fw.elf"), None, &["-S".into()]);
        let joined = args(&cmd).join(" ");
        assert!(joined.contains("-nic none"), "{joined}");
        assert!(joined.ends_with("-kernel /fw.elf -S"), "{joined}");
        // Any -netdev backend (`--netdev`): an on-board NIC takes it with -nic.
        let socket =
            NetBackend::Netdev("socket,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556".into());
        let cmd = flavor.run_command(&board, Path::new("/fw.elf"), Some(&socket), &[]);
        let a = args(&cmd);
        let at = a.iter().position(|x| x == "-nic").unwrap();
        assert_eq!(
            a[at + 1],
            "socket,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556,model=stellaris,mac=52:54:00:12:34:56"
        );
        assert_eq!(a.iter().filter(|x| *x == "-nic").count(), 1, "{a:?}");
    }

    #[test]
    fn qemu_riscv32_attaches_virtio_net_as_a_device() {
        let board = repo_board("qemu_riscv32");
        let flavor = Flavor::of(&board).unwrap();
        let args = |cmd: &Command| -> Vec<String> {
            cmd.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let tap = NetBackend::Tap("qtap0".into());
        let cmd = flavor.run_command(&board, Path::new("/fw.elf"), Some(&tap), &[]);
        assert_eq!(cmd.get_program(), "qemu-system-riscv32");
        let a = args(&cmd);
        let joined = a.join(" ");
        for part in [
            "-machine virt",
            "-bios none",
            "-semihosting-config enable=on,target=native",
            "-global virtio-mmio.force-legacy=false",
            "-netdev tap,ifname=qtap0,script=no,downscript=no,id=net0 \
             -device virtio-net-device,netdev=net0,mac=52:54:00:12:34:56",
        ] {
            assert!(joined.contains(part), "{part}: {joined}");
        }
        assert!(!a.iter().any(|x| x == "-nic"), "{joined}");
        assert!(joined.ends_with("-kernel /fw.elf"), "{joined}");

        let socket =
            NetBackend::Netdev("socket,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556".into());
        let cmd = flavor.run_command(&board, Path::new("/fw.elf"), Some(&socket), &[]);
        let joined = args(&cmd).join(" ");
        assert!(
            joined.contains(
                "-netdev socket,udp=127.0.0.1:5555,localaddr=127.0.0.1:5556,id=net0 \
                 -device virtio-net-device,netdev=net0,mac=52:54:00:12:34:56"
            ),
            "{joined}"
        );
        // Without a backend the machine has no NIC at all (QEMU's default would be SLIRP).
        let cmd = flavor.run_command(&board, Path::new("/fw.elf"), None, &[]);
        let joined = args(&cmd).join(" ");
        assert!(joined.contains("-nic none"), "{joined}");
        assert!(!joined.contains("virtio-net-device"), "{joined}");
    }

    #[test]
    fn qemu_cortex_m0_runs_the_microbit_without_a_nic() {
        let board = repo_board("qemu_cortex_m0");
        let flavor = Flavor::of(&board).unwrap();
        assert_eq!(flavor.cargo_args(), ["--target", "thumbv6m-none-eabi"]);
        let cmd = flavor.run_command(&board, Path::new("/fw.elf"), None, &[]);
        assert_eq!(cmd.get_program(), "qemu-system-arm");
        let joined = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        for part in [
            "-machine microbit",
            "-cpu cortex-m0",
            "-nographic",
            "-semihosting-config enable=on,target=native",
            "-nic none",
        ] {
            assert!(joined.contains(part), "{part}: {joined}");
        }
        assert!(!joined.contains("model="), "{joined}");
        assert!(joined.ends_with("-kernel /fw.elf"), "{joined}");
    }

    #[test]
    fn board_overlays() {
        let dir = std::env::temp_dir().join(format!("netcfg-overlay-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("boards")).unwrap();
        std::fs::write(
            dir.join("boards/qemu_cortex_m0.conf"),
            "CONFIG_NET_BUF_RX_COUNT=8\n",
        )
        .unwrap();
        assert_eq!(
            board_overlay(&dir, "qemu_cortex_m0"),
            Some(dir.join("boards/qemu_cortex_m0.conf"))
        );
        assert_eq!(board_overlay(&dir, "qemu_cortex_m3"), None);
        std::fs::remove_dir_all(&dir).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/echo_server");
        assert!(board_overlay(&repo, "qemu_cortex_m0").is_some());
        assert!(board_overlay(&repo, "native_sim").is_some());
        assert_eq!(board_overlay(&repo, "qemu_cortex_m3"), None);
    }

    #[test]
    fn mps2_an385_runs_with_the_lan9118() {
        let board = repo_board("mps2_an385");
        let flavor = Flavor::of(&board).unwrap();
        assert_eq!(flavor.cargo_args(), ["--target", "thumbv7m-none-eabi"]);
        let tap = NetBackend::Tap("qtap0".into());
        let cmd = flavor.run_command(&board, Path::new("/fw.elf"), Some(&tap), &[]);
        assert_eq!(cmd.get_program(), "qemu-system-arm");
        let joined = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        for part in [
            "-machine mps2-an385",
            "-cpu cortex-m3",
            "-semihosting-config enable=on,target=native",
            "-nic tap,ifname=qtap0,script=no,downscript=no,model=lan9118,mac=52:54:00:12:34:56",
        ] {
            assert!(joined.contains(part), "{part}: {joined}");
        }
        assert!(joined.ends_with("-kernel /fw.elf"), "{joined}");
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(65536), "64 KiB");
        assert_eq!(human(4 << 20), "4 MiB");
        assert_eq!(human(1000), "1000 B");
    }

    #[test]
    fn package_names() {
        assert_eq!(
            package_name("[package]\nname = \"echo_server\"\n").unwrap(),
            "echo_server"
        );
        assert!(package_name("[workspace]\n").is_err());
    }

    #[test]
    fn workspace_members() {
        let m = "[workspace]\nmembers = [\"net-config\", \"examples/echo_server\", \"apps/*\"]\nexclude = [\"apps/skip\"]\n";
        assert!(is_workspace_member(m, "examples/echo_server"));
        assert!(is_workspace_member(m, "apps/foo"));
        assert!(!is_workspace_member(m, "apps/skip"));
        assert!(!is_workspace_member(m, "apps/foo/bar"));
        assert!(!is_workspace_member(m, "examples/other"));
    }

    #[test]
    fn finds_the_artifact_in_cargo_messages() {
        let msgs = concat!(
            r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#libc@0.2.0","target":{"name":"libc"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/examples/echo_server#0.1.0","target":{"name":"echo_server"},"executable":"/w/target/release/echo_server"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n"
        );
        assert_eq!(
            artifact_from_messages(msgs, "echo_server"),
            Some(PathBuf::from("/w/target/release/echo_server"))
        );
        let named = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/apps/x#my-app@0.1.0","target":{"name":"tool"},"executable":"/w/t/tool"}"#;
        assert_eq!(
            artifact_from_messages(named, "my-app"),
            Some(PathBuf::from("/w/t/tool"))
        );
        assert_eq!(artifact_from_messages(named, "other"), None);
    }
}
