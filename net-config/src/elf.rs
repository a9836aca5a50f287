//! ROM and RAM of a firmware image, from its ELF section headers.
//!
//! Only sections that occupy memory at run time count (`SHF_ALLOC`), classified as
//! Zephyr's `rom_report`/`ram_report` and GNU `size` do:
//!
//! - **text**: allocated and executable (`.text`, `.init`, `.plt`, vector tables);
//! - **rodata**: allocated, neither executable nor writable (`.rodata`, `.eh_frame`, ...);
//! - **data**: allocated, writable, with contents in the file (`.data`, `.got`, ...);
//! - **bss**: allocated, without contents in the file (`SHT_NOBITS`: `.bss`, `.tbss`).
//!
//! ROM is text + rodata + data (initialized data is stored in flash and copied to RAM at
//! startup); RAM is data + bss.
//!
//! [`read_image`] also reads the symbol table (`.symtab`): each sized symbol of an
//! allocated section with the bytes it alone covers ([`Symbol::bytes`]: aliases and overlaps
//! count once), so that per section the symbols' bytes plus [`Section::unattributed`]
//! (padding, vector table slack, anonymous constants) add up to the section's size exactly.

use std::fmt;
use std::path::Path;

use object::elf;
use object::read::elf::{ElfFile32, ElfFile64, FileHeader, SectionHeader, Sym};
use object::{Endianness, FileKind};

/// Bytes per section class of an image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// Executable code.
    pub text: u64,
    /// Read-only data.
    pub rodata: u64,
    /// Initialized writable data.
    pub data: u64,
    /// Zero-initialized data.
    pub bss: u64,
}

impl Sizes {
    /// Flash (ROM) taken: text + rodata + initialized data.
    pub fn rom(&self) -> u64 {
        self.text + self.rodata + self.data
    }

    /// RAM taken: initialized data + bss.
    pub fn ram(&self) -> u64 {
        self.data + self.bss
    }

    /// Adds one section with ELF flags `flags` and type `sh_type` of `size` bytes.
    pub fn add_section(&mut self, sh_type: u32, flags: u64, size: u64) {
        if let Some(class) = Class::of(sh_type, flags) {
            self.add(class, size);
        }
    }

    /// Adds `size` bytes of class `class`.
    pub fn add(&mut self, class: Class, size: u64) {
        *match class {
            Class::Text => &mut self.text,
            Class::Rodata => &mut self.rodata,
            Class::Data => &mut self.data,
            Class::Bss => &mut self.bss,
        } += size;
    }
}

/// The class of an allocated section: where its bytes live at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Executable code (flash).
    Text,
    /// Read-only data (flash).
    Rodata,
    /// Initialized writable data (flash, copied to RAM).
    Data,
    /// Zero-initialized data (RAM).
    Bss,
}

impl Class {
    /// The class of a section with type `sh_type` and flags `flags`; `None` when it is not
    /// allocated (debug info, symbol tables, comments).
    pub fn of(sh_type: u32, flags: u64) -> Option<Class> {
        if flags & u64::from(elf::SHF_ALLOC) == 0 {
            None
        } else if sh_type == elf::SHT_NOBITS {
            Some(Class::Bss)
        } else if flags & u64::from(elf::SHF_EXECINSTR) != 0 {
            Some(Class::Text)
        } else if flags & u64::from(elf::SHF_WRITE) != 0 {
            Some(Class::Data)
        } else {
            Some(Class::Rodata)
        }
    }

    /// Whether bytes of this class take flash (text, rodata and initialized data).
    pub fn in_rom(self) -> bool {
        self != Class::Bss
    }

    /// Whether bytes of this class take RAM (initialized data and bss).
    pub fn in_ram(self) -> bool {
        matches!(self, Class::Data | Class::Bss)
    }

    /// `text`, `rodata`, `data` or `bss`.
    pub fn name(self) -> &'static str {
        match self {
            Class::Text => "text",
            Class::Rodata => "rodata",
            Class::Data => "data",
            Class::Bss => "bss",
        }
    }
}

/// One allocated section of an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Its name (`.text`, `.vector_table`, ...).
    pub name: String,
    /// Its class.
    pub class: Class,
    /// Its start address.
    pub addr: u64,
    /// Its size in bytes.
    pub size: u64,
    /// The bytes no symbol covers (alignment padding, data without a symbol).
    pub unattributed: u64,
}

/// One sized symbol of an allocated section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// The raw (mangled) name.
    pub name: String,
    /// Index into [`Image::sections`].
    pub section: usize,
    /// Its start address (the Thumb bit of Arm functions cleared).
    pub addr: u64,
    /// Its size from the symbol table.
    pub size: u64,
    /// The bytes it alone accounts for: its size clipped to its section, less what a
    /// symbol at a lower address (or an alias at the same address) already counted.
    pub bytes: u64,
}

/// An image's section totals, allocated sections and sized symbols.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    /// The section totals per class.
    pub sizes: Sizes,
    /// The allocated sections.
    pub sections: Vec<Section>,
    /// The sized symbols of the allocated sections.
    pub symbols: Vec<Symbol>,
}

/// Reads the sections and symbols of the ELF file at `path`.
pub fn read_image(path: &Path) -> Result<Image, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_image(&data).map_err(|e| format!("{}: {e}", path.display()))
}

/// [`read_image`] of an image held in memory.
pub fn parse_image(data: &[u8]) -> Result<Image, String> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => {
            let file = ElfFile32::<Endianness>::parse(data).map_err(|e| e.to_string())?;
            image(file.elf_header(), file.endian(), data)
        }
        Ok(FileKind::Elf64) => {
            let file = ElfFile64::<Endianness>::parse(data).map_err(|e| e.to_string())?;
            image(file.elf_header(), file.endian(), data)
        }
        Ok(other) => Err(format!("not an ELF file ({other:?})")),
        Err(e) => Err(format!("not an ELF file: {e}")),
    }
}

fn image<H: FileHeader<Endian = Endianness>>(
    header: &H,
    endian: Endianness,
    data: &[u8],
) -> Result<Image, String> {
    let table = header.sections(endian, data).map_err(|e| e.to_string())?;
    let mut img = Image::default();
    // ELF section index -> index in img.sections.
    let mut by_index = vec![None; table.len()];
    for (i, s) in table.iter().enumerate() {
        let size: u64 = s.sh_size(endian).into();
        let Some(class) = Class::of(s.sh_type(endian), s.sh_flags(endian).into()) else {
            continue;
        };
        img.sizes.add(class, size);
        let name = table
            .section_name(endian, s)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        by_index[i] = Some(img.sections.len());
        img.sections.push(Section {
            name,
            class,
            addr: s.sh_addr(endian).into(),
            size,
            unattributed: size,
        });
    }
    let arm = header.e_machine(endian) == elf::EM_ARM;
    let symtab = table
        .symbols(endian, data, elf::SHT_SYMTAB)
        .map_err(|e| e.to_string())?;
    for sym in symtab.iter() {
        let size: u64 = sym.st_size(endian).into();
        let kind = sym.st_type();
        if size == 0 || matches!(kind, elf::STT_SECTION | elf::STT_FILE) {
            continue;
        }
        let shndx = usize::from(sym.st_shndx(endian));
        let Some(section) = by_index.get(shndx).copied().flatten() else {
            continue;
        };
        let mut addr: u64 = sym.st_value(endian).into();
        if arm && kind == elf::STT_FUNC {
            addr &= !1;
        }
        let name = symtab
            .symbol_name(endian, sym)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        img.symbols.push(Symbol {
            name,
            section,
            addr,
            size,
            bytes: 0,
        });
    }
    img.attribute();
    Ok(img)
}

impl Image {
    /// Computes [`Symbol::bytes`] and [`Section::unattributed`]: per section, symbols in
    /// address order (the larger first at equal addresses, then by name, so the result
    /// does not depend on the table's order), each counting only bytes inside its section
    /// not yet counted.
    pub fn attribute(&mut self) {
        self.symbols.sort_by(|a, b| {
            (a.section, a.addr, std::cmp::Reverse(a.size), &a.name).cmp(&(
                b.section,
                b.addr,
                std::cmp::Reverse(b.size),
                &b.name,
            ))
        });
        let mut covered: Vec<u64> = self.sections.iter().map(|s| s.addr).collect();
        for s in &mut self.sections {
            s.unattributed = s.size;
        }
        for sym in &mut self.symbols {
            let sec = &mut self.sections[sym.section];
            let end = sym.addr.saturating_add(sym.size).min(sec.addr + sec.size);
            let start = sym.addr.max(covered[sym.section]);
            sym.bytes = end.saturating_sub(start);
            covered[sym.section] = covered[sym.section].max(end);
            sec.unattributed -= sym.bytes;
        }
    }
}

impl fmt::Display for Sizes {
    /// `ROM 123 B (text 100 + rodata 20 + data 3), RAM 13 B (data 3 + bss 10)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ROM {} B (text {} + rodata {} + data {}), RAM {} B (data {} + bss {})",
            self.rom(),
            self.text,
            self.rodata,
            self.data,
            self.ram(),
            self.data,
            self.bss
        )
    }
}

/// Reads the section sizes of the ELF file at `path`.
pub fn read(path: &Path) -> Result<Sizes, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&data).map_err(|e| format!("{}: {e}", path.display()))
}

/// Section sizes of an ELF image held in memory.
pub fn parse(data: &[u8]) -> Result<Sizes, String> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => {
            let file = ElfFile32::<Endianness>::parse(data).map_err(|e| e.to_string())?;
            Ok(sum(file.elf_header(), file.endian(), data))
        }
        Ok(FileKind::Elf64) => {
            let file = ElfFile64::<Endianness>::parse(data).map_err(|e| e.to_string())?;
            Ok(sum(file.elf_header(), file.endian(), data))
        }
        Ok(other) => Err(format!("not an ELF file ({other:?})")),
        Err(e) => Err(format!("not an ELF file: {e}")),
    }
}

fn sum<H: FileHeader<Endian = Endianness>>(header: &H, endian: Endianness, data: &[u8]) -> Sizes {
    let mut sizes = Sizes::default();
    if let Ok(sections) = header.sections(endian, data) {
        for s in sections.iter() {
            sizes.add_section(
                s.sh_type(endian),
                s.sh_flags(endian).into(),
                s.sh_size(endian).into(),
            );
        }
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_sections() {
        let mut s = Sizes::default();
        let alloc = u64::from(elf::SHF_ALLOC);
        s.add_section(
            elf::SHT_PROGBITS,
            alloc | u64::from(elf::SHF_EXECINSTR),
            100,
        );
        s.add_section(elf::SHT_PROGBITS, alloc, 20);
        s.add_section(elf::SHT_PROGBITS, alloc | u64::from(elf::SHF_WRITE), 3);
        s.add_section(elf::SHT_NOBITS, alloc | u64::from(elf::SHF_WRITE), 10);
        s.add_section(elf::SHT_PROGBITS, 0, 5000); // .debug_info: not loaded
        s.add_section(elf::SHT_SYMTAB, 0, 700);
        assert_eq!(
            s,
            Sizes {
                text: 100,
                rodata: 20,
                data: 3,
                bss: 10
            }
        );
        assert_eq!((s.rom(), s.ram()), (123, 13));
        assert_eq!(
            s.to_string(),
            "ROM 123 B (text 100 + rodata 20 + data 3), RAM 13 B (data 3 + bss 10)"
        );
    }

    #[test]
    fn symbols_count_once_and_sections_add_up() {
        let sec = |name: &str, class, addr, size| Section {
            name: name.into(),
            class,
            addr,
            size,
            unattributed: 0,
        };
        let sym = |name: &str, section, addr, size| Symbol {
            name: name.into(),
            section,
            addr,
            size,
            bytes: 0,
        };
        let mut img = Image {
            sizes: Sizes::default(),
            sections: vec![
                sec(".text", Class::Text, 0x100, 100),
                sec(".bss", Class::Bss, 0x2000_0000, 16),
            ],
            symbols: vec![
                sym("b", 0, 0x120, 30),     // overlaps a by 10
                sym("a", 0, 0x100, 40),     // 0x100..0x128
                sym("alias", 0, 0x100, 40), // same bytes as a
                sym("tail", 0, 0x15c, 20),  // runs 12 bytes past the section
                sym("x", 1, 0x2000_0000, 8),
            ],
        };
        img.attribute();
        let bytes: Vec<(&str, u64)> = img
            .symbols
            .iter()
            .map(|s| (s.name.as_str(), s.bytes))
            .collect();
        assert_eq!(
            bytes,
            [("a", 40), ("alias", 0), ("b", 22), ("tail", 8), ("x", 8)]
        );
        assert_eq!(img.sections[0].unattributed, 100 - 70);
        assert_eq!(img.sections[1].unattributed, 8);
    }

    #[test]
    fn rejects_non_elf() {
        assert!(parse(b"not an elf file at all").is_err());
    }

    #[test]
    fn reads_own_executable() {
        let exe = std::env::current_exe().unwrap();
        let bytes = std::fs::read(&exe).unwrap();
        if !bytes.starts_with(b"\x7fELF") {
            return; // not an ELF host
        }
        let s = read(&exe).unwrap();
        assert!(s.text > 0 && s.rodata > 0, "{s:?}");
        // Symbols plus unattributed bytes give every section's size, to the byte.
        let img = read_image(&exe).unwrap();
        assert_eq!(img.sizes, s);
        assert!(img.symbols.len() > 100);
        for (i, sec) in img.sections.iter().enumerate() {
            let symbols: u64 = img
                .symbols
                .iter()
                .filter(|y| y.section == i)
                .map(|y| y.bytes)
                .sum();
            assert_eq!(symbols + sec.unattributed, sec.size, "{}", sec.name);
        }
        assert!(s.rom() < bytes.len() as u64 + s.bss);
    }
}
