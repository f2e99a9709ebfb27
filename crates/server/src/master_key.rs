//! The master key that seals secrets at rest: `WARDEN_MASTER_KEY` (64 hex digits) if set, else
//! `<data dir>/master.key`, created (mode 0600) on first start: only when the database holds
//! nothing sealed yet, since a new key would open none of it.

use std::io::Write;
use std::path::Path;

use warden_core::crypto::MasterKey;

/// `database_holds_secrets`: the database already holds values sealed under some master key;
/// then a missing key file is an error, not a new key.
pub fn load_or_create(
    data_dir: &Path,
    env_value: Option<String>,
    database_holds_secrets: bool,
) -> Result<MasterKey, String> {
    if let Some(hex_key) = env_value {
        return parse(hex_key.trim()).map_err(|e| format!("WARDEN_MASTER_KEY: {e}"));
    }
    let path = data_dir.join("master.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(text.trim()).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && database_holds_secrets => Err(format!(
            "{} does not exist, but the database holds secrets sealed under a master key: set \
             WARDEN_MASTER_KEY, or copy master.key from the instance that first used this database",
            path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Writes a new key to a file of its own, then links it into place: the link fails if another
/// process created the key meanwhile, and then that key is the one (never a half-written file).
fn create(path: &Path) -> Result<MasterKey, String> {
    let bytes = MasterKey::generate_bytes();
    let tmp = path.with_extension(format!("key.{}.tmp", uuid::Uuid::new_v4()));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(hex::encode(bytes).as_bytes())?;
        file.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => Ok(MasterKey::from_bytes(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            parse(text.trim()).map_err(|e| format!("{}: {e}", path.display()))
        }
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

fn parse(hex_key: &str) -> Result<MasterKey, String> {
    let bytes = hex::decode(hex_key).map_err(|_| "not hexadecimal".to_string())?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| "must be 32 bytes (64 hex digits)".to_string())?;
    Ok(MasterKey::from_bytes(&arr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_reused() {
        let dir = std::env::temp_dir().join(format!("warden-mk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = load_or_create(&dir, None, false).unwrap();
        let sealed = a.seal(b"x");
        let b = load_or_create(&dir, None, true).unwrap();
        assert_eq!(b.open(&sealed).unwrap(), b"x");
        assert!(load_or_create(&dir, Some("abcd".into()), false).is_err());
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("master.key")], "no temporary file left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_new_key_for_a_database_that_holds_secrets() {
        let dir = std::env::temp_dir().join(format!("warden-mk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = load_or_create(&dir, None, true).unwrap_err();
        assert!(e.contains("WARDEN_MASTER_KEY"), "{e}");
        assert!(!dir.join("master.key").exists(), "no key written");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_first_starts_agree_on_one_key() {
        let dir = std::env::temp_dir().join(format!("warden-mk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let keys: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || load_or_create(&dir, None, false).unwrap())
            })
            .map(|t| t.join().unwrap())
            .collect();
        let sealed = keys[0].seal(b"x");
        assert!(keys.iter().all(|k| k.open(&sealed).is_ok()), "every starter holds the same key");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
