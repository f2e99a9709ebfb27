//! argon2id on a bounded pool of dedicated threads, off the async runtime: `workers` threads hash
//! and at most `queue` jobs wait, so a login flood queues (then is refused) instead of starving
//! every other request. The hashing threads run at a lower scheduling priority, so requests that
//! need no hash (refreshes, token checks) keep getting the CPU during a flood. Unknown users are
//! checked against a dummy hash so they cost the same time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::config::Argon2Params;
use crate::error::Limit;
use crate::error::{CoreError, CoreResult};
use crate::secret::Secret;

#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    argon: Argon2<'static>,
    jobs: Mutex<mpsc::Sender<Job>>,
    queue: Semaphore,
    dummy: String,
    buffers: Buffers,
    pending: Pending,
}

type Job = Box<dyn FnOnce() + Send>;

/// Nice value of the hashing threads (Linux applies it per thread).
const HASHING_NICENESS: i32 = 10;

/// argon2's working memory, reused from one verification to the next while sign-ins keep coming
/// (allocating and page-faulting 19 MiB costs about a fifth of a hash) and dropped as soon as the
/// queue runs dry, so an idle server holds none of it.
type Buffers = Arc<Mutex<Vec<Vec<Block>>>>;

/// Jobs sent but not yet taken by a worker.
type Pending = Arc<AtomicUsize>;

#[allow(unsafe_code)]
fn hashing_worker(jobs: Arc<Mutex<mpsc::Receiver<Job>>>, buffers: Buffers, pending: Pending) {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; on Linux, who = 0 is this thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS);
    }
    loop {
        let next = {
            let rx = jobs.lock().expect("hashing queue lock");
            match rx.try_recv() {
                Ok(job) => Some(job),
                Err(mpsc::TryRecvError::Empty) => {
                    // Idle: give argon2's working memory back before waiting.
                    buffers.lock().expect("buffer pool lock").clear();
                    rx.recv().ok()
                }
                Err(mpsc::TryRecvError::Disconnected) => None,
            }
        };
        match next {
            Some(job) => {
                pending.fetch_sub(1, Ordering::SeqCst);
                job()
            }
            None => return,
        }
    }
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("params", self.inner.argon.params()).finish()
    }
}

impl PasswordHasher {
    pub fn new(params: &Argon2Params, workers: usize, queue: usize) -> CoreResult<Self> {
        let p = Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
            .map_err(|e| CoreError::internal(format!("argon2 parameters: {e}")))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
        let salt = SaltString::generate(&mut OsRng);
        let dummy = argon
            .hash_password(b"warden-dummy-password", &salt)
            .map_err(|e| CoreError::internal(format!("argon2: {e}")))?
            .to_string();
        let workers = workers.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let buffers: Buffers = Arc::default();
        let pending: Pending = Arc::default();
        for n in 0..workers {
            let (rx, buffers, pending) = (rx.clone(), buffers.clone(), pending.clone());
            std::thread::Builder::new()
                .name(format!("warden-hash-{n}"))
                .spawn(move || hashing_worker(rx, buffers, pending))
                .map_err(|e| CoreError::internal(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(Self {
            inner: Arc::new(Inner {
                argon,
                jobs: Mutex::new(tx),
                queue: Semaphore::new(workers + queue),
                dummy,
                buffers,
                pending,
            }),
        })
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce(&Inner) -> T + Send + 'static) -> CoreResult<T> {
        let _queued =
            self.inner.queue.try_acquire().map_err(|_| CoreError::throttled(Limit::Busy, "Too many requests"))?;
        let (done, result) = tokio::sync::oneshot::channel();
        let inner = self.inner.clone();
        self.inner.pending.fetch_add(1, Ordering::SeqCst);
        let task: Job = Box::new(move || {
            let _ = done.send(job(&inner));
        });
        self.inner
            .jobs
            .lock()
            .expect("hashing queue lock")
            .send(task)
            .map_err(|_| CoreError::internal("hashing pool stopped"))?;
        result.await.map_err(|_| CoreError::internal("hashing job was dropped"))
    }

    /// A PHC string (`$argon2id$v=19$m=...`).
    pub async fn hash(&self, password: &Secret<String>) -> CoreResult<String> {
        let pw = password.clone();
        self.run(move |inner| {
            let salt = SaltString::generate(&mut OsRng);
            inner
                .argon
                .hash_password(pw.expose().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| CoreError::internal(format!("argon2: {e}")))
        })
        .await?
    }

    /// Verifies against `phc`, or against the dummy hash when there is none (unknown user, no
    /// password yet) and then answers false, at the same cost.
    pub async fn verify(&self, password: &Secret<String>, phc: Option<&str>) -> CoreResult<bool> {
        let pw = password.clone();
        let phc = phc.map(str::to_owned);
        self.run(move |inner| {
            let (target, real) = match &phc {
                Some(h) => (h.as_str(), true),
                None => (inner.dummy.as_str(), false),
            };
            let ok =
                verify_reusing_memory(pw.expose().as_bytes(), target, &inner.buffers, &inner.pending).unwrap_or(false);
            ok && real
        })
        .await
    }
}

/// Recomputes the PHC string's hash with its own parameters and salt, in this thread's reused
/// memory, and compares in constant time. `None` when the PHC string does not parse.
fn verify_reusing_memory(password: &[u8], phc: &str, buffers: &Buffers, pending: &Pending) -> Option<bool> {
    let parsed = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed.version.map(Version::try_from).transpose().ok()?.unwrap_or_default();
    let params = Params::try_from(&parsed).ok()?;
    let expected = parsed.hash?;
    let mut salt_buf = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt_buf).ok()?;
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut blocks = buffers.lock().expect("buffer pool lock").pop().unwrap_or_default();
    blocks.resize(params.block_count(), Block::default());
    let hashed = argon.hash_password_into_with_memory(password, salt, &mut out, &mut blocks[..]).ok();
    // Keep the memory for the next sign-in only if one is already waiting.
    if pending.load(Ordering::SeqCst) > 0 {
        buffers.lock().expect("buffer pool lock").push(blocks);
    }
    hashed?;
    Some(out.ct_eq(expected.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Argon2Params {
        Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 }
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = PasswordHasher::new(&fast(), 2, 8).unwrap();
        let pw = Secret::from("Correct-Horse1");
        let phc = h.hash(&pw).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(h.verify(&pw, Some(&phc)).await.unwrap());
        assert!(!h.verify(&Secret::from("wrong"), Some(&phc)).await.unwrap());
        assert!(!h.verify(&pw, None).await.unwrap(), "no hash never verifies");
        assert!(!h.verify(&pw, Some("not a phc string")).await.unwrap());
        // A hash made elsewhere with other parameters still verifies (its own params are used).
        let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(2048, 3, 1, None).unwrap())
            .hash_password(b"Correct-Horse1", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(h.verify(&pw, Some(&other)).await.unwrap());
        assert!(!h.verify(&Secret::from("Correct-Horse2"), Some(&other)).await.unwrap());
    }

    #[tokio::test]
    async fn full_queue_is_refused() {
        let h = PasswordHasher::new(&fast(), 1, 0).unwrap();
        let _hold = h.inner.queue.try_acquire().unwrap();
        let err = h.hash(&Secret::from("x")).await.unwrap_err();
        assert!(matches!(err, CoreError::Throttled(Limit::Busy, _)));
    }
}
