//! The master key that seals secrets at rest: `WARDEN_MASTER_KEY` (64 hex digits) if set, else
//! `<data dir>/master.key`, created (mode 0600) on first start.

use std::io::Write;
use std::path::Path;

use warden_core::crypto::MasterKey;

pub fn load_or_create(data_dir: &Path, env_value: Option<String>) -> Result<MasterKey, String> {
    if let Some(hex_key) = env_value {
        return parse(hex_key.trim()).map_err(|e| format!("WARDEN_MASTER_KEY: {e}"));
    }
    let path = data_dir.join("master.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(text.trim()).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = MasterKey::generate_bytes();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            file.write_all(hex::encode(bytes).as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(MasterKey::from_bytes(&bytes))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
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
        let a = load_or_create(&dir, None).unwrap();
        let sealed = a.seal(b"x");
        let b = load_or_create(&dir, None).unwrap();
        assert_eq!(b.open(&sealed).unwrap(), b"x");
        assert!(load_or_create(&dir, Some("abcd".into())).is_err());
    }
}
