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

use std::fmt;
use std::path::Path;

use object::elf;
use object::read::elf::{ElfFile32, ElfFile64, FileHeader, SectionHeader};
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
        if flags & u64::from(elf::SHF_ALLOC) == 0 {
            return;
        }
        let slot = if sh_type == elf::SHT_NOBITS {
            &mut self.bss
        } else if flags & u64::from(elf::SHF_EXECINSTR) != 0 {
            &mut self.text
        } else if flags & u64::from(elf::SHF_WRITE) != 0 {
            &mut self.data
        } else {
            &mut self.rodata
        };
        *slot += size;
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
        assert!(s.rom() < bytes.len() as u64 + s.bss);
    }
}
