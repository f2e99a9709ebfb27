//! Values the hosted pages hand to the browser and get back (the pending authorization
//! request): sealed under the master key with an expiry, so the browser can neither read nor
//! alter them, nor replay them after they expire.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::error::{CoreError, CoreResult};
use crate::service::services::OAuth;

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    purpose: String,
    exp: i64,
    value: T,
}

impl OAuth {
    /// Seals `value` for `purpose`, valid for `ttl_secs`.
    pub fn seal_for_browser<T: Serialize>(&self, purpose: &str, value: &T, ttl_secs: i64) -> String {
        let envelope = Envelope { purpose: purpose.to_owned(), exp: self.kernel.clock.now() + ttl_secs, value };
        let bytes = serde_json::to_vec(&envelope).expect("sealed values serialise");
        URL_SAFE_NO_PAD.encode(self.kernel.master.seal(&bytes))
    }

    /// Opens what `seal_for_browser` sealed for the same `purpose`, if it has not expired.
    pub fn open_from_browser<T: DeserializeOwned>(&self, purpose: &str, sealed: &str) -> CoreResult<T> {
        let bad = || CoreError::invalid_as(Invalid::Request, "The sign-in request is invalid or has expired");
        let bytes = URL_SAFE_NO_PAD.decode(sealed.trim()).map_err(|_| bad())?;
        let plain = self.kernel.master.open(&bytes).map_err(|_| bad())?;
        let envelope: Envelope<T> = serde_json::from_slice(&plain).map_err(|_| bad())?;
        if envelope.purpose != purpose || envelope.exp <= self.kernel.clock.now() {
            return Err(bad());
        }
        Ok(envelope.value)
    }
}
